"""The agent loop: `Agent`, `Session`, `Turn`, and the neutral transcript they keep.

Loaded lazily so `toolbridge.models` can import the transcript types without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from .messages import AssistantMessage, ToolCall, ToolResultMessage, UserMessage
    from .session import Agent, Session
    from .state import PendingConfirmation, ToolCallRecord, Turn

_LAZY = {
    "Agent": ".session",
    "Session": ".session",
    "Turn": ".state",
    "PendingConfirmation": ".state",
    "ToolCallRecord": ".state",
    "AssistantMessage": ".messages",
    "ToolCall": ".messages",
    "ToolResultMessage": ".messages",
    "UserMessage": ".messages",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "Agent",
    "AssistantMessage",
    "PendingConfirmation",
    "Session",
    "ToolCall",
    "ToolCallRecord",
    "ToolResultMessage",
    "Turn",
    "UserMessage",
]
