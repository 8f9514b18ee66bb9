"""Calls per second over a real local server: toolkit vs raw httpx2 (target ratio ≥ 0.95).

A tiny ASGI app (uvicorn, or the stdlib server when uvicorn is missing) runs in a
subprocess pinned to another core where the machine has one. Both sides use pooled
keep-alive clients and do the same work per call (GET /orders/{id} with a bearer token,
~2 KB of JSON back, parsed, four fields kept): sequentially, then with 50 concurrent asyncio tasks.
Rounds alternate raw and toolkit (which one goes first alternates too) and the best of
twelve rounds of each counts: on this shared 2-core machine single rounds vary by ±15 %,
the best round much less. The median of the twelve paired ratios is printed beside it.
Bounded: about 12 seconds per figure.

    /work/venv/bin/python bench/bench_loopback.py
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2

from toolbridge import Toolkit

TOKEN = "loopback-token-42"
ROUNDS = 12
SECONDS = 0.5
CONCURRENCY = 50

SERVER = r'''
import json, sys
port = int(sys.argv[1])
ORDER = json.dumps({
    "id": "ORD-1", "status": "shipped",
    "tracking": {"number": "TRK-998877", "eta": "2026-01-05", "carrier": "DHL"},
    "items": [{"sku": f"SKU-{i:04d}", "name": f"Widget model {i}", "qty": i, "price": 9.5 * i}
              for i in range(16)],
    "notes": "Leave at the front desk. " * 8,
}).encode()
try:
    import uvicorn
except ImportError:
    uvicorn = None

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(ORDER)).encode())]})
    await send({"type": "http.response.body", "body": ORDER})

if uvicorn is not None:
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                lifespan="off")
else:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(ORDER)))
            self.end_headers()
            self.wfile.write(ORDER)
    ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
'''


def pick(got: dict[str, Any]) -> dict[str, Any]:
    """What the action's `output.select` keeps, by hand."""
    return {"id": got["id"], "status": got["status"],
            "tracking": {"number": got["tracking"]["number"], "eta": got["tracking"]["eta"]}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    def pin() -> None:  # the server on the last core, this process on the others
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {(os.cpu_count() or 1) - 1})

    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], preexec_fn=pin)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the benchmark server did not start")


def rate(fn: Callable[[], Any]) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        fn()
        count += 1
    return count / (time.perf_counter() - start)


async def arate(fn: Callable[[], Awaitable[Any]]) -> float:
    count = 0
    stop = time.perf_counter() + SECONDS

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < stop:
            await fn()
            count += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return count / (time.perf_counter() - start)


def report(label: str, raws: list[float], ourses: list[float]) -> None:
    raw, ours = max(raws), max(ourses)
    paired = sorted(o / r for r, o in zip(raws, ourses, strict=True))
    median = (paired[len(paired) // 2] + paired[(len(paired) - 1) // 2]) / 2
    print(f"{label:22} raw httpx2 {raw:8.0f} calls/s   toolkit {ours:8.0f} calls/s   "
          f"ratio {ours / raw:5.2f}  (target ≥ 0.95; median of paired rounds {median:4.2f})")


def main() -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, set(range((os.cpu_count() or 1) - 1)))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port)
    actions = {"version": 1, "defaults": {"base_url": base}, "actions": [
        {"name": "get_order", "request": {"url": "/orders/{id}"},
         "auth": {"type": "bearer", "secret": "TOKEN"},
         "variables": [{"name": "id", "required": True}],
         "output": {"select": ["id", "status", "tracking.number", "tracking.eta"]}}]}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        toolkit = Toolkit.from_dict(actions, secrets={"TOKEN": TOKEN})
        client = httpx2.Client()

        def raw() -> Any:
            return pick(json.loads(client.get(f"{base}/orders/ORD-1", headers=headers).content))

        def ours() -> Any:
            result = toolkit.call("get_order", {"id": "ORD-1"})
            assert result.ok, result
            return result

        raw(), ours()
        raws, ourses = [], []
        for round_ in range(ROUNDS):
            if round_ % 2:
                ourses.append(rate(ours))
                raws.append(rate(raw))
            else:
                raws.append(rate(raw))
                ourses.append(rate(ours))
        report("sequential", raws, ourses)
        client.close()
        toolkit.close()

        async def concurrent() -> None:
            atoolkit = Toolkit.from_dict(actions, secrets={"TOKEN": TOKEN})
            limits = httpx2.Limits(max_connections=100, max_keepalive_connections=CONCURRENCY)
            aclient = httpx2.AsyncClient(limits=limits)

            async def araw() -> Any:
                response = await aclient.get(f"{base}/orders/ORD-1", headers=headers)
                return pick(json.loads(response.content))

            async def aours() -> Any:
                result = await atoolkit.acall("get_order", {"id": "ORD-1"})
                assert result.ok, result
                return result

            await araw()
            await aours()
            araws, aourses = [], []
            for round_ in range(ROUNDS):
                if round_ % 2:
                    aourses.append(await arate(aours))
                    araws.append(await arate(araw))
                else:
                    araws.append(await arate(araw))
                    aourses.append(await arate(aours))
            report(f"asyncio x{CONCURRENCY}", araws, aourses)
            await aclient.aclose()
            await atoolkit.executor.aclose()

        asyncio.run(concurrent())
    finally:
        server.terminate()
        server.wait(5)


if __name__ == "__main__":
    main()
