"""Selecting what of parsed data to keep: the `select`/`redact` paths and the walk.

Paths compile once per `Output` into tries (`tracking.eta`, `items[].name`, `*.url`); one
walk then keeps selected paths, masks redacted ones, scrubs secrets, drops nulls and
empties, and cuts long lists and strings with a note of what was cut (`NOTE_KEY`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ..actions.models import Output
from ..secrets import MASK

NOTE_KEY = "_truncated"

_DROP: Any = object()
_ALL: Any = object()
"""A trie leaf: everything below is selected (or redacted)."""

Trie = dict[str, Any]


# -- paths --------------------------------------------------------------------------------


def _trie(paths: Iterable[str]) -> Trie:
    root: Trie = {}
    for path in paths:
        steps = [s for s in re.split(r"\.|\[\]", path.strip()) if s]
        if not steps:
            continue
        node = root
        for step in steps[:-1]:
            child = node.get(step)
            if child is _ALL:
                break  # a shorter path already keeps the whole subtree
            node = node.setdefault(step, {})
        else:
            node[steps[-1]] = _ALL
    return root


_SPECS: dict[int, tuple[Output, Trie | None, Trie | None]] = {}


def _spec(output: Output) -> tuple[Trie | None, Trie | None]:
    entry = _SPECS.get(id(output))
    if entry is not None and entry[0] is output:
        return entry[1], entry[2]
    select = _trie(output.select) if output.select is not None else None
    redact = _trie(output.redact) if output.redact else None
    if len(_SPECS) >= 4096:
        _SPECS.clear()
    _SPECS[id(output)] = (output, select, redact)
    return select, redact


# -- the walk -----------------------------------------------------------------------------


def _cut_string(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…(+{len(text) - limit} chars)"


def _list_note(shown: int, total: int) -> dict[str, str]:
    return {NOTE_KEY: f"showing {shown} of {total} items"}


class _Walk:
    """One pass: select, redact, scrub, drop empties, cut lists and strings.

    `room` counts the entries still allowed: a result with more than `max_chars / 2`
    entries cannot fit (each takes at least two characters), so the walk stops there
    instead of visiting the rest of a 500 KB response, and notes what it left out.
    """

    __slots__ = ("max_items", "max_string", "room", "scrub")

    def __init__(self, max_items: int, max_string: int, max_chars: int,
                 scrub: Callable[[str], str] | None) -> None:
        self.max_items = max_items
        self.max_string = max_string
        self.room = max_chars // 2 + 1
        self.scrub = scrub

    def __call__(self, value: Any, select: Any, redact: Any) -> Any:
        if redact is _ALL:
            return _DROP if value is None or value == "" else MASK
        if isinstance(value, str):
            if select is not None:
                return _DROP
            return self.string(value)
        if isinstance(value, dict):
            return self.mapping(value, select, redact)
        if isinstance(value, list):
            items: list[Any] = []
            max_items = self.max_items
            for item in value:
                if self.room <= 0:
                    items.append(_list_note(len(items), len(value)))
                    break
                kept = self(item, select, redact)
                if kept is not _DROP:
                    if len(items) == max_items:
                        items.append(_list_note(max_items, len(value)))
                        break
                    items.append(kept)
                    self.room -= 1
            return items or _DROP
        if value is None or select is not None:
            return _DROP  # a selected path that goes on below a scalar does not exist
        return value

    def string(self, value: str) -> Any:
        if self.scrub is not None:
            value = self.scrub(value)
        if not value:
            return _DROP
        return value if len(value) <= self.max_string else _cut_string(value, self.max_string)

    def mapping(self, value: dict[str, Any], select: Any, redact: Any) -> Any:
        out: dict[str, Any] = {}
        skipped = 0
        room = self.room  # a local while looping; written back around nested containers
        scrub, max_string = self.scrub, self.max_string
        for index, (key, item) in enumerate(value.items()):
            if room <= 0:
                skipped = len(value) - index  # not looked at: some may have been empty
                break
            if select is None:
                child_select = None
            else:
                child_select = select.get(key)
                if child_select is None:
                    child_select = select.get("*")
                    if child_select is None:
                        continue
                if child_select is _ALL:
                    child_select = None
            child_redact = None
            if redact is not None:
                child_redact = redact.get(key)
                if child_redact is None:
                    child_redact = redact.get("*")
            if child_select is None and child_redact is None:
                # The common case, inlined: no selection or redaction below this key.
                kind = type(item)
                if kind is str:
                    if item and scrub is None and len(item) <= max_string:
                        out[key] = item
                        room -= 1
                        continue
                    kept = self.string(item)
                elif kind is int or kind is float or kind is bool:
                    kept = item
                elif item is None or (not item and (kind is list or kind is dict)):
                    continue
                else:
                    self.room = room
                    kept = self(item, None, None)
                    room = self.room
            else:
                self.room = room
                kept = self(item, child_select, child_redact)
                room = self.room
            if kept is not _DROP:
                out[key] = kept
                room -= 1
        self.room = room
        if skipped and out:
            out[NOTE_KEY] = f"{skipped} more fields omitted"
        return out or _DROP
