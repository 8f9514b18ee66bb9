"""`toolbridge demo`: a complete support conversation against an embedded demo API.

Offline by default: a scripted model drives the conversation, so it runs in a second
with nothing but the package installed. `--model openai:MODEL` (or `openai-responses:`,
`anthropic:`) sends the same user messages to a real model instead, with the API key from
the environment or `--env-file` (the environment wins; the file never touches
`os.environ`).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..models.base import ModelAdapter

KEYS = {
    "openai": ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    "openai-responses": ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    "anthropic": ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
}
"""--model providers → (API key variable, base URL variable)."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="run a complete support conversation offline against an embedded demo API",
        description="Play a support chat (order lookup, a ticket with confirmation, a stock "
        "check, a CRM update at the end) against a demo API on 127.0.0.1, printing every "
        "step: tool calls with masked requests, pruned results, guidance and replies.",
    )
    parser.add_argument(
        "--model",
        metavar="PROVIDER:MODEL",
        help="use a real model instead of the scripted one: openai:MODEL, "
        "openai-responses:MODEL or anthropic:MODEL",
    )
    parser.add_argument("--env-file", help=".env file with the API key (with --model)")
    parser.add_argument("--base-url", help="provider base URL, e.g. a proxy (with --model)")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..demo.scenario import run_demo

    model = None
    if args.model:
        chosen = _model(args.model, args.env_file, args.base_url)
        if isinstance(chosen, int):
            return chosen
        model = chosen
    try:
        demo = run_demo(model)
    finally:
        client = getattr(model, "client", None)
        if client is not None:
            client.close()
    return 1 if any(turn.state == "error" for turn in demo.turns) else 0


def _model(spec: str, env_file: str | None, base_url: str | None) -> ModelAdapter | int:
    """The adapter for `provider:model`, or an exit status after printing why not."""
    provider, _, name = spec.partition(":")
    if provider not in KEYS or not name:
        choices = ", ".join(f"{p}:MODEL" for p in KEYS)
        print(f"error: --model must be one of {choices}, got {spec!r}", file=sys.stderr)
        return 2
    env: dict[str, str] = {}
    if env_file:
        from dotenv import dotenv_values

        env = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    env.update(os.environ)
    key_name, url_name = KEYS[provider]
    if not env.get(key_name):
        print(f"error: set {key_name} in the environment or in --env-file", file=sys.stderr)
        return 1
    url = base_url or env.get(url_name)
    try:
        if provider == "anthropic":
            from ..models.anthropic import AnthropicMessages, anthropic

            client = anthropic.Anthropic(api_key=env[key_name], base_url=url)
            return AnthropicMessages(client, model=name)
        from ..models.openai_chat import OpenAIChat, openai
        from ..models.openai_responses import OpenAIResponses

        openai_client = openai.OpenAI(api_key=env[key_name], base_url=url)
        adapter = OpenAIResponses if provider == "openai-responses" else OpenAIChat
        return adapter(openai_client, model=name)
    except ImportError as exc:  # the SDK extra is not installed; the message names it
        print(f"error: {exc}", file=sys.stderr)
        return 1
