"""Properties of argument checking, over random input.

- `check()` never raises, whatever the model sends (text or dict);
- the fast path and the full path agree: whatever the fast path accepts, the full path
  accepts with the same values;
- what the checker accepts fits the neutral JSON Schema the model was shown.
"""

from __future__ import annotations

import json
import math
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from toolbridge import Action, Variable
from toolbridge.arguments import ArgumentChecker
from toolbridge.schemas import parameters_schema

ACTION = Action(
    name="shop",
    request={"url": "/x"},
    variables=[
        Variable(name="order_number", required=True, pattern="^ORD-[0-9]+$"),
        Variable(name="count", type="integer", minimum=1, maximum=100, default=1),
        Variable(name="ratio", type="float", minimum=-1, maximum=1),
        Variable(name="flag", type="boolean"),
        Variable(name="speed", enum=["standard", "express"]),
        Variable(name="size", type="integer", enum=[1, 2, 3]),
        Variable(name="note", max_length=12),
        Variable(name="title", required=True, min_length=1),
        Variable(name="day", type="date"),
        Variable(name="at", type="datetime"),
        Variable(name="email", type="email"),
        Variable(name="phone", type="phone"),
        Variable(name="tags", type="array", items=Variable(name="t", max_length=4), max_length=3),
        Variable(name="address", type="object", properties=[
            Variable(name="city", required=True), Variable(name="zip", pattern="^[0-9]{5}$")]),
        Variable(name="tenant", source="context"),
    ],
)  # fmt: skip
CHECKER = ArgumentChecker(ACTION)
NEUTRAL = parameters_schema(ACTION)
NAMES = [v.name for v in ACTION.variables] + ["other", "orderNumber"]

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

tricky_strings = st.sampled_from([
    "", " ", "\x1c", "\u2003", "ORD-1", "ORD-12345", "ORD-", "ord-1", "5", " 5 ", "5.0", "2.5",
    "-0", "1e3", "true", "false", "True", "nan", "Infinity", "standard", "express", "Express",
    "2026-01-05", "2026-02-30", "2026-01-05T10:00:00Z", "2026-01-05T10:00:00", "a@b.co",
    "+14155550123", "+1 415 555 0123", "4155550123", "12345", "١٢",
])  # fmt: skip
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20), tricky_strings,
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
field_values = json_values | st.fixed_dictionaries(
    {"city": tricky_strings}, optional={"zip": json_values | st.just("12345")}
)
random_arguments = st.dictionaries(
    st.sampled_from(NAMES) | st.text(max_size=8), field_values, max_size=8
)
# Mostly-valid arguments, so the fast path accepts often enough to be compared.
plausible = {
    "count": st.integers(0, 101),
    "ratio": st.floats(-1.5, 1.5) | st.integers(-2, 2),
    "flag": st.booleans(),
    "speed": st.sampled_from(["standard", "express", "", None]),
    "size": st.sampled_from([1, 2, 3, 2.0, True]),
    "note": st.text(max_size=14),
    "day": st.sampled_from(["2026-01-05", " 2026-01-05", "2026-02-30"]),
    "at": st.sampled_from(["2026-01-05T10:00:00Z", "2026-01-05T10:00+01:00"]),
    "email": st.sampled_from(["a@b.co", " a@b.co", "a@b"]),
    "phone": st.sampled_from(["+14155550123", "+1 415 555 0123", "+1415"]),
    "tags": st.lists(st.text(max_size=5), max_size=4),
    "address": st.fixed_dictionaries({"city": st.text(max_size=3)}, optional={
        "zip": st.sampled_from(["12345", "1234", None])}),
    "title": st.text(max_size=3) | st.sampled_from(["", " ", "\x1c", "\u2003", "\u180e"]),
    "order_number": st.sampled_from(["ORD-1", "ORD-12345", "ORD-", "xORD-1"]),
}  # fmt: skip
near_valid = st.builds(
    lambda chosen, extra: {"order_number": "ORD-12345", "title": "Hi", **chosen, **extra},
    st.fixed_dictionaries({}, optional={k: v | st.none() for k, v in plausible.items()}),
    st.dictionaries(st.sampled_from(NAMES), field_values, max_size=1),
)
arguments = random_arguments | near_valid


@SETTINGS
@given(st.text(max_size=200))
def test_check_never_raises_on_any_text(text: str) -> None:
    checked = CHECKER.check(text)

    assert checked.ok or checked.problem is not None


@SETTINGS
@given(arguments)
def test_check_never_raises_on_any_dict_or_its_json(given_args: dict[str, Any]) -> None:
    for raw in (given_args, _dumps(given_args)):
        checked = CHECKER.check(raw)
        if checked.problem is not None:
            assert checked.problem.error in ("invalid_arguments", "needs_input")
            assert checked.problem.guidance
            checked.problem.for_model()


@settings(SETTINGS, max_examples=1500)
@given(arguments)
@example({"order_number": "ORD-1", "title": "\x1c"})  # blank to str.isspace()
@example({"order_number": "ORD-1", "title": "\u180e"})  # not blank to it
def test_fast_path_agrees_with_the_full_path(given_args: dict[str, Any]) -> None:
    assert CHECKER._fast is not None
    _fast_path_agrees(CHECKER, given_args)


def _fast_path_agrees(checker: ArgumentChecker, given_args: dict[str, Any]) -> None:
    """Whatever `fast_values` takes (as a dict or as JSON text), the full path takes with
    the same values: types and key order too, as `repr` shows them."""
    for raw in (given_args, _dumps(given_args), _dumps(given_args, ascii_only=False)):
        if raw is None:
            continue
        fast = checker.fast_values(raw)
        if fast is None:
            continue  # left to the full path
        full = checker._full(raw)
        assert full.problem is None, (raw, full.problem)
        assert repr(fast) == repr(full.values)


@SETTINGS
@given(arguments)
def test_accepted_values_fit_the_schema_shown_to_the_model(given_args: dict[str, Any]) -> None:
    checked = CHECKER.check(given_args)

    if checked.ok:
        jsonschema.validate(checked.values, NEUTRAL)
        assert all(not isinstance(v, float) or math.isfinite(v) for v in checked.values.values())


def _dumps(value: Any, *, ascii_only: bool = True) -> str | None:
    try:
        # NaN/Infinity become the non-JSON tokens a model may send; without ensure_ascii a
        # lone surrogate stays one character in the text.
        return json.dumps(value, ensure_ascii=ascii_only)
    except (TypeError, ValueError):
        return None


# -- plain variables: the fast path checks them itself, without the validator ----------------

PLAIN = Action(
    name="plain",
    request={"url": "/x"},
    variables=[
        Variable(name="sku", required=True),
        Variable(name="qty", type="integer", required=True, minimum=1.5, maximum=99),
        Variable(name="note"),
        Variable(name="gift", type="boolean", default=False),
        Variable(name="code", default="AB"),
        Variable(name="big", type="integer"),
        Variable(name="tenant", source="context"),
    ],
)  # fmt: skip
PLAIN_CHECKER = ArgumentChecker(PLAIN)
PLAIN_NAMES = [v.name for v in PLAIN.variables] + ["other"]
plain_values_ = (
    st.none() | st.booleans() | st.integers(-(2**65), 2**65) | st.sampled_from([0, 1, 2, 99, 100])
    | st.floats(allow_nan=True) | st.sampled_from([2.0, 5.0, "5", "true", "\ud800x"])
    | st.text(max_size=4)
    | tricky_strings | st.lists(st.integers(), max_size=2)
)
plain_arguments = st.dictionaries(st.sampled_from(PLAIN_NAMES), plain_values_, max_size=7) | (
    st.fixed_dictionaries({"sku": tricky_strings | st.text(max_size=3), "qty": st.integers(0, 100)},
                          optional={n: plain_values_ for n in ("note", "gift", "code", "big")}))


def test_the_plain_action_takes_the_plain_path() -> None:
    assert PLAIN_CHECKER._plain is not None and CHECKER._plain is None


@settings(SETTINGS, max_examples=1500)
@given(plain_arguments)
@example({"sku": "A", "qty": True})  # a bool is not an int
@example({"sku": "A", "qty": 2, "big": 2**63})  # past int64: the full path's to refuse or not
@example({"sku": "\u2003", "qty": 2})  # blank
@example({"sku": "A", "qty": 2, "note": None, "code": None})  # nulls take defaults
def test_plain_fast_path_agrees_with_the_full_path(given_args: dict[str, Any]) -> None:
    _fast_path_agrees(PLAIN_CHECKER, given_args)


@pytest.mark.parametrize("text", ['{"sku": "\ud800", "qty": 2}', '{"sku": "\\ud800", "qty": 2}'])
def test_json_text_with_a_lone_surrogate_is_checked_as_the_full_path_does(text: str) -> None:
    # A lone surrogate character in the text itself (the parser refuses to read such a
    # str) or as an escape: left to the full path, which reads both.
    checked = PLAIN_CHECKER.check(text)

    assert checked.ok and checked.values == {"sku": "\ud800", "qty": 2, "gift": False,
                                             "code": "AB"}
