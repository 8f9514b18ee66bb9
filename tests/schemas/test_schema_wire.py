"""Tool dicts use exactly the fields the installed SDKs' types define."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from toolbridge import Action, ToolbridgeError, Toolkit, Variable
from toolbridge.schemas import PROVIDERS, build_tools


def action(*variables: Variable, description: str = "Look up the status of one order.") -> Action:
    return Action(
        name="lookup_order",
        description=description,
        base_url="http://127.0.0.1:9",
        request={"url": "/orders"},
        variables=list(variables),
    )


ORDER = action(
    Variable(name="order_number", required=True, example="ORD-12345", description="Order id"),
    Variable(name="limit", type="integer", default=10, description="Rows"),
    Variable(name="when", type="date"),
)


def typed_dict_fields(cls: Any) -> tuple[set[str], set[str]]:
    """(all keys, required keys) of an SDK TypedDict."""
    return set(cls.__required_keys__) | set(cls.__optional_keys__), set(cls.__required_keys__)


def assert_fits(tool: dict[str, Any], cls: Any) -> None:
    keys, required = typed_dict_fields(cls)
    assert set(tool) <= keys, set(tool) - keys
    assert required <= set(tool), required - set(tool)


@pytest.mark.parametrize("strict", [True, False])
def test_openai_chat_tool_fits_the_sdk_types(strict: bool) -> None:
    from openai.types.chat import ChatCompletionFunctionToolParam
    from openai.types.shared_params import FunctionDefinition

    tool = build_tools([ORDER], "openai", strict=strict)[0]

    assert_fits(tool, ChatCompletionFunctionToolParam)
    assert_fits(tool["function"], FunctionDefinition)
    assert tool["type"] == "function" and tool["function"]["name"] == "lookup_order"


@pytest.mark.parametrize("strict", [True, False])
def test_openai_responses_tool_fits_the_sdk_type(strict: bool) -> None:
    from openai.types.responses import FunctionToolParam

    tool = build_tools([ORDER], "openai-responses", strict=strict)[0]

    assert_fits(tool, FunctionToolParam)
    assert tool["strict"] is strict  # a required field of FunctionToolParam


@pytest.mark.parametrize("strict", [True, False])
def test_anthropic_tool_fits_the_sdk_type(strict: bool) -> None:
    from anthropic.types import ToolParam

    tool = build_tools([ORDER], "anthropic", strict=strict)[0]

    assert_fits(tool, ToolParam)
    assert tool.get("strict", False) is strict


def test_mcp_tool_has_name_description_and_input_schema() -> None:
    tool = build_tools([ORDER], "mcp")[0]

    assert set(tool) == {"name", "description", "inputSchema"}
    jsonschema.Draft202012Validator.check_schema(tool["inputSchema"])


@pytest.mark.parametrize("strict", [True, False])
def test_anthropic_input_examples_are_valid_inputs(strict: bool) -> None:
    act = action(
        Variable(name="order_number", required=True, example="ORD-12345"),
        Variable(name="limit", type="integer", example=5),
        Variable(name="note"),
        Variable(name="address", type="object", example={"city": "Oslo"}, properties=[
            Variable(name="city", required=True), Variable(name="zip"),
        ]),
    )  # fmt: skip

    tool = build_tools([act], "anthropic", strict=strict)[0]

    assert len(tool["input_examples"]) == 1
    jsonschema.validate(tool["input_examples"][0], tool["input_schema"])
    assert tool["input_examples"][0]["order_number"] == "ORD-12345"


def test_no_input_examples_when_a_required_variable_has_no_example() -> None:
    act = action(Variable(name="order_number", required=True), Variable(name="n", example=3))

    tool = build_tools([act], "anthropic")[0]

    assert "input_examples" not in tool


def test_examples_and_defaults_reach_the_model_in_every_form() -> None:
    for provider in PROVIDERS:
        for strict in (True, False):
            text = repr(build_tools([ORDER], provider, strict=strict))
            assert "Example: ORD-12345." in text, (provider, strict)
            assert "Default: 10." in text or "'default': 10" in text, (provider, strict)


def test_non_strict_keeps_optional_out_of_required_and_default_as_keyword() -> None:
    params = build_tools([ORDER], "openai", strict=False)[0]["function"]["parameters"]

    assert params["required"] == ["order_number"]
    assert params["properties"]["limit"] == {
        "type": "integer",
        "description": "Rows",
        "default": 10,
    }
    assert params["properties"]["when"] == {"type": "string", "format": "date"}
    assert "strict" not in build_tools([ORDER], "openai", strict=False)[0]["function"]


def test_empty_description_is_left_out() -> None:
    tool = build_tools([action(description="")], "openai")[0]

    assert "description" not in tool["function"]
    assert tool["function"]["parameters"] == {
        "type": "object", "properties": {}, "required": [], "additionalProperties": False,
    }  # fmt: skip


def test_unknown_provider_is_a_developer_error_naming_the_choices() -> None:
    with pytest.raises(ToolbridgeError) as caught:
        build_tools([ORDER], "gemini")

    assert "'gemini'" in str(caught.value)
    assert "openai, openai-responses, anthropic, mcp" in str(caught.value)


def test_toolkit_tools_offers_prompt_actions_and_returns_a_fresh_list() -> None:
    at_end = Action(
        name="log_chat", description="Record the conversation summary at the end.",
        base_url="http://127.0.0.1:9", trigger="on_chat_end", request={"url": "/log"},
    )  # fmt: skip
    toolkit = Toolkit([ORDER, at_end])

    first = toolkit.tools("openai")
    first.append({"type": "function"})

    assert [t["function"]["name"] for t in toolkit.tools("openai")] == ["lookup_order"]
