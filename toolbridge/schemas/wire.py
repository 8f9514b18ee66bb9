"""One small function per provider: the tool dict its SDK takes in `tools=`.

Each uses exactly the fields the installed SDK's type defines (checked by the tests
against the TypedDicts): OpenAI Chat Completions `ChatCompletionFunctionToolParam` /
`FunctionDefinition`, OpenAI Responses `FunctionToolParam`, Anthropic `ToolParam`, and
MCP's `Tool`. Empty fields are left out: tokens cost money.
"""

from __future__ import annotations

from typing import Any

from ..actions.models import Action, Variable

__all__ = ["anthropic", "input_example", "mcp", "openai_chat", "openai_responses"]


def openai_chat(action: Action, parameters: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    """Chat Completions: `{"type": "function", "function": {name, description, ...}}`."""
    function: dict[str, Any] = {"name": action.name}
    if action.description:
        function["description"] = action.description
    function["parameters"] = parameters
    if strict:  # FunctionDefinition.strict; absent means non-strict
        function["strict"] = True
    return {"type": "function", "function": function}


def openai_responses(action: Action, parameters: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    """Responses API: a flat `{"type": "function", "name", ...}`; `strict` is required."""
    tool: dict[str, Any] = {"type": "function", "name": action.name}
    if action.description:
        tool["description"] = action.description
    tool["parameters"] = parameters
    tool["strict"] = strict
    return tool


def anthropic(
    action: Action,
    input_schema: dict[str, Any],
    *,
    strict: bool,
    examples: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Messages API `ToolParam`: `strict` and `input_examples` are fields of it."""
    tool: dict[str, Any] = {"name": action.name}
    if action.description:
        tool["description"] = action.description
    tool["input_schema"] = input_schema
    if strict:
        tool["strict"] = True
    if examples:
        tool["input_examples"] = examples
    return tool


def mcp(action: Action, input_schema: dict[str, Any]) -> dict[str, Any]:
    """MCP `Tool`: `{name, description, inputSchema}`."""
    tool: dict[str, Any] = {"name": action.name}
    if action.description:
        tool["description"] = action.description
    tool["inputSchema"] = input_schema
    return tool


def input_example(action: Action, *, strict: bool) -> dict[str, Any] | None:
    """One example input built from the variables' examples, or None if there is none.

    It must be a valid input: every required variable needs an example, and in strict
    form every property is present, so optional ones without an example are null.
    """
    example = _complete(action.model_variables, {}, strict=strict)
    if example is None or all(v is None for v in example.values()):
        return None
    return example


class _NoExample(Exception):
    pass


def _complete(
    variables: list[Variable], given: dict[str, Any], *, strict: bool
) -> dict[str, Any] | None:
    try:
        return _fill(variables, given, strict)
    except _NoExample:
        return None


def _fill(variables: list[Variable], given: dict[str, Any], strict: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for var in variables:
        value = given.get(var.name, var.example)
        if value is None:
            if var.required:
                raise _NoExample
            if strict:
                out[var.name] = None
            continue
        out[var.name] = _value(var, value, strict)
    return out


def _value(var: Variable, value: Any, strict: bool) -> Any:
    # Nested objects in strict form need every key too.
    if var.base_type == "object" and var.properties and isinstance(value, dict):
        return _fill(var.properties, value, strict)
    if var.base_type == "array" and var.items is not None and isinstance(value, list):
        return [_value(var.items, item, strict) for item in value]
    return value
