"""The coercion policy: lossless conversions only, on both the fast and the full path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolbridge import Action, Toolkit, Variable

TOOLKIT = Toolkit([Action(
    name="order", description="Place an order for a number of items.",
    base_url="http://127.0.0.1:9", request={"method": "POST", "url": "/orders", "body": {}},
    variables=[
        Variable(name="qty", type="integer"),
        Variable(name="price", type="float"),
        Variable(name="gift", type="boolean"),
        Variable(name="day", type="date"),
        Variable(name="phone", type="phone"),
        Variable(name="email", type="email"),
    ],
)])  # fmt: skip


def check(arguments: dict[str, Any]) -> dict[str, Any]:
    """Values from a dict and from its JSON text must agree."""
    from_dict = TOOLKIT.check("order", arguments)
    from_text = TOOLKIT.check("order", json.dumps(arguments))
    assert from_dict == from_text
    assert from_dict.ok, from_dict.problem
    return from_dict.values


@pytest.mark.parametrize(
    ("field", "given", "expected"),
    [
        ("qty", "5", 5),
        ("qty", " 5 ", 5),
        ("qty", "-3", -3),
        ("qty", 5.0, 5),
        ("qty", 7, 7),
        ("price", "2.5", 2.5),
        ("price", "3", 3.0),
        ("price", 4, 4.0),
        ("price", "1e3", 1000.0),
        ("gift", "true", True),
        ("gift", "false", False),
        ("gift", False, False),
        ("day", "2026-01-05", "2026-01-05"),
        ("phone", "+1 (415) 555-0123", "+14155550123"),
        ("phone", "0044 20 7946 0958", "+442079460958"),
        ("email", " ann@example.com ", "ann@example.com"),
    ],
)
def test_lossless_coercions(field: str, given: Any, expected: Any) -> None:
    values = check({field: given})

    assert values == {field: expected}
    assert type(values[field]) is type(expected)


@pytest.mark.parametrize(
    ("field", "given"),
    [
        ("gift", "False"),  # only exactly "true"/"false"
        ("gift", "0"),
        ("gift", 0),
        ("gift", "no"),
        ("qty", True),  # never true → 1
        ("qty", "5.0"),
        ("qty", "5.5"),
        ("qty", 5.5),
        ("qty", "1e3"),
        ("qty", "0x10"),
        ("qty", "١٢"),  # non-ASCII digits are not a JSON number
        ("qty", 2**63),
        ("price", True),
        ("price", "NaN"),
        ("price", "Infinity"),
        ("price", "1_000"),
        ("price", "1e999"),
        ("day", 20260105),
    ],
)
def test_lossy_or_ambiguous_values_are_refused(field: str, given: Any) -> None:
    checked = TOOLKIT.check("order", {field: given})

    assert checked.problem is not None
    assert checked.problem.error == "invalid_arguments"
    assert checked.problem.problems[0].startswith(f"{field}: ")


def test_false_string_never_becomes_true() -> None:
    assert check({"gift": "false"})["gift"] is False


@pytest.mark.parametrize("text", ['{"price": NaN}', '{"price": -Infinity}', '{"price": 1e400}'])
def test_non_finite_numbers_in_json_are_refused(text: str) -> None:
    checked = TOOLKIT.check("order", text)

    assert checked.problem is not None
    assert checked.problem.error == "invalid_arguments"
