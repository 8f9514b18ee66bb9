"""Calls per second over a real local server: toolkit vs raw httpx2 (target ratio ≥ 0.95).

A tiny ASGI app (uvicorn, or the stdlib server when uvicorn is missing) runs in a
subprocess pinned to another core where the machine has one. Both sides use pooled
keep-alive clients and do the same work per call (GET /orders/{id} with a bearer token,
~2 KB of JSON back, parsed, four fields kept): sequentially, then with 50 concurrent asyncio tasks.
On this shared 2-core machine the rate of a round moves by ±15 % from one round to the
next, far more than the few per cent being measured. So short rounds of raw and toolkit
calls alternate (which one goes first alternates too), and the ratio is the median of
the paired rounds' ratios; the best round of each side and their ratio are printed
beside it. Sequential calls are then also measured alternating one by one, each timed
on its own: every call then starts with caches the other side's call has filled (as a
tool call does after the model's turn), which costs the side touching more code.

Each line also gives this process's CPU time per call (`time.process_time`, the server's
work excluded): time taken from this process by other tenants does not count in it, so
it moves far less. The CPU ratio is a floor for the calls/s ratio: the call also waits
for the server and the network, the same for both sides.

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
ROUNDS = 30
SECONDS = 0.2
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


def rate(fn: Callable[[], Any], cpu: list[float]) -> float:
    """Calls/s of `fn` called in a loop; its CPU µs per call is appended to `cpu`."""
    count, used, start = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        fn()
        count += 1
    cpu.append((time.process_time() - used) / count * 1e6)
    return count / (time.perf_counter() - start)


def interleaved(raw: Callable[[], Any], ours: Callable[[], Any]) -> list[float]:
    """[calls/s raw, calls/s ours, CPU µs per call raw, CPU µs per call ours], the two
    called in turn and each call timed on its own."""
    clock, cpu = time.perf_counter, time.process_time
    spent = {raw: [0.0, 0.0], ours: [0.0, 0.0]}  # wall, CPU
    count = 0
    stop = clock() + ROUNDS * SECONDS / 2
    while clock() < stop:
        for fn in (raw, ours, ours, raw):  # each goes first half the time
            wall, used = clock(), cpu()
            fn()
            spent[fn][0] += clock() - wall
            spent[fn][1] += cpu() - used
        count += 2
    return [count / spent[raw][0], count / spent[ours][0],
            spent[raw][1] / count * 1e6, spent[ours][1] / count * 1e6]


async def arate(fn: Callable[[], Awaitable[Any]], cpu: list[float]) -> float:
    """Calls/s of `fn` in CONCURRENCY tasks; its CPU µs per call is appended to `cpu`."""
    count = 0
    used = time.process_time()
    stop = time.perf_counter() + SECONDS

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < stop:
            await fn()
            count += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    rate = count / (time.perf_counter() - start)
    cpu.append((time.process_time() - used) / count * 1e6)
    return rate


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return (ordered[len(ordered) // 2] + ordered[(len(ordered) - 1) // 2]) / 2


def report(label: str, raws: list[float], ourses: list[float], cpu_raw: list[float],
           cpu_ours: list[float]) -> None:
    """The median of the paired rounds' ratios; the best round of each beside it."""
    ratio = median([o / r for r, o in zip(raws, ourses, strict=True)])
    raw, ours = max(raws), max(ourses)
    print(f"{label:22} raw httpx2 {raw:8.0f} calls/s   toolkit {ours:8.0f} calls/s   "
          f"ratio {ratio:5.2f}  (target ≥ 0.95; best rounds' ratio {ours / raw:4.2f})")
    cpu_line(median(cpu_raw), median(cpu_ours))


def cpu_line(raw: float, ours: float) -> None:
    print(f"{'':22} client CPU per call: raw {raw:6.1f} µs   toolkit {ours:6.1f} µs   "
          f"ratio {raw / ours:5.2f} (a floor for the calls/s ratio)")


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
        raws: list[float] = []
        ourses: list[float] = []
        cpu_raw: list[float] = []
        cpu_ours: list[float] = []
        for round_ in range(ROUNDS):
            if round_ % 2:
                ourses.append(rate(ours, cpu_ours))
                raws.append(rate(raw, cpu_raw))
            else:
                raws.append(rate(raw, cpu_raw))
                ourses.append(rate(ours, cpu_ours))
        report("sequential", raws, ourses, cpu_raw, cpu_ours)
        raw_rate, ours_rate, raw_cpu, ours_cpu = interleaved(raw, ours)
        print(f"{'  calls alternated':22} raw httpx2 {raw_rate:8.0f} calls/s   toolkit "
              f"{ours_rate:8.0f} calls/s   ratio {ours_rate / raw_rate:5.2f}  (each call cold)")
        cpu_line(raw_cpu, ours_cpu)
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
            araws: list[float] = []
            aourses: list[float] = []
            cpu_raw: list[float] = []
            cpu_ours: list[float] = []
            for round_ in range(ROUNDS):
                if round_ % 2:
                    aourses.append(await arate(aours, cpu_ours))
                    araws.append(await arate(araw, cpu_raw))
                else:
                    araws.append(await arate(araw, cpu_raw))
                    aourses.append(await arate(aours, cpu_ours))
            report(f"asyncio x{CONCURRENCY}", araws, aourses, cpu_raw, cpu_ours)
            await aclient.aclose()
            await atoolkit.executor.aclose()

        asyncio.run(concurrent())
    finally:
        server.terminate()
        server.wait(5)


if __name__ == "__main__":
    main()
