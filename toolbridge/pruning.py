"""Pruning: what of a response the model gets to see (SPEC §3.8).

Pure functions over parsed data. `prune` keeps the `output.select` paths, masks the
`redact` paths, drops nulls and empties, cuts long lists and strings with a note of what
was cut, and caps the whole at `max_chars` while staying valid JSON. `prune_text` turns
HTML into its visible text and shortens text; `prune_body` goes from response bytes to
pruned data. `scrub` masks secret values an API echoes back; `prune` and `prune_body`
scrub before they cut, so half a secret is never left at a cut.

Conventions the model sees (the same in every result):
- a cut list ends with `{"_truncated": "showing 10 of 250 items"}`;
- a cut string ends with `…(+1234 chars)`;
- a dict that lost fields to `max_chars` gets `"_truncated": "12 more fields omitted"`.

Paths: `tracking.eta`, `items[].name` (`[]` reaches into each element; a path that meets
a list maps over it even without `[]`), `*` matches any key (`*.url`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from html.parser import HTMLParser
from json.encoder import encode_basestring
from typing import Any

from .actions.models import Output
from .secrets import MASK, masker

NOTE_KEY = "_truncated"
DEFAULT_OUTPUT = Output()
"""The limits used when an action has no `output` block."""

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


# -- fitting into max_chars ---------------------------------------------------------------


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


# -- text and bytes -----------------------------------------------------------------------

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object"})
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header",
    "footer", "nav", "main", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote",
    "title", "dt", "dd", "form", "hr",
})


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The visible text of an HTML page: no tags, scripts or styles; whitespace collapsed."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _fit_text(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    note = f"…(+{len(text)} chars)"
    keep = max(max_chars - len(note), 0)
    return f"{text[:keep]}…(+{len(text) - keep} chars)"


def prune_text(text: str, content_type: str, max_chars: int) -> str:
    """A text response for the model: HTML reduced to visible text, the rest shortened."""
    kind = (content_type or "").split(";")[0].strip().lower()
    head = text[:200].lstrip().lower()
    if "html" in kind or head.startswith(("<!doctype html", "<html")):
        text = html_text(text)
    else:
        text = text.strip()
    return _fit_text(text, max_chars)


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
