"""`AnthropicMessages`: the agent loop over the Anthropic Messages API (`client.messages`).

Wire format (anthropic SDK types): the model's calls are `tool_use` content blocks
(`id`, `name`, `input`); the results of one turn's calls all go back in ONE user message
as `tool_result` blocks (`tool_use_id`, `content`, `is_error`), ahead of any text.
Thinking blocks are carried back verbatim, as the API requires during tool use.
`map_anthropic_error` is the one place SDK exceptions become `ProviderError`s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..agent.messages import AssistantMessage, ToolCall, ToolResultMessage, UserMessage
from ..errors import ProviderError
from .base import ModelRequest, ModelResponse, SDKAdapter, missing_sdk

try:
    import anthropic as anthropic  # re-exported: the CLI builds clients from it
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise missing_sdk("anthropic", "anthropic") from exc

PROVIDER = "anthropic"
_THINKING = ("thinking", "redacted_thinking")


def map_anthropic_error(exc: Exception) -> ProviderError | None:
    """Translate an anthropic SDK exception; None for anything that is not one."""
    if not isinstance(exc, anthropic.AnthropicError):
        return None
    if isinstance(exc, anthropic.APIConnectionError):  # timeouts included
        return ProviderError(PROVIDER, "connection", str(exc) or "connection failed")
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        message = exc.api_message or str(exc)
        if isinstance(exc, anthropic.RateLimitError):
            after = exc.response.headers.get("retry-after")
            wait = f"; retry after {after} s" if after else ""
            return ProviderError(PROVIDER, "rate_limited", message + wait, status)
        if status in (401, 402, 403):  # credentials, billing, permission
            return ProviderError(PROVIDER, "auth", message, status)
        if status in (408, 499):  # the request timed out or was cut off on the way
            return ProviderError(PROVIDER, "connection", message, status)
        if status in (503, 529) or exc.type == "overloaded_error":
            return ProviderError(PROVIDER, "overloaded", message, status)
        if status >= 500:
            return ProviderError(PROVIDER, "server_error", message, status)
        return ProviderError(PROVIDER, "bad_request", message, status)
    return ProviderError(PROVIDER, "unknown", str(exc) or type(exc).__name__)


class AnthropicMessages(SDKAdapter):
    """Anthropic Messages over your `anthropic.Anthropic` or `anthropic.AsyncAnthropic` client.

    Args:
        client: the SDK client.
        model: the model name.
        max_tokens: the cap on each reply (the API requires one).
        **options: extra `messages.create` arguments (temperature, thinking, ...).
    """

    provider = "anthropic"

    def __init__(self, client: Any, *, model: str, max_tokens: int = 1024, **options: Any) -> None:
        super().__init__(client, model=model, options=options)
        self.max_tokens = max_tokens

    def endpoint(self) -> Callable[..., Any]:
        return self.client.messages.create  # type: ignore[no-any-return]

    def map_error(self, exc: Exception) -> ProviderError | None:
        return map_anthropic_error(exc)

    def build(self, request: ModelRequest) -> dict[str, Any]:
        turns: list[tuple[str, list[dict[str, Any]]]] = []
        for message in request.messages:
            if isinstance(message, UserMessage):
                _add(turns, "user", {"type": "text", "text": message.text})
            elif isinstance(message, ToolResultMessage):
                block: dict[str, Any] = {
                    "type": "tool_result",
                    "tool_use_id": message.call_id,
                    "content": message.content,
                }
                if message.is_error:
                    block["is_error"] = True
                # Parallel calls: every result joins the same user message.
                _add(turns, "user", block)
            elif isinstance(message, AssistantMessage):
                blocks = list(message.extra.get("thinking", []))
                if message.text:
                    blocks.append({"type": "text", "text": message.text})
                blocks.extend(
                    {"type": "tool_use", "id": c.id, "name": c.name, "input": c.parsed()}
                    for c in message.tool_calls
                )
                _add(turns, "assistant", *blocks)
        messages = [{"role": role, "content": _compact(blocks)} for role, blocks in turns]
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": messages,
            **self.options,
        }
        if request.system:
            kwargs["system"] = request.system
        if request.tools:
            kwargs["tools"] = request.tools
            if request.tool_choice != "auto":
                kwargs["tool_choice"] = {"type": request.tool_choice}
        return kwargs

    def parse(self, response: Any) -> ModelResponse:
        texts: list[str] = []
        calls: list[ToolCall] = []
        thinking: list[dict[str, Any]] = []
        for block in response.content:
            if block.type == "text":
                texts.append(block.text)
            elif block.type == "tool_use":
                calls.append(ToolCall(id=block.id, name=block.name, arguments=dict(block.input)))
            elif block.type in _THINKING:
                thinking.append(block.model_dump(mode="json", exclude_none=True))
        usage = response.usage.model_dump(include={"input_tokens", "output_tokens"})
        message = AssistantMessage(
            text="".join(texts) or None,
            tool_calls=tuple(calls),
            extra={"thinking": thinking} if thinking else {},
        )
        return ModelResponse(message, response.stop_reason, usage)


def _add(turns: list[tuple[str, list[dict[str, Any]]]], role: str, *blocks: dict[str, Any]) -> None:
    # The API wants user and assistant turns to alternate: merge neighbours of one role.
    if turns and turns[-1][0] == role:
        turns[-1][1].extend(blocks)
    else:
        turns.append((role, list(blocks)))


def _compact(blocks: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    # A lone text block is sent as a plain string: shorter and easier to read in cassettes.
    if len(blocks) == 1 and blocks[0]["type"] == "text":
        return str(blocks[0]["text"])
    return blocks
