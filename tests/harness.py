"""Test harness: a toolkit pointed at the fault server whose executor records its sleeps
(instead of sleeping), seeds its jitter, and collects audit events."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toolbridge import Toolkit
from toolbridge.execution import Executor

Factory = Callable[..., "Harness"]


@dataclass
class Harness:
    """A toolkit whose executor records sleeps (`sleeps`) and audit events (`events`)."""

    toolkit: Toolkit
    sleeps: list[float] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def executor(self) -> Executor:
        return self.toolkit.executor


def build(base_url: str, actions: list[dict[str, Any]], *, secrets: dict[str, str] | None = None,
          **executor_options: Any) -> Harness:
    """A toolkit for `actions` (base_url defaulted) with a test-friendly executor."""
    data = {"version": 1, "defaults": {"base_url": base_url}, "actions": actions}
    toolkit = Toolkit.from_dict(data, secrets=secrets or {})
    harness = Harness(toolkit)

    async def record_async(seconds: float) -> None:
        harness.sleeps.append(seconds)

    options: dict[str, Any] = {
        "sleep": harness.sleeps.append, "async_sleep": record_async,
        "rng": random.Random(7), "audit": harness.events.append,
    }
    options.update(executor_options)
    # Toolkit takes no executor options (sleep, rng, clock): set the executor it would build.
    toolkit._executor = Executor(secrets=toolkit.secrets, **options)
    return harness


def assert_same_request(fast: Any, general: Any) -> None:
    """Two renderings of one call agree: the same request, summary (header order too) and
    retry facts, or the same result/error when the general one did not build a request."""
    from toolbridge.execution.render import Prepared

    if not isinstance(general, Prepared):
        assert fast == general
        return
    assert isinstance(fast, Prepared)
    assert (fast.method, fast.url, fast.headers, fast.content) == (
        general.method, general.url, general.headers, general.content)
    assert fast.summary == general.summary
    assert list(fast.summary.headers) == list(general.summary.headers)
    assert (fast.idempotent, fast.idempotency_key, fast.secret_values) == (
        general.idempotent, general.idempotency_key, general.secret_values)
