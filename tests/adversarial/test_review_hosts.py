"""Security review, end to end: the model (and a hostile API server) can never move the
request to another host, port or scheme — through values, redirects, or address spellings.

Everything goes through the public API (`Toolkit.call`/`acall`) against real servers on
127.0.0.1; "another origin" is a second server on another port.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import anyio
import httpx2
import pytest
from server import FaultServer

from toolbridge import Toolkit
from toolbridge import results as r

BEARER = "review-bearer-31c9e0d7"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _toolkit(base_url: str, actions: list[dict[str, Any]], **options: Any) -> Toolkit:
    data = {"version": 1, "defaults": {"base_url": base_url, "retries": 0},
            "actions": actions}
    return Toolkit.from_dict(data, secrets={"BEARER": BEARER}, **options)


HOSTILE = [
    "http://127.0.0.2:1/x", "//127.0.0.2:1/x", "@127.0.0.2:1", "127.0.0.1:1", ":1/x",
    "\\\\127.0.0.2\\x", "..\\..\\x", "%2F%2F127.0.0.2", "\r\nHost: 127.0.0.2", "#@127.0.0.2",
    "?x=@127.0.0.2", "a\u2028b", "a\u0085b", "a\x00b", "https:", "\uff0f\uff0fevil",
]


def _everywhere_actions() -> list[dict[str, Any]]:
    return [{
        "name": "everywhere", "request": {
            "method": "POST", "url": "/echo/{seg}",
            "query": {"q": "{{v}}", "both": "x{{v}}y"},
            "body": {"whole": "{{v}}", "inside": "pre {{v}} post"},
        },
        "variables": [{"name": "seg", "required": True}, {"name": "v", "required": True}],
        "safety": {"idempotency_key": "key-{{v}}"},
        "auth": {"type": "bearer", "secret": "BEARER"},
    }]


@pytest.mark.parametrize("value", HOSTILE)
def test_values_in_path_query_body_and_idempotency_key_never_move_the_host(
    fault_server: FaultServer, other_origin: FaultServer, value: str
) -> None:
    with _toolkit(fault_server.base_url, _everywhere_actions()) as toolkit:
        result = toolkit.call("everywhere", {"seg": value, "v": value})

    assert other_origin.seen() == []
    for seen in fault_server.seen():
        assert seen.headers["host"] == f"127.0.0.1:{fault_server.port}"
        path = seen.raw_path.split("?", 1)[0]
        assert path.count("/") == 2 and unquote(path.split("/")[2]) == value
        assert seen.query["q"] == [value] and seen.query["both"] == [f"x{value}y"]
    if not result.ok:  # only an idempotency-key header with a bad character may refuse it
        assert result.error == r.INVALID_ARGUMENTS and fault_server.seen() == []


@pytest.mark.parametrize("value", ["a\r\nX-Admin: 1", "a\nb", "a\rb", "a\x00b", "a\u2028b",
                                   "a\u0085b", "a\x0bb", "a\x7fb", "\r\n\r\nGET / HTTP/1.1"])
def test_header_and_idempotency_key_values_with_line_breaks_are_refused_before_sending(
    fault_server: FaultServer, value: str
) -> None:
    actions = [
        {"name": "hdr", "request": {"url": "/echo/h", "headers": {"X-Note": "n={{v}}"}},
         "variables": [{"name": "v", "required": True}]},
        {"name": "idem", "request": {"method": "POST", "url": "/echo/i", "body": {"a": 1}},
         "variables": [{"name": "v", "required": True}],
         "safety": {"idempotency_key": "{{v}}"}},
    ]
    with _toolkit(fault_server.base_url, actions) as toolkit:
        results = [toolkit.call("hdr", {"v": value}), toolkit.call("idem", {"v": value})]

    assert [res.error for res in results] == [r.INVALID_ARGUMENTS, r.INVALID_ARGUMENTS]
    assert fault_server.seen() == []


REDIRECT_STATUSES = [301, 302, 303, 307, 308]


def _redirect_targets(own: int, other: int) -> list[str]:
    return [
        f"http://127.0.0.1:{other}/echo/stolen",
        f"//127.0.0.1:{other}/echo/stolen",
        f"///127.0.0.1:{other}/echo/stolen",
        f"http://127.0.0.1:{own}@127.0.0.1:{other}/echo/stolen",
        f"http://127.0.0.1@127.0.0.1:{other}/echo/stolen",
        f"http://user:pw@127.0.0.1:{other}/echo/stolen",
        f"\\\\127.0.0.1:{other}/echo/stolen",
        f"/\\127.0.0.1:{other}/echo/stolen",
        f"http:\\\\127.0.0.1:{other}\\echo\\stolen",
        f"http:127.0.0.1:{other}/echo/stolen",
        f" http://127.0.0.1:{other}/echo/stolen",
        f"http://127.0.0.1:{own}\t@127.0.0.1:{other}/echo/stolen",
        f"http://127.0.0.1:{other}\\@127.0.0.1:{own}/echo/stolen",
        f"http://127.0.0.1:{own}:{other}/echo/stolen",
        f"http://localhost:{other}/echo/stolen",
        f"http://[::ffff:127.0.0.1]:{other}/echo/stolen",
        f"http://2130706433:{other}/echo/stolen",
        f"https://127.0.0.1:{own}/echo/stolen",
        f"HTTP://127.0.0.1:{other}/echo/stolen",
    ]


@pytest.mark.parametrize("status", REDIRECT_STATUSES)
def test_redirects_never_reach_another_origin_or_carry_credentials(
    fault_server: FaultServer, other_origin: FaultServer, status: int
) -> None:
    actions = [{"name": "go", "request": {"method": "POST", "url": "/redirect",
                                          "query": {"to": "{{to}}", "status": str(status)},
                                          "body": {"a": 1}},
                "variables": [{"name": "to", "required": True}],
                "auth": {"type": "bearer", "secret": "BEARER"}}]
    targets = _redirect_targets(fault_server.port, other_origin.port)
    with _toolkit(fault_server.base_url, actions) as toolkit:
        results = {to: toolkit.call("go", {"to": to}) for to in targets}

    assert other_origin.seen() == []
    for seen in fault_server.seen():
        assert seen.headers["host"] == f"127.0.0.1:{fault_server.port}"
    for to, result in results.items():
        assert result.ok or result.error in (r.BLOCKED, r.NOT_FOUND), (to, result.error)
        assert BEARER not in result.for_model()


def test_a_ten_thousand_hop_redirect_chain_ends_as_invalid_response(
    fault_server: FaultServer
) -> None:
    actions = [{"name": "chain", "request": {"url": "/chain/10000"}}]
    with _toolkit(fault_server.base_url, actions) as toolkit:
        result = toolkit.call("chain", {})

    assert result.error == r.INVALID_RESPONSE
    assert len(fault_server.seen()) <= 6


@pytest.mark.anyio
async def test_async_redirect_to_another_origin_is_blocked(
    fault_server: FaultServer, other_origin: FaultServer
) -> None:
    actions = [{"name": "go", "request": {"url": "/redirect", "query": {"to": "{{to}}"}},
                "variables": [{"name": "to", "required": True}],
                "auth": {"type": "bearer", "secret": "BEARER"}}]
    async with _toolkit(fault_server.base_url, actions) as toolkit:
        result = await toolkit.acall("go", {"to": f"//127.0.0.1:{other_origin.port}/echo"})

    assert result.error == r.BLOCKED and other_origin.seen() == []


LOOPBACK_SPELLINGS = [
    "127.0.0.1", "2130706433", "0x7f.1", "127.1", "0x7f000001", "[::1]",
    "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:7f00:1]", "[::127.0.0.1]",
    "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "localhost", "LOCALHOST", "0.0.0.0", "0", "[::]",
]
METADATA_SPELLINGS = [
    "169.254.169.254", "2852039166", "0xa9.0xfe.0xa9.0xfe", "169.254.0.1", "[fe80::1]",
    "[fd00:ec2::254]", "100.100.100.200", "[::ffff:169.254.169.254]", "[64:ff9b::a9fe:a9fe]",
    "[2002:a9fe:a9fe::]",
]


def _at(host: str, port: int) -> list[dict[str, Any]]:
    return [{"name": "x", "base_url": f"http://{host}:{port}", "request": {"url": "/echo/x"},
             "settings": {"timeout_ms": 2000, "retries": 0}}]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_allow_private_false_refuses_every_loopback_spelling(
    fault_server: FaultServer, host: str
) -> None:
    toolkit = Toolkit.from_dict({"version": 1, "actions": _at(host, fault_server.port)},
                                allow_private=False)

    with toolkit:
        result = toolkit.call("x", {})

    assert result.error == r.BLOCKED and fault_server.seen() == []


@pytest.mark.anyio
@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "[::ffff:7f00:1]", "localhost"])
async def test_allow_private_false_refuses_loopback_async(fault_server: FaultServer,
                                                          host: str) -> None:
    toolkit = Toolkit.from_dict({"version": 1, "actions": _at(host, fault_server.port)},
                                allow_private=False)

    async with toolkit:
        result = await toolkit.acall("x", {})

    assert result.error == r.BLOCKED and fault_server.seen() == []


@pytest.mark.parametrize("host", ["127.0.0.1", "0x7f.1", "[::ffff:127.0.0.1]", "localhost"])
def test_allow_private_false_holds_with_the_users_own_client(fault_server: FaultServer,
                                                             host: str) -> None:
    with httpx2.Client() as client:
        toolkit = Toolkit.from_dict({"version": 1, "actions": _at(host, fault_server.port)},
                                    allow_private=False, client=client)
        result = toolkit.call("x", {})

    assert result.error == r.BLOCKED and fault_server.seen() == []


@pytest.mark.parametrize("host", METADATA_SPELLINGS)
@pytest.mark.parametrize("own_client", [True, False])
def test_metadata_and_link_local_are_always_refused(host: str, own_client: bool) -> None:
    client = None if own_client else httpx2.Client()
    toolkit = Toolkit.from_dict({"version": 1, "actions": _at(host, 80)}, client=client)

    with toolkit:
        result = toolkit.call("x", {})
        async_result = anyio.run(toolkit.acall, "x", {})
    if client is not None:
        client.close()

    assert (result.error, async_result.error) == (r.BLOCKED, r.BLOCKED)


def test_https_only_refuses_plain_http_before_sending(fault_server: FaultServer) -> None:
    toolkit = Toolkit.from_dict({"version": 1, "actions": _at("127.0.0.1", fault_server.port)},
                                https_only=True)

    with toolkit:
        result = toolkit.call("x", {})

    assert result.error == r.BLOCKED and fault_server.seen() == []


@pytest.mark.parametrize("where", ["path", "query"])
@pytest.mark.parametrize("own_client", [True, False])
def test_a_value_too_long_for_a_url_is_a_result_not_an_exception(
    fault_server: FaultServer, where: str, own_client: bool
) -> None:
    actions = [{"name": "long", "request": {"url": "/echo/{p}", "query": {"q": "{{q}}"}},
                "variables": [{"name": "p", "required": True}, {"name": "q"}]}]
    arguments = {"p": "x" * 70_000} if where == "path" else {"p": "a", "q": "y" * 70_000}
    client = None if own_client else httpx2.Client()
    toolkit = _toolkit(fault_server.base_url, actions, client=client)

    with toolkit:
        result = toolkit.call("long", arguments)
    if client is not None:
        client.close()

    assert not result.ok and result.error in (r.INVALID_ARGUMENTS, r.HTTP_ERROR)
    assert fault_server.seen() == []
