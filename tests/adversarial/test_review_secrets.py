"""Security review, end to end: no secret reaches the model, a repr, the audit trail, the
session state, the CLI output, a cassette, or any log line of any logger at DEBUG — even
when a hostile API server echoes the credentials back in headers, bodies, HTML pages and
redirects, and even when the model sends a secret value as an argument."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest

from toolbridge import Agent, Toolkit
from toolbridge import results as r
from toolbridge.cli import main
from toolbridge.models.scripted import ScriptedModel, call, calls, reply
from toolbridge.testing import use_cassette

BEARER = "rv-bearer-0b8d2c71aa"
QUERY = "rv-query-5e1f77c3bb"
HEADER = "rv-header-9d04e16f"
ESCAPED = "rv-back\\slash'9d04"
"""A backslash and a quote: reprs (httpcore2's DEBUG trace of headers) escape them."""
SECRETS = {"BEARER": BEARER, "QUERY": QUERY, "HEADER": HEADER}


def forms(secret: str) -> set[str]:
    """Every spelling a leak could take in text we look at."""
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
            repr(secret)[1:-1], repr(secret.encode())[2:-1], secret.replace("\\", "\\\\")}


def leaks(text: str, secrets: tuple[str, ...] = (BEARER, QUERY, HEADER)) -> list[str]:
    return [form for secret in secrets for form in forms(secret) if form in text]


class _Hostile(BaseHTTPRequestHandler):
    """Echoes every credential it receives (and only those): in response headers, JSON,
    HTML, plain text and same-origin redirects."""

    protocol_version = "HTTP/1.1"
    remembered: list[str] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        got = [self.headers.get("authorization", ""), self.headers.get("x-api-key", ""),
               *(v for vs in parse_qs(parts.query).values() for v in vs)]
        if parts.path == "/gossip":
            got = _Hostile.remembered
        elif any(got):
            _Hostile.remembered = got
        joined = " | ".join(got)
        headers = {"X-Echo": joined.encode("latin-1", "replace").decode("latin-1"),
                   "Set-Cookie": f"sid={quote(joined)}; Path=/"}
        if parts.path == "/html":
            body = (f"<html><body><p>Your token is {got[0]}</p><script>var k='{got[1]}'"
                    f"</script><pre>{got[1]}</pre></body></html>").encode()
            ctype = "text/html"
        elif parts.path == "/text":
            body, ctype = f"plain: {joined}".encode(), "text/plain"
        elif parts.path == "/bounce":
            self.send_response(302)
            self.send_header("Location", f"/landing?token={quote(got[0])}&k={quote(got[1])}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            status = 401 if parts.path == "/denied" else 200
            body = json.dumps({"error": {"message": f"bad credentials: {joined}"},
                               "echo": got, "path": self.path}).encode()
            ctype = "application/json"
            self.send_response(status)
            self._finish(body, ctype, headers)
            return
        self.send_response(200)
        self._finish(body, ctype, headers)

    def _finish(self, body: bytes, ctype: str, headers: dict[str, str]) -> None:
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _actions() -> list[dict[str, Any]]:
    keyed = {"headers": {"X-Api-Key": "{{secrets.HEADER}}"}}
    return [
        {"name": "json", "request": {"url": "/json", **keyed},
         "auth": {"type": "query", "name": "key", "secret": "QUERY"}},
        {"name": "denied", "request": {"url": "/denied", **keyed},
         "auth": {"type": "bearer", "secret": "BEARER"}},
        {"name": "html", "request": {"url": "/html", **keyed},
         "auth": {"type": "bearer", "secret": "BEARER"}},
        {"name": "text", "request": {"url": "/text", **keyed},
         "auth": {"type": "query", "name": "key", "secret": "QUERY"}},
        {"name": "bounce", "request": {"url": "/bounce", **keyed},
         "auth": {"type": "bearer", "secret": "BEARER"}},
        {"name": "lookup", "request": {"url": "/json/{ref}", "query": {"q": "{{ref}}"}},
         "variables": [{"name": "ref", "required": True, "pattern": "^[A-Z]+$"}],
         "auth": {"type": "bearer", "secret": "BEARER"}},
        {"name": "free", "request": {"url": "/json/{ref}"},
         "variables": [{"name": "ref", "required": True}],
         "auth": {"type": "bearer", "secret": "BEARER"}},
    ]


def _toolkit(base_url: str, events: list[dict[str, Any]]) -> Toolkit:
    data = {"version": 1, "defaults": {"base_url": base_url, "retries": 0},
            "actions": _actions()}
    return Toolkit.from_dict(data, secrets=SECRETS, audit=events.append)


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx2", "httpcore2", "httpcore2.connection", "httpcore2.http11",
                 "toolbridge", "toolbridge.audit", "asyncio", "anyio"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join([caplog.text, *(rec.getMessage() for rec in caplog.records),
                      *(repr(getattr(rec, "audit", "")) for rec in caplog.records)])


@pytest.mark.parametrize("name", ["json", "denied", "html", "text", "bounce"])
def test_credentials_echoed_by_a_hostile_server_reach_nothing(
    hostile: str, all_logs: pytest.LogCaptureFixture, name: str
) -> None:
    events: list[dict[str, Any]] = []
    with _toolkit(hostile, events) as toolkit:
        result = toolkit.call(name, {})
        shown = [result.for_model(), repr(result), str(result.request), result.guidance or "",
                 json.dumps(result.data, default=str), repr(toolkit), repr(toolkit.executor),
                 repr(events)]

    assert result.status is not None, "the server must have answered"
    assert leaks("\n".join(shown)) == []
    assert leaks(_logged(all_logs)) == []


@pytest.mark.anyio
async def test_async_calls_keep_echoed_credentials_out_of_logs(
    hostile: str, all_logs: pytest.LogCaptureFixture
) -> None:
    events: list[dict[str, Any]] = []
    async with _toolkit(hostile, events) as toolkit:
        results = [await toolkit.acall(n, {}) for n in ("json", "denied", "bounce")]

    assert all(res.status is not None for res in results)
    assert leaks("\n".join(res.for_model() for res in results) + repr(events)) == []
    assert leaks(_logged(all_logs)) == []


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("sent", [BEARER, QUERY, f"X{BEARER}", BEARER[:-1]])
def test_a_model_sending_secret_values_learns_nothing_new_and_logs_stay_clean(
    hostile: str, all_logs: pytest.LogCaptureFixture, sent: str
) -> None:
    events: list[dict[str, Any]] = []
    with _toolkit(hostile, events) as toolkit:
        refused = toolkit.call("lookup", {"ref": sent})
        echoed = toolkit.call("free", {"ref": sent})

    assert refused.error == r.INVALID_ARGUMENTS
    assert echoed.ok
    model_sees = refused.for_model() + echoed.for_model()
    others = [s for s in SECRETS.values() if s not in sent]
    assert [s for s in others if s in model_sees] == []
    # What the model sent may come back to it, but never to a log line or the audit trail.
    assert sent not in _logged(all_logs) and sent not in repr(events)
    assert leaks(_logged(all_logs) + repr(events)) == []


def test_session_state_transcript_and_reprs_hold_no_secret(
    hostile: str, all_logs: pytest.LogCaptureFixture
) -> None:
    events: list[dict[str, Any]] = []
    toolkit = _toolkit(hostile, events)
    model = ScriptedModel([
        calls(call("json"), call("denied"), call("html"), call("bounce"), call("text")),
        reply("done"),
    ])
    with toolkit:
        session = Agent(toolkit, model=model).session(context={"customer_id": "C-1"})
        turn = session.send("show me everything")
        saved = session.to_json()
        restored = Agent(toolkit, model=ScriptedModel([])).restore(saved)

    assert turn.state == "reply" and len(turn.tool_calls) == 5
    shown = "\n".join([saved, repr(session), repr(turn), str(turn), repr(restored),
                       repr(session.transcript), *(c.result.for_model() for c in turn.tool_calls)])
    assert leaks(shown) == []
    assert leaks(_logged(all_logs) + repr(events)) == []


ACTION_FILE = """\
version: 1
defaults: {{base_url: "{base}", retries: 0}}
actions:
  - name: json
    request: {{url: /json, headers: {{X-Api-Key: "{{{{secrets.HEADER}}}}"}}}}
    auth: {{type: query, name: key, secret: QUERY}}
  - name: denied
    request: {{url: /denied}}
    auth: {{type: bearer, secret: BEARER}}
"""


@pytest.mark.parametrize("extra", [[], ["--json"], ["--dry-run"], ["--json", "--dry-run"]])
@pytest.mark.parametrize("action", ["json", "denied"])
def test_cli_call_prints_no_secret(hostile: str, tmp_path: Path, all_logs: Any,
                                   capsys: pytest.CaptureFixture[str], action: str,
                                   extra: list[str]) -> None:
    path = tmp_path / "actions.yaml"
    path.write_text(ACTION_FILE.format(base=hostile), encoding="utf-8")
    env = tmp_path / ".env"
    env.write_text("".join(f"{k}={json.dumps(v)}\n" for k, v in SECRETS.items()),
                   encoding="utf-8")

    main(["call", str(path), action, "--env-file", str(env), *extra])

    out = capsys.readouterr()
    assert "***" in out.out
    assert leaks(out.out + out.err) == []
    assert leaks(_logged(all_logs)) == []


def test_a_recorded_cassette_holds_no_echoed_credential(hostile: str, tmp_path: Path,
                                                       all_logs: Any) -> None:
    events: list[dict[str, Any]] = []
    toolkit = _toolkit(hostile, events)
    cassette = tmp_path / "hostile.yaml"

    with toolkit, use_cassette(cassette, record_mode="once", secrets=toolkit):
        results = [toolkit.call(n, {}) for n in ("json", "denied", "html", "text", "bounce")]

    assert all(res.status is not None for res in results)
    assert leaks(cassette.read_text(encoding="utf-8")) == []
    assert leaks(_logged(all_logs)) == []


def test_a_secret_used_by_one_action_is_scrubbed_when_another_call_returns_it(
    hostile: str
) -> None:
    # The hostile API remembers the credentials of an earlier request and returns them
    # from an endpoint the second action calls without any auth. The toolkit holds that
    # secret (it sent it a moment ago): the model must still never see it.
    data = {"version": 1, "defaults": {"base_url": hostile, "retries": 0},
            "actions": [*_actions(), {"name": "gossip", "request": {"url": "/gossip"}}]}
    toolkit = Toolkit.from_dict(data, secrets=SECRETS)
    with toolkit:
        assert toolkit.call("denied", {}).status == 401  # BEARER and HEADER now in use
        result = toolkit.call("gossip", {})

    assert result.ok
    assert leaks(result.for_model()) == []


def test_a_secret_with_a_backslash_echoed_in_a_response_header_stays_out_of_debug_logs(
    hostile: str, all_logs: pytest.LogCaptureFixture
) -> None:
    data = {"version": 1, "defaults": {"base_url": hostile, "retries": 0}, "actions": [
        {"name": "json", "request": {"url": "/json",
                                     "headers": {"X-Api-Key": "{{secrets.ESCAPED}}"}}}]}
    toolkit = Toolkit.from_dict(data, secrets={"ESCAPED": ESCAPED})
    with toolkit:
        result = toolkit.call("json", {})

    assert result.ok
    assert leaks(result.for_model() + repr(result), (ESCAPED,)) == []
    assert leaks(_logged(all_logs), (ESCAPED,)) == []
