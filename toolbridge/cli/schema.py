"""`toolbridge schema`: print the tool schemas of an action file, or the file format's schema.

`toolbridge schema FILE --provider anthropic` prints exactly the `tools=` list the SDK
takes; `toolbridge schema --format-schema` prints the action-file JSON Schema (the shipped
`toolbridge/action-file.schema.json` is generated this way).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import PROVIDERS, load_toolkit, print_json


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "schema",
        help="print the tool schemas for a provider (or the action-file JSON Schema)",
        description="Print, as JSON, the tools= list a provider's SDK takes for the actions"
        " in FILE. With --format-schema, print the JSON Schema of action files instead.",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="YAML or JSON action file")
    parser.add_argument(
        "-p",
        "--provider",
        choices=PROVIDERS,
        default="openai",
        help="tool format (default: openai)",
    )
    parser.add_argument(
        "--no-strict",
        dest="strict",
        action="store_false",
        help="plain schemas instead of provider strict mode",
    )
    parser.add_argument(
        "--format-schema",
        action="store_true",
        help="print the JSON Schema of the action-file format",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    if args.format_schema:
        if args.file:
            print("error: --format-schema takes no FILE", file=sys.stderr)
            return 2
        from ..actions.format_schema import format_schema_text

        sys.stdout.write(format_schema_text())
        return 0
    if not args.file:
        print("error: give an action FILE, or --format-schema", file=sys.stderr)
        return 2
    toolkit = load_toolkit(args.file)
    print_json(toolkit.tools(args.provider, strict=args.strict))
    return 0
