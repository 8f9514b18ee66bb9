"""`toolbridge call FILE ACTION key=value...`: the "test the request" button.

Shows the exact request (secrets masked), sends it unless `--dry-run`, then shows the
status, the outcome, the pruned result the model would see and the guidance. Values are
`key=value` (text, coerced like the model's arguments: `qty=3` becomes 3 for an integer)
or `key:=JSON` for numbers, lists and objects as JSON. `--context key=value` fills
`source: context` variables. A `requires_confirmation` action is only sent with
`--confirm` (you are the user confirming it).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..execution.render import describe
from ..results import ToolResult
from .common import load_toolkit, print_json


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "call",
        help="send one action with the given values and show what the model would see",
        description="Show the request ACTION would send (secrets masked), send it, and print"
        " the status, outcome, pruned result and guidance. Exit status 1 when the call"
        " fails.",
    )
    parser.add_argument("file", metavar="FILE", help="YAML or JSON action file")
    parser.add_argument("action", metavar="ACTION", help="action name")
    parser.add_argument("values", nargs="*", metavar="key=value",
                        help="argument values; key:=JSON for numbers, lists and objects")
    parser.add_argument("--dry-run", action="store_true",
                        help="show the request without sending it")
    parser.add_argument("--confirm", action="store_true",
                        help="confirm an action that requires confirmation")
    parser.add_argument("--context", action="append", default=[], metavar="key=value",
                        help="session context value (for source: context variables)")
    parser.add_argument("--env-file", help=".env file with the secrets the action names")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    return parser


def parse_values(items: list[str]) -> dict[str, Any]:
    """`key=value` → text; `key:=JSON` → the parsed JSON value."""
    values: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.rstrip(":"):
            raise ValueError(f"{item!r} is not key=value (or key:=JSON)")
        if key.endswith(":"):
            try:
                values[key[:-1]] = json.loads(raw)
            except ValueError as exc:
                raise ValueError(f"{key[:-1]}: {raw!r} is not JSON ({exc.msg})") from None
        else:
            values[key] = raw
    return values


def run(args: argparse.Namespace) -> int:
    try:
        values = parse_values(args.values)
        context = parse_values(args.context)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    toolkit = load_toolkit(args.file, env_file=args.env_file)
    if args.action not in toolkit:
        print(f"error: no action {args.action!r} in {args.file}; it has: "
              f"{', '.join(a.name for a in toolkit) or 'none'}", file=sys.stderr)
        return 2
    with toolkit:
        shown = toolkit.describe(args.action, values, context=context)
        if isinstance(shown, ToolResult):
            return _report(args, shown, None)
        if not args.json:
            print("Request:")
            print(_indent(describe(shown)))
        if args.dry_run:
            if args.json:
                print_json({"request": _request(shown), "sent": False})
            return 0
        confirm = None
        if args.confirm:
            confirm = toolkit.confirmation_token(args.action, values, context=context)
        result = toolkit.call(args.action, values, context=context, confirm=confirm)
    return _report(args, result, shown)


def _request(summary: Any) -> dict[str, Any]:
    return {"method": summary.method, "url": summary.url, "headers": summary.headers,
            "body": summary.body}


def _report(args: argparse.Namespace, result: ToolResult, summary: Any) -> int:
    if args.json:
        print_json({
            "request": _request(result.request or summary) if (result.request or summary)
            else None,
            "sent": result.attempts > 0, "ok": result.ok, "status": result.status,
            "outcome": result.outcome, "error": result.error, "attempts": result.attempts,
            "elapsed_ms": result.elapsed_ms, "data": result.data, "problems": list(result.problems),
            "missing": [m.to_dict() for m in result.missing], "guidance": result.guidance,
            "for_model": result.for_model(),
        })
        return 0 if result.ok else 1
    if result.status is not None:
        outcome = f" (outcome: {result.outcome})" if result.outcome else ""
        timing = f", {result.elapsed_ms} ms" if result.elapsed_ms is not None else ""
        print(f"Status: {result.status}{outcome} after {result.attempts} "
              f"attempt{'s' if result.attempts != 1 else ''}{timing}")
    if result.error:
        print(f"Error: {result.error}")
    for problem in result.problems:
        print(f"  - {problem}")
    for missing in result.missing:
        example = f" (e.g. {missing.example})" if missing.example is not None else ""
        print(f"  - missing {missing.name}: {missing.description}{example}")
    if result.data is not None:
        print("Result (what the model sees):")
        text = result.data if isinstance(result.data, str) else json.dumps(
            result.data, indent=2, ensure_ascii=False)
        print(_indent(text))
    if result.guidance:
        print(f"Guidance: {result.guidance}")
    if result.confirmation and not args.confirm:
        print("This action needs confirmation: re-run with --confirm to send it.")
    return 0 if result.ok else 1


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
