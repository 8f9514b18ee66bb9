"""The pruning fast paths agree with the plain ones on arbitrary JSON data."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from toolbridge.pruning import prune_body
from toolbridge.pruning.fit import _ENCODER, _size
from toolbridge.secrets import masker

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=5),
    max_leaves=30,
)


@given(JSON)
def test_size_matches_the_encoder_that_for_model_uses(data: Any) -> None:
    assert _size(data) == len(_ENCODER.encode(data))


NO_STAR = st.characters(blacklist_categories=("Cs",), blacklist_characters="*")
"""No "*" ("***" itself could rebuild a secret of stars), no lone surrogate (not UTF-8)."""


@given(st.text(NO_STAR, max_size=40), st.text(NO_STAR, min_size=4, max_size=12))
def test_the_masker_hides_every_occurrence(text: str, secret: str) -> None:
    masking = masker((secret,))
    assert masking is not None
    assert secret not in masking(text + secret + text)


@given(st.binary(max_size=30))
def test_blank_and_odd_bodies_never_raise(content: bytes) -> None:
    data, parsed_ok = prune_body(content, "application/json", None)
    if not content.strip():
        assert (data, parsed_ok) == (None, True)
