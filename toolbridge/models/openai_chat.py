"""`OpenAIChat`: the agent loop over OpenAI Chat Completions (`client.chat.completions`).

Wire format (openai SDK types `chat/`): assistant messages carry `tool_calls`
(`{"id", "type": "function", "function": {"name", "arguments"}}`); each result is a
`{"role": "tool", "tool_call_id", "content"}` message. `map_openai_error` is the one
place OpenAI SDK exceptions become `ProviderError`s; the Responses adapter shares it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..agent.messages import AssistantMessage, ToolCall, ToolResultMessage, UserMessage
from ..errors import ProviderError
from .base import ModelRequest, ModelResponse, SDKAdapter, missing_sdk

try:
    import openai as openai  # re-exported: the CLI builds clients from it
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise missing_sdk("openai", "openai") from exc

PROVIDER = "openai"


def map_openai_error(exc: Exception) -> ProviderError | None:
    """Translate an openai SDK exception; None for anything that is not one."""
    if not isinstance(exc, openai.OpenAIError):
        return None
    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return ProviderError(PROVIDER, "connection", str(exc) or "connection failed")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = _status_message(exc)
        if isinstance(exc, openai.RateLimitError):
            after = exc.response.headers.get("retry-after")
            wait = f"; retry after {after} s" if after else ""
            return ProviderError(PROVIDER, "rate_limited", message + wait, status)
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ProviderError(PROVIDER, "auth", message, status)
        if status in (408, 499):  # the request timed out or was cut off on the way
            return ProviderError(PROVIDER, "connection", message, status)
        if status in (503, 529) or "overload" in message.lower():
            return ProviderError(PROVIDER, "overloaded", message, status)
        if status >= 500:
            return ProviderError(PROVIDER, "server_error", message, status)
        return ProviderError(PROVIDER, "bad_request", message, status)
    return ProviderError(PROVIDER, "unknown", str(exc) or type(exc).__name__)


def _status_message(exc: Any) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return str(getattr(exc, "message", "") or exc)


class OpenAIChat(SDKAdapter):
    """OpenAI Chat Completions over your `openai.OpenAI` or `openai.AsyncOpenAI` client.

    Args:
        client: the SDK client (sync for `session.send`, async for `session.asend`).
        model: the model name.
        **options: extra `chat.completions.create` arguments (temperature, ...).
    """

    provider = "openai"

    def __init__(self, client: Any, *, model: str, **options: Any) -> None:
        super().__init__(client, model=model, options=options)

    def endpoint(self) -> Callable[..., Any]:
        return self.client.chat.completions.create  # type: ignore[no-any-return]

    def map_error(self, exc: Exception) -> ProviderError | None:
        return map_openai_error(exc)

    def build(self, request: ModelRequest) -> dict[str, Any]:
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        for message in request.messages:
            if isinstance(message, UserMessage):
                messages.append({"role": "user", "content": message.text})
            elif isinstance(message, ToolResultMessage):
                messages.append(
                    {"role": "tool", "tool_call_id": message.call_id, "content": message.content}
                )
            elif isinstance(message, AssistantMessage):
                messages.append(_assistant(message))
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, **self.options}
        if request.tools:
            kwargs["tools"] = request.tools
            if request.tool_choice != "auto":
                kwargs["tool_choice"] = request.tool_choice
        return kwargs

    def parse(self, response: Any) -> ModelResponse:
        if not response.choices:
            raise ProviderError(PROVIDER, "unknown", "the response has no choices")
        choice = response.choices[0]
        message = choice.message
        calls = tuple(
            ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments or "{}")
            for c in message.tool_calls or ()
            if c.type == "function"
        )
        usage = {}
        if response.usage is not None:
            usage = response.usage.model_dump(include={"prompt_tokens", "completion_tokens"})
        text = message.content or message.refusal
        assistant = AssistantMessage(text=text, tool_calls=calls)
        return ModelResponse(assistant, choice.finish_reason, usage)


def _assistant(message: AssistantMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant", "content": message.text}
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_json()},
            }
            for call in message.tool_calls
        ]
    return out
