"""The neutral JSON Schema of a variable and of an action's parameters.

This is the one place a `Variable` becomes JSON Schema. Provider forms (`strict.py`,
`wire.py`) are transformations of what is built here, and the argument checker
(`arguments.py`) enforces the same rules from the same `Variable` fields, so the schema
the model sees and the checks its arguments meet cannot drift apart.

The neutral form is plain JSON Schema 2020-12 and keeps everything: `format`, `enum`,
`pattern`, bounds, `default` and `examples`. Phone numbers carry `format: "phone"`, which
JSON Schema treats as an annotation; the provider forms turn it into description text.
"""

from __future__ import annotations

from typing import Any

from ..actions.models import Action, Variable

__all__ = ["parameters_schema", "variable_schema"]

# Variable type → JSON Schema type and format.
_TYPES: dict[str, tuple[str, str | None]] = {
    "string": ("string", None),
    "integer": ("integer", None),
    "float": ("number", None),
    "boolean": ("boolean", None),
    "date": ("string", "date"),
    "datetime": ("string", "date-time"),
    "email": ("string", "email"),
    "phone": ("string", "phone"),
    "array": ("array", None),
    "object": ("object", None),
}


def variable_schema(var: Variable) -> dict[str, Any]:
    """The JSON Schema of one variable (its `required` flag lives on the parent)."""
    json_type, fmt = _TYPES[var.base_type]
    schema: dict[str, Any] = {"type": json_type}
    if var.description:
        schema["description"] = var.description
    if fmt is not None:
        schema["format"] = fmt
    if var.enum is not None:
        schema["enum"] = list(var.enum)
    if var.pattern is not None:
        schema["pattern"] = var.pattern
    if json_type in ("integer", "number"):
        if var.minimum is not None:
            schema["minimum"] = _number(var.minimum)
        if var.maximum is not None:
            schema["maximum"] = _number(var.maximum)
    if json_type == "array":
        if var.items is not None:
            schema["items"] = variable_schema(var.items)
        _lengths(schema, var, "minItems", "maxItems")
    elif json_type == "object":
        schema.update(_object_schema(var.properties or []))
    else:
        _lengths(schema, var, "minLength", "maxLength")
    if var.default is not None:
        schema["default"] = var.default
    if var.example is not None:
        schema["examples"] = [var.example]
    return schema


def parameters_schema(action: Action) -> dict[str, Any]:
    """The schema of the arguments object: only `source: model` variables appear."""
    return _object_schema(action.model_variables)


def _object_schema(variables: list[Variable]) -> dict[str, Any]:
    # additionalProperties: false mirrors the checker, which refuses unknown fields.
    return {
        "type": "object",
        "properties": {v.name: variable_schema(v) for v in variables},
        "required": [v.name for v in variables if v.required],
        "additionalProperties": False,
    }


def _lengths(schema: dict[str, Any], var: Variable, low: str, high: str) -> None:
    if var.min_length is not None:
        schema[low] = var.min_length
    if var.max_length is not None:
        schema[high] = var.max_length


def _number(value: float) -> int | float:
    # `minimum: 1` rather than `1.0`: fewer tokens, and exact for integer variables.
    return int(value) if float(value).is_integer() else value
