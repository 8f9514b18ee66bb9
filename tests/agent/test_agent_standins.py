"""The provider stand-ins speak each wire format to the real SDKs, and refuse what the API would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from toolbridge.agent.messages import UserMessage
from toolbridge.errors import ProviderError, ScriptError, SessionError
from toolbridge.models.anthropic import AnthropicMessages
from toolbridge.models.base import ModelRequest, SDKAdapter
from toolbridge.models.openai_chat import OpenAIChat
from toolbridge.models.openai_responses import OpenAIResponses
from toolbridge.testing.standins import StandIn, call, calls, fail, reply


def _chat(client: Any) -> SDKAdapter:
    return OpenAIChat(client, model="gpt-test")


def _responses(client: Any) -> SDKAdapter:
    return OpenAIResponses(client, model="gpt-test")


def _claude(client: Any) -> SDKAdapter:
    return AnthropicMessages(client, model="claude-test")


ADAPTERS: dict[str, Callable[[Any], SDKAdapter]] = {
    "openai": _chat, "openai-responses": _responses, "anthropic": _claude,
}
HELLO = ModelRequest(messages=(UserMessage(text="hi"),), tools=[])


@pytest.mark.parametrize("provider", ADAPTERS)
def test_text_and_parallel_calls_reach_the_adapter_through_the_sdk(provider: str) -> None:
    standin = StandIn(provider, [calls(call("lookup", order_number="ORD-1"),  # type: ignore[arg-type]
                                       call("lookup", order_number="ORD-2")), reply("Hello!")])
    adapter = ADAPTERS[provider](standin.client())
    first = adapter.complete(HELLO)
    assert [c.parsed() for c in first.message.tool_calls] == [
        {"order_number": "ORD-1"}, {"order_number": "ORD-2"}
    ]
    assert len({c.id for c in first.message.tool_calls}) == 2
    assert adapter.complete(HELLO).message.text == "Hello!"
    standin.assert_complete()


@pytest.mark.parametrize("provider", ADAPTERS)
def test_requests_are_recorded_with_auth_headers_masked(provider: str) -> None:
    standin = StandIn(provider, ["ok"])  # type: ignore[arg-type]
    ADAPTERS[provider](standin.client()).complete(HELLO)
    recorded = standin.requests[0]
    assert recorded.method == "POST"
    assert recorded.body["model"] in ("gpt-test", "claude-test")
    auth = recorded.headers.get("authorization") or recorded.headers.get("x-api-key")
    assert auth == "***"


@pytest.mark.parametrize(
    ("provider", "status", "kind"),
    [
        ("openai", 429, "rate_limited"), ("openai-responses", 529, "overloaded"),
        ("anthropic", 429, "rate_limited"), ("anthropic", 529, "overloaded"),
        ("openai", 400, "bad_request"), ("anthropic", 401, "auth"),
        ("openai-responses", 401, "auth"),
    ],
)
def test_scripted_errors_surface_as_provider_errors(provider: str, status: int, kind: str) -> None:
    standin = StandIn(provider, [fail(status, "scripted failure", retry_after=3)])  # type: ignore[arg-type]
    with pytest.raises(ProviderError) as info:
        ADAPTERS[provider](standin.client()).complete(HELLO)
    assert (info.value.kind, info.value.status) == (kind, status)
    assert "scripted failure" in str(info.value)


def test_rate_limit_carries_retry_after_to_the_sdk() -> None:
    standin = StandIn("openai", [fail(429, retry_after=2)])
    with pytest.raises(openai.RateLimitError) as info:
        standin.client().chat.completions.create(model="m", messages=[])
    assert info.value.response.headers["retry-after"] == "2"


def test_anthropic_error_body_uses_the_anthropic_shape() -> None:
    standin = StandIn("anthropic", [fail(529)])
    with pytest.raises(anthropic.InternalServerError) as info:
        standin.client().messages.create(model="m", max_tokens=5,
                                         messages=[{"role": "user", "content": "hi"}])
    assert info.value.type == "overloaded_error" and info.value.status_code == 529


def test_unanswered_chat_tool_call_is_refused_like_the_real_api() -> None:
    standin = StandIn("openai", ["never sent"])
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "user", "content": "hello?"},
    ]
    with pytest.raises(openai.BadRequestError, match=r"tool_calls \['c1'\] were not answered"):
        standin.client().chat.completions.create(model="m", messages=messages)
    with pytest.raises(ScriptError, match="not answered"):
        standin.assert_complete()


def test_responses_output_without_its_call_is_refused() -> None:
    standin = StandIn("openai-responses", ["never sent"])
    items = [{"type": "function_call_output", "call_id": "call_x", "output": "{}"}]
    with pytest.raises(openai.BadRequestError, match="call_x"):
        standin.client().responses.create(model="m", input=items)


def test_anthropic_results_split_over_two_messages_are_refused() -> None:
    standin = StandIn("anthropic", ["never sent"])
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "t1", "name": "f", "input": {}},
            {"type": "tool_use", "id": "t2", "name": "f", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "x"}]},
    ]
    with pytest.raises(anthropic.BadRequestError, match="must each have a tool_result"):
        standin.client().messages.create(
            model="m", max_tokens=5, messages=messages, tools=[{"name": "f", "input_schema": {}}]
        )


def test_a_reply_past_the_script_is_a_server_error_and_fails_assert_complete() -> None:
    standin = StandIn("anthropic")
    with pytest.raises(ProviderError, match="no scripted reply left"):
        AnthropicMessages(standin.client(), model="m").complete(HELLO)
    with pytest.raises(ScriptError, match="no scripted reply left for request 1"):
        standin.assert_complete()


def test_unused_replies_fail_assert_complete() -> None:
    with pytest.raises(ScriptError, match="1 scripted reply never requested"):
        StandIn("openai", ["unused"]).assert_complete()


@pytest.mark.parametrize("provider", ADAPTERS)
def test_loopback_server_answers_the_real_sdk_over_http(provider: str) -> None:
    standin = StandIn(provider, ["over the wire"])  # type: ignore[arg-type]
    with standin.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        client = standin.client(base_url=url)
        try:
            response = ADAPTERS[provider](client).complete(HELLO)
        finally:
            client.close()
    assert response.message.text == "over the wire"
    assert standin.requests[0].path.endswith(("/v1/chat/completions", "/v1/responses",
                                              "/v1/messages"))


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ADAPTERS)
async def test_async_clients_work_through_the_transport(provider: str) -> None:
    standin = StandIn(provider, ["async ok"])  # type: ignore[arg-type]
    client = standin.client(asynchronous=True)
    response = await ADAPTERS[provider](client).acomplete(HELLO)
    await client.close()
    assert response.message.text == "async ok"


def test_a_sync_call_on_an_async_client_says_to_use_asend() -> None:
    standin = StandIn("openai", ["x"])
    client = openai.AsyncOpenAI(api_key="t", base_url="http://stand-in/v1", max_retries=0,
                                http_client=httpx2.AsyncClient(transport=standin.transport()))
    with pytest.raises(SessionError, match=r"async client: use `await session.asend\(\)`"):
        OpenAIChat(client, model="m").complete(HELLO)
