"""The executor around the flow: clients, deadlines with a user's client, event loops."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref

import httpx2
import pytest
from harness import Factory
from server import FaultServer

from toolbridge import results as r
from toolbridge.results import RequestSummary


def _echo(name: str = "echo", url: str = "/echo") -> dict[str, object]:
    return {"name": name, "request": {"url": url}}


def test_a_users_client_still_gets_the_overall_deadline(make: Factory,
                                                         fault_server: FaultServer) -> None:
    with httpx2.Client() as client:
        action = {"name": "drip", "request": {"url": "/drip/30"}, "settings": {"timeout_ms": 1200}}
        harness = make(fault_server.base_url, [action], client=client)

        result = harness.toolkit.call("drip", {})

    assert result.error == r.TIMEOUT and result.attempts == 1


def test_a_users_client_keeps_its_own_redirect_setting_out_of_the_way(
    make: Factory, fault_server: FaultServer, other_origin: FaultServer
) -> None:
    action = _echo("leak", f"/redirect?to={other_origin.base_url}/echo")
    with httpx2.Client(follow_redirects=True) as client:
        harness = make(fault_server.base_url, [action], client=client)

        result = harness.toolkit.call("leak", {})

    assert result.error == r.BLOCKED and other_origin.seen() == []


_SEARCH = {"name": "search", "request": {"url": "/echo", "query": {"q": "{{q}}"}},
           "auth": {"type": "query", "name": "key", "secret": "API_KEY"},
           "variables": [{"name": "q", "required": True}]}


def test_a_users_client_with_params_keeps_the_actions_query(
    make: Factory, fault_server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    # httpx2 replaces a request's query with a client's params: the model's value and the
    # query-string secret would silently go missing.
    caplog.set_level(logging.DEBUG)
    with httpx2.Client(params={"tenant": "t1", "q": "client's"}) as client:
        harness = make(fault_server.base_url, [_SEARCH], client=client,
                       secrets={"API_KEY": "query-secret-123"})

        result = harness.toolkit.call("search", {"q": "a b&c=d+e"})

    assert result.ok, result
    (seen,) = fault_server.seen("/echo")
    assert seen.query == {"tenant": ["t1"], "q": ["a b&c=d+e"], "key": ["query-secret-123"]}
    assert "query-secret-123" not in result.for_model()
    assert "httpx2" in {rec.name for rec in caplog.records}
    assert "query-secret-123" not in caplog.text


@pytest.mark.anyio
async def test_a_users_async_client_with_params_keeps_the_actions_query(
    amake: Factory, fault_server: FaultServer
) -> None:
    async with httpx2.AsyncClient(params={"tenant": "t1"}) as client:
        harness = amake(fault_server.base_url, [_SEARCH], async_client=client,
                        secrets={"API_KEY": "query-secret-123"})

        result = await harness.toolkit.acall("search", {"q": "x/y?z"})

    assert result.ok, result
    (seen,) = fault_server.seen("/echo")
    assert seen.query == {"tenant": ["t1"], "q": ["x/y?z"], "key": ["query-secret-123"]}


def test_cookies_never_carry_over_between_calls(make: Factory, fault_server: FaultServer) -> None:
    harness = make(fault_server.base_url, [_echo("login", "/cookie"), _echo()])

    harness.toolkit.call("login", {})
    result = harness.toolkit.call("echo", {})

    assert "cookie" not in result.data["headers"]


def test_sync_call_works_inside_a_running_event_loop(make: Factory,
                                                     fault_server: FaultServer) -> None:
    harness = make(fault_server.base_url, [_echo()])

    async def notebook_cell() -> bool:
        return harness.toolkit.call("echo", {}).ok  # as in Jupyter: sync call, loop running

    assert asyncio.run(notebook_cell())


def test_each_event_loop_gets_its_own_async_client(make: Factory,
                                                   fault_server: FaultServer) -> None:
    executor = make(fault_server.base_url, [_echo()]).executor

    async def current() -> httpx2.AsyncClient:
        return executor.async_client

    first, second = asyncio.run(current()), asyncio.run(current())

    assert first is not second
    asyncio.run(first.aclose())
    asyncio.run(second.aclose())


def test_two_asyncio_runs_both_call_through(make: Factory, fault_server: FaultServer) -> None:
    harness = make(fault_server.base_url, [_echo()])

    async def one_call() -> bool:
        try:
            return (await harness.toolkit.acall("echo", {})).ok
        finally:
            await harness.executor.aclose()

    assert asyncio.run(one_call()) and asyncio.run(one_call())
    assert len(fault_server.seen("/echo")) == 2


def test_close_then_call_builds_a_new_client(make: Factory, fault_server: FaultServer) -> None:
    harness = make(fault_server.base_url, [_echo()])
    harness.toolkit.call("echo", {})

    harness.toolkit.close()
    result = harness.toolkit.call("echo", {})

    assert result.ok and len(fault_server.seen("/echo")) == 2


def test_describe_shows_the_masked_request_and_sends_nothing(make: Factory,
                                                             fault_server: FaultServer) -> None:
    action = {"name": "keyed", "request": {"url": "/echo/{id}"},
              "variables": [{"name": "id", "required": True}],
              "auth": {"type": "query", "name": "key", "secret": "K"}}
    harness = make(fault_server.base_url, [action], secrets={"K": "describe-secret-1"})

    summary = harness.toolkit.describe("keyed", {"id": "a b"})

    assert isinstance(summary, RequestSummary)
    assert summary.url == f"{fault_server.base_url}/echo/a%20b?key=***"
    assert fault_server.seen() == []


def test_timezone_and_clock_come_from_the_executor_or_the_context(
    make: Factory, fault_server: FaultServer
) -> None:
    from datetime import datetime, timezone

    action = {"name": "when", "request": {"url": "/echo", "query": {
        "now": "{{current_datetime}}", "tz": "{{timezone}}"}}}
    fixed = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
    harness = make(fault_server.base_url, [action], clock=lambda: fixed, timezone="Europe/Paris")

    default = harness.toolkit.call("when", {})
    tokyo = harness.toolkit.call("when", {}, context={"timezone": "Asia/Tokyo"})

    assert default.data["query"] == {"now": ["2026-01-05T10:30:00+01:00"], "tz": ["Europe/Paris"]}
    assert tokyo.data["query"]["tz"] == ["Asia/Tokyo"]


def test_asyncio_run_per_call_does_not_keep_every_loop_and_pool(
    make: Factory, fault_server: FaultServer
) -> None:
    # A script calling `asyncio.run(toolkit.acall(...))` in a loop makes an event loop per
    # call, and our async client (its pool, its sockets) per loop. An ended loop's client
    # is closed as its loop shuts down (no socket is left to the collector: a
    # ResourceWarning would fail this test) and let go when the next loop asks for one.
    url = f"{fault_server.base_url}/echo"
    harness = make(url, [{"name": "echo", "request": {"method": "GET", "url": url}}])
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def once() -> bool:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        return (await harness.toolkit.acall("echo", {})).ok

    assert all(asyncio.run(once()) for _ in range(4))
    gc.collect()

    executor = harness.toolkit.executor
    assert len(executor._async_clients) == len(executor._closers) == 1  # the last loop's
    assert [ref() is None for ref in loops] == [True, True, True, False]
    assert all(client.is_closed for client in executor._async_clients.values())
