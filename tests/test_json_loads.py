"""`pruning.response.loads` is `json.loads` for a response body: same values, same errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from toolbridge.pruning.response import loads

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
_space = st.text(alphabet=" \t\n\r", max_size=3)


def _outcome(parse: Any, body: bytes) -> tuple[str, Any]:
    try:
        return "value", parse(body)
    except json.JSONDecodeError as error:
        return "JSONDecodeError", error.pos
    except ValueError as error:  # UnicodeDecodeError
        return type(error).__name__, None


def _same(body: bytes) -> None:
    ours, theirs = _outcome(loads, body), _outcome(json.loads, body)
    assert ours == theirs or (  # NaN != NaN: compare the text instead
        ours[0] == theirs[0] == "value" and json.dumps(ours[1]) == json.dumps(theirs[1]))


@settings(max_examples=300, deadline=None)
@given(_json, _space, _space, st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32",
                                               "utf-8-sig"]))
def test_any_json_value_parses_as_json_loads_does(value: Any, before: str, after: str,
                                                  encoding: str) -> None:
    _same((before + json.dumps(value, ensure_ascii=False) + after).encode(
        encoding, "surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=24))
@example(b"")
@example(b"  ")
@example(b"1 2")
@example(b"{} \n x")
@example(b"[1,]")
@example(b'"\\ud800"')
@example(b"NaN")
@example(b"-Infinity ")
@example(b"\xff{}")
@example(b"\xef\xbb\xbf[1]")
@example(b"\x00\x00\x00[")
@example(b"{\x00}")
def test_any_bytes_give_the_same_value_or_error_as_json_loads(body: bytes) -> None:
    _same(body)


@pytest.mark.parametrize("body", [b"{\"a\": [1, 2.5, true, null, \"x\"]}", b" \r\n[] ",
                                  "\"é✓\"".encode()])
def test_common_bodies(body: bytes) -> None:
    assert loads(body) == json.loads(body)
