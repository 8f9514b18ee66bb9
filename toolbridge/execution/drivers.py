"""The thin drivers: perform the flow's effects with httpx2, sync and async.

`run_sync` / `run_async` step the sans-IO flow; `send_sync` / `send_async` perform one
`Send`: build the request, stream the body under the attempt's overall deadline and the
decoded-size cap, and answer `Received` or `Failed`. Every exception an exchange can
raise becomes an error code in one place, `map_exception` (a test walks httpx2's and
httpcore2's exception classes to prove none is missing).

Deadline (SPEC Policies): one per attempt covering connect, headers and the whole body.
Async: the task is cancelled when the time is up, by one watcher per event loop
(`_Deadlines`) on asyncio 3.11+, by anyio's cancel scope on 3.10 and trio. Sync: the
httpx2 timeouts are set to the time left, our network backend clamps every socket read
and write to the deadline (`network.DEADLINE`), and the body is checked against the clock
after each chunk (and once for a body the client already holds) — the last check also
covers clients we did not build.

A body httpx2 already holds (`_LOADED`) is taken as it is, within the size cap.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any

import anyio
import httpcore2
import httpx2

from .. import results as r
from ..results import ToolResult
from .flow import Failed, Flow, Received, Send, Sleep
from .network import DEADLINE, AddressBlocked
from .targets import target

EXCEPTION_CODES: dict[type[BaseException], tuple[str, bool]] = {
    # (error code, retryable). A connect-phase failure sent nothing, so it is retryable;
    # a read timeout is not (SPEC: retry on connection errors, 429 and 502/503/504 only).
    AddressBlocked: (r.BLOCKED, False),
    TimeoutError: (r.TIMEOUT, False),  # our overall deadline (anyio.fail_after)
    httpx2.ConnectTimeout: (r.TIMEOUT, True),
    httpx2.PoolTimeout: (r.TIMEOUT, True),
    httpx2.ReadTimeout: (r.TIMEOUT, False),
    httpx2.WriteTimeout: (r.TIMEOUT, False),
    httpx2.TimeoutException: (r.TIMEOUT, False),
    httpx2.ConnectError: (r.CONNECTION_ERROR, True),
    httpx2.ReadError: (r.CONNECTION_ERROR, True),
    httpx2.WriteError: (r.CONNECTION_ERROR, True),
    httpx2.CloseError: (r.CONNECTION_ERROR, True),
    httpx2.NetworkError: (r.CONNECTION_ERROR, True),
    httpx2.RemoteProtocolError: (r.CONNECTION_ERROR, True),  # reset, "disconnected"
    httpx2.LocalProtocolError: (r.HTTP_ERROR, False),  # we built a request h11 refuses
    httpx2.ProtocolError: (r.CONNECTION_ERROR, True),
    httpx2.ProxyError: (r.CONNECTION_ERROR, True),
    httpx2.UnsupportedProtocol: (r.BLOCKED, False),  # a scheme other than http(s)
    httpx2.SSEError: (r.INVALID_RESPONSE, False),
    httpx2.TransportError: (r.CONNECTION_ERROR, True),
    httpx2.DecodingError: (r.INVALID_RESPONSE, False),  # a broken gzip/br body
    httpx2.TooManyRedirects: (r.INVALID_RESPONSE, False),
    httpx2.RequestError: (r.CONNECTION_ERROR, False),
    httpx2.HTTPStatusError: (r.HTTP_ERROR, False),
    httpx2.HTTPError: (r.HTTP_ERROR, False),
    httpx2.InvalidURL: (r.HTTP_ERROR, False),
    httpx2.CookieConflict: (r.HTTP_ERROR, False),
    httpx2.StreamConsumed: (r.HTTP_ERROR, False),
    httpx2.StreamClosed: (r.HTTP_ERROR, False),
    httpx2.ResponseNotRead: (r.HTTP_ERROR, False),
    httpx2.RequestNotRead: (r.HTTP_ERROR, False),
    httpx2.StreamError: (r.HTTP_ERROR, False),
    # httpx2 maps these itself; a user's custom transport may let them through raw.
    httpcore2.ConnectTimeout: (r.TIMEOUT, True),
    httpcore2.PoolTimeout: (r.TIMEOUT, True),
    httpcore2.ReadTimeout: (r.TIMEOUT, False),
    httpcore2.WriteTimeout: (r.TIMEOUT, False),
    httpcore2.TimeoutException: (r.TIMEOUT, False),
    httpcore2.ConnectError: (r.CONNECTION_ERROR, True),
    httpcore2.ReadError: (r.CONNECTION_ERROR, True),
    httpcore2.WriteError: (r.CONNECTION_ERROR, True),
    httpcore2.NetworkError: (r.CONNECTION_ERROR, True),
    httpcore2.RemoteProtocolError: (r.CONNECTION_ERROR, True),
    httpcore2.LocalProtocolError: (r.HTTP_ERROR, False),
    httpcore2.ProtocolError: (r.CONNECTION_ERROR, True),
    httpcore2.ProxyError: (r.CONNECTION_ERROR, True),
    httpcore2.UnsupportedProtocol: (r.BLOCKED, False),
    httpcore2.ConnectionNotAvailable: (r.CONNECTION_ERROR, True),
}
"""Exception class → (error code, retryable); the most specific class wins."""


def map_exception(exc: BaseException, elapsed: float = 0.0) -> Failed | None:
    """The `Failed` for an exchange exception; None for one we do not know (a bug)."""
    for kind in type(exc).__mro__:
        entry = EXCEPTION_CODES.get(kind)
        if entry is not None:
            # The message may hold a URL (with a query secret): keep only the class name,
            # plus our own policy reason, which never holds one.
            detail = str(exc) if isinstance(exc, AddressBlocked) else type(exc).__name__
            return Failed(entry[0], entry[1], detail, elapsed)
    return None


def _too_large(status: int, elapsed: float) -> Failed:
    return Failed(r.RESPONSE_TOO_LARGE, False, "body over max_response_bytes", elapsed, status)


def _expired(elapsed: float) -> Failed:
    return Failed(r.TIMEOUT, False, "deadline passed while reading the body", elapsed)


_TIMEOUTS: dict[float, Mapping[str, float]] = {}


def _timeouts(send: Send) -> dict[str, Any]:
    # The extension httpx2 reads, built directly: cheaper than a `Timeout` per request.
    # A first attempt always has the action's whole timeout, so the inner mapping is kept
    # per value (read-only: it is shared between requests); the outer dict is fresh, as
    # hooks and transports may add extensions to a request.
    left = send.timeout_s
    inner = _TIMEOUTS.get(left)
    if inner is None:
        limit = max(left, 0.001)
        inner = MappingProxyType({"connect": limit, "read": limit, "write": limit,
                                  "pool": limit})
        if len(_TIMEOUTS) >= 64:
            _TIMEOUTS.clear()
        _TIMEOUTS[left] = inner
    return {"timeout": inner}


def _params(client: httpx2.Client | httpx2.AsyncClient, url: str) -> httpx2.QueryParams | None:
    """The URL's own query, for a client made with `params=`: httpx2 replaces a request's
    query with the client's params, and the action's query values (and a query-string
    secret) would be dropped. Given here, they are merged after the client's."""
    if not client.params:
        return None
    return httpx2.QueryParams(url.partition("?")[2])


def _content_type(headers: httpx2.Headers) -> str | None:
    """The Content-Type value. httpx2 keeps (raw key, lower-cased key, value) triples;
    reading them directly costs a third of `headers.get`, which detects the encoding and
    builds lists on every call. None (the flow then asks `headers.get`) if that changes."""
    items = getattr(headers, "_list", None)
    if items.__class__ is not list:
        return None
    for item in items:
        if item[1] == b"content-type":
            return item[2].decode("latin-1")  # type: ignore[no-any-return]
    return None


def run_sync(
    flow: Flow, perform: Callable[[Send], Received | Failed],
    sleep: Callable[[float], object] = time.sleep,
) -> ToolResult:
    """Step the flow, performing each effect as it comes."""
    try:
        effect = next(flow)
        while True:
            if isinstance(effect, Sleep):
                sleep(effect.seconds)
                effect = flow.send(None)
            else:
                effect = flow.send(perform(effect))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def send_sync(client: httpx2.Client, send: Send,
              precheck: Callable[[str], None] | None = None, *,
              clamp: bool = True) -> Received | Failed:
    """One exchange on a sync client: `Received` or the mapped `Failed`.

    `clamp`: publish the deadline in `network.DEADLINE` for our network backend to clamp
    socket reads to (False for a client without it: nothing would read it).
    """
    started = time.monotonic()
    deadline = started + send.timeout_s
    token = DEADLINE.set(deadline) if clamp else None
    try:
        if precheck is not None:
            precheck(send.url)
        request = client.build_request(send.method, target(send.url), headers=send.headers,
                                       content=send.content, extensions=_timeouts(send),
                                       params=_params(client, send.url))
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            arrived = time.time()
            body = response.__dict__.get(_LOADED)
            if body is None:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > send.max_bytes:
                        return _too_large(response.status_code, time.monotonic() - started)
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        return _expired(time.monotonic() - started)
                body = b"".join(chunks)
            elif len(body) > send.max_bytes:
                return _too_large(response.status_code, time.monotonic() - started)
            elif body and time.monotonic() > deadline:
                # A user's transport may do its own I/O (a wrapped library, a slow
                # cassette): this is the only overall deadline its answer meets.
                return _expired(time.monotonic() - started)
        finally:
            response.close()
    except Exception as exc:
        failed = map_exception(exc, time.monotonic() - started)
        if failed is None:
            raise
        return failed
    finally:
        if token is not None:
            DEADLINE.reset(token)
    # httpx2's `Headers` is the case-insensitive mapping `Received` needs, already built.
    headers = response.headers
    return Received(response.status_code, headers, body, time.monotonic() - started, arrived,
                    _content_type(headers))


_LOADED = "_content"
"""Where httpx2 keeps a body it already holds: a response built with its content (mock
transports, replayed cassettes) is read when it is made. That body is what `read()` would
return, so the drivers take it as it is (within the size cap) instead of streaming it
again. A key of the instance dict, so a rename in httpx2 only means streaming."""


async def run_async(
    flow: Flow, perform: Callable[[Send], Awaitable[Received | Failed]],
    sleep: Callable[[float], Awaitable[object]] = anyio.sleep,
) -> ToolResult:
    """`run_sync` for async code."""
    try:
        effect = next(flow)
        while True:
            if isinstance(effect, Sleep):
                await sleep(effect.seconds)
                effect = flow.send(None)
            else:
                effect = flow.send(await perform(effect))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def send_async(client: httpx2.AsyncClient, send: Send,
                     precheck: Callable[[str], Awaitable[None]] | None = None,
                     *, deadline: bool = True) -> Received | Failed:
    """One exchange on an async client; the whole of it runs inside one deadline
    (`deadline=False`: none of its own, the caller keeps one).

    On asyncio (3.11+) the deadline is what `asyncio.timeout` does, for a fraction of its
    cost: the loop's `_Deadlines` cancels the task when the time is up, and the
    cancellation is ours only if it fired and no one else cancelled the task too
    (`uncancel()` back to the count at entry); it then becomes `TimeoutError`. Any other
    cancellation passes through. On Python 3.10 and under trio an anyio cancel scope keeps
    the deadline around this same function.
    """
    started = time.monotonic()
    task: asyncio.Task[Any] | None = None
    if _UNCANCEL and deadline:
        try:  # noqa: SIM105 - a `suppress` block costs more on this hot path
            task = asyncio.current_task()
        except RuntimeError:  # not asyncio: trio, through anyio
            pass
    running: dict[asyncio.Task[Any], float | None] | None = None
    try:
        if task is not None:
            before = task.cancelling()  # cancellations already requested are not ours
            try:
                deadlines: _Deadlines = task.get_loop()._toolbridge_deadlines  # type: ignore[attr-defined]
            except AttributeError:
                deadlines = _deadlines(task.get_loop())
            when = started + max(send.timeout_s, 0.001)
            running = deadlines.running
            if running.setdefault(task, when) is when:
                if when < deadlines.at:
                    deadlines.arm(when)
            else:  # this task is in an exchange already (its transport calls out again)
                running = task = None  # the outer one keeps its entry; a scope nests
        if task is None and deadline:
            with anyio.fail_after(max(send.timeout_s, 0.001)):
                return await send_async(client, send, precheck, deadline=False)
        try:
            if precheck is not None:
                await precheck(send.url)
            request = client.build_request(send.method, target(send.url), headers=send.headers,
                                           content=send.content, extensions=_timeouts(send),
                                           params=_params(client, send.url))
            response = await client.send(request, stream=True, follow_redirects=False)
            too_large: Failed | None = None
            try:
                arrived = time.time()
                body = response.__dict__.get(_LOADED)
                if body is None:
                    chunks, size = [], 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > send.max_bytes:
                            too_large = _too_large(response.status_code,
                                                   time.monotonic() - started)
                            break
                        chunks.append(chunk)
                    body = b"".join(chunks)
                elif len(body) > send.max_bytes:
                    too_large = _too_large(response.status_code, time.monotonic() - started)
            finally:
                await response.aclose()
        except asyncio.CancelledError:
            if (running is not None and running.get(task, 0.0) is None  # type: ignore[arg-type]
                    and task.uncancel() <= before):  # type: ignore[union-attr]
                raise TimeoutError from None
            raise
        finally:
            # Done: the watcher leaves this task alone from now on. None: it fired.
            fired = running is not None and running.pop(task, 0.0) is None  # type: ignore[arg-type]
        if fired:
            task.uncancel()  # type: ignore[union-attr]  # it fired as the exchange ended
        if too_large is not None:
            return too_large
    except Exception as exc:
        failed = map_exception(exc, time.monotonic() - started)
        if failed is None:
            raise
        return failed
    # httpx2's `Headers` is the case-insensitive mapping `Received` needs, already built.
    headers = response.headers
    return Received(response.status_code, headers, body, time.monotonic() - started, arrived,
                    _content_type(headers))


class _Deadlines:
    """Every running exchange's deadline on one event loop, watched by one timer.

    A timer per call (what `asyncio.timeout` does) costs a `TimerHandle`, a copied context
    and a heap entry in the loop that is cancelled again a few microseconds later. Here a
    call puts its task in `running` with its deadline and takes it out when it ends; one
    timer waits for the earliest deadline. Most calls end long before it: the timer then
    finds nothing due, and waits for the earliest deadline still running. So a call costs
    a dict entry, and the timer fires about once per timeout while calls are running,
    looking at each (there are as many as run at once).

    A deadline becomes None once the watcher cancelled that task (`send_async` then knows
    the cancellation was its own). Deadlines are `time.monotonic()` seconds.

    The watcher lives on its loop (`_deadlines`): a loop, its watcher and the tasks it
    watches go together, even if the loop was closed with calls still pending. The
    timer's handle is not kept (a timer made stale by an earlier deadline finds `at`
    changed when it fires, and does nothing), and timers run in the watcher's own empty
    context, not in a copy of the calling task's (which holds the call's values).
    """

    __slots__ = ("at", "context", "running")

    def __init__(self) -> None:
        self.running: dict[asyncio.Task[Any], float | None] = {}
        self.at = float("inf")
        """When the live timer fires (monotonic seconds); infinity when none is set."""
        self.context = contextvars.Context()
        """Where the timer runs (one per watcher: a context is entered by one thread at a
        time, and each loop has its own thread)."""

    def arm(self, when: float) -> None:
        # Called from a task or the timer's callback: the loop is the running one.
        self.at = when
        delay = max(when - time.monotonic(), 0.0)
        asyncio.get_running_loop().call_later(delay, self._fire, when, context=self.context)

    def _fire(self, when: float) -> None:
        if when != self.at:
            return  # a timer for an earlier deadline replaced this one
        self.at = float("inf")
        # The loop runs a timer up to its clock's resolution early (as asyncio.timeout's).
        now = time.monotonic() + _EARLY
        running = self.running
        earliest = float("inf")
        for task, deadline in list(running.items()):
            if deadline is None:
                continue  # fired already; its call has not seen it yet
            if deadline <= now:
                running[task] = None
                task.cancel()
            elif deadline < earliest:
                earliest = deadline
        if earliest < float("inf"):
            self.arm(earliest)


_EARLY = time.get_clock_info("monotonic").resolution + 0.001
"""How early (seconds) the watcher's timer may fire and still count a deadline as passed:
asyncio runs a timer once it is due within the clock's resolution."""


_ATTRIBUTE = "_toolbridge_deadlines"
_BY_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Deadlines] = (
    weakref.WeakKeyDictionary()
)
"""Watchers of loops that take no attribute (a compiled loop class may not)."""


def _deadlines(loop: asyncio.AbstractEventLoop) -> _Deadlines:
    """`loop`'s watcher, made on first use and kept on the loop itself: it goes when the
    loop goes (with the tasks it watches: a loop closed with calls pending is freed with
    them). `send_async` reads the attribute directly."""
    found: _Deadlines | None = getattr(loop, _ATTRIBUTE, None) or _BY_LOOP.get(loop)
    if found is None:
        found = _Deadlines()
        try:
            setattr(loop, _ATTRIBUTE, found)
        except AttributeError:
            _BY_LOOP[loop] = found  # the loop's lifetime, less a cycle through its tasks
    return found


_UNCANCEL = hasattr(asyncio.Task, "uncancel")
"""Python 3.11+: a cancellation can be told apart from ours; anyio's scope otherwise."""


_OFFLINE_TRANSPORTS = (httpx2.MockTransport, httpx2.ASGITransport, httpx2.WSGITransport)


def dials(client: httpx2.Client | httpx2.AsyncClient, url: str) -> bool:
    """Whether `client` opens a socket for `url` (False for mock/ASGI/WSGI transports,
    which must not trigger a DNS lookup of the action's host)."""
    pick = getattr(client, "_transport_for_url", None)
    if pick is None:  # pragma: no cover - httpx2 internals moved; err on the safe side
        return True
    try:
        transport = pick(httpx2.URL(url))
    except httpx2.InvalidURL:  # e.g. too long: the send fails too, and is mapped there
        return True
    return not isinstance(transport, _OFFLINE_TRANSPORTS)
