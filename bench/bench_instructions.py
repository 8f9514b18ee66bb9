"""Framework cost in CPU instructions: what `toolkit.call`/`acall` add over raw httpx2.

The same four pairs as `bench_call.py` (GET with a path parameter + bearer and a pruned
~2 KB answer; POST with a 3-field JSON body; sync and async; MockTransport), counted by
valgrind instead of timed. Instruction counts do not move with the machine's load, so
this is the figure to judge a change by on a busy or shared machine; `bench_call.py`
gives the time it stands for. Each case runs in its own process twice (200 and 2,200
calls after a warm-up) and the difference / 2,000 is the count per call, so start-up and
import costs cancel out.

    /work/venv/bin/python bench/bench_instructions.py        # needs valgrind on PATH
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = ("raw_get", "ours_get", "raw_post", "ours_post",
         "araw_get", "aours_get", "araw_post", "aours_post")
SHORT, LONG = 200, 2200


def child(case: str, count: int) -> None:
    """Run one case `count` times after a warm-up (inside valgrind)."""
    sys.path.insert(0, str(HERE))
    import httpx2
    from bench_call import (
        ACTIONS,
        TOKEN,
        aours_get,
        aours_post,
        araw_get,
        araw_post,
        handler,
        ours_get,
        ours_post,
        raw_get,
        raw_post,
    )

    from toolbridge import Toolkit

    if not case.startswith("a"):
        client = httpx2.Client(transport=httpx2.MockTransport(handler))
        toolkit = Toolkit.from_dict(ACTIONS, secrets={"TOKEN": TOKEN}, client=client)
        run = {"raw_get": lambda: raw_get(client), "raw_post": lambda: raw_post(client),
               "ours_get": lambda: ours_get(toolkit), "ours_post": lambda: ours_post(toolkit)}
        fn = run[case]
        for _ in range(300 + count):
            fn()
        return

    async def main() -> None:
        aclient = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
        atoolkit = Toolkit.from_dict(ACTIONS, secrets={"TOKEN": TOKEN}, async_client=aclient)
        run = {"araw_get": lambda: araw_get(aclient), "araw_post": lambda: araw_post(aclient),
               "aours_get": lambda: aours_get(atoolkit),
               "aours_post": lambda: aours_post(atoolkit)}
        fn = run[case]
        for _ in range(300 + count):
            await fn()

    asyncio.run(main())


def instructions(case: str, count: int) -> int:
    """Instructions valgrind counted for a whole child run."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict layouts in every run
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, __file__, "--child", case, str(count)],
        capture_output=True, text=True, env=env, check=False, timeout=900,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{case}: valgrind run failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_call(case: str) -> float:
    return (instructions(case, LONG) - instructions(case, SHORT)) / (LONG - SHORT)


def main() -> None:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing measured (bench_call.py times the same calls)")
        return
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = dict(zip(CASES, pool.map(per_call, CASES), strict=True))
    print("instructions per call (valgrind), toolkit vs raw httpx2 doing the same work")
    for label, raw, ours in (("GET", "raw_get", "ours_get"), ("POST", "raw_post", "ours_post"),
                             ("aGET", "araw_get", "aours_get"),
                             ("aPOST", "araw_post", "aours_post")):
        added = counts[ours] - counts[raw]
        print(f"{label:6} raw httpx2 {counts[raw]:9,.0f}   toolkit {counts[ours]:9,.0f}   "
              f"added {added:8,.0f}  ({added / counts[raw]:+.0%})")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
