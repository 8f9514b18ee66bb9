"""`toolbridge chat`: a terminal conversation against a loopback provider stand-in."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from toolbridge.cli import main
from toolbridge.testing.standins import StandIn, call, calls, fail

from .conftest import ORDERS_TOKEN, ShopAPI, shop_actions


@pytest.fixture
def files(tmp_path: Path, shop: ShopAPI, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
                 "ORDERS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    actions = tmp_path / "actions.json"
    actions.write_text(json.dumps(shop_actions(shop.base_url)))
    env = tmp_path / ".env"
    env.write_text(f"OPENAI_API_KEY=test-key\nANTHROPIC_API_KEY=test-key\n"
                   f"ORDERS_TOKEN={ORDERS_TOKEN}\n")
    return str(actions), str(env)


@pytest.mark.parametrize("provider", ["openai", "openai-responses", "anthropic"])
def test_chat_shows_tool_calls_asks_for_confirmation_and_ends(
    provider: str, files: tuple[str, str], shop: ShopAPI,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    actions, env = files
    standin = StandIn(provider, [  # type: ignore[arg-type]
        calls(call("lookup_order_status", order_number="ORD-1"),
              call("create_ticket", order_number="ORD-1", message="Damaged box")),
        "ORD-1 has shipped and your ticket is open.",
    ])
    monkeypatch.setattr("sys.stdin", io.StringIO("ORD-1 arrived damaged, open a ticket\ny\n/end\n"))

    with standin.serve() as url:
        base = url + ("" if provider == "anthropic" else "/v1")
        code = main(["chat", actions, "--model", f"{provider}:test-model", "--env-file", env,
                     "--base-url", base])

    out = capsys.readouterr().out
    assert code == 0
    assert '→ lookup_order_status {"order_number": "ORD-1"}' in out
    assert "← lookup_order_status: ok 200" in out
    assert f"create_ticket: POST {shop.base_url}/tickets" in out
    assert "← create_ticket: ok 201" in out
    assert "bot> ORD-1 has shipped and your ticket is open." in out
    assert "on_chat_end log_conversation: ok 200" in out
    assert len(shop.hits("POST", "/tickets")) == 1
    assert ORDERS_TOKEN not in out
    standin.assert_complete()


def test_answering_no_rejects_the_request(
    files: tuple[str, str], shop: ShopAPI,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    actions, env = files
    standin = StandIn("openai", [calls(call("create_ticket", order_number="ORD-1", message="x")),
                                 "Okay, I won't."])
    monkeypatch.setattr("sys.stdin", io.StringIO("open a ticket\nn\n"))

    with standin.serve() as url:
        code = main(["chat", actions, "--model", "openai:m", "--env-file", env,
                     "--base-url", url + "/v1"])

    assert code == 0 and "bot> Okay, I won't." in capsys.readouterr().out
    assert shop.hits("POST", "/tickets") == []


def test_a_provider_error_is_shown_and_the_chat_goes_on(
    files: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    actions, env = files
    standin = StandIn("anthropic", [fail(529), "Hello again."])
    monkeypatch.setattr("sys.stdin", io.StringIO("hi\nhi\n"))

    with standin.serve() as url:
        code = main(["chat", actions, "--model", "anthropic:m", "--env-file", env,
                     "--base-url", url, "--max-retries", "0"])

    captured = capsys.readouterr()
    assert code == 0
    assert "bot> Sorry, the assistant is busy right now." in captured.out
    assert "anthropic overloaded (HTTP 529)" in captured.err
    assert "bot> Hello again." in captured.out


def test_missing_api_key_and_bad_model_are_clear_errors(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    actions, _ = files
    empty = tmp_path / "empty.env"
    empty.write_text("")

    assert main(["chat", actions, "--model", "anthropic:m", "--env-file", str(empty)]) == 1
    assert "set ANTHROPIC_API_KEY in the environment or in --env-file" in capsys.readouterr().err
    assert main(["chat", actions, "--model", "gemini:x"]) == 2
    assert "--model must be one of openai:MODEL" in capsys.readouterr().err
