"""The headers of a request: the action's headers, the idempotency key, then auth.

A header value holding CR, LF, NUL or any other control or non-ASCII character is refused
(it would split the header or crash the client); auth replaces an action header of the
same name and is shown as `***` in the summary.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .. import results as r
from ..secrets import MASK
from .scope import RenderError, _fill, _Scope

if TYPE_CHECKING:
    from .render import _Plan

IDEMPOTENCY_HEADER = "Idempotency-Key"
_BAD_HEADER_CHAR = re.compile(r"[^\t\x20-\x7e]")
"""httpx2 encodes header values as ASCII and h11 refuses control characters."""


def _check_header(name: str, value: str) -> None:
    bad = _BAD_HEADER_CHAR.search(value)
    if bad is None:
        return
    char = bad.group()
    if char in "\r\n\x00":
        why = "contains a line break or NUL character"
    elif char < " " or char == "\x7f":
        why = "contains a control character"
    else:
        why = "contains non-ASCII characters, which cannot be sent in a header"
    raise RenderError(r.INVALID_ARGUMENTS, (f"header '{name}': the value {why}",))


def _render_headers(
    plan: _Plan, scope: _Scope, auth_headers: list[tuple[str, str]]
) -> tuple[list[tuple[str, str]], dict[str, str], str | None]:
    """(headers to send, headers to show, idempotency key): the action's headers, the
    idempotency key, then auth (which replaces an action header of the same name)."""
    headers: list[tuple[str, str]] = []
    shown: dict[str, str] = {}
    replaced = {name.lower() for name, _ in auth_headers} if auth_headers else ()
    key: str | None = None
    for name, lower, text, masked in plan.headers:
        if lower in replaced:
            continue
        value = _fill(text, scope)
        if value is None:
            continue
        if len(text) > 1:
            value = value.strip(" \t")
        _check_header(name, value)
        headers.append((name, value))
        shown[name] = MASK if masked else value
        if lower == "idempotency-key":
            key = value
    if plan.idempotency_key is not None and key is None:
        key = (_fill(plan.idempotency_key, scope) or "").strip(" \t") or None
        if key is not None:
            _check_header(IDEMPOTENCY_HEADER, key)
            headers.append((IDEMPOTENCY_HEADER, key))
            shown[IDEMPOTENCY_HEADER] = key
    for name, value in auth_headers:
        _check_header(name, value)
        headers.append((name, value))
        shown[name] = MASK
    return headers, shown, key
