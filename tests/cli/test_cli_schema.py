"""`toolbridge schema`: tool lists per provider, and the action-file JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolbridge.actions.format_schema import format_schema
from toolbridge.cli import main

ORDERS = str(Path(__file__).parents[2] / "examples" / "orders.yaml")


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_openai_is_the_default_provider(capsys: pytest.CaptureFixture[str]) -> None:
    tools = run_json(capsys, "schema", ORDERS)

    assert isinstance(tools, list)
    assert tools[0]["type"] == "function"
    function = tools[0]["function"]
    assert function["name"] == "lookup_order_status"
    assert function["strict"] is True
    assert function["parameters"]["required"] == ["order_number"]


def test_anthropic_shape(capsys: pytest.CaptureFixture[str]) -> None:
    tools = run_json(capsys, "schema", ORDERS, "--provider", "anthropic")

    assert isinstance(tools, list)
    assert {"name", "description", "input_schema"} <= set(tools[0])
    assert tools[0]["input_schema"]["properties"]["order_number"]["type"] == "string"


def test_openai_responses_and_mcp_shapes(capsys: pytest.CaptureFixture[str]) -> None:
    responses = run_json(capsys, "schema", ORDERS, "-p", "openai-responses")
    mcp = run_json(capsys, "schema", ORDERS, "-p", "mcp")

    assert isinstance(responses, list) and isinstance(mcp, list)
    assert (responses[0]["type"], responses[0]["name"]) == ("function", "lookup_order_status")
    assert "inputSchema" in mcp[0]


def test_context_variables_never_reach_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    tools = run_json(capsys, "schema", ORDERS, "-p", "anthropic")

    assert isinstance(tools, list)
    cancel = next(t for t in tools if t["name"] == "cancel_order")
    assert "customer_id" not in cancel["input_schema"]["properties"]


def test_no_strict_turns_strict_mode_off(capsys: pytest.CaptureFixture[str]) -> None:
    tools = run_json(capsys, "schema", ORDERS, "--no-strict")

    assert isinstance(tools, list)
    assert tools[0]["function"].get("strict") in (None, False)


def test_format_schema_prints_the_action_file_schema(capsys: pytest.CaptureFixture[str]) -> None:
    schema = run_json(capsys, "schema", "--format-schema")

    assert schema == format_schema()


def test_unknown_provider_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["schema", ORDERS, "--provider", "gemini"])

    assert code == 2
    assert "invalid choice: 'gemini'" in capsys.readouterr().err


def test_schema_without_file_or_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["schema"])

    assert code == 2
    assert "give an action FILE, or --format-schema" in capsys.readouterr().err


def test_bad_file_prints_the_problems_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("actions:\n  - name: ping\n    request: {url: /ping}\n", encoding="utf-8")

    code = main(["schema", str(path)])

    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert "request.url: url '/ping' is relative but no base_url is set" in captured.err
    assert "Traceback" not in captured.err
