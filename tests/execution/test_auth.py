from __future__ import annotations

import base64

import pytest

from toolbridge.actions.models import Auth
from toolbridge.errors import ActionFileError, SecretError
from toolbridge.execution.auth import apply_auth
from toolbridge.secrets import SecretStore

STORE = SecretStore(
    {"TOKEN": "tok-123456", "USER": "api-user", "PASS": "p@ss:word"}, environ={}
)


def test_none_adds_nothing():
    parts = apply_auth(Auth(), STORE)

    assert (parts.headers, parts.query, parts.body_fields, parts.secret_values) == ([], [], {}, [])


def test_bearer_sets_authorization_header():
    parts = apply_auth(Auth(type="bearer", secret="TOKEN"), STORE)

    assert parts.headers == [("Authorization", "Bearer tok-123456")]
    assert parts.secret_values == ["tok-123456"]


def test_basic_encodes_username_and_password():
    parts = apply_auth(Auth(type="basic", username="USER", password="PASS"), STORE)

    scheme, token = parts.headers[0][1].split(" ")
    assert parts.headers[0][0] == "Authorization"
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == "api-user:p@ss:word"
    assert set(parts.secret_values) == {"api-user", "p@ss:word", token}


def test_header_uses_the_named_header():
    parts = apply_auth(Auth(type="header", secret="TOKEN", name="X-API-Key"), STORE)

    assert parts.headers == [("X-API-Key", "tok-123456")]


def test_query_adds_a_parameter():
    parts = apply_auth(Auth(type="query", secret="TOKEN", name="api_key"), STORE)

    assert parts.query == [("api_key", "tok-123456")]
    assert parts.headers == []


def test_body_adds_a_field():
    parts = apply_auth(Auth(type="body", secret="TOKEN", name="token"), STORE)

    assert parts.body_fields == {"token": "tok-123456"}


def test_missing_secret_raises_secret_error():
    with pytest.raises(SecretError, match="'NOPE' is not set"):
        apply_auth(Auth(type="bearer", secret="NOPE"), STORE)


def test_header_auth_without_a_name_is_a_definition_error():
    with pytest.raises(ActionFileError, match=r"auth\.name"):
        apply_auth(Auth(type="header", secret="TOKEN"), STORE)


def test_rotated_secret_is_picked_up():
    environ = {"TOKEN": "first-token"}
    store = SecretStore(environ=environ)
    apply_auth(Auth(type="bearer", secret="TOKEN"), store)
    environ["TOKEN"] = "second-token"

    parts = apply_auth(Auth(type="bearer", secret="TOKEN"), store)

    assert parts.headers == [("Authorization", "Bearer second-token")]
