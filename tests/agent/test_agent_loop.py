"""The loop's policies: step limit, repeated failures, untrusted calls, pauses, misuse."""

from __future__ import annotations

from typing import Any

import pytest

from toolbridge import Toolkit
from toolbridge.agent.loop import REPEATED_NOTE, CallModel, CallTool
from toolbridge.agent.messages import AssistantMessage, ToolCall
from toolbridge.agent.session import Agent
from toolbridge.errors import ScriptError, SessionError
from toolbridge.models.anthropic import AnthropicMessages
from toolbridge.models.base import ModelRequest, ModelResponse
from toolbridge.models.scripted import ScriptedModel, call, calls, reply
from toolbridge.testing.standins import StandIn

from .conftest import SYSTEM, ShopAPI

LOOKUP_999 = call("lookup_order_status", order_number="ORD-999")


def agent_for(toolkit: Toolkit, *steps: Any, **options: Any) -> tuple[Agent, ScriptedModel]:
    model = ScriptedModel(steps)
    return Agent(toolkit, model=model, system=SYSTEM, **options), model


def test_the_same_failing_call_twice_stops_tools_and_forces_an_answer(
    toolkit: Toolkit, shop: ShopAPI
) -> None:
    agent, model = agent_for(
        toolkit,
        calls(LOOKUP_999),
        calls(LOOKUP_999, expect_results=["not_found"]),
        reply("I can't find that order.", expect_tool_choice="none",
              expect_results=[REPEATED_NOTE]),
    )

    turn = agent.session().send("ORD-999?")

    assert turn.state == "reply" and turn.reply == "I can't find that order."
    assert len(shop.hits("GET", "/orders")) == 2
    model.assert_complete()


def test_the_last_allowed_step_must_answer_in_text(toolkit: Toolkit) -> None:
    agent, model = agent_for(
        toolkit,
        calls(call("lookup_order_status", order_number="ORD-1"), expect_tool_choice="auto"),
        reply("It shipped.", expect_tool_choice="none"),
        max_steps=2,
    )

    turn = agent.session().send("ORD-1?")

    assert (turn.state, turn.steps) == ("reply", 2)
    model.assert_complete()


class Stubborn:
    """A model that calls a tool whatever it is told (real providers honour tool_choice)."""

    provider = "mcp"

    def __init__(self) -> None:
        self.requests: list[ModelRequest] = []

    def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        n = len(self.requests)
        arguments = {"order_number": "ORD-1"}
        call_ = ToolCall(id=f"s{n}", name="lookup_order_status", arguments=arguments)
        return ModelResponse(AssistantMessage(tool_calls=(call_,)))

    async def acomplete(self, request: ModelRequest) -> ModelResponse:
        return self.complete(request)


def test_a_model_that_ignores_tool_choice_none_ends_in_an_error_turn(
    toolkit: Toolkit, shop: ShopAPI
) -> None:
    model = Stubborn()
    session = Agent(toolkit, model=model, max_steps=2).session()

    turn = session.send("ORD-1?")

    assert turn.state == "error" and "kept calling tools" in (turn.error or "")
    assert "couldn't finish" in turn.reply
    assert len(shop.hits("GET", "/orders")) == 1  # the forced step's call never ran
    model.requests.clear()
    session.send("hello again")  # the transcript is still valid: every call answered
    assert model.requests[0].messages[-1].role == "user"


def test_on_chat_end_actions_cannot_be_called_by_the_model(
    toolkit: Toolkit, shop: ShopAPI
) -> None:
    agent, _ = agent_for(
        toolkit,
        calls(call("log_conversation", order_number="ORD-1")),
        reply("ok", expect_results=['"error":"unknown_tool"']),
    )

    turn = agent.session().send("log it")

    assert turn.tool_calls[0].result.error == "unknown_tool"
    assert shop.hits("POST", "/transcripts") == []


def test_a_new_message_while_confirmation_is_pending_rejects_it(
    toolkit: Toolkit, shop: ShopAPI
) -> None:
    agent, model = agent_for(
        toolkit,
        calls(call("create_ticket", order_number="ORD-1", message="x")),
        reply("Okay, no ticket.", expect_results=['"error":"rejected"'], expect_user="wait"),
    )
    session = agent.session()
    session.send("open a ticket")

    turn = session.send("wait, don't")

    assert turn.reply == "Okay, no ticket." and session.pending is None
    assert shop.hits("POST", "/tickets") == []
    model.assert_complete()


def test_two_writes_in_one_batch_are_confirmed_one_at_a_time(
    toolkit: Toolkit, shop: ShopAPI
) -> None:
    agent, model = agent_for(
        toolkit,
        calls(call("create_ticket", order_number="ORD-1", message="first"),
              call("create_ticket", order_number="ORD-2", message="second")),
        reply("Both tickets are open."),
    )
    session = agent.session()

    first = session.send("two tickets please")
    second = session.confirm()
    assert first.pending is not None and second.pending is not None
    assert "first" in first.pending.describe() and "second" in second.pending.describe()
    assert second.state == "needs_confirmation"
    done = session.confirm()

    assert done.reply == "Both tickets are open."
    assert [h["body"]["message"] for h in shop.hits("POST", "/tickets")] == ["first", "second"]
    model.assert_complete()


def test_an_empty_model_answer_is_an_error_turn(toolkit: Toolkit) -> None:
    agent, _ = agent_for(toolkit, reply(""))
    turn = agent.session().send("hi")
    assert turn.state == "error" and "neither text nor tool calls" in (turn.error or "")


def test_script_errors_propagate_and_the_session_goes_on(toolkit: Toolkit) -> None:
    agent, model = agent_for(toolkit)
    session = agent.session()
    with pytest.raises(ScriptError, match="script has only 0 step"):
        session.send("hi")
    model.add("Hello!")
    assert session.retry().reply == "Hello!"


def test_observer_sees_every_model_and_tool_call(toolkit: Toolkit) -> None:
    seen: list[tuple[str, str]] = []

    def observe(phase: str, effect: Any, value: Any) -> None:
        kind = effect.name if isinstance(effect, CallTool) else "model"
        seen.append((phase, kind))
        assert isinstance(effect, CallModel | CallTool)

    agent, _ = agent_for(
        toolkit, calls(call("lookup_order_status", order_number="ORD-1")), "done", on_event=observe
    )
    agent.session().send("ORD-1?")

    assert seen == [("start", "model"), ("done", "model"), ("start", "lookup_order_status"),
                    ("done", "lookup_order_status"), ("start", "model"), ("done", "model")]


@pytest.mark.anyio
async def test_sync_send_works_inside_a_running_event_loop(toolkit: Toolkit) -> None:
    # What Jupyter does: the cell runs inside a loop. The sync path never touches asyncio.
    agent, _ = agent_for(toolkit, calls(call("lookup_order_status", order_number="ORD-1")), "ok")
    assert agent.session().send("ORD-1?").reply == "ok"


@pytest.mark.anyio
async def test_asend_and_aconfirm_drive_the_toolkit_asynchronously(
    toolkit: Toolkit, shop: ShopAPI
) -> None:
    agent, _ = agent_for(
        toolkit, calls(call("create_ticket", order_number="ORD-1", message="m")), "Opened."
    )
    session = agent.session()

    assert (await session.asend("ticket")).state == "needs_confirmation"
    assert (await session.aconfirm()).reply == "Opened."
    assert (await session.aend())["log_conversation"].ok
    assert len(shop.hits("POST", "/tickets")) == 1
    await toolkit.executor.aclose()


def test_misuse_raises_session_errors(toolkit: Toolkit) -> None:
    agent, _ = agent_for(toolkit, "hi")
    session = agent.session()
    with pytest.raises(SessionError, match="nothing is waiting for confirmation"):
        session.confirm()
    with pytest.raises(SessionError, match="nothing is waiting"):
        session.reject()
    session.send("hello")
    with pytest.raises(SessionError, match="nothing to retry"):
        session.retry()
    session.end()
    with pytest.raises(SessionError, match="has ended"):
        session.send("again")
    with pytest.raises(SessionError, match="max_steps must be at least 1"):
        Agent(toolkit, model=ScriptedModel(), max_steps=0)
    with pytest.raises(SessionError, match="on_provider_error"):
        Agent(toolkit, model=ScriptedModel(), on_provider_error="ignore")  # type: ignore[arg-type]


def test_nothing_the_model_says_or_sends_can_confirm(toolkit: Toolkit, shop: ShopAPI) -> None:
    arguments = {"order_number": "ORD-1", "message": "refund"}
    agent, model = agent_for(toolkit, calls(call("create_ticket", arguments)))
    session = agent.session()
    assert session.send("refund ORD-1").state == "needs_confirmation"
    token = toolkit.confirmation_token("create_ticket", arguments,
                                       context=session.state.call_context())
    assert token is not None
    # The model claims the user agreed and even passes the real token as an argument.
    model.add(calls(call("create_ticket", {**arguments, "confirm": token}), text="User said yes"),
              "Done!")

    turn = session.send("yes, I confirm")

    assert shop.hits("POST", "/tickets") == []
    assert turn.state == "reply"
    assert turn.tool_calls[-1].result.error == "invalid_arguments"
    fed_back = [m.content for r in model.requests for m in r.messages if m.role == "tool"]
    assert fed_back and all(token not in content for content in fed_back)


def test_an_empty_answer_is_not_kept_so_the_next_request_stays_valid(toolkit: Toolkit) -> None:
    standin = StandIn("anthropic", [reply(""), "Hello!"])
    client = standin.client()
    session = Agent(toolkit, model=AnthropicMessages(client, model="m")).session()

    assert session.send("hi").state == "error"
    assert session.send("hi again").reply == "Hello!"
    client.close()
    standin.assert_complete()  # the stand-in refuses empty content, as the API does


def test_send_needs_some_text(toolkit: Toolkit) -> None:
    with pytest.raises(SessionError, match="needs the user's text"):
        Agent(toolkit, model=ScriptedModel()).session().send("  ")
