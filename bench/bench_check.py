"""Microseconds per `toolkit.check()` on a valid 3-variable call, against jsonschema.

The baseline is what a library without compiled checks does per call: validate the
arguments against the tool's JSON Schema with `jsonschema.Draft202012Validator` (built
once, outside the loop: the fair version) and `jsonschema.validate()` (the common
version, which also re-checks the schema every call). Both run on the same neutral
schema the tool is generated from. Best of several repeats; ratios are in this run.

    /work/venv/bin/python bench/bench_check.py
"""

from __future__ import annotations

import json
import timeit
from collections.abc import Callable
from typing import Any

import jsonschema

from toolbridge import Action, Toolkit, Variable
from toolbridge.schemas import parameters_schema

ACTION = Action(
    name="lookup_order_status",
    description="Look up the current status and tracking number of an order.",
    base_url="http://127.0.0.1:9",
    request={"url": "/orders/{order_number}"},
    variables=[
        Variable(name="order_number", required=True, pattern="^ORD-[0-9]+$",
                 description="The order number", example="ORD-12345"),
        Variable(name="limit", type="integer", minimum=1, maximum=50, default=10,
                 description="How many events"),
        Variable(name="carrier", enum=["ups", "dhl"], description="Only this carrier"),
    ],
)  # fmt: skip
ARGS: dict[str, Any] = {"order_number": "ORD-12345", "limit": 5, "carrier": "dhl"}
TEXT = json.dumps(ARGS)
STRICT_NULLS = json.dumps({"order_number": "ORD-12345", "limit": None, "carrier": None})
COERCED = json.dumps({"order_number": "ORD-12345", "limit": "5", "carrier": "dhl"})


def per_call_us(fn: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def main() -> None:
    toolkit = Toolkit([ACTION])
    schema = parameters_schema(ACTION)
    validator = jsonschema.Draft202012Validator(schema)
    name = ACTION.name
    assert toolkit.check(name, ARGS).ok and toolkit.check(name, COERCED).ok
    validator.validate(ARGS)

    rows = [
        ("toolkit.check(dict)", per_call_us(lambda: toolkit.check(name, ARGS), 100_000)),
        ("toolkit.check(json text)", per_call_us(lambda: toolkit.check(name, TEXT), 100_000)),
        ("toolkit.check(text, strict nulls)",
         per_call_us(lambda: toolkit.check(name, STRICT_NULLS), 100_000)),
        ("toolkit.check(text, '5' -> 5, full path)",
         per_call_us(lambda: toolkit.check(name, COERCED), 50_000)),
        ("jsonschema Draft202012Validator.validate(dict)",
         per_call_us(lambda: validator.validate(ARGS), 5_000)),
        ("json.loads + Draft202012Validator.validate",
         per_call_us(lambda: validator.validate(json.loads(TEXT)), 5_000)),
        ("jsonschema.validate(dict, schema)",
         per_call_us(lambda: jsonschema.validate(ARGS, schema), 500)),
    ]  # fmt: skip
    baseline = rows[4][1]
    print(f"{'per call':<48}{'µs':>9}{'vs validator':>14}")
    for label, micros in rows:
        print(f"{label:<48}{micros:>9.2f}{baseline / micros:>13.3g}x")


if __name__ == "__main__":
    main()
