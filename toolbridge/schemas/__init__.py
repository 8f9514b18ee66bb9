"""Tool schemas for each provider, all derived from the neutral schema of the variables.

    Variable ──neutral.py──▶ JSON Schema ──strict.py──▶ provider dialect ──wire.py──▶ tool dict

`build_tools()` is what `Toolkit.tools()` calls (and caches). It imports no provider SDK.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..actions.models import Action
from ..errors import ToolbridgeError
from . import wire
from .neutral import parameters_schema, variable_schema
from .strict import ANTHROPIC_STRICT, MCP, OPENAI_STRICT, Dialect, convert, plain_dialect

__all__ = ["PROVIDERS", "build_tools", "parameters_schema", "tool_schema", "variable_schema"]

PROVIDERS = ("openai", "openai-responses", "anthropic", "mcp")
"""The provider names `build_tools()` and `Toolkit.tools()` accept."""


def build_tools(
    actions: Sequence[Action], provider: str, *, strict: bool = True
) -> list[dict[str, Any]]:
    """The `tools=` list for `provider`, one tool per action, in order.

    `strict` selects the provider's strict form (OpenAI `strict: true`, Anthropic
    `strict`); MCP has no strict mode and ignores it.
    """
    return [tool_schema(action, provider, strict=strict) for action in actions]


def tool_schema(action: Action, provider: str, *, strict: bool = True) -> dict[str, Any]:
    """The tool dict of one action for `provider`."""
    neutral = parameters_schema(action)
    if provider in ("openai", "openai-responses"):
        schema = convert(neutral, _dialect(OPENAI_STRICT, strict))
        build = wire.openai_chat if provider == "openai" else wire.openai_responses
        return build(action, schema, strict=strict)
    if provider == "anthropic":
        schema = convert(neutral, _dialect(ANTHROPIC_STRICT, strict))
        example = wire.input_example(action, strict=strict)
        return wire.anthropic(
            action, schema, strict=strict, examples=[example] if example is not None else None
        )
    if provider == "mcp":
        return wire.mcp(action, convert(neutral, MCP))
    raise ToolbridgeError(f"unknown provider {provider!r}; use one of {', '.join(PROVIDERS)}")


def _dialect(strict_form: Dialect, strict: bool) -> Dialect:
    return strict_form if strict else plain_dialect(strict_form)
