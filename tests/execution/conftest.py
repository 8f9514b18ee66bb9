"""Fixtures for execution tests: `make` / `amake` build harnessed toolkits and close them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from harness import Factory, Harness, build


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make() -> Iterator[Factory]:
    """`make(base_url, actions, **options)` for sync tests; closes what it built."""
    built: list[Harness] = []

    def factory(*args: Any, **kwargs: Any) -> Harness:
        harness = build(*args, **kwargs)
        built.append(harness)
        return harness

    yield factory
    for harness in built:
        harness.toolkit.close()


@pytest.fixture
async def amake() -> AsyncIterator[Factory]:
    """`make` for async tests: the async clients are closed inside the event loop."""
    built: list[Harness] = []

    def factory(*args: Any, **kwargs: Any) -> Harness:
        harness = build(*args, **kwargs)
        built.append(harness)
        return harness

    yield factory
    for harness in built:
        await harness.executor.aclose()
