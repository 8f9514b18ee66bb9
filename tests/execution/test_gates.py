"""Identity, confirmation and rate-limit gates: what they return and that nothing is sent."""

from __future__ import annotations

from typing import Any

from harness import Factory
from server import FaultServer

from toolbridge import results as r
from toolbridge.actions.models import Action
from toolbridge.execution.gates import confirmation_token
from toolbridge.execution.ratelimit import SlidingWindowLimiter, parse_rate
from toolbridge.guidance import DEFAULT_GUIDANCE

REFUND: dict[str, Any] = {
    "name": "refund", "request": {"method": "POST", "url": "/echo/refunds",
                                  "body": {"order": "{{order}}", "amount": "{{amount}}"}},
    "variables": [{"name": "order", "required": True},
                  {"name": "amount", "type": "integer", "required": True}],
    "safety": {"requires_confirmation": True},
}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_admits_the_limit_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(clock)

    admitted = [limiter.acquire("a", 2, 60.0) for _ in range(2)]
    clock.now += 15
    refused = limiter.acquire("a", 2, 60.0)
    other_key = limiter.acquire("b", 2, 60.0)
    clock.now += 45
    later = limiter.acquire("a", 2, 60.0)

    assert admitted == [None, None] and refused == 45.0 and other_key is None and later is None


def test_parse_rate_reads_count_and_period() -> None:
    assert parse_rate("30/minute") == (30, 60.0)
    assert parse_rate(" 5 / second ") == (5, 1.0)


def test_identity_gate_refuses_without_verified_context(make: Factory,
                                                        fault_server: FaultServer) -> None:
    action = {"name": "me", "request": {"url": "/echo/me"},
              "safety": {"requires_identity_verification": True}}
    harness = make(fault_server.base_url, [action])

    refused = harness.toolkit.call("me", {}, context={"identity_verified": "yes"})
    allowed = harness.toolkit.call("me", {}, context={"identity_verified": True})

    assert refused.error == r.IDENTITY_REQUIRED
    assert refused.guidance == DEFAULT_GUIDANCE[r.IDENTITY_REQUIRED]
    assert allowed.ok and len(fault_server.seen("/echo")) == 1


def test_confirmation_pauses_with_a_token_and_the_exact_request(
    make: Factory, fault_server: FaultServer
) -> None:
    harness = make(fault_server.base_url, [REFUND])

    paused = harness.toolkit.call("refund", {"order": "ORD-1", "amount": 5})

    assert paused.error == r.NEEDS_CONFIRMATION and paused.confirmation
    assert paused.request is not None and paused.request.body == '{"order":"ORD-1","amount":5}'
    assert paused.confirmation not in paused.for_model()
    assert fault_server.seen() == []


def test_the_token_confirms_exactly_that_call(make: Factory, fault_server: FaultServer) -> None:
    harness = make(fault_server.base_url, [REFUND])
    token = harness.toolkit.confirmation_token("refund", {"order": "ORD-1", "amount": 5})

    other = harness.toolkit.call("refund", {"order": "ORD-1", "amount": 500}, confirm=token)
    done = harness.toolkit.call("refund", {"order": "ORD-1", "amount": 5}, confirm=token)

    assert other.error == r.NEEDS_CONFIRMATION and other.problems
    assert done.ok and len(fault_server.seen("/echo")) == 1


def test_a_wrong_token_is_refused(make: Factory, fault_server: FaultServer) -> None:
    harness = make(fault_server.base_url, [REFUND])

    result = harness.toolkit.call("refund", {"order": "ORD-1", "amount": 5}, confirm="0" * 64)

    assert result.error == r.NEEDS_CONFIRMATION
    assert "does not match" in result.problems[0] and fault_server.seen() == []


def test_tokens_are_per_executor_unless_a_key_is_shared() -> None:
    action = Action.model_validate({**REFUND, "base_url": "https://api.test"})
    values = {"order": "ORD-1", "amount": 5}

    same = confirmation_token(b"k" * 32, action, values, {})
    again = confirmation_token(b"k" * 32, action, dict(reversed(values.items())), {})
    other_key = confirmation_token(b"j" * 32, action, values, {})

    assert same == again and same != other_key


def test_rate_limit_refuses_past_the_limit_and_sends_nothing(make: Factory,
                                                             fault_server: FaultServer) -> None:
    action = {"name": "ping", "request": {"url": "/echo/ping"},
              "safety": {"rate_limit": "2/minute"}}
    harness = make(fault_server.base_url, [action])

    results = [harness.toolkit.call("ping", {}) for _ in range(3)]

    assert [res.ok for res in results] == [True, True, False]
    assert results[2].error == r.RATE_LIMITED and "60 seconds" in (results[2].guidance or "")
    assert len(fault_server.seen("/echo")) == 2


def test_an_unconfirmed_call_does_not_use_a_rate_limit_slot(make: Factory,
                                                            fault_server: FaultServer) -> None:
    action = {**REFUND, "safety": {"requires_confirmation": True, "rate_limit": "1/minute"}}
    harness = make(fault_server.base_url, [action])
    values = {"order": "ORD-1", "amount": 5}

    harness.toolkit.call("refund", values)
    token = harness.toolkit.confirmation_token("refund", values)
    done = harness.toolkit.call("refund", values, confirm=token)

    assert done.ok


def test_a_token_from_one_conversation_does_not_confirm_the_same_call_in_another() -> None:
    action = Action(
        name="refund", description="Refund an order after the customer agreed.",
        base_url="https://api.example-shop.test",
        request={"method": "POST", "url": "/refunds"},
        safety={"requires_confirmation": True},
    )
    key = b"k" * 32
    token = confirmation_token(key, action, {}, {"conversation_id": "c1"})

    assert confirmation_token(key, action, {}, {"conversation_id": "c1"}) == token
    assert confirmation_token(key, action, {}, {"conversation_id": "c2"}) != token
