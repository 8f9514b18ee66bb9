"""Parsing: the model's argument text (or a mapping) → a dict, or why it is not one.

Lenient where a model is predictably sloppy (markdown fences, double-encoded JSON, an
empty string for "no arguments"), strict where it matters: NaN and ±Infinity are not
JSON numbers and are refused, and oversized text is not parsed at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_TEXT", "parse_arguments"]

MAX_TEXT = 1_000_000
"""Characters of argument text we are willing to parse."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows; send a finite number or null")


# One decoder built once (`json.loads(s, parse_constant=...)` builds one per call).
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)\s*```", re.S)


def parse_arguments(raw: object) -> dict[Any, Any] | str:
    """The arguments as a dict, or a problem sentence saying why they are not one."""
    if type(raw) is dict:
        return raw
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "the arguments are not UTF-8 text"
    if not isinstance(raw, str):
        return f"the arguments must be a JSON object, got {_kind(raw)}"
    return _parse_text(raw, budget=3)


def _parse_text(text: str, *, budget: int) -> dict[Any, Any] | str:
    text = text.strip()
    if not text:
        return {}
    if len(text) > MAX_TEXT:
        return f"the arguments are too large ({len(text)} characters)"
    try:
        value = _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        fenced = _FENCE.fullmatch(text)
        if fenced is not None and budget > 0:  # ```json {...}``` from a chatty model
            return _parse_text(fenced.group(1), budget=budget - 1)
        if isinstance(exc, json.JSONDecodeError):
            return f"the arguments are not valid JSON: {exc.msg} at character {exc.pos}"
        reason = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        return f"the arguments are not valid JSON: {reason}"
    if isinstance(value, str) and budget > 0:  # double-encoded: "{\"a\": 1}"
        inner = _parse_text(value, budget=budget - 1)
        if isinstance(inner, dict):
            return inner
        return "the arguments must be a JSON object, got a string"
    if value is None:
        return {}
    if not isinstance(value, dict):
        return f"the arguments must be a JSON object with named fields, got {_kind(value)}"
    return value


def _kind(value: object) -> str:
    for kind, label in (
        (bool, "a boolean"),
        ((int, float), "a number"),
        (str, "a string"),
        ((list, tuple), "a list"),
    ):
        if isinstance(value, kind):
            return label
    return f"a {type(value).__name__}"
