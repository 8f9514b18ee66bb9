"""`toolbridge demo`: a complete support conversation against an embedded demo API.

Offline by default: a scripted model drives the conversation, so it runs in a second
with nothing but the package installed. `--model openai:MODEL` (or `openai-responses:`,
`anthropic:`) sends the same user messages to a real model instead, with the API key from
the environment or `--env-file` (the environment wins; the file never touches
`os.environ`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import ToolbridgeError
from .common import UsageError, model_adapter


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
        try:
            model = model_adapter(args.model, env_file=args.env_file, base_url=args.base_url)
        except UsageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except ToolbridgeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    try:
        demo = run_demo(model)
    finally:
        client = getattr(model, "client", None)
        if client is not None:
            client.close()
    return 1 if any(turn.state == "error" for turn in demo.turns) else 0
