"""The scope-free fast path of rendering gives exactly what the general path gives, and
the executor's skip of the gates for ungated actions leaves every gate refusing as before.

`render._render_fast` serves actions whose placeholders are all model or constant
variables; the general `_render` is the reference. Each property renders the same call
twice, once with the compiled `_Fast` form and once with it removed from the plan, and
compares everything the request carries (or the result, or the exception raised)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime, timezone
from json.encoder import encode_basestring
from typing import Any

import httpx2
import pytest
from harness import assert_same_request
from hypothesis import example, given
from hypothesis import strategies as st

from toolbridge import results as r
from toolbridge.actions.models import Action
from toolbridge.errors import ActionFileError
from toolbridge.execution import Executor
from toolbridge.execution import render as rendering
from toolbridge.execution.bodies import _dump, _flat_text
from toolbridge.execution.render import Prepared, render_request
from toolbridge.results import ToolResult
from toolbridge.secrets import Secret, SecretStore

NOW = datetime(2026, 1, 5, tzinfo=timezone.utc)
TOKEN = "tok-3f9a7c2e"
ODD = ["", ".", "..", "/", "a/b", "%2F", "\r\n", "\x00", "é", "😀", "\ud800", "a b", "?#",
       ".x", "x.", TOKEN, f"id-{TOKEN}", "{{q}}", "{id}"]
TEXT = st.one_of(st.text(max_size=12), st.sampled_from(ODD))
VALUE = st.one_of(
    st.none(), TEXT, st.integers(), st.booleans(), st.just(10**5000),
    st.floats(allow_nan=True, allow_infinity=True), st.lists(TEXT, max_size=3),
    st.just(Secret(TOKEN)), st.just(Secret("other-secret-1")),
)
SEGMENT = st.one_of(st.from_regex(r"[A-Za-z0-9_.~-]{1,8}", fullmatch=True),
                    st.integers(-5, 10**6), VALUE)
"""Path values, often ones the fast path takes (so what follows the path is compared too)."""
AUTHS = {
    "none": {"type": "none"},
    "bearer": {"type": "bearer", "secret": "TOKEN"},
    "basic": {"type": "basic", "username": "USER", "password": "TOKEN"},
    "header": {"type": "header", "secret": "TOKEN", "name": "X-Key"},
    "query": {"type": "query", "secret": "TOKEN", "name": "key"},
    "body": {"type": "body", "secret": "TOKEN", "name": "token"},
}
STORE = SecretStore({"TOKEN": TOKEN, "USER": "user-name-1"}, environ={})


def _action(auth: str, **request: Any) -> Action:
    return Action.model_validate({
        "name": "fast", "base_url": "https://api.example.com/v1",
        "request": {"headers": {"Accept": "application/json", "X-Api-Token": "static"},
                    **request},
        "auth": AUTHS[auth],
        "variables": [{"name": n} for n in ("id", "a", "b", "q", "sku", "qty", "note")]
        + [{"name": "kind", "source": "constant", "value": "retail"},
           {"name": "unset", "source": "constant"}],
    })


def _get(auth: str) -> Action:
    return _action(auth, url="/orders/{id}")


def _search(auth: str) -> Action:
    return _action(auth, url="/a/{a}.{b}/x?v=1", query={"q": "{{q}}", "fixed": "a b&c"})


def _create(auth: str) -> Action:
    return _action(auth, method="POST", url="/items", body={
        "sku": "{{sku}}", "qty": "{{qty}}", "note": "{{ note }}", "kind": "{{kind}}",
        "gone": "{{unset}}", "flag": True, "meta": {"tags": ["x", 1]},
    })


def _outcome(action: Action, values: dict[str, Any], secrets: SecretStore) -> Any:
    try:
        return render_request(action, values, {}, secrets, now=NOW, timezone="UTC",
                              conversation_id=None)
    except Exception as error:  # compared by type: both paths must raise alike
        return type(error)


def _both(action: Action, values: dict[str, Any], secrets: SecretStore = STORE) -> tuple[Any, Any]:
    plan = rendering._plan(action)
    assert plan.fast is not None  # the shape under test takes the fast path
    fast = _outcome(action, values, secrets)
    rendering._PLANS[id(action)] = (action, replace(plan, fast=None, fixed=None))
    try:
        general = _outcome(action, values, secrets)
    finally:
        rendering._PLANS[id(action)] = (action, plan)
    return fast, general


@given(SEGMENT, st.sampled_from(sorted(AUTHS)))
def test_a_path_parameter_renders_as_on_the_general_path(value: Any, auth: str) -> None:
    fast, general = _both(_get(auth), {"id": value})

    assert_same_request(fast, general)


@given(SEGMENT, SEGMENT, VALUE, st.sampled_from(sorted(AUTHS)))
@example(".", "y", None, "none").via("a dot value beside literal text")
@example("x", "y", Secret(TOKEN), "bearer").via("a Secret as a query value")
def test_two_parameters_and_a_query_render_as_on_the_general_path(
    a: Any, b: Any, q: Any, auth: str
) -> None:
    fast, general = _both(_search(auth), {"a": a, "b": b, "q": q})

    assert_same_request(fast, general)


@given(VALUE, VALUE, VALUE, st.sampled_from(sorted(AUTHS)))
@example(Secret(TOKEN), 3, "n", "bearer").via("a Secret as a body value")
def test_a_flat_json_body_renders_as_on_the_general_path(
    sku: Any, qty: Any, note: Any, auth: str
) -> None:
    fast, general = _both(_create(auth), {"sku": sku, "qty": qty, "note": note})

    assert_same_request(fast, general)


def test_ordinary_values_take_the_fast_path() -> None:
    cases: list[tuple[Action, dict[str, Any]]] = [
        (_get("bearer"), {"id": "ORD-12345"}), (_get("basic"), {"id": 42}),
        (_search("query"), {"a": "x", "b": "y", "q": ["red", "blue"]}),
        (_create("body"), {"sku": "SKU-1", "qty": 3, "note": None}),
        (_create("header"), {"sku": "é\"\\", "qty": True, "note": "n"}),
    ]

    for action, values in cases:
        plan = rendering._plan(action)
        assert plan.fast is not None
        assert rendering._render_fast(action, plan, plan.fast, values, STORE) is not None


def test_the_bench_shapes_render_exactly() -> None:
    get = _get("bearer")
    post = _create("bearer")

    got = render_request(get, {"id": "ORD 1/2"}, {}, STORE, now=NOW, timezone="UTC",
                         conversation_id=None)
    made = render_request(post, {"sku": "SKU-1", "qty": 3, "note": TOKEN}, {}, STORE,
                          now=NOW, timezone="UTC", conversation_id=None)

    assert isinstance(got, Prepared) and isinstance(made, Prepared)
    assert got.url == "https://api.example.com/v1/orders/ORD%201%2F2"
    assert got.headers[-1] == ("Authorization", f"Bearer {TOKEN}")
    assert got.summary.headers["Authorization"] == "***"
    assert made.content == json.dumps(
        {"sku": "SKU-1", "qty": 3, "note": TOKEN, "kind": "retail", "flag": True,
         "meta": {"tags": ["x", 1]}}, separators=(",", ":")).encode()
    assert made.summary.body is not None and TOKEN not in made.summary.body
    assert made.headers[-1] == ("Content-Type", "application/json")


@pytest.mark.parametrize("request_spec", [
    {"url": "/x", "headers": {"X-Conversation": "{{conversation_id}}"}},
    {"url": "/x", "query": {"day": "{{current_date}}"}},
    {"url": "/x", "query": {"q": "x-{{q}}"}},
    {"url": "/x/{kind}"},
    {"url": "/x", "method": "POST", "body": {"who": "{{customer}}"}},
    {"url": "/x", "method": "POST", "body": {"note": "Order {{id}}"}},
    {"url": "/x", "method": "POST", "body": {"deep": {"q": "{{q}}"}}},
    {"url": "/x", "method": "POST", "body": ["{{q}}"]},
    {"url": "/x", "method": "POST", "body": {"q": "{{q}}"}, "body_format": "form"},
])
def test_actions_needing_the_scope_take_the_general_path(request_spec: dict[str, Any]) -> None:
    action = Action.model_validate({
        "name": "general", "base_url": "https://api.example.com", "request": request_spec,
        "variables": [{"name": "q"}, {"name": "id"}, {"name": "customer", "source": "context"},
                      {"name": "kind", "source": "constant", "value": "k"}],
    })

    assert rendering._plan(action).fast is None


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_dot_and_empty_path_values_are_still_refused(value: str) -> None:
    result = render_request(_get("bearer"), {"id": value}, {}, STORE, now=NOW,
                            timezone="UTC", conversation_id=None)

    assert isinstance(result, ToolResult) and result.error == r.INVALID_ARGUMENTS
    assert result.problems[0].startswith("id: ")


def test_a_rotated_secret_is_sent_on_the_next_call_and_both_stay_masked() -> None:
    environ = {"TOKEN": "first-token-1"}
    store = SecretStore(environ=environ)
    action = _search("query")

    before = render_request(action, {"a": "x", "b": "y", "q": "first-token-1"}, {}, store,
                            now=NOW, timezone="UTC", conversation_id=None)
    environ["TOKEN"] = "second-token-2"
    after = render_request(action, {"a": "x", "b": "y", "q": "first-token-1"}, {}, store,
                           now=NOW, timezone="UTC", conversation_id=None)

    assert isinstance(before, Prepared) and isinstance(after, Prepared)
    assert before.url.endswith("&key=first-token-1")
    assert after.url.endswith("&key=second-token-2")
    assert after.secret_values == ("second-token-2",)
    assert "first-token-1" not in before.summary.url
    assert "second-token-2" not in after.summary.url


def test_a_header_secret_with_a_line_break_is_refused_on_every_call() -> None:
    store = SecretStore({"TOKEN": "bad\r\nX-Evil: 1"}, environ={})

    results = [render_request(_get("header"), {"id": "1"}, {}, store, now=NOW,
                              timezone="UTC", conversation_id=None) for _ in range(2)]

    assert all(isinstance(result, ToolResult) and result.error == r.INVALID_ARGUMENTS
               for result in results)


def test_a_cyclic_body_value_is_refused_as_before() -> None:
    loop: list[Any] = []
    loop.append(loop)

    result = render_request(_create("none"), {"sku": loop}, {}, STORE, now=NOW,
                            timezone="UTC", conversation_id=None)

    assert isinstance(result, ToolResult) and result.error == r.INVALID_ARGUMENTS


SCALAR = st.one_of(st.none(), st.text(), st.integers(), st.booleans())


@given(st.dictionaries(st.text(), SCALAR, max_size=5))
def test_a_flat_body_is_written_as_the_json_encoder_writes_it(given_values: dict[str, Any]
                                                               ) -> None:
    names = {key: f"v{i}" for i, key in enumerate(given_values)}
    fields = tuple((key, names[key], None, encode_basestring(key) + ":", "")
                   for key in given_values)
    values = {names[key]: value for key, value in given_values.items()}

    text = _flat_text(fields, values)

    assert text == _dump({k: v for k, v in given_values.items() if v is not None})


def test_a_flat_body_leaves_other_values_to_the_encoder() -> None:
    field = (("x", "x", None, '"x":', ""),)

    assert [_flat_text(field, {"x": value}) for value in (1.5, [1], math.nan)] == [None] * 3


# -- the gates ------------------------------------------------------------------------------


@pytest.mark.parametrize(("safety", "gated"), [
    ({}, False), ({"requires_confirmation": False}, False),
    ({"requires_identity_verification": True}, True), ({"requires_confirmation": True}, True),
    ({"rate_limit": "5/minute"}, True),
])
def test_the_plan_says_which_actions_have_a_gate(safety: dict[str, Any], gated: bool) -> None:
    action = Action.model_validate({"name": "g", "base_url": "https://api.example.com",
                                    "request": {"url": "/x"}, "safety": safety})

    assert rendering._plan(action).gated is gated


def _executor(seen: list[httpx2.Request]) -> Executor:
    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"ok": True})

    return Executor(secrets=STORE, client=httpx2.Client(transport=httpx2.MockTransport(handler)))


def _gated(**safety: Any) -> Action:
    return Action.model_validate({"name": "g", "base_url": "https://api.example.com",
                                  "request": {"method": "POST", "url": "/x"}, "safety": safety})


def test_gated_actions_still_refuse_before_sending() -> None:
    seen: list[httpx2.Request] = []
    executor = _executor(seen)

    identity = executor.call(_gated(requires_identity_verification=True), {}, {})
    confirm = executor.call(_gated(requires_confirmation=True), {}, {})
    limited = _gated(rate_limit="1/minute")
    first, second = executor.call(limited, {}, {}), executor.call(limited, {}, {})
    plain = executor.call(_gated(), {}, {})

    assert (identity.error, confirm.error) == (r.IDENTITY_REQUIRED, r.NEEDS_CONFIRMATION)
    assert (first.ok, second.error, plain.ok) == (True, r.RATE_LIMITED, True)
    assert len(seen) == 2


def test_a_malformed_action_still_meets_the_identity_gate_first() -> None:
    executor = _executor([])
    action = Action.model_validate({"name": "broken", "request": {"url": "/relative"},
                                    "safety": {"requires_identity_verification": True}})

    refused = executor.call(action, {}, {})

    assert refused.error == r.IDENTITY_REQUIRED
    with pytest.raises(ActionFileError, match="base_url"):
        executor.call(action, {}, {"identity_verified": True})
