"""The rendering fast paths agree with the plain ones: the memoised header part of an
action with fixed-text headers, and the inlined path segment of a plain model string."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from harness import assert_same_request
from hypothesis import given
from hypothesis import strategies as st

from toolbridge.actions.models import Action
from toolbridge.execution import render as rendering
from toolbridge.execution.render import Prepared, render_request
from toolbridge.results import ToolResult
from toolbridge.secrets import SecretStore

NOW = datetime(2026, 1, 5, tzinfo=timezone.utc)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
HEADER = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=16)
TOKEN = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12)


def _action(header_value: str, auth: str) -> Action:
    return Action.model_validate({
        "name": "echo",
        "base_url": "https://api.example.com/v1",
        "request": {"method": "POST", "url": "/items/{id}", "query": {"q": "{{q}}"},
                    "headers": {"X-Fixed": header_value, "X-Api-Token": "static-token"},
                    "body": {"note": "{{q}}"}},
        "auth": {"type": auth, "secret": "TOKEN", "name": "X-Key"},
        "variables": [{"name": "id"}, {"name": "q"}],
    })


def _both(action: Action, values: dict[str, Any],
          secrets: SecretStore) -> tuple[Prepared | ToolResult, Prepared | ToolResult]:
    def run() -> Prepared | ToolResult:
        return render_request(action, values, {}, secrets, now=NOW,
                              timezone="UTC", conversation_id=None)

    fast = run()
    plan = rendering._plan(action)
    assert plan.static_headers
    rendering._PLANS[id(action)] = (action, replace(plan, static_headers=False, heads={}))
    try:
        slow = run()
    finally:
        rendering._PLANS[id(action)] = (action, plan)
    return fast, slow


@given(TEXT, TEXT, HEADER, TOKEN, st.sampled_from(["bearer", "header", "query", "none"]),
       st.booleans())
def test_memoised_headers_render_what_the_plain_path_renders(
    item: str, q: str, header_value: str, token: str, auth: str, echo: bool
) -> None:
    action = _action(header_value, auth)
    secrets = SecretStore({"TOKEN": token}, environ={})
    values = {"id": item, "q": f"{q} {token}" if echo else q}  # a value echoing the secret

    fast, slow = _both(action, values, secrets)

    assert_same_request(fast, slow)


@given(TOKEN, TOKEN)
def test_a_rotated_secret_gets_its_own_memoised_headers(first: str, second: str) -> None:
    action = _action("fixed", "bearer")
    secrets = {"TOKEN": first}
    store = SecretStore(environ=secrets)

    render_request(action, {"id": "1", "q": "x"}, {}, store, now=NOW,
                   timezone="UTC", conversation_id=None)
    secrets["TOKEN"] = second
    fast, slow = _both(action, {"id": "1", "q": "x"}, store)

    assert_same_request(fast, slow)
    assert isinstance(fast, Prepared)
    assert ("Authorization", f"Bearer {second}") in fast.headers


@given(TEXT)
def test_inlined_path_segment_matches_the_plain_encoding(item: str) -> None:
    action = _action("fixed", "none")
    values = {"id": item, "q": "x"}

    result = render_request(action, values, {}, SecretStore(environ={}),
                            now=NOW, timezone="UTC",
                            conversation_id=None)

    try:
        expected = rendering._path_segment("id", item)
    except rendering.RenderError as error:
        assert isinstance(result, ToolResult)
        assert result.problems == error.problems
        return
    assert isinstance(result, Prepared)
    assert result.url.split("?")[0] == f"https://api.example.com/v1/items/{expected}"
