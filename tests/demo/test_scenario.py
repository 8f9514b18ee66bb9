"""The demo conversation and `toolbridge demo`: offline, complete, every secret masked."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from toolbridge.cli import main
from toolbridge.demo.api import DEMO_SECRETS
from toolbridge.demo.scenario import run_demo, scripted_model
from toolbridge.testing.standins import StandIn


def played() -> tuple[list[str], object]:
    lines: list[str] = []
    run = run_demo(out=lines.append)
    return lines, run


def test_demo_walks_through_every_kind_of_turn() -> None:
    _, run = played()

    assert [t.state for t in run.turns] == [  # type: ignore[attr-defined]
        "needs_input",
        "reply",
        "needs_confirmation",
        "reply",
        "reply",
    ]
    crm = run.ended["update_crm_contact"]  # type: ignore[attr-defined]
    assert (crm.ok, crm.status) == (True, 200)
    assert crm.data["last_order_discussed"] == "ORD-1042"
    assert crm.data["product_interest"] == "TSH-0042"


def test_demo_prints_masked_requests_pruned_results_and_guidance() -> None:
    lines, _ = played()
    text = "\n".join(lines)

    assert "missing order_number: The order number from the confirmation email" in text
    assert "Authorization: ***" in text and "X-API-Key: ***" in text
    assert "Idempotency-Key: " in text
    assert "result ok: HTTP 201 created" in text
    assert "model sees (" in text and '"tracking":{"carrier":"DHL"' in text
    assert '"email":"jana.novak@example.com"' not in text.split("HTTP 200 found")[1].split("\n")[1]
    assert "Before I go ahead, please confirm this request:" in text


def test_demo_output_holds_no_secret() -> None:
    lines, _ = played()
    text = "\n".join(lines)
    basic = f"{DEMO_SECRETS['TICKETS_USER']}:{DEMO_SECRETS['TICKETS_PASSWORD']}"

    leaked = [v for v in DEMO_SECRETS.values() if len(v) > 12 and v in text]
    assert leaked == []
    assert base64.b64encode(basic.encode()).decode() not in text


def test_cli_demo_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["demo"])

    out = capsys.readouterr().out
    assert status == 0
    assert out.rstrip().splitlines()[-1].startswith("Done: 5 turns, 6 tool calls, 1 ticket created")


def test_cli_demo_sends_the_same_messages_to_a_real_model_adapter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    standin = StandIn("openai", scripted_model().steps)  # type: ignore[arg-type]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-standin-key")

    with standin.serve() as url:
        status = main(["demo", "--model", "openai:gpt-standin", "--base-url", f"{url}/v1"])

    assert status == 0, capsys.readouterr().err
    standin.assert_complete()
    assert standin.bodies[0]["model"] == "gpt-standin"
    assert "Where is my order?" in standin.bodies[0]["messages"][-1]["content"]


def test_cli_demo_with_a_model_but_no_key_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)

    status = main(["demo", "--model", "anthropic:claude-x"])

    assert status == 1
    assert "ANTHROPIC_API_KEY" in capsys.readouterr().err


def test_demo_runs_from_any_directory(tmp_path: Path) -> None:
    code = "from toolbridge.cli import main; raise SystemExit(main(['demo']))"

    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert "Done: 5 turns" in done.stdout
