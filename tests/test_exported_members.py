"""The public surface is small and deliberate: every name in `__all__` resolves."""

from __future__ import annotations

import subprocess
import sys

import toolbridge


def test_all_is_sorted_and_every_name_resolves() -> None:
    names = toolbridge.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(toolbridge, name) is not None, name


def test_no_private_or_unknown_attribute_leaks() -> None:
    missing = "not_a_toolbridge_name"
    try:
        getattr(toolbridge, missing)
    except AttributeError as exc:
        assert missing in str(exc)
    else:  # pragma: no cover - the assertion is the point
        raise AssertionError("unknown attribute resolved")


def test_import_loads_no_llm_sdk_and_no_http_client() -> None:
    code = (
        "import sys, toolbridge; "
        "print(','.join(m for m in ('openai', 'anthropic', 'vcr', 'httpx2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
