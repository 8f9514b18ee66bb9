"""The pytest plugin end to end: record once, replay by default, fail on drift."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from toolbridge.testing.plugin import cassette_name

from .conftest import EchoServer

SUITE = """
import os
import httpx2

def test_order_question(toolbridge_cassette):
    reply = httpx2.post(os.environ["ECHO_URL"] + "/v1/chat", json={"text": "QUESTION"})
    assert reply.json()["body"] == '{"text":"QUESTION"}'
"""


def run_suite(folder: Path, question: str, server_url: str, *options: str) -> str:
    (folder / "test_suite.py").write_text(SUITE.replace("QUESTION", question))
    (folder / "pytest.ini").write_text("[pytest]\n")
    # Entry-point plugins off: the plugin is loaded explicitly, exactly once.
    env = {**os.environ, "ECHO_URL": server_url, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "toolbridge.testing.plugin", *options]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    return done.stdout + done.stderr


def test_record_once_then_replay_without_the_server(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    recorded = run_suite(tmp_path, "Where is ORD-1042?", echo_server.base_url, "--record-mode=once")
    replayed = run_suite(tmp_path, "Where is ORD-1042?", "http://127.0.0.1:9")

    assert "1 passed" in recorded and "1 passed" in replayed
    assert len(echo_server.hits) == 1
    cassette = yaml.safe_load((tmp_path / "cassettes" / "test_order_question.yaml").read_text())
    assert cassette["interactions"][0]["request"]["parsed_body"] == {"text": "Where is ORD-1042?"}


def test_default_mode_fails_on_a_drifted_conversation(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    run_suite(tmp_path, "Where is ORD-1042?", echo_server.base_url, "--record-mode=once")

    drifted = run_suite(tmp_path, "Where is ORD-7777?", "http://127.0.0.1:9")

    assert "CassetteMismatch" in drifted and "ORD-7777" in drifted
    assert "passed" not in drifted.splitlines()[-1]


def test_default_mode_never_records(tmp_path: Path, echo_server: EchoServer) -> None:
    output = run_suite(tmp_path, "hello", echo_server.base_url)

    assert "--record-mode=once" in output
    assert echo_server.hits == []
    assert not (tmp_path / "cassettes").exists()


def test_cassette_names_are_file_system_safe() -> None:
    assert cassette_name("test_x[a/b-c d]") == "test_x-a_b-c_d"
    assert cassette_name("test_plain") == "test_plain"


def test_record_mode_choices_are_vcrpys() -> None:
    from vcr.record_mode import RecordMode

    from toolbridge.testing.plugin import RECORD_MODES

    assert sorted(RECORD_MODES) == sorted(mode.value for mode in RecordMode)


def test_loading_the_plugin_does_not_import_vcrpy() -> None:
    code = "import sys, toolbridge.testing.plugin; print('vcr' in sys.modules)"

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "False"
