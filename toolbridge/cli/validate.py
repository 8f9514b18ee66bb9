"""`toolbridge validate FILE...`: load each action file and report every problem."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from ..actions.loading import load_file
from ..errors import ActionFileError
from .common import plural, print_json, print_problems


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="check action files and list every problem",
        description="Load each action file and list every error and warning, with its line."
        " Exit status 1 when any file has an error.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="YAML or JSON action files")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser


def run(args: argparse.Namespace) -> int:
    results = [_validate(path) for path in args.files]
    if args.json:
        print_json(results)
    else:
        for result in results:
            _show(result)
    return 0 if all(result["ok"] for result in results) else 1


def _validate(path: str) -> dict[str, Any]:
    try:
        loaded = load_file(path)
    except ActionFileError as exc:
        return {
            "file": path,
            "ok": False,
            "actions": None,
            "problems": [asdict(p) for p in exc.problems],
        }
    return {
        "file": path,
        "ok": True,
        "actions": [a.name for a in loaded.actions],
        "problems": [asdict(p) for p in loaded.warnings],
    }


def _show(result: dict[str, Any]) -> None:
    from ..errors import Problem

    problems = [Problem(**p) for p in result["problems"]]
    if result["ok"]:
        note = f" ({plural(len(problems), 'warning')})" if problems else ""
        print(f"OK: {plural(len(result['actions']), 'action')} in {result['file']}{note}")
    else:
        print(f"FAILED: {plural(len(problems), 'problem')} in {result['file']}")
    print_problems(problems)
