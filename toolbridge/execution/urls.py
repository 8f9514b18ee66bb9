"""The URL of a request: path parameters and query values placed and encoded (SPEC §3.5).

A path parameter becomes exactly one percent-encoded segment (`""`, `.`, `..` refused);
a query value is substituted once and then percent-encoded, so `&` or `=` stay data. The
scheme, host and port are fixed in the plan (`render._compile`), never taken from a value.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .. import results as r
from ..secrets import MASK
from .scope import _ABSENT, RenderError, _as_text, _fill, _Scope

if TYPE_CHECKING:
    from .render import _Plan

_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")
"""RFC 3986 unreserved characters: a value made only of these needs no encoding."""


def _path_segment(name: str, value: Any) -> str:
    if value is _ABSENT:
        raise RenderError(r.INVALID_ARGUMENTS, (
            f"{name}: a value is required (it is part of the URL path)",
        ))
    text = _as_text(value)
    if text in ("", ".", ".."):
        raise RenderError(r.INVALID_ARGUMENTS, (
            f"{name}: must not be empty, '.' or '..' (it is one segment of the URL path)",
        ))
    if _UNRESERVED.fullmatch(text):
        return text
    # safe="" encodes "/", "?", "#", "%", "\" and "@" too: one segment, nothing else.
    return quote(text, safe="")


def _render_path(plan: _Plan, scope: _Scope) -> str:
    """Each path parameter becomes exactly one encoded segment."""
    parts = plan.path
    if len(parts) == 1:
        return parts[0]
    pieces = [parts[0]]
    sources, values = plan.sources, scope.values
    for i in range(1, len(parts), 2):
        name = parts[i]
        value = values.get(name) if sources.get(name) == "model" else None
        # The common case inlined: a model's plain string needing no encoding is the
        # segment as is (what `_path_segment` returns for it).
        if type(value) is not str or not _UNRESERVED.fullmatch(value) or value in (".", ".."):
            value = _path_segment(name, scope.get(name))
        pieces.append(value)
        pieces.append(parts[i + 1])
    path = "".join(pieces)
    # Two values side by side ("{a}{b}" with "." and ".") could still make a dot segment.
    if "/." in path and any(segment in (".", "..") for segment in path.split("/")):
        raise RenderError(r.INVALID_ARGUMENTS, (
            f"{', '.join(parts[1::2])}: the URL path cannot contain '.' or '..' segments",
        ))
    return path


def _render_query(
    plan: _Plan, scope: _Scope, auth_query: list[tuple[str, str]]
) -> tuple[str, str]:
    """The query string and its masked twin: the URL's own query, the action's, then auth."""
    pairs: list[str] = [plan.fixed_query] if plan.fixed_query else []
    for key, text in plan.query:
        if len(text) == 3 and not text[0] and not text[2]:
            # A whole-value placeholder: absent drops the parameter, a list repeats it.
            value = scope.get(text[1])
            if value is not _ABSENT:
                _add_query_value(pairs, key, value)
            continue
        # Substituted once, then the whole value is encoded: "&" or "=" in a value stay data.
        rendered = _fill(text, scope)
        if rendered is not None:
            pairs.append(f"{key}={quote(rendered, safe='')}")
    sent, shown = _auth_query(auth_query)
    return "&".join([*pairs, *sent]), "&".join([*pairs, *shown])


def _add_query_value(pairs: list[str], key: str, value: Any) -> None:
    """`key=value` for a whole-value placeholder's value, once per item of a list."""
    for item in value if isinstance(value, list) else (value,):
        pairs.append(f"{key}={quote(_as_text(item), safe='')}")


def _auth_query(auth_query: list[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The auth query pairs as sent and as shown (the value masked whatever its length)."""
    return (tuple(f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in auth_query),
            tuple(f"{quote(key, safe='')}={MASK}" for key, _ in auth_query))
