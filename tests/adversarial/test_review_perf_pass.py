"""Adversarial review of the performance pass (603de01..HEAD): what it must not break.

Six of these failed when the review wrote them and were fixed after it: a held body past
the deadline (sync), event loops and a call's values kept alive by the deadline watcher,
and an absurd `Retry-After`. The others pin down tricky behaviour that is right and easy
to break (the per-loop deadline watcher, the first attempt sent before the flow, a body
httpx2 already holds, the 3.10/trio path).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import threading
import time
import weakref
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from harness import build
from server import FaultServer

from toolbridge import Toolkit
from toolbridge import results as r
from toolbridge.execution import Executor, drivers
from toolbridge.execution.drivers import send_async, send_sync
from toolbridge.execution.flow import Failed, Received, Send, Sleep, call_flow, settle
from toolbridge.pruning.response import loads

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _send(timeout_s: float, url: str = "http://127.0.0.1/x", max_bytes: int = 1000) -> Send:
    return Send(None, 1, "GET", url, [], None, timeout_s, max_bytes)  # type: ignore[arg-type]


def _delayed() -> httpx2.AsyncClient:
    """Each request waits the seconds in its `delay` query parameter."""
    async def handler(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(float(request.url.params.get("delay", "0")))
        return httpx2.Response(200, content=b"done")

    return httpx2.AsyncClient(transport=httpx2.MockTransport(handler))


def _at(delay: float) -> str:
    return f"http://127.0.0.1/x?delay={delay}"


# -- 1. a body httpx2 already holds (drivers.send_sync) ------------------------------------


def _slow_held_body(seconds: float) -> httpx2.MockTransport:
    """A transport that does its own I/O (a cassette, a wrapper around another library)
    and answers with a response whose body httpx2 already holds."""
    def handler(request: httpx2.Request) -> httpx2.Response:
        time.sleep(seconds)
        return httpx2.Response(200, content=b"late body")

    return httpx2.MockTransport(handler)


def test_sync_held_body_arriving_after_the_deadline_is_a_timeout() -> None:
    # Before the pass the body loop checked the clock after the (single) held chunk and
    # answered `timeout`; the held-body shortcut skips that check.
    with httpx2.Client(transport=_slow_held_body(0.12)) as client:
        got = send_sync(client, _send(0.04), clamp=False)

    assert isinstance(got, Failed) and got.code == r.TIMEOUT


def test_users_sync_client_with_a_slow_held_body_gets_the_overall_deadline() -> None:
    toolkit = Toolkit.from_dict({"version": 1, "defaults": {"base_url": "http://127.0.0.1:9"},
                                 "actions": [{"name": "slow", "request": {"url": "/x"},
                                              "settings": {"timeout_ms": 40}}]}, secrets={})
    with httpx2.Client(transport=_slow_held_body(0.12)) as client:
        toolkit._executor = Executor(secrets=toolkit.secrets, client=client)
        result = toolkit.call("slow", {})

    assert result.error == r.TIMEOUT and result.ok is False and result.attempts == 1


def test_sync_held_body_in_time_is_taken_as_it_is() -> None:
    with httpx2.Client(transport=_slow_held_body(0.0)) as client:
        got = send_sync(client, _send(5.0), clamp=False)

    assert isinstance(got, Received) and got.body == b"late body" and got.status == 200


# -- 2. the async deadline watcher: loops, contexts, cancellation -------------------------


def _one_call_on_a_new_loop(values: Any = None) -> list[weakref.ref[Any]]:
    """Run one quick exchange on a fresh event loop (asyncio.run) and return weak
    references to that loop and to `values` (kept in the call's context)."""
    refs: list[weakref.ref[Any]] = []

    async def main() -> None:
        from toolbridge.audit import CURRENT_CALL

        refs.append(weakref.ref(asyncio.get_running_loop()))
        token = CURRENT_CALL.set((None, (), values))  # type: ignore[arg-type]
        try:
            async with _delayed() as client:
                got = await send_async(client, _send(30.0))
        finally:
            CURRENT_CALL.reset(token)
        assert isinstance(got, Received)

    asyncio.run(main())
    return refs


def test_a_finished_event_loop_is_not_kept_alive_by_the_deadline_watcher() -> None:
    # The watcher's timer is still pending when asyncio.run closes the loop; the TimerHandle
    # holds the loop, the watcher holds the handle, `_BY_LOOP[loop]` holds the watcher:
    # a cycle through the weak key, so every loop that ever ran a call stays alive.
    refs = [_one_call_on_a_new_loop()[0] for _ in range(3)]
    gc.collect()

    assert [ref() is None for ref in refs] == [True, True, True]


def test_a_calls_values_are_not_kept_after_its_event_loop_ended() -> None:
    # The watcher's timer is armed with `call_later` inside the call, so it copies the
    # call's context: CURRENT_CALL (action, secret values, argument values) lives as long
    # as the timer, here for ever.
    class Values(dict):  # type: ignore[type-arg]
        pass

    values = Values(order="ORD-secret-77")
    refs = _one_call_on_a_new_loop(values)
    held = weakref.ref(values)
    del values
    gc.collect()

    assert held() is None
    assert refs[0]() is None


def test_executor_acall_on_a_users_client_lets_go_of_loop_and_values() -> None:
    class Values(dict):  # type: ignore[type-arg]
        pass

    toolkit = Toolkit.from_dict({
        "version": 1, "defaults": {"base_url": "http://127.0.0.1:9"},
        "actions": [{"name": "a", "request": {"url": "/x", "query": {"q": "{{q}}"}},
                     "variables": [{"name": "q"}]}]}, secrets={})
    refs: dict[str, weakref.ref[Any]] = {}

    async def main() -> None:
        async with _delayed() as client:
            executor = Executor(secrets=toolkit.secrets, async_client=client)
            values = Values(q="hello-value")
            refs["values"] = weakref.ref(values)
            refs["loop"] = weakref.ref(asyncio.get_running_loop())
            result = await executor.acall(toolkit._actions["a"], values, {})
            assert result.ok and result.status == 200

    asyncio.run(main())
    gc.collect()

    assert refs["values"]() is None
    assert refs["loop"]() is None


class _SlowClose(httpx2.AsyncByteStream):
    """A body that arrives at once and takes `close_s` to close."""

    def __init__(self, close_s: float) -> None:
        self.close_s = close_s

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"body"

    async def aclose(self) -> None:
        await asyncio.sleep(self.close_s)


async def test_deadline_firing_during_aclose_is_a_timeout_and_leaves_no_cancellation() -> None:
    async def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, stream=_SlowClose(30))

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as client:
        got = await send_async(client, _send(0.05))
        task = asyncio.current_task()
        assert task is not None
        assert task.cancelling() == 0
        await asyncio.sleep(0.01)  # no stray cancellation arrives later

    assert isinstance(got, Failed) and got.code == r.TIMEOUT


class _Swallowing(httpx2.AsyncByteStream):
    """A body whose reader eats a cancellation and carries on (as some libraries do)."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(30)
        yield b"late"

    async def aclose(self) -> None:
        return None


async def test_a_deadline_swallowed_inside_the_exchange_is_taken_back() -> None:
    async def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, stream=_Swallowing())

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as client:
        got = await send_async(client, _send(0.05))
        task = asyncio.current_task()
        assert task is not None
        assert task.cancelling() == 0
        await asyncio.sleep(0.01)

    assert isinstance(got, Received) and got.body == b"late"


async def test_a_watcher_holding_only_ended_calls_still_times_out_later_and_earlier_ones() -> None:
    async with _delayed() as client:
        # Ends at once; the one timer stays armed for its (now stale) 0.15 s deadline.
        assert isinstance(await send_async(client, _send(0.15, _at(0))), Received)
        watcher = drivers._deadlines(asyncio.get_running_loop())
        assert not watcher.running  # the call ended: its task is out
        later, earlier = await asyncio.gather(
            send_async(client, _send(0.25, _at(30))),  # after the stale timer: re-armed
            send_async(client, _send(0.03, _at(30))),  # before it: the timer moves up
        )
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0

    assert isinstance(later, Failed) and later.code == r.TIMEOUT
    assert isinstance(earlier, Failed) and earlier.code == r.TIMEOUT
    assert later.elapsed >= 0.25 - drivers._EARLY - 0.001  # never cut short
    assert earlier.elapsed < later.elapsed


async def test_a_task_that_took_back_an_outer_cancellation_still_gets_its_deadline() -> None:
    async with _delayed() as client:
        async def worker() -> Received | Failed:
            task = asyncio.current_task()
            assert task is not None
            try:
                await send_async(client, _send(10.0, _at(30)))
            except asyncio.CancelledError:
                task.uncancel()  # the outer cancellation is handled here
            got = await send_async(client, _send(0.05, _at(30)))
            assert task.cancelling() == 0
            return got

        job = asyncio.ensure_future(worker())
        await asyncio.sleep(0.02)
        job.cancel()
        got = await job

    assert isinstance(got, Failed) and got.code == r.TIMEOUT


async def test_outer_cancellation_and_deadline_together_stay_a_cancellation() -> None:
    async with _delayed() as client:
        job = asyncio.ensure_future(send_async(client, _send(0.03, _at(30))))
        await asyncio.sleep(0)  # registered, waiting in the handler
        watcher = drivers._deadlines(asyncio.get_running_loop())
        time.sleep(0.04)  # the loop does not run: the deadline is due, nothing fired yet
        job.cancel()  # cancelled from outside in the same turn as the watcher fires
        watcher._fire(watcher.at)
        with pytest.raises(asyncio.CancelledError):
            await job
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0

    assert job.cancelled()


def test_two_threads_each_with_its_own_loop_keep_their_own_deadlines() -> None:
    results: dict[int, list[Any]] = {}

    def run(n: int) -> None:
        async def main() -> list[Any]:
            async with _delayed() as client:
                out = []
                for _ in range(3):
                    got = await asyncio.gather(
                        send_async(client, _send(0.04 + 0.01 * n, _at(30))),
                        send_async(client, _send(5.0, _at(0.005))),
                        send_async(client, _send(0.02, _at(30))),
                    )
                    out.extend(g.code if isinstance(g, Failed) else g.status for g in got)
                task = asyncio.current_task()
                assert task is not None and task.cancelling() == 0
                return out

        results[n] = asyncio.run(main())

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    expected = [r.TIMEOUT, 200, r.TIMEOUT] * 3
    assert results == {0: expected, 1: expected}


async def test_the_310_and_trio_path_keeps_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    # Python 3.10 (no Task.uncancel) and trio: anyio.fail_after around deadline=False.
    monkeypatch.setattr(drivers, "_UNCANCEL", False)
    async with _delayed() as client:
        slow = await send_async(client, _send(0.05, _at(30)))
        fast = await send_async(client, _send(5.0, _at(0)))
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0
        await asyncio.sleep(0.01)

    assert isinstance(slow, Failed) and slow.code == r.TIMEOUT and slow.elapsed >= 0.04
    assert isinstance(fast, Received) and fast.body == b"done"


async def test_retries_on_one_task_leave_no_cancellation_behind(
    fault_server: FaultServer,
) -> None:
    action = {"name": "flaky", "request": {"url": "/flaky/503/2"},
              "settings": {"timeout_ms": 150, "retries": 3}}
    harness = build(fault_server.base_url, [action])
    try:
        result = await harness.toolkit.acall("flaky", {})
        await asyncio.sleep(0.2)  # past every attempt's deadline: a live entry would fire
        task = asyncio.current_task()
    finally:
        await harness.executor.aclose()

    assert result.ok and result.status == 200 and result.attempts == 3
    assert task is not None and task.cancelling() == 0
    assert fault_server.hits["/flaky/503/2"] == 3


# -- 3. the first attempt before the flow (settle / call_flow(first=...)) -----------------


def _answers() -> list[Received | Failed]:
    def got(status: int, **headers: str) -> Received:
        return Received(status, httpx2.Headers(headers), b'{"a": 1}', 0.01, 1_700_000_000.0,
                        "application/json")

    return [got(200), got(204), got(404), got(500), got(429), got(503, **{"retry-after": "2"}),
            got(503, **{"retry-after": "99999"}), got(502), got(504), got(302, location="/b"),
            got(307, location="https://elsewhere.test/"), got(301),
            Failed(r.CONNECTION_ERROR, True, "ConnectError", 0.02),
            Failed(r.TIMEOUT, False, "ReadTimeout", 0.03),
            Failed(r.RESPONSE_TOO_LARGE, False, "cap", 0.01, 200)]


def _drive(flow: Any, answers: list[Received | Failed]) -> tuple[list[Any], Any]:
    """Run a flow answering Sends from `answers` (then 200s); the effects and the result."""
    effects: list[Any] = []
    queue = list(answers)
    try:
        effect = next(flow)
        while True:
            effects.append((type(effect).__name__, getattr(effect, "url", None),
                            getattr(effect, "attempt", None), getattr(effect, "timeout_s", None),
                            getattr(effect, "seconds", None)))
            if isinstance(effect, Sleep):
                effect = flow.send(None)
            else:
                reply = queue.pop(0) if queue else Received(200, httpx2.Headers(), b"{}", 0.01,
                                                            0.0, "application/json")
                effect = flow.send(reply)
    except StopIteration as done:
        return effects, done.value


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_settle_and_call_flow_first_match_the_generator_only_flow(method: str) -> None:
    toolkit = Toolkit.from_dict({
        "version": 1, "defaults": {"base_url": "https://api.test"},
        "actions": [{"name": "a", "request": {"method": method, "url": "/a"},
                     "settings": {"retries": 2}}]}, secrets={})
    action = toolkit._actions["a"]
    prepared = toolkit.executor._render(action, {}, {})
    for answer in _answers():
        old_effects, old = _drive(call_flow(action, prepared, rng=random.Random(3)),
                                  [answer, answer])
        settled = settle(action, prepared, answer)
        if settled is None:
            new_effects, new = _drive(
                call_flow(action, prepared, rng=random.Random(3), first=answer), [answer])
            assert [("Send", prepared.url, 1, action.settings.timeout_ms / 1000, None),
                    *new_effects] == old_effects, answer
        else:
            new = settled
            assert len(old_effects) == 1, answer  # the old flow ended after its first Send
        assert new == old, answer


# -- 4/5. small pins ------------------------------------------------------------------


@pytest.mark.parametrize("body", [b'"\xed\xa0\x80"', b"\xff\xfe[\x001\x00]\x00",
                                  b"\xef\xbb\xbf {\"a\": 1} ", b"1\x00", b"\t\n[]\r "])
def test_loads_agrees_with_json_loads_on_encodings(body: bytes) -> None:
    import json

    try:
        expected: Any = json.loads(body)
    except ValueError as exc:
        expected = type(exc)
    try:
        got: Any = loads(body)
    except ValueError as exc:
        got = type(exc)

    assert got == expected


# -- found on the way (present before the pass too) ------------------------------------


def test_an_absurd_retry_after_is_a_result_not_an_exception() -> None:
    # 400 digits parse to float('inf'); `_wait_note` then does round(inf): OverflowError
    # escapes `call()` for what is a server-caused failure.
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(503, headers={"retry-after": "9" * 400}, json={"e": 1})

    toolkit = Toolkit.from_dict({"version": 1, "defaults": {"base_url": "http://127.0.0.1:9"},
                                 "actions": [{"name": "a", "request": {"url": "/x"}}]},
                                secrets={})
    with httpx2.Client(transport=httpx2.MockTransport(handler)) as client:
        toolkit._executor = Executor(secrets=toolkit.secrets, client=client)
        result = toolkit.call("a", {})

    assert result.ok is False and result.status == 503 and result.attempts == 1


def test_audit_logger_alone_still_gets_the_event_when_no_callback_is_set(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # `_done` is skipped only when neither a callback nor the audit logger takes events.
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"id": 1})

    toolkit = Toolkit.from_dict({"version": 1, "defaults": {"base_url": "http://127.0.0.1:9"},
                                 "actions": [{"name": "a", "request": {"url": "/x"}}]},
                                secrets={})
    with httpx2.Client(transport=httpx2.MockTransport(handler)) as client:
        toolkit._executor = Executor(secrets=toolkit.secrets, client=client)
        with caplog.at_level("INFO", logger="toolbridge.audit"):
            result = toolkit.call("a", {})

    events = [rec.audit for rec in caplog.records if hasattr(rec, "audit")]
    assert result.ok and [(e["action"], e["status"], e["attempts"]) for e in events] == [
        ("a", 200, 1)]
