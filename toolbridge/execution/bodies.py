"""Request bodies: an action's body template compiled once into a function per format.

Each compiled body takes the call's `_Scope` and the auth body fields and returns the bytes
to send and the text for the summary (SPEC §3.5): JSON keeps a whole-value placeholder's
type and escapes text through the final dump; form is form-encoded; XML is XML-escaped
(characters XML cannot carry are refused); text is substituted as is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any
from urllib.parse import quote_plus, urlencode

from .. import results as r
from ..actions.models import Action
from ..secrets import MASK, XML_ESCAPES
from ..templates import WHOLE_PLACEHOLDER, strings_in
from .scope import (
    _ABSENT,
    RenderError,
    _as_text,
    _bad,
    _fill,
    _json_default,
    _Scope,
    _text_template,
)

CONTENT_TYPES = {
    "json": "application/json",
    "form": "application/x-www-form-urlencoded",
    "xml": "application/xml; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry at all, not even as character references."""
_Rendered = tuple[bytes | None, str | None]
"""A rendered body: the bytes to send and the text for the summary."""
Node = Callable[["_Scope"], Any]
"""A compiled JSON body node: renders to a value or `_ABSENT`."""

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                         default=_json_default)
"""`json.dumps` with these options builds an encoder per call; this one is built once
(`encode` keeps no state between calls, so threads may share it)."""
_ENCODE = None if c_make_encoder is None else c_make_encoder(
    None, _json_default, encode_basestring, None, ":", ",", False, False, False)
"""The C encoder `_JSON.encode` builds on every call (half the cost of a small body), built
once with the same options. It skips the circular-reference check, whose per-call dict is
what cannot be shared between threads: a cycle ends in `RecursionError`, and `_dump` then
lets `_JSON` give its usual error. No state between calls, so threads may share it."""


def _dump(data: Any) -> str:
    try:
        if _ENCODE is not None:
            try:
                return "".join(_ENCODE(data, 0))
            except RecursionError:
                pass  # a cycle (or nesting too deep): `_JSON` tells which, as it always did
        return _JSON.encode(data)
    except ValueError:
        raise RenderError(r.INVALID_ARGUMENTS, (
            "body: numbers must be finite (NaN and Infinity cannot be sent as JSON)",
        )) from None


def _json_texts(data: Any, fields: Mapping[str, str]) -> _Rendered:
    """A JSON body to send, with the auth `fields` merged in, and its text for the summary
    (where an auth field shows as `***`, whatever its length)."""
    text = _dump({**data, **fields} if fields else data)
    return text.encode(), _dump({**data, **dict.fromkeys(fields, MASK)}) if fields else text


_Field = tuple[str, str | None, Any, str, str]
"""A field of a flat JSON body: (key, model variable or None, literal value, the key as
JSON with its colon, the literal field as JSON)."""


def _flat_json(action: Action, sources: Mapping[str, str],
               constants: Mapping[str, Any]) -> tuple[_Field, ...] | None:
    """The JSON body as fields, when it is a mapping with text keys whose every value is a
    whole placeholder of a model or constant variable or a value without placeholders;
    None otherwise. What the compiled nodes render, read without a scope: a constant is
    resolved here (a null one drops its key), a model variable per call."""
    request = action.request
    body = request.body
    if request.body_format != "json" or not isinstance(body, (dict, type(None))):
        return None
    fields: list[_Field] = []
    for key, value in (body or {}).items():
        if not isinstance(key, str):
            return None
        whole = WHOLE_PLACEHOLDER.match(value) if isinstance(value, str) else None
        prefix = encode_basestring(key) + ":"
        if whole is None:
            if any(len(_text_template(text)) > 1 for text in strings_in(value)):
                return None  # text around a placeholder: left to the compiled nodes
        else:
            name = whole.group(1)
            source = sources.get(name)
            if source == "model":
                fields.append((key, name, None, prefix, ""))
                continue
            if source != "constant":
                return None  # context, runtime or secret: needs the scope
            value = constants.get(name)
            if value is None:
                continue  # a null constant drops its key
        try:
            fields.append((key, None, value, prefix, prefix + _dump(value)))
        except RenderError:
            return None  # a literal NaN: the compiled nodes refuse it on every call
    return tuple(fields)


def _flat_text(fields: tuple[_Field, ...], values: Mapping[str, Any]) -> str | None:
    """`_dump` of a flat body's mapping written directly, when each value given is a str,
    an int or a bool (the C encoder costs more per field than these few operations); None
    for any other value. The same text: `encode_basestring` is the encoder's own string
    escaper (`ensure_ascii=False`), `int.__repr__` its integer form."""
    parts = []
    for _, name, _, prefix, text in fields:
        if name is None:
            parts.append(text)
            continue
        value = values.get(name)
        if value is None:
            continue  # left out: the key is dropped
        kind = value.__class__
        if kind is str:
            parts.append(prefix + encode_basestring(value))
        elif kind is int:
            parts.append(prefix + int.__repr__(value))
        elif kind is bool:
            parts.append(prefix + ("true" if value else "false"))
        else:
            return None
    return "{" + ",".join(parts) + "}"


def _compile_json(value: Any) -> Node:
    if isinstance(value, str):
        whole = WHOLE_PLACEHOLDER.match(value)
        if whole:
            name = whole.group(1)
            return lambda scope: scope.get(name)
        text = _text_template(value)
        if len(text) == 1:
            return lambda scope: value
        return lambda scope: _fill(text, scope, absent_drops=False)
    if isinstance(value, dict):
        items = [(key, _compile_json(item)) for key, item in value.items()]

        def render_dict(scope: _Scope) -> dict[str, Any]:
            out = {}
            for key, node in items:
                item = node(scope)
                if item is not _ABSENT:
                    out[key] = item
            return out

        return render_dict
    if isinstance(value, list):
        nodes = [_compile_json(item) for item in value]
        return lambda scope: [item for item in (n(scope) for n in nodes) if item is not _ABSENT]
    return lambda scope: value


def _compile_body(action: Action) -> tuple[Any, str | None]:
    request = action.request
    body, fmt = request.body, request.body_format
    body_auth = action.auth.type == "body"
    if body is None and not body_auth:
        return None, None
    if body_auth and fmt not in ("json", "form"):
        raise _bad(action, "auth", "body auth needs a json or form body")
    if body_auth and body is not None and not isinstance(body, dict):
        raise _bad(action, "request.body", "body auth needs the body to be a mapping")

    if fmt == "json":
        node = _compile_json(body if body is not None else {})

        def render_json(scope: _Scope, fields: Mapping[str, str]) -> _Rendered:
            data = node(scope)
            if data is _ABSENT:
                return None, None
            return _json_texts(data, fields)

        return render_json, CONTENT_TYPES["json"]

    if fmt == "form":
        if not isinstance(body, (dict, type(None))):
            raise _bad(action, "request.body", "a form body must be a mapping of fields")
        fields_t = [
            (key, WHOLE_PLACEHOLDER.match(v) if isinstance(v, str) else None,
             _text_template(v) if isinstance(v, str) else None, v)
            for key, v in (body or {}).items()
        ]

        def render_form(scope: _Scope, extra: Mapping[str, str]) -> _Rendered:
            pairs: list[tuple[str, str]] = []
            for key, whole, text, raw in fields_t:
                if whole is not None:
                    value = scope.get(whole.group(1))
                    if value is _ABSENT:
                        continue
                    if isinstance(value, list):
                        pairs.extend((key, _as_text(v)) for v in value)
                        continue
                    pairs.append((key, _as_text(value)))
                elif text is not None:
                    pairs.append((key, _fill(text, scope, absent_drops=False) or ""))
                elif raw is not None:
                    pairs.append((key, _as_text(raw)))
            encoded = urlencode([*pairs, *extra.items()], quote_via=quote_plus)
            shown = urlencode([*pairs, *((k, MASK) for k in extra)], quote_via=quote_plus, safe="*")
            return encoded.encode("ascii"), shown

        return render_form, CONTENT_TYPES["form"]

    if not isinstance(body, str):
        raise _bad(action, "request.body", f"a {fmt} body must be a string template")
    text = _text_template(body)
    names = text[1::2]

    if fmt == "xml":
        def render_xml(scope: _Scope, extra: Mapping[str, str]) -> _Rendered:
            out = [text[0]]
            for i, name in enumerate(names):
                value = scope.get(name)
                value = "" if value is _ABSENT else _as_text(value)
                if _XML_ILLEGAL.search(value):
                    raise RenderError(r.INVALID_ARGUMENTS, (
                        f"{name}: contains a control character that XML cannot carry",
                    ))
                out.append(value.translate(XML_ESCAPES))
                out.append(text[2 * i + 2])
            rendered = "".join(out)
            return rendered.encode(), rendered

        return render_xml, CONTENT_TYPES["xml"]

    def render_text(scope: _Scope, extra: Mapping[str, str]) -> _Rendered:
        rendered = _fill(text, scope, absent_drops=False) or ""
        return rendered.encode(), rendered

    return render_text, CONTENT_TYPES["text"]
