"""From a response to what the model sees: `prune` (parsed JSON), `prune_body` (bytes).

`prune` drives the walk (`select`), then the shrink steps and the greedy cut (`fit`);
`prune_body` reads the content type (binary is summarised, JSON parsed, the rest goes to
`text`). `scrub` masks secret values an API echoes back; both scrub before they cut, so
half a secret is never left at a cut.
"""

from __future__ import annotations

import codecs
import json
import re
import sys as _sys
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from pydantic_core import from_json as _from_json

from ..actions.models import Output
from ..secrets import encoded_forms, masker
from .fit import _SHRINK_STEPS, _extent, _fit, _fit_string, _size
from .select import _DROP, _PLANS, _plan, _Unmeasured, _Walk
from .text import prune_text

DEFAULT_OUTPUT = Output()
"""The limits used when an action has no `output` block."""


def prune(data: Any, output: Output | None = None, *, secret_values: Iterable[str] = ()) -> Any:
    """The part of parsed JSON `data` the model sees, within `output`'s limits.

    Never raises on odd data; the result always serialises to at most `max_chars`
    characters of JSON (as `ToolResult.for_model()` writes it).
    """
    masking = _masking(tuple(secret_values)) if secret_values else None
    return _prune(data, output or DEFAULT_OUTPUT, masking, None)


def _prune(data: Any, output: Output, masking: _Masking | None, body: bytes | None) -> Any:
    """`prune`, scrubbing with `masking` (None: no secrets); `body` is the JSON `data` was
    parsed from, if any (it bounds how many characters of the strings need escaping)."""
    plan = _PLANS.get(id(output))
    if plan is None or plan[0] is not output:
        plan = _plan(output)
    _, select, redact, max_items, max_string, limit = plan
    if (body is not None and select is None and redact is None
            and (data.__class__ is dict or data.__class__ is list)
            and _as_is(body, masking, max_items, max_string, limit)):
        return data  # a short answer with nothing to take out: what the walk would give
    if isinstance(data, str):
        # A bare string is the whole result (a text response): max_chars is its limit.
        text = masking.scrub(data) if masking else data
        return _fit_string(text, limit) or None
    scrub, shortest = (masking.scrub, masking.shortest) if masking else (None, 0)
    try:
        walk = _Walk(max_items, max_string, limit, scrub, shortest)
        try:
            if select is not None and type(data) is dict and "*" not in select:
                result = walk.picked(data, select, redact)  # as `walk(...)` would
            else:
                result = walk(data, select, redact)
        except TypeError:
            walk, result = _walked(data, select, redact, max_items, max_string, limit, scrub,
                                   shortest, _Unmeasured)
        if result is _DROP:
            return None
        # `walk.size` bounds the result's length if nothing in its strings and keys needs
        # escaping, and escaping makes a character at most 6: within the limit even so, the
        # result fits without measuring it (`_fits` narrows this down with the body).
        if not walk.exact and (walk.size * 6 <= limit or _fits(walk.size, limit, body)):
            return result
        size = _size(result)
        if size <= limit:
            return result
        longest_list, longest_string = _extent(result)
        steps = [
            (min(items, max_items), min(chars, max_string))
            for items, chars in _SHRINK_STEPS
            if items < min(max_items, longest_list) or chars < min(max_string, longest_string)
        ]
        # Each step walks the response again, but a walk stops after `max_chars / 2`
        # entries, so even a 500 KB response costs a few hundred entries per step.
        for step_items, step_string in steps:
            larger = result
            _, result = _walked(data, select, redact, step_items, step_string, limit, scrub,
                                shortest)
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
        return _fit_string(_TOO_DEEP, limit) or None
    if fitted is _DROP:
        return _fit_string("result too large to show", limit) or None
    return fitted


_TOO_DEEP = "(response nested too deeply to show)"


def _walked(data: Any, select: Any, redact: Any, max_items: int, max_string: int,
            max_chars: int, scrub: Callable[[str], str] | None, shortest: int,
            walker: type[_Walk] = _Walk) -> tuple[_Walk, Any]:
    walk = walker(max_items, max_string, max_chars, scrub, shortest)
    try:
        return walk, walk(data, select, redact)
    except TypeError:
        if walker is _Unmeasured:
            raise
        # A key that is not a string (data not from `json.loads`) has no len(): walk again
        # without measuring. The result does not depend on measuring.
        return _walked(data, select, redact, max_items, max_string, max_chars, scrub,
                       shortest, _Unmeasured)


def _fits(bound: int, limit: int, body: bytes | None) -> bool:
    """Whether a walk result of at most `bound` characters when nothing in its strings and
    keys needs escaping fits `limit` once escaped (`_size` need not measure it).

    Each character that needs escaping takes at most 6 (`\\u001f`) instead of 1: there are
    at most `bound` of them (`prune` checks that first), and for data parsed from the JSON
    `body` at most one per backslash in it. `json.loads` (strict) takes no raw control
    character, quote or backslash inside a string, so each such character comes from its
    own escape, which starts with a backslash; and every backslash puts a byte 0x5C in the
    body whatever its encoding (UTF-8, -16 or -32). Only a small body is worth scanning.
    """
    if body is None or bound > limit or len(body) > _SCANNED * limit:
        return False
    return b"\\" not in body or bound + 5 * body.count(b"\\") <= limit


def _as_is(body: bytes, masking: _Masking | None, max_items: int, max_string: int,
           limit: int) -> bool:
    """Whether the JSON `body`, parsed to a dict or a list, is its own result when nothing
    is selected or redacted: the walk would keep all of it, unchanged, and it fits.

    Read from the body's text with a few searches in C, for a body of at most
    `max_string` bytes and half the limit. No string in it is then longer than
    `max_string`, and no list longer than `max_items` when it has fewer commas than that
    (a list of n items has n - 1). It holds nothing the walk drops (`null`, `""`, `[]`,
    `{}`, spaces or not) and no backslash, so each string is the very text between its
    quotes: a secret in a string or key is in the body's text. Written out it takes at
    most the body's length (no escapes, no spaces) plus 23 characters a number (a
    float's repr is at most 24; each number has a digit).

    Every test is conservative: text in a string that looks like `null` or `[ ]` only
    sends the body to the walk.
    """
    size = len(body)
    if size > max_string or 2 * size > limit:
        return False
    try:
        text = body.decode()  # (str checks cost a tenth of bytes ones)
    except UnicodeDecodeError:
        return False
    if size > 2 * _AS_IS_DEPTH and text.count("[") + text.count("{") > _AS_IS_DEPTH:
        return False  # perhaps deeper than the walk (or json.dumps) goes: let it say so
    squeezed = "".join(text.split())  # so `[ ]` is `[]`
    if ("null" in squeezed or '""' in squeezed or "[]" in squeezed or "{}" in squeezed
            or "\\" in text or "\0" in text):  # a NUL: UTF-16 or -32, not read here
        return False
    if "[" in text and text.count(",") >= max_items:
        return False
    if masking is not None:
        for form in masking.forms:
            if form in text:
                return False
    return 24 * size <= limit or size + 23 * (size - len(body.translate(None, _DIGITS))) <= limit


_DIGITS = b"0123456789"
_AS_IS_DEPTH = 100
"""Nesting a body kept as it is may have (a body of n bytes nests at most n / 2 deep)."""


_SCANNED = 4
"""Bodies up to this many times `max_chars` are scanned for backslashes (~1-6 instructions
a byte) rather than the result measured (~100 a character)."""


# -- secrets ------------------------------------------------------------------------------


class _Masking:
    """What scrubbing needs for one set of secret values, built once per set."""

    __slots__ = ("forms", "scrub", "shortest")

    def __init__(self, values: tuple[str, ...], forms: list[str]) -> None:
        self.shortest = len(forms[-1])  # forms come longest first
        """A shorter string cannot hold a form: scrubbing would leave it as it is."""
        scrub = masker(values)
        assert scrub is not None  # same forms
        self.scrub = scrub
        """Masks every form of the values in a text."""
        self.forms = tuple(forms)
        """Every form of the values, longest first."""


_MASKINGS: dict[tuple[str, ...], _Masking | None] = {}


def _masking(values: tuple[str, ...]) -> _Masking | None:
    """The `_Masking` for `values` (cached); None when none is long enough to mask."""
    if not values:
        return None
    try:
        return _MASKINGS[values]
    except KeyError:
        pass
    forms = encoded_forms(values)
    masking = _Masking(values, forms) if forms else None
    if len(_MASKINGS) >= 256:
        _MASKINGS.clear()
    _MASKINGS[values] = masking
    return masking


def _scrubber(secret_values: tuple[str, ...]) -> Callable[[str], str] | None:
    masking = _masking(secret_values)
    return masking.scrub if masking else None


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


@lru_cache(maxsize=64)
def _reading(content_type: str | None) -> tuple[str, bool, bool]:
    """(kind, binary, json) for a content type: one cached look-up per response."""
    kind = _kind(content_type)
    binary = kind.startswith(_BINARY_PREFIXES) or kind in _BINARY_TYPES
    return kind, binary, is_json_type(content_type)


def _charset(content_type: str | None) -> str:
    found = re.search(r"charset=[\"']?([A-Za-z0-9._-]+)", content_type or "", re.IGNORECASE)
    return found.group(1) if found else "utf-8"


_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
"""The json module's scanner (C), as `json.loads` runs it."""
_JITER_DIGITS = 4300
"""The parser's own limit on an integer's digits: Python's default one. Where a program
lowered Python's (`sys.set_int_max_str_digits`, a hardening setting), `json.loads`
refuses integers the parser reads: every body then goes to the json module."""
_digit_limit: Callable[[], int] = getattr(_sys, "get_int_max_str_digits", lambda: 0)
"""0: no limit (and none before Python 3.10.7)."""
_SPACE = " \t\n\r"
"""What JSON counts as whitespace around a value."""
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def loads(content: bytes) -> Any:
    """`json.loads(content)` for a response body: the same result and errors
    (`ValueError`), about twice as fast.

    pydantic-core's JSON parser (jiter, already loaded for the arguments) reads the body
    first. It refuses everything `json.loads` refuses and a little more (a lone surrogate,
    a byte-order mark, UTF-16/32, nesting deeper than 200, an integer of more than 4300
    digits); whatever it refuses is read again by the json module's own scanner, which
    gives `json.loads`'s value or error.
    """
    digits = _digit_limit()
    if digits == 0 or digits >= _JITER_DIGITS:
        try:
            return _from_json(content, cache_strings="keys")
        except ValueError:
            pass
    head = content[:4]
    if b"\0" in head or head.startswith(_BOMS):
        return json.loads(content)  # detects the encoding
    text = content.decode("utf-8", "surrogatepass")
    start = len(text) - len(text.lstrip(_SPACE))
    try:
        value, end = _SCAN(text, start)
    except StopIteration as stop:
        raise json.JSONDecodeError("Expecting value", text, stop.value) from None
    if end != len(text):
        rest = text[end:].lstrip(_SPACE)
        if rest:
            raise json.JSONDecodeError("Extra data", text, len(text) - len(rest))
    return value


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
    kind, binary, json_kind = _reading(content_type)
    secrets = tuple(secret_values)
    if binary:
        return f"({kind} content, {len(content)} bytes, not shown)", True
    sniffed = not kind and content.lstrip()[:1] in (b"{", b"[")
    masking = _masking(secrets)
    if json_kind or sniffed:
        try:
            data = loads(content)
        except RecursionError:  # valid JSON, perhaps, but nested deeper than Python reads
            return _fit_string(_TOO_DEEP, output.max_chars) or None, True
        except ValueError:  # UnicodeDecodeError too
            if sniffed:
                pass  # it only looked like JSON: show it as text
            else:
                text = content[:400].decode("utf-8", errors="replace")
                excerpt = masking.scrub(text) if masking else text
                return _fit_string(excerpt, min(200, output.max_chars)) or None, False
        else:
            return _prune(data, output, masking, content), True
    try:
        text = content.decode(_charset(content_type), errors="replace")
    except LookupError:
        text = content.decode("utf-8", errors="replace")
    if masking:
        text = masking.scrub(text)
    # (A max_chars under 2 leaves no room even for the quotes: "" becomes None.)
    return prune_text(text, kind, output.max_chars) or None, True

