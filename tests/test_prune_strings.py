"""A text result (a bare JSON string, a text or HTML response, an invalid-JSON excerpt)
fits `max_chars` as the model sees it: JSON-escaped, quotes included."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from toolbridge.actions.models import Output
from toolbridge.pruning import prune, prune_body, prune_text

_texts = st.text(alphabet=st.sampled_from(['a', 'é', '"', "\\", "\n", "\x01", "\x1f", " ", "✓"]),
                 max_size=600)


def _written(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False))


@settings(max_examples=300, deadline=None)
@given(_texts, st.integers(min_value=1, max_value=300))
@example("\x01" * 100, 50)
@example('"' * 100, 50)
@example("a" * 100, 50)
@example("\x01" * 100, 3)
def test_a_bare_string_result_fits_max_chars_once_escaped(text: str, limit: int) -> None:
    pruned = prune(text, Output(max_chars=limit))

    assert pruned is None or _written(pruned) <= limit
    if pruned and len(text) <= limit - 2 and _written(text) <= limit:
        assert pruned == text  # nothing cut when it fits


@settings(max_examples=200, deadline=None)
@given(_texts, st.integers(min_value=2, max_value=300))  # "" alone takes two
def test_a_text_response_fits_max_chars_once_escaped(text: str, limit: int) -> None:
    assert _written(prune_text(text, "text/plain", limit)) <= limit


def test_a_cut_keeps_as_much_text_as_fits_and_says_how_much_was_cut() -> None:
    text = "\x01" * 1000  # six characters each once escaped

    pruned = prune(text, Output(max_chars=300))

    assert isinstance(pruned, str) and _written(pruned) <= 300
    kept = len(pruned) - len(pruned.lstrip("\x01"))
    assert pruned.endswith(f"…(+{1000 - kept} chars)")
    assert kept >= 40  # (300 - 2 - note) / 6: not cut to nothing


def test_an_invalid_json_excerpt_fits_a_small_max_chars() -> None:
    body = b'{"a": "' + b"\\" * 300  # not JSON: the excerpt is shown instead

    data, parsed = prune_body(body, "application/json", Output(max_chars=60))

    assert parsed is False and _written(data) <= 60


@pytest.mark.parametrize("limit", [3, 5, 10, 14])
def test_a_result_too_large_for_a_tiny_max_chars_still_fits(limit: int) -> None:
    data = {"a": "xy" * 10, "b": [1, 2, 3], "c": {"d": "e" * 30}}

    pruned = prune(data, Output(max_chars=limit))

    assert pruned is None or _written(pruned) <= limit
