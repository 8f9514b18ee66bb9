"""Adapters translate the neutral transcript to each SDK's request and back, purely."""

from __future__ import annotations

import json
from types import SimpleNamespace

import anthropic
import httpx2
import openai
import pytest

from toolbridge.agent.messages import AssistantMessage, ToolCall, ToolResultMessage, UserMessage
from toolbridge.errors import ProviderError
from toolbridge.models.anthropic import AnthropicMessages, map_anthropic_error
from toolbridge.models.base import ModelRequest
from toolbridge.models.openai_chat import OpenAIChat, map_openai_error
from toolbridge.models.openai_responses import OpenAIResponses

PARALLEL = (
    UserMessage(text="Where are ORD-1 and ORD-2?"),
    AssistantMessage(
        text="Looking.",
        tool_calls=(
            ToolCall(id="c1", name="lookup", arguments='{"order_number":"ORD-1"}'),
            ToolCall(id="c2", name="lookup", arguments={"order_number": "ORD-2"}),
        ),
    ),
    ToolResultMessage(call_id="c1", name="lookup", content='{"ok":true}'),
    ToolResultMessage(call_id="c2", name="lookup", content='{"ok":false}', is_error=True),
)


def request(tool_choice: str = "auto") -> ModelRequest:
    return ModelRequest(
        messages=PARALLEL, system="Be brief.", tools=[{"name": "lookup"}],
        tool_choice=tool_choice,  # type: ignore[arg-type]
    )


def test_chat_build_sends_tool_calls_and_one_tool_message_per_result() -> None:
    kwargs = OpenAIChat(None, model="m", temperature=0).build(request())
    assert kwargs["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Where are ORD-1 and ORD-2?"},
        {"role": "assistant", "content": "Looking.", "tool_calls": [
            {"id": "c1", "type": "function",
             "function": {"name": "lookup", "arguments": '{"order_number":"ORD-1"}'}},
            {"id": "c2", "type": "function",
             "function": {"name": "lookup", "arguments": '{"order_number":"ORD-2"}'}},
        ]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"ok":true}'},
        {"role": "tool", "tool_call_id": "c2", "content": '{"ok":false}'},
    ]
    assert kwargs["temperature"] == 0 and "tool_choice" not in kwargs


def test_chat_build_forces_text_with_tool_choice_none() -> None:
    assert OpenAIChat(None, model="m").build(request("none"))["tool_choice"] == "none"


def test_responses_build_sends_function_call_items_and_outputs_statelessly() -> None:
    kwargs = OpenAIResponses(None, model="m").build(request())
    assert kwargs["instructions"] == "Be brief."
    assert kwargs["store"] is False and "previous_response_id" not in kwargs
    assert kwargs["input"][1:] == [
        {"role": "assistant", "content": "Looking."},
        {"type": "function_call", "call_id": "c1", "name": "lookup",
         "arguments": '{"order_number":"ORD-1"}'},
        {"type": "function_call", "call_id": "c2", "name": "lookup",
         "arguments": '{"order_number":"ORD-2"}'},
        {"type": "function_call_output", "call_id": "c1", "output": '{"ok":true}'},
        {"type": "function_call_output", "call_id": "c2", "output": '{"ok":false}'},
    ]


def test_anthropic_build_puts_all_results_in_one_user_message_with_is_error() -> None:
    kwargs = AnthropicMessages(None, model="m", max_tokens=300).build(request("none"))
    assert kwargs["max_tokens"] == 300 and kwargs["system"] == "Be brief."
    assert kwargs["tool_choice"] == {"type": "none"}
    assert kwargs["messages"][1:] == [
        {"role": "assistant", "content": [
            {"type": "text", "text": "Looking."},
            {"type": "tool_use", "id": "c1", "name": "lookup", "input": {"order_number": "ORD-1"}},
            {"type": "tool_use", "id": "c2", "name": "lookup", "input": {"order_number": "ORD-2"}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "c1", "content": '{"ok":true}'},
            {"type": "tool_result", "tool_use_id": "c2", "content": '{"ok":false}',
             "is_error": True},
        ]},
    ]


def test_anthropic_build_merges_a_user_message_after_results_behind_them() -> None:
    messages = (*PARALLEL, UserMessage(text="Also ORD-3"))
    kwargs = AnthropicMessages(None, model="m").build(ModelRequest(messages=messages))
    last = kwargs["messages"][-1]
    assert [b["type"] for b in last["content"]] == ["tool_result", "tool_result", "text"]
    assert "tools" not in kwargs and "system" not in kwargs


def test_anthropic_thinking_blocks_travel_back_first() -> None:
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    message = AssistantMessage(
        tool_calls=(ToolCall(id="t1", name="lookup", arguments={}),), extra={"thinking": [thinking]}
    )
    kwargs = AnthropicMessages(None, model="m").build(
        ModelRequest(messages=(UserMessage(text="hi"), message))
    )
    assert kwargs["messages"][1]["content"][0] == thinking


def test_chat_parse_reads_text_and_parallel_tool_calls() -> None:
    response = openai.types.chat.ChatCompletion.model_validate({
        "id": "x", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": None, "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                {"id": "b", "type": "function", "function": {"name": "g", "arguments": '{"x":1}'}},
            ]}}],
    })
    parsed = OpenAIChat(None, model="m").parse(response)
    assert [(c.id, c.name, c.parsed()) for c in parsed.message.tool_calls] == [
        ("a", "f", {}), ("b", "g", {"x": 1})
    ]
    assert parsed.message.text is None and parsed.finish == "tool_calls"


def test_responses_parse_reads_output_text_and_function_calls() -> None:
    response = SimpleNamespace(
        status="completed", error=None, incomplete_details=None, usage=None,
        output=[
            SimpleNamespace(type="reasoning"),
            SimpleNamespace(
                type="message", content=[SimpleNamespace(type="output_text", text="Hi")]
            ),
            SimpleNamespace(type="function_call", call_id="call_9", name="f", arguments="{}"),
        ],
    )
    parsed = OpenAIResponses(None, model="m").parse(response)
    assert parsed.message.text == "Hi"
    assert [(c.id, c.name) for c in parsed.message.tool_calls] == [("call_9", "f")]


def test_responses_parse_raises_on_a_failed_response() -> None:
    response = SimpleNamespace(status="failed", error=SimpleNamespace(message="model broke"))
    with pytest.raises(ProviderError, match="model broke"):
        OpenAIResponses(None, model="m").parse(response)


def test_anthropic_parse_keeps_thinking_and_tool_use_input_as_dict() -> None:
    response = anthropic.types.Message.model_validate({
        "id": "m1", "type": "message", "role": "assistant", "model": "m",
        "stop_reason": "tool_use", "usage": {"input_tokens": 5, "output_tokens": 7},
        "content": [
            {"type": "thinking", "thinking": "plan", "signature": "s"},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"n": 1}},
        ],
    })
    parsed = AnthropicMessages(None, model="m").parse(response)
    assert parsed.message.tool_calls[0].arguments == {"n": 1}
    assert parsed.message.extra["thinking"][0]["signature"] == "s"
    assert parsed.usage == {"input_tokens": 5, "output_tokens": 7}


# -- the error maps are complete: every SDK exception class has a stable kind ----------

def _status_error(module: object, cls: type, status: int, headers: dict[str, str]) -> Exception:
    response = httpx2.Response(status, headers=headers,
                               request=httpx2.Request("POST", "http://stand-in/x"))
    error: Exception = cls("boom", response=response, body={"error": {"message": "boom"}})
    return error


OPENAI_KINDS = {
    openai.BadRequestError: "bad_request", openai.AuthenticationError: "auth",
    openai.PermissionDeniedError: "auth", openai.NotFoundError: "bad_request",
    openai.ConflictError: "bad_request", openai.UnprocessableEntityError: "bad_request",
    openai.RateLimitError: "rate_limited", openai.InternalServerError: "server_error",
}
ANTHROPIC_KINDS = {
    anthropic.BadRequestError: "bad_request", anthropic.AuthenticationError: "auth",
    anthropic.PermissionDeniedError: "auth", anthropic.NotFoundError: "bad_request",
    anthropic.ConflictError: "bad_request", anthropic.UnprocessableEntityError: "bad_request",
    anthropic.RateLimitError: "rate_limited", anthropic.InternalServerError: "server_error",
    anthropic.PaymentRequiredError: "auth", anthropic.RequestTimeoutError: "connection",
    anthropic.ClientClosedRequestError: "connection", anthropic.PreconditionFailedError:
    "bad_request", anthropic.ContentTooLargeError: "bad_request",
    anthropic.RequestHeaderFieldsTooLargeError: "bad_request",
    anthropic.ServiceUnavailableError: "overloaded", anthropic.OverloadedError: "overloaded",
    anthropic.GatewayTimeoutError: "server_error",
    anthropic.HTTPNotImplementedError: "server_error",
}


@pytest.mark.parametrize(("cls", "kind"), OPENAI_KINDS.items())
def test_openai_status_errors_map_to_stable_kinds(cls: type, kind: str) -> None:
    status = {"server_error": 500}.get(kind, getattr(cls, "status_code", 400))
    mapped = map_openai_error(_status_error(openai, cls, status, {}))
    assert mapped is not None and mapped.kind == kind and mapped.provider == "openai"


@pytest.mark.parametrize(("cls", "kind"), ANTHROPIC_KINDS.items())
def test_anthropic_status_errors_map_to_stable_kinds(cls: type, kind: str) -> None:
    status = {"server_error": 500}.get(kind, getattr(cls, "status_code", 400))
    mapped = map_anthropic_error(_status_error(anthropic, cls, status, {}))
    assert mapped is not None and mapped.kind == kind and mapped.provider == "anthropic"


def test_every_sdk_status_error_class_is_covered_by_the_tables() -> None:
    # Like httpx's test over httpcore's exceptions: a new SDK class must be looked at.
    for module, table in ((openai, OPENAI_KINDS), (anthropic, ANTHROPIC_KINDS)):
        classes = {
            c for c in list(vars(module._exceptions).values())
            if isinstance(c, type) and issubclass(c, module.APIStatusError)
            and c is not module.APIStatusError
        }
        unmapped = {c.__name__ for c in classes if not any(issubclass(c, k) for k in table)}
        assert unmapped == set(), f"{module.__name__}: add these to the map test: {unmapped}"


@pytest.mark.parametrize("status", [503, 529])
def test_overload_statuses_map_to_overloaded(status: int) -> None:
    for module, mapper in ((openai, map_openai_error), (anthropic, map_anthropic_error)):
        error = _status_error(module, module.InternalServerError, status, {})
        mapped = mapper(error)
        assert mapped is not None and mapped.kind == "overloaded" and mapped.status == status


def test_rate_limit_message_carries_retry_after() -> None:
    error = _status_error(anthropic, anthropic.RateLimitError, 429, {"retry-after": "7"})
    mapped = map_anthropic_error(error)
    assert mapped is not None and "retry after 7 s" in str(mapped) and mapped.status == 429


def test_connection_errors_and_foreign_exceptions() -> None:
    request = httpx2.Request("POST", "http://stand-in/x")
    for module, mapper in ((openai, map_openai_error), (anthropic, map_anthropic_error)):
        mapped = mapper(module.APITimeoutError(request=request))
        assert mapped is not None and mapped.kind == "connection" and mapped.status is None
        assert mapper(KeyError("not ours")) is None


def test_tool_call_arguments_parse_forgivingly() -> None:
    assert ToolCall(id="1", name="f", arguments="not json").parsed() == {}
    assert ToolCall(id="1", name="f", arguments="[1]").parsed() == {}
    assert json.loads(ToolCall(id="1", name="f", arguments={"a": 1}).arguments_json()) == {"a": 1}
