"""Helpers the subcommands share: loading a toolkit, printing problems and JSON."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import Problem, ToolbridgeError
from ..toolkit import Toolkit

if TYPE_CHECKING:
    from ..models.base import ModelAdapter

PROVIDERS = ("openai", "openai-responses", "anthropic", "mcp")
"""The `--provider` choices: the tool-list shapes `Toolkit.tools()` builds."""

MODEL_KEYS = {
    "openai": ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    "openai-responses": ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    "anthropic": ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
}
"""`--model PROVIDER:MODEL` providers → (API key variable, base URL variable)."""


class UsageError(ToolbridgeError):
    """A command-line value is malformed (exit status 2)."""


def environment(env_file: str | None) -> dict[str, str]:
    """The process environment over the `.env` file's values; `os.environ` is untouched."""
    values: dict[str, str] = {}
    if env_file:
        from dotenv import dotenv_values

        values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    return {**values, **os.environ}


def model_adapter(
    spec: str, *, env_file: str | None, base_url: str | None, max_retries: int = 2
) -> ModelAdapter:
    """The adapter for `--model PROVIDER:MODEL`, over an SDK client keyed from the env.

    Raises `UsageError` for a malformed spec and `ToolbridgeError` for a missing key or
    SDK (the adapter modules' ImportError names the extra to install).
    """
    provider, _, name = spec.partition(":")
    if provider not in MODEL_KEYS or not name:
        choices = ", ".join(f"{p}:MODEL" for p in MODEL_KEYS)
        raise UsageError(f"--model must be one of {choices}, got {spec!r}")
    env = environment(env_file)
    key_name, url_name = MODEL_KEYS[provider]
    if not env.get(key_name):
        raise ToolbridgeError(f"set {key_name} in the environment or in --env-file")
    url = base_url or env.get(url_name)
    try:
        if provider == "anthropic":
            from ..models.anthropic import AnthropicMessages, anthropic

            claude = anthropic.Anthropic(api_key=env[key_name], base_url=url,
                                         max_retries=max_retries)
            return AnthropicMessages(claude, model=name)
        from ..models.openai_chat import OpenAIChat, openai
        from ..models.openai_responses import OpenAIResponses

        client = openai.OpenAI(api_key=env[key_name], base_url=url, max_retries=max_retries)
        adapter = OpenAIResponses if provider == "openai-responses" else OpenAIChat
        return adapter(client, model=name)
    except ImportError as exc:
        raise ToolbridgeError(str(exc)) from None


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
