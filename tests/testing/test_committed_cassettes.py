"""The cassettes in cassettes/: the whole demo conversation over each provider's wire format.

Recorded once (`pytest tests/testing/test_committed_cassettes.py -p toolbridge.testing.plugin
--record-mode=once`) against the provider stand-ins served on 127.0.0.1 and the demo API;
replayed offline by default, with every origin pointing at a port nothing listens on.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from toolbridge.demo.api import DEMO_SECRETS
from toolbridge.demo.scenario import USER_STEPS, Say, run_demo, scripted_model
from toolbridge.models.anthropic import AnthropicMessages, anthropic
from toolbridge.models.openai_chat import OpenAIChat, openai
from toolbridge.models.openai_responses import OpenAIResponses
from toolbridge.testing.cassettes import CassetteMismatch, Recording, use_cassette
from toolbridge.testing.standins import StandIn

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
MODEL_KEY = "sk-standin-Wq83nZp0Lm4Tx"  # a fake provider key: it must never reach a cassette
DEAD_ORIGIN = "http://127.0.0.1:9"
EXPECTED_REPLIES = [
    "What is your order number?",
    "has shipped with DHL",
    "Before I go ahead, please confirm",
    "ticket TCK-5001 is open",
    "37 available",
]


@pytest.fixture
def toolbridge_secrets() -> Any:
    return [DEMO_SECRETS, MODEL_KEY]


@contextmanager
def provider_origin(provider: str, recording: Recording) -> Iterator[str]:
    """The stand-in's URL while recording; a dead port on replay (nothing may be dialled)."""
    if not recording.recording:
        yield DEAD_ORIGIN
        return
    standin = StandIn(provider, scripted_model().steps)  # type: ignore[arg-type]
    with standin.serve() as url:
        yield url
    standin.assert_complete()


def replies(run: Any) -> list[str]:
    return [turn.reply for turn in run.turns]


def assert_demo_played(run: Any) -> None:
    got = replies(run)
    assert len(got) == len(EXPECTED_REPLIES)
    for reply, expected in zip(got, EXPECTED_REPLIES, strict=True):
        assert expected in reply
    assert run.ended["update_crm_contact"].status == 200


def test_demo_conversation_over_openai_chat(toolbridge_cassette: Recording) -> None:
    with provider_origin("openai", toolbridge_cassette) as origin:
        client = openai.OpenAI(api_key=MODEL_KEY, base_url=f"{origin}/v1", max_retries=0)
        run = run_demo(OpenAIChat(client, model="gpt-standin"), out=lambda _: None)

    assert_demo_played(run)


def test_demo_conversation_over_openai_responses(toolbridge_cassette: Recording) -> None:
    with provider_origin("openai-responses", toolbridge_cassette) as origin:
        client = openai.OpenAI(api_key=MODEL_KEY, base_url=f"{origin}/v1", max_retries=0)
        run = run_demo(OpenAIResponses(client, model="gpt-standin"), out=lambda _: None)

    assert_demo_played(run)


def test_demo_conversation_over_anthropic(toolbridge_cassette: Recording) -> None:
    with provider_origin("anthropic", toolbridge_cassette) as origin:
        client = anthropic.Anthropic(api_key=MODEL_KEY, base_url=origin, max_retries=0)
        run = run_demo(AnthropicMessages(client, model="claude-standin"), out=lambda _: None)

    assert_demo_played(run)


def test_committed_cassettes_hold_no_secret() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    secrets = [MODEL_KEY, *DEMO_SECRETS.values()]
    basic = f"{DEMO_SECRETS['TICKETS_USER']}:{DEMO_SECRETS['TICKETS_PASSWORD']}"
    forms = {s for s in secrets if len(s) > 12} | {base64.b64encode(basic.encode()).decode()}
    forms |= {base64.b64encode(s.encode()).decode().rstrip("=") for s in secrets}

    leaks = [(f.name, form) for f in files for form in forms if form in f.read_text()]

    assert len(files) >= 3
    assert leaks == []


def test_a_drifted_conversation_fails_against_the_committed_cassette() -> None:
    drifted = (Say("Hi! Where is my parcel? It should have arrived by now."), *USER_STEPS[1:])
    client = openai.OpenAI(api_key=MODEL_KEY, base_url=f"{DEAD_ORIGIN}/v1", max_retries=0)
    cassette = CASSETTES / "test_demo_conversation_over_openai_chat.yaml"

    with pytest.raises(CassetteMismatch, match="parcel") as caught, use_cassette(cassette):
        run_demo(OpenAIChat(client, model="gpt-standin"), out=lambda _: None, steps=drifted)

    assert "the closest differ in body" in str(caught.value)
