"""The agent loop: `Agent`, `Session`, `Turn`, and the neutral transcript they keep.

Loaded lazily so `toolbridge.models` can import the transcript types without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'toolbridge.agent' has no attribute {name!r}")


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
