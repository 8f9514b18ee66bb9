"""`toolbridge validate`: exit codes and every problem listed, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolbridge.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples"
BAD = """\
actions:
  - name: create_ticket
    description: Open a support ticket for the customer.
    request:
      method: POST
      url: https://api.example.test/tickets
      body: {priority: "{{priority}}"}
    auth: {type: bearer}
"""
SHORT = """\
actions:
  - name: ping
    description: Ping.
    request: {url: https://api.example.test/ping}
"""


def write(tmp_path: Path, text: str, name: str = "actions.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_valid_file_exits_0_with_the_action_count(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", str(EXAMPLES / "orders.yaml")])

    out = capsys.readouterr().out
    assert code == 0
    assert out == f"OK: 2 actions in {EXAMPLES / 'orders.yaml'}\n"


def test_bad_file_exits_1_listing_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, BAD)

    code = main(["validate", path])

    captured = capsys.readouterr()
    assert code == 1
    lines = captured.out.splitlines()
    assert lines[0] == f"FAILED: 2 problems in {path}"
    assert lines[1] == (
        f"  {path}:7: action 'create_ticket': request.body: body uses"
        " {{priority}} but no variable 'priority' is defined"
    )
    assert lines[2].startswith(f"  {path}:8: action 'create_ticket': auth.secret: bearer auth")
    assert "Traceback" not in captured.out + captured.err


def test_warnings_are_shown_but_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, SHORT)

    code = main(["validate", path])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0] == f"OK: 1 action in {path} (1 warning)"
    assert lines[1].startswith(f"  {path}:3: action 'ping': warning: description: description is")


def test_one_bad_file_among_several_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, BAD)

    code = main(["validate", str(EXAMPLES / "tickets.yaml"), bad])

    out = capsys.readouterr().out
    assert code == 1
    assert "OK: 1 action in" in out
    assert f"FAILED: 2 problems in {bad}" in out


def test_missing_file_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "nope.yaml")

    code = main(["validate", path])

    out = capsys.readouterr().out
    assert code == 1
    assert f"{path}: cannot read file:" in out


def test_invalid_yaml_is_reported_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "actions:\n  - name: [unclosed\n")

    code = main(["validate", path])

    assert code == 1
    assert f"  {path}:3: invalid YAML:" in capsys.readouterr().out


def test_json_output_lists_problems_as_objects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, BAD)

    code = main(["validate", "--json", path])

    result = json.loads(capsys.readouterr().out)
    assert code == 1
    assert result[0]["ok"] is False
    assert [p["field"] for p in result[0]["problems"]] == ["request.body", "auth.secret"]
    assert result[0]["problems"][0]["line"] == 7


def test_validate_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate"])

    assert code == 2
    assert "the following arguments are required: FILE" in capsys.readouterr().err
