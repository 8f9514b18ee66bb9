"""The providers' strict-mode schema rules, written down from their documentation.

Checkers return a list of violations (empty = accepted). They are deliberately written
from the providers' own statements, not from our implementation:

OpenAI Structured Outputs, "Supported schemas": types string, number, boolean, integer,
object, array, enum, anyOf; the root is an object, not anyOf; every object sets
`additionalProperties: false` and lists every property in `required`; optional values
are unions with null; string keywords `pattern` and `format` (date-time, time, date,
duration, email, hostname, ipv4, ipv6, uuid); number keywords `multipleOf`, `maximum`,
`exclusiveMaximum`, `minimum`, `exclusiveMinimum`; array keywords `minItems`,
`maxItems`; at most 5000 object properties and 10 levels of nesting (we hold ourselves
to the older, tighter 100 and 5). Nothing else, so no `default`, `examples`,
`minLength`, `title`.

Anthropic strict tool use: the installed SDK's strict transform
(`anthropic.lib._parse._transform.transform_schema`) keeps `type`, `enum`, `const`,
`anyOf`, `allOf`, `description`, `title`, `properties`, `required`,
`additionalProperties` (always false), `items`, `minItems` of 0 or 1, and `format` in
`SupportedStringFormats`; it moves every other keyword into the description.
"""

from __future__ import annotations

from typing import Any

JSON_TYPES = {"string", "number", "integer", "boolean", "object", "array", "null"}

OPENAI_KEYWORDS = {
    "type", "description", "enum", "const", "anyOf", "properties", "required",
    "additionalProperties", "items", "pattern", "format", "multipleOf", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "minItems", "maxItems", "$ref", "$defs",
}  # fmt: skip
OPENAI_FORMATS = {
    "date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid",
}  # fmt: skip

ANTHROPIC_KEYWORDS = {
    "type", "description", "title", "enum", "const", "anyOf", "allOf", "properties",
    "required", "additionalProperties", "items", "minItems", "format", "$ref", "$defs",
}  # fmt: skip


def openai_strict_violations(schema: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if schema.get("type") != "object" or "anyOf" in schema:
        out.append("$: the root must be an object, not anyOf")
    count = [0]
    _walk(schema, "$", 0, out, count, _openai_node)
    if count[0] > 100:
        out.append(f"$: {count[0]} object properties (at most 100)")
    return out


def anthropic_strict_violations(schema: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if schema.get("type") != "object":
        out.append("$: input_schema must be an object")
    _walk(schema, "$", 0, out, [0], _anthropic_node)
    return out


def _openai_node(node: dict[str, Any], path: str, depth: int, out: list[str]) -> None:
    extra = set(node) - OPENAI_KEYWORDS
    if extra:
        out.append(f"{path}: keywords not supported in strict mode: {sorted(extra)}")
    if depth > 5:
        out.append(f"{path}: nested deeper than 5 levels")
    if _types(node) & {"object"}:
        props = node.get("properties")
        if not isinstance(props, dict):
            out.append(f"{path}: object without properties")
        elif set(node.get("required", [])) != set(props) or len(node["required"]) != len(props):
            out.append(f"{path}: required must list every property")
        if node.get("additionalProperties") is not False:
            out.append(f"{path}: additionalProperties must be false")
    if "format" in node and node["format"] not in OPENAI_FORMATS:
        out.append(f"{path}: format {node['format']!r} not supported")
    _enum_rules(node, path, out)


def _anthropic_node(node: dict[str, Any], path: str, depth: int, out: list[str]) -> None:
    from anthropic.lib._parse._transform import SupportedStringFormats

    extra = set(node) - ANTHROPIC_KEYWORDS
    if extra:
        out.append(f"{path}: keywords not supported in strict mode: {sorted(extra)}")
    if _types(node) & {"object"}:
        if not isinstance(node.get("properties"), dict):
            out.append(f"{path}: object without properties")
        elif not set(node.get("required", [])) <= set(node["properties"]):
            out.append(f"{path}: required names a property that does not exist")
        if node.get("additionalProperties") is not False:
            out.append(f"{path}: additionalProperties must be false")
    if "format" in node and node["format"] not in SupportedStringFormats:
        out.append(f"{path}: format {node['format']!r} not supported")
    if "minItems" in node and node["minItems"] not in (0, 1):
        out.append(f"{path}: minItems must be 0 or 1")
    _enum_rules(node, path, out)


def _enum_rules(node: dict[str, Any], path: str, out: list[str]) -> None:
    if "enum" not in node:
        return
    values = node["enum"]
    if not values or not all(v is None or isinstance(v, (str, int, float, bool)) for v in values):
        out.append(f"{path}: enum members must be primitives")
    if "null" in _types(node) and None not in values:
        out.append(f"{path}: a nullable enum must list null")


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("type")
    return {kind} if isinstance(kind, str) else set(kind or [])


def _walk(node: Any, path: str, depth: int, out: list[str], count: list[int], rule: Any) -> None:
    if not isinstance(node, dict):
        out.append(f"{path}: a schema must be an object")
        return
    kinds = _types(node)
    if not kinds and "anyOf" not in node and "enum" not in node:
        out.append(f"{path}: no type")
    if kinds - JSON_TYPES:
        out.append(f"{path}: unknown types {sorted(kinds - JSON_TYPES)}")
    rule(node, path, depth, out)
    for key, sub in (node.get("properties") or {}).items():
        count[0] += 1
        _walk(sub, f"{path}.{key}", depth + 1, out, count, rule)
    if "items" in node:
        _walk(node["items"], f"{path}[]", depth, out, count, rule)
    for index, branch in enumerate(node.get("anyOf", [])):
        _walk(branch, f"{path}|{index}", depth, out, count, rule)


def schema_keys(node: Any) -> set[str]:
    """Every keyword used anywhere in a schema (property names excluded)."""
    keys: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            keys.add(key)
            if key == "properties":
                for sub in value.values():
                    keys |= schema_keys(sub)
            elif key in ("items",):
                keys |= schema_keys(value)
            elif key == "anyOf":
                for sub in value:
                    keys |= schema_keys(sub)
    return keys
