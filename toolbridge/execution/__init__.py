"""Supervised execution: the `Executor` wires gates, rendering, the flow and a driver.

Steps (SPEC §3.4-3.9) after the arguments were checked: identity gate → render →
network policy (scheme, https-only) → confirmation gate → rate limit → the sans-IO
`flow` run by the sync or async driver → audit event. Each decision lives in its own
module (`gates`, `render`, `network`, `ratelimit`, `flow`, `outcomes`, `pruning`,
`guidance`); this one only holds the clients, the keys and the clocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import random
import secrets as _secrets
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from datetime import datetime, timezone
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore2
import httpx2

from .. import audit as _audit
from .. import results as r
from ..actions.models import Action
from ..audit import CURRENT_CALL
from ..guidance import guidance_for
from ..results import RequestSummary, ToolResult
from ..secrets import SecretStore
from . import gates
from .drivers import dials, run_async, run_sync, send_async, send_sync
from .flow import call_flow, first_send, settle
from .network import (
    AddressBlocked,
    AsyncGuardedBackend,
    GuardedBackend,
    NetworkPolicy,
    aprecheck,
    parse_ip,
    precheck,
)
from .ratelimit import RateLimiter, SlidingWindowLimiter
from .render import Prepared, plan_or_none, render_call

__all__ = ["Executor"]


def _no_cookies() -> http.cookiejar.CookieJar:
    # One client serves every conversation: a cookie set for one user must never ride
    # along with another user's call. A jar whose policy accepts no domain keeps nothing.
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


class Executor:
    """Runs checked calls under supervision. Built by `Toolkit`; usable on its own.

    Args:
        secrets: where secret values come from.
        client / async_client: your own httpx2 clients (we never close them). The network
            policy is then checked before sending on the addresses *we* resolve; see
            `network.precheck` for the DNS-rebinding caveat.
        allow_private / https_only: the network policy (cloud metadata and link-local
            addresses are always refused).
        audit: callback receiving every audit event.
        confirmation_key: HMAC key for confirmation tokens (default: random per executor,
            so tokens do not survive a restart; pass a fixed key to share them between
            processes).
        rate_limiter: shared limiter for multi-process deployments (default in-process).
        clock: returns the current aware datetime (`{{current_datetime}}`, audit times).
        timezone: IANA name for `{{timezone}}`/`{{current_date}}`; a string
            `context["timezone"]` wins for that call.
        rng: seedable randomness for backoff jitter.
        sleep / async_sleep: how retries wait (tests record instead of sleeping).
    """

    def __init__(
        self,
        *,
        secrets: SecretStore,
        client: httpx2.Client | None = None,
        async_client: httpx2.AsyncClient | None = None,
        allow_private: bool = True,
        https_only: bool = False,
        audit: _audit.AuditCallback | None = None,
        confirmation_key: bytes | None = None,
        rate_limiter: RateLimiter | None = None,
        clock: Callable[[], datetime] | None = None,
        timezone: str = "UTC",
        rng: random.Random | None = None,
        sleep: Callable[[float], object] = time.sleep,
        async_sleep: Callable[[float], Awaitable[object]] = anyio.sleep,
    ) -> None:
        self.secrets = secrets
        self.policy = NetworkPolicy(allow_private=allow_private, https_only=https_only)
        self._client = client
        self._async_client = async_client
        self._own_client = client is None
        self._own_async_client = async_client is None
        self._safe_origins: dict[tuple[int, str], weakref.ref[Any]] = {}
        """(id(client), scheme://host:port) → the client, weakly: a client freed and another
        made at its address (same id) must not inherit the first one's verdict."""
        self._lock = threading.Lock()
        self._async_clients: dict[Any, httpx2.AsyncClient] = {}
        """Our async clients by event loop. A client's connections hold its loop, so a weak
        key would never die: a closed loop's client, once closed, is dropped when another
        loop asks (`_closers` closes it as the loop shuts down)."""
        self._closers: dict[Any, Any] = {}
        self._audit = audit
        self._key = confirmation_key or _secrets.token_bytes(32)
        self._limiter: RateLimiter = rate_limiter or SlidingWindowLimiter()
        self._clock = clock or (lambda: datetime.now(tz=_utc))
        self.timezone = timezone
        self._rng = rng
        self._sleep = sleep
        self._async_sleep = async_sleep
        _audit.install_library_log_filter(secrets)

    def __repr__(self) -> str:
        policy = self.policy
        return f"Executor(allow_private={policy.allow_private}, https_only={policy.https_only})"

    # -- clients ------------------------------------------------------------------------

    def _options(self) -> dict[str, Any]:
        # trust_env=False: proxy variables would route around the address check (we would
        # check the proxy, not the target) and .netrc would add credentials nobody chose.
        # follow_redirects=False: the flow follows same-origin redirects itself.
        return {"trust_env": False, "follow_redirects": False, "cookies": _no_cookies()}

    @property
    def client(self) -> httpx2.Client:
        """The sync client (ours: pooled, built on first use, guarded backend)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    transport = httpx2.HTTPTransport(trust_env=False)
                    # httpx2 takes no network backend; its pool is rebuilt with ours.
                    # Keep-alive up to the connection limit: a bot serving many
                    # conversations at once would otherwise close and reopen every
                    # connection above 20 after each burst (idle ones go after 5 s).
                    transport._pool = httpcore2.ConnectionPool(
                        ssl_context=httpx2.create_ssl_context(trust_env=False),
                        max_connections=100, max_keepalive_connections=100,
                        keepalive_expiry=5.0, network_backend=GuardedBackend(self.policy),
                    )
                    self._client = httpx2.Client(transport=transport, **self._options())
        return self._client

    @property
    def async_client(self) -> httpx2.AsyncClient:
        """The async client (ours: pooled, built on first use, guarded backend).

        Ours is one per event loop: connections belong to the loop that opened them, and
        `asyncio.run(toolkit.acall(...))` twice must not reuse a dead loop's pool.
        """
        if not self._own_async_client:
            assert self._async_client is not None
            return self._async_client
        key = _loop_key()
        client = self._async_clients.get(key)
        if client is None:
            # `asyncio.run()` per call makes a loop per call: let the ended ones go, or
            # each would keep its pool. Only closed clients: a pool on a loop that closed
            # without finalizing its async generators cannot be closed any more.
            for ended in [loop for loop, old in self._async_clients.items()
                          if loop is not _NOT_ASYNCIO and loop.is_closed() and old.is_closed]:
                del self._async_clients[ended]
                self._closers.pop(ended, None)
            transport = httpx2.AsyncHTTPTransport(trust_env=False)
            transport._pool = httpcore2.AsyncConnectionPool(
                ssl_context=httpx2.create_ssl_context(trust_env=False),
                max_connections=100, max_keepalive_connections=100, keepalive_expiry=5.0,
                network_backend=AsyncGuardedBackend(self.policy),
            )
            client = httpx2.AsyncClient(transport=transport, **self._options())
            self._async_clients[key] = client
            if key is not _NOT_ASYNCIO:
                self._closers[key] = _close_at_shutdown(client)
        return client

    def close(self) -> None:
        """Close the sync client we built. Async clients we built are closed by `aclose()`
        from async code (their connections belong to an event loop); without it they are
        dropped with their loop."""
        if self._own_client and self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Close the clients we built (not the ones passed in): the sync one and this
        event loop's async one."""
        self.close()
        key = _loop_key()
        client = self._async_clients.pop(key, None)
        closer = self._closers.pop(key, None)
        if client is not None:
            await client.aclose()
        if closer is not None:
            await closer.aclose()  # done with: the loop need not finalize it

    # -- the call ---------------------------------------------------------------------------

    def _render(self, action: Action, values: Mapping[str, Any],
                context: Mapping[str, Any]) -> Prepared | ToolResult:
        return render_call(action, plan_or_none(action), values, context, self.secrets,
                           self._clock, self.timezone)

    def _prepare(self, action: Action, values: Mapping[str, Any], context: Mapping[str, Any],
                 confirm: str | None) -> Prepared | ToolResult:
        """Everything before the first byte is sent; a `ToolResult` means stop."""
        plan = plan_or_none(action)
        # `gated` is False only for an action with no identity, confirmation or rate-limit
        # gate: the gate calls would all pass it.
        gated = plan is None or plan.gated
        if gated:
            problem = gates.identity_problem(action, context)
            if problem is not None:
                return problem
        prepared = render_call(action, plan, values, context, self.secrets, self._clock,
                               self.timezone)
        if isinstance(prepared, ToolResult):
            return prepared
        # Every rendered URL starts with http:// or https://: `render._compile` refuses any
        # other scheme, so only https_only has something left to check here.
        if self.policy.https_only:
            try:
                self.policy.check_url(prepared.url)
            except AddressBlocked:
                return ToolResult(action=action.name, ok=False, error=r.BLOCKED,
                                  guidance=guidance_for(r.BLOCKED, action),
                                  request=prepared.summary)
        if not gated:
            return prepared
        problem = gates.confirmation_problem(self._key, action, values, context, confirm,
                                             prepared.summary)
        if problem is not None:
            return problem
        problem = gates.rate_limit_problem(action, self._limiter)
        if problem is not None:
            return problem
        return prepared

    def _precheck(self, client: httpx2.Client | httpx2.AsyncClient, url: str,
                  check: Callable[..., Any]) -> Any:
        """The pre-send policy check for a client we did not build, or None when this
        origin is known to pass without DNS (an IP literal, or a mock/ASGI transport)."""
        end = url.find("/", url.find("//") + 2)
        key = (id(client), url if end < 0 else url[:end])  # scheme://host:port
        known = self._safe_origins.get(key)
        if known is not None and known() is client:
            return None
        resolve_names = dials(client, url) and parse_ip(urlsplit(url).hostname or "") is None
        if not resolve_names:
            try:
                self.policy.check_url(url)
            except AddressBlocked:
                return partial(check, self.policy, resolve_names=False)  # fails in the driver
            if len(self._safe_origins) > 1024:
                self._safe_origins.clear()
            self._safe_origins[key] = weakref.ref(client)
            return None
        return partial(check, self.policy, resolve_names=True)

    def call(self, action: Action, values: Mapping[str, Any], context: Mapping[str, Any],
             confirm: str | None = None) -> ToolResult:
        """Gate, render, send (sync) and return the result; never raises for a model- or
        network-caused failure."""
        prepared = self._prepare(action, values, context, confirm)
        if isinstance(prepared, ToolResult):
            return self._done(action, values, context, prepared, sent=False)
        client = self._client or self.client
        check = None if self._own_client else self._precheck(client, prepared.url, precheck)
        # Every secret this toolkit has sent is scrubbed from what the model sees, not only
        # this call's: an API may echo a token another action used.
        known = self.secrets.known_values()
        # The library log filter masks this call's values in httpx2/httpcore2 records.
        token = CURRENT_CALL.set((action, prepared.secret_values, values))
        try:
            # The first attempt is sent before the flow runs: most calls end with it.
            # Only our own client's network backend reads the deadline it publishes.
            clamp = self._own_client
            got = send_sync(client, first_send(action, prepared), check, clamp=clamp)
            result = settle(action, prepared, got, known)
            if result is None:
                flow = call_flow(action, prepared, rng=self._rng, secret_values=known,
                                 first=got)
                result = run_sync(flow, partial(send_sync, client, precheck=check,
                                                clamp=clamp), self._sleep)
        finally:
            CURRENT_CALL.reset(token)
        if not _audit.wants_events(self._audit):
            return result  # `_done` would make no event
        return self._done(action, values, context, result, sent=True)

    async def acall(self, action: Action, values: Mapping[str, Any],
                    context: Mapping[str, Any], confirm: str | None = None) -> ToolResult:
        """`call()` on the async client."""
        prepared = self._prepare(action, values, context, confirm)
        if isinstance(prepared, ToolResult):
            return self._done(action, values, context, prepared, sent=False)
        client = self._async_client or self.async_client  # yours, or ours for this loop
        check = (None if self._own_async_client
                 else self._precheck(client, prepared.url, aprecheck))
        known = self.secrets.known_values()
        token = CURRENT_CALL.set((action, prepared.secret_values, values))
        try:
            got = await send_async(client, first_send(action, prepared), check)
            result = settle(action, prepared, got, known)
            if result is None:
                flow = call_flow(action, prepared, rng=self._rng, secret_values=known,
                                 first=got)
                result = await run_async(flow, partial(send_async, client, precheck=check),
                                         self._async_sleep)
        finally:
            CURRENT_CALL.reset(token)
        if not _audit.wants_events(self._audit):
            return result  # `_done` would make no event
        return self._done(action, values, context, result, sent=True)

    def _done(self, action: Action, values: Mapping[str, Any], context: Mapping[str, Any],
              result: ToolResult, *, sent: bool) -> ToolResult:
        if action.safety.audit != "off" and _audit.wants_events(self._audit):
            event = _audit.audit_event(
                action, action.name, values, result, sent=sent, time=self._clock(),
                conversation_id=_conversation(context),
                secret_values=self.secrets.known_values(),
            )
            _audit.emit(event, self._audit)
        return result

    # -- around the call --------------------------------------------------------------------

    def refused(self, problem: ToolResult, context: Mapping[str, Any] | None) -> ToolResult:
        """Audit a call stopped before execution (bad arguments, unknown tool, missing)."""
        if _audit.wants_events(self._audit):
            event = _audit.audit_event(
                None, problem.action, None, problem, sent=False, time=self._clock(),
                conversation_id=_conversation(context or {}),
            )
            _audit.emit(event, self._audit)
        return problem

    def describe(self, action: Action, values: Mapping[str, Any],
                 context: Mapping[str, Any]) -> RequestSummary | ToolResult:
        """The request a call would send, secrets masked; nothing is sent or gated."""
        prepared = self._render(action, values, context)
        return prepared if isinstance(prepared, ToolResult) else prepared.summary

    def confirmation_token(self, action: Action, values: Mapping[str, Any],
                           context: Mapping[str, Any]) -> str:
        """The token that confirms exactly this call (host side, after the user agreed)."""
        return gates.confirmation_token(self._key, action, values, context)


_utc = timezone.utc


class _NotAsyncio:
    """The key of the async client used under trio (one loop per process there)."""


_NOT_ASYNCIO = _NotAsyncio()


def _close_at_shutdown(client: httpx2.AsyncClient) -> Any:
    """An async generator, started, whose end closes `client`: the running loop finalizes
    its async generators as it shuts down (`asyncio.run` does, before closing the loop),
    so our pool's connections are closed inside their own loop, not left to the collector.
    Keep the generator: the loop holds it only weakly."""
    async def closer() -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await client.aclose()

    generator = closer()
    with contextlib.suppress(StopIteration):  # runs to its `yield`: nothing is awaited
        generator.asend(None).send(None)
    return generator


def _loop_key() -> Any:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return _NOT_ASYNCIO


def _conversation(context: Mapping[str, Any]) -> str | None:
    value = context.get("conversation_id")
    return None if value is None else str(value)
