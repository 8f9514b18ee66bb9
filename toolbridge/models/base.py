"""What a model adapter is: neutral request in, neutral response out.

The agent loop builds a `ModelRequest` (system prompt, the neutral transcript, the tool
schemas in the adapter's `provider` format) and gets back a `ModelResponse`. An adapter
over an official SDK only writes three pure functions — `build` (request → SDK keyword
arguments), `parse` (SDK response → neutral message) and `map_error` (SDK exception →
`ProviderError`, the ONE place errors are translated) — and names the SDK method to call.
`SDKAdapter` turns those into `complete()` (sync clients) and `acomplete()` (async clients).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from ..agent.messages import AssistantMessage, Message
from ..errors import ProviderError, SessionError

ToolChoice = Literal["auto", "none"]


@dataclass(frozen=True)
class ModelRequest:
    """Everything the model is sent for one step of the loop."""

    messages: tuple[Message, ...]
    """The whole neutral transcript so far (the Responses API is used statelessly too)."""
    system: str | None = None
    """The system prompt (instructions)."""
    tools: list[dict[str, Any]] = field(default_factory=list)
    """`toolkit.tools(adapter.provider)`: already in the adapter's wire format."""
    tool_choice: ToolChoice = "auto"
    """"none" forces a text answer (last allowed step, or a call that keeps failing)."""


@dataclass(frozen=True)
class ModelResponse:
    """One model turn, translated back to neutral form."""

    message: AssistantMessage
    finish: str | None = None
    """The provider's stop/finish reason, for diagnostics."""
    usage: dict[str, int] = field(default_factory=dict)
    """Token counts as the provider reports them."""


@runtime_checkable
class ModelAdapter(Protocol):
    """What `Agent(model=...)` accepts."""

    provider: str
    """Which `toolkit.tools()` format this adapter sends: openai, openai-responses,
    anthropic or mcp."""

    def complete(self, request: ModelRequest) -> ModelResponse: ...

    async def acomplete(self, request: ModelRequest) -> ModelResponse: ...


def tool_names(tools: list[dict[str, Any]]) -> list[str]:
    """Tool names from a `tools=` list in any of the supported formats."""
    names = []
    for tool in tools:
        function = tool.get("function")
        names.append(function["name"] if isinstance(function, dict) else tool.get("name", "?"))
    return names


class SDKAdapter:
    """Shared driver for adapters over an official SDK client (sync or async)."""

    provider: str = ""
    sdk_name: str = ""

    def __init__(self, client: Any, *, model: str, options: Mapping[str, Any]) -> None:
        self.client = client
        self.model = model
        self.options = dict(options)
        """Extra keyword arguments for every SDK call (temperature, metadata, ...)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r})"

    # -- what each adapter writes --------------------------------------------------

    def build(self, request: ModelRequest) -> dict[str, Any]:
        raise NotImplementedError

    def parse(self, response: Any) -> ModelResponse:
        raise NotImplementedError

    def map_error(self, exc: Exception) -> ProviderError | None:
        """The SDK exception as a `ProviderError`, or None if it is not the SDK's."""
        raise NotImplementedError

    def endpoint(self) -> Callable[..., Any]:
        raise NotImplementedError

    # -- drivers -------------------------------------------------------------------

    def complete(self, request: ModelRequest) -> ModelResponse:
        """Call a sync client."""
        kwargs = self.build(request)
        try:
            response = self.endpoint()(**kwargs)
        except Exception as exc:
            mapped = self.map_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        if inspect.isawaitable(response):
            close = getattr(response, "close", None)
            if close is not None:  # don't leave a never-awaited coroutine behind
                close()
            raise SessionError(
                f"{type(self).__name__} wraps an async client: use `await session.asend()` "
                "(or pass a sync client to use `session.send()`)."
            )
        return self.parse(response)

    async def acomplete(self, request: ModelRequest) -> ModelResponse:
        """Call an async client (a sync client works too, but blocks the event loop)."""
        kwargs = self.build(request)
        try:
            response = self.endpoint()(**kwargs)
            if inspect.isawaitable(response):
                response = await response
        except Exception as exc:
            mapped = self.map_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        return self.parse(response)


def missing_sdk(package: str, extra: str) -> ImportError:
    """The ImportError raised when an adapter's SDK is not installed."""
    return ImportError(
        f"this adapter needs the `{package}` package: pip install \"toolbridge[{extra}]\""
    )
