"""DemoAPI: each service answers like a small real back office, auth and idempotency included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import yaml

from toolbridge import Toolkit
from toolbridge.demo.api import DEMO_SECRETS, DemoAPI

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ORDERS_AUTH = {"Authorization": f"Bearer {DEMO_SECRETS['ORDERS_TOKEN']}"}
TICKETS_AUTH = (DEMO_SECRETS["TICKETS_USER"], DEMO_SECRETS["TICKETS_PASSWORD"])
TICKET = {"subject": "Broken mug", "description": "Arrived in pieces."}


@pytest.fixture
def api() -> Iterator[DemoAPI]:
    with DemoAPI() as running:
        yield running


def test_order_lookup_returns_a_realistic_order(api: DemoAPI) -> None:
    response = httpx2.get(f"{api.base_url}/orders/ORD-1042", headers=ORDERS_AUTH)

    order = response.json()
    assert response.status_code == 200
    assert 1500 < len(response.content) < 2600
    assert order["tracking"]["number"] == "JD014600006281930412"
    assert order["customer"]["email"] == "jana.novak@example.com"


def test_unknown_order_is_404_and_a_wrong_token_is_401(api: DemoAPI) -> None:
    missing = httpx2.get(f"{api.base_url}/orders/ORD-9999", headers=ORDERS_AUTH)
    refused = httpx2.get(f"{api.base_url}/orders/ORD-1042", headers={"Authorization": "Bearer no"})

    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "order_not_found")
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "unauthorized")


def test_ticket_needs_basic_auth_and_a_subject(api: DemoAPI) -> None:
    unauthorised = httpx2.post(f"{api.base_url}/tickets", json=TICKET, auth=("x", "y"))
    invalid = httpx2.post(f"{api.base_url}/tickets", json={"subject": ""}, auth=TICKETS_AUTH)

    assert unauthorised.status_code == 401
    assert invalid.status_code == 422
    assert invalid.json()["error"]["problems"] == ["subject is required", "description is required"]
    assert api.tickets == {}


def test_idempotency_key_replays_the_first_ticket(api: DemoAPI) -> None:
    headers = {"Idempotency-Key": "conv-1-ticket"}
    first = httpx2.post(f"{api.base_url}/tickets", json=TICKET, auth=TICKETS_AUTH, headers=headers)
    again = httpx2.post(f"{api.base_url}/tickets", json=TICKET, auth=TICKETS_AUTH, headers=headers)
    other = httpx2.post(
        f"{api.base_url}/tickets",
        json={**TICKET, "subject": "Other"},
        auth=TICKETS_AUTH,
        headers=headers,
    )

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] == "TCK-5001"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    assert list(api.tickets) == ["TCK-5001"]


def test_inventory_checks_the_api_key_header(api: DemoAPI) -> None:
    key = {"X-API-Key": DEMO_SECRETS["INVENTORY_API_KEY"]}
    found = httpx2.get(f"{api.base_url}/inventory", params={"sku": "TSH-0042"}, headers=key)
    unknown = httpx2.get(f"{api.base_url}/inventory", params={"sku": "XXX-0000"}, headers=key)
    refused = httpx2.get(f"{api.base_url}/inventory", params={"sku": "TSH-0042"})

    assert found.json()["available"] == 37
    assert (unknown.status_code, refused.status_code) == (404, 401)


def test_crm_patch_merges_fields_and_is_recorded(api: DemoAPI) -> None:
    headers = {"Authorization": f"Bearer {DEMO_SECRETS['CRM_TOKEN']}"}
    response = httpx2.patch(
        f"{api.base_url}/crm/contacts/CUS-2231", json={"email": "j@x.test"}, headers=headers
    )

    assert response.json()["updated_fields"] == ["email"]
    assert api.contacts["CUS-2231"]["email"] == "j@x.test"
    assert api.received[-1].method == "PATCH"
    assert api.received[-1].body == {"email": "j@x.test"}


def example_toolkit(name: str, api: DemoAPI) -> Toolkit:
    """An action file from examples/, its host swapped for the demo API (base path kept)."""
    data = yaml.safe_load((EXAMPLES / name).read_text())
    path = data["defaults"]["base_url"].split("://", 1)[1].partition("/")[2]
    data["defaults"]["base_url"] = f"{api.base_url}/{path}".rstrip("/")
    return Toolkit.from_dict(data, source=name, secrets=api.secrets)


@pytest.mark.parametrize(
    ("example", "action", "arguments"),
    [
        ("orders.yaml", "lookup_order_status", {"order_number": "ORD-1042"}),
        ("inventory.yaml", "check_inventory", {"sku": "TSH-0042"}),
        ("crm.yaml", "update_crm_contact", {"summary": "Asked about ORD-1042."}),
        (
            "tickets.yaml",
            "create_ticket",
            {
                "subject": "Broken mug",
                "details": "In pieces.",
                "category": "damaged_item",
                "email": "j@x.test",
            },
        ),
    ],
)
def test_the_repository_examples_run_against_the_demo_api(
    api: DemoAPI, example: str, action: str, arguments: dict[str, str]
) -> None:
    context = {"customer_id": "CUS-2231", "conversation_id": "conv-1"}
    with example_toolkit(example, api) as toolkit:
        token = toolkit.confirmation_token(action, arguments, context=context)
        result = toolkit.call(action, arguments, context=context, confirm=token)

    assert result.ok, result.for_model()
    assert result.status in (200, 201)
