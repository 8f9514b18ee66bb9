"""Every fault of the real server, sync and async: the result code, the guidance, and the
number of attempts the server saw (and that nothing was written twice)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from harness import Factory, Harness
from server import GZIP_BOMB_SIZE, FaultServer

from toolbridge import results as r
from toolbridge.guidance import DEFAULT_GUIDANCE
from toolbridge.results import ToolResult

Call = Callable[..., ToolResult]


@pytest.fixture(params=["sync", "async"])
def call(request: pytest.FixtureRequest) -> Call:
    """`call(harness, name, args, **kw)` through `toolkit.call` or `toolkit.acall`."""
    if request.param == "sync":
        return lambda h, name, args=None, **kw: h.toolkit.call(name, args or {}, **kw)

    def via_async(h: Harness, name: str, args: dict[str, Any] | None = None,
                  **kw: Any) -> ToolResult:
        async def go() -> ToolResult:
            try:
                return await h.toolkit.acall(name, args or {}, **kw)
            finally:
                await h.executor.aclose()

        return anyio.run(go)

    return via_async


def act(name: str, url: str, method: str = "GET", **extra: Any) -> dict[str, Any]:
    settings = {"retries": 2, "retry_backoff_ms": 10, **extra.pop("settings", {})}
    return {"name": name, "request": {"method": method, "url": url, **extra.pop("request", {})},
            "settings": settings, **extra}


def test_echo_round_trip_with_bearer_auth(make: Factory, fault_server: FaultServer,
                                          call: Call) -> None:
    harness = make(fault_server.base_url,
                   [act("echo", "/echo/{id}", variables=[{"name": "id", "required": True}],
                        auth={"type": "bearer", "secret": "TOKEN"})],
                   secrets={"TOKEN": "tok-abc-123"})

    result = call(harness, "echo", {"id": "ORD-1"})

    assert result.ok and result.status == 200 and result.attempts == 1
    seen = fault_server.seen("/echo")
    assert len(seen) == 1 and seen[0].headers["authorization"] == "Bearer tok-abc-123"
    assert result.request is not None and result.request.headers["Authorization"] == "***"


def test_slow_server_times_out_once(make: Factory, fault_server: FaultServer,
                                    call: Call) -> None:
    harness = make(fault_server.base_url,
                   [act("slow", "/delay/3000", settings={"timeout_ms": 300})])

    result = call(harness, "slow")

    assert result.error == r.TIMEOUT and result.guidance == DEFAULT_GUIDANCE[r.TIMEOUT]
    assert result.attempts == 1 and len(fault_server.seen("/delay")) == 1


def test_dripping_server_cannot_outlive_the_deadline(make: Factory, fault_server: FaultServer,
                                                     call: Call) -> None:
    # 30 bytes at one a second: only the overall deadline ends this before it completes.
    harness = make(fault_server.base_url, [act("drip", "/drip/30", settings={"timeout_ms": 1200})])

    result = call(harness, "drip")

    assert result.error == r.TIMEOUT and result.guidance == DEFAULT_GUIDANCE[r.TIMEOUT]
    assert result.attempts == 1 and len(fault_server.seen("/drip")) == 1


def test_connection_reset_is_retried_for_get(make: Factory, fault_server: FaultServer,
                                             call: Call) -> None:
    harness = make(fault_server.base_url, [act("reset", "/reset")])

    result = call(harness, "reset")

    assert result.error == r.CONNECTION_ERROR
    assert result.guidance == DEFAULT_GUIDANCE[r.CONNECTION_ERROR]
    assert result.attempts == 3 and len(fault_server.seen("/reset")) == 3
    assert len(harness.sleeps) == 2


def test_connection_reset_is_not_retried_for_post(make: Factory, fault_server: FaultServer,
                                                  call: Call) -> None:
    harness = make(fault_server.base_url, [act("reset", "/reset", "POST", request={"body": {}})])

    result = call(harness, "reset")

    assert result.error == r.CONNECTION_ERROR and result.attempts == 1
    assert result.guidance == DEFAULT_GUIDANCE[r.CONNECTION_ERROR]
    assert len(fault_server.seen("/reset")) == 1


def test_refused_connection_is_retried_then_reported(make: Factory, call: Call) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    harness = make(f"http://127.0.0.1:{port}", [act("down", "/x")])

    result = call(harness, "down")

    assert result.error == r.CONNECTION_ERROR and result.attempts == 3


def test_429_retry_after_seconds_is_honoured(make: Factory, fault_server: FaultServer,
                                             call: Call) -> None:
    harness = make(fault_server.base_url, [act("busy", "/retry-after?status=429&seconds=2")])

    result = call(harness, "busy")

    assert result.error == r.UNAVAILABLE and result.status == 429
    assert harness.sleeps == [2.0, 2.0]
    assert result.attempts == 3 and len(fault_server.seen("/retry-after")) == 3
    assert "wait 2 seconds" in (result.guidance or "")


def test_503_retry_after_http_date_is_honoured(make: Factory, fault_server: FaultServer,
                                               call: Call) -> None:
    harness = make(fault_server.base_url,
                   [act("busy", "/retry-after?status=503&date=10", settings={"retries": 1})])

    result = call(harness, "busy")

    # The date has whole seconds: 10 s ahead reads as 9-10 s, less any time in transit.
    assert result.error == r.UNAVAILABLE and result.attempts == 2
    assert result.guidance is not None and result.guidance.startswith(
        DEFAULT_GUIDANCE[r.UNAVAILABLE])
    assert len(fault_server.seen("/retry-after")) == 2
    assert len(harness.sleeps) == 1 and 5.0 <= harness.sleeps[0] <= 10.0


def test_retry_after_above_cap_returns_at_once(make: Factory, fault_server: FaultServer,
                                               call: Call) -> None:
    harness = make(fault_server.base_url, [act("busy", "/retry-after?status=429&seconds=120")])

    result = call(harness, "busy")

    assert result.error == r.UNAVAILABLE and harness.sleeps == []
    assert result.attempts == 1 and len(fault_server.seen("/retry-after")) == 1
    assert "wait 120 seconds" in (result.guidance or "")


def test_500_then_200_is_not_retried(make: Factory, fault_server: FaultServer,
                                     call: Call) -> None:
    harness = make(fault_server.base_url, [act("flaky", "/flaky/500/1")])

    result = call(harness, "flaky")

    assert result.error == r.UNAVAILABLE and result.status == 500
    assert result.guidance == DEFAULT_GUIDANCE[r.UNAVAILABLE]
    assert result.attempts == 1 and len(fault_server.seen("/flaky")) == 1


def test_503_then_200_get_succeeds_on_the_second_attempt(make: Factory,
                                                         fault_server: FaultServer,
                                                         call: Call) -> None:
    harness = make(fault_server.base_url, [act("flaky", "/flaky/503/1")])

    result = call(harness, "flaky")

    assert result.ok and result.data == {"ok": True, "hits": 2}
    assert result.attempts == 2 and len(fault_server.seen("/flaky")) == 2
    assert len(harness.sleeps) == 1 and 0.005 <= harness.sleeps[0] < 0.015


def test_503_then_200_post_is_written_once(make: Factory, fault_server: FaultServer,
                                           call: Call) -> None:
    harness = make(fault_server.base_url,
                   [act("refund", "/flaky/503/1", "POST", request={"body": {"amount": 5}})])

    result = call(harness, "refund")

    assert result.error == r.UNAVAILABLE and result.attempts == 1
    assert result.guidance == DEFAULT_GUIDANCE[r.UNAVAILABLE]
    assert len(fault_server.seen("/flaky")) == 1


def test_503_then_200_post_with_idempotency_key_repeats_the_same_key(
    make: Factory, fault_server: FaultServer, call: Call
) -> None:
    harness = make(fault_server.base_url, [act(
        "refund", "/flaky/503/1", "POST", request={"body": {"amount": 5}},
        safety={"idempotency_key": "{{conversation_id}}-refund"},
    )])

    result = call(harness, "refund", context={"conversation_id": "conv-9"})

    seen = fault_server.seen("/flaky")
    assert result.ok and result.attempts == 2 and len(seen) == 2
    assert [q.headers["idempotency-key"] for q in seen] == ["conv-9-refund"] * 2
    assert seen[0].body == seen[1].body == b'{"amount":5}'


def test_huge_body_is_cut_off_without_reading_the_rest(make: Factory, fault_server: FaultServer,
                                                       call: Call) -> None:
    harness = make(fault_server.base_url, [act("big", "/big/50")])

    result = call(harness, "big")

    assert result.error == r.RESPONSE_TOO_LARGE and result.status == 200
    assert result.guidance == DEFAULT_GUIDANCE[r.RESPONSE_TOO_LARGE]
    assert result.attempts == 1 and len(fault_server.seen("/big")) == 1
    assert fault_server.aborted.wait(10)
    assert fault_server.bytes_sent["/big/50"] < 50 * 1024 * 1024


def test_gzip_bomb_counts_decoded_bytes(make: Factory, fault_server: FaultServer,
                                        call: Call) -> None:
    harness = make(fault_server.base_url,
                   [act("bomb", "/gzip-bomb", settings={"max_response_bytes": 2_000_000})])

    result = call(harness, "bomb")

    assert result.error == r.RESPONSE_TOO_LARGE and result.attempts == 1
    assert result.guidance == DEFAULT_GUIDANCE[r.RESPONSE_TOO_LARGE]
    assert len(fault_server.seen("/gzip-bomb")) == 1 and GZIP_BOMB_SIZE > 2_000_000


def test_same_origin_redirect_is_followed_with_its_headers(make: Factory,
                                                           fault_server: FaultServer,
                                                           call: Call) -> None:
    harness = make(fault_server.base_url,
                   [act("moved", "/redirect?to=/echo/after", auth={"type": "bearer",
                                                                   "secret": "T"})],
                   secrets={"T": "tok-redirect-1"})

    result = call(harness, "moved")

    assert result.ok and result.data["path"] == "/echo/after" and result.attempts == 1
    assert fault_server.seen("/echo")[0].headers["authorization"] == "Bearer tok-redirect-1"


def test_five_redirects_are_followed_and_six_are_refused(make: Factory,
                                                         fault_server: FaultServer,
                                                         call: Call) -> None:
    harness = make(fault_server.base_url, [act("five", "/chain/5"), act("six", "/chain/6")])

    five, six = call(harness, "five"), call(harness, "six")

    assert five.ok and five.data == {"ok": True, "path": "/chain/0"}
    assert six.error == r.INVALID_RESPONSE and six.attempts == 1
    assert six.guidance == DEFAULT_GUIDANCE[r.INVALID_RESPONSE]
    assert len(fault_server.seen("/chain")) == 6 + 6


def test_redirect_to_another_origin_is_blocked_and_nothing_travels(
    make: Factory, fault_server: FaultServer, other_origin: FaultServer, call: Call
) -> None:
    target = f"{other_origin.base_url}/echo/stolen"
    harness = make(fault_server.base_url,
                   [act("leak", f"/redirect?to={target}", auth={"type": "bearer", "secret": "T"})],
                   secrets={"T": "tok-never-travels"})

    result = call(harness, "leak")

    assert result.error == r.BLOCKED and result.guidance == DEFAULT_GUIDANCE[r.BLOCKED]
    assert other_origin.seen() == [] and len(fault_server.seen("/redirect")) == 1


def test_303_after_post_is_followed_with_a_get(make: Factory, fault_server: FaultServer,
                                               call: Call) -> None:
    harness = make(fault_server.base_url, [act(
        "create", "/redirect?to=/echo/created&status=303", "POST", request={"body": {"a": 1}},
    )])

    result = call(harness, "create")

    assert result.ok and result.data["method"] == "GET"
    assert fault_server.seen("/echo")[0].body == b""


def test_invalid_json_is_an_invalid_response(make: Factory, fault_server: FaultServer,
                                             call: Call) -> None:
    harness = make(fault_server.base_url, [act("broken", "/invalid-json")])

    result = call(harness, "broken")

    assert result.error == r.INVALID_RESPONSE and result.status == 200
    assert result.guidance == DEFAULT_GUIDANCE[r.INVALID_RESPONSE]
    assert result.attempts == 1


def test_json_nested_deeper_than_python_reads_is_a_result_not_a_crash(
        make: Factory, fault_server: FaultServer, call: Call) -> None:
    harness = make(fault_server.base_url, [act("deep", "/deep-json")])

    result = call(harness, "deep")

    # Valid JSON, so not an invalid_response: the API answered, but this cannot be shown.
    assert result.ok and result.status == 200 and result.attempts == 1
    assert result.data == "(response nested too deeply to show)"


def test_html_becomes_its_visible_text(make: Factory, fault_server: FaultServer,
                                       call: Call) -> None:
    harness = make(fault_server.base_url, [act("page", "/html")])

    result = call(harness, "page")

    assert result.ok and "Shipped on Monday." in result.data and result.guidance is None
    assert "<p>" not in result.data and "token" not in result.data
    assert result.attempts == 1 and len(fault_server.seen("/html")) == 1


@pytest.mark.parametrize(("status", "code"), [(401, r.UNAUTHORIZED), (403, r.FORBIDDEN),
                                              (404, r.NOT_FOUND), (409, r.CONFLICT),
                                              (422, r.UNPROCESSABLE)])
def test_client_errors_map_to_codes_with_the_apis_message(
    make: Factory, fault_server: FaultServer, call: Call, status: int, code: str
) -> None:
    harness = make(fault_server.base_url,
                   [act("fail", f"/status/{status}?message=quantity%20too%20high")])

    result = call(harness, "fail")

    assert result.error == code and result.status == status and result.attempts == 1
    assert result.guidance == (DEFAULT_GUIDANCE[code] + " The service said: quantity too high")
    assert len(fault_server.seen("/status")) == 1


def test_pruned_order_for_the_model(make: Factory, fault_server: FaultServer,
                                    call: Call) -> None:
    harness = make(fault_server.base_url, [act(
        "order", "/orders/{id}", variables=[{"name": "id", "required": True}],
        output={"select": ["id", "status", "tracking.number", "customer.email"],
                "redact": ["customer.email"]},
        outcomes=[{"name": "shipped", "when": 'body.status == "shipped"'}],
    )])

    result = call(harness, "order", {"id": "ORD-7"})

    assert result.outcome == "shipped"
    assert result.data == {"id": "ORD-7", "status": "shipped", "tracking": {"number": "TRK-1"},
                           "customer": {"email": "***"}}
