"""The placeholder grammar, and nothing else: finding names, not rendering values.

- `{{name}}` in query values, header values, the body and the idempotency key;
- `{{secrets.NAME}}` in header values only;
- `{name}` for a path parameter, in the path part of the URL only.

Placeholders are flat names. Rendering (with the encoding each place needs) lives in
`toolbridge.execution.render`; load-time checks live in `toolbridge.actions.checks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")
"""`{{name}}` (or `{{secrets.NAME}}`), surrounding spaces tolerated."""
WHOLE_PLACEHOLDER = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}$")
"""A string that is exactly one placeholder: its value keeps its JSON type."""
PATH_PARAM = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
"""`{name}` in a URL path (but not `{{name}}`)."""

RUNTIME_NAMES = frozenset({"current_datetime", "current_date", "timezone", "conversation_id"})
"""Names always available at render time."""
SECRETS_PREFIX = "secrets."


def placeholders(text: str) -> list[str]:
    """Every `{{...}}` name in `text`, in order."""
    return PLACEHOLDER.findall(text)


def path_params(path: str) -> list[str]:
    """Every `{name}` path parameter in a URL path, in order."""
    return PATH_PARAM.findall(path)


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value: keys are not templated, values are."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def secret_name(placeholder: str) -> str | None:
    """`secrets.NAME` → `NAME`; any other placeholder → None."""
    if placeholder.startswith(SECRETS_PREFIX):
        return placeholder[len(SECRETS_PREFIX):]
    return None
