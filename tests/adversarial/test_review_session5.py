"""Adversarial review of session 5's `execution.targets.target` (a pre-parsed `httpx2.URL`).

`target(url)` joins a cached parse of `scheme://authority` to the path and query without
parsing them again. The rule under test: the request httpx2 sends must be exactly the one
it sends for the string, so a model's value can never change the host, add a segment or
reach a header. Checked here:

1. the pure function: every part of the `httpx2.URL` it makes (and what a client builds
   from it: plain, with `params`, with `base_url`) against httpx2's own parse, over
   origins httpx2 parses in odd ways (IPv6 and zones, userinfo with `@`/`:`, `%xx`,
   IDNA, default and non-ASCII-digit ports, backslashes) and the path/query characters
   the fast form accepts; the origin cache filled by one URL and read for another;
   the 65536 length limit; that it never raises, surrogates included;
2. the `_ORIGINS` cache read and emptied from many threads at once;
3. end to end against the fault server, sync and async: what the server receives for
   hostile path and query values, and for odd same-origin redirects, is the same with
   `target` as with the string (`drivers.target` patched to `lambda u: u`).
"""

from __future__ import annotations

import pickle
import sys
import threading
from collections.abc import Iterator
from operator import attrgetter
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from server import FaultServer, Recorded

from toolbridge import Toolkit
from toolbridge.execution import drivers, targets
from toolbridge.execution.targets import target

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# -- the pure function ----------------------------------------------------------------------

ODD_ORIGINS = [
    "http://127.0.0.1:8080", "https://api.example.com", "http://Example.COM",
    "http://EXAMPLE.com:80", "https://h:443", "https://h:80", "http://h:443",
    "http://[::1]", "http://[::1]:9", "http://[FE80::1%25eth0]:81", "http://[::ffff:127.0.0.1]",
    "http://[::1", "http://::1]", "http://[zz]", "http://[]",
    "http://u:p@h", "http://a@b@c", "http://u:p:q@h", "http://u%40:p%3A@h", "http://@h",
    "http://u@", "http://:8", "http://h:", "http://", "https://",
    "http://h\\x", "http://h\\@evil.example", "http://evil.example\\@h",
    "http://%41b", "http://H%2fX", "http://h%zz", "http://h%", "http://h|x", "http://h^x",
    'http://h"x', "http://h{x}", "http://h`x", "http://h<x>", "http://h x",
    "http://bücher.de", "https://BÜCHER.de:443", "http://ß.de", "http://xn--nxasmq6b",
    "http://xn--", "http://ʜ", "http://\u200b", "http://\uff41", "http://\ud800",
    "https://h:١٢", "http://h:+80", "http://h: 80", "http://h:-1", "http://h:99999",
    "http://h:080", "http://h:0", "http://0177.0.0.1", "http://1.2.3.4.", "http://256.1.1.1",
    "http://1.2.3", "http://h\t", "http://h\x00", "http://h?x", "http://h#x", "http://h;x",
]
"""Origins where httpx2's parse lowercases, encodes, normalises, drops or refuses."""

FAST_PATH = "ABCxyz019-._~!$%&'()*+,;=:@/[\\]^|"
"""Every character `_PATH` accepts (httpx2's path-safe set)."""

FAST_QUERY = FAST_PATH + "?`{}"
"""Every character `_QUERY` accepts (httpx2's query-safe set)."""

PATH_PIECE = st.one_of(
    st.sampled_from(["/", ".", "..", "/./", "/../", "%2e", "%2F", "%", "%4", "%zz", "%41",
                     "//", "@", ":", "\\", "[", "]", "?", "#", " ", "é", "`", "{", "}"]),
    st.text(FAST_PATH, max_size=4),
)
"""Mostly what the fast form accepts, with what sends a URL back to httpx2 mixed in."""

ORIGIN = st.one_of(
    st.sampled_from(ODD_ORIGINS),
    st.builds(lambda scheme, rest: scheme + rest, st.sampled_from(["http://", "https://"]),
              st.lists(st.sampled_from([*"aZ09.-_~!$&'()*+,;=:@[]%\\|^\"`{}<> ", "%41",
                                        "xn--", "é", "::1", "\u0661"]), max_size=8).map("".join)),
)
FAST_URL = st.builds(
    lambda origin, path, query: origin + "/" + path + query,
    ORIGIN,
    st.lists(PATH_PIECE, max_size=8).map("".join),
    st.one_of(st.just(""), st.text(FAST_QUERY, max_size=10).map(lambda q: "?" + q),
              st.lists(PATH_PIECE, max_size=4).map(lambda q: "?" + "".join(q))),
)
"""URLs built to reach the fast form: an odd origin, then a path and query of safe text."""


def _parse_or_error(url: str | httpx2.URL) -> httpx2.URL | str:
    try:
        return httpx2.URL(url)
    except Exception as error:  # InvalidURL, idna's errors, a codec's error
        return type(error).__name__


def _same_as_httpx2(url: str) -> bool:
    """Asserts `target(url)` is `url` or a URL equal in every part; True for the latter."""
    made = target(url)
    parsed = _parse_or_error(url)
    if isinstance(parsed, str):
        assert made is url, f"httpx2 refuses {url!r} ({parsed}) but target made a URL"
        return False
    if made is url:
        return False
    assert isinstance(made, httpx2.URL) and type(made) is httpx2.URL
    assert made._uri_reference == parsed._uri_reference
    assert tuple(map(type, made._uri_reference)) == tuple(map(type, parsed._uri_reference))
    assert str(made) == str(parsed)
    for name in ("scheme", "raw_scheme", "userinfo", "username", "password", "host",
                 "raw_host", "port", "netloc", "path", "raw_path", "query", "fragment",
                 "is_absolute_url", "is_relative_url"):
        get = attrgetter(name)
        assert _outcome_of(get, made) == _outcome_of(get, parsed), name
    assert _outcome_of(repr, made) == _outcome_of(repr, parsed)
    assert made.params.multi_items() == parsed.params.multi_items()
    assert made == parsed and parsed == made and hash(made) == hash(parsed)
    assert vars(made) == vars(parsed)  # no attribute `__init__` would set is missing
    assert pickle.loads(pickle.dumps(made)) == parsed  # a cassette can store it
    # What httpx2 derives from it (a client does `URL(url)`, `copy_with`, `join`, `origin`).
    assert httpx2.URL(made)._uri_reference == parsed._uri_reference
    for derive in (lambda u: (u.origin.scheme, u.origin.host, u.origin.port),
                   lambda u: u.copy_with(fragment="f")._uri_reference,
                   lambda u: u.copy_with(query=b"a=1")._uri_reference,
                   lambda u: u.join("../x?y")._uri_reference):
        assert _outcome_of(derive, made) == _outcome_of(derive, parsed)
    return True


def _outcome_of(derive: Any, url: httpx2.URL) -> Any:
    try:
        return derive(url)
    except Exception as error:  # a relative URL has no origin; a join may be refused
        return type(error).__name__, str(error)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FAST_URL)
@example("http://[::1]:9/a")
@example("http://[FE80::1%25eth0]:81/a?b")
@example("http://a@b@c/x")
@example("http://u%40:p%3A@h/x")
@example("http://h\\@evil.example/x")
@example("http://evil.example\\@h/x")
@example("https://BÜCHER.de:443/x")
@example("https://h:١٢/x")
@example("http:///x")
@example("http:////evil.example/x")
@example("http://h//evil.example/x")
@example("http://h/%2e%2e/x")
@example("http://h/a/..%2F..")
@example("http://h/.../x")
@example("http://h/a/.%2e/x")
@example("http://h/x?a=../..&b=%2F%2E%2E")
@example("http://h/x?")
@example("http://h/x??")
@example("http://h/%")
@example("http://h/%%41%4")
def test_what_target_makes_is_httpx2s_parse_in_every_part(url: str) -> None:
    _same_as_httpx2(url)


def test_the_grammar_reaches_the_fast_form_for_odd_origins() -> None:
    """Otherwise the property above would pass only because every URL went to httpx2."""
    fast = [origin for origin in ODD_ORIGINS if _same_as_httpx2(origin + "/p?q")]

    assert {"http://[::1]:9", "http://[FE80::1%25eth0]:81", "https://BÜCHER.de:443",
            "https://h:١٢", "http://%41b", "http://h:080", "http://"} <= set(fast)
    # Userinfo is left to httpx2 (a server could make each redirect hop a new origin).
    assert not {origin for origin in fast if "@" in origin}


@pytest.mark.parametrize("url", [
    "http://a@b@c/x", "http://u:p:q@h/x", "http://h\\@evil.example/x",
    "http://evil.example\\@h/x", "http://127.0.0.1:8080@evil.example/x",
    "http://" + "a" * 400 + "/x",  # longer than any host name: not cached either
])
def test_userinfo_and_long_origins_are_left_to_httpx2(url: str) -> None:
    targets._ORIGINS.clear()

    assert target(url) is url
    assert not targets._ORIGINS


@pytest.mark.parametrize(("url", "host", "port", "userinfo"), [
    ("http://[::1]:9/x", "::1", 9, b""),
    ("http://[FE80::1%25eth0]:81/x", "FE80::1%25eth0", 81, b""),  # kept as written
    ("https://BÜCHER.de:443/x", "bücher.de", None, b""),
    ("https://h:١٢/x", "h", 12, b""),
    ("http://h:080/x", "h", None, b""),
])
def test_odd_authorities_name_the_host_httpx2_names(url: str, host: str, port: int | None,
                                                    userinfo: bytes) -> None:
    made = target(url)

    assert isinstance(made, httpx2.URL)
    assert (made.host, made.port, made.userinfo) == (host, port, userinfo)
    assert made == httpx2.URL(url)


@settings(max_examples=1000, deadline=None)
@given(st.lists(FAST_URL, min_size=2, max_size=6), st.booleans())
def test_the_origin_cache_never_carries_one_urls_parse_to_another(urls: list[str],
                                                                  clear: bool) -> None:
    if clear:
        targets._ORIGINS.clear()
    for url in [*urls, *reversed(urls)]:
        _same_as_httpx2(url)


def test_a_cached_origin_is_used_only_for_that_exact_text() -> None:
    targets._ORIGINS.clear()
    first = target("http://h/a")
    for url in ["http://H/a", "http://h:80/a", "http://h./a", "http://h%2E/a", "http://@h/a",
                "http://h:/a", "https://h/a", "http://h\\/a", "http://ha/a"]:
        _same_as_httpx2(url)
    assert "http://h" in targets._ORIGINS
    assert target("http://h/a") == first


@pytest.mark.parametrize("length", [65535, 65536])
def test_the_longest_url_httpx2_accepts_is_made_as_httpx2_parses_it(length: int) -> None:
    url = "http://h/" + "a" * (length - len("http://h/"))

    assert len(url) == length
    assert _same_as_httpx2(url)


@pytest.mark.parametrize("length", [65537, 70000])
def test_a_url_over_httpx2s_limit_goes_to_httpx2_which_refuses_it(length: int) -> None:
    url = "http://h/" + "a" * (length - len("http://h/"))

    assert target(url) is url
    with pytest.raises(httpx2.InvalidURL, match="too long"):
        httpx2.Client().build_request("GET", target(url))


ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=30)
"""Any code point: controls, surrogates, private use, unassigned."""


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(["http://", "https://", "HTTP://", "http:", "http:/", ""]),
       ANY_TEXT, st.sampled_from(["", "/", "/a?", "/a/", "?", "#"]), ANY_TEXT)
@example("http://", "\ud800", "/", "x")
@example("http://", "[\ud800]", "/", "x")
@example("http://", "h:\ud800", "/", "x")
@example("http://", "\udcff@h", "/", "x")
@example("https://", "xn--" + "a" * 70, "/", "x")
@example("http://", "a" * 64 + ".com", "/", "x")
@example("http://", "é" * 70, "/", "x")
def test_target_never_raises_and_is_exact_for_any_text(scheme: str, authority: str, mid: str,
                                                       rest: str) -> None:
    _same_as_httpx2(scheme + authority + mid + rest)


CLIENTS = {
    "plain": {},
    "params": {"params": {"k": "v w"}},
    "base_url": {"base_url": "http://base.example:1/pre/"},
    "both": {"params": {"k": "1"}, "base_url": "https://b.example/x"},
}


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[str, httpx2.Client]]:
    made = {name: httpx2.Client(**options) for name, options in CLIENTS.items()}
    yield made
    for client in made.values():
        client.close()


def _built(client: httpx2.Client, url: str | httpx2.URL) -> Any:
    try:
        request = client.build_request("POST", url, headers=[("X-A", "1")], content=b"{}")
    except Exception as error:
        return type(error).__name__
    return (request.method, request.url._uri_reference, str(request.url),
            request.url.raw_path, request.headers.multi_items())


@settings(max_examples=1000, deadline=None)
@given(FAST_URL)
@example("http:///x")  # no host: a relative URL to httpx2, merged with a client's base_url
@example("http://u:p@h/x")  # httpx2 turns userinfo into an Authorization header
@example("http://[::1]:9/x?a=1")
@example("http://[FE80::1%25eth0]:81/x?a=1")
def test_a_client_builds_the_same_request_from_it(clients: dict[str, httpx2.Client],
                                                   url: str) -> None:
    made = target(url)
    for client in clients.values():
        assert _built(client, made) == _built(client, url)


def test_the_request_on_the_wire_is_byte_for_byte_the_strings() -> None:
    """Sent through a transport: the method, target, Host and every header."""
    url = "http://127.0.0.1:8080/a%2Fb/%2e%2e/;x=1?q=a%26b&r=%0D%0AHost:%20evil"
    seen: list[httpx2.Request] = []

    def record(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200)

    with httpx2.Client(transport=httpx2.MockTransport(record)) as client:
        client.get(target(url))
        client.get(url)

    fast, slow = seen
    assert isinstance(target(url), httpx2.URL)
    assert fast.url.raw_path == slow.url.raw_path == (
        b"/a%2Fb/%2e%2e/;x=1?q=a%26b&r=%0D%0AHost:%20evil")
    assert fast.headers.multi_items() == slow.headers.multi_items()
    assert fast.headers["host"] == "127.0.0.1:8080"


# -- the cache under threads ----------------------------------------------------------------


def test_the_origin_cache_is_safe_to_fill_and_empty_from_many_threads() -> None:
    """Eight threads, 600 origins each (the cache empties at 256 many times over)."""
    failures: list[str] = []
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        start.wait()
        for i in range(600):
            shared = f"http://shared{i % 7}:{8000 + i % 3}/s/{worker}?i={i}"
            own = f"http://w{worker}-{i}.example:{1 + i}/p/{i}%2F?q={worker}"
            for url in (shared, own):
                try:
                    made = target(url)
                    if not isinstance(made, httpx2.URL) or (
                            made._uri_reference != httpx2.URL(url)._uri_reference):
                        failures.append(url)
                except Exception as error:  # reported below
                    failures.append(f"{url}: {error!r}")

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)

    assert failures == []
    assert len(targets._ORIGINS) <= 256 + 8  # emptied at 256; a few may land after a clear


# -- end to end against the fault server -----------------------------------------------------

HOSTILE = [
    "a/b", "a%2Fb", "%2e%2e", "%2E", ".%2e", "...", "a?b#c", "?x=1", "#frag", "x\r\nHost: evil",
    "x\nX-Injected: 1", "é", "ü/ü", "a b", "@evil.example", "evil.example@", "\\evil",
    "//evil.example", "http://evil.example/", "%", "%zz", "%41", "~!$&'()*+,;=:@[]^|`{}",
    "\u2215", "\uff0f", "\u200b", "\x7f", "[::1]", "127.0.0.1:1", "a" * 3000,
]
"""Model values aimed at the path and the query."""


def _kit(base_url: str, literal: str = "/echo/literal") -> Toolkit:
    actions = [
        {"name": "lit", "request": {"method": "GET", "url": literal, "query": {"q": "{{q}}"}},
         "variables": [{"name": "q"}]},
        {"name": "get", "request": {"method": "GET", "url": "/echo/{id}/tail",
                                    "query": {"q": "{{q}}", "r": "pre-{{q}}-post"}},
         "variables": [{"name": "id", "required": True}, {"name": "q"}]},
        {"name": "go", "request": {"method": "GET", "url": "/redirect",
                                   "query": {"to": "{{to}}", "status": "{{status}}"}},
         "variables": [{"name": "to", "required": True}, {"name": "status"}]},
    ]
    data = {"version": 1, "defaults": {"base_url": base_url, "retries": 0}, "actions": actions}
    return Toolkit.from_dict(data)


def _seen(server: FaultServer) -> list[tuple[str, str, str | None, str | None]]:
    requests: list[Recorded] = server.seen()
    return [(q.method, q.raw_path, q.headers.get("host"), q.headers.get("x-injected"))
            for q in requests]


def _outcome(result: Any) -> tuple[Any, ...]:
    return (result.ok, result.error, result.status)


@pytest.fixture
def string_urls(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Switch the drivers between `target` and the string URL it replaced."""
    def use(fast: bool) -> None:
        monkeypatch.setattr(drivers, "target", target if fast else (lambda url: url))
    return use


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What `target` gave the drivers (so a test knows the fast form was used)."""
    made: list[Any] = []

    def recording(url: str) -> Any:
        made.append(target(url))
        return made[-1]

    monkeypatch.setattr(drivers, "target", recording)
    return made


def _both_ways_sync(server: FaultServer, base_url: str, name: str, arguments: dict[str, Any],
                    string_urls: Any, literal: str = "/echo/literal") -> tuple[Any, Any]:
    seen = []
    for fast in (True, False):
        string_urls(fast)
        server.reset()
        with _kit(base_url, literal) as kit:
            result = kit.call(name, arguments)
        seen.append((_outcome(result), _seen(server)))
    return seen[0], seen[1]


async def _both_ways_async(server: FaultServer, name: str, arguments: dict[str, Any],
                           string_urls: Any) -> tuple[Any, Any]:
    seen = []
    for fast in (True, False):
        string_urls(fast)
        server.reset()
        kit = _kit(server.base_url)
        try:
            result = await kit.acall(name, arguments)
        finally:
            await kit.executor.aclose()
            kit.close()
        seen.append((_outcome(result), _seen(server)))
    return seen[0], seen[1]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_path_and_query_values_reach_the_server_as_before(
    fault_server: FaultServer, string_urls: Any, value: str
) -> None:
    fast, slow = _both_ways_sync(fault_server, fault_server.base_url, "get",
                                 {"id": value, "q": value}, string_urls)

    assert fast == slow
    (ok, _, _), seen = fast
    if ok:  # one request, to our server, the value one segment and no header of its own
        [(_, raw_path, host, injected)] = seen
        assert host == f"127.0.0.1:{fault_server.port}" and injected is None
        assert raw_path.startswith("/echo/") and raw_path.split("?")[0].count("/") == 3


def test_the_fast_form_is_what_the_drivers_send(fault_server: FaultServer,
                                                spy: list[Any]) -> None:
    with _kit(fault_server.base_url) as kit:
        result = kit.call("get", {"id": "a/b c", "q": "x&y=z"})

    assert result.ok
    assert [type(made) for made in spy] == [httpx2.URL]
    [(_, raw_path, _, _)] = _seen(fault_server)
    assert raw_path == "/echo/a%2Fb%20c/tail?q=x%26y%3Dz&r=pre-x%26y%3Dz-post"


@pytest.mark.parametrize("prefix", ["/b%2Fx;p=1", "/a b", "/é", "/a/.b./..c", "/%zz%",
                                    "/%2e%2e", "/@x:1", "/a\\b", "/~!$&'()*+,;=:@"])
def test_odd_base_url_paths_reach_the_server_as_before(
    fault_server: FaultServer, string_urls: Any, prefix: str
) -> None:
    base_url = fault_server.base_url + prefix

    fast, slow = _both_ways_sync(fault_server, base_url, "get", {"id": "a/b", "q": "?&#"},
                                 string_urls)

    assert fast == slow and fast[1], "the call must reach the server"


@pytest.mark.parametrize("literal", ["/echo/x?fixed=1&y=a b", "/echo/x?f=%7B%7D`&g=|^",
                                     "/echo/x?", "/echo/x?é=ü", "/echo/a b/c?d=e f",
                                     "/echo/x?a=..%2F..&b=?c"])
def test_literal_queries_in_the_action_file_reach_the_server_as_before(
    fault_server: FaultServer, string_urls: Any, literal: str
) -> None:
    fast, slow = _both_ways_sync(fault_server, fault_server.base_url, "lit", {"q": "v&w"},
                                 string_urls, literal)

    assert fast == slow and fast[1], "the call must reach the server"


async def test_hostile_values_reach_the_server_as_before_async(
    fault_server: FaultServer, string_urls: Any
) -> None:
    for value in HOSTILE:
        fast, slow = await _both_ways_async(fault_server, "get", {"id": value, "q": value},
                                            string_urls)
        assert fast == slow, value


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(HOSTILE[:-1]), st.text(max_size=3)), min_size=1,
                max_size=4).map("".join))
def test_any_value_reaches_the_server_as_before(fault_server: FaultServer,
                                                string_urls: Any, value: str) -> None:
    fast, slow = _both_ways_sync(fault_server, fault_server.base_url, "get",
                                 {"id": value, "q": value}, string_urls)

    assert fast == slow


LOCATIONS = [
    "/echo/a b", "/echo/./x/../y", "/echo/%2e%2e/z", "/echo/%2F/z", "/echo/é?x=ü",
    "/echo/a\\b", "/echo/?q=`{}|^", "/echo/x?#frag", "/echo/%zz%", "/echo/x?", "/echo/x??y",
    "echo/relative", "../echo/up", "/echo/@evil.example", "/echo/:80", "/echo//evil.example/x",
    "//127.0.0.1:{port}/echo/scheme-relative", "http://127.0.0.1:{port}/echo/absolute",
    "HTTP://127.0.0.1:{port}/echo/upper", "http://127.0.0.1:{port}/echo/\tt a b",
    " /echo/padded ", "/echo/x;y=1,z", "/echo/%0D%0AX-Injected:%201",
    "http://127.0.0.1:{port}@evil.example/echo/userinfo",
    "http://evil.example#@127.0.0.1:{port}/echo/frag",
    "http://evil.example\\@127.0.0.1:{port}/echo/backslash",
    "http://127.0.0.1:{port}\\@evil.example/echo/backslash2",
]
"""Location values: same-origin with odd characters, and look-alikes of another origin."""


@pytest.mark.parametrize("location", LOCATIONS)
@pytest.mark.parametrize("status", ["302", "307"])
def test_odd_redirects_are_followed_as_before(
    fault_server: FaultServer, string_urls: Any, location: str, status: str
) -> None:
    to = location.replace("{port}", str(fault_server.port))

    fast, slow = _both_ways_sync(fault_server, fault_server.base_url, "go",
                                 {"to": to, "status": status}, string_urls)

    assert fast == slow
    for _, _, host, injected in fast[1]:
        assert host == f"127.0.0.1:{fault_server.port}" and injected is None


async def test_odd_redirects_are_followed_as_before_async(fault_server: FaultServer,
                                                          string_urls: Any) -> None:
    for location in LOCATIONS:
        to = location.replace("{port}", str(fault_server.port))
        fast, slow = await _both_ways_async(fault_server, "go", {"to": to}, string_urls)
        assert fast == slow, location
