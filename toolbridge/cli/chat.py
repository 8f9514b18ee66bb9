"""`toolbridge chat FILE --model PROVIDER:MODEL`: chat in the terminal with your actions.

Tool calls are shown as they happen, confirmations are asked as y/n, `/verify` marks the
user's identity as verified (what your app would do after a login), and `/end` (or
Ctrl-D) ends the chat, firing the `on_chat_end` actions. API keys come from the
environment or `--env-file` (the environment wins); the file is never written to
`os.environ`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..agent.loop import CallTool
from ..agent.messages import ToolCall
from ..agent.session import Agent
from ..errors import ToolbridgeError
from ..results import ToolResult
from .common import UsageError, load_toolkit, model_adapter, plural

SYSTEM = (
    "You are a helpful assistant. Use the tools to answer; ask the user for any detail a "
    "tool needs that they have not given."
)
HELP = "/verify marks your identity as verified, /end or Ctrl-D ends the chat."


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "chat",
        help="chat in the terminal with a model that can call your actions",
        description="Chat with a model that calls the actions in FILE. " + HELP,
    )
    parser.add_argument("file", help="action file (YAML or JSON)")
    parser.add_argument(
        "--model", required=True, metavar="PROVIDER:MODEL",
        help="openai:MODEL, openai-responses:MODEL or anthropic:MODEL",
    )
    parser.add_argument("--env-file", help=".env file with API keys and action secrets")
    parser.add_argument("--system", default=SYSTEM, help="system prompt")
    parser.add_argument("--base-url", help="provider base URL (a proxy or a local stand-in)")
    parser.add_argument(
        "--context", action="append", default=[], metavar="KEY=VALUE",
        help="session context value (repeatable), e.g. customer_id=C-1",
    )
    parser.add_argument("--max-steps", type=int, default=8, help="model calls per message")
    parser.add_argument(
        "--max-retries", type=int, default=2, help="SDK retries on rate limits and overload"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    context = _context(args.context)
    if context is None:
        return 2
    try:
        adapter = model_adapter(args.model, env_file=args.env_file, base_url=args.base_url,
                                max_retries=args.max_retries)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ToolbridgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    toolkit = load_toolkit(args.file, env_file=args.env_file)
    agent = Agent(toolkit, model=adapter, system=args.system, max_steps=args.max_steps,
                  on_provider_error="turn", on_event=_show)
    session = agent.session(context=context)
    print(f"Chatting with {args.model} ({plural(len(toolkit), 'action')}). {HELP}")
    try:
        _chat(session)
        for name, result in session.end().items():
            print(f"  on_chat_end {name}: {_summary(result)}")
    finally:
        toolkit.close()
        adapter.client.close()  # type: ignore[attr-defined]
    return 0


def _chat(session: Any) -> None:
    while True:
        try:
            text = input("you> ").strip()
        except EOFError:
            print()
            return
        if text in ("/end", "/quit", "/exit"):
            return
        if text == "/verify":
            session.verify_identity()
            print("  (identity verified)")
            continue
        if not text:
            continue
        turn = session.send(text)
        while turn.state == "needs_confirmation":
            print(f"  {turn.reply}")
            try:
                answer = input("Send this request? [y/N] ").strip().lower()
            except EOFError:
                answer = "n"
            turn = session.confirm() if answer in ("y", "yes") else session.reject()
        print(f"bot> {turn.reply}")
        if turn.state == "error" and turn.error:
            print(f"  ({turn.error})", file=sys.stderr)


def _show(phase: str, effect: Any, value: Any) -> None:
    if not isinstance(effect, CallTool):
        return
    if phase == "start":
        arguments = ToolCall(id="", name=effect.name, arguments=effect.arguments).parsed()
        print(f"  → {effect.name} {json.dumps(arguments, ensure_ascii=False)}")
    elif isinstance(value, ToolResult):
        print(f"  ← {effect.name}: {_summary(value)}")


def _summary(result: ToolResult) -> str:
    status = f" {result.status}" if result.status is not None else ""
    if result.ok:
        return f"ok{status}" + (f" ({result.outcome})" if result.outcome else "")
    return f"{result.error}{status}"


def _context(pairs: list[str]) -> dict[str, Any] | None:
    context: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            print(f"error: --context takes KEY=VALUE, got {pair!r}", file=sys.stderr)
            return None
        context[name] = value
    return context
