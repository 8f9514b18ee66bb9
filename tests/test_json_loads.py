"""`pruning.response.loads` is `json.loads` for a response body: same values, same errors.

It reads with pydantic-core's parser first and falls back to the json module's scanner, so
these tests also hold the two parsers to the same values (types included, as `repr`
shows them) for everything the fast one accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from toolbridge.pruning.response import loads

_text = st.text() | st.text(st.characters(codec=None, categories=None))  # surrogates too
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**40),
                                                             max_value=10**40)
    | st.floats() | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
_space = st.text(alphabet=" \t\n\r", max_size=3)


def _outcome(parse: Any, body: bytes) -> tuple[str, Any]:
    try:
        return "value", parse(body)
    except json.JSONDecodeError as error:
        return "JSONDecodeError", error.pos
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError, nesting
        return type(error).__name__, None


def _same(body: bytes) -> None:
    ours, theirs = _outcome(loads, body), _outcome(json.loads, body)
    # `repr`, not `==`: 1, 1.0 and True are equal, and so are 0.0 and -0.0 (and NaN is
    # not equal to itself).
    assert repr(ours) == repr(theirs)


@settings(max_examples=300, deadline=None)
@given(_json, _space, _space, st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32",
                                               "utf-8-sig"]))
def test_any_json_value_parses_as_json_loads_does(value: Any, before: str, after: str,
                                                  encoding: str) -> None:
    for ascii_only in (False, True):
        _same((before + json.dumps(value, ensure_ascii=ascii_only) + after).encode(
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
@example(b'"\xed\xa0\x80"')  # a surrogate written as UTF-8 bytes
@example(b"[" * 250 + b"]" * 250)  # deeper than pydantic-core reads
@example(b"[" * 5000 + b"]" * 5000)  # deeper than the json module reads
@example(b"1" * 4301)  # more digits than int() takes
@example(b"9007199254740993.0")
def test_any_bytes_give_the_same_value_or_error_as_json_loads(body: bytes) -> None:
    _same(body)


@pytest.mark.parametrize("body", [b"{\"a\": [1, 2.5, true, null, \"x\"]}", b" \r\n[] ",
                                  "\"é✓\"".encode()])
def test_common_bodies(body: bytes) -> None:
    assert loads(body) == json.loads(body)
