"""End to end against a real server: the model cannot move the request, read a secret, or
confirm for the user — as seen by the server, the result, the logs and the audit trail."""

from __future__ import annotations

import logging
import random
from typing import Any
from urllib.parse import unquote

import pytest
from harness import build
from server import FaultServer

from toolbridge import Toolkit
from toolbridge import results as r
from toolbridge.execution import Executor

BEARER = "planted-bearer-9c1e77aa"
QUERY_KEY = "planted-query-41d0b3c2"
HEADER_KEY = "planted-header-e8f27d19"
SECRETS = {"BEARER": BEARER, "QUERY": QUERY_KEY, "HEADER": HEADER_KEY}
PLANTED = (BEARER, QUERY_KEY, HEADER_KEY)

HOSTILE_SEGMENTS = [
    "../admin", "a/b", "x?admin=true", "#frag", "%2e%2e%2fadmin", "@evil.test", "..\\..\\x",
    "http://evil.test/", "//evil.test", "evil.test:80", "..;/", "%00", "ORD-1/../../secrets",
    "\uff0f..\uff0fadmin", "a b", "...",
]


def _actions() -> list[dict[str, Any]]:
    return [
        {"name": "item", "request": {"url": "/echo/items/{item}"},
         "variables": [{"name": "item", "required": True}],
         "auth": {"type": "bearer", "secret": "BEARER"}},
        {"name": "keyed", "request": {"url": "/echo/keyed",
                                      "headers": {"X-Api-Key": "{{secrets.HEADER}}"}},
         "auth": {"type": "query", "name": "key", "secret": "QUERY"}},
        {"name": "fail", "request": {"url": "/reflect/422",
                                     "headers": {"X-Api-Key": "{{secrets.HEADER}}"}},
         "auth": {"type": "bearer", "secret": "BEARER"}},
        {"name": "fail_query", "request": {"url": "/reflect/404"},
         "auth": {"type": "query", "name": "key", "secret": "QUERY"}},
        {"name": "account", "request": {"url": "/echo/accounts/{customer_id}"},
         "variables": [{"name": "customer_id", "source": "context"}]},
        {"name": "refund", "request": {"method": "POST", "url": "/echo/refund",
                                       "body": {"amount": "{{amount}}"}},
         "variables": [{"name": "amount", "type": "integer", "required": True}],
         "safety": {"requires_confirmation": True, "audit": "full"}},
        {"name": "note", "request": {"url": "/echo/note", "headers": {"X-Note": "{{note}}"}},
         "variables": [{"name": "note", "required": True}]},
    ]


@pytest.fixture
def harness(fault_server: FaultServer) -> Any:
    harness = build(fault_server.base_url, _actions(), secrets=SECRETS)
    yield harness
    harness.toolkit.close()


@pytest.mark.parametrize("value", HOSTILE_SEGMENTS)
def test_path_values_stay_one_segment_on_the_same_host(harness: Any, fault_server: FaultServer,
                                                       value: str) -> None:
    result = harness.toolkit.call("item", {"item": value})

    assert result.ok
    (seen,) = fault_server.seen()
    path = seen.raw_path.split("?", 1)[0]
    assert path.startswith("/echo/items/") and path.count("/") == 3
    assert unquote(path.rsplit("/", 1)[1]) == value and "?" not in seen.raw_path
    assert seen.headers["host"] == f"127.0.0.1:{fault_server.port}"


@pytest.mark.parametrize(("value", "code"), [("", r.NEEDS_INPUT), (".", r.INVALID_ARGUMENTS),
                                             ("..", r.INVALID_ARGUMENTS)])
def test_dot_segments_are_refused_and_nothing_is_sent(harness: Any, fault_server: FaultServer,
                                                      value: str, code: str) -> None:
    result = harness.toolkit.call("item", {"item": value})

    assert result.error == code and fault_server.seen() == []


def test_header_injection_is_refused_and_nothing_is_sent(harness: Any,
                                                         fault_server: FaultServer) -> None:
    result = harness.toolkit.call("note", {"note": "hi\r\nX-Admin: 1"})

    assert result.error == r.INVALID_ARGUMENTS and fault_server.seen() == []


def _everything_shown(harness: Any, result: Any, caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        result.for_model(), repr(result), str(result), str(result.request), result.guidance or "",
        repr(harness.toolkit), repr(harness.executor), repr(harness.toolkit.secrets),
        repr(harness.events), caplog.text, *(rec.getMessage() for rec in caplog.records),
        *(repr(getattr(rec, "audit", "")) for rec in caplog.records),
    ]


@pytest.mark.parametrize(("name", "args"), [
    ("keyed", {}),
    ("item", {"item": "ORD-1"}),
    ("fail", {}),
    ("fail_query", {}),
])
def test_planted_secrets_never_surface(harness: Any, fault_server: FaultServer,
                                       caplog: pytest.LogCaptureFixture, name: str,
                                       args: dict[str, Any]) -> None:
    caplog.set_level(logging.DEBUG)

    result = harness.toolkit.call(name, args)

    assert fault_server.seen(), "the server must have received the secrets"
    for shown in _everything_shown(harness, result, caplog):
        for secret in PLANTED:
            assert secret not in shown


def test_an_error_message_echoing_credentials_is_masked_in_the_guidance(harness: Any) -> None:
    result = harness.toolkit.call("fail", {})

    assert result.error == r.UNPROCESSABLE
    assert "The service said: rejected: Bearer ***" in (result.guidance or "")


def test_the_echo_of_every_auth_kind_is_masked_in_the_data(harness: Any) -> None:
    result = harness.toolkit.call("keyed", {})

    assert result.ok
    assert result.data["headers"]["x-api-key"] == "***"
    assert result.data["query"] == {"key": ["***"]}


@pytest.mark.parametrize("field", ["confirm", "confirmation", "confirmed", "_confirm"])
def test_model_arguments_cannot_confirm(harness: Any, fault_server: FaultServer,
                                        field: str) -> None:
    token = harness.toolkit.confirmation_token("refund", {"amount": 5})

    result = harness.toolkit.call("refund", {"amount": 5, field: token})

    assert result.error == r.INVALID_ARGUMENTS and field in " ".join(result.problems)
    assert fault_server.seen() == []


def test_the_confirmation_token_never_reaches_the_model(harness: Any) -> None:
    paused = harness.toolkit.call("refund", {"amount": 5})

    assert paused.error == r.NEEDS_CONFIRMATION and paused.confirmation
    assert paused.confirmation not in paused.for_model()


def test_a_token_minted_by_another_executor_does_not_confirm(fault_server: FaultServer) -> None:
    data = {"version": 1, "defaults": {"base_url": fault_server.base_url},
            "actions": _actions()}
    first, second = Toolkit.from_dict(data), Toolkit.from_dict(data)
    token = first.confirmation_token("refund", {"amount": 5})

    with first, second:
        result = second.call("refund", {"amount": 5}, confirm=token)

    assert result.error == r.NEEDS_CONFIRMATION and fault_server.seen() == []


def test_model_cannot_supply_a_context_variable(harness: Any, fault_server: FaultServer) -> None:
    result = harness.toolkit.call("account", {"customer_id": "someone-else"},
                                  context={"customer_id": "cust-1"})

    assert result.error == r.INVALID_ARGUMENTS and fault_server.seen() == []


def test_context_variable_comes_from_the_session(harness: Any, fault_server: FaultServer) -> None:
    result = harness.toolkit.call("account", {}, context={"customer_id": "cust-1"})

    assert result.ok and fault_server.seen()[0].path == "/echo/accounts/cust-1"


def test_executor_options_keep_secrets_out_of_reprs() -> None:
    executor = Executor(secrets=Toolkit([], secrets=SECRETS).secrets, rng=random.Random(1))

    assert all(secret not in repr(executor) for secret in PLANTED)
