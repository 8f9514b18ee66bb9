"""Model adapters: OpenAI Chat Completions, OpenAI Responses, Anthropic Messages, scripted.

Each SDK adapter imports its SDK only when first used, so `import toolbridge.models` needs
neither `openai` nor `anthropic`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
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


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "AnthropicMessages",
    "ModelAdapter",
    "ModelRequest",
    "ModelResponse",
    "OpenAIChat",
    "OpenAIResponses",
    "ScriptedModel",
]
