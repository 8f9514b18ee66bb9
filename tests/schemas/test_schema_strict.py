"""Strict schemas are accepted by the providers' strict rules, and lose nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from strict_rules import anthropic_strict_violations, openai_strict_violations, schema_keys

from toolbridge import Action, Variable
from toolbridge.schemas import build_tools


def action(*variables: Variable, name: str = "do_thing") -> Action:
    return Action(
        name=name,
        description="Does the thing the user asked for.",
        base_url="http://127.0.0.1:9",
        request={"method": "POST", "url": "/things", "body": {}},
        variables=list(variables),
    )


VARIETY = [
    action(Variable(name="order_number", required=True, pattern="^ORD-[0-9]+$",
                    example="ORD-12345", description="Order number")),
    action(Variable(name="limit", type="integer", minimum=1, maximum=50, default=10),
           Variable(name="ratio", type="number", minimum=0.5),
           Variable(name="express", type="boolean", default=False)),
    action(Variable(name="speed", enum=["standard", "express"], default="standard"),
           Variable(name="size", type="integer", enum=[1, 2, 3], required=True)),
    action(Variable(name="day", type="date", required=True, example="2026-01-05"),
           Variable(name="at", type="datetime"),
           Variable(name="email", type="email", example="a@example.com"),
           Variable(name="phone", type="phone", required=True, example="+14155550123")),
    action(Variable(name="note", min_length=3, max_length=200),
           Variable(name="tags", type="array", items=Variable(name="tag", max_length=20),
                    min_length=2, max_length=5)),
    action(Variable(name="address", type="object", required=True, properties=[
        Variable(name="city", required=True),
        Variable(name="zip", pattern="^[0-9]{5}$"),
        Variable(name="geo", type="object", properties=[Variable(name="lat", type="float")]),
    ]), Variable(name="lines", type="array", items=Variable(name="line", type="object", properties=[
        Variable(name="sku", required=True), Variable(name="qty", type="integer", default=1),
    ]))),
    action(Variable(name="word", pattern=r"^(?P<w>\w+)\b"),
           Variable(name="tenant", source="context"),
           Variable(name="api_version", source="constant", value="v2")),
    action(),
]  # fmt: skip


@pytest.mark.parametrize("act", VARIETY, ids=lambda a: ",".join(v.name for v in a.variables))
def test_openai_strict_schemas_follow_the_documented_rules(act: Action) -> None:
    chat = build_tools([act], "openai")[0]["function"]
    responses = build_tools([act], "openai-responses")[0]

    assert openai_strict_violations(chat["parameters"]) == []
    assert responses["parameters"] == chat["parameters"]
    assert chat["strict"] is True and responses["strict"] is True


@pytest.mark.parametrize("act", VARIETY, ids=lambda a: ",".join(v.name for v in a.variables))
def test_anthropic_strict_schemas_follow_the_sdk_rules(act: Action) -> None:
    tool = build_tools([act], "anthropic")[0]

    assert anthropic_strict_violations(tool["input_schema"]) == []
    assert tool["strict"] is True


@pytest.mark.parametrize("act", VARIETY, ids=lambda a: ",".join(v.name for v in a.variables))
def test_openai_sdk_strictifier_finds_nothing_to_change(act: Action) -> None:
    from openai.lib._pydantic import _ensure_strict_json_schema

    params = build_tools([act], "openai")[0]["function"]["parameters"]
    again = copy.deepcopy(params)

    assert _ensure_strict_json_schema(again, path=(), root=again) == params


def test_optional_variables_are_required_but_nullable() -> None:
    act = action(
        Variable(name="order_number", required=True),
        Variable(name="limit", type="integer", default=10),
        Variable(name="speed", enum=["standard", "express"]),
        Variable(name="tags", type="array", items=Variable(name="t")),
    )

    params = build_tools([act], "openai")[0]["function"]["parameters"]
    props = params["properties"]

    assert params["required"] == ["order_number", "limit", "speed", "tags"]
    assert props["order_number"]["type"] == "string"
    assert props["limit"]["type"] == ["integer", "null"]
    assert props["speed"]["enum"] == ["standard", "express", None]
    assert props["tags"]["anyOf"][1] == {"type": "null"}


def test_refused_keywords_move_into_the_description() -> None:
    act = action(
        Variable(name="limit", type="integer", default=10, minimum=1, maximum=50,
                 description="How many"),
        Variable(name="note", min_length=3, max_length=64, example="fragile"),
        Variable(name="phone", type="phone"),
    )  # fmt: skip

    openai = build_tools([act], "openai")[0]["function"]["parameters"]["properties"]
    anthropic = build_tools([act], "anthropic")[0]["input_schema"]["properties"]

    assert openai["limit"]["description"] == "How many. Default: 10."
    assert openai["limit"]["minimum"] == 1  # OpenAI strict keeps numeric bounds
    assert anthropic["limit"]["description"] == "How many. Between 1 and 50. Default: 10."
    assert openai["note"]["description"] == "Between 3 and 64 characters. Example: fragile."
    assert "+14155550123" in openai["phone"]["description"]
    assert "format" not in openai["phone"]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_strict_schemas_never_carry_default_examples_or_titles(provider: str) -> None:
    tools = build_tools(VARIETY, provider)

    keys: set[str] = set()
    for tool in tools:
        schema: dict[str, Any] = tool.get("function", tool).get("parameters") or tool.get(
            "input_schema"
        )
        keys |= schema_keys(schema)

    assert keys.isdisjoint({"default", "examples", "title"})


def test_anthropic_pattern_becomes_text_and_openai_keeps_portable_ones() -> None:
    act = action(
        Variable(name="order_number", pattern="^ORD-[0-9]+$"),
        Variable(name="word", pattern=r"^(?P<w>\w+)\b"),
    )

    openai = build_tools([act], "openai")[0]["function"]["parameters"]["properties"]
    anthropic = build_tools([act], "anthropic")[0]["input_schema"]["properties"]

    assert openai["order_number"]["pattern"] == "^ORD-[0-9]+$"
    assert "pattern" not in openai["word"]
    assert r"(?P<w>\w+)" in openai["word"]["description"]
    assert "pattern" not in anthropic["order_number"]
    assert "^ORD-[0-9]+$" in anthropic["order_number"]["description"]


def test_only_model_variables_appear() -> None:
    act = VARIETY[6]

    for provider in ("openai", "openai-responses", "anthropic", "mcp"):
        tool = build_tools([act], provider)[0]
        text = repr(tool)
        assert "tenant" not in text and "api_version" not in text, provider


def test_the_rule_checkers_refuse_a_non_strict_schema() -> None:
    # Guards the guards: the neutral form breaks both providers' strict rules.
    from toolbridge.schemas import parameters_schema

    neutral = parameters_schema(VARIETY[1])

    assert any("required must list" in v for v in openai_strict_violations(neutral))
    assert any("default" in v for v in openai_strict_violations(neutral))
    assert any("minimum" in v for v in anthropic_strict_violations(neutral))
