"""ScriptedModel plays its steps and says exactly where a script and a conversation disagree."""

from __future__ import annotations

import pytest

from toolbridge.agent.messages import AssistantMessage, ToolCall, ToolResultMessage, UserMessage
from toolbridge.errors import ScriptError
from toolbridge.models.base import ModelRequest
from toolbridge.models.scripted import ScriptedModel, call, calls, reply

HELLO = ModelRequest(messages=(UserMessage(text="hello there"),), tools=[{"name": "lookup"}])


def test_steps_play_in_order_with_generated_call_ids() -> None:
    model = ScriptedModel([calls(call("lookup", order_number="ORD-1"), call("lookup", {"n": 2})),
                           "done"])
    first = model.complete(HELLO)
    second = model.complete(HELLO)
    assert [(c.id, c.parsed()) for c in first.message.tool_calls] == [
        ("call_1_1", {"order_number": "ORD-1"}), ("call_1_2", {"n": 2})
    ]
    assert second.message.text == "done" and model.requests == [HELLO, HELLO]
    model.assert_complete()


def test_running_past_the_script_names_the_turn_and_the_user_message() -> None:
    model = ScriptedModel(["only one"])
    model.complete(HELLO)
    with pytest.raises(ScriptError, match=r"model turn 2 but the script has only 1 .*hello there"):
        model.complete(HELLO)


def test_expect_user_mismatch_names_step_and_both_texts() -> None:
    model = ScriptedModel(["a", reply("b", expect_user="ORD-9")])
    model.complete(HELLO)
    with pytest.raises(ScriptError, match=r"step 2 of 2 .*'ORD-9', but it was 'hello there'"):
        model.complete(HELLO)


def test_expect_results_checks_count_and_content_in_order() -> None:
    sent = ModelRequest(messages=(
        UserMessage(text="hi"),
        AssistantMessage(tool_calls=(ToolCall(id="c", name="lookup"),)),
        ToolResultMessage(call_id="c", name="lookup", content='{"ok":false,"error":"not_found"}'),
    ))
    with pytest.raises(ScriptError, match=r"expected 2 tool result\(s\), the model was sent 1"):
        ScriptedModel([reply("x", expect_results=["a", "b"])]).complete(sent)
    with pytest.raises(ScriptError, match=r"tool result 1 should contain '\"ok\":true'"):
        ScriptedModel([reply("x", expect_results=['"ok":true'])]).complete(sent)
    assert ScriptedModel([reply("x", expect_results=["not_found"])]).complete(sent).message.text


def test_expect_tools_and_tool_choice() -> None:
    with pytest.raises(ScriptError, match=r"expected tools \['create'\], offered \['lookup'\]"):
        ScriptedModel([reply("x", expect_tools=["create"])]).complete(HELLO)
    with pytest.raises(ScriptError, match="expected tool_choice 'none', sent 'auto'"):
        ScriptedModel([reply("x", expect_tool_choice="none")]).complete(HELLO)


def test_a_step_calling_tools_when_text_is_forced_is_a_script_error() -> None:
    forced = ModelRequest(messages=HELLO.messages, tool_choice="none")
    with pytest.raises(ScriptError, match="tool_choice 'none'"):
        ScriptedModel([calls(call("lookup"))]).complete(forced)


def test_custom_check_failure_is_reported_with_the_step() -> None:
    def no_system(request: ModelRequest) -> None:
        assert request.system == "Be kind.", "system prompt missing"

    with pytest.raises(ScriptError, match=r"step 1 of 1 .*check failed: system prompt missing"):
        ScriptedModel([reply("x", check=no_system)]).complete(HELLO)


def test_assert_complete_lists_every_unplayed_step() -> None:
    model = ScriptedModel(["one", calls(call("lookup", order_number="ORD-1")), "three"])
    model.complete(HELLO)
    with pytest.raises(ScriptError) as info:
        model.assert_complete()
    assert "2 step(s) not played" in str(info.value)
    assert 'step 2: lookup({"order_number":"ORD-1"})' in str(info.value)
    assert "step 3: 'three'" in str(info.value)


@pytest.mark.anyio
async def test_acomplete_plays_the_same_script() -> None:
    model = ScriptedModel(["async hello"])
    assert (await model.acomplete(HELLO)).message.text == "async hello"


def test_call_takes_a_dict_or_keywords_but_not_both() -> None:
    with pytest.raises(TypeError, match="not both"):
        call("lookup", {"a": 1}, b=2)
