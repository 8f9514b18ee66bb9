"""How long `import toolbridge` takes, next to a bare interpreter and `import httpx2`.

Each figure is the median wall time of N fresh interpreters (`python -c ...`, the cases
run round-robin), so it includes interpreter start-up; the differences are what the
import adds. `httpx2` is the floor: toolbridge cannot import faster than the HTTP
client it is built on.

    /work/venv/bin/python bench/bench_import.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CASES = [
    ("bare interpreter", "pass"),
    ("import httpx2", "import httpx2"),
    ("import toolbridge", "import toolbridge"),
    ("import toolbridge + Toolkit.tools()", (
        "import toolbridge as t; t.Toolkit([t.Action(name='a', description='Look up one "
        "order by number.', base_url='http://127.0.0.1:9', request={'url': '/x'})]).tools()"
    )),
]  # fmt: skip


def wall_ms(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    # Round-robin over the cases, so a busy moment on the machine hits all of them alike.
    times: list[list[float]] = [[] for _ in CASES]
    for _ in range(runs):
        for index, (_, code) in enumerate(CASES):
            times[index].append(wall_ms(code))
    results = [(label, statistics.median(t)) for (label, _), t in zip(CASES, times, strict=True)]
    bare = results[0][1]
    httpx2 = results[1][1]
    print(f"median of {runs} runs{'':<22}{'ms':>8}{'+ over bare':>13}{'vs httpx2':>11}")
    for label, ms in results:
        over = ms - bare
        ratio = over / (httpx2 - bare) if httpx2 > bare else float("nan")
        print(f"{label:<44}{ms:>8.1f}{over:>13.1f}{ratio:>10.2f}x")


if __name__ == "__main__":
    main()
