"""The `toolbridge` entry point: subcommand registry, help, version, error handling."""

from __future__ import annotations

import argparse
import sys
import types
from typing import Any

import pytest

import toolbridge
from toolbridge import cli
from toolbridge.errors import SecretError


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main([])

    assert code == 2
    assert "validate" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--version"])

    assert code == 0
    assert capsys.readouterr().out.strip() == f"toolbridge {toolbridge.__version__}"


def test_absent_command_modules_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "COMMANDS", ("validate", "no_such_command"))

    parser = cli.build_parser()

    assert "no_such_command" not in parser.format_help()
    assert "validate" in parser.format_help()


def fake_command(run: Any) -> types.ModuleType:
    module = types.ModuleType("toolbridge.cli.fake")

    def add_parser(subparsers: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser("fake", help="a test command")
        return parser

    module.add_parser = add_parser  # type: ignore[attr-defined]
    module.run = run  # type: ignore[attr-defined]
    return module


def test_new_commands_register_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "toolbridge.cli.fake", fake_command(lambda args: 7))
    monkeypatch.setattr(cli, "COMMANDS", ("fake",))

    assert cli.main(["fake"]) == 7


def test_toolbridge_errors_print_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(args: argparse.Namespace) -> int:
        raise SecretError("secret ORDERS_TOKEN is not set")

    monkeypatch.setitem(sys.modules, "toolbridge.cli.fake", fake_command(run))
    monkeypatch.setattr(cli, "COMMANDS", ("fake",))

    code = cli.main(["fake"])

    err = capsys.readouterr().err
    assert code == 1
    assert err == "error: secret ORDERS_TOKEN is not set\n"


def test_demo_with_a_malformed_model_exits_2_naming_the_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["demo", "--model", "gpt-4.1"]) == 2
    assert "--model must be one of openai:MODEL" in capsys.readouterr().err


def test_demo_with_a_real_model_but_no_key_exits_1_naming_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert cli.main(["demo", "--model", "openai:gpt-4.1-mini"]) == 1
    assert "set OPENAI_API_KEY in the environment or in --env-file" in capsys.readouterr().err
