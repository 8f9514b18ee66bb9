"""The full path: one validator per variable, compiled once, with model-readable problems.

A validator converts a value to its variable's type (only the lossless coercions of the
policy), then checks enum, pattern, lengths and bounds. On failure it raises `Invalid`,
whose lines each start with the field's path (`order_number: ...`, `items[2].sku: ...`).
`Fields` runs the validators of one object (the arguments, or a nested object) and
sorts what it finds into values, problems and missing required variables.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
from collections.abc import Callable
from typing import Any

from ..actions.models import Variable
from ..errors import ActionFileError, Problem
from ..formats import FORMATS, FormatProblem

__all__ = [
    "Field", "Fields", "Invalid", "Validator", "blank", "printable", "show", "value_problems",
]

Validator = Callable[[Any, str], Any]
"""`(value, path) -> clean value`; raises `Invalid` whose lines start with `path`."""

_MISSING: Any = object()
_INT64 = 2**63


class Invalid(ValueError):
    """Internal: a value failed. `lines` are model-readable problems naming the field.

    A `ValueError` so that pydantic-core, calling our validators on the fast path, turns
    it into a `ValidationError` (and the full path then explains the failure)."""

    def __init__(self, *lines: str) -> None:
        super().__init__(*lines)
        self.lines = lines


# -- type converters (full path) ----------------------------------------------------------


def _to_string(value: Any, path: str) -> Any:
    if isinstance(value, str):
        return value
    raise Invalid(f"{path}: expected a string, got {show(value)}")


_INT_TEXT = re.compile(r"[+-]?[0-9]{1,19}")


def _to_integer(value: Any, path: str) -> Any:
    kind = type(value)
    if kind is float:
        if not math.isfinite(value) or not value.is_integer():
            raise Invalid(f"{path}: expected a whole number, got {show(value)}")
        value = int(value)  # 5.0 → 5: lossless
    elif kind is str:
        text = value.strip()
        if not _INT_TEXT.fullmatch(text):
            raise Invalid(f"{path}: expected a whole number, got {show(value)}")
        value = int(text)  # "5" → 5: lossless
    elif kind is not int and (not isinstance(value, int) or isinstance(value, bool)):
        raise Invalid(f"{path}: expected a whole number, got {show(value)}")  # never true → 1
    if not -_INT64 <= value < _INT64:
        raise Invalid(f"{path}: {value} is out of range")
    return int(value)


_FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _to_float(value: Any, path: str) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not _FLOAT_TEXT.fullmatch(text):  # no "nan", "inf", "1_000" or hex
            raise Invalid(f"{path}: expected a number, got {show(value)}")
        value = text
    elif not isinstance(value, (int, float)) or isinstance(value, bool):
        raise Invalid(f"{path}: expected a number, got {show(value)}")
    try:
        number = float(value)  # "2.5" → 2.5; an int becomes the float JSON means by it
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise Invalid(f"{path}: {show(value)} is out of range; send a finite number")
    return number


def _to_boolean(value: Any, path: str) -> Any:
    if value is True or value is False:
        return value
    if type(value) is str and value in ("true", "false"):  # exactly; never "false" → True
        return value == "true"
    raise Invalid(f"{path}: expected true or false, got {show(value)}")


def _formatted(check: Callable[[str], str]) -> Validator:
    def convert(value: Any, path: str) -> Any:
        if not isinstance(value, str):
            raise Invalid(f"{path}: expected a string, got {show(value)}")
        try:
            return check(value)
        except FormatProblem as exc:
            raise Invalid(f"{path}: {exc}, got {show(value)}") from None

    return convert


_CONVERTERS: dict[str, Validator] = {
    "string": _to_string,
    "integer": _to_integer,
    "float": _to_float,
    "boolean": _to_boolean,
    **{name: _formatted(check) for name, check in FORMATS.items()},
}


# -- compiling one variable (full path) --------------------------------------------------


def _compile(var: Variable, where: str | None = None) -> Validator:
    """One validator for `var`: convert its type, then check its constraints."""
    kind = var.base_type
    if kind == "array":
        convert = _array(var, where)
    elif kind == "object":
        convert = _object(var, where)
    else:
        convert = _CONVERTERS[kind]
    checks = _constraints(var, convert, where)
    if not checks:
        return convert

    def validate(value: Any, path: str) -> Any:
        value = convert(value, path)
        for check in checks:
            check(value, path)
        return value

    return validate


Check = Callable[[Any, str], None]


def _constraints(var: Variable, convert: Validator, where: str | None) -> list[Check]:
    checks: list[Check] = []
    if var.enum is not None:
        checks.append(_enum_check(var.enum, convert))
    if var.pattern is not None:
        checks.append(_pattern_check(var, where))
    if var.min_length is not None or var.max_length is not None:
        unit = "items" if var.base_type == "array" else "characters"
        checks.append(_length_check(var.min_length, var.max_length, unit))
    numeric = var.base_type in ("integer", "float")
    if numeric and (var.minimum is not None or var.maximum is not None):
        checks.append(_bounds_check(var.minimum, var.maximum))
    return checks


def _json_type(value: Any) -> type:
    # Compare enum members by JSON type: True == 1 and "a" == StrEnum("a") otherwise blur.
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind
    return type(value)


def _enum_check(enum: list[Any], convert: Validator) -> Check:
    allowed = []
    for member in enum:  # `enum: [1, 2.5]` on a float variable means 1.0 and 2.5
        try:
            allowed.append(convert(member, "enum"))
        except Invalid:
            allowed.append(member)
    listed = ", ".join(show(v) for v in allowed)
    try:
        members: frozenset[Any] | None = frozenset((_json_type(a), a) for a in allowed)
    except TypeError:  # unhashable members (lists, objects): compare one by one
        members = None

    def check(value: Any, path: str) -> None:
        key = (_json_type(value), value)
        if members is not None:
            try:
                if key in members:
                    return
            except TypeError:
                pass
        elif any(key == (_json_type(a), a) for a in allowed):
            return
        hint = ""
        if isinstance(value, str):
            close = [a for a in allowed if isinstance(a, str) and a.lower() == value.lower()]
            if close:
                hint = f" (did you mean {show(close[0])}?)"
        raise Invalid(f"{path}: must be one of {listed}, got {show(value)}{hint}")

    return check


def _pattern_check(var: Variable, where: str | None) -> Check:
    try:
        compiled = re.compile(var.pattern or "")
    except re.error as exc:  # a developer mistake, normally reported when the file loads
        raise ActionFileError(
            [Problem(None, where, f"variables.{var.name}.pattern", f"invalid regex: {exc}")]
        ) from None
    example = f" (e.g. {show(var.example)})" if var.example is not None else ""

    def check(value: Any, path: str) -> None:
        # Searched, not matched: the documented rule is "anchor it with ^...$".
        if isinstance(value, str) and compiled.search(value) is None:
            raise Invalid(
                f"{path}: must match the pattern {compiled.pattern}{example}, got {show(value)}"
            )

    return check


def _length_check(low: int | None, high: int | None, unit: str) -> Check:
    def check(value: Any, path: str) -> None:
        size = len(value)
        if low is not None and size < low:
            raise Invalid(f"{path}: must have at least {low} {unit}, got {size}")
        if high is not None and size > high:
            raise Invalid(f"{path}: must have at most {high} {unit}, got {size}")

    return check


def _bounds_check(low: float | None, high: float | None) -> Check:
    def check(value: Any, path: str) -> None:
        if low is not None and value < low:
            raise Invalid(f"{path}: must be at least {_number(low)}, got {show(value)}")
        if high is not None and value > high:
            raise Invalid(f"{path}: must be at most {_number(high)}, got {show(value)}")

    return check


def _array(var: Variable, where: str | None) -> Validator:
    item = _compile(var.items, where) if var.items is not None else None

    def convert(value: Any, path: str) -> Any:
        if not isinstance(value, (list, tuple)):
            raise Invalid(f"{path}: expected a list, got {show(value)}")
        if item is None:
            return _finite(list(value), path)
        out: list[Any] = []
        problems: list[str] = []
        for index, element in enumerate(value):
            try:
                out.append(item(element, f"{path}[{index}]"))
            except Invalid as exc:
                problems.extend(exc.lines)
        if problems:
            raise Invalid(*problems)
        return out

    return convert


def _object(var: Variable, where: str | None) -> Validator:
    fields = Fields(var.properties, where) if var.properties else None

    def convert(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise Invalid(f"{path}: expected an object, got {show(value)}")
        if fields is None:  # free-form: any JSON object
            return _finite(value, path)
        out, problems, missing = fields.run(value, f"{path}.")
        problems.extend(f"{path}.{v.name}: missing; it is required" for v in missing)
        if problems:
            raise Invalid(*problems)
        return out

    return convert


def _finite(value: Any, path: str) -> Any:
    """Free-form values still refuse NaN and ±Infinity, at any depth."""
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid(f"{path}: {value} is not a number JSON allows")
    if isinstance(value, dict):
        for key, item in value.items():
            _finite(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _finite(item, f"{path}[{index}]")
    return value


# -- compiled objects ---------------------------------------------------------------------


class Field:
    """One compiled variable of an object (the arguments or a nested object)."""

    __slots__ = ("blank_is_absent", "default", "name", "required", "validate", "var")

    def __init__(self, var: Variable, where: str | None) -> None:
        self.var = var
        self.name = var.name
        self.required = var.required
        self.validate = _compile(var, where)
        # A blank string for a required value means the model does not know it: ask.
        # For optional values blank can never satisfy, blank means "not given".
        self.blank_is_absent = var.required or not _blank_is_valid(var)
        self.default = _clean_default(var, self.validate)

    def default_value(self) -> Any:
        default = self.default
        return copy.deepcopy(default) if isinstance(default, (list, dict)) else default


class Fields:
    """The compiled fields of one object, and the full-path check of a given dict."""

    def __init__(
        self, variables: list[Variable], where: str | None, supplied: frozenset[str] = frozenset()
    ) -> None:
        self.fields = tuple(Field(v, where) for v in variables)
        self.names = frozenset(f.name for f in self.fields)
        self.supplied = supplied
        """Names the application supplies (`source: context`/`constant`)."""

    def run(
        self, given: dict[Any, Any], prefix: str = ""
    ) -> tuple[dict[str, Any], list[str], list[Variable]]:
        values: dict[str, Any] = {}
        problems: list[str] = []
        missing: list[Variable] = []
        seen = 0
        for field in self.fields:
            value = given.get(field.name, _MISSING)
            if value is not _MISSING:
                seen += 1
                if value is not None and not (field.blank_is_absent and blank(value)):
                    try:
                        values[field.name] = field.validate(value, prefix + field.name)
                    except Invalid as exc:
                        problems.extend(exc.lines)
                    continue
            # Absent, null, or blank where blank means "not given".
            if field.required:
                missing.append(field.var)
            elif field.default is not None:
                values[field.name] = field.default_value()
        if seen != len(given):
            problems.extend(self._unknown(given, prefix))
        return values, problems, missing

    def _unknown(self, given: dict[Any, Any], prefix: str) -> list[str]:
        takes = ", ".join(f.name for f in self.fields) or "none (send {})"
        lines = []
        for key in given:
            if key in self.names:
                continue
            name = printable(key) if isinstance(key, str) else show(key)
            if key in self.supplied:  # identity, tenant and the like: never the model's
                lines.append(f"{prefix}{name}: set by the application, not by you; leave it out")
                continue
            line = f"{prefix}{name}: unknown field; allowed fields are {takes}"
            close = difflib.get_close_matches(str(key), sorted(self.names), n=1, cutoff=0.6)
            lines.append(line + (f" (did you mean {close[0]}?)" if close else ""))
        return lines


def blank(value: Any) -> bool:
    return type(value) is str and (not value or value.isspace())


def _blank_is_valid(var: Variable) -> bool:
    if var.base_type != "string" or var.enum is not None or (var.min_length or 0) > 0:
        return False
    return var.pattern is None or re.search(var.pattern, "") is not None


def _clean_default(var: Variable, validate: Validator) -> Any:
    """The default as a checked value ("5" → 5), or as written when it does not check
    (load-time checks report that, through `value_problems`)."""
    if var.default is None:
        return None
    try:
        return validate(var.default, var.name)
    except Invalid:
        return var.default


def value_problems(var: Variable, value: Any) -> list[str]:
    """Problems of `value` as a value of `var` (type, format, enum, pattern, bounds).

    For load-time checks that a `default`, `example` or `value` fits its own variable.
    Each line starts with `<name>: `. None has no problems; a bad `pattern` is one.
    """
    if value is None:
        return []
    try:
        validate = _compile(var)
    except ActionFileError as exc:
        return [f"{var.name}: {p.message}" for p in exc.problems]
    try:
        validate(value, var.name)
    except Invalid as exc:
        return list(exc.lines)
    return []


def show(value: object, limit: int = 60) -> str:
    """A short JSON rendering of a value for a problem line; never raises."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except Exception:  # circular structures, odd keys, a failing __repr__
        try:
            text = repr(value)
        except Exception:
            text = f"<{type(value).__name__}>"
    return printable(text if len(text) <= limit else text[: limit - 1] + "…")


def printable(text: str) -> str:
    """Lone surrogates (which no UTF-8 encoder accepts) become `\\udXXX` escapes, so a
    problem line that echoes the model's text can always be sent and saved."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
