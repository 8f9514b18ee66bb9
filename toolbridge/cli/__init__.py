"""The `toolbridge` command line: one small module per subcommand.

Each name in `COMMANDS` is a module `toolbridge.cli.<name>` exposing
`add_parser(subparsers) -> argparse.ArgumentParser` and `run(args) -> int`. A name whose
module is not there is skipped, so commands can be added by dropping a module in and
listing it here. Expected failures (a bad action file, a missing secret, a provider
error) print a message and exit 1; only a bug shows a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from ..errors import ToolbridgeError

COMMANDS = ("validate", "schema", "call", "chat", "demo")
"""Subcommands, in the order `--help` lists them."""


def _command_modules() -> list[ModuleType]:
    modules = []
    for name in COMMANDS:
        qualified = f"{__name__}.{name}"
        try:
            modules.append(importlib.import_module(qualified))
        except ModuleNotFoundError as exc:
            if exc.name != qualified:  # a missing dependency inside it is a real error
                raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    """The parser with every available subcommand registered."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="toolbridge",
        description="Check action files, print tool schemas, and try actions from the shell.",
    )
    parser.add_argument("--version", action="version", version=f"toolbridge {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in _command_modules():
        sub = module.add_parser(subparsers)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        return int(run(args))
    except ToolbridgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
