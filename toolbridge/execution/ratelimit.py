"""Rate limits (`safety.rate_limit: "30/minute"`): a protocol and an in-process limiter.

A limit is enforced before anything is sent; exceeding it gives a `rate_limited`
result. The limiter is a protocol so a multi-process deployment can plug in a shared
store (Redis, a database) with the same three-argument call.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import lru_cache

from typing_extensions import Protocol

_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")


class RateLimiter(Protocol):
    """Admits a call or says how long to wait."""

    def acquire(self, key: str, limit: int, period_s: float) -> float | None:
        """Record one call under `key` if at most `limit` fit in `period_s` seconds and
        return None; otherwise record nothing and return the seconds until one fits."""
        ...


@lru_cache(maxsize=256)
def parse_rate(text: str) -> tuple[int, float]:
    """`"30/minute"` → `(30, 60.0)`. The action model already validated the shape."""
    match = _RATE.match(text)
    if match is None:
        raise ValueError(f"rate limit {text!r} is not like '30/minute'")
    return int(match.group(1)), _PERIODS[match.group(2)]


class SlidingWindowLimiter:
    """Exact sliding window per key, in this process. Thread-safe.

    Args:
        clock: monotonic seconds; injectable so tests move time by hand.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, limit: int, period_s: float) -> float | None:
        now = self._clock()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - period_s:
                calls.popleft()
            if len(calls) < limit:
                calls.append(now)
                return None
            if limit <= 0:
                return period_s
            return calls[0] + period_s - now
