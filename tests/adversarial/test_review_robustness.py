"""Security review, end to end: whatever the model sends and however the server misbehaves,
the library answers with a result (never an uncaught exception), within the deadline, and
with bounded memory."""

from __future__ import annotations

import json
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from server import FaultServer, gzip_bomb

from toolbridge import Agent, Toolkit
from toolbridge import results as r
from toolbridge.models.scripted import ScriptedModel, call, calls, reply

TIMEOUT_MS = 800


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _actions() -> list[dict[str, Any]]:
    return [
        {"name": "all", "request": {
            "method": "POST", "url": "/echo/{p}", "query": {"q": "{{q}}"},
            "headers": {"X-H": "{{h}}"},
            "body": {"n": "{{n}}", "f": "{{f}}", "s": "{{s}}", "o": "{{o}}", "arr": "{{arr}}"}},
         "variables": [
             {"name": "p", "default": "d"}, {"name": "q"}, {"name": "h"},
             {"name": "n", "type": "integer"}, {"name": "f", "type": "float"}, {"name": "s"},
             {"name": "o", "type": "object", "properties": [{"name": "a", "type": "string"}]},
             {"name": "arr", "type": "array", "items": {"name": "it", "type": "string"}}]},
        {"name": "xml", "request": {
            "method": "POST", "url": "/echo/xml", "body_format": "xml",
            "body": "<r a=\"{{v}}\"><v>{{v}}</v><c><![CDATA[{{v}}]]></c></r>"},
         "variables": [{"name": "v", "required": True}]},
        {"name": "form", "request": {"method": "POST", "url": "/echo/form", "body_format": "form",
                                     "body": {"a": "{{v}}", "b": "x{{v}}y"}},
         "variables": [{"name": "v", "required": True}]},
    ]


def _deep(kind: str, depth: int = 10_000) -> str:
    return ("[" * depth + "]" * depth) if kind == "[" else ('{"a":' * depth + "1" + "}" * depth)


WEIRD: dict[str, Any] = {
    "huge_int": '{"n": 1' + "0" * 5000 + "}",
    "big_int": '{"n": 123456789012345678901234567890}',
    "huge_float": '{"f": 1e400}',
    "nan": '{"f": NaN}', "inf": '{"f": Infinity}', "ninf": '{"n": -Infinity}',
    "deep_array": '{"arr": ' + _deep("[") + "}",
    "deep_object": '{"o": ' + _deep("{") + "}",
    "deep_bare": _deep("[", 100_000),
    "five_mb_string": json.dumps({"s": "x" * 5_000_000}),
    "five_mb_path": json.dumps({"p": "x" * 5_000_000}),
    "lone_surrogate_value": '{"s": "\\ud800"}',
    "lone_surrogate_path": '{"p": "a\\udfffb"}',
    "lone_surrogate_key": '{"\\ud800": 1}',
    "lone_surrogate_nested_key": '{"o": {"\\udc00x": "1"}}',
    "duplicate_keys": '{"s": "a", "s": "b"}',
    "null": "null", "list": "[1, 2]", "number": "5", "string": '"x"', "empty": "",
    "nul": "\x00", "bytes": b'{"s": "\xff\xfe"}', "bom": "\ufeff{}",
    "fenced": '```json\n{"s": "a"}\n```', "double_encoded": json.dumps(json.dumps({"s": "a"})),
    "nul_everywhere": '{"p": "a\\u0000", "q": "b\\u0000", "s": "c\\u0000"}',
    "header_break": '{"h": "a\\r\\nX-Evil: 1"}',
    "dict_nan": {"f": float("nan")}, "dict_set": {"arr": {1, 2}}, "dict_bytes": {"s": b"x"},
    "dict_key_int": {1: "a"}, "dict_obj": {"s": object()}, "dict_surrogate": {"s": "\udcff"},
    "dict_surrogate_key": {"\udcff": "x"},
}


def _surrogate_free(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.fixture
def toolkit(fault_server: FaultServer) -> Iterator[Toolkit]:
    data = {"version": 1, "defaults": {"base_url": fault_server.base_url, "retries": 0},
            "actions": _actions()}
    with Toolkit.from_dict(data) as kit:
        yield kit


@pytest.mark.parametrize("name", list(WEIRD))
def test_weird_arguments_give_a_result_the_host_can_send_on(toolkit: Toolkit,
                                                            name: str) -> None:
    result = toolkit.call("all", WEIRD[name])
    checked = toolkit.check("all", WEIRD[name])

    assert isinstance(result.ok, bool) and checked.ok == (checked.problem is None)
    text = result.for_model()
    assert _surrogate_free(text), "for_model() must be encodable as UTF-8"
    assert len(text) < 20_000
    if not result.ok:
        assert result.error in r.ERROR_CODES


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["deep_array", "five_mb_string", "lone_surrogate_key", "nan"])
async def test_weird_arguments_async(toolkit: Toolkit, name: str) -> None:
    result = await toolkit.acall("all", WEIRD[name])

    assert not result.ok and _surrogate_free(result.for_model())


@pytest.mark.parametrize("name", ["lone_surrogate_key", "lone_surrogate_value", "deep_object",
                                  "huge_int", "nan", "bytes"])
def test_a_session_survives_weird_tool_arguments_and_still_saves(
    fault_server: FaultServer, name: str
) -> None:
    raw = WEIRD[name]
    arguments = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    data = {"version": 1, "defaults": {"base_url": fault_server.base_url}, "actions": _actions()}
    with Toolkit.from_dict(data) as kit:
        session = Agent(kit, model=ScriptedModel([calls(call("all", arguments)),
                                                  reply("sorry")])).session()
        turn = session.send("go")
        saved = session.to_json()

    assert turn.state == "reply"
    assert _surrogate_free(saved) and json.loads(saved)["transcript"]


@pytest.mark.parametrize("value", ["]]>", "<![CDATA[x]]>", "&amp;", "&xxe;", "<!ENTITY x>",
                                   "\"'<>&", "a]]>b<c>&d;", "--> <!--"])
def test_xml_values_never_break_the_document(toolkit: Toolkit, fault_server: FaultServer,
                                             value: str) -> None:
    import xml.etree.ElementTree as ET

    result = toolkit.call("xml", {"v": value})

    assert result.ok
    root = ET.fromstring(fault_server.seen()[0].body)
    assert root.get("a") == value and root.findtext("v") == value
    assert [child.tag for child in root] == ["v", "c"]


@pytest.mark.parametrize("value", ["a&b=c", "x=1&admin=true", "%26", "+ +", "a\nb", "é&="])
def test_form_values_stay_one_field(toolkit: Toolkit, fault_server: FaultServer,
                                    value: str) -> None:
    from urllib.parse import parse_qs

    result = toolkit.call("form", {"v": value})

    assert result.ok
    fields = parse_qs(fault_server.seen()[0].body.decode(), keep_blank_values=True)
    assert fields == {"a": [value], "b": [f"x{value}y"]}


@pytest.mark.parametrize("value", ['"}, "admin": true, "x": {"', "\\", "\u2028", "</script>"])
def test_json_body_values_stay_data(toolkit: Toolkit, fault_server: FaultServer,
                                    value: str) -> None:
    result = toolkit.call("all", {"s": value, "n": 3})

    assert result.ok
    assert json.loads(fault_server.seen()[0].body) == {"n": 3, "s": value}


# -- a misbehaving server ----------------------------------------------------------------


class _Stall:
    """A raw socket server: `headers` sends a status line then one header every 0.2 s,
    forever; `silent` accepts and never answers."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.stop = threading.Event()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                if self.mode == "headers":
                    conn.sendall(b"HTTP/1.1 200 OK\r\n")
                    while not self.stop.wait(0.2):
                        conn.sendall(b"X-More: yes\r\n")
                else:
                    self.stop.wait(30)
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture(params=["headers", "silent"])
def stall(request: pytest.FixtureRequest) -> Iterator[_Stall]:
    server = _Stall(request.param)
    yield server
    server.close()


def _limited(base_url: str, url: str, **settings: Any) -> Toolkit:
    action = {"name": "x", "base_url": base_url, "request": {"url": url},
              "settings": {"timeout_ms": TIMEOUT_MS, "retries": 0, **settings}}
    return Toolkit.from_dict({"version": 1, "actions": [action]})


def test_a_server_that_never_finishes_headers_cannot_hold_a_call(stall: _Stall) -> None:
    toolkit = _limited(f"http://127.0.0.1:{stall.port}", "/x")
    started = time.monotonic()

    with toolkit:
        result = toolkit.call("x", {})

    assert result.error == r.TIMEOUT
    assert time.monotonic() - started < 5 * TIMEOUT_MS / 1000


@pytest.mark.anyio
async def test_a_server_that_never_finishes_headers_cannot_hold_an_async_call(
    stall: _Stall
) -> None:
    toolkit = _limited(f"http://127.0.0.1:{stall.port}", "/x")
    started = time.monotonic()

    async with toolkit:
        result = await toolkit.acall("x", {})

    assert result.error == r.TIMEOUT
    assert time.monotonic() - started < 5 * TIMEOUT_MS / 1000


def test_a_dripping_body_cannot_hold_a_call_sync_or_async(fault_server: FaultServer) -> None:
    toolkit = _limited(fault_server.base_url, "/drip/60")
    started = time.monotonic()

    with toolkit:
        result = toolkit.call("x", {})
        async_result = anyio.run(toolkit.acall, "x", {})

    assert (result.error, async_result.error) == (r.TIMEOUT, r.TIMEOUT)
    assert time.monotonic() - started < 2 * 5 * TIMEOUT_MS / 1000


def _peak_during(run: Any) -> tuple[Any, int]:
    gzip_bomb()  # the server (same process) builds its 49 MB payload once: not ours to count
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_is_cut_off_with_bounded_memory_sync(fault_server: FaultServer) -> None:
    toolkit = _limited(fault_server.base_url, "/gzip-bomb", timeout_ms=10_000)

    with toolkit:
        result, peak = _peak_during(lambda: toolkit.call("x", {}))

    assert result.error == r.RESPONSE_TOO_LARGE
    assert peak < 16 * 1024 * 1024, f"{peak / 1e6:.1f} MB held for a 1 MB cap"


def test_a_gzip_bomb_is_cut_off_with_bounded_memory_async(fault_server: FaultServer) -> None:
    toolkit = _limited(fault_server.base_url, "/gzip-bomb", timeout_ms=10_000)

    with toolkit:
        result, peak = _peak_during(lambda: anyio.run(toolkit.acall, "x", {}))

    assert result.error == r.RESPONSE_TOO_LARGE
    assert peak < 16 * 1024 * 1024, f"{peak / 1e6:.1f} MB held for a 1 MB cap"


def test_a_huge_plain_body_stops_being_read_at_the_cap(fault_server: FaultServer) -> None:
    toolkit = _limited(fault_server.base_url, "/big/64", timeout_ms=10_000)

    with toolkit:
        result = toolkit.call("x", {})

    assert result.error == r.RESPONSE_TOO_LARGE
    assert fault_server.bytes_sent.get("/big/64", 0) < 64 * 1024 * 1024
