"""`ArgumentChecker`: one action's compiled checks, and the results it gives the model."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from pydantic_core import ValidationError, from_json

from ..actions.models import Action, Variable
from ..results import (
    INVALID_ARGUMENTS,
    NEEDS_INPUT,
    UNKNOWN_TOOL,
    Checked,
    MissingVariable,
    ToolResult,
)
from .fast import fast_validator, must_not_be_blank, plain_plan, plain_values
from .parse import MAX_TEXT, parse_arguments
from .values import Fields, show

__all__ = ["ArgumentChecker", "unknown_tool"]


class ArgumentChecker:
    """Checks one action's arguments: compiled once, then `check()` per call."""

    def __init__(self, action: Action) -> None:
        self.action = action.name
        supplied = frozenset(v.name for v in action.variables if v.source != "model")
        self._fields = Fields(action.model_variables, action.name, supplied)
        self._fast = fast_validator(self._fields)
        self._not_blank = must_not_be_blank(self._fields)
        self._plain = plain_plan(self._fields) if self._fast is not None else None
        self._optional = {f.name: f for f in self._fields.fields if not f.required}
        self._overrides = action.guidance
        self._example = _example_arguments(action)

    def check(self, arguments: str | Mapping[str, Any] | None) -> Checked:
        """Parse and validate `arguments`: clean values, or the result to give the model."""
        values = self.fast_values(arguments)
        if values is not None:
            return Checked(self.action, values)
        return self._full(arguments)

    def fast_values(self, arguments: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The clean values when the compiled validator takes `arguments` as they are (the
        common case); None when `check()` must coerce them or say what is wrong."""
        fast = self._fast
        if fast is not None:
            kind = type(arguments)
            plain = self._plain
            if plain is not None and (kind is dict or kind is str):
                if kind is str:  # JSON text, as OpenAI sends it
                    if len(arguments) > MAX_TEXT:  # type: ignore[arg-type]
                        return None
                    try:
                        arguments = from_json(arguments,  # type: ignore[arg-type]
                                              cache_strings="keys")
                    except (ValueError, TypeError):  # TypeError: a lone surrogate in it
                        return None
                return plain_values(arguments, plain, self._fields.names)
            if kind is dict or (kind is str and len(arguments) <= MAX_TEXT):  # type: ignore[arg-type]
                try:
                    values = (fast.validate_python(arguments) if kind is dict
                              else fast.validate_json(arguments))  # type: ignore[arg-type]
                except ValidationError:
                    return None
                for name in self._not_blank:
                    value = values.get(name)  # a default filled in need not be a str
                    if value.__class__ is str and (not value or value.isspace()):
                        return None  # blank: the full path says how it counts
                if None in values.values():
                    values = self._nulls(values)
                return values  # type: ignore[no-any-return]
        return None

    def _nulls(self, values: dict[str, Any]) -> dict[str, Any]:
        # Fast path: a null optional takes its default, or is left out.
        for name in [n for n, v in values.items() if v is None]:
            field = self._optional[name]
            if field.default is None:
                del values[name]
            else:
                values[name] = field.default_value()
        return values

    def _full(self, arguments: object) -> Checked:
        given = parse_arguments(arguments)
        if isinstance(given, str):
            return Checked(self.action, {}, self._unparsable(given))
        values, problems, missing = self._fields.run(given)
        if problems:
            problems.extend(
                f"{v.name}: missing; it is required ({v.description or v.base_type})"
                for v in missing
            )
            return Checked(self.action, values, self._invalid(problems, missing))
        if missing:
            return Checked(self.action, values, self._needs_input(missing))
        return Checked(self.action, values)

    def _unparsable(self, reason: str) -> ToolResult:
        guidance = (
            f"Send the arguments of {self.action} as one JSON object with named fields, "
            f"for example {self._example}, and call it again."
        )
        return self._result(INVALID_ARGUMENTS, guidance, problems=(reason,))

    def _invalid(self, problems: list[str], missing: list[Variable]) -> ToolResult:
        guidance = (
            f"Fix each problem listed and call {self.action} again. If you do not know a "
            "value, ask the user for it; never guess one."
        )
        return self._result(
            INVALID_ARGUMENTS, guidance, problems=tuple(problems), missing=_missing(missing)
        )

    def _needs_input(self, missing: list[Variable]) -> ToolResult:
        guidance = (
            f"Ask the user for {_listing([v.name for v in missing])} in one message (say what "
            f"each is), then call {self.action} again with all of them. Do not guess values."
        )
        return self._result(NEEDS_INPUT, guidance, missing=_missing(missing))

    def _result(self, code: str, guidance: str, **fields: Any) -> ToolResult:
        guidance = self._overrides.get(code, guidance)  # the action author's words win
        return ToolResult(action=self.action, ok=False, error=code, guidance=guidance, **fields)


def _missing(variables: list[Variable]) -> tuple[MissingVariable, ...]:
    return tuple(MissingVariable(v.name, v.description, v.example, v.base_type) for v in variables)


def _example_arguments(action: Action) -> str:
    sample = {
        v.name: v.example if v.example is not None else f"<{v.base_type}>"
        for v in action.model_variables
        if v.required or v.example is not None
    }
    return json.dumps(sample, ensure_ascii=False, default=str)


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def unknown_tool(name: str, known: list[str]) -> ToolResult:
    """The result for a call to a tool that does not exist, listing the real ones."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]}?" if close else ""
    tools = ", ".join(known) if known else "none"
    return ToolResult(
        action=name,
        ok=False,
        error=UNKNOWN_TOOL,
        problems=(f"there is no tool named {show(name)}",),
        guidance=f"Call one of the available tools: {tools}.{hint}",
    )
