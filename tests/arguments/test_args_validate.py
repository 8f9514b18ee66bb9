"""Step 2, validate: every bad input is `invalid_arguments`, each problem names its field."""

from __future__ import annotations

from typing import Any

import pytest

from toolbridge import Action, Toolkit, Variable


def toolkit(*variables: Variable) -> Toolkit:
    return Toolkit([Action(
        name="book", description="Book a delivery slot for an order.",
        base_url="http://127.0.0.1:9", request={"method": "POST", "url": "/bookings", "body": {}},
        variables=list(variables),
    )])  # fmt: skip


SHOP = toolkit(
    Variable(name="order_number", required=True, pattern="^ORD-[0-9]+$", example="ORD-12345"),
    Variable(name="count", type="integer", minimum=1, maximum=10),
    Variable(name="ratio", type="float", maximum=1),
    Variable(name="express", type="boolean"),
    Variable(name="speed", enum=["standard", "express"]),
    Variable(name="size", type="integer", enum=[1, 2, 3]),
    Variable(name="note", min_length=2, max_length=5),
    Variable(name="day", type="date"),
    Variable(name="at", type="datetime"),
    Variable(name="email", type="email"),
    Variable(name="phone", type="phone"),
    Variable(name="tags", type="array", items=Variable(name="tag", max_length=3), max_length=2),
    Variable(name="address", type="object", properties=[
        Variable(name="city", required=True), Variable(name="zip", pattern="^[0-9]{5}$")]),
    Variable(name="customer_id", source="context"),
    Variable(name="api_version", source="constant", value="v2"),
)  # fmt: skip


def problems_for(field: str, value: Any) -> tuple[str, ...]:
    checked = SHOP.check("book", {"order_number": "ORD-1", field: value})
    assert checked.problem is not None, (field, value)
    assert checked.problem.error == "invalid_arguments"
    return checked.problem.problems


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("order_number", "12345", 'must match the pattern ^ORD-[0-9]+$ (e.g. "ORD-12345")'),
        ("order_number", 12345, "expected a string, got 12345"),
        ("count", "three", "expected a whole number"),
        ("count", 2.5, "expected a whole number, got 2.5"),
        ("count", 0, "must be at least 1, got 0"),
        ("count", 11, "must be at most 10, got 11"),
        ("count", 2**70, "out of range"),
        ("ratio", 1.5, "must be at most 1, got 1.5"),
        ("ratio", "nan", "expected a number"),
        ("ratio", float("inf"), "out of range"),
        ("ratio", 10**400, "out of range"),
        ("express", "yes", 'expected true or false, got "yes"'),
        ("express", 1, "expected true or false, got 1"),
        ("speed", "overnight", 'must be one of "standard", "express", got "overnight"'),
        ("speed", "Express", '(did you mean "express"?)'),
        ("size", 4, "must be one of 1, 2, 3, got 4"),
        ("size", True, "expected a whole number, got true"),
        ("note", "x", "must have at least 2 characters, got 1"),
        ("note", "abcdef", "must have at most 5 characters, got 6"),
        ("day", "05/01/2026", "expected a date as YYYY-MM-DD"),
        ("day", "2026-02-30", "not a real calendar date"),
        ("at", "2026-01-05T10:00:00", "with a UTC offset"),
        ("email", "not-an-email", "expected an email address"),
        ("phone", "4155550123", "use international format like +14155550123"),
        ("tags", "a,b", "expected a list"),
        ("tags", ["a", "b", "c"], "must have at most 2 items, got 3"),
        ("address", "Oslo", "expected an object"),
    ],
)
def test_each_bad_value_names_its_field(field: str, value: Any, fragment: str) -> None:
    problems = problems_for(field, value)

    assert len(problems) == 1
    assert problems[0].startswith(f"{field}: ")
    assert fragment in problems[0]


def test_nested_problems_carry_their_path() -> None:
    checked = SHOP.check("book", {
        "order_number": "ORD-1", "tags": ["ok", "toolong", 7],
        "address": {"zip": "A1", "country": "NO"},
    })  # fmt: skip

    assert checked.problem is not None
    assert checked.problem.problems == (
        "tags[1]: must have at most 3 characters, got 7",
        "tags[2]: expected a string, got 7",
        'address.zip: must match the pattern ^[0-9]{5}$, got "A1"',
        "address.country: unknown field; allowed fields are city, zip",
        "address.city: missing; it is required",
    )


def test_unknown_field_lists_the_allowed_ones_and_suggests_a_close_match() -> None:
    problems = problems_for("orderNumber", "ORD-1")

    assert problems[0].startswith("orderNumber: unknown field; allowed fields are order_number,")
    assert problems[0].endswith("(did you mean order_number?)")


@pytest.mark.parametrize("name", ["customer_id", "api_version"])
def test_the_model_cannot_set_application_supplied_variables(name: str) -> None:
    problems = problems_for(name, "someone-else")

    assert problems == (f"{name}: set by the application, not by you; leave it out",)


def test_the_model_cannot_set_them_even_to_null() -> None:
    assert problems_for("customer_id", None) == (
        "customer_id: set by the application, not by you; leave it out",
    )


def test_every_problem_is_reported_at_once() -> None:
    checked = SHOP.check("book", {"order_number": "X", "count": 0, "speed": "fast", "zz": 1})

    assert checked.problem is not None
    fields = [p.split(":")[0] for p in checked.problem.problems]
    assert fields == ["order_number", "count", "speed", "zz"]


def test_invalid_guidance_tells_the_model_to_fix_and_not_guess() -> None:
    checked = SHOP.check("book", {"order_number": "X"})

    assert checked.problem is not None
    assert checked.problem.guidance == (
        "Fix each problem listed and call book again. If you do not know a value, ask the "
        "user for it; never guess one."
    )
    assert '"problems":["order_number: must match' in checked.problem.for_model()


def test_action_guidance_overrides_the_default_words() -> None:
    toolkit_ = Toolkit([Action(
        name="book", description="Book a delivery slot for an order.",
        base_url="http://127.0.0.1:9", request={"url": "/b"},
        variables=[Variable(name="n", type="integer", required=True)],
        guidance={"invalid_arguments": "Ask for the slot number again."},
    )])  # fmt: skip

    checked = toolkit_.check("book", {"n": "x"})

    assert checked.problem is not None
    assert checked.problem.guidance == "Ask for the slot number again."


def test_unknown_tool_lists_the_real_tools() -> None:
    checked = SHOP.check("bok", {})

    assert checked.problem is not None
    assert checked.problem.error == "unknown_tool"
    assert checked.problem.problems == ('there is no tool named "bok"',)
    assert checked.problem.guidance == "Call one of the available tools: book. Did you mean book?"
