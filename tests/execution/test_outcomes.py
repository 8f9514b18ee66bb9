from __future__ import annotations

import re
from typing import Any

import pytest

from toolbridge.actions.models import Action
from toolbridge.execution import outcomes
from toolbridge.execution.outcomes import ConditionError, choose_outcome, parse_condition

ENV: dict[str, Any] = {
    "status": 404,
    "headers": {"x-request-id": "req-1", "content-type": "application/json"},
    "body": {"state": "shipped", "count": 2, "ratio": 0.5, "flag": False, "none": None,
             "items": [{"id": 7, "qty": 0}, {"id": 8, "qty": 3}], "tags": ["a", "b"],
             "error": {"code": "E_DUP"}},
}


@pytest.mark.parametrize("text, expected", [
    ("status == 404", True),
    ("status != 404", False),
    ("status in [500, 503]", False),
    ("status in [404, 410]", True),
    ("status not in [500, 503]", True),
    ("status >= 400 and status < 500", True),
    ("status < 400 or status == 404", True),
    ("not status == 200", True),
    ("not (status == 404)", False),
    ('body.state == "shipped"', True),
    ("body.state == 'shipped'", True),
    ('body.state in ["shipped", "delivered"]', True),
    ('"hip" in body.state', True),
    ('"a" in body.tags', True),
    ('"code" in body.error', True),
    ("body.items[0].id == 7", True),
    ("body.items[-1].qty == 3", True),
    ("body.items.1.id == 8", True),
    ("body.items[5].id == null", True),
    ("body.count > 1.5", True),
    ("body.ratio <= 0.5", True),
    ("body.flag == false", True),
    ("body.none == null", True),
    ("body.missing.deeper == null", True),
    ("body.error.code == \"E_DUP\"", True),
    ("headers.x-request-id == \"req-1\"", True),
    ("headers.X-Request-ID == \"req-1\"", True),
    ("headers.absent == null", True),
    ("body.tags == [\"a\", \"b\"]", True),
    ("body.count == -2", False),
    ("body.count == 2.0", True),
    ("status == 404 and (body.count == 1 or body.count == 2)", True),
    ("body.items", True),
    ("body.flag", False),
    ("body.state == 'a\\'b'", False),
])
def test_conditions(text, expected):
    assert parse_condition(text).evaluate(ENV) is expected


@pytest.mark.parametrize("text", [
    "status == true",        # a number is not a boolean
    "status == \"404\"",     # nor a string
    "body.state > 3",        # ordering across types
    "body.none < 1",
    "body.flag == 0",
    "status in 404",         # not a container
    "status not in 404",
])
def test_mismatched_types_are_false_not_errors(text):
    assert parse_condition(text).evaluate(ENV) is False


def test_not_equal_across_types_is_true():
    assert parse_condition('status != "404"').evaluate(ENV) is True


def test_missing_status_and_body_evaluate_to_null():
    condition = parse_condition("status == null and body.anything == null")

    assert condition.evaluate({"status": None, "headers": {}, "body": None}) is True


@pytest.mark.parametrize("text, fragment", [
    ("status ==", "expected a value"),
    ("status = 404", "unexpected character '='"),
    ("foo == 1", "unknown name 'foo'"),
    ("status.code == 1", "status has no fields"),
    ("headers[0] == 1", "use headers.NAME"),
    ("status == 1 == 2", "expected 'and', 'or' or the end"),
    ("(status == 1", "expected ')'"),
    ("status not 5", "expected 'not in'"),
    ("__import__ == 1", "unknown name '__import__'"),
    ("__import__('os').system('x')", "unexpected character '.'"),
    ("status == [1, 2", "expected ','"),
    ("", "condition is empty"),
])
def test_parse_errors_say_what_and_where(text, fragment):
    with pytest.raises(ConditionError, match=re.escape(fragment)):
        parse_condition(text)


def test_parse_error_gives_the_position():
    with pytest.raises(ConditionError, match="at position 8"):
        parse_condition("status @ 1")


def test_nesting_is_limited():
    deep = "(" * 40 + "status == 1" + ")" * 40

    with pytest.raises(ConditionError, match="nested deeper than 32"):
        parse_condition(deep)


def test_length_is_limited():
    with pytest.raises(ConditionError, match="longer than 1000"):
        parse_condition("status == 1 or " * 100 + "status == 2")


def action_with(*outcomes_: dict[str, Any]) -> Action:
    return Action.model_validate({
        "name": "a", "base_url": "https://api.example.com",
        "request": {"url": "/x"}, "outcomes": list(outcomes_),
    })


def test_first_matching_outcome_wins():
    action = action_with({"name": "missing", "when": "status == 404"},
                         {"name": "client_error", "when": "status >= 400"})

    chosen = choose_outcome(action, 404, {"X-Request-ID": "r"}, None)

    assert chosen is not None and chosen.name == "missing"


def test_no_match_gives_none():
    action = action_with({"name": "missing", "when": "status == 404"})

    assert choose_outcome(action, 200, {}, {"ok": True}) is None


def test_headers_are_matched_case_insensitively():
    action = action_with({"name": "traced", "when": 'headers.x-trace == "t1"'})

    chosen = choose_outcome(action, 200, {"X-Trace": "t1"}, None)

    assert chosen is not None and chosen.name == "traced"


def test_body_paths_reach_the_parsed_body():
    action = action_with({"name": "shipped", "when": 'body.order.state == "shipped"'})

    chosen = choose_outcome(action, 200, {}, {"order": {"state": "shipped"}})

    assert chosen is not None and chosen.name == "shipped"


def test_conditions_are_compiled_once_per_action(monkeypatch):
    calls = []
    real = outcomes.parse_condition
    monkeypatch.setattr(outcomes, "parse_condition", lambda text: calls.append(text) or real(text))
    action = action_with({"name": "a", "when": "status == 1"}, {"name": "b", "when": "status == 2"})

    for _ in range(3):
        choose_outcome(action, 2, {}, None)

    assert calls == ["status == 1", "status == 2"]
