"""pytest plugin: the `toolbridge_cassette` fixture and the `--record-mode` option.

Loaded through the `pytest11` entry point `toolbridge = "toolbridge.testing.plugin"`, so
installing toolbridge with the `testing` extra is all a project needs:

    def test_order_question(toolbridge_cassette, toolkit):
        toolbridge_cassette.add_secrets(toolkit)
        turn = agent.session().send("Where is ORD-1042?")
        assert "shipped" in turn.reply

The cassette is `cassettes/<test name>.yaml` under the rootdir (ini option
`toolbridge_cassette_dir`). The default record mode is `none`: replay only, so CI never
reaches the network and a missing or drifted cassette fails the test. Record with
`pytest --record-mode=once` (a missing cassette is recorded) or `all` (re-record).
Override the `toolbridge_secrets` and `toolbridge_volatile` fixtures to configure what is
scrubbed and what is normalised, for a module or the whole suite.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .cassettes import Recording

DEFAULT_DIR = "cassettes"
RECORD_MODES = ("none", "once", "new_episodes", "all", "any")
"""vcrpy's record modes (vcrpy itself is imported only when a cassette is used)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("toolbridge", "toolbridge cassettes")
    # Another vcrpy plugin (pytest-recording) may own --record-mode already: we read its value.
    with contextlib.suppress(ValueError):
        group.addoption(
            "--record-mode",
            action="store",
            dest="record_mode",
            default=None,
            choices=RECORD_MODES,
            help="vcrpy record mode for toolbridge cassettes (default: none, replay only)",
        )
    parser.addini(
        "toolbridge_cassette_dir",
        "where toolbridge cassettes live, from the rootdir",
        default=DEFAULT_DIR,
    )


def _record_mode(config: pytest.Config) -> str:
    value = config.getoption("record_mode", default=None)
    return str(value) if value else "none"


def _cassette_dir(config: pytest.Config) -> Path:
    try:
        configured = str(config.getini("toolbridge_cassette_dir") or DEFAULT_DIR)
    except ValueError:  # fixtures imported without the plugin's hooks
        configured = DEFAULT_DIR
    return Path(config.rootpath) / configured


def cassette_name(test_name: str) -> str:
    """A file-system-safe cassette name for a test (`test_x[a/b]` → `test_x-a_b`)."""
    name = re.sub(r"\[(.*)\]$", r"-\1", test_name)
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "cassette"


@pytest.fixture
def toolbridge_secrets() -> Any:
    """Extra secrets to scrub: a mapping name → value, values, a `Toolkit` or a `SecretStore`.

    Auth headers, cookies and credential-looking parameters are scrubbed regardless.
    """
    return ()


@pytest.fixture
def toolbridge_volatile() -> Any:
    """Values that change per run in request bodies and queries: JSON paths and regexes."""
    return ()


@pytest.fixture
def toolbridge_record_mode(request: pytest.FixtureRequest) -> str:
    """`--record-mode`, default `none`."""
    return _record_mode(request.config)


@pytest.fixture
def toolbridge_cassette_path(request: pytest.FixtureRequest) -> Path:
    """`<rootdir>/cassettes/<test name>.yaml`."""
    return _cassette_dir(request.config) / f"{cassette_name(request.node.name)}.yaml"


@pytest.fixture
def toolbridge_cassette(
    toolbridge_cassette_path: Path,
    toolbridge_secrets: Any,
    toolbridge_volatile: Any,
    toolbridge_record_mode: str,
) -> Iterator[Recording]:
    """Record or replay every HTTP call of the test (model and actions) in its cassette.

    Fails at teardown if a request was not in the cassette (even if an SDK swallowed the
    error) or if recorded interactions were never requested.
    """
    from .cassettes import use_cassette

    with use_cassette(
        toolbridge_cassette_path,
        secrets=toolbridge_secrets,
        volatile=toolbridge_volatile,
        record_mode=toolbridge_record_mode,
    ) as recording:
        yield recording
