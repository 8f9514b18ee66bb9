"""Rendering: an action plus checked values → the exact request to send (`Prepared`).

Pure: no sockets, no clock of its own (the caller passes `now`, or a clock read only
when a template uses `{{current_date}}`/`{{current_datetime}}`), no environment (secrets come from
the `SecretStore`). Each value is encoded for where it lands (SPEC §3.5):

- path parameter → exactly one percent-encoded segment; `""`, `.`, `..` refused;
- scheme, host and port come only from `base_url`/`url`, never from a value;
- query value → percent-encoded; header value → refused if it holds CR, LF, NUL or any
  other control or non-ASCII character (it would split the header or crash the client);
- JSON body → a whole-value placeholder keeps its JSON type, a placeholder inside a
  longer string is substituted as text and escaped by the final `json.dumps` (text that
  holds values is never parsed again);
- form body → form-encoded; XML body → XML-escaped; text body → substituted as is.

Values are substituted once: a value that contains `{{other}}` stays literal.

What this module does not do: decide whether to send (gates), send (drivers), or judge
the response (outcomes). Model-facing problems come back as a `ToolResult`; developer
mistakes (a missing secret, a malformed action built by hand) raise.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from datetime import timezone as dt_timezone
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import results as r
from ..actions.models import Action
from ..errors import ActionFileError, Problem, ToolbridgeError
from ..guidance import guidance_for
from ..results import RequestSummary, ToolResult
from ..secrets import MASK, SENSITIVE_HEADER, XML_ESCAPES, Secret, SecretStore, masker
from ..templates import PATH_PARAM, PLACEHOLDER, RUNTIME_NAMES, WHOLE_PLACEHOLDER, secret_name
from .auth import AuthParts, apply_auth

_ABSENT: Any = object()
"""A placeholder with no value (an optional variable left out): its key or header is dropped."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
IDEMPOTENCY_HEADER = "Idempotency-Key"
CONTENT_TYPES = {
    "json": "application/json",
    "form": "application/x-www-form-urlencoded",
    "xml": "application/xml; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}
_BAD_HEADER_CHAR = re.compile(r"[^\t\x20-\x7e]")
"""httpx2 encodes header values as ASCII and h11 refuses control characters."""
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")
"""RFC 3986 unreserved characters: a value made only of these needs no encoding."""
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry at all, not even as character references."""
_BLOCKED_CONTEXT = (
    "This action is not available in this conversation: it needs information from the "
    "application that this session does not have. Do not retry and do not ask the user "
    "for it; tell the user you cannot do this here and offer another way to help."
)


class RenderError(ToolbridgeError):
    """A value cannot be placed in the request. Internal: `render_request` turns it into
    a `ToolResult` with `code`, `problems` and guidance; it never reaches users."""

    def __init__(self, code: str, problems: tuple[str, ...], guidance: str | None = None) -> None:
        super().__init__("; ".join(problems))
        self.code = code
        self.problems = problems
        self.guidance = guidance


@dataclass(slots=True)
class Prepared:
    """The request to send, built once per call and reused across retries.

    Not frozen on purpose (as `flow.Send`): a frozen dataclass pays `object.__setattr__`
    per field on every call. Nothing mutates it after `render_request`.
    """

    method: str
    url: str
    """Full URL with query, secrets included: never shown or logged (use `summary`)."""
    headers: list[tuple[str, str]]
    content: bytes | None
    summary: RequestSummary
    """Method, URL, headers and body with every secret masked as `***`."""
    idempotent: bool
    """Safe to retry: an idempotent method, or an idempotency key is sent."""
    idempotency_key: str | None
    secret_values: tuple[str, ...] = ()
    """The secret values this request carries, for scrubbing responses that echo them."""

    def __repr__(self) -> str:
        # The dataclass repr would print `url`, `headers` and `content` with secrets in them.
        return f"Prepared({self.summary.method} {self.summary.url})"


# -- compiled plans ---------------------------------------------------------------------

Text = tuple[str, ...]
"""`PLACEHOLDER.split(s)`: literals at even indexes, placeholder names at odd indexes."""
_Rendered = tuple[bytes | None, str | None]
"""A rendered body: the bytes to send and the text for the summary."""
Node = Callable[["_Scope"], Any]
"""A compiled JSON body node: renders to a value or `_ABSENT`."""


@dataclass(frozen=True, slots=True)
class _Plan:
    method: str
    origin: str
    """`scheme://host[:port]`, fixed at compile time."""
    path: tuple[str, ...]
    """`PATH_PARAM.split(path)`: encoded literals at even indexes, parameter names at odd."""
    fixed_query: str
    query: tuple[tuple[str, Text], ...]
    """(encoded key, value template)."""
    headers: tuple[tuple[str, str, Text, bool], ...]
    """(name, lower-cased name, value template, masked wholesale in the summary)."""
    body: Callable[[_Scope, Mapping[str, str]], _Rendered] | None
    content_type: str | None
    idempotency_key: Text | None
    sources: Mapping[str, str]
    """Variable name → source (model, context, constant)."""
    constants: Mapping[str, Any]
    defaults: Mapping[str, Any]
    """Context-variable defaults, used when the context lacks the value."""
    static_headers: bool = False
    """Every action header and the idempotency key are fixed text: the header part of the
    request then depends only on the auth parts, and is built once per auth value."""
    heads: dict[int, tuple[AuthParts, _Heads]] = field(default_factory=dict)
    """`_Heads` by id of the (cached) `AuthParts` they were built from; the parts are kept
    in the entry so their id cannot be reused while cached."""


@dataclass(frozen=True, slots=True)
class _Heads:
    """The header part of a request whose headers are all fixed text, built once per auth
    value by the general code (`_render_headers`, then masking): a memo, not a second
    implementation. A rotated secret gives new `AuthParts`, hence a new entry."""

    headers: tuple[tuple[str, str], ...]
    shown: dict[str, str]
    """Already masked with the auth secrets; copied per call (callers may mutate theirs)."""
    idempotency_key: str | None
    has_content_type: bool
    masking: Callable[[str], str] | None
    """The masker for the auth secrets alone."""
    secret_values: tuple[str, ...]


_MAX_HEADS = 64


_PLANS: dict[int, tuple[Action, _Plan]] = {}
_MAX_PLANS = 4096


def _plan(action: Action) -> _Plan:
    entry = _PLANS.get(id(action))
    if entry is not None and entry[0] is action:
        return entry[1]
    plan = _compile(action)
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    # Keeping the action in the entry keeps its id from being reused while cached.
    _PLANS[id(action)] = (action, plan)
    return plan


def _bad(action: Action, field: str, message: str) -> ActionFileError:
    return ActionFileError([Problem(None, action.name, field, message)])


def _text_template(text: str) -> Text:
    return tuple(PLACEHOLDER.split(text))


def _compile(action: Action) -> _Plan:
    request = action.request
    parts = urlsplit(request.url)
    if parts.scheme:
        base = parts
        path_template = parts.path
    elif action.base_url:
        base = urlsplit(action.base_url)
        path_template = base.path.rstrip("/")
        if parts.path:
            path_template += "/" + parts.path.lstrip("/")
    else:
        raise _bad(action, "request.url", "the URL is relative and no base_url is set")
    if base.scheme not in ("http", "https") or not base.netloc:
        raise _bad(action, "base_url", "needs an http:// or https:// URL with a host")
    if "{" in base.netloc or "}" in base.netloc:
        raise _bad(action, "request.url", "the scheme, host and port are never templated")
    fixed_query = "&".join(q for q in ((base.query if base is not parts else ""), parts.query) if q)

    path = PATH_PARAM.split(path_template or "/")
    # The author's literal text is kept but made URL-safe (a space becomes %20).
    path = [
        quote(piece, safe="/%:@!$&'()*+,;=-._~") if i % 2 == 0 else piece
        for i, piece in enumerate(path)
    ]
    sources = {v.name: v.source for v in action.variables}
    constants = {v.name: v.value for v in action.variables if v.source == "constant"}
    defaults = {
        v.name: v.default
        for v in action.variables
        if v.source == "context" and v.default is not None
    }
    headers = tuple(
        (
            name,
            name.lower(),
            _text_template(value),
            bool(SENSITIVE_HEADER.search(name))
            or any(secret_name(n) for n in PLACEHOLDER.findall(value)),
        )
        for name, value in request.headers.items()
    )
    body, content_type = _compile_body(action)
    key = action.safety.idempotency_key
    static = all(len(text) == 1 for _, _, text, _ in headers) and (
        not key or len(_text_template(key)) == 1
    )
    return _Plan(
        method=request.method,
        origin=f"{base.scheme}://{base.netloc}",
        path=tuple(path),
        fixed_query=fixed_query,
        query=tuple((quote(k, safe=""), _text_template(v)) for k, v in request.query.items()),
        headers=headers,
        body=body,
        content_type=content_type,
        idempotency_key=_text_template(key) if key else None,
        sources=sources,
        constants=constants,
        defaults=defaults,
        static_headers=static,
    )


# -- per-call scope -----------------------------------------------------------------------


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolbridgeError(
            f"unknown timezone {name!r}: use an IANA name such as 'Europe/Paris' or 'UTC'"
        ) from None


class _Scope:
    """Resolves placeholder names for one call and remembers the secrets it used."""

    __slots__ = ("action", "context", "conversation_id", "now", "plan", "secret_values",
                 "secrets", "timezone", "values")

    def __init__(self, action: Action, plan: _Plan, values: Mapping[str, Any],
                 context: Mapping[str, Any], secrets: SecretStore,
                 now: datetime | Callable[[], datetime],
                 timezone: str, conversation_id: str | None) -> None:
        self.action = action
        self.plan = plan
        self.values = values
        self.context = context
        self.secrets = secrets
        self.now = now
        self.timezone = timezone
        self.conversation_id = conversation_id
        self.secret_values: list[str] = []

    def get(self, name: str) -> Any:
        source = self.plan.sources.get(name)
        if source == "model":
            value = self.values.get(name)
            return _ABSENT if value is None else self._plain(value)
        if source == "constant":
            value = self.plan.constants.get(name)
            return _ABSENT if value is None else value
        if source == "context":
            value = self.context.get(name)
            if value is None:
                value = self.plan.defaults.get(name)
            if value is None:
                raise RenderError(r.BLOCKED, (f"context value '{name}' is not set",),
                                  _BLOCKED_CONTEXT)
            return self._plain(value)
        if name in RUNTIME_NAMES:
            return self._runtime(name)
        secret = secret_name(name)
        if secret is not None:
            value = self.secrets.value(secret)
            self.secret_values.append(value)
            return value
        value = self.context.get(name)
        if value is None:
            raise RenderError(r.BLOCKED, (f"context value '{name}' is not set",), _BLOCKED_CONTEXT)
        return self._plain(value)

    def _plain(self, value: Any) -> Any:
        if isinstance(value, Secret):
            self.secret_values.append(value.reveal())
            return value.reveal()
        return value

    def _runtime(self, name: str) -> Any:
        if name == "conversation_id":
            return _ABSENT if self.conversation_id is None else self.conversation_id
        if name == "timezone":
            return self.timezone
        if not isinstance(self.now, datetime):
            self.now = self.now()  # read once, so date and datetime agree within a call
        now = self.now if self.now.tzinfo else self.now.replace(tzinfo=dt_timezone.utc)
        local = now.astimezone(_zone(self.timezone))
        if name == "current_date":
            return local.date().isoformat()
        return local.isoformat(timespec="seconds")


def _as_text(value: Any) -> str:
    """A value as it reads in a URL, header or text body."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _fill(text: Text, scope: _Scope, *, absent_drops: bool = True) -> str | None:
    """Substitute once; None when a placeholder has no value and `absent_drops`."""
    if len(text) == 1:
        return text[0]
    out = [text[0]]
    for i in range(1, len(text), 2):
        value = scope.get(text[i])
        if value is _ABSENT:
            if absent_drops:
                return None
            value = ""
        out.append(_as_text(value))
        out.append(text[i + 1])
    return "".join(out)


# -- bodies -------------------------------------------------------------------------------


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                         default=_json_default)
"""`json.dumps` with these options builds an encoder per call; this one is built once
(`encode` keeps no state between calls, so threads may share it)."""


def _dump(data: Any) -> str:
    try:
        return _JSON.encode(data)
    except ValueError:
        raise RenderError(r.INVALID_ARGUMENTS, (
            "body: numbers must be finite (NaN and Infinity cannot be sent as JSON)",
        )) from None


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
            text = _dump({**data, **fields} if fields else data)
            # The summary shows the auth field as ***, whatever its length.
            return text.encode(), _dump({**data, **dict.fromkeys(fields, MASK)}) if fields else text

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


# -- the request ----------------------------------------------------------------------------


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


def render_request(
    action: Action,
    values: Mapping[str, Any],
    context: Mapping[str, Any],
    secrets: SecretStore,
    *,
    now: datetime | Callable[[], datetime],
    timezone: str,
    conversation_id: str | None,
) -> Prepared | ToolResult:
    """The request for `action` with checked `values`, or the `ToolResult` explaining why
    it cannot be built (`invalid_arguments`, `blocked`). Raises `SecretError` when a
    secret is unset. `now` may be a clock, called only if a template needs the time."""
    plan = _plan(action)
    scope = _Scope(action, plan, values, context, secrets, now, timezone, conversation_id)
    try:
        try:
            return _render(action, plan, scope)
        except UnicodeEncodeError:
            # A lone surrogate ("\ud800" is valid JSON) cannot be encoded as UTF-8.
            raise RenderError(r.INVALID_ARGUMENTS, (
                "a value contains invalid Unicode (a lone surrogate); send plain text",
            )) from None
    except RenderError as error:
        return ToolResult(
            action=action.name,
            ok=False,
            error=error.code,
            problems=error.problems,
            guidance=(
                action.guidance.get(error.code)
                or error.guidance
                or guidance_for(error.code, action)
            ),
        )


def _render(action: Action, plan: _Plan, scope: _Scope) -> Prepared:
    path = _render_path(plan, scope)
    auth = apply_auth(action.auth, scope.secrets)
    query, masked_query = _render_query(plan, scope, auth.query)
    url = masked_url = plan.origin + path
    if query:
        url += "?" + query
        masked_url += "?" + masked_query
    heads = _heads(plan, scope, auth) if plan.static_headers else None
    if heads is not None:
        headers, shown = list(heads.headers), heads.shown.copy()
        idempotency_key, has_content_type = heads.idempotency_key, heads.has_content_type
    else:
        headers, shown, idempotency_key = _render_headers(plan, scope, auth.headers)
        has_content_type = any(name.lower() == "content-type" for name, _ in headers)

    content: bytes | None = None
    body_text: str | None = None
    if plan.body is not None:
        content, body_text = plan.body(scope, auth.body_fields)
        if content is not None and plan.content_type and not has_content_type:
            headers.append(("Content-Type", plan.content_type))
            shown["Content-Type"] = plan.content_type

    # Secrets placed whole (auth, {{secrets.*}}) are masked exactly already; this catches a
    # secret inside other text, e.g. a model value that echoes it.
    if heads is not None and not scope.secret_values:
        # Only the auth secrets: the headers shown are masked with them already.
        masking, secret_values = heads.masking, heads.secret_values
    else:
        secret_values = tuple(dict.fromkeys((*auth.secret_values, *scope.secret_values)))
        masking = masker(secret_values) if secret_values else None
        if masking is not None:
            # A value shown as *** holds nothing to mask (forms are at least 4 characters).
            shown = {name: value if value == MASK else masking(value)
                     for name, value in shown.items()}
    if masking is not None:
        masked_url = masking(masked_url)
        if body_text is not None:
            body_text = masking(body_text)

    method = plan.method
    return Prepared(
        method=method,
        url=url,
        headers=headers,
        content=content,
        summary=RequestSummary(method=method, url=masked_url, headers=shown, body=body_text),
        idempotent=method in IDEMPOTENT_METHODS or idempotency_key is not None,
        idempotency_key=idempotency_key,
        secret_values=secret_values,
    )


def _heads(plan: _Plan, scope: _Scope, auth: AuthParts) -> _Heads:
    """The memoised header part for `auth` (plans with fixed-text headers only)."""
    entry = plan.heads.get(id(auth))
    if entry is not None and entry[0] is auth:
        return entry[1]
    headers, shown, key = _render_headers(plan, scope, auth.headers)  # raises: no entry
    secret_values = tuple(dict.fromkeys(auth.secret_values))
    masking = masker(secret_values) if secret_values else None
    if masking is not None:
        shown = {name: value if value == MASK else masking(value)
                 for name, value in shown.items()}
    heads = _Heads(
        headers=tuple(headers), shown=shown, idempotency_key=key,
        has_content_type=any(name.lower() == "content-type" for name, _ in headers),
        masking=masking, secret_values=secret_values,
    )
    if len(plan.heads) >= _MAX_HEADS:
        plan.heads.clear()
    plan.heads[id(auth)] = (auth, heads)
    return heads


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
                for item in value if isinstance(value, list) else (value,):
                    pairs.append(f"{key}={quote(_as_text(item), safe='')}")
            continue
        # Substituted once, then the whole value is encoded: "&" or "=" in a value stay data.
        rendered = _fill(text, scope)
        if rendered is not None:
            pairs.append(f"{key}={quote(rendered, safe='')}")
    masked = list(pairs)
    for key, value in auth_query:
        pairs.append(f"{quote(key, safe='')}={quote(value, safe='')}")
        masked.append(f"{quote(key, safe='')}={MASK}")
    return "&".join(pairs), "&".join(masked)


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


_QUIET_HEADERS = frozenset({"accept", "accept-encoding", "user-agent", "content-length"})


def describe(prepared: Prepared | RequestSummary) -> str:
    """The request as a person checks it before confirming: method and URL, the headers
    that matter, and the body (JSON pretty-printed). Secrets are masked."""
    summary = prepared.summary if isinstance(prepared, Prepared) else prepared
    lines = [f"{summary.method} {summary.url}"]
    lines.extend(
        f"{name}: {value}" for name, value in summary.headers.items()
        if name.lower() not in _QUIET_HEADERS
    )
    if summary.body:
        body = summary.body
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), ensure_ascii=False, indent=2)
        lines.extend(["", body])
    return "\n".join(lines)
