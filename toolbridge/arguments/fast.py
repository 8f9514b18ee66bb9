"""The fast path: a strict pydantic-core validator for arguments that are already clean.

Most calls from a strict-schema model arrive with the right types and nothing to
coerce; this validator accepts those in about a microsecond. It accepts only what the
full path (`values.py`) accepts, with the same values: types are checked natively with
no coercion at all, patterns run through Python's `re` (pydantic-core's `python-re`
engine, `search` semantics, like the full path), and every other rule (formats,
non-string enums, arrays, objects) calls the full path's own validator. Anything it
refuses is left to the full path to coerce or explain. A property test holds the two
paths to the same answers.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic_core import SchemaError, SchemaValidator
from pydantic_core import core_schema as cs

from ..actions.models import Variable
from .values import Field, Fields, Invalid, blank

__all__ = ["fast_validator", "must_not_be_blank", "plain_plan", "plain_values"]

_INT64 = 2**63


def fast_validator(fields: Fields) -> SchemaValidator | None:
    """A strict pydantic-core validator that accepts only inputs needing no coercion.

    Whatever it accepts, the full path accepts with the same values: types are checked
    natively (strict: no coercion at all), and every other rule calls the full path's
    own validator. Whatever it refuses is left to the full path to coerce or explain.
    """
    # The config must sit on the schema itself: `SchemaValidator(config=...)` does not
    # make the fields strict. Each native schema also says strict=True, to be explicit.
    schema = cs.typed_dict_schema(
        {f.name: cs.typed_dict_field(_fast_field(f), required=f.required) for f in fields.fields},
        extra_behavior="forbid",
        config=cs.CoreConfig(strict=True, regex_engine="python-re"),
    )
    try:
        return SchemaValidator(schema)
    except SchemaError:  # an enum pydantic-core can't express: the full path does it all
        return None


def _fast_field(field: Field) -> cs.CoreSchema:
    var = field.var
    kind = var.base_type
    native: cs.CoreSchema | None = None
    if var.enum is not None:
        # Only string enums natively (literal); others need the typed comparison.
        if kind == "string" and all(type(e) is str and not blank(e) for e in var.enum):
            native = _chain(cs.literal_schema(list(var.enum)), _string(var))
    elif kind == "string":
        native = _string(var)  # blank values: `must_not_be_blank`
    elif kind == "integer":
        low = -_INT64 if var.minimum is None else max(-_INT64, math.ceil(var.minimum))
        high = _INT64 - 1 if var.maximum is None else min(_INT64 - 1, math.floor(var.maximum))
        native = cs.int_schema(ge=low, le=high, strict=True)
    elif kind == "float":
        native = cs.float_schema(allow_inf_nan=False, ge=var.minimum, le=var.maximum, strict=True)
    elif kind == "boolean":
        native = cs.bool_schema(strict=True)
    schema = native if native is not None else _python_field(field)
    if not field.required:
        schema = cs.nullable_schema(schema)  # null → default, filled in after
        if field.default is not None:
            schema = cs.with_default_schema(schema, default_factory=field.default_value)
    return schema


def _string(var: Variable) -> cs.CoreSchema:
    # With regex_engine="python-re", pydantic-core runs `re.search`, as the full path does.
    return _str(pattern=var.pattern, min_length=var.min_length, max_length=var.max_length)


def must_not_be_blank(fields: Fields) -> tuple[str, ...]:
    """The string fields the fast validator takes blank (`""`, spaces) but the full path
    does not: the caller refuses those values itself, with `blank`'s own test (a `\\S`
    pattern in the validator would cost more than the rest of the check)."""
    return tuple(f.name for f in fields.fields if f.var.base_type == "string"
                 and f.var.enum is None and f.blank_is_absent)


def _str(**constraints: Any) -> cs.CoreSchema:
    return cs.str_schema(strict=True, regex_engine="python-re", **constraints)


def _chain(*steps: cs.CoreSchema) -> cs.CoreSchema:
    return cs.chain_schema(list(steps))


def _python_field(field: Field) -> cs.CoreSchema:
    validate, name, blank_is_absent = field.validate, field.name, field.blank_is_absent

    def check(value: Any) -> Any:
        if blank_is_absent and blank(value):
            raise Invalid(f"{name}: blank")  # the full path treats blank as absent
        return validate(value, name)

    return cs.no_info_plain_validator_function(check)


# -- plain variables: checked without entering the validator -------------------------------


_PLAIN_TYPES: dict[str, type] = {"string": str, "integer": int, "boolean": bool}

PlainPlan = tuple[tuple[str, Any, bool, bool, int, int, Field], ...]
"""Per variable: (name, type, required, must not be blank, lowest, highest, field)."""


def plain_plan(fields: Fields) -> PlainPlan | None:
    """What `plain_values` checks, when every variable is a plain string, integer or
    boolean (no enum, pattern, length or format); None otherwise.

    For such variables the fast validator checks only exact types, an integer's bounds and
    which keys may or must be given. The same few look-ups in Python cost about what the
    validator does when it is hot, and far less when it is not: the validator's own code
    is then read back from memory, which is most of a real call's check."""
    plan = []
    for field in fields.fields:
        var = field.var
        kind = _PLAIN_TYPES.get(var.type)
        if (kind is None or var.enum is not None or var.pattern is not None
                or var.min_length is not None or var.max_length is not None):
            return None
        low = high = 0
        if kind is int:  # the fast validator's bounds (`_fast_field`)
            low = -_INT64 if var.minimum is None else max(-_INT64, math.ceil(var.minimum))
            high = (_INT64 - 1 if var.maximum is None
                    else min(_INT64 - 1, math.floor(var.maximum)))
        not_blank = kind is str and field.blank_is_absent
        plan.append((field.name, kind, field.required, not_blank, low, high, field))
    return tuple(plan)


def plain_values(arguments: Any, plan: PlainPlan, names: frozenset[str]) -> dict[str, Any] | None:
    """What the fast path (the validator, `must_not_be_blank`, then nulls replaced by
    defaults) makes of a dict of `arguments` under a `plain_plan`: the values, or None
    where the validator would refuse them."""
    if arguments.__class__ is not dict or not names.issuperset(arguments):
        return None  # not an object, or an unknown key
    values: dict[str, Any] = {}
    for name, kind, required, not_blank, low, high, field in plan:
        value: Any = arguments.get(name)
        if value is None:  # absent or null: the default, if there is one
            if required:
                return None
            if field.default is not None:
                values[name] = field.default_value()
            continue
        if value.__class__ is not kind:
            return None  # strict: no subclass, no coercion (a bool is not an int)
        if not_blank and (not value or value.isspace()):
            return None
        if kind is int and not low <= value <= high:
            return None
        values[name] = value
    return values
