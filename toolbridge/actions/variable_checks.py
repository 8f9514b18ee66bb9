"""Load-time checks of variables: shapes, bounds, sources, and values that must fit.

Value rules (does a `default` fit its type?) come from `toolbridge.arguments`, so a
value accepted here is accepted at call time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..templates import RUNTIME_NAMES
from .models import Variable
from .report import FieldPath, Report

VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
STRINGY = frozenset({"string", "email", "phone", "date", "datetime"})
NUMERIC = frozenset({"integer", "float"})


def check_variables(
    variables: Sequence[Variable], prefix: FieldPath, report: Report, *, top: bool
) -> None:
    seen: set[str] = set()
    for index, var in enumerate(variables):
        path = (*prefix, index)
        if top and not VARIABLE_NAME.match(var.name):
            report.add(
                (*path, "name"),
                f"variable name '{var.name}' must be letters, digits"
                " and _, not starting with a digit (it is used in {{placeholders}})",
            )
        elif not var.name:
            report.add((*path, "name"), "field name is empty")
        if var.name in seen:
            report.add((*path, "name"), f"duplicate variable name '{var.name}'")
        seen.add(var.name)
        if top and var.name in RUNTIME_NAMES:
            report.add(
                (*path, "name"),
                f"variable '{var.name}' hides the runtime value {{{{{var.name}}}}}",
                warning=True,
            )
        _check_variable(var, path, report, top=top)


def _check_variable(var: Variable, path: FieldPath, report: Report, *, top: bool) -> None:
    count = len(report.out)
    kind = var.base_type
    if var.pattern is not None:
        if kind not in STRINGY:
            report.add((*path, "pattern"), f"pattern applies to string values, not {var.type}")
        else:
            try:
                re.compile(var.pattern)
            except re.error as exc:
                report.add((*path, "pattern"), f"invalid regular expression: {exc}")
    if (var.minimum is not None or var.maximum is not None) and kind not in NUMERIC:
        report.add((*path, "minimum"), f"minimum/maximum apply to numbers, not {var.type}")
    if (var.min_length is not None or var.max_length is not None) and kind not in (
        STRINGY | {"array"}
    ):
        report.add(
            (*path, "min_length"),
            f"min_length/max_length apply to strings and arrays, not {var.type}",
        )
    if var.minimum is not None and var.maximum is not None and var.minimum > var.maximum:
        report.add(
            (*path, "minimum"), f"minimum {var.minimum:g} is greater than maximum {var.maximum:g}"
        )
    if (
        var.min_length is not None
        and var.max_length is not None
        and var.min_length > var.max_length
    ):
        report.add(
            (*path, "min_length"),
            f"min_length {var.min_length} is greater than max_length {var.max_length}",
        )
    if var.enum is not None and not var.enum:
        report.add((*path, "enum"), "enum needs at least one value")
    if kind == "array" and var.items is None:
        report.add((*path, "type"), "type array needs items (the type of each element)")
    if kind != "array" and var.items is not None:
        report.add((*path, "items"), f"items is only used with type array, not {var.type}")
    if kind == "object" and not var.properties:
        report.add((*path, "type"), "type object needs properties (the fields of the object)")
    if kind != "object" and var.properties is not None:
        report.add(
            (*path, "properties"), f"properties is only used with type object, not {var.type}"
        )
    if var.items is not None:
        _check_variable(var.items, (*path, "items"), report, top=False)
    if var.properties:
        check_variables(var.properties, (*path, "properties"), report, top=False)
    _check_source(var, path, report, top=top)
    if len(report.out) == count:  # only a well-formed variable can judge values
        _check_values(var, path, report)


def _check_source(var: Variable, path: FieldPath, report: Report, *, top: bool) -> None:
    if var.source != "model" and not top:
        report.add((*path, "source"), "source applies to top-level variables only")
    elif var.source != "model" and var.required:
        origin = "the session context" if var.source == "context" else "its fixed value"
        report.add(
            (*path, "required"),
            f"required means the model must supply it, but a"
            f" {var.source} variable comes from {origin}: use source: model, or drop"
            " required",
        )
    if var.source == "constant" and var.value is None:
        report.add((*path, "value"), "source: constant needs a value")
    if var.source != "constant" and var.value is not None:
        report.add(
            (*path, "value"), "value is only used with source: constant (did you mean default?)"
        )


def _check_values(var: Variable, path: FieldPath, report: Report) -> None:
    from ..arguments import value_problems  # lazy: arguments imports the models too

    for key in ("default", "example", "value"):
        value = getattr(var, key)
        for problem in value_problems(var, value):
            report.add((*path, key), f"{key} does not fit: {_unprefixed(problem, var.name)}")
    # An enum member is judged by the same rules, minus the enum itself, and must already
    # have the declared type: `enum: ["1", "2"]` on an integer has no valid JSON value.
    loose = var.model_copy(update={"enum": None})
    for index, value in enumerate(var.enum or ()):
        problems = value_problems(loose, value)
        if not problems and not _typed(var.base_type, value):
            problems = [f"{value!r} is not {var.type}"]
        for problem in problems:
            report.add(
                (*path, "enum", index), f"enum value does not fit: {_unprefixed(problem, var.name)}"
            )


def _typed(kind: str, value: Any) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return isinstance(value, str) if kind in STRINGY else True


def _unprefixed(problem: str, name: str) -> str:
    """`count: expected a whole number` → `expected a whole number` (the field says where)."""
    return problem[len(name) + 2 :] if problem.startswith(f"{name}: ") else problem
