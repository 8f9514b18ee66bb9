"""The async driver's hand-made deadline: our timeout vs someone else's cancellation."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from toolbridge import results as r
from toolbridge.execution.drivers import send_async
from toolbridge.execution.flow import Failed, Received, Send

pytestmark = pytest.mark.anyio


def _send(timeout_s: float) -> Send:
    return Send(None, 1, "GET", "http://127.0.0.1/x", [], None,  # type: ignore[arg-type]
                timeout_s, 1000)


def _client(delay: float) -> httpx2.AsyncClient:
    async def handler(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(delay)
        return httpx2.Response(200, content=b"done")

    return httpx2.AsyncClient(transport=httpx2.MockTransport(handler))


async def test_deadline_passing_gives_timeout_and_leaves_task_uncancelled() -> None:
    async with _client(delay=30) as client:
        got = await send_async(client, _send(0.05))
        task = asyncio.current_task()
        assert task is not None
        assert isinstance(got, Failed) and got.code == r.TIMEOUT
        assert task.cancelling() == 0
        await asyncio.sleep(0)  # no stray cancellation is delivered later


async def test_fast_exchange_leaves_no_timer_behind() -> None:
    async with _client(delay=0) as client:
        got = await send_async(client, _send(0.05))
        await asyncio.sleep(0.1)  # past the deadline: a live timer would cancel us here
    assert isinstance(got, Received) and got.body == b"done"


async def test_outer_cancellation_propagates_and_is_not_a_timeout() -> None:
    async with _client(delay=30) as client:
        inner = asyncio.ensure_future(send_async(client, _send(10.0)))
        await asyncio.sleep(0.05)
        inner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await inner
    assert inner.cancelled()


async def test_outer_wait_for_shorter_than_deadline_raises_its_own_timeout() -> None:
    async with _client(delay=30) as client:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(send_async(client, _send(10.0)), 0.05)


def _delayed_client() -> httpx2.AsyncClient:
    """Each request waits the seconds in its `delay` query parameter."""
    async def handler(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(float(request.url.params["delay"]))
        return httpx2.Response(200, content=b"done")

    return httpx2.AsyncClient(transport=httpx2.MockTransport(handler))


def _send_to(delay: float, timeout_s: float) -> Send:
    return Send(None, 1, "GET", f"http://127.0.0.1/x?delay={delay}", [],  # type: ignore[arg-type]
                None, timeout_s, 1000)


async def test_concurrent_deadlines_each_fire_on_their_own_time() -> None:
    # A later call with an earlier deadline re-arms the one timer; calls that end in time
    # are never cancelled, however their deadlines interleave with the others'.
    async with _delayed_client() as client:
        started = asyncio.get_running_loop().time()
        jobs = [
            send_async(client, _send_to(30, 0.4)),   # times out last
            send_async(client, _send_to(30, 0.1)),   # added later, fires first
            send_async(client, _send_to(0.05, 0.3)),  # ends in time
            send_async(client, _send_to(30, 0.2)),
            send_async(client, _send_to(0.0, 0.01)),  # ends at once
        ]
        got = await asyncio.gather(*jobs)
        took = asyncio.get_running_loop().time() - started
    codes = [g.code if isinstance(g, Failed) else g.status for g in got]
    assert codes == [r.TIMEOUT, r.TIMEOUT, 200, r.TIMEOUT, 200]
    assert 0.4 <= took < 2.0
    elapsed = [g.elapsed for g in got]
    assert 0.1 <= elapsed[1] < elapsed[3] < elapsed[0]


async def test_ended_calls_do_not_pile_up_in_the_watcher() -> None:
    from toolbridge.execution import drivers

    async with _delayed_client() as client:
        for _ in range(200):
            assert isinstance(await send_async(client, _send_to(0, 30.0)), Received)
        watcher = drivers._deadlines(asyncio.get_running_loop())
        assert not watcher.running  # each call took its task out as it ended
        assert watcher.at < float("inf")  # one timer armed, for all of them


async def test_a_long_call_running_keeps_only_itself_in_the_watcher() -> None:
    from toolbridge.execution import drivers

    async with _delayed_client() as client:
        long = asyncio.ensure_future(send_async(client, _send_to(0.3, 30.0)))
        await asyncio.sleep(0)  # registered, waiting in the handler
        for _ in range(100):
            assert isinstance(await send_async(client, _send_to(0, 30.0)), Received)
        watcher = drivers._deadlines(asyncio.get_running_loop())
        assert list(watcher.running) == [long]  # the short ones are gone
        # With the long call still running, one that times out still does, on time.
        short = await send_async(client, _send_to(30, 0.05))
        assert isinstance(short, Failed) and short.code == r.TIMEOUT
        assert isinstance(await long, Received)
        assert not watcher.running


def test_a_new_event_loop_gets_its_own_watcher() -> None:
    # The first loop ends with its timer pending; the next loop must still time out.
    async def once(delay: float, timeout_s: float) -> Received | Failed:
        async with _delayed_client() as client:
            return await send_async(client, _send_to(delay, timeout_s))

    assert isinstance(asyncio.run(once(0, 30.0)), Received)
    got = asyncio.run(once(30, 0.05))
    assert isinstance(got, Failed) and got.code == r.TIMEOUT
