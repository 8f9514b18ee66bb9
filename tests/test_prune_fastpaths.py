"""The pruning shortcuts give exactly what the plain paths give.

- `prune` returns a walk's result without measuring it when `_Walk.size` (plus the worst
  case of escapes) shows it fits: the bound is checked against `_size` on adversarial data,
  and whole results against runs whose walk never claims a bound (`_Unmeasured`: every
  result measured) and whose scrubber is the masker's regex run on every string.
- `_Walk.picked` (a dict under a selection without `*`) against the general loop (patched
  in its place), and `_Walk.plain` (nothing selected or redacted) against the general
  loop reached by a redaction that matches no key of the data (so nothing else changes).
- Secrets an API echoes back are masked however the body writes them.
- `_as_is` (a short body with nothing to take out is its own result) against the walk.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from toolbridge.actions.models import Output
from toolbridge.pruning import prune, prune_body
from toolbridge.pruning import response as pruning_response
from toolbridge.pruning.fit import _size
from toolbridge.pruning.select import _DROP, _plan, _Unmeasured, _Walk
from toolbridge.secrets import MASK, encoded_forms

TOKEN = "sk_live_0123456789abcdef"
SECRETS = ["sk_live_0123456789", 'pa"ss\\word', "pässwörd-9", "ab/cd+ef gh", "x\x01yz-tok",
           "a&b<c>d'e", "tok\u2028en", "😀-secret-😀"]
KEYS = st.sampled_from(["a", "b", "c", "id", "url", "_truncated", "x.y", "é", 'q"t', "\x1f"])
TEXT = st.one_of(
    st.text(max_size=12),
    st.text(st.sampled_from('ab"\\/\n\x00\x1f\x7fé€😀\u2028\ud800 '), max_size=40),
    st.text(st.sampled_from("ab\x01"), min_size=100, max_size=700),
    st.sampled_from(SECRETS),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=6), st.sampled_from(SECRETS),
              st.text(max_size=6)),
)
NUMBER = st.one_of(
    st.integers(), st.floats(),
    st.sampled_from([10**23 - 1, -(10**23) + 1, 10**24 - 1, 10**24, -(10**23), 10**40,
                     -2.2250738585072014e-308, 5e-324, -1.7976931348623157e308]),
)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBER | TEXT,
    lambda inner: st.lists(inner, max_size=14) | st.dictionaries(KEYS, inner, max_size=8),
    max_leaves=80,
)
PATH = (st.lists(st.sampled_from(["a", "b", "c", "id", "url", "*", "[]"]), min_size=1,
                 max_size=3).map(".".join)
        .filter(lambda path: path.replace("[]", "").strip(".") != ""))
"""A path with at least one step (`[]` alone selects nothing)."""
LIMITS = st.fixed_dictionaries({
    "max_chars": st.sampled_from([20, 80, 300, 2000]) | st.integers(1, 3000),
    "max_items": st.integers(1, 12),
    "max_string": st.sampled_from([5, 16, 500]) | st.integers(1, 600),
})


def dumped(value: Any) -> str:
    """Value and order, as the model would see them."""
    return json.dumps(value, ensure_ascii=False, default=repr)


def body_of(data: Any, style: str) -> bytes:
    text = json.dumps(data, ensure_ascii=style == "ascii", indent=1 if style == "indent" else None)
    if style == "slashes":
        text = text.replace("/", "\\/")  # a "/" only ever occurs inside a JSON string
    return text.encode("utf-8", "surrogatepass")


def _every_string_masked(values: tuple[str, ...]) -> Any:
    """A masking that runs one regular expression of every form over every string (the
    masker itself looks for few forms with `in` first)."""
    forms = encoded_forms(values)
    if not forms:
        return None
    pattern = re.compile("|".join(re.escape(form) for form in forms))
    return SimpleNamespace(scrub=partial(pattern.sub, MASK), shortest=0)


@contextmanager
def plain_paths() -> Iterator[None]:
    """Every result walked and measured, every string run through the masker's regex."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pruning_response, "_as_is", lambda *args: False)
        patch.setattr(pruning_response, "_Walk", _Unmeasured)
        patch.setattr(pruning_response, "_masking", _every_string_masked)
        yield


def both_ways(data: Any, body: bytes, output: Output, secrets: list[str]) -> list[str]:
    runs = []
    for plain in (False, True):
        with plain_paths() if plain else nullcontext():
            runs.append(dumped([
                prune(data, output, secret_values=secrets),
                prune_body(body, "application/json", output, secret_values=secrets),
            ]))
    return runs


# -- whole results ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(JSON, st.none() | st.lists(PATH, max_size=4), st.lists(PATH, max_size=2), LIMITS,
       st.lists(st.sampled_from([*SECRETS, "abc"]), max_size=3),
       st.sampled_from(["utf8", "ascii", "indent", "slashes"]))
@example({"t": "é" * 40 + "\x01" * 300}, None, [], {"max_chars": 700, "max_items": 10,
         "max_string": 500}, [], "utf8")
def test_results_match_the_plain_paths(data, select, redact, limits, secrets, style):
    output = Output(select=select, redact=redact, **limits)
    fast, plain = both_ways(data, body_of(data, style), output, secrets)

    assert fast == plain


@settings(max_examples=150, deadline=None)
@given(JSON, st.integers(20, 3000), st.integers(1, 12), st.integers(1, 600),
       st.sampled_from(["utf8", "slashes"]))
def test_results_fit_max_chars_when_not_measured(data, max_chars, max_items, max_string,
                                                 style):
    output = Output(max_chars=max_chars, max_items=max_items, max_string=max_string)
    body = body_of({"d": data}, style)  # (a bare string is cut by length, not walked)

    pruned, parsed_ok = prune_body(body, "application/json", output)

    assert parsed_ok is True
    assert _size(pruned) <= max_chars


# -- short bodies kept as they are --------------------------------------------------------


SHORT = st.recursive(
    st.booleans() | NUMBER | st.text(st.sampled_from('ab é€😀\u2028"\\/,[]{}'), max_size=6)
    | st.sampled_from(["null", "[]", "{}", "sk_live_0123456789", "pässwörd-9", "1e5"]),
    lambda inner: st.lists(inner, max_size=12) | st.dictionaries(KEYS, inner, max_size=6),
    max_leaves=14,
).filter(lambda data: isinstance(data, (dict, list)))
"""Mostly short containers with nothing for the walk to drop (so `_as_is` is tried)."""
SHORT_LIMITS = st.fixed_dictionaries({
    "max_chars": st.sampled_from([2000, 400, 100]), "max_items": st.sampled_from([10, 3]),
    "max_string": st.sampled_from([500, 40]),
}) | LIMITS


@settings(max_examples=400, deadline=None)
@given(SHORT | JSON.filter(lambda data: isinstance(data, (dict, list))), SHORT_LIMITS,
       st.lists(st.sampled_from([*SECRETS, "abc"]), max_size=3),
       st.sampled_from(["utf8", "ascii", "indent", "slashes"]))
@example({"id": "T-1", "state": "open"}, {"max_chars": 2000, "max_items": 10,
         "max_string": 500}, [], "utf8")
@example([0.1, 1e-07, 123456789012345678.5], {"max_chars": 30, "max_items": 10,
         "max_string": 500}, [], "utf8")
@example({"a": [1, 2, 3]}, {"max_chars": 2000, "max_items": 2, "max_string": 500}, [],
         "utf8")
@example({"t": "pässwörd-9"}, {"max_chars": 2000, "max_items": 10, "max_string": 500},
         ["pässwörd-9"], "utf8")
def test_a_short_body_kept_as_it_is_is_what_the_walk_gives(data, limits, secrets, style):
    output = Output(**limits)
    body = body_of(data, style)

    fast = prune_body(body, "application/json", output, secret_values=secrets)
    with plain_paths():
        plain = prune_body(body, "application/json", output, secret_values=secrets)

    assert dumped(fast) == dumped(plain)


def test_a_short_body_with_nothing_to_take_out_is_not_walked(monkeypatch):
    body = b'{"id": "T-1", "state": "open", "items": [1, 2.5, true]}'
    monkeypatch.setattr(pruning_response, "_Walk", None)  # walking would raise

    pruned, parsed_ok = prune_body(body, "application/json", None, secret_values=[TOKEN])

    assert parsed_ok and pruned == json.loads(body)


@pytest.mark.parametrize("body", [
    b'{"id": "T-1", "note": null}', b'{"id": "T-1", "tags": [ ]}', b'{"id": "", "a": 1}',
    b'{"id": "T-1", "meta": {\n}}', b'{"id": "T\\u002d1"}', b'{"t": "sk_live_0123456789abcdef"}',
    b'{"items": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}', b'{"t": "' + b"x" * 600 + b'"}',
])
def test_a_body_with_something_to_take_out_is_walked(body):
    assert not pruning_response._as_is(body, pruning_response._masking((TOKEN,)), 10, 500,
                                       2000)


# -- the size bound -----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(JSON, st.none() | st.lists(PATH, max_size=4), st.lists(PATH, max_size=2),
       st.integers(1, 12), st.integers(1, 600), st.sampled_from(["utf8", "ascii", "slashes"]))
def test_the_walk_bound_covers_the_serialised_size(data, select, redact, max_items,
                                                   max_string, style):
    body = body_of(data, style)
    parsed = json.loads(body)
    _, select_trie, redact_trie, *_ = _plan(Output(select=select, redact=redact))
    walk = _Walk(max_items, max_string, 10**6, None)

    result = walk(parsed, select_trie, redact_trie)

    if result is not _DROP and not walk.exact:
        size = _size(result)
        escapes = body.count(b"\\")
        assert size <= walk.size + 5 * min(walk.size, escapes)
        if escapes == 0:
            assert size <= walk.size


@pytest.mark.parametrize("value", [
    -2.2250738585072014e-308, -1.2345678901234567e-100, -0.00012345678901234567,
    float("-inf"), float("nan"), True, False, 10**24 - 1, -(10**23) + 1,
])
def test_one_number_is_within_its_share_of_the_bound(value):
    walk = _Walk(10, 500, 2000, None)

    result = walk({"n": value}, None, None)

    assert walk.exact is False
    assert _size(result) <= walk.size


@pytest.mark.parametrize("value", [10**24, -(10**23), 10**100, (1, 2)])
def test_values_the_bound_does_not_cover_are_measured(value):
    walk = _Walk(10, 500, 2000, None)

    walk({"n": value}, None, None)

    assert walk.exact is True


def test_a_huge_int_is_measured_and_cut():
    output = Output(max_chars=20)
    data = {"n": 10**30, "s": "x"}

    with plain_paths():
        plain = prune(data, output)

    assert prune(data, output) == plain
    assert _size(plain) <= 20


def test_keys_that_are_not_strings_are_kept_and_measured():
    data = {1: "one", 2.5: [1, None], None: "", "s": {True: "t"}}

    assert prune(data) == {1: "one", 2.5: [1], "s": {True: "t"}}


def test_control_characters_near_the_limit_are_measured():
    data = {"t": "\x01" * 60, "u": "\x02" * 20}  # 80 characters, 480 once escaped
    body = json.dumps(data).encode()
    output = Output(max_chars=300)

    pruned, _ = prune_body(body, "application/json", output)
    with plain_paths():
        plain, _ = prune_body(body, "application/json", output)

    assert dumped(pruned) == dumped(plain)
    assert _size(pruned) <= 300


@pytest.mark.parametrize("secrets", [[], [TOKEN]])
def test_str_subclasses_come_out_as_the_plain_paths_give_them(secrets):
    class Colour(str, enum.Enum):
        RED = "red"
        LONG = "a colour name long enough to be scrubbed"

    for data in ({"a": Colour.RED, "b": [Colour.LONG]}, Colour.RED, Colour.LONG):
        fast = prune(data, secret_values=secrets)
        with plain_paths():
            plain = prune(data, secret_values=secrets)

        assert repr(fast) == repr(plain)


# -- picked and plain against the general loop ---------------------------------------------


def _general_loop_only(output: Output, data: Any) -> Any:
    """`prune` with every selected dict walked by the general loop (`_Walk.mapping`, which
    takes any selection) instead of `picked`: the same output, only the loop differs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_Walk, "picked", _Walk.mapping)
        return prune(data, output)


SELECT_AND_REDACT = st.tuples(st.lists(PATH, max_size=4), st.lists(PATH, max_size=2))


@settings(max_examples=200, deadline=None)
@given(JSON, SELECT_AND_REDACT, LIMITS)
@example({"b": 1, "a": 2, "c": 3}, (["c", "a"], []), {"max_chars": 2000, "max_items": 10,
         "max_string": 500})
@example({"b": {"x": "1", "id": "2"}, "a": 2}, (["b", "a"], ["b.id"]),
         {"max_chars": 2000, "max_items": 10, "max_string": 500})
@example({"a": None, "b": None, "c": None, "url": [{"a": False}]},
         (["a", "*", "url.b"], ["*.a"]), {"max_chars": 20, "max_items": 1, "max_string": 5})
def test_picked_matches_the_general_loop(data, select_and_redact, limits):
    select, redact = select_and_redact

    output = Output(select=select, redact=redact, **limits)

    picked = prune(data, output)
    general = _general_loop_only(output, data)

    assert dumped(picked) == dumped(general)


@pytest.mark.parametrize(("max_chars", "expected"), [
    (1, {"a": "x", "_truncated": "4 more fields omitted"}),
    (2, {"a": "x", "b": "y", "_truncated": "2 more fields omitted"}),
])
def test_room_running_out_in_a_selection_counts_the_keys_after_it(max_chars, expected):
    data = {"a": "x", "z1": 1, "b": "y", "z2": 2, "z3": 3}
    picked = _plan(Output(select=["a", "b"]))[1]
    general = _plan(Output(select=["a", "b", "*.never"]))[1]

    results = [_Walk(10, 500, max_chars, None)(data, trie, None) for trie in (picked, general)]

    # The room (max_chars / 2 + 1 entries) runs out after `a` or `b`: the loop stops at the
    # next key of the data, selected or not, as the full loop does.
    assert results == [expected, expected]


@settings(max_examples=150, deadline=None)
@given(JSON, LIMITS)
def test_plain_matches_the_general_loop(data, limits):
    plain = prune(data, Output(**limits))
    general = prune(data, Output(redact=["never", "*.never"], **limits))

    assert dumped(plain) == dumped(general)


def test_selected_keys_keep_the_response_order():
    data = {"z": 1, "tracking": {"eta": "soon", "number": "1Z"}, "id": "o1", "a": 2}

    result = prune(data, Output(select=["id", "tracking.number", "tracking.eta", "z"]))

    assert dumped(result) == dumped({"z": 1, "tracking": {"eta": "soon", "number": "1Z"},
                                     "id": "o1"})


def test_one_selected_key_in_a_wide_object():
    items = [{f"f{i}": i for i in range(40)} | {"name": f"n{j}"} for j in range(3)]

    assert prune({"items": items}, Output(select=["items[].name"])) == {
        "items": [{"name": "n0"}, {"name": "n1"}, {"name": "n2"}]
    }
    assert prune({"items": items}, Output(select=["items[].missing"])) is None


# -- secrets --------------------------------------------------------------------------------


def _pruned(body: str, secret: str, output: Output | None = None) -> Any:
    data, parsed_ok = prune_body(body.encode(), "application/json", output,
                                 secret_values=[secret])
    assert parsed_ok is True
    return data


def test_a_secret_echoed_plainly_is_masked():
    assert _pruned(f'{{"echo": "{TOKEN}", "n": "token={TOKEN}!"}}', TOKEN) == {
        "echo": "***", "n": "token=***!"}


def test_a_secret_written_with_unicode_escapes_is_masked():
    escaped = "".join(f"\\u{ord(char):04x}" for char in TOKEN)

    assert _pruned(f'{{"echo": "{escaped}", "x": "a{escaped[:12]}b"}}', TOKEN) == {
        "echo": "***", "x": "a" + TOKEN[:2] + "b"}


def test_a_secret_written_with_escaped_slashes_is_masked():
    secret = "ab/cd+ef/0123"

    assert _pruned('{"echo": "key ab\\/cd+ef\\/0123 end"}', secret) == {"echo": "key *** end"}


@pytest.mark.parametrize("written", ["ab%2Fcd%2Bef%2F0123", "ab%2Fcd%2Bef%2F0123"[:-1] + "3"])
def test_a_url_encoded_secret_is_masked(written):
    assert _pruned(f'{{"url": "https://x.test/?k={written}"}}', "ab/cd+ef/0123") == {
        "url": "https://x.test/?k=***"}


def test_a_json_encoded_secret_inside_a_string_is_masked():
    secret = 'pa"ss-word'
    # The decoded string holds the JSON-encoded form: pa\"ss-word.
    body = json.dumps({"raw": json.dumps({"password": secret})})

    assert _pruned(body, secret) == {"raw": '{"password": "***"}'}


def test_a_secret_split_across_strings_is_not_a_secret():
    half = len(TOKEN) // 2

    assert _pruned(f'{{"a": "{TOKEN[:half]}", "b": "{TOKEN[half:]}"}}', TOKEN) == {
        "a": TOKEN[:half], "b": TOKEN[half:]}


def test_many_secrets_are_masked_with_the_regex():
    secrets = [f"secret-value-{i}/x" for i in range(4)]  # 3 forms each: over `_FEW_FORMS`
    body = json.dumps({"a": f"1 {secrets[0]} 2 {secrets[3]}", "b": "secret-value-9/x"})

    data, _ = prune_body(body.encode(), "application/json", None, secret_values=secrets)

    assert data == {"a": "1 *** 2 ***", "b": "secret-value-9/x"}


def test_a_secret_is_masked_before_a_long_string_is_cut():
    text = "x" * 30 + TOKEN + "y" * 600

    assert _pruned(json.dumps({"t": text}), TOKEN, Output(max_string=40)) == {
        "t": "x" * 30 + "***" + "y" * 7 + "…(+593 chars)"}


def test_a_secret_echoed_as_a_key_is_masked() -> None:
    data = {"sk-live-123456": {"owner": "ada"}, "items": [{"tok-abcdef": 1, "id": 7}]}

    pruned = prune(data, secret_values=("sk-live-123456", "tok-abcdef"))

    assert pruned == {"***": {"owner": "ada"}, "items": [{"***": 1, "id": 7}]}
    assert "sk-live" not in json.dumps(pruned) and "tok-abc" not in json.dumps(pruned)


def test_a_secret_key_is_masked_under_a_wildcard_select() -> None:
    data = {"accounts": {"sk-live-123456": {"name": "main"}, "other": {"name": "b"}}}

    pruned = prune(data, Output(select=["accounts.*.name"]), secret_values=("sk-live-123456",))

    assert pruned == {"accounts": {"***": {"name": "main"}, "other": {"name": "b"}}}
