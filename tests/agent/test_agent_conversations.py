"""Whole conversations: real SDK clients (or ScriptedModel) → Agent → toolkit → real HTTP API.

Every test runs for OpenAI Chat, OpenAI Responses, Anthropic and ScriptedModel, each in
sync, async and serialise-between-messages modes (see `Chat` in conftest.py). They assert
what the user sees, what the action API received, and what the model was sent.
"""

from __future__ import annotations

import pytest

from toolbridge import Toolkit
from toolbridge.errors import ProviderError
from toolbridge.testing.standins import call, calls, fail, reply

from .conftest import SYSTEM, Chat, ShopAPI


def test_missing_order_number_is_asked_for_then_looked_up(chat: Chat, shop: ShopAPI) -> None:
    chat.start([
        calls(call("lookup_order_status", {})),
        reply("Sure! What is your order number?"),
        calls(call("lookup_order_status", order_number="ORD-1")),
        reply("Your order ORD-1 has shipped, tracking TRK-1."),
    ])

    first = chat.send("Where is my order?")
    assert first.state == "needs_input"
    assert first.reply == "Sure! What is your order number?"
    assert [m.name for m in first.missing] == ["order_number"]
    assert shop.hits("GET", "/orders") == []  # nothing sent without the number
    [(call_id, result, _)] = chat.results_sent()
    assert call_id == chat.call_id(1, 1)
    assert result["error"] == "needs_input" and result["missing"][0]["name"] == "order_number"

    second = chat.send("It's ORD-1")
    assert second.state == "reply"
    assert second.reply == "Your order ORD-1 has shipped, tracking TRK-1."
    assert [(c.name, c.result.status) for c in second.tool_calls] == [("lookup_order_status", 200)]
    [hit] = shop.hits("GET", "/orders")
    assert hit["path"] == "/orders/ORD-1"
    assert hit["headers"]["x-request-id"] == chat.session.conversation_id
    [(call_id, result, is_error)] = chat.results_sent()
    assert call_id == chat.call_id(3, 1) and is_error in (None, False)
    assert result["data"] == {"id": "ORD-1", "status": "shipped", "tracking": {"number": "TRK-1"}}
    assert "ada@example.com" not in str(chat.results_sent())  # pruned by output.select
    offered = sorted(chat.offered_tools())
    assert offered == ["account_balance", "create_ticket", "lookup_order_status"]
    chat.finish()


def test_two_parallel_calls_in_one_turn(chat: Chat, shop: ShopAPI) -> None:
    chat.start([
        calls(call("lookup_order_status", order_number="ORD-1"),
              call("lookup_order_status", order_number="ORD-2")),
        reply("ORD-1 has shipped; ORD-2 is still being processed."),
    ])

    turn = chat.send("Where are ORD-1 and ORD-2?")

    assert turn.state == "reply"
    assert turn.reply == "ORD-1 has shipped; ORD-2 is still being processed."
    assert [c.arguments["order_number"] for c in turn.tool_calls] == ["ORD-1", "ORD-2"]
    assert sorted(h["path"] for h in shop.hits("GET", "/orders")) == ["/orders/ORD-1",
                                                                       "/orders/ORD-2"]
    sent = chat.results_sent()  # both results in the one follow-up request, ids in order
    assert [call_id for call_id, _, _ in sent] == [chat.call_id(1, 1), chat.call_id(1, 2)]
    assert [r["data"]["status"] for _, r, _ in sent] == ["shipped", "processing"]
    chat.finish()


def test_write_waits_for_confirmation_and_sends_once_confirmed(chat: Chat, shop: ShopAPI) -> None:
    chat.start([
        calls(call("create_ticket", order_number="ORD-1", message="Box arrived damaged")),
        reply("Done: ticket T-100 is open."),
    ])

    paused = chat.send("Please open a ticket for ORD-1, the box arrived damaged")
    assert paused.state == "needs_confirmation"
    assert paused.pending is not None
    described = paused.pending.describe()
    assert f"POST {shop.base_url}/tickets" in described
    assert "Box arrived damaged" in described
    assert shop.hits("POST", "/tickets") == []
    assert chat.model_calls == 1

    done = chat.confirm()
    assert done.state == "reply" and done.reply == "Done: ticket T-100 is open."
    [ticket] = shop.hits("POST", "/tickets")
    assert ticket["body"] == {"order_number": "ORD-1", "message": "Box arrived damaged"}
    [(call_id, result, _)] = chat.results_sent()
    assert call_id == chat.call_id(1, 1) and result["ok"] is True
    assert result["data"]["id"] == "T-100"
    assert chat.session.pending is None
    chat.finish()


def test_rejected_write_is_never_sent_and_the_model_is_told(chat: Chat, shop: ShopAPI) -> None:
    chat.start([
        calls(call("create_ticket", order_number="ORD-1", message="Refund please")),
        reply("No problem, I won't open a ticket. Anything else?"),
    ])

    assert chat.send("Open a ticket asking for a refund on ORD-1").state == "needs_confirmation"
    turn = chat.reject("changed my mind")

    assert turn.state == "reply"
    assert turn.reply == "No problem, I won't open a ticket. Anything else?"
    assert shop.hits("POST", "/tickets") == []
    [(call_id, result, is_error)] = chat.results_sent()
    assert call_id == chat.call_id(1, 1)
    assert result["ok"] is False and result["error"] == "rejected"
    assert "changed my mind" in result["guidance"]
    assert is_error in (None, True)
    chat.finish()


def test_identity_gated_action_runs_only_after_the_host_verifies(
    chat: Chat, shop: ShopAPI
) -> None:
    chat.start([
        calls(call("account_balance", {})),
        reply("Please verify your identity first."),
        calls(call("account_balance", {})),
        reply("Your balance is 12.50 EUR."),
    ])

    first = chat.send("What's my balance?")
    assert first.reply == "Please verify your identity first."
    assert first.tool_calls[0].result.error == "identity_required"
    assert shop.hits("GET", "/accounts") == []

    chat.session.verify_identity()
    second = chat.send("I've verified, please check again")

    assert second.reply == "Your balance is 12.50 EUR."
    [hit] = shop.hits("GET", "/accounts")
    assert hit["path"] == "/accounts/C-7/balance"  # from the host's context, not the model
    chat.finish()


def test_a_404_becomes_guidance_and_a_helpful_reply(chat: Chat, shop: ShopAPI) -> None:
    chat.start([
        calls(call("lookup_order_status", order_number="ORD-999")),
        reply("I couldn't find ORD-999. Could you double-check the number?"),
    ])

    turn = chat.send("Where is ORD-999?")

    assert turn.state == "reply"
    assert turn.reply == "I couldn't find ORD-999. Could you double-check the number?"
    assert turn.tool_calls[0].result.error == "not_found"
    [(_, result, is_error)] = chat.results_sent()
    assert result["status"] == 404 and result["error"] == "not_found"
    assert "double-check" in result["guidance"]
    assert is_error in (None, True)
    chat.finish()


def test_end_fires_on_chat_end_actions_once_with_gathered_values(
    chat: Chat, shop: ShopAPI
) -> None:
    chat.start([calls(call("lookup_order_status", order_number="ORD-2")), "It is processing."])
    chat.send("Status of ORD-2?")

    report = chat.end()
    again = chat.end()

    assert list(report) == ["log_conversation"] and report["log_conversation"].ok
    [hit] = shop.hits("POST", "/transcripts")
    assert hit["body"] == {"conversation": chat.session.conversation_id, "order_number": "ORD-2"}
    assert again == {}
    assert len(shop.hits("POST", "/transcripts")) == 1
    chat.finish()


def test_parallel_batch_runs_the_read_and_holds_the_write(chat: Chat, shop: ShopAPI) -> None:
    chat.start([
        calls(call("lookup_order_status", order_number="ORD-1"),
              call("create_ticket", order_number="ORD-1", message="Where is it?")),
        reply("ORD-1 has shipped and ticket T-100 is open."),
    ])

    paused = chat.send("Check ORD-1 and open a ticket")
    assert paused.state == "needs_confirmation"
    assert [c.name for c in paused.tool_calls] == ["lookup_order_status"]
    assert len(shop.hits("GET", "/orders")) == 1 and shop.hits("POST", "/tickets") == []

    done = chat.confirm()
    assert done.reply == "ORD-1 has shipped and ticket T-100 is open."
    assert [c.name for c in done.tool_calls] == ["create_ticket"]
    sent = chat.results_sent()
    assert [call_id for call_id, _, _ in sent] == [chat.call_id(1, 1), chat.call_id(1, 2)]
    chat.finish()


# -- provider failures: only the real SDKs can fail ------------------------------------


@pytest.mark.parametrize(("status", "kind"), [(429, "rate_limited"), (529, "overloaded")])
def test_provider_failure_raises_then_retry_continues(
    sdk_chat: Chat, status: int, kind: str
) -> None:
    sdk_chat.start([fail(status, "slow down", retry_after=1), "Back again!"])

    with pytest.raises(ProviderError) as info:
        sdk_chat.send("Hello?")

    assert (info.value.kind, info.value.status) == (kind, status)
    assert sdk_chat.retry().reply == "Back again!"
    sdk_chat.finish()


@pytest.mark.parametrize(("status", "kind"), [(429, "rate_limited"), (529, "overloaded"),
                                               (400, "bad_request"), (401, "auth")])
def test_provider_failure_as_an_error_turn(sdk_chat: Chat, status: int, kind: str) -> None:
    sdk_chat.start([fail(status, "nope")], on_provider_error="turn")

    turn = sdk_chat.send("Hello?")

    assert turn.state == "error"
    assert isinstance(turn.provider_error, ProviderError)
    assert turn.provider_error.kind == kind
    transient = kind in ("rate_limited", "overloaded")
    assert ("try again in a moment" in turn.reply) is transient
    assert "nope" not in turn.reply  # provider details are for the developer
    sdk_chat.finish()


def test_requests_carry_the_toolkit_schemas_and_system_prompt(
    sdk_chat: Chat, toolkit: Toolkit
) -> None:
    sdk_chat.start([calls(call("lookup_order_status", order_number="ORD-1")), "Shipped."])

    sdk_chat.send("ORD-1?")

    assert sdk_chat.standin is not None
    first, second = sdk_chat.standin.bodies
    assert first["tools"] == toolkit.tools(sdk_chat.provider) == second["tools"]
    assert "log_conversation" not in sdk_chat.offered_tools()  # on_chat_end is never offered
    if sdk_chat.provider == "openai":
        assert first["messages"][0] == {"role": "system", "content": SYSTEM}
    elif sdk_chat.provider == "openai-responses":
        assert first["instructions"] == SYSTEM and first["store"] is False
    else:
        assert first["system"] == SYSTEM and first["max_tokens"] == 512
    sdk_chat.finish()
