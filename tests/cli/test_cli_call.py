"""`toolbridge call`: the masked request, then status, outcome, pruned result, guidance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from server import FaultServer

from toolbridge.cli import main
from toolbridge.cli.call import parse_values

TOKEN = "cli-token-5d8e1f"

ACTIONS = """\
version: 1
defaults: {{base_url: "{base}"}}
actions:
  - name: get_order
    request: {{url: "/orders/{{id}}", query: {{verbose: "{{{{verbose}}}}"}}}}
    auth: {{type: bearer, secret: CLI_TOKEN}}
    variables:
      - {{name: id, required: true, pattern: "^ORD-"}}
      - {{name: verbose, type: boolean}}
    output: {{select: [id, status]}}
    outcomes: [{{name: shipped, when: 'body.status == "shipped"'}}]
  - name: missing
    request: {{url: "/status/404"}}
  - name: refund
    request: {{method: POST, url: "/echo/refund", body: {{amount: "{{{{amount}}}}",
                                                     items: "{{{{items}}}}"}}}}
    variables:
      - {{name: amount, type: integer, required: true}}
      - {{name: items, type: array, items: {{name: item, type: string}}}}
    safety: {{requires_confirmation: true}}
"""


@pytest.fixture
def action_file(tmp_path: Path, fault_server: FaultServer) -> str:
    path = tmp_path / "actions.yaml"
    path.write_text(ACTIONS.format(base=fault_server.base_url), encoding="utf-8")
    (tmp_path / ".env").write_text(f"CLI_TOKEN={TOKEN}\n", encoding="utf-8")
    return str(path)


def env(action_file: str) -> list[str]:
    return ["--env-file", str(Path(action_file).parent / ".env")]


def test_call_shows_masked_request_status_outcome_and_pruned_result(
    action_file: str, fault_server: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["call", action_file, "get_order", "id=ORD-5", "verbose=true", *env(action_file)])

    out = capsys.readouterr().out
    assert code == 0
    assert f"GET {fault_server.base_url}/orders/ORD-5?verbose=true" in out
    assert "Authorization: ***" in out and TOKEN not in out
    assert "Status: 200 (outcome: shipped) after 1 attempt" in out
    assert '"id": "ORD-5"' in out and "tracking" not in out
    assert fault_server.seen("/orders")[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_dry_run_sends_nothing(action_file: str, fault_server: FaultServer,
                               capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["call", action_file, "get_order", "id=ORD-5", "--dry-run", *env(action_file)])

    assert code == 0 and "/orders/ORD-5" in capsys.readouterr().out
    assert fault_server.seen() == []


def test_error_shows_code_and_guidance_and_exits_1(action_file: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["call", action_file, "missing"])

    out = capsys.readouterr().out
    assert code == 1 and "Error: not_found" in out and "Guidance: Nothing was found" in out


def test_bad_value_lists_the_problem_and_sends_nothing(
    action_file: str, fault_server: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["call", action_file, "get_order", "id=12", *env(action_file)])

    out = capsys.readouterr().out
    assert code == 1 and "Error: invalid_arguments" in out and "id" in out
    assert fault_server.seen() == []


def test_confirmation_needs_the_flag(action_file: str, fault_server: FaultServer,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    paused = main(["call", action_file, "refund", "amount=5", 'items:=["a", "b"]'])
    paused_out = capsys.readouterr().out
    sent = main(["call", action_file, "refund", "amount=5", 'items:=["a", "b"]', "--confirm"])

    assert paused == 1 and "re-run with --confirm" in paused_out
    assert sent == 0
    (seen,) = fault_server.seen("/echo")
    assert json.loads(seen.body) == {"amount": 5, "items": ["a", "b"]}


def test_json_output_carries_the_result_for_the_model(
    action_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["call", action_file, "get_order", "id=ORD-5", "--json", *env(action_file)])

    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["ok"] and report["status"] == 200
    assert json.loads(report["for_model"])["data"] == {"id": "ORD-5", "status": "shipped"}
    assert report["request"]["headers"]["Authorization"] == "***"


def test_unknown_action_and_bad_values_exit_2(action_file: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["call", action_file, "nope"]) == 2
    assert "get_order" in capsys.readouterr().err
    assert main(["call", action_file, "get_order", "novalue"]) == 2


def test_parse_values_reads_text_and_json() -> None:
    assert parse_values(["a=1", "b:=1", "c:=[1, 2]", "d=x=y"]) == {
        "a": "1", "b": 1, "c": [1, 2], "d": "x=y"}
    with pytest.raises(ValueError, match="not JSON"):
        parse_values(["n:={bad"])
