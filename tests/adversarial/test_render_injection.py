"""The model is untrusted: whatever it sends, the host stays put, the path keeps its
shape, headers stay single, and bodies parse back to exactly what was sent."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolbridge.actions.models import Action
from toolbridge.execution.render import Prepared, describe, render_request
from toolbridge.results import ToolResult
from toolbridge.secrets import SecretStore

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
PLANTED = "planted-SECRET-7f3a9c1e"
SECRETS = SecretStore({"PLANTED": PLANTED}, environ={})
BASE = "https://api.example.com:8443/v1"


def make(request: dict[str, Any], variables: list[str], **extra: Any) -> Action:
    return Action.model_validate({
        "name": "adversarial",
        "base_url": BASE,
        "request": request,
        "variables": [{"name": name} for name in variables],
        **extra,
    })


def render(action: Action, values: dict[str, Any]) -> Prepared | ToolResult:
    return render_request(action, values, {}, SECRETS, now=NOW, timezone="UTC",
                          conversation_id="conv-1")


PATH_ACTION = make({"url": "/orders/{order}/items"}, ["order"])

HOSTILE_PATH_VALUES = [
    "../", "../../admin", "..%2f", "..%2F..%2Fadmin", "%2e%2e", "%2e%2e%2f", "%252e%252e%252f",
    "@evil.com", "user@evil.com", "#frag", "?x=1", "a?admin=true#x", "..\\..\\admin",
    "\\\\evil.com",
    "\uff0f..\uff0fadmin", "..\u2215admin", "\u2044etc", "\uff0e\uff0e", "//evil.com",
    "http://evil.com/", "https:evil.com", ":9999", "evil.com:80", "a b", "..;/", ";jsessionid=x",
    "%00", "\x00", "\t", "/", "//", "...", "~", "ORD-1/../../secrets",
]


def check_path(prepared: Prepared, value: str) -> None:
    url = httpx2.URL(prepared.url)
    assert (url.scheme, url.host, url.port) == ("https", "api.example.com", 8443)
    segments = url.raw_path.decode("ascii").split("?")[0].split("/")
    assert len(segments) == 5
    assert segments[:3] == ["", "v1", "orders"]
    assert segments[4] == "items"
    assert unquote(segments[3], errors="strict") == value
    # httpx2 builds the same request line: nothing was normalised away.
    request = httpx2.Request("GET", prepared.url)
    assert request.url.host == "api.example.com"
    assert request.url.raw_path == url.raw_path


@pytest.mark.parametrize("value", HOSTILE_PATH_VALUES)
def test_hostile_path_value_stays_one_segment_on_the_same_host(value):
    prepared = render(PATH_ACTION, {"order": value})

    assert isinstance(prepared, Prepared)
    check_path(prepared, value)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1).filter(lambda v: v not in (".", "..")))
def test_any_path_value_stays_one_segment(value):
    prepared = render(PATH_ACTION, {"order": value})

    assert isinstance(prepared, Prepared)
    check_path(prepared, value)


def test_lone_surrogate_is_refused_not_crashed():
    result = render(PATH_ACTION, {"order": "a\ud800b"})

    assert isinstance(result, ToolResult)
    assert result.error == "invalid_arguments"


QUERY_ACTION = make({"url": "/search", "query": {"q": "{{q}}", "fixed": "1"}}, ["q"])


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1))
def test_query_value_round_trips_and_adds_no_parameter(value):
    prepared = render(QUERY_ACTION, {"q": value})

    assert isinstance(prepared, Prepared)
    parts = urlsplit(prepared.url)
    assert parts.netloc == "api.example.com:8443"
    assert parse_qsl(parts.query, keep_blank_values=True) == [("q", value), ("fixed", "1")]


HEADER_ACTION = make({"url": "/x", "headers": {"X-Note": "{{note}}"}}, ["note"])


@pytest.mark.parametrize("value", [
    "a\r\nX-Injected: 1", "a\nX-Injected: 1", "a\rX-Injected: 1", "\r\n\r\nGET / HTTP/1.1",
    "a\x00b", "a\u0085b", "a\u2028b", "a\x0bb", "a\x0cb",
])
def test_header_injection_is_refused(value):
    result = render(HEADER_ACTION, {"note": value})

    assert isinstance(result, ToolResult)
    assert result.error == "invalid_arguments"
    assert "X-Note" in result.problems[0]


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1))
def test_any_header_value_is_refused_or_sent_as_one_valid_header(value):
    result = render(HEADER_ACTION, {"note": value})

    if isinstance(result, ToolResult):
        assert result.error == "invalid_arguments"
        assert re.search(r"[^\t\x20-\x7e]", value)
        return
    sent = dict(result.headers)["X-Note"]
    assert sent == value.strip(" \t")
    request = httpx2.Request("GET", result.url, headers=result.headers)
    assert request.headers.get_list("X-Note") == ([sent] if sent else [""])
    assert "x-injected" not in request.headers


BODY_VALUES = st.text() | st.sampled_from([
    '"}, "admin": true, "x": {"', "\\", "\\\"", "{{other}}", "{{ other }}", "</note><admin/>",
    "]]>", "<![CDATA[x]]>", "&amp;", "\u2028\u2029", "\U0001f600", "\r\n", "'; DROP TABLE x; --",
])


@settings(max_examples=300, deadline=None)
@given(BODY_VALUES)
def test_json_body_values_round_trip_exactly(value):
    action = make({"method": "POST", "url": "/x",
                   "body": {"note": "{{note}}", "wrapped": "Note: {{note}}!", "other": "fixed"}},
                  ["note", "other"])

    prepared = render(action, {"note": value, "other": "LEAK"})

    assert isinstance(prepared, Prepared)
    assert json.loads(prepared.content or b"") == {
        "note": value, "wrapped": f"Note: {value}!", "other": "fixed",
    }


XML_LEGAL = st.characters(codec="utf-8").filter(
    lambda c: not re.match("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", c)
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=XML_LEGAL) | BODY_VALUES.filter(lambda v: v.isprintable() or v == "\r\n"))
def test_xml_body_values_round_trip_exactly(value):
    action = make({"method": "POST", "url": "/x", "body_format": "xml",
                   "body": '<order note="{{note}}"><note>{{note}}</note><other>{{other}}</other>'
                           "</order>"},
                  ["note", "other"])

    prepared = render(action, {"note": value, "other": "fixed"})

    assert isinstance(prepared, Prepared)
    root = ET.fromstring(prepared.content or b"")
    assert root.get("note") == value
    assert (root.findtext("note") or "") == value
    assert root.findtext("other") == "fixed"
    assert [child.tag for child in root] == ["note", "other"]


@settings(max_examples=300, deadline=None)
@given(BODY_VALUES)
def test_form_body_values_round_trip_exactly(value):
    action = make({"method": "POST", "url": "/x", "body_format": "form",
                   "body": {"note": "{{note}}", "role": "customer"}}, ["note"])

    prepared = render(action, {"note": value})

    assert isinstance(prepared, Prepared)
    pairs = parse_qsl((prepared.content or b"").decode("ascii"), keep_blank_values=True)
    assert pairs == [("note", value), ("role", "customer")]


@pytest.mark.parametrize("auth", [
    {"type": "bearer", "secret": "PLANTED"},
    {"type": "header", "secret": "PLANTED", "name": "X-Custom"},
    {"type": "query", "secret": "PLANTED", "name": "key"},
    {"type": "body", "secret": "PLANTED", "name": "credential"},
    {"type": "basic", "username": "PLANTED", "password": "PLANTED"},
])
def test_planted_secret_never_reaches_summary_describe_or_repr(auth):
    action = make({"method": "POST", "url": "/x/{path}", "query": {"q": "{{echo}}"},
                   "headers": {"X-Echo": "{{echo}}", "X-Signed": "{{secrets.PLANTED}}"},
                   "body": {"echo": "{{echo}}", "text": "echo: {{echo}}"}},
                  ["echo", "path"], auth=auth)

    prepared = render(action, {"echo": PLANTED, "path": PLANTED})

    assert isinstance(prepared, Prepared)
    assert PLANTED in prepared.url + json.dumps(prepared.headers) + prepared.content.decode()
    shown = [prepared.summary.url, json.dumps(prepared.summary.headers), prepared.summary.body,
             describe(prepared), repr(prepared), repr(prepared.summary),
             prepared.summary.describe()]
    assert all(PLANTED not in (text or "") for text in shown)
