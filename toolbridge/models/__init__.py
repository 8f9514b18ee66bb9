"""Model adapters: OpenAI Chat Completions, OpenAI Responses, Anthropic Messages, scripted.

Each SDK adapter imports its SDK only when first used, so `import toolbridge.models` needs
neither `openai` nor `anthropic`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import ModelAdapter, ModelRequest, ModelResponse

if TYPE_CHECKING:
    from .anthropic import AnthropicMessages
    from .openai_chat import OpenAIChat
    from .openai_responses import OpenAIResponses
    from .scripted import ScriptedModel

_LAZY = {
    "AnthropicMessages": ".anthropic",
    "OpenAIChat": ".openai_chat",
    "OpenAIResponses": ".openai_responses",
    "ScriptedModel": ".scripted",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'toolbridge.models' has no attribute {name!r}")


__all__ = [
    "AnthropicMessages",
    "ModelAdapter",
    "ModelRequest",
    "ModelResponse",
    "OpenAIChat",
    "OpenAIResponses",
    "ScriptedModel",
]
