from __future__ import annotations

import json
import os
import pickle
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolbridge.errors import SecretError
from toolbridge.secrets import (
    MASK,
    SENSITIVE_HEADER,
    Secret,
    SecretStore,
    encoded_forms,
    mask,
    masker,
)

TOKEN = "sk_live_4f9a8b7c6d5e"


def test_secret_never_shows_its_value():
    secret = Secret(TOKEN)

    shown = [repr(secret), str(secret), f"{secret}", f"{secret:>10}", format(secret)]

    assert all(TOKEN not in text for text in shown)
    assert str(secret) == "***"
    assert secret.reveal() == TOKEN


def test_secret_is_not_json_serialisable_by_accident():
    with pytest.raises(TypeError):
        json.dumps({"token": Secret(TOKEN)})


def test_secret_refuses_pickling():
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(TOKEN))


def test_secrets_compare_by_value():
    assert Secret(TOKEN) == Secret(TOKEN)
    assert Secret(TOKEN) != Secret("other-value")
    assert Secret(TOKEN) != TOKEN


def test_mapping_wins_over_environment_and_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("API_TOKEN=from-file\n")
    store = SecretStore({"API_TOKEN": "from-mapping"}, env_file=env_file,
                        environ={"API_TOKEN": "from-environ"})

    assert store.get("API_TOKEN").reveal() == "from-mapping"


def test_environment_wins_over_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("API_TOKEN=from-file\n")
    store = SecretStore(env_file=env_file, environ={"API_TOKEN": "from-environ"})

    assert store.get("API_TOKEN").reveal() == "from-environ"


def test_env_file_is_used_last_and_never_touches_os_environ(tmp_path):
    name = "TOOLBRIDGE_TEST_ONLY_IN_FILE"
    env_file = tmp_path / ".env"
    env_file.write_text(f"{name}=from-file\n")
    store = SecretStore(env_file=env_file)

    assert store.get(name).reveal() == "from-file"
    assert name not in os.environ


def test_environment_is_read_at_lookup_time():
    environ = {"API_TOKEN": "first"}
    store = SecretStore(environ=environ)
    assert store.get("API_TOKEN").reveal() == "first"

    environ["API_TOKEN"] = "rotated"

    assert store.get("API_TOKEN").reveal() == "rotated"


def test_default_environment_is_os_environ(monkeypatch):
    monkeypatch.setenv("TOOLBRIDGE_TEST_TOKEN", "from-os")

    assert SecretStore().get("TOOLBRIDGE_TEST_TOKEN").reveal() == "from-os"


def test_env_file_is_read_once(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("API_TOKEN=first\n")
    store = SecretStore(env_file=env_file, environ={})
    store.get("API_TOKEN")

    env_file.write_text("API_TOKEN=second\n")

    assert store.get("API_TOKEN").reveal() == "first"


def test_missing_secret_names_where_to_set_it():
    store = SecretStore(environ={})

    with pytest.raises(SecretError) as caught:
        store.get("ORDERS_TOKEN")

    assert str(caught.value) == (
        "secret 'ORDERS_TOKEN' is not set: add it to the environment, a .env file, "
        "or Toolkit(secrets=...)"
    )


def test_missing_env_file_is_mentioned(tmp_path):
    store = SecretStore(env_file=tmp_path / "nope.env", environ={})

    with pytest.raises(SecretError, match=r"nope\.env' does not exist"):
        store.get("ORDERS_TOKEN")


def test_empty_value_counts_as_not_set():
    store = SecretStore({"API_TOKEN": ""}, environ={"API_TOKEN": ""})

    assert store.has("API_TOKEN") is False
    with pytest.raises(SecretError, match="'API_TOKEN' is not set"):
        store.get("API_TOKEN")


def test_has_reports_without_recording():
    store = SecretStore({"API_TOKEN": TOKEN}, environ={})

    assert store.has("API_TOKEN") is True
    assert store.has("OTHER") is False
    assert store.known_values() == ()


def test_known_values_are_the_resolved_ones_longest_first():
    store = SecretStore({"A": "short-one", "B": "a-much-longer-value", "C": "unused-value"},
                        environ={})
    store.get("A")
    store.get("B")

    assert store.known_values() == ("a-much-longer-value", "short-one")


def test_known_values_keep_a_rotated_value():
    environ = {"API_TOKEN": "old-token"}
    store = SecretStore(environ=environ)
    store.get("API_TOKEN")
    environ["API_TOKEN"] = "new-token"
    store.get("API_TOKEN")

    assert sorted(store.known_values()) == ["new-token", "old-token"]


def test_store_repr_shows_no_values(tmp_path):
    store = SecretStore({"API_TOKEN": TOKEN}, env_file=tmp_path / ".env")
    store.get("API_TOKEN")

    assert TOKEN not in repr(store)
    assert "1 names" in repr(store)


def test_mask_covers_every_common_encoding():
    value = 'p&ss w/"q"<x>'
    texts = [value, "p%26ss%20w%2F%22q%22%3Cx%3E", "p%26ss+w%2F%22q%22%3Cx%3E",
             'p&ss w/\\"q\\"<x>', "p&amp;ss w/&quot;q&quot;&lt;x&gt;"]

    assert [mask(f"a {text} b", [value]) for text in texts] == ["a *** b"] * 5


def test_mask_leaves_short_values_alone():
    assert mask("https://api.example.com", ["api"]) == "https://api.example.com"


VALUES = ["tok-0123456789", 'p&ss w/"q"<x>', "abcd", "é-secret-✓", "ab/cd+ef gh"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3, unique=True),
       st.lists(st.text(max_size=8) | st.sampled_from(VALUES)
                | st.sampled_from(VALUES).map(lambda v: encoded_forms([v])[-1]), max_size=6))
def test_masker_masks_as_one_regular_expression_of_every_form_would(values, pieces):
    # With few forms the masker looks for each with `in` before running the expression.
    text = "".join(pieces)
    forms = encoded_forms(values)
    regex = re.compile("|".join(re.escape(form) for form in forms))

    masked = masker(tuple(values))

    assert masked is not None and masked(text) == regex.sub(MASK, text)
    assert type(masked(type("Text", (str,), {})(text))) is str  # a plain str back


def test_masker_is_none_without_values():
    assert masker(()) is None
    assert masker(("ab",)) is None


def test_sensitive_header_names():
    names = ["Authorization", "X-API-Key", "Cookie", "X-Auth-Token", "X-Session-Id", "api_key"]

    assert all(SENSITIVE_HEADER.search(name) for name in names)
    assert not any(SENSITIVE_HEADER.search(n) for n in ["Accept", "Idempotency-Key", "X-Trace"])
