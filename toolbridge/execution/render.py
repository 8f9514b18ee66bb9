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

This module owns the compiled plan (one per action, cached), its header memo, `Prepared`,
`render_request` (and `render_call`, the executor's form of it) and `describe`. The placing
of values lives beside it: `scope` (names to values, substitution, `RenderError`), `urls`
(path and query), `headers` and `bodies`.

Most calls take a fast path (`_render_fast`): when every placeholder names a model or
constant variable, headers are fixed text and the body is flat JSON, the request is read
from the values alone, without a `_Scope`, around a memo of everything fixed per secret
value (`_Fixed`, built by the general code). Any value out of the ordinary (one to encode,
a `Secret`, one refused) sends the call down the general path, whose result is the
reference (tests/test_render_fastpaths.py holds the two equal).

What this module does not do: decide whether to send (gates), send (drivers), or judge
the response (outcomes). Model-facing problems come back as a `ToolResult`; developer
mistakes (a missing secret, a malformed action built by hand) raise.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from .. import results as r
from ..actions.models import Action
from ..errors import ActionFileError
from ..guidance import guidance_for
from ..results import RequestSummary, ToolResult
from ..secrets import MASK, SENSITIVE_HEADER, Secret, SecretStore, masker
from ..templates import PATH_PARAM, PLACEHOLDER, secret_name
from .auth import AuthParts, apply_auth, auth_parts, secret_names
from .bodies import CONTENT_TYPES as CONTENT_TYPES
from .bodies import _compile_body, _Field, _flat_json, _flat_text, _json_texts, _Rendered
from .headers import IDEMPOTENCY_HEADER as IDEMPOTENCY_HEADER
from .headers import _render_headers
from .scope import RenderError, Text, _bad, _Scope, _text_template
from .urls import _UNRESERVED, _add_query_value, _auth_query, _render_path, _render_query
from .urls import _path_segment as _path_segment  # re-exported: the property tests use it

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


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


@dataclass(frozen=True, slots=True)
class _Plan:
    """What rendering needs of an action, compiled once. Frozen; only its memos change
    (`heads` in place, `fixed` replaced whole with `object.__setattr__`)."""

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
    gated: bool = False
    """The action has an identity, confirmation or rate-limit gate. Not rendering's concern:
    kept here so that the executor, which looks the plan up anyway, skips the three gate
    calls for the many actions that have none."""
    fast: _Fast | None = None
    """How `_render_fast` renders this action without a scope, or None when it cannot."""
    fixed: _Fixed | None = None
    """`_render_fast`'s memo: the parts built from the secret values last read (replaced,
    never changed, so a thread reads one consistent memo)."""


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


@dataclass(frozen=True, slots=True)
class _Fast:
    """A plan `_render_fast` can render from the values alone: every placeholder names a
    model or constant variable (no context, runtime or secret placeholder, so no scope),
    headers and idempotency key are fixed text, query values are whole placeholders or
    fixed text, and the body is absent or a flat JSON mapping (`bodies._flat_json`)."""

    one: tuple[str, str, str] | None
    """(text before, name, text after) when the path has exactly one parameter."""
    query: tuple[tuple[str, str | None], ...]
    """The action's query as (encoded key, model variable) or (encoded `key=value`, None);
    empty when the query is fixed text, which the memo then holds whole."""
    first: str | None
    """The secret auth reads (basic: the username), or None without auth."""
    second: str | None
    """The basic-auth password's secret."""
    body: tuple[_Field, ...] | None


@dataclass(frozen=True, slots=True)
class _Fixed:
    """What a fast-path request takes from the auth secrets and fixed text, built by the
    general code from the values read (`auth_parts`, `_heads`, `_render_query`) and kept
    until a value changes: a memo, not a second implementation."""

    first: str
    """The secret values it was built from ("" for none): a rotated secret gives a new memo."""
    second: str
    headers: tuple[tuple[str, str], ...]
    """As `_render` sends them, the body's Content-Type included."""
    shown: dict[str, str]
    """Masked; copied per call (callers may mutate theirs)."""
    query: str
    """`?` and the whole query when the action's query is fixed text (else "")."""
    masked_query: str
    auth_query: tuple[str, ...]
    """The auth pairs, for a query built per call."""
    masked_auth_query: tuple[str, ...]
    body_fields: dict[str, str]
    masking: Callable[[str], str] | None
    secret_values: tuple[str, ...]
    idempotency_key: str | None
    idempotent: bool


_segment = _UNRESERVED.fullmatch
"""A text made only of unreserved characters: a path segment as it is (unless a dot one)."""
_DOTS = frozenset({".", ".."})

_MAX_HEADS = 64


_PLANS: dict[int, tuple[Action, _Plan]] = {}
_MAX_PLANS = 4096


def plan_or_none(action: Action) -> _Plan | None:
    """The compiled plan, or None for an action built wrongly by hand: rendering it raises
    the `ActionFileError` (so the executor's identity gate still comes first)."""
    entry = _PLANS.get(id(action))
    if entry is not None and entry[0] is action:
        return entry[1]
    try:
        return _plan(action)
    except ActionFileError:
        return None


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
    query = tuple((quote(k, safe=""), _text_template(v)) for k, v in request.query.items())
    safety = action.safety
    return _Plan(
        method=request.method,
        origin=f"{base.scheme}://{base.netloc}",
        path=tuple(path),
        fixed_query=fixed_query,
        query=query,
        headers=headers,
        body=body,
        content_type=content_type,
        idempotency_key=_text_template(key) if key else None,
        sources=sources,
        constants=constants,
        defaults=defaults,
        static_headers=static,
        gated=bool(safety.requires_identity_verification or action.needs_confirmation
                   or safety.rate_limit is not None),
        fast=_compile_fast(action, tuple(path), query, sources, constants) if static else None,
    )


def _compile_fast(action: Action, path: tuple[str, ...], query: tuple[tuple[str, Text], ...],
                  sources: Mapping[str, str], constants: Mapping[str, Any]) -> _Fast | None:
    """The `_Fast` form of an action whose headers are fixed text, or None."""
    if any(sources.get(name) != "model" for name in path[1::2]):
        return None
    names = secret_names(action.auth)
    if names is None:
        return None
    fast_query: list[tuple[str, str | None]] = []
    for key, text in query:
        if len(text) == 1:
            fast_query.append((f"{key}={quote(text[0], safe='')}", None))
        elif len(text) == 3 and not text[0] and not text[2] and sources.get(text[1]) == "model":
            fast_query.append((key, text[1]))
        else:
            return None
    body = None
    if action.request.body is not None or action.auth.type == "body":
        body = _flat_json(action, sources, constants)
        if body is None:
            return None
    return _Fast(
        one=(path[0], path[1], path[2]) if len(path) == 3 else None,
        query=tuple(fast_query) if any(name for _, name in fast_query) else (),
        first=names[0] if names else None,
        second=names[1] if len(names) > 1 else None,
        body=body,
    )


# -- the request ----------------------------------------------------------------------------


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
    if plan.static_headers and plan.fast is not None:
        prepared = _render_fast(action, plan, plan.fast, values, secrets)
        if prepared is not None:
            return prepared
    return _render_safely(
        action, plan, _Scope(action, plan, values, context, secrets, now, timezone, conversation_id)
    )


def render_call(action: Action, plan: _Plan | None, values: Mapping[str, Any],
                context: Mapping[str, Any], secrets: SecretStore,
                clock: Callable[[], datetime], timezone: str) -> Prepared | ToolResult:
    """`render_request` as the executor calls it, with `plan_or_none(action)`: the time
    zone (a non-empty string `context["timezone"]`, else `timezone`) and the conversation
    id (`context["conversation_id"]` as text) are read only when the fast path cannot
    render the action."""
    if plan is None:
        plan = _plan(action)  # raises why the action is malformed
    elif plan.static_headers and plan.fast is not None:
        prepared = _render_fast(action, plan, plan.fast, values, secrets)
        if prepared is not None:
            return prepared
    zone = context.get("timezone")
    conversation = context.get("conversation_id")
    return _render_safely(action, plan, _Scope(
        action, plan, values, context, secrets, clock,
        zone if isinstance(zone, str) and zone else timezone,
        None if conversation is None else str(conversation),
    ))


def _render_safely(action: Action, plan: _Plan, scope: _Scope) -> Prepared | ToolResult:
    """`_render`, a value it cannot place turned into the `ToolResult` that says why."""
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


def _render_fast(action: Action, plan: _Plan, fast: _Fast, values: Mapping[str, Any],
                 secrets: SecretStore) -> Prepared | None:
    """What `_render` returns for a `_Fast` plan, read from the values alone; None when a
    value is out of the ordinary (a path value needing encoding, a `Secret`, anything
    refused): `_render` then does the whole call, with its exact result or error.

    Steps in `_render`'s order up to the secrets, so a refused value still comes before a
    `SecretError`; nothing here raises for a value.
    """
    if fast.one is not None:
        before, name, after = fast.one
        value = values.get(name)
        # The segment `_path_segment` leaves as is; an int's text always is one.
        if value.__class__ is str:
            if _segment(value) is None or value in _DOTS:
                return None
        elif value.__class__ is int:
            value = str(value)
        else:
            return None
        path = before + value + after
    elif len(plan.path) == 1:
        path = plan.path[0]
    else:
        parts = plan.path
        pieces = [parts[0]]
        for i in range(1, len(parts), 2):
            value = values.get(parts[i])
            if value.__class__ is str:
                if _segment(value) is None or value in _DOTS:
                    return None
            elif value.__class__ is int:
                value = str(value)
            else:
                return None
            pieces.append(value)
            pieces.append(parts[i + 1])
        path = "".join(pieces)
    if "/." in path and any(segment in _DOTS for segment in path.split("/")):
        return None  # a dot segment made with the literal text: `_render` refuses it

    # Read on every call, as `apply_auth` does: a rotated secret is used at once.
    first = second = ""
    if fast.first is not None:
        first = secrets.value(fast.first)
        if fast.second is not None:
            second = secrets.value(fast.second)
    try:
        fixed = plan.fixed
        if fixed is None or fixed.first != first or fixed.second != second:
            fixed = _fix(action, plan, fast, first, second, secrets)
            object.__setattr__(plan, "fixed", fixed)

        url = masked_url = plan.origin + path
        if fast.query:
            pairs = [plan.fixed_query] if plan.fixed_query else []
            for key, variable in fast.query:
                if variable is None:
                    pairs.append(key)
                    continue
                value = values.get(variable)
                if value is None:
                    continue
                if isinstance(value, Secret):
                    return None
                _add_query_value(pairs, key, value)
            if pairs or fixed.auth_query:
                url += "?" + "&".join([*pairs, *fixed.auth_query])
                masked_url += "?" + "&".join([*pairs, *fixed.masked_auth_query])
        else:
            url += fixed.query
            masked_url += fixed.masked_query

        content: bytes | None = None
        body_text: str | None = None
        if fast.body is not None:
            body_text = None if fixed.body_fields else _flat_text(fast.body, values)
            if body_text is None:
                data = {}
                for key, variable, literal, _, _ in fast.body:
                    if variable is None:
                        data[key] = literal
                        continue
                    value = values.get(variable)
                    if value is None:
                        continue  # left out: the key is dropped
                    if isinstance(value, Secret):
                        return None
                    data[key] = value
                content, body_text = _json_texts(data, fixed.body_fields)
            else:
                content = body_text.encode()
    except (RenderError, UnicodeEncodeError, ValueError):
        # Refused (a fixed header, NaN, a lone surrogate) or an int too long to write as
        # text: `_render` gives the exact result.
        return None

    masking = fixed.masking
    if masking is not None:
        masked_url = masking(masked_url)
        if body_text is not None:
            body_text = masking(body_text)
    method = plan.method
    # Positional arguments: keywords cost a third of building a `Prepared`.
    return Prepared(method, url, list(fixed.headers), content,
                    RequestSummary(method, masked_url, fixed.shown.copy(), body_text),
                    fixed.idempotent, fixed.idempotency_key, fixed.secret_values)


def _no_clock() -> datetime:
    raise AssertionError("a fast-path action has no time placeholder")


def _fix(action: Action, plan: _Plan, fast: _Fast, first: str, second: str,
         secrets: SecretStore) -> _Fixed:
    """The `_Fixed` memo for the secret values read, built by the general code. Raises
    `RenderError` when `_render` would refuse a fixed header."""
    auth = auth_parts(action.auth, first, second)
    # Fixed text needs no value: this scope is never asked for one.
    scope = _Scope(action, plan, {}, {}, secrets, _no_clock, "UTC", None)
    heads = _heads(plan, scope, auth)
    headers, shown = list(heads.headers), heads.shown.copy()
    if plan.body is not None and plan.content_type and not heads.has_content_type:
        # A flat JSON body always renders, so `_render` always adds its Content-Type.
        headers.append(("Content-Type", plan.content_type))
        shown["Content-Type"] = plan.content_type
    # A query of fixed text only (else `_render_fast` builds it per call with the pairs).
    query, masked_query = ("", "") if fast.query else _render_query(plan, scope, auth.query)
    sent, hidden = _auth_query(auth.query)
    method = plan.method
    return _Fixed(
        first=first, second=second, headers=tuple(headers), shown=shown,
        query="?" + query if query else "", masked_query="?" + masked_query if query else "",
        auth_query=sent, masked_auth_query=hidden, body_fields=auth.body_fields,
        masking=heads.masking, secret_values=heads.secret_values,
        idempotency_key=heads.idempotency_key,
        idempotent=method in IDEMPOTENT_METHODS or heads.idempotency_key is not None,
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
