"""The sans-IO flow, driven by hand: retry, backoff, Retry-After and redirect decisions."""

from __future__ import annotations

import random
from collections.abc import Iterable
from email.utils import formatdate
from typing import Any

from toolbridge import results as r
from toolbridge.actions.models import Action
from toolbridge.execution.flow import (
    Failed,
    Received,
    Send,
    Sleep,
    backoff,
    call_flow,
    origin,
    retry_after,
)
from toolbridge.execution.render import Prepared
from toolbridge.guidance import DEFAULT_GUIDANCE
from toolbridge.results import RequestSummary, ToolResult

NOW = 1_800_000_000.0


def action(method: str = "GET", **extra: Any) -> Action:
    data: dict[str, Any] = {
        "name": "act", "base_url": "https://api.test",
        "request": {"method": method, "url": "/things"},
        "settings": {"retries": 2, "retry_backoff_ms": 100},
    }
    data.update(extra)
    return Action.model_validate(data)


def prepared(method: str = "GET", *, idempotent: bool | None = None,
             url: str = "https://api.test/things") -> Prepared:
    safe = method in ("GET", "PUT", "DELETE") if idempotent is None else idempotent
    body = b'{"a":1}' if method == "POST" else None
    headers = [("Authorization", "Bearer tok-1234")]
    if body:
        headers.append(("Content-Type", "application/json"))
    # As render_request builds it: the summary is masked, the secrets are listed.
    summary = RequestSummary(method, url.replace("sk-abcdef", "***"))
    return Prepared(method, url, headers, body, summary, safe, None,
                    secret_values=("tok-1234", "sk-abcdef"))


def ok(status: int = 200, body: bytes = b'{"ok": true}', **headers: str) -> Received:
    base = {"content-type": "application/json"}
    base.update({k.replace("_", "-"): v for k, v in headers.items()})
    return Received(status, base, body, 0.01, NOW)


def drive(flow: Any, answers: Iterable[Received | Failed]) -> tuple[list[Any], ToolResult]:
    """Feed `answers` to each Send (Sleeps get None); return the effects and the result."""
    answers = iter(answers)
    effects: list[Any] = []
    try:
        effect = next(flow)
        while True:
            effects.append(effect)
            effect = flow.send(None if isinstance(effect, Sleep) else next(answers))
    except StopIteration as done:
        return effects, done.value


def test_success_sends_once_with_the_prepared_request() -> None:
    effects, result = drive(call_flow(action(), prepared()), [ok()])

    assert [type(e) for e in effects] == [Send]
    assert effects[0].url == "https://api.test/things" and effects[0].timeout_s == 10.0
    assert result.ok and result.status == 200 and result.attempts == 1
    assert result.data == {"ok": True}


def test_503_is_retried_for_get_with_backoff_then_succeeds() -> None:
    flow = call_flow(action(), prepared(), rng=random.Random(1))

    effects, result = drive(flow, [ok(503), ok(200)])

    sends = [e for e in effects if isinstance(e, Send)]
    sleeps = [e.seconds for e in effects if isinstance(e, Sleep)]
    assert [s.attempt for s in sends] == [1, 2]
    assert sleeps == [backoff(100, 1, random.Random(1).random)]
    assert result.ok and result.attempts == 2


def test_retries_stop_after_settings_retries_with_unavailable() -> None:
    effects, result = drive(call_flow(action(), prepared()), [ok(502), ok(503), ok(504)])

    assert len([e for e in effects if isinstance(e, Send)]) == 3
    assert result.error == r.UNAVAILABLE and result.attempts == 3
    assert result.guidance == DEFAULT_GUIDANCE[r.UNAVAILABLE]


def test_500_is_not_retried() -> None:
    effects, result = drive(call_flow(action(), prepared()), [ok(500)])

    assert len(effects) == 1 and result.error == r.UNAVAILABLE and result.attempts == 1


def test_post_without_idempotency_key_is_never_retried() -> None:
    effects, result = drive(call_flow(action("POST"), prepared("POST")), [ok(503)])

    assert len(effects) == 1 and result.attempts == 1 and result.error == r.UNAVAILABLE


def test_post_with_idempotency_key_is_retried_with_the_same_request() -> None:
    flow = call_flow(action("POST"), prepared("POST", idempotent=True))

    effects, result = drive(flow, [Failed(r.CONNECTION_ERROR, True, "ConnectError"), ok(201)])

    sends = [e for e in effects if isinstance(e, Send)]
    assert sends[0].headers == sends[1].headers and sends[0].content == sends[1].content
    assert result.ok and result.status == 201 and result.attempts == 2


def test_non_retryable_failure_ends_at_once_with_its_code() -> None:
    effects, result = drive(call_flow(action(), prepared()),
                            [Failed(r.TIMEOUT, False, "ReadTimeout", 2.0)])

    assert len(effects) == 1
    assert result.error == r.TIMEOUT and result.guidance == DEFAULT_GUIDANCE[r.TIMEOUT]
    assert result.elapsed_ms == 2000.0


def test_retry_after_seconds_is_slept_exactly() -> None:
    effects, result = drive(call_flow(action(), prepared()), [ok(429, retry_after="7"), ok()])

    assert [e.seconds for e in effects if isinstance(e, Sleep)] == [7.0]
    assert result.ok


def test_retry_after_http_date_is_measured_from_arrival() -> None:
    date = formatdate(NOW + 12, usegmt=True)

    assert retry_after(ok(503, retry_after=date)) == 12.0
    assert retry_after(ok(503, retry_after=formatdate(NOW - 5, usegmt=True))) == 0.0
    assert retry_after(ok(503, retry_after="soon")) is None


def test_retry_after_above_the_cap_answers_unavailable_at_once_without_sleeping() -> None:
    effects, result = drive(call_flow(action(), prepared()), [ok(429, retry_after="120")])

    assert [type(e) for e in effects] == [Send]
    assert result.error == r.UNAVAILABLE and result.attempts == 1
    assert "wait 120 seconds" in (result.guidance or "")


def test_backoff_doubles_and_jitters_within_half_to_one_and_a_half() -> None:
    rng = random.Random(3)
    delays = [backoff(200, attempt, rng.random) for attempt in (1, 2, 3)]

    for attempt, delay in zip((1, 2, 3), delays, strict=True):
        base = 0.2 * 2 ** (attempt - 1)
        assert 0.5 * base <= delay < 1.5 * base


def test_same_origin_redirect_is_followed_within_the_attempt() -> None:
    flow = call_flow(action(), prepared())

    effects, result = drive(flow, [ok(302, location="/elsewhere?x=1#frag"), ok()])

    assert [e.url for e in effects] == ["https://api.test/things", "https://api.test/elsewhere?x=1"]
    assert effects[1].headers == effects[0].headers and effects[1].attempt == 1
    assert result.ok and result.attempts == 1


def test_cross_origin_redirect_is_blocked_without_sending() -> None:
    for location in ("https://evil.test/x", "http://api.test/things", "https://api.test:8443/"):
        effects, result = drive(call_flow(action(), prepared()), [ok(301, location=location)])

        assert len(effects) == 1, location
        assert result.error == r.BLOCKED and result.status == 301


def test_303_after_post_follows_with_a_get_without_body() -> None:
    flow = call_flow(action("POST"), prepared("POST"))

    effects, _ = drive(flow, [ok(303, location="/done"), ok()])

    assert effects[1].method == "GET" and effects[1].content is None
    assert ("Content-Type", "application/json") not in effects[1].headers


def test_307_keeps_method_and_body() -> None:
    effects, _ = drive(call_flow(action("POST"), prepared("POST")),
                       [ok(307, location="/again"), ok()])

    assert effects[1].method == "POST" and effects[1].content == b'{"a":1}'


def test_more_than_five_redirects_is_an_invalid_response() -> None:
    answers = [ok(302, location=f"/hop{i}") for i in range(6)]

    effects, result = drive(call_flow(action(), prepared()), answers)

    assert len(effects) == 6 and result.error == r.INVALID_RESPONSE


def test_redirect_hops_share_the_attempt_deadline() -> None:
    slow = Received(302, {"location": "/next"}, b"", 4.0, NOW)

    effects, _ = drive(call_flow(action(), prepared()), [slow, ok()])

    assert effects[1].timeout_s == 6.0


def test_origin_fills_default_ports_and_lowercases() -> None:
    assert origin("https://API.test/x") == origin("https://api.test:443/y")
    assert origin("http://api.test") != origin("https://api.test")


def test_outcome_guidance_and_api_detail_reach_the_result() -> None:
    act = action(outcomes=[{"name": "gone", "when": "status == 404",
                            "guidance": "Ask for another order number."}])
    body = b'{"error": {"message": "order ORD-9 does not exist"}}'

    _, result = drive(call_flow(act, prepared()), [ok(404, body)])

    assert result.error == r.NOT_FOUND and result.outcome == "gone"
    assert result.guidance == (
        "Ask for another order number. The service said: order ORD-9 does not exist"
    )


def test_outcome_can_turn_a_200_into_a_failure_reading_the_body() -> None:
    act = action(outcomes=[{"name": "out_of_stock", "when": 'body.state == "empty"',
                            "ok": False}])

    _, result = drive(call_flow(act, prepared()), [ok(200, b'{"state": "empty"}')])

    assert not result.ok and result.outcome == "out_of_stock" and result.error == r.HTTP_ERROR


def test_invalid_json_with_a_json_content_type_is_an_invalid_response() -> None:
    _, result = drive(call_flow(action(), prepared()), [ok(200, b'{"id": ')])

    assert result.error == r.INVALID_RESPONSE and not result.ok


def test_echoed_secrets_are_scrubbed_from_the_data() -> None:
    body = b'{"echo": "Bearer tok-1234", "other": "sk-live-999"}'
    _, result = drive(call_flow(action(), prepared(), secret_values=["sk-live-999"]),
                      [ok(200, body)])

    assert "tok-1234" not in result.for_model() and "sk-live-999" not in result.for_model()


def test_send_repr_hides_url_and_headers() -> None:
    send = next(call_flow(action(), prepared(url="https://api.test/things?key=sk-abcdef")))

    assert "sk-abcdef" not in repr(send) and "tok-1234" not in repr(send)


def test_content_type_comes_from_the_headers_when_the_driver_gave_none() -> None:
    text = Received(200, {"content-type": "text/plain"}, b"[1, 2]", 0.01, NOW)

    _, result = drive(call_flow(action(), prepared()), [text])

    assert result.ok and result.data == "[1, 2]"  # shown as text, not parsed as JSON
