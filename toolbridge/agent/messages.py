"""The provider-neutral transcript: what was said, which tools were called, what came back.

Adapters (`toolbridge.models`) translate these messages to and from each provider's wire
format; the agent loop only ever sees these. They are pydantic models so the whole
transcript round-trips through JSON with the session state.

Tool-call arguments are kept exactly as the model sent them: a JSON string from OpenAI,
an object from Anthropic. `ToolCall.parsed()` gives a dict either way.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ToolCall(_Message):
    """One tool call the model asked for."""

    id: str
    """The provider's call id; the matching result carries it back."""
    name: str
    """The tool (action) name."""
    arguments: str | dict[str, Any] = "{}"
    """As the model sent them: a JSON string (OpenAI) or an object (Anthropic)."""

    def parsed(self) -> dict[str, Any]:
        """The arguments as a dict; `{}` when the model sent something that is not an object."""
        if isinstance(self.arguments, dict):
            return self.arguments
        try:
            value = json.loads(self.arguments or "{}")
        except (ValueError, RecursionError):  # the model's text: malformed or absurdly deep
            return {}
        return value if isinstance(value, dict) else {}

    def arguments_json(self) -> str:
        """The arguments as a JSON string (what OpenAI's formats carry)."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False, separators=(",", ":"))


class UserMessage(_Message):
    """Text from the person chatting."""

    role: Literal["user"] = "user"
    text: str


class AssistantMessage(_Message):
    """One model turn: text for the user, tool calls, or both."""

    role: Literal["assistant"] = "assistant"
    text: str | None = None
    """What the model said (None when it only called tools)."""
    tool_calls: tuple[ToolCall, ...] = ()
    """The calls it asked for, in order; several at once are parallel calls."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Provider blocks that must travel back verbatim (Anthropic thinking blocks)."""


class ToolResultMessage(_Message):
    """The result of one tool call, as the model will read it."""

    role: Literal["tool"] = "tool"
    call_id: str
    """The `ToolCall.id` this answers."""
    name: str
    """The tool that was called."""
    content: str
    """`ToolResult.for_model()`: the compact JSON the model reads."""
    is_error: bool = False
    """The call failed (Anthropic sends this as `is_error`)."""


Message = Annotated[UserMessage | AssistantMessage | ToolResultMessage, Field(discriminator="role")]


def open_calls(transcript: list[Message]) -> list[ToolCall]:
    """Tool calls of the latest assistant message that have no result yet, in order."""
    answered: set[str] = set()
    for message in reversed(transcript):
        if isinstance(message, ToolResultMessage):
            answered.add(message.call_id)
        elif isinstance(message, AssistantMessage):
            return [c for c in message.tool_calls if c.id not in answered]
        else:
            return []
    return []


def last_user_text(messages: list[Message] | tuple[Message, ...]) -> str | None:
    """The most recent user text (for error messages and script checks)."""
    for message in reversed(messages):
        if isinstance(message, UserMessage):
            return message.text
    return None


def results_since_assistant(
    messages: list[Message] | tuple[Message, ...],
) -> list[ToolResultMessage]:
    """The tool results fed back after the latest assistant message, in order."""
    found: list[ToolResultMessage] = []
    for message in reversed(messages):
        if isinstance(message, ToolResultMessage):
            found.append(message)
        elif isinstance(message, AssistantMessage):
            break
    return found[::-1]
