"""Fitting into `max_chars`: measuring serialised sizes and cutting a result down greedily.

Sizes are counted the way `ToolResult.for_model()` writes JSON; `_fit` keeps what fits in
order and notes what it left out, with work proportional to the room, not to the data.
`_SHRINK_STEPS` are the tighter limits `prune` walks again with before cutting.
"""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring
from typing import Any

from .select import _DROP, NOTE_KEY, _cut_string, _list_note

_INF = float("inf")
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
"""Measures sizes the way `ToolResult.for_model()` writes them."""


_ONE_SHOT = (
    json.encoder.c_make_encoder(None, str, json.encoder.encode_basestring, None, ":", ",",
                                False, False, True)
    if json.encoder.c_make_encoder is not None else None
)
"""The C encoder `_ENCODER.encode` builds on every call, built once. No circular-reference
markers: pruned data comes from `json.loads` or from the walk, which would already have
hit the recursion limit on a cycle."""


def _size(value: Any) -> int:
    if _ONE_SHOT is None or isinstance(value, str):
        return len(_ENCODER.encode(value))
    return sum(map(len, _ONE_SHOT(value, 0)))


def _scalar_size(value: Any) -> int:
    """`_size` for a scalar, without the encoder's per-call set-up."""
    if isinstance(value, str):
        return len(encode_basestring(value))
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if type(value) is int:
        return len(str(value))
    if type(value) is float and value == value and value not in (_INF, -_INF):
        return len(repr(value))
    return _size(value)


_SHRINK_STEPS = ((5, 300), (3, 200), (2, 120), (1, 80))
"""(max_items, max_string) tried in turn when the result is over `max_chars`."""
_NOTE_RESERVE = len(',"_truncated":"99999 more fields omitted"')
_TOTAL = re.compile(r"of (\d+) items$")
_OMITTED = re.compile(r"(\d+) more fields omitted$")
_MIN_STRING = 16
"""A string cut shorter than this says nothing: it is omitted instead."""


def _is_note(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and NOTE_KEY in value


def _bounded_size(value: Any, limit: int) -> int | None:
    """The serialised size of `value`, or None as soon as it exceeds `limit`.

    Stops early, so asking whether a 500 KB subtree fits in 300 chars costs little.
    """
    if isinstance(value, dict):
        total = 1 + max(len(value), 1)  # braces and the separators between entries
        for key, item in value.items():
            total += len(encode_basestring(key)) + 1
            if total > limit:
                return None
            inner = _bounded_size(item, limit - total)
            if inner is None:
                return None
            total += inner
        return total if total <= limit else None
    if isinstance(value, list):
        total = 1 + max(len(value), 1)
        for item in value:
            if total > limit:
                return None
            inner = _bounded_size(item, limit - total)
            if inner is None:
                return None
            total += inner
        return total if total <= limit else None
    size = _scalar_size(value)
    return size if size <= limit else None


def _fit(value: Any, room: int) -> tuple[Any, int]:
    """`value` cut down greedily, in order, to serialise in at most `room` chars.

    Returns (kept, size), or (_DROP, 0) when nothing useful fits. Work stays proportional
    to `room`, not to the size of `value`.
    """
    size = _bounded_size(value, room)
    if size is not None:
        return value, size
    if isinstance(value, str):
        keep = room - 2 - len(f"…(+{len(value)} chars)")
        while keep >= _MIN_STRING:
            cut = _cut_string(value, keep)
            size = len(encode_basestring(cut))
            if size <= room:
                return cut, size
            keep -= size - room  # escapes made it longer than counted
        return _DROP, 0
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        used = 2
        earlier = _OMITTED.match(str(value.get(NOTE_KEY, "")))
        omitted = int(earlier.group(1)) if earlier else 0  # left out by the walk already
        entries = [(k, v) for k, v in value.items() if k != NOTE_KEY]
        for index, (key, item) in enumerate(entries):
            left = room - used - _NOTE_RESERVE
            if left < 8:
                omitted += len(entries) - index
                break
            key_size = len(encode_basestring(key)) + 1 + (1 if out else 0)
            kept, size = _fit(item, left - key_size)
            if kept is _DROP:
                omitted += 1
                continue
            out[key] = kept
            used += key_size + size
        if not out:
            return _DROP, 0
        if omitted:
            note = f"{omitted} more fields omitted"
            out[NOTE_KEY] = note
            used += len(_ENCODER.encode(NOTE_KEY)) + len(_ENCODER.encode(note)) + 2
        return out, used
    if isinstance(value, list):
        total = len(value)
        if value and _is_note(value[-1]):
            found = _TOTAL.search(str(value[-1][NOTE_KEY]))
            value = value[:-1]
            total = int(found.group(1)) if found else len(value)
        reserve = len(_ENCODER.encode(_list_note(total, total))) + 1
        items: list[Any] = []
        used = 2
        for item in value:
            left = room - used - (1 if items else 0) - reserve
            if left < 8:
                break
            kept, size = _fit(item, left)
            if kept is _DROP:
                break
            items.append(kept)
            used += size + (1 if len(items) > 1 else 0)
        if not items:
            return _DROP, 0
        if len(items) < total:
            note_item = _list_note(len(items), total)
            items.append(note_item)
            used += len(_ENCODER.encode(note_item)) + 1
        return items, used
    return _DROP, 0


def _extent(value: Any) -> tuple[int, int]:
    """The longest list and the longest string in a walked result: a shrink step that cuts
    neither would walk the whole response again for nothing."""
    longest_list = longest_string = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            longest_string = max(longest_string, len(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            longest_list = max(longest_list, len(item))
            stack.extend(item)
    return longest_list, longest_string


def _fit_text(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    note = f"…(+{len(text)} chars)"
    keep = max(max_chars - len(note), 0)
    return f"{text[:keep]}…(+{len(text) - keep} chars)"


def _fit_string(text: str, limit: int) -> str:
    """`text` cut as `_fit_text` cuts it, so that its JSON form (quotes and escapes
    included, as `ToolResult.for_model()` writes it) takes at most `limit` characters.

    A quote or backslash takes two characters there, a control character six: a text full
    of them is cut further, keeping as much of it as fits.
    """
    fitted = _fit_text(text, max(limit - 2, 1))
    if _json_len(fitted) > limit:
        low, high = 0, min(len(text), max(limit - 2, 0))  # characters of `text` kept
        while low < high:
            middle = (low + high + 1) // 2
            if _json_len(_cut_to(text, middle)) <= limit:
                low = middle
            else:
                high = middle - 1
        fitted = _cut_to(text, low)
        if _json_len(fitted) > limit:  # not even the note fits: as much of it as does
            fitted = fitted[:max(limit - 2, 0)]
    return fitted


def _cut_to(text: str, keep: int) -> str:
    return text if keep >= len(text) else f"{text[:keep]}…(+{len(text) - keep} chars)"


def _json_len(text: str) -> int:
    return len(encode_basestring(text))  # what json.dumps(ensure_ascii=False) writes
