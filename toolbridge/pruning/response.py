"""From a response to what the model sees: `prune` (parsed JSON), `prune_body` (bytes).

`prune` drives the walk (`select`), then the shrink steps and the greedy cut (`fit`);
`prune_body` reads the content type (binary is summarised, JSON parsed, the rest goes to
`text`). `scrub` masks secret values an API echoes back; both scrub before they cut, so
half a secret is never left at a cut.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from ..actions.models import Output
from ..secrets import masker
from .fit import _SHRINK_STEPS, _extent, _fit, _fit_text, _size
from .select import _DROP, _spec, _Walk
from .text import prune_text

DEFAULT_OUTPUT = Output()
"""The limits used when an action has no `output` block."""


def prune(data: Any, output: Output | None = None, *, secret_values: Iterable[str] = ()) -> Any:
    """The part of parsed JSON `data` the model sees, within `output`'s limits.

    Never raises on odd data; the result always serialises to at most `max_chars`
    characters of JSON (as `ToolResult.for_model()` writes it).
    """
    output = output or DEFAULT_OUTPUT
    select, redact = _spec(output)
    scrub = _scrubber(tuple(secret_values))
    limit = output.max_chars
    if isinstance(data, str):
        # A bare string is the whole result (a text response): max_chars is its limit.
        text = scrub(data) if scrub else data
        return _fit_text(text, max(limit - 2, 1)) or None
    try:
        result = _Walk(output.max_items, output.max_string, limit, scrub)(data, select, redact)
        if result is _DROP:
            return None
        size = _size(result)
        if size <= limit:
            return result
        longest_list, longest_string = _extent(result)
        steps = [
            (min(items, output.max_items), min(chars, output.max_string))
            for items, chars in _SHRINK_STEPS
            if items < min(output.max_items, longest_list)
            or chars < min(output.max_string, longest_string)
        ]
        # Each step walks the response again, but a walk stops after `max_chars / 2`
        # entries, so even a 500 KB response costs a few hundred entries per step.
        for max_items, max_string in steps:
            larger = result
            result = _Walk(max_items, max_string, limit, scrub)(data, select, redact)
            size = _size(result)
            if size <= limit:
                if size >= limit // 2:
                    return result
                # The step overshot (one item, where two did not fit): the previous
                # result cut greedily uses the budget better.
                fitted, fitted_size = _fit(larger, limit)
                return fitted if fitted is not _DROP and fitted_size > size else result
        fitted, _ = _fit(result, limit)
    except RecursionError:
        return "(response nested too deeply to show)"
    if fitted is _DROP:
        return _fit_text("result too large to show", max(limit - 2, 1))
    return fitted


# -- secrets ------------------------------------------------------------------------------


def _scrubber(secret_values: tuple[str, ...]) -> Callable[[str], str] | None:
    return masker(secret_values) if secret_values else None


def scrub(data: Any, secret_values: Iterable[str]) -> Any:
    """`data` with every occurrence of a known secret value (in strings and keys) masked."""
    scrubber = _scrubber(tuple(secret_values))
    if scrubber is None:
        return data
    return _scrub(data, scrubber)


def _scrub(value: Any, scrubber: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrubber(value)
    if isinstance(value, Mapping):
        return {scrubber(str(k)): _scrub(v, scrubber) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v, scrubber) for v in value]
    return value


_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/")
_BINARY_TYPES = frozenset({
    "application/octet-stream", "application/pdf", "application/zip", "application/gzip",
    "application/x-protobuf", "application/protobuf", "application/msgpack",
})


_JSON_KINDS = frozenset({"application/json", "text/json"})


@lru_cache(maxsize=64)
def _kind(content_type: str | None) -> str:
    """`Application/JSON; charset=utf-8` → `application/json` (servers repeat a few)."""
    return (content_type or "").split(";")[0].strip().lower()


def is_json_type(content_type: str | None) -> bool:
    kind = _kind(content_type)
    return kind in _JSON_KINDS or kind.endswith("+json")


def _charset(content_type: str | None) -> str:
    found = re.search(r"charset=[\"']?([A-Za-z0-9._-]+)", content_type or "", re.IGNORECASE)
    return found.group(1) if found else "utf-8"


def prune_body(
    content: bytes,
    content_type: str | None,
    output: Output | None,
    *,
    secret_values: Iterable[str] = (),
) -> tuple[Any, bool]:
    """Response bytes → (pruned data, parsed_ok).

    `parsed_ok` is False only when a JSON content type came with a body that is not JSON;
    the data is then a short, scrubbed excerpt (for an `invalid_response` result).
    """
    output = output or DEFAULT_OUTPUT
    if not content or content.isspace():
        return None, True
    kind = _kind(content_type)
    secret_values = tuple(secret_values)
    if kind.startswith(_BINARY_PREFIXES) or kind in _BINARY_TYPES:
        return f"({kind} content, {len(content)} bytes, not shown)", True
    json_kind = kind in _JSON_KINDS or kind.endswith("+json")
    sniffed = not kind and content.lstrip()[:1] in (b"{", b"[")
    if json_kind or sniffed:
        try:
            data = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            if sniffed:
                pass  # it only looked like JSON: show it as text
            else:
                text = content[:400].decode("utf-8", errors="replace")
                return _fit_text(scrub(text, secret_values), 200), False
        else:
            return prune(data, output, secret_values=secret_values), True
    try:
        text = content.decode(_charset(content_type), errors="replace")
    except LookupError:
        text = content.decode("utf-8", errors="replace")
    return prune_text(scrub(text, secret_values), kind, output.max_chars), True
