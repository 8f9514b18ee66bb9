"""The facade: options reach the executor, clients close, tool lists are the caller's own."""

from __future__ import annotations

import pytest

from toolbridge import Action, RequestSpec, Safety, Toolkit, Variable


def _refund_action() -> Action:
    return Action(
        name="refund_order",
        description="Refund an order that arrived damaged, after the customer agreed.",
        base_url="https://api.example-shop.test",
        request=RequestSpec(method="POST", url="/orders/{order}/refund"),
        variables=[Variable(name="order", description="The order number", required=True)],
        safety=Safety(requires_confirmation=True),
    )


def test_a_shared_confirmation_key_lets_another_process_confirm() -> None:
    key = b"k" * 32
    paused = Toolkit([_refund_action()], confirmation_key=key)
    other = Toolkit([_refund_action()], confirmation_key=key)
    stranger = Toolkit([_refund_action()])

    token = paused.confirmation_token("refund_order", {"order": "ORD-1"})

    assert token is not None
    assert other.confirmation_token("refund_order", {"order": "ORD-1"}) == token
    assert stranger.confirmation_token("refund_order", {"order": "ORD-1"}) != token


def test_timezone_option_reaches_the_executor() -> None:
    toolkit = Toolkit([_refund_action()], timezone="Europe/Prague")

    assert toolkit.executor.timezone == "Europe/Prague"


def test_tools_returns_a_list_the_caller_may_extend() -> None:
    toolkit = Toolkit([_refund_action()])

    first = toolkit.tools("openai")
    first.append({"type": "function", "function": {"name": "mine"}})

    assert [t["function"]["name"] for t in toolkit.tools("openai")] == ["refund_order"]


@pytest.mark.anyio
async def test_async_context_manager_closes_the_clients_it_built() -> None:
    async with Toolkit([_refund_action()]) as toolkit:
        sync_client = toolkit.executor.client
    assert sync_client.is_closed


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_unknown_tool_guidance_lists_only_the_tools_the_model_is_offered() -> None:
    end = Action(
        name="log_chat_summary",
        description="Record the conversation summary in the CRM when the chat ends.",
        base_url="https://crm.example-shop.test",
        request=RequestSpec(method="POST", url="/summaries"),
        trigger="on_chat_end",
    )
    toolkit = Toolkit([_refund_action(), end])

    problem = toolkit.check("refund_ordr", {}).problem

    assert problem is not None and problem.error == "unknown_tool"
    assert "refund_order" in (problem.guidance or "")
    assert "log_chat_summary" not in (problem.guidance or "")
