"""Helpers the subcommands share: loading a toolkit, printing problems and JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from ..errors import Problem
from ..toolkit import Toolkit

PROVIDERS = ("openai", "openai-responses", "anthropic", "mcp")
"""The `--provider` choices: the tool-list shapes `Toolkit.tools()` builds."""


def load_toolkit(path: str, **options: Any) -> Toolkit:
    """Load an action file into a toolkit, its warnings going to stderr.

    Raises `ActionFileError` (printed by `main`) when the file is bad.
    """
    toolkit = Toolkit.from_file(path, **options)
    print_problems(toolkit.warnings, sys.stderr)
    return toolkit


def print_problems(problems: Iterable[Problem], stream: TextIO | None = None) -> None:
    """One line per problem: `file:line: action 'x': field: message`."""
    for problem in problems:
        print(f"  {problem}", file=stream or sys.stdout)


def print_json(value: Any) -> None:
    """Pretty JSON on stdout, ready to pipe."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
