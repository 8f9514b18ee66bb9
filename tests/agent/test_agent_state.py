"""Session state round-trips through JSON, pending confirmation included, with no secrets."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from toolbridge import Toolkit
from toolbridge.agent.session import Agent, Session
from toolbridge.errors import SessionError
from toolbridge.models.scripted import ScriptedModel, call, calls

from .conftest import ORDERS_TOKEN, ShopAPI, shop_actions

TICKET = call("create_ticket", order_number="ORD-1", message="Lost parcel")


def fresh_toolkit(shop: ShopAPI) -> Toolkit:
    return Toolkit.from_dict(shop_actions(shop.base_url), secrets={"ORDERS_TOKEN": ORDERS_TOKEN})


def test_a_pending_confirmation_survives_a_restart_of_everything(shop: ShopAPI) -> None:
    # First process: the model asks for a write; the web server stores the state.
    first_kit = fresh_toolkit(shop)
    model = ScriptedModel([calls(call("lookup_order_status", order_number="ORD-1"), TICKET),
                           "Ticket T-100 is open."])
    paused = Agent(first_kit, model=model).session(context={"customer_id": "C-7"})
    turn = paused.send("ORD-1 never arrived, open a ticket")
    stored = paused.to_json()
    first_kit.close()

    # Second process: new toolkit (new confirmation key), new agent, same model script.
    second_kit = fresh_toolkit(shop)
    restored = Agent(second_kit, model=model).restore(stored)
    assert restored.pending == turn.pending and restored.pending is not None
    assert restored.conversation_id == paused.conversation_id
    assert restored.transcript == paused.transcript
    done = restored.confirm()
    second_kit.close()

    assert done.reply == "Ticket T-100 is open."
    assert len(shop.hits("POST", "/tickets")) == 1
    assert restored.gathered == {"order_number": "ORD-1", "message": "Lost parcel"}
    model.assert_complete()


def test_state_holds_no_secret_and_no_confirmation_token(toolkit: Toolkit) -> None:
    model = ScriptedModel([calls(call("lookup_order_status", order_number="ORD-1"), TICKET)])
    session = Agent(toolkit, model=model).session()
    turn = session.send("ticket please")
    token = toolkit.confirmation_token("create_ticket", TICKET.arguments,
                                       context=session.state.call_context())

    stored = session.to_json()

    assert turn.state == "needs_confirmation" and token
    assert ORDERS_TOKEN not in stored
    assert token not in stored


def test_the_json_is_plain_and_versioned(toolkit: Toolkit) -> None:
    session = Agent(toolkit, model=ScriptedModel(["hi"])).session(
        context={"customer_id": "C-7"}, conversation_id="conv-1"
    )
    session.send("hello")

    data = json.loads(session.to_json())

    assert data["version"] == 1 and data["conversation_id"] == "conv-1"
    assert data["context"] == {"customer_id": "C-7"}
    assert [m["role"] for m in data["transcript"]] == ["user", "assistant"]
    assert data["ended"] is False and data["awaiting"] == []


def test_ended_flag_survives_so_end_never_fires_twice(toolkit: Toolkit, shop: ShopAPI) -> None:
    model = ScriptedModel([calls(call("lookup_order_status", order_number="ORD-1")), "ok"])
    agent = Agent(toolkit, model=model)
    session = agent.session()
    session.send("ORD-1")
    assert session.end()["log_conversation"].ok

    restored = agent.restore(session.to_json())

    assert restored.ended and restored.end() == {}
    assert len(shop.hits("POST", "/transcripts")) == 1


def test_end_without_gathered_values_reports_what_is_missing(
    toolkit: Toolkit, shop: ShopAPI
) -> None:
    report = Agent(toolkit, model=ScriptedModel()).session().end()
    assert report["log_conversation"].error == "needs_input"
    assert shop.hits("POST", "/transcripts") == []


def test_restore_refuses_what_is_not_a_session(toolkit: Toolkit) -> None:
    agent = Agent(toolkit, model=ScriptedModel())
    with pytest.raises(SessionError, match="not a saved toolbridge session"):
        agent.restore("{not json")
    with pytest.raises(SessionError, match="version"):
        Session.from_json({"version": 2, "conversation_id": "x"}, agent)


def test_verify_identity_is_part_of_the_state(toolkit: Toolkit) -> None:
    agent = Agent(toolkit, model=ScriptedModel())
    session = agent.session()
    session.verify_identity()
    assert agent.restore(session.to_json()).context["identity_verified"] is True


def test_a_context_that_cannot_be_json_is_a_clear_error(toolkit: Toolkit) -> None:
    session = Agent(toolkit, model=ScriptedModel()).session(context={"when": object()})
    with pytest.raises(SessionError, match="not JSON-serialisable"):
        session.to_json()
    dated = Agent(toolkit, model=ScriptedModel()).session(context={"day": dt.date(2026, 1, 5)})
    assert json.loads(dated.to_json())["context"] == {"day": "2026-01-05"}
