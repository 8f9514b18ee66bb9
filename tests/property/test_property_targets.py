"""`execution.targets.target` gives what `httpx2.URL` parses, or leaves the parse to it.

For any string: either `target` returns the string itself (httpx2 then parses it, and
raises for it, as before), or an `httpx2.URL` equal in every part to `httpx2.URL(url)`.
"""

from __future__ import annotations

import httpx2
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from toolbridge.execution import targets
from toolbridge.execution.targets import target

# Characters where httpx2's parse does something: delimiters, what it encodes, dots,
# percent signs, controls, non-ASCII and look-alikes; plus plain ones.
SPECIAL = [
    *"/?#@:;=&%.[]\\^|`{}<>\"' !$()*+,~-_",
    "%2F", "%2e", "%2E%2E", "%", "%4", "%zz", "..", ".", "\t", "\r\n", "\x00", "\x7f",
    "é", "ü", "\u2215", "\uff0f", "\u200b", "\ud7ff", "\uff21\uff22", "xn--",
]
PIECE = st.one_of(st.sampled_from(SPECIAL), st.text("abcXYZ019", min_size=1, max_size=4))
PART = st.lists(PIECE, max_size=8).map("".join)
ORIGIN = st.one_of(
    st.sampled_from([
        "http://127.0.0.1:8080", "https://api.example.com", "HTTP://Example.COM",
        "http://EXAMPLE.com:80", "https://h:443", "http://[::1]:9", "http://u:p@h",
        "http://h:0", "http://h:99999", "http://[zz]", "http://bücher.de", "ftp://h",
        "http://", "http:/h", "//h", "h",
    ]),
    st.builds(lambda scheme, host: scheme + host, st.sampled_from(["http://", "https://"]),
              PART),
)
URL = st.builds(
    lambda origin, path, query, fragment: origin + path + query + fragment,
    ORIGIN, st.one_of(st.just(""), PART.map(lambda p: "/" + p)),
    st.one_of(st.just(""), PART.map(lambda q: "?" + q)),
    st.one_of(st.just(""), PART.map(lambda f: "#" + f)),
)


def _same_as_httpx2(url: str) -> None:
    made = target(url)
    try:
        parsed = httpx2.URL(url)
    except Exception:  # InvalidURL, or idna's IDNAError for some host names
        assert made is url  # httpx2 still sees the string, and still refuses it
        return
    if made is url:
        return  # httpx2 parses it: the same by construction
    assert isinstance(made, httpx2.URL)
    assert made._uri_reference == parsed._uri_reference
    assert str(made) == str(parsed)
    assert (made.scheme, made.raw_host, made.port, made.raw_path, made.userinfo) == (
        parsed.scheme, parsed.raw_host, parsed.port, parsed.raw_path, parsed.userinfo)
    assert made == parsed and hash(made) == hash(parsed)


@settings(max_examples=3000, deadline=None)
@given(URL)
@example("http://127.0.0.1:8080/orders/ORD-1")
@example("http://h/a/./b")
@example("http://h/a/%2e%2e/b")
@example("http://h/a/..")
@example("http://h/a?x=../..#f")
@example("http://h/a b")
@example("http://h/a?b c")
@example("http://h/é")
@example("http://h/a\r\nHost: evil")
@example("http://h/a\\b")
@example("http://evil.example@h/x")
@example("http://h@evil.example/x")
@example("http://h:80/x")
@example("http://0xn--/")
@example("http://h?x=/y")
@example("http://h#/y")
@example("http://h" + "/a" * 40000)
def test_target_is_httpx2s_parse(url: str) -> None:
    _same_as_httpx2(url)


def test_the_fast_form_is_used_on_this_httpx2() -> None:
    """Otherwise the property above would hold only because every URL is a string."""
    assert targets.available
    made = target("http://127.0.0.1:8080/orders/ORD-1?x=1")
    assert isinstance(made, httpx2.URL)
    assert made.host == "127.0.0.1" and made.port == 8080
    assert made.raw_path == b"/orders/ORD-1?x=1"


@pytest.mark.parametrize("url", [
    "http://h/a/../b",  # dot segments: httpx2 removes them
    "http://h/a b",  # space: httpx2 encodes it
    "http://h/é",
    "http://h/a?b c",
    "http://h/a#f",
    "http://h",  # no path: httpx2 writes "/"
    "http://h?x=1",
    "HTTP://h/x",
    "mailto:x@h",
    "http://h/" + "a" * 70000,  # over httpx2's length limit: it refuses the string
])
def test_what_httpx2_would_change_stays_a_string(url: str) -> None:
    assert target(url) is url


def test_a_request_built_from_it_is_the_same_request() -> None:
    client = httpx2.Client()
    url = "https://api.example.com/v1/orders/A%2FB;x=1?q=a%26b&limit=5"
    headers = [("Authorization", "Bearer t"), ("X-Trace", "1")]
    fast = client.build_request("POST", target(url), headers=headers, content=b"{}")
    slow = client.build_request("POST", url, headers=headers, content=b"{}")
    assert fast.url == slow.url and str(fast.url) == url
    assert fast.headers.multi_items() == slow.headers.multi_items()
    assert fast.url.raw_path == b"/v1/orders/A%2FB;x=1?q=a%26b&limit=5"
    client.close()


def test_origins_are_parsed_once_and_the_cache_stays_small() -> None:
    targets._ORIGINS.clear()
    for port in range(300):
        assert isinstance(target(f"http://h:{port + 1}/x"), httpx2.URL)
    assert 0 < len(targets._ORIGINS) <= 256
    made = target("http://h:1/y")
    assert isinstance(made, httpx2.URL) and made.port == 1 and made.path == "/y"


def test_a_change_in_httpx2s_url_layout_turns_the_fast_form_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(targets, "_ParseResult", type(None))  # no `_uri_reference` any more

    assert targets._available() is False
