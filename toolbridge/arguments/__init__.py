"""Checking the model's arguments: parse → validate → coerce → defaults → missing.

`ArgumentChecker(action)` compiles, once, one validator per `source: model` variable
from the same `Variable` fields the tool schema is built from (`schemas/neutral.py`), so
the rules the model is shown and the rules it is held to cannot drift apart. No JSON
Schema engine runs per call.

Two paths, one set of rules:
  - the *fast path*, a pydantic-core validator in strict mode, accepts arguments that
    are already clean (right types, nothing to coerce) in about a microsecond; every
    pattern, format and enum check it makes calls the same Python validators as below;
  - anything it refuses goes to the *full path*, plain Python that parses leniently,
    coerces, and writes the model-readable problem lines. A property test holds the two
    to the same answers.

The rules (SPEC §3 steps 1-3 and the coercion policy):
  - parse: a JSON string (also fenced in markdown or double-encoded), a mapping, or
    None/"" for "no arguments"; anything else is `invalid_arguments` with a fix hint;
  - validate: unknown fields (including ones the application supplies, `source:
    context`/`constant`), wrong types, pattern/enum/bound/length/format failures →
    `invalid_arguments`, one problem line per field, each starting with the field name;
  - coerce, losslessly only: "5" → 5 (integer), "2.5" → 2.5 (float), exactly
    "true"/"false" → booleans, 5.0 → 5 (integer); never "false" → True, never true → 1;
    NaN, ±Infinity and out-of-range numbers are refused; phones become E.164;
  - defaults: a null or absent optional variable takes its default, or is left out;
    a blank string counts as absent where blank could never be valid;
  - missing: absent required variables → `needs_input` listing every one of them. When
    there are invalid values too, the result is `invalid_arguments`, with the missing
    ones among the problems (and in `missing`).

`source: context`/`constant` values are not handled here; the executor fills them.
Nothing here logs, and nothing raises for a bad argument: the model is untrusted and
every outcome is a value.

Modules: `parse.py` (text → dict), `values.py` (the full path: one validator per
variable, problem lines), `fast.py` (the pydantic-core fast path), `checker.py`
(`ArgumentChecker` and the `ToolResult`s it returns).
"""

from __future__ import annotations

from .checker import ArgumentChecker, unknown_tool
from .parse import parse_arguments
from .values import value_problems

__all__ = ["ArgumentChecker", "parse_arguments", "unknown_tool", "value_problems"]
