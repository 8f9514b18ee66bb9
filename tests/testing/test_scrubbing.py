"""The pure scrubbing and normalising helpers under the cassettes."""

from __future__ import annotations

import base64
import json

from toolbridge.secrets import SecretStore
from toolbridge.testing.scrubbing import (
    Scrubber,
    clean_headers,
    clean_query,
    normalise_body,
    secret_forms,
    set_volatile,
)

SECRET = "s3cr3t/Value+42="


def test_secret_forms_cover_url_json_and_base64_spellings() -> None:
    forms = secret_forms(SECRET)

    assert {
        SECRET,
        "s3cr3t%2FValue%2B42%3D",
        "s3cr3t%2fValue%2b42%3d",
        "s3cr3t\\/Value+42=",
    } <= forms
    assert base64.b64encode(SECRET.encode()).decode() in forms
    assert base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("=") in forms


def test_a_secret_inside_any_longer_base64_blob_is_found() -> None:
    scrubber = Scrubber([SECRET])

    for prefix in ("", "u:", "us:", "use:"):
        blob = base64.b64encode(f"{prefix}{SECRET}".encode()).decode()
        assert scrubber.leaks(blob) == ["<redacted>"], prefix


def test_named_secrets_are_marked_with_their_name() -> None:
    scrubber = Scrubber({"ORDERS_TOKEN": SECRET})

    assert scrubber.text(f"got {SECRET} back") == "got <redacted:ORDERS_TOKEN> back"


def test_a_secret_store_contributes_every_value_it_handed_out() -> None:
    store = SecretStore({"A": "alpha-value-1", "B": "bravo-value-2"})
    store.get("A")
    scrubber = Scrubber(store)

    assert scrubber.text("alpha-value-1 bravo-value-2") == "<redacted> bravo-value-2"


def test_basic_auth_header_is_redacted_and_its_password_learned() -> None:
    scrubber = Scrubber()
    value = "Basic " + base64.b64encode(b"bot:helpdesk-pass-9").decode()

    headers = clean_headers(scrubber, {"Authorization": value, "Date": "today", "Accept": "*/*"})

    assert headers == {"Authorization": "<redacted>", "Accept": "*/*"}
    assert scrubber.text('{"echo": "helpdesk-pass-9"}') == '{"echo": "<redacted:authorization>"}'


def test_credential_query_parameters_are_redacted_and_others_kept() -> None:
    scrubber = Scrubber()

    query = clean_query(scrubber, "api_key=k-123456789&sku=TSH-0042")

    assert query == "api_key=<redacted>&sku=TSH-0042"
    assert scrubber.text("k-123456789") == "<redacted:api_key>"


def test_request_body_volatile_paths_and_credential_fields() -> None:
    scrubber = Scrubber()
    body = json.dumps({"password": "pw-123456789", "items": [{"id": 1, "at": "x"}]}).encode()

    cleaned = normalise_body(body, scrubber, [], ["items[].at"])

    assert json.loads(cleaned or b"") == {
        "password": "<redacted:password>",
        "items": [{"id": 1, "at": "<volatile>"}],
    }


def test_set_volatile_ignores_paths_that_are_not_there() -> None:
    assert set_volatile({"a": 1}, "b.c") == {"a": 1}
    assert set_volatile({"a": {"b": 2}}, "a.b") == {"a": {"b": "<volatile>"}}
