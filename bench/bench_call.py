"""Framework cost: µs that `toolkit.call`/`acall` add over raw httpx2 doing the same work.

Two calls, both over `httpx2.MockTransport` answering instantly (so only client-side work
is measured): GET /orders/{id} with a bearer token and a ~2 KB JSON answer pruned by an
`output` block, and POST /orders with a 3-field JSON body. The raw baseline does the same
work by hand on the same client: build the URL (percent-encoding the id), the headers,
`json.dumps` the body, send, `json.loads` the answer and pick the same fields. Best of
several repeats; the target is ≤ 20 µs added per call.

Two gains count in the figures, and the last two lines print each alone, so a figure can
also be read as framework work alone (added + the gains):
- toolbridge parses an answer with pydantic-core's JSON parser, about twice as fast as
  `json.loads` on the GET's 1.4 KB (GET only);
- it hands httpx2 the URL already parsed (`execution.targets`): it wrote the path and
  query itself, in the form httpx2 normalises to, so httpx2 need not parse the string
  (every call; the raw baseline passes a string, as code using httpx2 does).

    /work/venv/bin/python bench/bench_call.py [--profile]
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import quote

import httpx2

from toolbridge import Toolkit
from toolbridge.execution.targets import target
from toolbridge.pruning.response import loads

TOKEN = "bench-token-0123456789"
BASE = "https://api.example.com"
ORDER = {
    "id": "ORD-12345", "status": "shipped",
    "tracking": {"number": "TRK-998877", "eta": "2026-01-05", "carrier": "DHL"},
    "customer": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+441234567"},
    "items": [{"sku": f"SKU-{i:04d}", "name": f"Widget model {i}", "qty": i, "price": 9.5 * i}
              for i in range(14)],
    "notes": "Leave at the front desk. " * 8,
}
ORDER_BYTES = json.dumps(ORDER).encode()
CREATED_BYTES = json.dumps({"id": "T-1", "state": "open"}).encode()
ACTIONS = {
    "version": 1,
    "defaults": {"base_url": BASE},
    "actions": [
        {"name": "get_order", "request": {"method": "GET", "url": "/orders/{order_id}"},
         "auth": {"type": "bearer", "secret": "TOKEN"},
         "variables": [{"name": "order_id", "required": True}],
         "output": {"select": ["id", "status", "tracking.number", "tracking.eta"]}},
        {"name": "create_order", "request": {
            "method": "POST", "url": "/orders",
            "body": {"sku": "{{sku}}", "qty": "{{qty}}", "note": "{{note}}"}},
         "auth": {"type": "bearer", "secret": "TOKEN"},
         "variables": [{"name": "sku", "required": True},
                       {"name": "qty", "type": "integer", "required": True},
                       {"name": "note"}]},
    ],
}
GET_ARGS = {"order_id": "ORD-12345"}
POST_ARGS = {"sku": "SKU-1", "qty": 3, "note": "gift"}
JSON_HEADERS = {"content-type": "application/json"}


def handler(request: httpx2.Request) -> httpx2.Response:
    body = ORDER_BYTES if request.method == "GET" else CREATED_BYTES
    return httpx2.Response(200, content=body, headers=JSON_HEADERS)


def raw_get(client: httpx2.Client) -> Any:
    url = f"{BASE}/orders/{quote(GET_ARGS['order_id'], safe='')}"
    got = json.loads(client.get(url, headers={"Authorization": f"Bearer {TOKEN}"}).content)
    return {"id": got["id"], "status": got["status"],
            "tracking": {"number": got["tracking"]["number"], "eta": got["tracking"]["eta"]}}


def raw_post(client: httpx2.Client) -> Any:
    body = json.dumps(POST_ARGS).encode()
    made = client.post(f"{BASE}/orders", content=body, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    return json.loads(made.content)


async def araw_get(client: httpx2.AsyncClient) -> Any:
    url = f"{BASE}/orders/{quote(GET_ARGS['order_id'], safe='')}"
    response = await client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    got = json.loads(response.content)
    return {"id": got["id"], "status": got["status"],
            "tracking": {"number": got["tracking"]["number"], "eta": got["tracking"]["eta"]}}


async def araw_post(client: httpx2.AsyncClient) -> Any:
    body = json.dumps(POST_ARGS).encode()
    made = await client.post(f"{BASE}/orders", content=body, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    return json.loads(made.content)


def ours_get(toolkit: Toolkit) -> Any:
    result = toolkit.call("get_order", GET_ARGS)
    assert result.ok, result
    return result


def ours_post(toolkit: Toolkit) -> Any:
    result = toolkit.call("create_order", POST_ARGS)
    assert result.ok, result
    return result


async def aours_get(toolkit: Toolkit) -> Any:
    result = await toolkit.acall("get_order", GET_ARGS)
    assert result.ok, result
    return result


async def aours_post(toolkit: Toolkit) -> Any:
    result = await toolkit.acall("create_order", POST_ARGS)
    assert result.ok, result
    return result


def _rate(fn: Callable[[], Any], seconds: float) -> float:
    count, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        for _ in range(20):
            fn()
        count += 20
    return elapsed / count * 1e6


async def _arate(fn: Callable[[], Awaitable[Any]], seconds: float) -> float:
    count, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        for _ in range(20):
            await fn()
        count += 20
    return elapsed / count * 1e6


ROUNDS = 12
"""Raw and ours alternate in short rounds and the best round of each counts: on a busy
machine the minimum is the figure least disturbed by other work. CPU time of this process
(`time.process_time`), not wall time: waiting for the CPU is not our cost."""


def compare(raw: Callable[[], Any], ours: Callable[[], Any]) -> tuple[float, float]:
    """Best µs per call of `raw` and `ours`, interleaved."""
    raw(), ours()
    best_raw = best_ours = float("inf")
    for _ in range(ROUNDS):
        best_raw = min(best_raw, _rate(raw, 0.15))
        best_ours = min(best_ours, _rate(ours, 0.15))
    return best_raw, best_ours


async def acompare(raw: Callable[[], Awaitable[Any]],
                   ours: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    await raw()
    await ours()
    best_raw = best_ours = float("inf")
    for _ in range(ROUNDS):
        best_raw = min(best_raw, await _arate(raw, 0.15))
        best_ours = min(best_ours, await _arate(ours, 0.15))
    return best_raw, best_ours


def report(label: str, raw: float, ours: float) -> None:
    print(f"{label:6} raw httpx2 {raw:7.1f} µs/call   toolkit {ours:7.1f} µs/call   "
          f"added {ours - raw:6.1f} µs  (target ≤ 20)")


def main() -> None:
    client = httpx2.Client(transport=httpx2.MockTransport(handler))
    toolkit = Toolkit.from_dict(ACTIONS, secrets={"TOKEN": TOKEN}, client=client)
    if "--profile" in sys.argv:
        profile(lambda: (ours_get(toolkit), ours_post(toolkit)))
        return
    report("GET", *compare(partial(raw_get, client), partial(ours_get, toolkit)))
    report("POST", *compare(partial(raw_post, client), partial(ours_post, toolkit)))

    async def run_async() -> None:
        aclient = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
        atoolkit = Toolkit.from_dict(ACTIONS, secrets={"TOKEN": TOKEN}, async_client=aclient)
        report("aGET", *await acompare(partial(araw_get, aclient), partial(aours_get, atoolkit)))
        report("aPOST", *await acompare(partial(araw_post, aclient),
                                        partial(aours_post, atoolkit)))
        await aclient.aclose()

    asyncio.run(run_async())
    client.close()
    stdlib, ours = compare(partial(json.loads, ORDER_BYTES), partial(loads, ORDER_BYTES))
    print(f"parse  json.loads    {stdlib:7.1f} µs/call   toolbridge {ours:7.1f} µs/call   "
          f"GET's figure includes {ours - stdlib:+.1f} µs of this")
    url = f"{BASE}/orders/{quote('ORD-12345', safe='')}"
    plain = httpx2.Client()
    given, made = compare(partial(plain.build_request, "GET", url),
                          lambda: plain.build_request("GET", target(url)))
    print(f"url    httpx2 parses {given:7.1f} µs/call   toolbridge {made:7.1f} µs/call   "
          f"every figure includes {made - given:+.1f} µs of this")
    plain.close()


def profile(fn: Callable[[], Any]) -> None:
    """Where the time goes in our path (cumulative, toolbridge frames first)."""
    for _ in range(200):
        fn()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3000):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("tottime")
    stats.print_stats(25)


if __name__ == "__main__":
    main()
