"""Security review, end to end: the model can never skip a confirmation or pass an
identity gate — not through its arguments, not with a token minted for another call, not
by calling again after the user said no, not with parallel calls."""

from __future__ import annotations

from typing import Any

import pytest
from server import FaultServer

from toolbridge import Agent, SessionError, Toolkit
from toolbridge import results as r
from toolbridge.models.scripted import ScriptedModel, call, calls, reply


def _actions() -> list[dict[str, Any]]:
    return [
        {"name": "refund", "request": {"method": "POST",
                                       "url": "/echo/accounts/{customer_id}/refund",
                                       "body": {"amount": "{{amount}}"}},
         "variables": [{"name": "amount", "type": "integer", "required": True},
                       {"name": "customer_id", "source": "context"}],
         "safety": {"requires_confirmation": True}},
        {"name": "close_account", "request": {"method": "DELETE",
                                              "url": "/echo/accounts/{customer_id}"},
         "variables": [{"name": "customer_id", "source": "context"}],
         "safety": {"requires_confirmation": True}},
        {"name": "look", "request": {"url": "/echo/look"}},
        {"name": "secure", "request": {"url": "/echo/secure"},
         "safety": {"requires_identity_verification": True}},
        {"name": "wrap_up", "trigger": "on_chat_end",
         "request": {"method": "POST", "url": "/echo/wrap", "body": {"n": "{{note}}"}},
         "variables": [{"name": "note"}]},
    ]


def _toolkit(server: FaultServer) -> Toolkit:
    return Toolkit.from_dict({"version": 1, "defaults": {"base_url": server.base_url},
                              "actions": _actions()})


def _sent(server: FaultServer, prefix: str = "/echo/accounts") -> list[str]:
    return [seen.raw_path for seen in server.seen(prefix)]


@pytest.mark.parametrize("field", ["confirm", "confirmation", "token", "confirm_token",
                                   "confirmed", "approval", "user_confirmed"])
@pytest.mark.parametrize("as_text", [False, True])
def test_no_argument_name_confirms(fault_server: FaultServer, field: str,
                                   as_text: bool) -> None:
    toolkit = _toolkit(fault_server)
    ctx = {"customer_id": "A"}
    token = toolkit.confirmation_token("refund", {"amount": 5}, context=ctx)
    arguments: Any = {"amount": 5, field: token}
    if as_text:
        arguments = f'{{"amount": 5, "{field}": "{token}"}}'

    with toolkit:
        result = toolkit.call("refund", arguments, context=ctx)

    assert result.error == r.INVALID_ARGUMENTS and _sent(fault_server) == []
    assert token not in result.for_model()


def test_a_token_for_another_action_or_other_values_does_not_confirm(
    fault_server: FaultServer
) -> None:
    toolkit = _toolkit(fault_server)
    ctx = {"customer_id": "A"}
    other_action = toolkit.confirmation_token("close_account", {}, context=ctx)
    other_amount = toolkit.confirmation_token("refund", {"amount": 6}, context=ctx)
    other_customer = toolkit.confirmation_token("refund", {"amount": 5},
                                                context={"customer_id": "B"})

    with toolkit:
        results = [toolkit.call("refund", {"amount": 5}, context=ctx, confirm=token)
                   for token in (other_action, other_amount, other_customer, "", "0" * 64)]

    assert [res.error for res in results] == [r.NEEDS_CONFIRMATION] * 5
    assert _sent(fault_server) == []


def test_the_token_covers_the_coerced_values_not_their_spelling(
    fault_server: FaultServer
) -> None:
    toolkit = _toolkit(fault_server)
    ctx = {"customer_id": "A"}
    token = toolkit.confirmation_token("refund", {"amount": 5}, context=ctx)

    with toolkit:
        same = toolkit.call("refund", '{"amount": "5"}', context=ctx, confirm=token)
        bigger = toolkit.call("refund", '{"amount": 50}', context=ctx, confirm=token)

    assert same.ok and bigger.error == r.NEEDS_CONFIRMATION
    assert _sent(fault_server) == ["/echo/accounts/A/refund"]


_OPEN: list[Toolkit] = []


@pytest.fixture(autouse=True)
def _close_toolkits() -> Any:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _session(server: FaultServer, steps: list[Any], **context: Any) -> Any:
    toolkit = _toolkit(server)
    _OPEN.append(toolkit)
    agent = Agent(toolkit, model=ScriptedModel(steps))
    return agent.session(context={"customer_id": "A", **context})


def test_a_confirmed_request_is_exactly_the_one_the_user_was_shown(
    fault_server: FaultServer
) -> None:
    session = _session(fault_server, [calls(call("refund", amount=5)), reply("Done.")])
    paused = session.send("refund 5 please")
    shown = paused.pending.describe()
    # The host's context changes between the question and the answer (another tab, a
    # sign-in as someone else): the user agreed to the request for customer A.
    session.context["customer_id"] = "B"

    with pytest.raises(SessionError, match="changed after the user was shown it"):
        session.confirm()

    assert "/accounts/A/refund" in shown
    assert _sent(fault_server) == []
    # The pending request now describes what would really go out; a yes to *that* sends it.
    assert "/accounts/B/refund" in session.pending.describe()
    session.confirm()
    assert [path for path in _sent(fault_server) if "/accounts/" in path] == [
        "/echo/accounts/B/refund"
    ]


def test_after_a_rejection_the_model_calling_again_pauses_again(
    fault_server: FaultServer
) -> None:
    session = _session(fault_server, [
        calls(call("refund", amount=5)),
        calls(call("refund", amount=5)),  # straight after the rejection, same turn
        calls(call("refund", amount=5)),  # and again in the user's next turn
    ])

    first = session.send("refund 5")
    again = session.reject("no")
    later = session.send("what about now?")

    assert [first.state, again.state, later.state] == ["needs_confirmation"] * 3
    assert _sent(fault_server) == []


def test_parallel_calls_run_the_read_and_hold_every_write_for_its_own_yes(
    fault_server: FaultServer
) -> None:
    session = _session(fault_server, [
        calls(call("look"), call("refund", amount=5), call("refund", amount=5),
              call("close_account")),
        reply("All done."),
    ])

    paused = session.send("do it all")
    assert paused.state == "needs_confirmation" and len(fault_server.seen("/echo/look")) == 1
    assert _sent(fault_server) == []
    first = session.confirm()
    assert first.state == "needs_confirmation"
    assert _sent(fault_server) == ["/echo/accounts/A/refund"]
    second = session.reject()
    assert second.state == "needs_confirmation" and len(_sent(fault_server)) == 1
    session.reject()

    assert _sent(fault_server) == ["/echo/accounts/A/refund"]


def test_a_restored_session_does_not_send_a_pending_write_without_confirm(
    fault_server: FaultServer
) -> None:
    session = _session(fault_server, [calls(call("refund", amount=5)), reply("ok"),
                                      reply("ok")])
    session.send("refund")
    restored = session.agent.restore(session.to_json())

    turn = restored.send("actually, something else")

    assert turn.state == "reply" and _sent(fault_server) == []


def test_the_model_cannot_fire_an_on_chat_end_action(fault_server: FaultServer) -> None:
    session = _session(fault_server, [calls(call("wrap_up", note="x")), reply("ok")])

    turn = session.send("bye")

    assert turn.tool_calls[0].result.error == r.UNKNOWN_TOOL
    assert fault_server.seen("/echo/wrap") == []


@pytest.mark.parametrize("claimed", ["true", "True", 1, [True], {"v": True}, "yes"])
def test_identity_gate_wants_a_real_true_from_the_host(fault_server: FaultServer,
                                                        claimed: Any) -> None:
    toolkit = _toolkit(fault_server)

    with toolkit:
        by_context = toolkit.call("secure", {}, context={"identity_verified": claimed})
        by_argument = toolkit.call("secure", {"identity_verified": True})

    assert by_context.error == r.IDENTITY_REQUIRED
    assert by_argument.error == r.INVALID_ARGUMENTS
    assert fault_server.seen("/echo/secure") == []


def test_identity_gate_in_a_session_opens_only_by_the_host(fault_server: FaultServer) -> None:
    session = _session(fault_server, [
        calls(call("secure", '{"identity_verified": true}')),
        calls(call("secure")), reply("Please verify."),
        calls(call("secure")), reply("Here it is."),
    ], identity_verified="true")

    session.send("show me")
    assert fault_server.seen("/echo/secure") == []
    session.verify_identity()
    session.send("I verified")

    assert len(fault_server.seen("/echo/secure")) == 1
