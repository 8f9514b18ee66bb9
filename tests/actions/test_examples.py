"""Every shipped example loads clean: no errors and no warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolbridge.actions.loading import load_file
from toolbridge.toolkit import Toolkit

EXAMPLES = Path(__file__).parents[2] / "examples"
FILES = sorted(EXAMPLES.glob("*.yaml"))


def test_there_are_at_least_four_examples() -> None:
    assert {p.name for p in FILES} >= {"orders.yaml", "tickets.yaml", "inventory.yaml", "crm.yaml"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_example_loads_without_problems(path: Path) -> None:
    loaded = load_file(path)

    assert loaded.actions
    assert loaded.warnings == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_example_builds_a_toolkit(path: Path) -> None:
    toolkit = Toolkit.from_file(path)

    assert toolkit.warnings == []
    assert len(toolkit) == len(load_file(path).actions)


def test_orders_example_has_the_documented_shape() -> None:
    action = load_file(EXAMPLES / "orders.yaml").actions[0]

    assert action.name == "lookup_order_status"
    assert (action.request.method, action.request.url) == ("GET", "/orders/{order_number}")
    assert (action.auth.type, action.auth.secret) == ("bearer", "ORDERS_TOKEN")
    assert [o.name for o in action.outcomes] == ["found", "not_found"]
    assert action.outcomes[1].guidance
    assert action.output is not None and action.output.redact


def test_tickets_example_is_a_confirmed_idempotent_write() -> None:
    action = load_file(EXAMPLES / "tickets.yaml").actions[0]

    assert (action.kind, action.request.method) == ("write", "POST")
    assert action.safety.requires_confirmation is True
    assert action.safety.idempotency_key
    assert (action.auth.username, action.auth.password) == ("TICKETS_USER", "TICKETS_PASSWORD")


def test_inventory_example_sends_the_key_in_a_header() -> None:
    action = load_file(EXAMPLES / "inventory.yaml").actions[0]

    assert action.name == "check_inventory"
    assert (action.auth.type, action.auth.name, action.auth.secret) == (
        "header",
        "X-API-Key",
        "INVENTORY_API_KEY",
    )
    assert action.request.query["sku"] == "{{sku}}"


def test_crm_example_runs_at_chat_end_with_a_context_customer_id() -> None:
    actions = {a.name: a for a in load_file(EXAMPLES / "crm.yaml").actions}

    update = actions["update_crm_contact"]
    assert (update.trigger, update.request.method) == ("on_chat_end", "PATCH")
    customer = update.variable("customer_id")
    assert customer is not None and customer.source == "context"
    assert actions["update_shipping_address"].safety.requires_identity_verification
