from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from toolbridge.actions.models import Output
from toolbridge.pruning import html_text, prune, prune_body, prune_text, scrub

ORDER: dict[str, Any] = {
    "id": "ord_1",
    "status": "shipped",
    "tracking": {"number": "1Z999", "eta": "2026-01-09", "carrier": None},
    "customer": {"name": "Ann", "email": "ann@example.com", "phone": ""},
    "items": [{"name": f"Item {i}", "sku": f"S{i}", "qty": i} for i in range(3)],
    "notes": [],
    "meta": {},
    "gift": False,
    "discount": 0,
}


def size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))


def test_default_drops_nulls_and_empties_but_keeps_false_and_zero():
    result = prune(ORDER)

    assert result["tracking"] == {"number": "1Z999", "eta": "2026-01-09"}
    assert result["customer"] == {"name": "Ann", "email": "ann@example.com"}
    assert "notes" not in result and "meta" not in result
    assert result["gift"] is False and result["discount"] == 0


def test_select_keeps_only_the_paths_and_their_structure():
    output = Output(select=["id", "tracking.number", "tracking.eta", "items[].name"])

    assert prune(ORDER, output) == {
        "id": "ord_1",
        "tracking": {"number": "1Z999", "eta": "2026-01-09"},
        "items": [{"name": "Item 0"}, {"name": "Item 1"}, {"name": "Item 2"}],
    }


def test_select_maps_over_lists_without_brackets_and_at_the_top():
    assert prune(ORDER, Output(select=["items.sku"])) == {
        "items": [{"sku": "S0"}, {"sku": "S1"}, {"sku": "S2"}]
    }
    assert prune(ORDER["items"], Output(select=["[].qty"])) == [{"qty": 0}, {"qty": 1}, {"qty": 2}]


def test_select_of_a_path_that_is_not_there_is_left_out():
    assert prune(ORDER, Output(select=["id", "nope", "id.deeper", "tracking.number.x"])) == {
        "id": "ord_1"
    }


def test_shorter_select_path_keeps_the_whole_subtree():
    result = prune(ORDER, Output(select=["tracking", "tracking.eta"]))

    assert result == {"tracking": {"number": "1Z999", "eta": "2026-01-09"}}


def test_wildcard_matches_any_key():
    data = {"a": {"url": "u1", "x": 1}, "b": {"url": "u2", "y": 2}}

    assert prune(data, Output(select=["*.url"])) == {"a": {"url": "u1"}, "b": {"url": "u2"}}
    assert prune(data, Output(redact=["*.url"])) == {"a": {"url": "***", "x": 1},
                                                    "b": {"url": "***", "y": 2}}


def test_redact_masks_values_inside_selection_and_lists():
    output = Output(select=["customer", "items"], redact=["customer.email", "items[].sku"])

    result = prune(ORDER, output)

    assert result["customer"] == {"name": "Ann", "email": "***"}
    assert [item["sku"] for item in result["items"]] == ["***"] * 3


def test_long_list_is_cut_with_a_note():
    data = {"items": list(range(250))}

    result = prune(data, Output(max_items=10, max_chars=10_000))

    assert result["items"] == [*range(10), {"_truncated": "showing 10 of 250 items"}]


def test_list_of_exactly_max_items_has_no_note():
    assert prune({"items": list(range(10))}, Output(max_items=10)) == {"items": list(range(10))}


def test_long_string_is_cut_with_a_note():
    result = prune({"text": "x" * 800}, Output(max_string=500, max_chars=10_000))

    assert result["text"] == "x" * 500 + "…(+300 chars)"


def test_result_is_capped_at_max_chars_and_stays_valid_json():
    data = {"items": [{"id": i, "title": f"Issue {i}", "body": "text " * 200,
                       "user": {"login": f"u{i}", "url": f"https://example.com/u/{i}"}}
                      for i in range(100)]}

    result = prune(data, Output(max_chars=600))

    assert size(result) <= 600
    assert json.loads(json.dumps(result)) == result
    assert result["items"][0]["id"] == 0
    assert result["items"][-1]["_truncated"].endswith("of 100 items")


def test_budget_is_used_when_one_item_fits_but_two_do_not():
    big = {"type": "big", **{f"k{j}": "v" * 100 for j in range(50)}}
    data = [{"type": "small", "n": 1}, *([big] * 5)]

    result = prune(data)

    assert size(result) > Output().max_chars // 2
    assert result[0] == {"type": "small", "n": 1}
    assert result[1]["type"] == "big"
    assert result[-1] == {"_truncated": "showing 2 of 6 items"}


def test_wide_object_drops_fields_with_a_note():
    data = {f"key{i}": f"value number {i}" for i in range(300)}

    result = prune(data, Output(max_chars=400))

    shown = len(result) - 1
    omitted = int(result["_truncated"].removesuffix(" more fields omitted"))
    assert size(result) <= 400
    assert result["key0"] == "value number 0"
    assert shown + omitted == 300


def test_tiny_budget_still_gives_valid_small_json():
    result = prune({"a": "b" * 1000, "c": list(range(100))}, Output(max_chars=20))

    assert size(result) <= 20


def test_bare_string_is_capped_by_max_chars():
    result = prune("word " * 1000, Output(max_chars=100))

    assert isinstance(result, str)
    assert size(result) <= 100
    assert result.endswith("chars)")


def test_nothing_left_gives_none():
    assert prune({"a": None, "b": [], "c": {"d": ""}}) is None


def test_without_output_defaults_keep_results_small():
    data = [{"id": i, "payload": "p" * 2000} for i in range(500)]

    result = prune(data)

    assert size(result) <= Output().max_chars


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda children: st.lists(children, max_size=30)
        | st.dictionaries(st.text(max_size=10), children, max_size=30),
        max_leaves=200,
    ),
    st.integers(min_value=40, max_value=3000),
)
def test_any_json_fits_max_chars(data, max_chars):
    result = prune(data, Output(max_chars=max_chars))

    assert size(result) <= max_chars
    assert json.loads(json.dumps(result)) == result


# -- secrets --------------------------------------------------------------------------------

SECRET = "sk_live_0123456789abcdef"


def test_scrub_masks_secrets_in_strings_and_keys():
    data = {"echo": f"token={SECRET}", SECRET: [f"{SECRET}!"], "n": 1}

    assert scrub(data, [SECRET]) == {"echo": "token=***", "***": ["***!"], "n": 1}


def test_scrub_without_secrets_returns_the_data():
    data = {"a": "b"}

    assert scrub(data, []) is data


def test_short_secret_values_are_not_scrubbed():
    assert scrub({"host": "api.example.com"}, ["api"]) == {"host": "api.example.com"}


def test_prune_scrubs_before_cutting_so_no_half_secret_is_left():
    text = "x" * 490 + SECRET + "y" * 100

    result = prune({"text": text}, Output(max_string=500), secret_values=[SECRET])

    assert SECRET[:8] not in result["text"]
    assert result["text"].startswith("x" * 490 + "***")


# -- text and bodies ------------------------------------------------------------------------


def test_html_is_reduced_to_visible_text():
    html = ("<html><head><title>Order</title><style>p{color:red}</style>"
            "<script>var secret = 1;</script></head><body><p>Status:   <b>shipped</b></p>"
            "<div>ETA &amp; more</div><noscript>enable js</noscript></body></html>")

    assert html_text(html) == "Order\nStatus: shipped\nETA & more"


def test_prune_text_cuts_with_a_note_within_max_chars():
    result = prune_text("a" * 1000, "text/plain", 100)

    assert len(result) <= 100
    assert result.endswith("chars)")


def test_prune_text_sniffs_html_without_content_type():
    assert prune_text("<!DOCTYPE html><p>Hi</p>", "", 100) == "Hi"


def test_prune_body_parses_and_prunes_json():
    content = json.dumps({"a": 1, "b": None}).encode()

    assert prune_body(content, "application/json; charset=utf-8", None) == ({"a": 1}, True)


def test_prune_body_accepts_json_suffix_types_and_sniffs():
    assert prune_body(b'{"a": 1}', "application/problem+json", None) == ({"a": 1}, True)
    assert prune_body(b'[1, 2]', None, None) == ([1, 2], True)


def test_prune_body_reports_invalid_json_with_a_short_excerpt():
    data, parsed = prune_body(b"<html>Bad Gateway</html>" + b"x" * 1000, "application/json",
                              None)

    assert parsed is False
    assert isinstance(data, str) and data.startswith("<html>Bad Gateway")
    assert len(data) <= 200


def test_prune_body_invalid_json_excerpt_is_scrubbed():
    data, parsed = prune_body(f"oops {SECRET}".encode(), "application/json", None,
                              secret_values=[SECRET])

    assert parsed is False
    assert data == "oops ***"


def test_prune_body_html_and_text():
    html, ok_html = prune_body(b"<p>Hello <i>there</i></p>", "text/html", None)
    text, ok_text = prune_body("caf\xe9".encode("latin-1"), "text/plain; charset=latin-1", None)

    assert (html, ok_html) == ("Hello there", True)
    assert (text, ok_text) == ("café", True)


def test_prune_body_does_not_show_binary():
    data, parsed = prune_body(b"\x89PNG\r\n" + bytes(100), "image/png", None)

    assert parsed is True
    assert data == "(image/png content, 106 bytes, not shown)"


def test_prune_body_empty_is_none():
    assert prune_body(b"", "application/json", None) == (None, True)
    assert prune_body(b"  \n", None, None) == (None, True)


def test_prune_body_applies_the_output_block():
    content = json.dumps({"id": 1, "secret_field": "x", "email": "a@b.c"}).encode()
    output = Output(select=["id", "email"], redact=["email"])

    assert prune_body(content, "application/json", output) == ({"id": 1, "email": "***"}, True)
