from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from toolbridge.actions.models import Action
from toolbridge.errors import SecretError, ToolbridgeError
from toolbridge.execution.render import Prepared, describe, render_request
from toolbridge.results import ToolResult
from toolbridge.secrets import Secret, SecretStore

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
TOKEN = "sk_test_9f8e7d6c5b4a"
SECRETS = SecretStore({"ORDERS_TOKEN": TOKEN, "SIGNING_KEY": "sig-key-value-1"}, environ={})


def make(request: dict[str, Any], variables: list[dict[str, Any]] | None = None,
         **extra: Any) -> Action:
    return Action.model_validate({
        "name": "test_action",
        "base_url": "https://api.example.com/v1",
        "request": request,
        "variables": variables or [],
        **extra,
    })


def render(action: Action, values: dict[str, Any] | None = None,
           context: dict[str, Any] | None = None, *, timezone_name: str = "UTC",
           conversation_id: str | None = "conv-1") -> Prepared | ToolResult:
    return render_request(action, values or {}, context or {}, SECRETS, now=NOW,
                          timezone=timezone_name, conversation_id=conversation_id)


def ok(result: Prepared | ToolResult) -> Prepared:
    assert isinstance(result, Prepared), result
    return result


def failed(result: Prepared | ToolResult) -> ToolResult:
    assert isinstance(result, ToolResult), result
    return result


def body_of(prepared: Prepared) -> Any:
    assert prepared.content is not None
    return json.loads(prepared.content)


ORDER = {"name": "order_number", "required": True}


# -- URL ----------------------------------------------------------------------------------


def test_get_with_path_query_and_headers():
    action = make(
        {"url": "/orders/{order_number}", "query": {"include": "tracking"},
         "headers": {"Accept": "application/json", "X-Request-ID": "{{conversation_id}}"}},
        [ORDER],
    )

    prepared = ok(render(action, {"order_number": "ORD-12345"}))

    assert prepared.method == "GET"
    assert prepared.url == "https://api.example.com/v1/orders/ORD-12345?include=tracking"
    assert prepared.headers == [("Accept", "application/json"), ("X-Request-ID", "conv-1")]
    assert prepared.content is None


def test_absolute_url_ignores_base_url_and_keeps_its_query():
    action = make({"url": "https://other.example.com/search?type=order", "query": {"q": "{{q}}"}},
                  [{"name": "q"}])

    prepared = ok(render(action, {"q": "red shoes"}))

    assert prepared.url == "https://other.example.com/search?type=order&q=red%20shoes"


def test_query_values_are_encoded_as_data():
    action = make({"url": "/search", "query": {"q": "{{q}}", "label": "x-{{q}}"}}, [{"name": "q"}])

    prepared = ok(render(action, {"q": "a&b=c #1"}))

    assert parse_qsl(urlsplit(prepared.url).query) == [("q", "a&b=c #1"), ("label", "x-a&b=c #1")]


def test_absent_optional_drops_the_query_parameter_and_header():
    action = make({"url": "/search", "query": {"q": "{{q}}", "page": "{{page}}"},
                   "headers": {"X-Page": "{{page}}"}},
                  [{"name": "q"}, {"name": "page", "type": "integer"}])

    prepared = ok(render(action, {"q": "shoes"}))

    assert prepared.url.endswith("/search?q=shoes")
    assert [name for name, _ in prepared.headers] == []


def test_list_value_repeats_the_query_parameter():
    action = make({"url": "/search", "query": {"tag": "{{tags}}"}},
                  [{"name": "tags", "type": "array", "items": {"name": "t"}}])

    prepared = ok(render(action, {"tags": ["a", "b c"]}))

    assert parse_qsl(urlsplit(prepared.url).query) == [("tag", "a"), ("tag", "b c")]


def test_non_string_values_read_as_json_text_in_the_url():
    action = make({"url": "/items/{id}", "query": {"active": "{{active}}", "on": "{{day}}"}},
                  [{"name": "id", "type": "integer", "required": True},
                   {"name": "active", "type": "boolean"}, {"name": "day", "type": "date"}])

    prepared = ok(render(action, {"id": 42, "active": False, "day": date(2026, 1, 5)}))

    assert prepared.url == "https://api.example.com/v1/items/42?active=false&on=2026-01-05"


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_dot_and_empty_path_values_are_refused(value):
    action = make({"url": "/orders/{order_number}"}, [ORDER])

    result = failed(render(action, {"order_number": value}))

    assert result.error == "invalid_arguments"
    assert result.problems[0].startswith("order_number:")
    assert result.guidance


def test_adjacent_path_values_cannot_make_a_dot_segment():
    action = make({"url": "/files/{a}{b}"}, [{"name": "a", "required": True},
                                            {"name": "b", "required": True}])

    result = failed(render(action, {"a": ".", "b": "."}))

    assert result.error == "invalid_arguments"


def test_path_value_is_one_segment():
    action = make({"url": "/orders/{order_number}/items"}, [ORDER])

    prepared = ok(render(action, {"order_number": "a/b?c#d"}))

    assert prepared.url == "https://api.example.com/v1/orders/a%2Fb%3Fc%23d/items"


# -- sources and runtime names --------------------------------------------------------------


def test_context_variable_comes_from_the_context_not_the_model():
    action = make({"url": "/customers/{customer_id}"},
                  [{"name": "customer_id", "source": "context"}])

    prepared = ok(render(action, {"customer_id": "model-says"}, {"customer_id": "cus_1"}))

    assert prepared.url.endswith("/customers/cus_1")


def test_missing_context_value_blocks_without_showing_values():
    action = make({"url": "/customers/{customer_id}", "query": {"q": "{{q}}"}},
                  [{"name": "customer_id", "source": "context"}, {"name": "q"}])

    result = failed(render(action, {"q": "secret-ish-query"}, {"other": "ctx-value"}))

    assert result.error == "blocked"
    assert "not available in this conversation" in (result.guidance or "")
    assert "Do not retry" in (result.guidance or "")
    assert "secret-ish-query" not in result.for_model()
    assert "ctx-value" not in result.for_model()


def test_context_default_applies_when_the_context_lacks_it():
    action = make({"url": "/help", "query": {"lang": "{{locale}}"}},
                  [{"name": "locale", "source": "context", "default": "en"}])

    prepared = ok(render(action))

    assert prepared.url.endswith("/help?lang=en")


def test_constant_variable_cannot_be_overridden_by_the_model():
    action = make({"url": "/orders", "query": {"limit": "{{limit}}"}},
                  [{"name": "limit", "source": "constant", "value": 5}])

    prepared = ok(render(action, {"limit": 500}))

    assert prepared.url.endswith("/orders?limit=5")


def test_runtime_names_use_the_given_clock_and_timezone():
    action = make({"url": "/slots", "query": {"at": "{{current_datetime}}",
                                              "day": "{{current_date}}", "tz": "{{timezone}}"}})

    prepared = ok(render(action, timezone_name="America/New_York"))

    assert dict(parse_qsl(urlsplit(prepared.url).query)) == {
        "at": "2026-01-05T04:30:00-05:00", "day": "2026-01-05", "tz": "America/New_York",
    }


def test_naive_now_is_taken_as_utc():
    action = make({"url": "/slots", "query": {"at": "{{current_datetime}}"}})

    prepared = render_request(action, {}, {}, SECRETS, now=NOW.replace(tzinfo=None),
                              timezone="Asia/Tokyo", conversation_id=None)

    assert ok(prepared).url.endswith("at=2026-01-05T18%3A30%3A00%2B09%3A00")


def test_unknown_timezone_is_a_developer_error():
    action = make({"url": "/slots", "query": {"day": "{{current_date}}"}})

    with pytest.raises(ToolbridgeError, match="unknown timezone 'Mars/Olympus'"):
        render(action, timezone_name="Mars/Olympus")


def test_missing_conversation_id_drops_the_header():
    action = make({"url": "/x", "headers": {"X-Conversation": "{{conversation_id}}"}})

    prepared = ok(render(action, conversation_id=None))

    assert prepared.headers == []


# -- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x00b", "a\x7fb"])
def test_header_control_characters_are_refused_naming_the_header(value):
    action = make({"url": "/x", "headers": {"X-Note": "{{note}}"}}, [{"name": "note"}])

    result = failed(render(action, {"note": value}))

    assert result.error == "invalid_arguments"
    assert result.problems[0].startswith("header 'X-Note':")


def test_non_ascii_header_value_is_refused():
    action = make({"url": "/x", "headers": {"X-Name": "{{name}}"}}, [{"name": "name"}])

    result = failed(render(action, {"name": "Zoë"}))

    assert result.error == "invalid_arguments"
    assert "non-ASCII" in result.problems[0]


def test_secret_placeholder_in_header_is_sent_and_masked():
    action = make({"url": "/x", "headers": {"X-Signature": "v1={{secrets.SIGNING_KEY}}"}})

    prepared = ok(render(action))

    assert ("X-Signature", "v1=sig-key-value-1") in prepared.headers
    assert prepared.summary.headers["X-Signature"] == "***"
    assert "sig-key-value-1" in prepared.secret_values


def test_missing_secret_raises():
    action = make({"url": "/x", "headers": {"X-Key": "{{secrets.NOT_SET_ANYWHERE}}"}})

    with pytest.raises(SecretError, match="NOT_SET_ANYWHERE"):
        render(action)


# -- auth and masking -----------------------------------------------------------------------


def test_bearer_is_sent_and_masked_in_the_summary():
    action = make({"url": "/x"}, auth={"type": "bearer", "secret": "ORDERS_TOKEN"})

    prepared = ok(render(action))

    assert ("Authorization", f"Bearer {TOKEN}") in prepared.headers
    assert prepared.summary.headers == {"Authorization": "***"}


def test_query_auth_is_in_the_url_but_masked_in_the_summary():
    action = make({"url": "/x", "query": {"a": "1"}},
                  auth={"type": "query", "secret": "ORDERS_TOKEN", "name": "api_key"})

    prepared = ok(render(action))

    assert prepared.url.endswith(f"/x?a=1&api_key={TOKEN}")
    assert prepared.summary.url.endswith("/x?a=1&api_key=***")


def test_body_auth_is_added_to_a_json_body_and_masked():
    action = make({"method": "POST", "url": "/x", "body": {"qty": "{{qty}}"}},
                  [{"name": "qty", "type": "integer"}],
                  auth={"type": "body", "secret": "ORDERS_TOKEN", "name": "token"})

    prepared = ok(render(action, {"qty": 2}))

    assert body_of(prepared) == {"qty": 2, "token": TOKEN}
    assert json.loads(prepared.summary.body or "") == {"qty": 2, "token": "***"}


def test_body_auth_is_added_to_a_form_body_and_masked():
    action = make({"method": "POST", "url": "/x", "body_format": "form", "body": {"q": "1"}},
                  auth={"type": "body", "secret": "ORDERS_TOKEN", "name": "token"})

    prepared = ok(render(action))

    assert prepared.content == f"q=1&token={TOKEN}".encode()
    assert prepared.summary.body == "q=1&token=***"


def test_sensitive_header_names_are_masked_wholesale():
    action = make({"url": "/x", "headers": {"Cookie": "session={{sid}}", "X-Trace": "{{sid}}"}},
                  [{"name": "sid"}])

    prepared = ok(render(action, {"sid": "abc"}))

    assert prepared.summary.headers == {"Cookie": "***", "X-Trace": "abc"}


def test_secret_echoed_in_a_model_value_is_masked_in_the_summary():
    action = make({"url": "/x", "query": {"q": "{{q}}"}}, [{"name": "q"}],
                  auth={"type": "bearer", "secret": "ORDERS_TOKEN"})

    prepared = ok(render(action, {"q": f"my token is {TOKEN}"}))

    assert TOKEN not in prepared.summary.url
    assert TOKEN in prepared.url


def test_secret_in_context_is_revealed_only_in_the_request():
    action = make({"url": "/x", "headers": {"X-User-Token": "{{user_token}}"}},
                  [{"name": "user_token", "source": "context"}])

    prepared = ok(render(action, context={"user_token": Secret("user-token-value")}))

    assert ("X-User-Token", "user-token-value") in prepared.headers
    assert prepared.summary.headers["X-User-Token"] == "***"


def test_prepared_repr_shows_no_secret():
    action = make({"url": "/x"}, auth={"type": "query", "secret": "ORDERS_TOKEN", "name": "k"})

    prepared = ok(render(action))

    assert TOKEN not in repr(prepared)
    assert TOKEN not in repr(prepared.summary)


# -- bodies ---------------------------------------------------------------------------------


def test_whole_placeholder_keeps_its_json_type():
    action = make(
        {"method": "POST", "url": "/orders",
         "body": {"qty": "{{qty}}", "gift": "{{gift}}", "tags": "{{tags}}", "note": "Qty {{qty}}",
                  "nested": {"list": ["{{qty}}", "fixed", 1.5]}}},
        [{"name": "qty", "type": "integer"}, {"name": "gift", "type": "boolean"},
         {"name": "tags", "type": "array", "items": {"name": "t"}}],
    )

    prepared = ok(render(action, {"qty": 3, "gift": False, "tags": ["x"]}))

    assert body_of(prepared) == {"qty": 3, "gift": False, "tags": ["x"], "note": "Qty 3",
                                 "nested": {"list": [3, "fixed", 1.5]}}
    assert ("Content-Type", "application/json") in prepared.headers


def test_absent_whole_placeholder_removes_the_key_and_list_item():
    action = make({"method": "POST", "url": "/x",
                   "body": {"a": "{{a}}", "b": "{{b}}", "l": ["{{b}}", "{{a}}"], "t": "[{{b}}]"}},
                  [{"name": "a"}, {"name": "b"}])

    prepared = ok(render(action, {"a": "x"}))

    assert body_of(prepared) == {"a": "x", "l": ["x"], "t": "[]"}


def test_whole_body_placeholder_absent_sends_no_body():
    action = make({"method": "POST", "url": "/x", "body": "{{payload}}"},
                  [{"name": "payload", "type": "object"}])

    prepared = ok(render(action))

    assert prepared.content is None
    assert not any(name == "Content-Type" for name, _ in prepared.headers)


def test_values_are_substituted_once():
    action = make({"method": "POST", "url": "/x", "query": {"q": "{{a}}"},
                   "body": {"a": "{{a}}", "s": "see {{a}}"}},
                  [{"name": "a"}, {"name": "b"}])

    prepared = ok(render(action, {"a": "{{b}}", "b": "leaked"}))

    assert body_of(prepared) == {"a": "{{b}}", "s": "see {{b}}"}
    assert "leaked" not in prepared.url


def test_dates_in_json_bodies_are_iso_strings():
    action = make({"method": "POST", "url": "/x", "body": {"on": "{{day}}"}},
                  [{"name": "day", "type": "date"}])

    prepared = ok(render(action, {"day": date(2026, 2, 1)}))

    assert body_of(prepared) == {"on": "2026-02-01"}


def test_non_finite_number_in_body_is_refused():
    action = make({"method": "POST", "url": "/x", "body": {"v": "{{v}}"}},
                  [{"name": "v", "source": "context"}])

    result = failed(render(action, context={"v": float("nan")}))

    assert result.error == "invalid_arguments"
    assert "finite" in result.problems[0]


def test_form_body_is_form_encoded():
    action = make({"method": "POST", "url": "/x", "body_format": "form",
                   "body": {"name": "{{name}}", "note": "hi {{name}}", "n": 2, "skip": "{{nope}}"}},
                  [{"name": "name"}, {"name": "nope"}])

    prepared = ok(render(action, {"name": "Zoë & co"}))

    assert parse_qsl(prepared.content.decode()) == [("name", "Zoë & co"), ("note", "hi Zoë & co"),
                                                    ("n", "2")]
    assert ("Content-Type", "application/x-www-form-urlencoded") in prepared.headers


def test_xml_body_escapes_values():
    action = make({"method": "POST", "url": "/x", "body_format": "xml",
                   "body": '<order note="{{note}}"><item>{{note}}</item></order>'},
                  [{"name": "note"}])

    prepared = ok(render(action, {"note": "<b>\"Tom\" & 'Jerry'</b>"}))

    assert prepared.content == (
        b'<order note="&lt;b&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;&lt;/b&gt;">'
        b"<item>&lt;b&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;&lt;/b&gt;</item></order>"
    )
    assert ("Content-Type", "application/xml; charset=utf-8") in prepared.headers


def test_xml_body_refuses_characters_xml_cannot_carry():
    action = make({"method": "POST", "url": "/x", "body_format": "xml",
                   "body": "<n>{{note}}</n>"}, [{"name": "note"}])

    result = failed(render(action, {"note": "bell\x07"}))

    assert result.error == "invalid_arguments"
    assert result.problems[0].startswith("note:")


def test_text_body_is_plain_substitution():
    action = make({"method": "POST", "url": "/x", "body_format": "text",
                   "body": "Hello {{name}}, {{missing}}!"}, [{"name": "name"}, {"name": "missing"}])

    prepared = ok(render(action, {"name": '"Ann" <a>'}))

    assert prepared.content == b'Hello "Ann" <a>, !'
    assert ("Content-Type", "text/plain; charset=utf-8") in prepared.headers


def test_action_content_type_is_kept():
    action = make({"method": "POST", "url": "/x", "body": {"a": 1},
                   "headers": {"Content-Type": "application/vnd.api+json"}})

    prepared = ok(render(action))

    assert [v for k, v in prepared.headers if k.lower() == "content-type"] == [
        "application/vnd.api+json"
    ]


# -- idempotency ----------------------------------------------------------------------------


def test_get_is_idempotent_post_is_not():
    assert ok(render(make({"url": "/x"}))).idempotent is True
    assert ok(render(make({"method": "POST", "url": "/x"}))).idempotent is False


def test_idempotency_key_makes_post_retryable_and_is_stable():
    key = "{{conversation_id}}-refund-{{order_number}}"
    action = make({"method": "POST", "url": "/refunds", "body": {"order": "{{order_number}}"}},
                  [ORDER], safety={"idempotency_key": key})

    first = ok(render(action, {"order_number": "ORD-1"}))
    second = ok(render(action, {"order_number": "ORD-1"}))

    assert first.idempotent is True
    assert first.idempotency_key == "conv-1-refund-ORD-1" == second.idempotency_key
    assert ("Idempotency-Key", "conv-1-refund-ORD-1") in first.headers


# -- describe and caching -------------------------------------------------------------------


def test_describe_shows_method_url_headers_and_pretty_body_masked():
    action = make({"method": "POST", "url": "/refunds", "body": {"amount": "{{amount}}"},
                   "headers": {"Accept": "application/json", "X-Reason": "customer"}},
                  [{"name": "amount", "type": "integer"}],
                  auth={"type": "bearer", "secret": "ORDERS_TOKEN"})

    text = describe(ok(render(action, {"amount": 30})))

    assert text.splitlines()[0] == "POST https://api.example.com/v1/refunds"
    assert "X-Reason: customer" in text
    assert "Authorization: ***" in text
    assert "Accept" not in text
    assert '"amount": 30' in text
    assert TOKEN not in text


def test_two_actions_with_the_same_name_do_not_share_a_plan():
    first = make({"url": "/one"})
    second = make({"url": "/two"})

    assert ok(render(first)).url.endswith("/one")
    assert ok(render(second)).url.endswith("/two")
    assert ok(render(first)).url.endswith("/one")


def test_action_guidance_overrides_render_problems():
    action = make({"url": "/orders/{order_number}"}, [ORDER],
                  guidance={"invalid_arguments": "Ask for the order number again."})

    result = failed(render(action, {"order_number": ".."}))

    assert result.guidance == "Ask for the order number again."


def test_a_clock_is_read_only_when_a_template_needs_the_time() -> None:
    reads: list[int] = []

    def clock() -> datetime:
        reads.append(1)
        return NOW

    plain = make({"url": "/orders/{id}"}, [{"name": "id"}])
    dated = make({"url": "/report", "query": {"day": "{{current_date}}",
                                              "at": "{{current_datetime}}"}})
    render_request(plain, {"id": "A1"}, {}, SECRETS, now=clock, timezone="UTC",
                   conversation_id=None)
    assert reads == []
    prepared = ok(render_request(dated, {}, {}, SECRETS, now=clock, timezone="UTC",
                                 conversation_id=None))
    assert reads == [1]  # read once: the date and the datetime agree
    assert dict(parse_qsl(urlsplit(prepared.url).query)) == {
        "day": "2026-01-05", "at": "2026-01-05T09:30:00+00:00"}
