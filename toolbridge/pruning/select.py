"""Selecting what of parsed data to keep: the `select`/`redact` paths and the walk.

Paths compile once per `Output` into tries (`tracking.eta`, `items[].name`, `*.url`); one
walk then keeps selected paths, masks redacted ones, scrubs secrets, drops nulls and
empties, and cuts long lists and strings with a note of what was cut (`NOTE_KEY`). The
walk also adds up a bound on the size of what it kept, so that `prune` can usually skip
serialising the result to learn that it fits.
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


_Plan = tuple[Output, "Trie | None", "Trie | None", int, int, int]
"""An `Output` compiled: (output, select, redact, max_items, max_string, max_chars)."""
_PLANS: dict[int, _Plan] = {}
"""Plans by `id(output)` (outputs are frozen; the plan holds the output, so the id stays
its own). Read inline by `prune` on every call."""


def _plan(output: Output) -> _Plan:
    plan = _PLANS.get(id(output))
    if plan is None or plan[0] is not output:
        select = _trie(output.select) if output.select is not None else None
        redact = _trie(output.redact) if output.redact else None
        plan = (output, select, redact, output.max_items, output.max_string, output.max_chars)
        if len(_PLANS) >= 4096:
            _PLANS.clear()
        _PLANS[id(output)] = plan
    return plan


# -- the walk -----------------------------------------------------------------------------


def _cut_string(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…(+{len(text) - limit} chars)"


def _list_note(shown: int, total: int) -> dict[str, str]:
    return {NOTE_KEY: f"showing {shown} of {total} items"}


_SCALAR = 24
"""The longest JSON a kept number or bool can take: a float's repr is at most 24 characters
(`-2.2250738585072014e-308`; `-Infinity` is 9), and ints are counted so only within
`_MIN_INT < n < _MAX_INT` (at most 24 characters with the sign)."""
_MIN_INT, _MAX_INT = -(10**23), 10**24
_NUMBERS = frozenset({int, float, bool})
_NOTE_ENTRY = len(NOTE_KEY) + 6
"""A note's key, its quotes, the colon, the note's quotes and a comma."""


def _position(value: dict[Any, Any], key: Any) -> int:
    """Where `key` is in `value`'s order (only once the room has run out)."""
    return list(value).index(key)


class _Walk:
    """One pass: select, redact, scrub, drop empties, cut lists and strings.

    `room` counts the entries still allowed: a result with more than `max_chars / 2`
    entries cannot fit (each takes at least two characters), so the walk stops there
    instead of visiting the rest of a 500 KB response, and notes what it left out.

    `size` bounds the length of the kept result as `ToolResult.for_model()` writes it
    (`","`/`":"` separators, no ASCII escaping), provided no kept string or key needs an
    escape: each kept node adds the most it can write (a string its length and quotes, a
    number `_SCALAR`, a dict entry its key, quotes, colon and comma, a container its
    brackets and commas). `prune` adds the escapes' worst case. `exact` is set when
    something was kept that the bound does not cover (a type `json.loads` does not make, a
    huge int); `prune` then measures the result instead.
    """

    __slots__ = ("exact", "max_items", "max_string", "room", "scrub", "short", "shortest",
                 "size")

    key_len: Callable[[Any], int] = len
    """How a kept key is counted (`_Unmeasured` for keys that are not all strings)."""

    def __init__(self, max_items: int, max_string: int, max_chars: int,
                 scrub: Callable[[str], str] | None, shortest: int = 0) -> None:
        self.max_items = max_items
        self.max_string = max_string
        self.room = max_chars // 2 + 1
        self.scrub = scrub
        self.shortest = shortest
        """A string shorter than this cannot hold a secret: the scrubber is not run on it."""
        self.short = max_string if scrub is None or shortest > max_string else shortest - 1
        """A non-empty string up to this length is kept as it is: nothing to scrub or cut."""
        self.size = 0
        self.exact = False

    def __call__(self, value: Any, select: Any, redact: Any) -> Any:
        if redact is _ALL:
            if value is None or value == "":
                return _DROP
            self.size += len(MASK) + 2
            return MASK
        if isinstance(value, dict):
            if select is None:
                if redact is None:
                    return self.plain(value)
            elif "*" not in select and type(value) is dict:
                return self.picked(value, select, redact)
            return self.mapping(value, select, redact)
        if isinstance(value, str):
            if select is not None:
                return _DROP
            if type(value) is not str:
                self.exact = True  # its len() is its own business
                if self.scrub is not None:
                    value = str.__str__(value)  # a plain str, as the masker's regex gives
            return self.string(value)
        if isinstance(value, list):
            return self.sequence(value, select, redact)
        if value is None or select is not None:
            return _DROP  # a selected path that goes on below a scalar does not exist
        kind = type(value)
        if kind is float or kind is bool or (kind is int and _MIN_INT < value < _MAX_INT):
            self.size += _SCALAR
        else:
            self.exact = True
        return value

    def string(self, value: str) -> Any:
        if self.scrub is not None and len(value) >= self.shortest:
            value = self.scrub(value)
        if not value:
            return _DROP
        if len(value) > self.max_string:
            value = _cut_string(value, self.max_string)
        self.size += len(value) + 2
        return value

    def sequence(self, value: list[Any], select: Any, redact: Any) -> Any:
        items: list[Any] = []
        size = 2
        max_items = self.max_items
        for item in value:
            if self.room <= 0:
                note = _list_note(len(items), len(value))
                items.append(note)
                size += len(note[NOTE_KEY]) + _NOTE_ENTRY + 2
                break
            if len(items) == max_items:
                # Full: walk the item only to learn whether another would be kept (and to
                # spend `room` as before); it is not shown, so its size does not count.
                counted = self.size
                kept = self(item, select, redact)
                self.size = counted
                if kept is not _DROP:
                    note = _list_note(max_items, len(value))
                    items.append(note)
                    size += len(note[NOTE_KEY]) + _NOTE_ENTRY + 2
                    break
                continue
            kept = self(item, select, redact)
            if kept is not _DROP:
                items.append(kept)
                self.room -= 1
                size += 1
        if not items:
            return _DROP
        self.size += size
        return items

    def plain(self, value: dict[str, Any]) -> Any:
        """A dict with nothing selected or redacted below: the hot loop, inlined."""
        out: dict[str, Any] = {}
        room, size = self.room, 2  # locals while looping; room written back around children
        key_len, short = self.key_len, self.short
        for key, item in value.items():
            if room <= 0:
                self.room = room
                return self.cut_short(out, size, len(value) - _position(value, key))
            kind = type(item)
            if kind is str:
                if 0 < (n := len(item)) <= short:
                    out[key] = item
                    room -= 1
                    size += key_len(key) + n + 6
                    continue
                kept = self.string(item)
            elif kind in _NUMBERS:
                out[key] = item
                room -= 1
                size += key_len(key) + _SCALAR + 4
                if kind is int and not _MIN_INT < item < _MAX_INT:
                    self.exact = True
                continue
            elif item is None or (not item and (kind is list or kind is dict)):
                continue
            else:
                self.room = room
                if kind is dict:
                    kept = self.plain(item)
                elif kind is list:
                    kept = self.sequence(item, None, None)
                else:
                    kept = self(item, None, None)
                room = self.room
            if kept is not _DROP:
                out[key] = kept
                room -= 1
                size += key_len(key) + 4
        self.room = room
        return self.done(out, size)

    def picked(self, value: dict[str, Any], select: Trie, redact: Any) -> Any:
        """A dict under a selection without `*`: only the selected keys are looked at, in
        `value`'s order (the order of the response, as the full loop keeps)."""
        out: dict[str, Any] = {}
        room, size = self.room, 2  # room > 0: every caller checks before walking on
        key_len, short = self.key_len, self.short
        # One selected key has no order to keep: look it up rather than scan `value`.
        for key in select.keys() & value.keys() if len(select) == 1 else value:
            if key not in select:
                continue
            item = value[key]
            child_select = select[key]
            if child_select is _ALL:
                if type(item) is str and redact is None and 0 < (n := len(item)) <= short:
                    out[key] = item  # the common case, inlined
                    room -= 1
                    size += key_len(key) + n + 6
                    if room <= 0:
                        break
                    continue
                child_select = None
            child_redact = None
            if redact is not None:
                child_redact = redact.get(key)
                if child_redact is None:
                    child_redact = redact.get("*")
            self.room = room
            if (child_select is not None and child_redact is None and type(item) is dict
                    and "*" not in child_select):
                kept = self.picked(item, child_select, None)  # as `self(...)` would
            else:
                kept = self(item, child_select, child_redact)
            room = self.room
            if kept is not _DROP:
                out[key] = kept
                room -= 1
                size += key_len(key) + 4
            if room <= 0:
                break
        self.room = room
        if room <= 0:
            # Where the full loop stops: at the next key of `value`, selected or not.
            return self.cut_short(out, size, len(value) - 1 - _position(value, key))
        if not out:
            return _DROP
        self.size += size
        return out

    def mapping(self, value: dict[str, Any], select: Any, redact: Any) -> Any:
        """A dict under a selection with `*`, or under redactions."""
        out: dict[str, Any] = {}
        room, size = self.room, 2  # locals while looping; room written back around children
        key_len, short = self.key_len, self.short
        for key, item in value.items():
            if room <= 0:
                self.room = room
                return self.cut_short(out, size, len(value) - _position(value, key))
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
                if kind is str and 0 < (n := len(item)) <= short:
                    out[key] = item
                    room -= 1
                    size += key_len(key) + n + 6
                    continue
                if kind in _NUMBERS:
                    out[key] = item
                    room -= 1
                    size += key_len(key) + _SCALAR + 4
                    if kind is int and not _MIN_INT < item < _MAX_INT:
                        self.exact = True
                    continue
                if item is None or (not item and (kind is list or kind is dict)):
                    continue
            self.room = room
            kept = self(item, child_select, child_redact)
            room = self.room
            if kept is not _DROP:
                out[key] = kept
                room -= 1
                size += key_len(key) + 4
        self.room = room
        return self.done(out, size)

    def cut_short(self, out: dict[str, Any], size: int, skipped: int) -> Any:
        """`out` once the room ran out with `skipped` keys not looked at (some may have
        been empty)."""
        if skipped and out:
            out[NOTE_KEY] = note = f"{skipped} more fields omitted"
            size += len(note) + _NOTE_ENTRY
        return self.done(out, size)

    def done(self, out: dict[str, Any], size: int) -> Any:
        if not out:
            return _DROP
        if self.scrub is not None:
            out = self.scrub_keys(out)
        self.size += size
        return out

    def scrub_keys(self, out: dict[str, Any]) -> dict[str, Any]:
        """`out` with a secret echoed in a key masked, as in any string. A masked key is
        shorter (`***` replaces at least four characters), so `size` still bounds it."""
        scrub, shortest = self.scrub, self.shortest
        assert scrub is not None
        for key in out:
            if isinstance(key, str) and len(key) >= shortest and scrub(key) != key:
                break
        else:
            return out  # the common case: no key holds a secret, nothing is rebuilt
        return {(scrub(str.__str__(k)) if isinstance(k, str) else k): v for k, v in out.items()}


class _Unmeasured(_Walk):
    """The same walk for data with keys that are not all strings (`len` would raise): the
    result is the same, its size unknown (`prune` measures it)."""

    __slots__ = ()

    @staticmethod
    def key_len(key: Any) -> int:
        return 0

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.exact = True
