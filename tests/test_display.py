"""HTML and plain-text views of actions, toolkits, results and transcripts."""

from __future__ import annotations

from typing import Any

from IPython.lib.pretty import pretty

from toolbridge import Action, Toolkit, ToolResult
from toolbridge.agent.messages import AssistantMessage, ToolCall, ToolResultMessage, UserMessage
from toolbridge.display import to_html, to_text, transcript_html, transcript_text
from toolbridge.results import MissingVariable, RequestSummary

SCRIPT = "<script>alert('x')</script>"


def lookup_action(description: str = "Look up an order by its number.") -> Action:
    return Action.model_validate(
        {
            "name": "lookup_order_status",
            "description": description,
            "base_url": "https://shop.test",
            "request": {"method": "GET", "url": "/orders/{order_number}"},
            "auth": {"type": "bearer", "secret": "ORDERS_TOKEN"},
            "variables": [
                {
                    "name": "order_number",
                    "type": "string",
                    "required": True,
                    "description": "The order number, starts with ORD-",
                    "example": "ORD-12345",
                    "pattern": "^ORD-[0-9]+$",
                },
                {"name": "customer_id", "source": "context", "description": "Signed-in customer"},
            ],
        }
    )


def shipped_result(**overrides: Any) -> ToolResult:
    fields: dict[str, Any] = {
        "action": "lookup_order_status",
        "ok": True,
        "status": 200,
        "outcome": "found",
        "data": {"id": "ORD-1042", "status": "shipped", "tracking": {"number": "JD0146"}},
        "request": RequestSummary(
            "GET", "https://shop.test/orders/ORD-1042?token=***", {"Authorization": "Bearer ***"}
        ),
    }
    fields.update(overrides)
    return ToolResult(**fields)


def conversation() -> list[Any]:
    return [
        UserMessage(text="Where is ORD-1042? " + SCRIPT),
        AssistantMessage(
            tool_calls=(
                ToolCall(
                    id="c1", name="lookup_order_status", arguments='{"order_number": "ORD-1042"}'
                ),
            )
        ),
        ToolResultMessage(
            call_id="c1",
            name="lookup_order_status",
            content='{"ok":true,"status":200,"data":{"note":"<b>fragile</b>"}}',
        ),
        AssistantMessage(text="It has shipped. " + SCRIPT),
        UserMessage(text="Thanks"),
        AssistantMessage(text="You're welcome."),
    ]


def test_action_html_has_a_row_per_variable_with_every_column() -> None:
    html = to_html(lookup_action())

    for column in ("name", "type", "required", "source", "description", "example"):
        assert f">{column}</th>" in html
    assert html.count("<tr>") == 3  # header + two variables
    assert "ORD-12345" in html and "pattern ^ORD-[0-9]+$" in html
    assert "GET https://shop.test/orders/{order_number}" in html
    assert "bearer (ORDERS_TOKEN)" in html


def test_script_in_an_action_description_renders_escaped() -> None:
    html = to_html(lookup_action(description=SCRIPT))

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_toolkit_html_has_one_row_per_action() -> None:
    toolkit = Toolkit([lookup_action(), lookup_action().model_copy(update={"name": "second"})])

    html = to_html(toolkit)

    assert "2 actions" in html
    assert html.count("<tr>") == 3
    assert "order_number*" in html and "customer_id" not in html.split("<tbody>")[1]


def test_result_html_shows_masked_request_outcome_and_pruned_json() -> None:
    html = to_html(shipped_result())

    assert "HTTP 200" in html and "found" in html
    assert "GET https://shop.test/orders/ORD-1042?token=***" in html
    assert "&quot;status&quot;: &quot;shipped&quot;" in html  # pretty JSON, escaped, in <pre>
    assert "<pre" in html


def test_needs_input_result_lists_every_missing_variable() -> None:
    result = ToolResult(
        action="lookup_order_status",
        ok=False,
        error="needs_input",
        guidance="Ask the customer for the order number.",
        missing=(MissingVariable("order_number", "The order number", "ORD-12345"),),
    )

    html, text = to_html(result), to_text(result)

    assert "needs_input" in html and ">missing</th>" in html and "ORD-12345" in html
    assert "guidance</b>: Ask the customer for the order number." in html
    assert "missing: order_number: The order number" in text


def test_api_strings_in_results_are_escaped() -> None:
    result = shipped_result(data={"note": SCRIPT}, guidance=SCRIPT)

    html = to_html(result)

    assert "<script>" not in html and "&lt;script&gt;" in html


def test_transcript_html_goes_turn_by_turn_and_escapes_everything() -> None:
    html = transcript_html(conversation())

    assert "turn 1" in html and "turn 2" in html and "turn 3" not in html
    assert "<script>" not in html and "<b>fragile</b>" not in html
    assert "&lt;b&gt;fragile&lt;/b&gt;" in html
    assert "lookup_order_status({&quot;order_number&quot;: &quot;ORD-1042&quot;})" in html
    assert html.index("Where is ORD-1042") < html.index("It has shipped") < html.index("Thanks")


def test_transcript_text_reads_like_a_chat_log() -> None:
    text = transcript_text(conversation())

    assert text.splitlines()[:3] == [
        "-- turn 1",
        "user:   Where is ORD-1042? " + SCRIPT,
        'tool:   lookup_order_status({"order_number": "ORD-1042"})',
    ]
    assert "model:  You're welcome." in text


def test_repr_hooks_delegate_to_display() -> None:
    action, result = lookup_action(), shipped_result()
    toolkit = Toolkit([action])

    assert action._repr_html_() == to_html(action)
    assert toolkit._repr_html_() == to_html(toolkit)
    assert result._repr_html_() == to_html(result)
    assert pretty(result).startswith("lookup_order_status · ok · HTTP 200 · outcome found")
    assert pretty(toolkit).startswith("Toolkit: 1 action\n")
    assert pretty(action).startswith("lookup_order_status [read, on_prompt]")


def test_session_renders_its_transcript_and_pending_confirmation() -> None:
    from toolbridge import Agent
    from toolbridge.models.scripted import ScriptedModel, call, calls

    write = lookup_action().model_copy(
        update={
            "name": "cancel",
            "safety": lookup_action().safety.model_copy(update={"requires_confirmation": True}),
        }
    )
    toolkit = Toolkit([write], secrets={"ORDERS_TOKEN": "t-123456789"})
    agent = Agent(toolkit, model=ScriptedModel([calls(call("cancel", order_number="ORD-1"))]))
    session = agent.session()
    session.send("Cancel ORD-1 " + SCRIPT)

    html = session._repr_html_()

    assert html == transcript_html(session)
    assert "needs confirmation" in html and "GET https://shop.test/orders/ORD-1" in html
    assert "<script>" not in html
    assert pretty(session).startswith("-- turn 1\nuser:   Cancel ORD-1")
