"""Step 1, parse: JSON text (fenced, double-encoded), mappings, and what is refused."""

from __future__ import annotations

import json

import pytest

from toolbridge import Action, Toolkit, Variable
from toolbridge.arguments import parse_arguments

ORDER = {"order_number": "ORD-12345"}


def toolkit() -> Toolkit:
    return Toolkit([Action(
        name="lookup_order", description="Look up the status of one order.",
        base_url="http://127.0.0.1:9", request={"url": "/orders/{order_number}"},
        variables=[Variable(name="order_number", required=True, pattern="^ORD-[0-9]+$",
                            description="The order number", example="ORD-12345")],
    )])  # fmt: skip


@pytest.mark.parametrize(
    "raw",
    [
        '{"order_number": "ORD-12345"}',
        '  {"order_number": "ORD-12345"}\n',
        '```json\n{"order_number": "ORD-12345"}\n```',
        '```\n{"order_number": "ORD-12345"}```',
        json.dumps(json.dumps(ORDER)),
        json.dumps("```json\n" + json.dumps(ORDER) + "\n```"),
        b'{"order_number": "ORD-12345"}',
        ORDER,
    ],
    ids=["json", "spaces", "fenced", "bare-fence", "double-encoded", "encoded-fence", "bytes",
         "dict"],
)  # fmt: skip
def test_accepted_forms_give_the_same_values(raw: object) -> None:
    checked = toolkit().check("lookup_order", raw)  # type: ignore[arg-type]

    assert checked.ok
    assert checked.values == ORDER


@pytest.mark.parametrize("raw", [None, "", "   ", "null", "{}"])
def test_no_arguments_means_an_empty_object(raw: str | None) -> None:
    assert parse_arguments(raw) == {}


def test_empty_arguments_for_a_required_variable_ask_for_it() -> None:
    checked = toolkit().check("lookup_order", "")

    assert checked.problem is not None
    assert checked.problem.error == "needs_input"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ('{"order_number": "ORD-1"', "not valid JSON"),
        ("order_number=ORD-1", "not valid JSON"),
        ('{"order_number": NaN}', "NaN is not a number JSON allows"),
        ('{"n": Infinity}', "Infinity is not a number JSON allows"),
        ("[1, 2]", "got a list"),
        ("42", "got a number"),
        ('"ORD-12345"', "got a string"),
        ("true", "got a boolean"),
        (b"\xff\xfe", "not UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
        (" " + "x" * 1_000_001, "too large"),
    ],
)
def test_unparsable_arguments_are_invalid_with_a_fix_hint(raw: str, fragment: str) -> None:
    checked = toolkit().check("lookup_order", raw)

    problem = checked.problem
    assert problem is not None
    assert problem.error == "invalid_arguments"
    assert fragment in problem.problems[0]
    assert problem.guidance is not None
    assert 'for example {"order_number": "ORD-12345"}' in problem.guidance


def test_a_python_list_is_not_arguments() -> None:
    assert parse_arguments([1, 2]) == "the arguments must be a JSON object, got a list"
