from __future__ import annotations

import pytest

from toolbridge.actions.models import Action, Outcome
from toolbridge.guidance import DEFAULT_GUIDANCE, error_detail, error_for_status, guidance_for
from toolbridge.results import ERROR_CODES


def test_every_error_code_has_default_guidance():
    assert set(DEFAULT_GUIDANCE) == set(ERROR_CODES)
    assert all(text.strip() for text in DEFAULT_GUIDANCE.values())


@pytest.mark.parametrize("status, code", [
    (200, None), (201, None), (204, None), (301, None), (304, None), (101, None),
    (400, "bad_request"), (401, "unauthorized"), (403, "forbidden"), (404, "not_found"),
    (409, "conflict"), (422, "unprocessable"), (429, "unavailable"),
    (500, "unavailable"), (502, "unavailable"), (503, "unavailable"), (504, "unavailable"),
    (599, "unavailable"), (405, "http_error"), (410, "http_error"), (418, "http_error"),
    (600, "http_error"),
])
def test_status_to_error_code(status, code):
    assert error_for_status(status) == code


def test_every_error_status_maps_to_a_known_code():
    codes = {error_for_status(status) for status in range(400, 600)}

    assert codes <= ERROR_CODES


@pytest.mark.parametrize("code, phrases", [
    ("unauthorized", ["Do not retry", "Apologise", "human"]),
    ("forbidden", ["Do not retry", "Apologise", "human"]),
    ("not_found", ["double-check"]),
    ("unavailable", ["temporarily unavailable", "already retried"]),
    ("needs_input", ["every missing item", "one message"]),
    ("needs_confirmation", ["confirmation"]),
])
def test_default_guidance_says_what_spec_asks(code, phrases):
    text = DEFAULT_GUIDANCE[code]

    assert all(phrase in text for phrase in phrases), text


def make_action(**guidance: str) -> Action:
    return Action.model_validate({
        "name": "a", "base_url": "https://api.example.com", "request": {"url": "/x"},
        "guidance": guidance,
    })


def test_outcome_guidance_wins_over_action_and_default():
    action = make_action(not_found="Action says.")
    outcome = Outcome(name="gone", when="status == 404", guidance="Outcome says.")

    assert guidance_for("not_found", action, outcome) == "Outcome says."


def test_action_guidance_wins_over_default():
    action = make_action(not_found="Ask for the order number again.")

    assert guidance_for("not_found", action) == "Ask for the order number again."
    assert guidance_for("conflict", action) == DEFAULT_GUIDANCE["conflict"]


def test_outcome_without_guidance_falls_back():
    outcome = Outcome(name="gone", when="status == 404")

    assert guidance_for("not_found", None, outcome) == DEFAULT_GUIDANCE["not_found"]


def test_detail_is_appended():
    text = guidance_for("conflict", detail="order already refunded")

    assert text == f"{DEFAULT_GUIDANCE['conflict']} The service said: order already refunded"


def test_unknown_code_gets_generic_guidance():
    assert guidance_for("something_new") == DEFAULT_GUIDANCE["http_error"]


@pytest.mark.parametrize("body, expected", [
    ({"message": "Order already refunded"}, "Order already refunded"),
    ({"error": {"message": "Card declined", "type": "card_error"}}, "Card declined"),
    ({"detail": [{"loc": ["body", "qty"], "msg": "must be positive"}]},
     "body.qty: must be positive"),
    ({"errors": [{"field": "email", "message": "is taken"}, {"message": "x"}]},
     "email: is taken; x"),
    ({"error": "invalid_grant", "error_description": "Token expired"}, "Token expired"),
    ("plain text error", "plain text error"),
    ({"data": 1}, None),
    (None, None),
])
def test_error_detail_finds_the_api_message(body, expected):
    assert error_detail(body) == expected


def test_error_detail_is_short_and_single_line():
    detail = error_detail({"message": "line one\nline two " + "x" * 500}, max_chars=50)

    assert detail is not None
    assert len(detail) == 50
    assert "\n" not in detail
