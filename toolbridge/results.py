"""What a call gives back: `ToolResult`, the stable error codes, and `for_model()`.

A result is a value, never an exception: the model reads `for_model()`, the host reads
the fields. Nothing here ever holds a secret: `request` is masked before it gets here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# Stable error codes. Tests and users match on these strings; never rename one.
INVALID_ARGUMENTS = "invalid_arguments"
NEEDS_INPUT = "needs_input"
UNKNOWN_TOOL = "unknown_tool"
NEEDS_CONFIRMATION = "needs_confirmation"
IDENTITY_REQUIRED = "identity_required"
RATE_LIMITED = "rate_limited"
BLOCKED = "blocked"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
CONFLICT = "conflict"
UNPROCESSABLE = "unprocessable"
BAD_REQUEST = "bad_request"
UNAVAILABLE = "unavailable"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
RESPONSE_TOO_LARGE = "response_too_large"
INVALID_RESPONSE = "invalid_response"
HTTP_ERROR = "http_error"
REJECTED = "rejected"

ERROR_CODES = frozenset({
    INVALID_ARGUMENTS, NEEDS_INPUT, UNKNOWN_TOOL, NEEDS_CONFIRMATION, IDENTITY_REQUIRED,
    RATE_LIMITED, BLOCKED, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, UNPROCESSABLE,
    BAD_REQUEST, UNAVAILABLE, TIMEOUT, CONNECTION_ERROR, RESPONSE_TOO_LARGE, INVALID_RESPONSE,
    HTTP_ERROR, REJECTED,
})


@dataclass(frozen=True, slots=True)
class MissingVariable:
    """A required variable the model did not supply."""

    name: str
    description: str
    example: Any = None
    type: str = "string"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.example is not None:
            out["example"] = self.example
        return out


# `RequestSummary`, `ToolResult` and `Checked` are built on every call. They are plain slots
# dataclasses, not frozen ones: a frozen dataclass sets each field through
# `object.__setattr__`, which made building a `ToolResult` cost more than the rest of
# the result handling together. Treat them as values all the same.


@dataclass(slots=True)
class RequestSummary:
    """The request as sent (or as it would be sent), secrets masked."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    def describe(self) -> str:
        """One human-readable block: what a user checks before confirming."""
        lines = [f"{self.method} {self.url}"]
        if self.body:
            lines.append(self.body)
        return "\n".join(lines)


@dataclass(slots=True)
class ToolResult:
    """The outcome of one tool call, for the model (`for_model()`) and for the host."""

    action: str
    ok: bool
    status: int | None = None
    outcome: str | None = None
    data: Any = None
    error: str | None = None
    guidance: str | None = None
    missing: tuple[MissingVariable, ...] = ()
    problems: tuple[str, ...] = ()
    request: RequestSummary | None = None
    attempts: int = 0
    elapsed_ms: float | None = None
    confirmation: str | None = None
    """For `needs_confirmation`: the token the host passes back to confirm this exact call."""
    arguments: dict[str, Any] | None = field(default=None, repr=False)
    """The checked arguments (host side only; never part of `for_model()`)."""

    def for_model(self) -> str:
        """The compact JSON string sent back to the model as the tool result."""
        out: dict[str, Any] = {"ok": self.ok}
        if self.status is not None:
            out["status"] = self.status
        if self.outcome is not None:
            out["outcome"] = self.outcome
        if self.error is not None:
            out["error"] = self.error
        if self.problems:
            out["problems"] = list(self.problems)
        if self.missing:
            out["missing"] = [m.to_dict() for m in self.missing]
        if self.data is not None:
            out["data"] = self.data
        if self.guidance:
            out["guidance"] = self.guidance
        text = json.dumps(out, ensure_ascii=False, separators=(",", ":"), default=str)
        if not text.isascii():  # cheap in C; only non-ASCII text can hold a lone surrogate
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate from the model or the API
                text = json.dumps(out, separators=(",", ":"), default=str)
        return text

    def _repr_html_(self) -> str:
        from .display import to_html

        return to_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .display import pretty

        pretty(self, printer, cycle)


@dataclass(slots=True)
class Checked:
    """`toolkit.check()`: the clean values, or the problem result to give the model."""

    action: str
    values: dict[str, Any]
    problem: ToolResult | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None
