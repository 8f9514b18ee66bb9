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
