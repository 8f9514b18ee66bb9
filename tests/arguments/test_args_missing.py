"""Step 3, missing: `needs_input` lists every missing variable; defaults fill gaps."""

from __future__ import annotations

from typing import Any

import pytest

from toolbridge import Action, MissingVariable, Toolkit, Variable

TOOLKIT = Toolkit([Action(
    name="book_delivery", description="Book a delivery slot for an order.",
    base_url="http://127.0.0.1:9", request={"method": "POST", "url": "/deliveries", "body": {}},
    variables=[
        Variable(name="order_number", required=True, description="The order number",
                 example="ORD-12345", pattern="^ORD-[0-9]+$"),
        Variable(name="day", type="date", required=True, description="Delivery day",
                 example="2026-01-05"),
        Variable(name="slots", type="integer", default=1, description="How many slots"),
        Variable(name="speed", enum=["standard", "express"], default="standard"),
        Variable(name="items", type="array", items=Variable(name="sku"), default=["any"]),
        Variable(name="note", description="Free text for the driver"),
        Variable(name="customer_id", source="context"),
    ],
)])  # fmt: skip
GOOD = {"order_number": "ORD-1", "day": "2026-01-05"}


def check(arguments: Any) -> Any:
    return TOOLKIT.check("book_delivery", arguments)


def test_every_missing_required_variable_is_listed() -> None:
    checked = check({"slots": 2})

    problem = checked.problem
    assert problem is not None
    assert problem.error == "needs_input"
    assert problem.missing == (
        MissingVariable("order_number", "The order number", "ORD-12345", "string"),
        MissingVariable("day", "Delivery day", "2026-01-05", "date"),
    )
    assert problem.guidance == (
        "Ask the user for order_number and day in one message (say what each is), then call "
        "book_delivery again with all of them. Do not guess values."
    )


def test_needs_input_for_the_model_shows_descriptions_and_examples() -> None:
    text = check({}).problem.for_model()

    assert '"error":"needs_input"' in text
    assert '{"name":"order_number","description":"The order number","example":"ORD-12345"}' in text


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_null_or_blank_required_value_counts_as_missing(blank: Any) -> None:
    checked = check({"order_number": blank, "day": "2026-01-05"})

    assert checked.problem is not None
    assert checked.problem.error == "needs_input"
    assert [m.name for m in checked.problem.missing] == ["order_number"]


def test_invalid_values_win_and_missing_ones_are_listed_among_the_problems() -> None:
    checked = check({"day": "tomorrow"})

    problem = checked.problem
    assert problem is not None
    assert problem.error == "invalid_arguments"
    assert problem.problems[0].startswith("day: expected a date as YYYY-MM-DD")
    assert problem.problems[1] == "order_number: missing; it is required (The order number)"
    assert [m.name for m in problem.missing] == ["order_number"]


def test_defaults_fill_optional_gaps_and_optional_without_default_is_left_out() -> None:
    assert check(GOOD).values == {
        **GOOD, "slots": 1, "speed": "standard", "items": ["any"],
    }  # fmt: skip


@pytest.mark.parametrize("as_text", [False, True])
def test_null_optional_takes_its_default(as_text: bool) -> None:
    import json

    given = {**GOOD, "slots": None, "speed": None, "items": None, "note": None}

    checked = check(json.dumps(given) if as_text else given)

    assert checked.values == {**GOOD, "slots": 1, "speed": "standard", "items": ["any"]}


def test_blank_optional_enum_counts_as_not_given() -> None:
    assert check({**GOOD, "speed": ""}).values["speed"] == "standard"


def test_blank_optional_free_text_is_kept() -> None:
    assert check({**GOOD, "note": ""}).values["note"] == ""


def test_mutable_defaults_are_fresh_copies() -> None:
    first = check(GOOD).values
    first["items"].append("mutated")

    assert check(GOOD).values["items"] == ["any"]


def test_context_values_are_not_filled_here() -> None:
    assert "customer_id" not in check(GOOD).values
