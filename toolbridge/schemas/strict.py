"""Provider dialects: turn the neutral parameters schema into what a provider accepts.

A `Dialect` lists the keywords and string formats a provider keeps; every other keyword
is *moved into the description text* (`Example: ORD-12345.`, `Default: 10.`, `At most 64
characters.`) so the model still reads it; nothing is silently dropped. Strict dialects
also list every property in `required` and make the optional ones nullable; the
argument checker turns a null back into the declared default.

The rules, as the providers state them (late 2026):

OpenAI Structured Outputs (`strict: true`, Chat Completions and Responses), from the
"Supported schemas" section of the structured-outputs guide:
  - every object has `additionalProperties: false` and lists every property in `required`;
    optional fields are emulated with a union with null (`"type": ["string", "null"]`);
  - supported string keywords: `pattern`, `format` in date-time, time, date, duration,
    email, hostname, ipv4, ipv6, uuid (so `minLength`/`maxLength` are not);
  - supported number keywords: `multipleOf`, `maximum`, `exclusiveMaximum`, `minimum`,
    `exclusiveMinimum`; array keywords: `minItems`, `maxItems`;
  - `default` and `examples` are not in the supported subset (requests carrying a
    non-null `default` are rejected by some deployments), so they go to the description.
Anthropic strict tool use (`strict: true`): we keep exactly what the installed SDK's own
strict transform keeps (`anthropic.lib._parse._transform.transform_schema`): `type`,
`enum`, `const`, `anyOf`, `allOf`, `description`, `properties`, `required`,
`additionalProperties: false` on every object, `items`, `minItems` of 0 or 1, and
`format` in its `SupportedStringFormats`. The SDK moves everything else (numeric bounds,
string lengths, `pattern`, `default`) into the description, and so do we. Anthropic also
caps strict tools per request (20), optional parameters (24) and parameters that use
`anyOf` or type arrays (16) across all strict tools; those are request-wide limits the
schema of one action cannot enforce.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["ANTHROPIC_STRICT", "MCP", "OPENAI_STRICT", "Dialect", "convert", "plain_dialect"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STRUCTURE = _words(
    "type description enum const anyOf properties required additionalProperties items"
)

# JSON Schema 2020-12's own format names (the subset our types produce). `phone` is ours.
_STANDARD_FORMATS = _words("date date-time time duration email hostname ipv4 ipv6 uri uuid")


@dataclass(frozen=True)
class Dialect:
    """What one provider's schema form keeps, and whether it is strict."""

    name: str
    keywords: frozenset[str]
    """Keywords kept as keywords; the rest become description text."""
    formats: frozenset[str]
    """`format` values kept; other formats become description text."""
    strict: bool = False
    """Every property in `required`, optional ones nullable."""
    min_items: frozenset[int] | None = None
    """Allowed `minItems` values when limited (Anthropic: 0 or 1)."""
    portable_patterns: bool = False
    """Keep only patterns without engine-specific syntax (lookaround, named groups, ...)."""


OPENAI_STRICT = Dialect(
    name="openai",
    # OpenAI strict: string `pattern`/`format`; number `multipleOf`, `maximum`,
    # `exclusiveMaximum`, `minimum`, `exclusiveMinimum`; array `minItems`, `maxItems`.
    keywords=_STRUCTURE
    | _words("pattern format minimum maximum exclusiveMinimum exclusiveMaximum multipleOf")
    | _words("minItems maxItems"),
    # OpenAI strict formats: date-time, time, date, duration, email, hostname, ipv4, ipv6, uuid.
    formats=_words("date-time time date duration email hostname ipv4 ipv6 uuid"),
    strict=True,
    portable_patterns=True,
)

ANTHROPIC_STRICT = Dialect(
    name="anthropic",
    # Anthropic strict: what the SDK's transform_schema keeps; minItems only as 0 or 1.
    keywords=_STRUCTURE | _words("allOf format minItems"),
    # Anthropic strict formats: the SDK's SupportedStringFormats.
    formats=_words("date-time time date duration email hostname uri ipv4 ipv6 uuid"),
    strict=True,
    min_items=frozenset({0, 1}),
)

_PLAIN_KEYWORDS = _STRUCTURE | _words(
    "pattern format minimum maximum minLength maxLength minItems maxItems default"
)

MCP = Dialect(name="mcp", keywords=_PLAIN_KEYWORDS, formats=_STANDARD_FORMATS)
"""MCP `inputSchema`: plain JSON Schema, no strict mode."""


def plain_dialect(strict_dialect: Dialect) -> Dialect:
    """The non-strict form for a provider: full JSON Schema, its own formats.

    `default` stays a keyword; `examples` still moves to the description, the one place
    every provider shows the model.
    """
    return Dialect(
        name=strict_dialect.name, keywords=_PLAIN_KEYWORDS, formats=strict_dialect.formats
    )


def convert(parameters: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The parameters object (from `neutral.parameters_schema`) in `dialect`'s form."""
    return _object(parameters, dialect, root=True)


def _object(schema: dict[str, Any], dialect: Dialect, *, root: bool = False) -> dict[str, Any]:
    required = set(schema.get("required", ()))
    properties: dict[str, Any] = {}
    for name, sub in schema.get("properties", {}).items():
        converted = _property(sub, dialect)
        # Strict: every property listed in required; optional ones accept null instead.
        if dialect.strict and name not in required:
            converted = _nullable(converted)
        properties[name] = converted
    out: dict[str, Any] = {"type": "object"}
    if not root:
        out.update(_described(schema, dialect))
    out["properties"] = properties
    names = list(properties) if dialect.strict else [n for n in properties if n in required]
    if names or dialect.strict:
        out["required"] = names
    # Both strict modes: additionalProperties false on every object. Non-strict keeps it
    # too: it tells the model that the checker refuses fields not listed.
    out["additionalProperties"] = False
    return out


def _property(schema: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, dialect)
    out = _described(schema, dialect)
    if kind == "array" and "items" in schema:
        out["items"] = _property(schema["items"], dialect)
    return out


def _described(schema: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """Keep the keywords the dialect knows; render the others into the description."""
    kept: dict[str, Any] = {}
    moved: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "required", "additionalProperties", "items"):
            continue  # structure, handled by the callers
        if _keeps(dialect, key, value):
            kept[key] = value
        elif key != "description":
            moved[key] = value
    out: dict[str, Any] = {"type": kept.pop("type")} if "type" in kept else {}
    text = _join(kept.pop("description", ""), _notes(moved))
    if text:
        out["description"] = text
    out.update(kept)
    return out


def _keeps(dialect: Dialect, key: str, value: Any) -> bool:
    if key == "description":
        return True
    if key not in dialect.keywords:
        return False
    if key == "format":
        return value in dialect.formats
    if key == "minItems" and dialect.min_items is not None:
        return value in dialect.min_items
    if key == "pattern" and dialect.portable_patterns:
        return _portable(value)
    return True


# Python-only or engine-specific regex syntax (named groups `(?P<`, lookaround, inline
# flags, backreferences, `\A`/`\Z`/`\b`): such a pattern is shown to the model as text
# and enforced by the checker, rather than risking a provider rejecting the whole request.
_NON_PORTABLE = re.compile(r"\(\?[^:]|\\[1-9AZbBz]")


def _portable(pattern: str) -> bool:
    return _NON_PORTABLE.search(pattern) is None


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Optional in strict form: the same schema, also accepting null."""
    kind = schema.get("type")
    if isinstance(kind, str) and kind not in ("object", "array"):
        out = dict(schema)
        out["type"] = [kind, "null"]
        if "enum" in out and None not in out["enum"]:
            # An enum restricts values on its own, so null must be one of them.
            out["enum"] = [*out["enum"], None]
        return out
    # Objects and arrays: a union with null, the form OpenAI documents for optional
    # nested structures; the description stays on the outside.
    inner = {k: v for k, v in schema.items() if k != "description"}
    out = {"anyOf": [inner, {"type": "null"}]}
    if "description" in schema:
        out = {"description": schema["description"], **out}
    return out


_ABSENT = object()

_FORMAT_NOTES = {
    "date": "Date as YYYY-MM-DD.",
    "date-time": "ISO 8601 date-time with UTC offset, e.g. 2026-01-05T14:30:00+01:00.",
    "email": "Email address.",
    "phone": "Phone number in international format, e.g. +14155550123.",
}


def _notes(moved: dict[str, Any]) -> list[str]:
    """Readable sentences for keywords the dialect does not keep, in a stable order."""
    notes: list[str] = []
    if "format" in moved:
        fmt = moved.pop("format")
        notes.append(_FORMAT_NOTES.get(fmt, f"Format: {fmt}."))
    if "pattern" in moved:
        notes.append(f"Must match the pattern {moved.pop('pattern')}.")
    notes.extend(_range(moved, "minimum", "maximum", ""))
    notes.extend(_range(moved, "minLength", "maxLength", " characters"))
    notes.extend(_range(moved, "minItems", "maxItems", " items"))
    examples = moved.pop("examples", None)
    default = moved.pop("default", _ABSENT)
    for key, value in moved.items():  # anything else a future neutral schema adds
        notes.append(f"{key}: {_show(value)}.")
    if examples:
        label = "Example" if len(examples) == 1 else "Examples"
        notes.append(_sentence(f"{label}: {', '.join(_show(e) for e in examples)}"))
    if default is not _ABSENT:
        notes.append(_sentence(f"Default: {_show(default)}"))
    return notes


def _range(moved: dict[str, Any], low_key: str, high_key: str, unit: str) -> list[str]:
    low, high = moved.pop(low_key, None), moved.pop(high_key, None)
    if low is not None and high is not None:
        return [f"Exactly {low}{unit}." if low == high else f"Between {low} and {high}{unit}."]
    if low is not None:
        return [f"At least {low}{unit}."]
    if high is not None:
        return [f"At most {high}{unit}."]
    return []


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _sentence(text: str) -> str:
    """End with one full stop, not two, when a shown value already ends a sentence."""
    return text if text[-1:] in (".", "!", "?") else text + "."


def _join(description: str, notes: list[str]) -> str:
    text = description.strip()
    if notes:
        if text and text[-1] not in ".!?":
            text += "."
        text = " ".join([text, *notes]) if text else " ".join(notes)
    return text
