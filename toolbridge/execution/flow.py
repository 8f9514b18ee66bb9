"""The supervised exchange as a sans-IO generator: it decides, the drivers do.

`call_flow` yields effects — `Send` (perform one HTTP exchange) and `Sleep` (wait before
a retry) — and receives what happened: `Received` (a response, body read within the
caps) or `Failed` (the driver's mapped transport error). It returns the final
`ToolResult`. No sockets, no clock, no randomness of its own (a seedable `random.Random`
is passed in), so every retry and redirect decision is tested without a network and is
shared by the sync and async drivers (STYLE pattern 2).

Decisions made here (SPEC §3.6-3.9):
- retries only on connection errors, 429 and 502/503/504, and only when the prepared
  request is idempotent (idempotent method or `Idempotency-Key`, sent unchanged);
- exponential backoff with jitter; `Retry-After` (seconds or HTTP-date) honoured up to
  `retry_after_cap_ms`, above which the call ends at once as `unavailable`;
- redirects: same-origin ones followed (at most 5, within the attempt's deadline),
  another origin refused as `blocked`, so no header or secret travels there;
- outcome, error code, guidance and pruned data of the final response.
"""

from __future__ import annotations

import json
import random
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from .. import results as r
from ..actions.models import Action, Outcome
from ..guidance import error_detail, error_for_status, guidance_for
from ..pruning import is_json_type, prune_body
from ..results import ToolResult
from .outcomes import choose_outcome
from .render import Prepared

RETRY_STATUSES = frozenset({429, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(slots=True)
class Send:
    """Perform one HTTP exchange (one hop: redirects come back as `Received`)."""

    prepared: Prepared
    attempt: int
    method: str
    url: str
    headers: list[tuple[str, str]]
    content: bytes | None
    timeout_s: float
    """Time left for this attempt: connect, headers and the whole body."""
    max_bytes: int
    """Decoded body cap; past it the driver stops reading and answers `response_too_large`."""

    def __repr__(self) -> str:
        # url, headers and content carry secrets; show only the masked summary.
        return f"Send({self.prepared!r}, attempt={self.attempt})"


@dataclass(slots=True)
class Sleep:
    """Wait before the next attempt."""

    seconds: float


@dataclass(slots=True)
class Received:
    """A complete response, body decoded and within the cap."""

    status: int
    headers: Mapping[str, str]
    """Case-insensitive (the driver passes `httpx2.Headers`) or lower-cased keys."""
    body: bytes
    elapsed: float
    """Seconds this exchange took."""
    received_at: float
    """Wall-clock time (epoch seconds) the response arrived: the base of an HTTP-date
    `Retry-After`."""
    content_type: str | None = None
    """The Content-Type, when the driver read it already (else read from `headers`)."""


@dataclass(slots=True)
class Failed:
    """An exchange that produced no usable response, already mapped to an error code."""

    code: str
    retryable: bool
    """True when retrying an idempotent request is safe and useful (connection errors)."""
    detail: str
    """What happened, for developers (audit); never holds a URL or a secret."""
    elapsed: float = 0.0
    status: int | None = None
    """The status, when headers did arrive (e.g. `response_too_large`)."""


# Not frozen on purpose: a frozen dataclass pays object.__setattr__ per field, and these
# are made on every call. Nothing mutates them.
Effect = Send | Sleep
Answer = Received | Failed | None
Flow = Generator[Effect, Answer, ToolResult]


def first_send(action: Action, prepared: Prepared) -> Send:
    """The first attempt's `Send`, for a driver that performs it before the flow runs."""
    settings = action.settings
    return Send(prepared, 1, prepared.method, prepared.url, prepared.headers,
                prepared.content, settings.timeout_ms / 1000, settings.max_response_bytes)


def settle(action: Action, prepared: Prepared, got: Received | Failed,
           secret_values: Iterable[str] = ()) -> ToolResult | None:
    """The result when the first attempt's answer ends the call (no redirect to follow,
    nothing to retry): what `call_flow` would return for it. None when the flow has more
    to do; the driver then runs `call_flow(..., first=got)`.

    Most calls end here, so the drivers need no generator for them."""
    if got.__class__ is Failed:
        if got.retryable:  # type: ignore[union-attr]
            return None
    elif got.status in REDIRECT_STATUSES or got.status in RETRY_STATUSES:
        return None
    return finish(action, prepared, got, 1, got.elapsed, secret_values)


def call_flow(
    action: Action,
    prepared: Prepared,
    *,
    rng: random.Random | None = None,
    secret_values: Iterable[str] = (),
    first: Received | Failed | None = None,
) -> Flow:
    """Send `prepared` under `action.settings`; returns the final `ToolResult`.

    `first` is the first attempt's answer when the driver already performed
    `first_send(action, prepared)`; the flow then starts from it.
    """
    settings = action.settings
    timeout_s = settings.timeout_ms / 1000
    max_bytes = settings.max_response_bytes
    elapsed = 0.0
    attempt = 0
    while True:
        attempt += 1
        got: Received | Failed
        if first is not None:
            got, first = first, None
        else:
            # The driver answers a Send with Received or Failed (None only answers a Sleep).
            got = yield Send(  # type: ignore[assignment]
                prepared, attempt, prepared.method, prepared.url, prepared.headers,
                prepared.content, timeout_s, max_bytes)
        spent = got.elapsed
        if got.__class__ is Received and got.status in REDIRECT_STATUSES:
            got, spent = yield from _redirects(prepared, got, attempt, timeout_s, max_bytes)
        elapsed += spent
        # The common case, a final answer that is not retried, decides nothing more.
        if got.__class__ is Failed:
            if not got.retryable:
                return finish(action, prepared, got, attempt, elapsed, secret_values)
        elif got.status not in RETRY_STATUSES:
            return finish(action, prepared, got, attempt, elapsed, secret_values)
        cap_s = settings.retry_after_cap_ms / 1000
        wait: float | None = None
        retry = True
        if got.__class__ is Received:
            wait = retry_after(got)
            if wait is not None and wait > cap_s:
                retry = False  # SPEC: above the cap, answer at once rather than sleep
        allowed = 1 + settings.retries if prepared.idempotent else 1
        if not retry or attempt >= allowed:
            return finish(action, prepared, got, attempt, elapsed, secret_values, wait)
        rand = rng.random if rng is not None else random.random
        delay = wait if wait is not None else backoff(settings.retry_backoff_ms, attempt, rand)
        delay = min(delay, cap_s)
        if delay > 0:
            yield Sleep(delay)
            elapsed += delay


def _redirects(
    prepared: Prepared, got: Received | Failed, attempt: int, timeout_s: float, max_bytes: int
) -> Generator[Effect, Answer, tuple[Received | Failed, float]]:
    """The rest of one attempt after a redirect status: the same-origin hops it leads to."""
    method, url, content = prepared.method, prepared.url, prepared.content
    headers = prepared.headers
    spent = got.elapsed
    for _hop in range(MAX_REDIRECTS + 1):
        location = got.headers.get("location") if isinstance(got, Received) else None
        if not isinstance(got, Received) or got.status not in REDIRECT_STATUSES or not location:
            return got, spent
        target = urljoin(url, location.strip()).split("#", 1)[0]
        if origin(target) != origin(url):
            return Failed(r.BLOCKED, False, "redirect to another origin refused",
                          status=got.status), spent
        if spent >= timeout_s:
            return Failed(r.TIMEOUT, False, "deadline passed while following redirects"), spent
        if got.status == 303 or (got.status in (301, 302) and method == "POST"):
            # What browsers and httpx do: the follow-up is a GET without the body.
            method, content = "GET", None
            headers = [(k, v) for k, v in headers if k.lower() not in ("content-type",
                                                                        "content-length")]
        url = target
        if _hop == MAX_REDIRECTS:
            break
        answer = yield Send(prepared, attempt, method, url, headers, content,
                            timeout_s - spent, max_bytes)
        assert isinstance(answer, (Received, Failed)), "the driver answers a Send with a result"
        got = answer
        spent += got.elapsed
    return Failed(r.INVALID_RESPONSE, False, f"more than {MAX_REDIRECTS} redirects"), spent


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in: what "same origin" compares."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def backoff(base_ms: int, attempt: int, rand: Any = random.random) -> float:
    """Exponential backoff with jitter: base · 2^(attempt-1) · [0.5, 1.5)."""
    return base_ms / 1000 * (2 ** (attempt - 1)) * (0.5 + rand())


_LONGEST_WAIT = 10.0**9
"""Seconds: longer `Retry-After` values count as this (still above any cap)."""


def retry_after(received: Received) -> float | None:
    """Seconds the server asked us to wait (`Retry-After`: seconds or HTTP-date)."""
    value = received.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        # 309 digits make inf; any wait that long is simply over the cap.
        return min(float(value), _LONGEST_WAIT)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    arrived = datetime.fromtimestamp(received.received_at, tz=timezone.utc)
    return max(0.0, (when - arrived).total_seconds())


def _wait_note(wait: float) -> str:
    seconds = max(1, round(wait))
    return (f" The service asked us to wait {seconds} second{'s' if seconds != 1 else ''} "
            "before trying again.")


def finish(
    action: Action,
    prepared: Prepared,
    got: Received | Failed,
    attempts: int,
    elapsed: float,
    secret_values: Iterable[str] = (),
    wait: float | None = None,
) -> ToolResult:
    """The result for the model from the last thing that happened."""
    # Milliseconds to one decimal, halves rounded up: `round(x, 1)` would make a correctly
    # rounded decimal conversion (a third of `finish`) for a difference of 0.1 ms on halves.
    elapsed_ms = int(elapsed * 10_000 + 0.5) / 10
    if isinstance(got, Failed):
        return ToolResult(
            action=action.name, ok=False, status=got.status, error=got.code,
            guidance=guidance_for(got.code, action), request=prepared.summary,
            attempts=attempts, elapsed_ms=elapsed_ms,
        )
    status = got.status
    content_type = got.content_type or got.headers.get("content-type")
    secrets = _joined(prepared.secret_values, secret_values)
    data, parsed_ok = prune_body(got.body, content_type, action.output, secret_values=secrets)
    outcome = choose(action, got, content_type) if action.outcomes else None
    ok = outcome.ok if outcome is not None and outcome.ok is not None else status < 400
    error: str | None = None
    guidance: str | None = None
    if ok and not parsed_ok:
        ok, error = False, r.INVALID_RESPONSE
    elif not ok:
        error = error_for_status(status) or r.HTTP_ERROR
    if error is not None:
        detail = error_detail(data) if 400 <= status < 500 and parsed_ok else None
        guidance = guidance_for(error, action, outcome, detail)
        if wait is not None and status in RETRY_STATUSES:
            guidance += _wait_note(wait)
    elif outcome is not None and outcome.guidance:
        guidance = outcome.guidance
    # Positional (action, ok, status, outcome, data, error, guidance, missing, problems,
    # request, attempts, elapsed_ms): keywords cost half of building the result.
    return ToolResult(action.name, ok, status, outcome.name if outcome is not None else None,
                      data, error, guidance, (), (), prepared.summary, attempts, elapsed_ms)


_last_joined: tuple[Any, Any, tuple[str, ...]] = ((), (), ())


def _joined(own: tuple[str, ...], known: Iterable[str]) -> tuple[str, ...]:
    """`own + known` as one tuple; the same object while neither changes, so the maskers
    cached by tuple are found again (both inputs are themselves cached per action/store)."""
    global _last_joined
    if known.__class__ is not tuple or own.__class__ is not tuple:
        return (*own, *known)  # a list may change between calls: no memo
    last = _last_joined
    if own is last[0] and known is last[1]:
        return last[2]
    joined = (*own, *known) if known else own
    _last_joined = (own, known, joined)
    return joined


def choose(action: Action, got: Received, content_type: str | None) -> Outcome | None:
    """The matching outcome; the body is parsed only if a condition reads it."""
    if not action.outcomes:
        return None
    body: Any = None
    if any("body" in o.when for o in action.outcomes) and got.body:
        try:
            body = json.loads(got.body) if is_json_type(content_type) or got.body.lstrip()[
                :1] in (b"{", b"[") else got.body.decode("utf-8", "replace")
        except (ValueError, RecursionError):  # UnicodeDecodeError too; nesting too deep
            body = None
    return choose_outcome(action, got.status, got.headers, body)
