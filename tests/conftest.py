"""Shared fixtures: the misbehaving HTTP server (`tests/server.py`) on 127.0.0.1.

`fault_server` is the API under test; `other_origin` is a second server on another port,
i.e. another origin, for cross-origin redirect tests. Both start once per session and
forget what they saw before each test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from server import FaultServer


@pytest.fixture(scope="session")
def _fault_servers() -> Iterator[tuple[FaultServer, FaultServer]]:
    main, other = FaultServer().start(), FaultServer().start()
    yield main, other
    main.stop()
    other.stop()


@pytest.fixture
def fault_server(_fault_servers: tuple[FaultServer, FaultServer]) -> FaultServer:
    server = _fault_servers[0]
    server.reset()
    return server


@pytest.fixture
def other_origin(_fault_servers: tuple[FaultServer, FaultServer]) -> FaultServer:
    server = _fault_servers[1]
    server.reset()
    return server
