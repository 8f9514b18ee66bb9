"""What a session holds between messages (`SessionState`) and what a turn gives back (`Turn`).

`SessionState` is the whole, JSON-serialisable state of a conversation: a stateless web
server stores `session.to_json()` anywhere and restores it for the next message. It holds
no secrets by construction — tool results are already pruned and masked, pending requests
are described with secrets masked, and confirmation tokens are minted host-side when
`confirm()` runs, never stored. The context you pass to a session is stored as given:
keep secrets out of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ProviderError
from ..results import MissingVariable, ToolResult
from .messages import Message, ToolCall

TurnState = Literal["reply", "needs_input", "needs_confirmation", "error"]
STATE_VERSION: Literal[1] = 1


class PendingConfirmation(BaseModel):
    """A tool call waiting for the user's yes or no; `describe()` says exactly what it sends."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    call_id: str
    """The model's call id (the result will answer it)."""
    action: str
    """The action to run."""
    arguments: str | dict[str, Any]
    """The arguments exactly as the model sent them; confirming re-runs exactly these."""
    method: str | None = None
    """HTTP method of the request that will be sent."""
    url: str | None = None
    """URL of the request, secrets masked."""
    body: str | None = None
    """Body of the request, secrets masked."""
    message: str | None = None
    """The guidance that came with the `needs_confirmation` result."""
    context: dict[str, Any] | None = None
    """The call context the request was described with: `confirm()` sends nothing if the
    host changed it since, so the user's yes only ever covers the request they were shown."""

    @classmethod
    def from_result(
        cls, call: ToolCall, result: ToolResult, context: dict[str, Any] | None = None
    ) -> PendingConfirmation:
        request = result.request
        return cls(
            context=context,
            call_id=call.id,
            action=call.name,
            arguments=call.arguments,
            method=request.method if request else None,
            url=request.url if request else None,
            body=request.body if request else None,
            message=result.guidance,
        )

    def describe(self) -> str:
        """The exact request in words, for the user to confirm."""
        if self.method and self.url:
            lines = [f"{self.action}: {self.method} {self.url}"]
            if self.body:
                lines.append(self.body)
            return "\n".join(lines)
        arguments = self.arguments if isinstance(self.arguments, str) else json.dumps(
            self.arguments, ensure_ascii=False
        )
        return f"{self.action} with {arguments}"

    def tool_call(self) -> ToolCall:
        return ToolCall(id=self.call_id, name=self.action, arguments=self.arguments)


class SessionState(BaseModel):
    """Everything a session needs to continue exactly where it stopped."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    version: Literal[1] = STATE_VERSION
    """State format version."""
    conversation_id: str
    """Stable id of the conversation (`{{conversation_id}}` in action templates)."""
    context: dict[str, Any] = Field(default_factory=dict)
    """The host's context: signed-in customer, `identity_verified`, ..."""
    transcript: list[Message] = Field(default_factory=list)
    """The neutral transcript."""
    awaiting: list[PendingConfirmation] = Field(default_factory=list)
    """Calls waiting for confirmation, first one shown to the user."""
    gathered: dict[str, Any] = Field(default_factory=dict)
    """Argument values of successful calls, for `on_chat_end` actions."""
    ended: bool = False
    """`end()` has run; `on_chat_end` actions never fire twice."""

    def call_context(self) -> dict[str, Any]:
        """The context every tool call gets: the host's context plus the conversation id."""
        return {**self.context, "conversation_id": self.conversation_id}


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call made during a turn, with what came back."""

    id: str
    name: str
    arguments: dict[str, Any]
    result: ToolResult


@dataclass
class Turn:
    """What `send()`, `confirm()`, `reject()` and `retry()` return."""

    reply: str
    """The text for the user."""
    state: TurnState
    """`reply`, `needs_input` (the model is asking for missing details),
    `needs_confirmation` (see `pending`), or `error` (see `error`)."""
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    """Every tool call of this turn, in order, with its `ToolResult`."""
    pending: PendingConfirmation | None = None
    """The request waiting for `session.confirm()` / `session.reject()`."""
    missing: tuple[MissingVariable, ...] = ()
    """For `needs_input`: the variables the last attempt lacked."""
    error: str | None = None
    """For `error`: what went wrong, for the developer (not shown to users)."""
    provider_error: ProviderError | None = None
    """The `ProviderError` behind an `error` turn, when there was one."""
    steps: int = 0
    """How many times the model was called."""
    usage: dict[str, int] = field(default_factory=dict)
    """Token counts summed over the turn's model calls."""

    def __str__(self) -> str:
        return self.reply
