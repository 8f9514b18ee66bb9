"""How much pruning saves, and what it costs, on real API responses.

For each JSON file in ../shared/realworld/responses/ (outside the repo; skipped with a
message when absent): tokens of the raw body vs. tokens of the `for_model()` string with
the default `Output()` and with a sensible `output.select` for that API, counted with
tiktoken's o200k_base (offline copy in ../shared/tiktoken-cache). Then microseconds per
`prune()` call, next to `json.loads` of the same body as a baseline measured in this run.

    /work/venv/bin/python bench/bench_prune.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RESPONSES = SHARED / "realworld" / "responses"
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(SHARED / "tiktoken-cache"))

from toolbridge.actions.models import Output  # noqa: E402
from toolbridge.pruning import prune  # noqa: E402
from toolbridge.results import ToolResult  # noqa: E402

ISSUE = ["number", "title", "state", "user.login", "labels[].name", "comments", "created_at"]
SELECTS: dict[str, list[str]] = {
    "github-recorded-list-issues-betamaxpy-betamax.json": [f"[].{p}" for p in ISSUE],
    "github-rest-example-list-issues.json": [f"[].{p}" for p in ISSUE],
    "github-recorded-search-issues.json": ["total_count", *(f"items[].{p}" for p in ISSUE)],
    "github-recorded-list-pulls-github3py.json": [
        "[].number", "[].title", "[].state", "[].user.login", "[].head.ref", "[].base.ref",
        "[].draft", "[].created_at",
    ],
    "github-rest-example-list-pulls.json": [
        "[].number", "[].title", "[].state", "[].user.login", "[].head.ref", "[].base.ref",
    ],
    "github-recorded-user-events-public.json": [
        "[].type", "[].repo.name", "[].created_at", "[].payload.action",
    ],
    "github-rest-example-get-repository.json": [
        "full_name", "description", "language", "stargazers_count", "forks_count",
        "open_issues_count", "default_branch", "topics", "license.name", "updated_at",
    ],
    "github-rest-example-emojis.json": ["+1", "-1", "heart", "smile", "tada"],
    "stripe-fixtures3.json": [
        f"resources.{kind}.{field}" for kind in ("charge", "customer", "invoice", "subscription")
        for field in ("id", "status", "amount", "currency", "email", "total")
    ],
    "pokeapi-pokemon-25.json": [
        "id", "name", "height", "weight", "types[].type.name", "abilities[].ability.name",
        "stats[].stat.name", "stats[].base_stat",
    ],
}

TYPICAL = {
    "id": "ord_8f2k", "number": "ORD-12345", "status": "shipped",
    "created_at": "2026-01-02T10:00:00Z",
    "customer": {"id": "cus_9", "name": "Jane Doe", "email": "jane@example.com", "phone": None},
    "items": [{"sku": f"SKU-{i}", "name": f"Widget {i}", "qty": i + 1, "price": 9.99,
               "image": None, "tags": ["blue", "large"]} for i in range(12)],
    "tracking": {"carrier": "UPS", "number": "1Z999AA10123456784", "eta": "2026-01-05",
                 "url": "https://track.example.com/1Z999AA10123456784", "events": []},
    "notes": "", "metadata": {},
}
"""A typical ~2 KB order response (synthetic: the repo never copies real data)."""


def per_call_us(fn: Callable[[], Any], budget_s: float = 0.3) -> float:
    fn()
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget_s and calls >= 3:
            return elapsed / calls * 1e6


def for_model(data: Any) -> str:
    return ToolResult(action="bench", ok=True, status=200, data=data).for_model()


def survived(data: Any, width: int = 54) -> str:
    if isinstance(data, list):
        first = next((item for item in data if isinstance(item, dict)), None)
        keys = f"[{len(data)}] " + (",".join(first) if first else "scalars")
    elif isinstance(data, dict):
        keys = ",".join(data)
    else:
        keys = type(data).__name__
    return keys if len(keys) <= width else keys[: width - 1] + "…"


def main() -> int:
    try:
        import tiktoken

        encoding = tiktoken.get_encoding("o200k_base")
    except Exception as error:  # offline cache missing or tiktoken absent
        print(f"tiktoken o200k_base unavailable ({error}); set TIKTOKEN_CACHE_DIR", file=sys.stderr)
        return 1

    def tokens(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    default = Output()
    typical_raw = json.dumps(TYPICAL)
    typical = json.loads(typical_raw)
    loads_us = per_call_us(lambda: json.loads(typical_raw))
    prune_us = per_call_us(lambda: prune(typical, default))
    print(f"typical {len(typical_raw)}-byte response: prune {prune_us:.1f} µs "
          f"(json.loads of it {loads_us:.1f} µs, ratio {prune_us / loads_us:.2f})\n")

    if not RESPONSES.is_dir():
        print(f"{RESPONSES} not found: skipping the real-response table")
        return 0
    files = sorted(RESPONSES.glob("*.json"))
    header = (f"{'file':<48} {'raw tok':>8} {'min tok':>8} {'default':>7} {'select':>6} "
              f"{'ratio':>7} {'prune µs':>9} {'sel µs':>7} {'loads µs':>9}  default keeps")
    print(header)
    print("-" * len(header))
    totals = [0, 0, 0, 0]
    for path in files:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw)
        select = SELECTS.get(path.name)
        chosen = Output(select=select) if select else default
        pruned_default = prune(data, default)
        pruned_select = prune(data, chosen)
        raw_tokens = tokens(raw)
        min_tokens = tokens(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        default_tokens = tokens(for_model(pruned_default))
        select_tokens = tokens(for_model(pruned_select))
        for i, value in enumerate((raw_tokens, min_tokens, default_tokens, select_tokens)):
            totals[i] += value
        default_us = per_call_us(lambda d=data: prune(d, default), 0.2)
        select_us = per_call_us(lambda d=data, o=chosen: prune(d, o), 0.2)
        parse_us = per_call_us(lambda r=raw: json.loads(r), 0.2)
        name = path.name if len(path.name) <= 48 else path.name[:47] + "…"
        print(f"{name:<48} {raw_tokens:>8} {min_tokens:>8} {default_tokens:>7} "
              f"{select_tokens if select else '-':>6} {raw_tokens / select_tokens:>6.0f}x "
              f"{default_us:>9.0f} {select_us:>7.0f} {parse_us:>9.0f}  {survived(pruned_default)}")
    print("-" * len(header))
    print(f"{'total':<48} {totals[0]:>8} {totals[1]:>8} {totals[2]:>7} {totals[3]:>6} "
          f"{totals[0] / totals[3]:>6.0f}x")
    print("\nratio = raw tokens / selected tokens; default = Output() (max_chars 2000), "
          "tokens of the for_model() string.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
