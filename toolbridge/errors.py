"""The exceptions toolbridge raises for developer mistakes and outages.

Model-facing failures (a 404, a timeout, a bad argument from the model) are never
exceptions: they are `ToolResult` values with a stable error code and guidance.
Exceptions are for the people writing and hosting the bot:

    ToolbridgeError
    ├── ActionFileError      a bad action file or definition; lists every problem
    ├── SecretError          a secret named by an action is not set anywhere
    ├── SessionError         a session used out of order (confirm with nothing pending, ...)
    ├── ScriptError          a ScriptedModel script and the conversation disagree
    └── ProviderError        the model provider failed (rate limit, overload, bad request, auth)
"""

from __future__ import annotations

from dataclasses import dataclass


class ToolbridgeError(Exception):
    """Base class of every exception toolbridge raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an action file, located as precisely as we can."""

    file: str | None
    action: str | None
    field: str | None
    message: str
    line: int | None = None
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = self.file or "<actions>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.action:
            parts.append(f"action '{self.action}'")
        head = ": ".join(parts)
        field = f"{self.field}: " if self.field else ""
        tag = "warning: " if self.severity == "warning" else ""
        return f"{head}: {tag}{field}{self.message}"


class ActionFileError(ToolbridgeError):
    """An action file or definition is invalid. `problems` holds every error found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} {noun} in action definitions:\n{lines}")


class SecretError(ToolbridgeError):
    """A secret an action needs is not set in the mapping, the environment or `.env`."""


class SessionError(ToolbridgeError):
    """A session was used out of order, e.g. `confirm()` with nothing waiting."""


class ScriptError(ToolbridgeError):
    """A `ScriptedModel` script does not match the conversation it is driving."""


class ProviderError(ToolbridgeError):
    """The model provider refused or failed a request.

    `provider` names it ("openai", "anthropic"), `status` is the HTTP status when there
    was one, and `kind` is a stable code: rate_limited, overloaded, bad_request, auth,
    connection, server_error or unknown.
    """

    def __init__(self, provider: str, kind: str, message: str, status: int | None = None) -> None:
        self.provider = provider
        self.kind = kind
        self.status = status
        shown = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"{provider} {kind}{shown}: {message}")
