"""`OpenAIResponses`: the agent loop over the OpenAI Responses API (`client.responses`).

Wire format (openai SDK types `responses/`): the model's calls are `function_call` output
items (`call_id`, `name`, `arguments`); each result goes back as a
`{"type": "function_call_output", "call_id", "output"}` input item. The adapter is
stateless: every call sends the full input and `store: false`, so no
`previous_response_id` is needed and a restored session continues anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..agent.messages import AssistantMessage, ToolCall, ToolResultMessage, UserMessage
from ..errors import ProviderError
from .base import ModelRequest, ModelResponse, SDKAdapter
from .openai_chat import PROVIDER, map_openai_error


class OpenAIResponses(SDKAdapter):
    """The OpenAI Responses API over your `openai.OpenAI` or `openai.AsyncOpenAI` client.

    Args:
        client: the SDK client.
        model: the model name.
        store: let OpenAI keep the responses (off by default: the full input is sent anyway).
        **options: extra `responses.create` arguments (reasoning, temperature, ...).
    """

    provider = "openai-responses"

    def __init__(self, client: Any, *, model: str, store: bool = False, **options: Any) -> None:
        super().__init__(client, model=model, options={"store": store, **options})

    def endpoint(self) -> Callable[..., Any]:
        return self.client.responses.create  # type: ignore[no-any-return]

    def map_error(self, exc: Exception) -> ProviderError | None:
        return map_openai_error(exc)

    def build(self, request: ModelRequest) -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        for message in request.messages:
            if isinstance(message, UserMessage):
                items.append({"role": "user", "content": message.text})
            elif isinstance(message, ToolResultMessage):
                items.append(
                    {
                        "type": "function_call_output",
                        "call_id": message.call_id,
                        "output": message.content,
                    }
                )
            elif isinstance(message, AssistantMessage):
                if message.text:
                    items.append({"role": "assistant", "content": message.text})
                items.extend(
                    {
                        "type": "function_call",
                        "call_id": call.id,
                        "name": call.name,
                        "arguments": call.arguments_json(),
                    }
                    for call in message.tool_calls
                )
        kwargs: dict[str, Any] = {"model": self.model, "input": items, **self.options}
        if request.system:
            kwargs["instructions"] = request.system
        if request.tools:
            kwargs["tools"] = request.tools
            if request.tool_choice != "auto":
                kwargs["tool_choice"] = request.tool_choice
        return kwargs

    def parse(self, response: Any) -> ModelResponse:
        if response.status == "failed":
            error = response.error
            message = error.message if error is not None else "the response failed"
            raise ProviderError(PROVIDER, "unknown", message)
        texts: list[str] = []
        calls: list[ToolCall] = []
        for item in response.output:
            if item.type == "message":
                for part in item.content:
                    if part.type == "output_text":
                        texts.append(part.text)
                    elif part.type == "refusal":
                        texts.append(part.refusal)
            elif item.type == "function_call":
                calls.append(ToolCall(id=item.call_id, name=item.name, arguments=item.arguments))
        finish = response.status
        if response.incomplete_details is not None:
            finish = response.incomplete_details.reason or finish
        usage = {}
        if response.usage is not None:
            usage = response.usage.model_dump(include={"input_tokens", "output_tokens"})
        message = AssistantMessage(text="".join(texts) or None, tool_calls=tuple(calls))
        return ModelResponse(message, finish, usage)
