"""How actions, toolkits, results and conversations look in Jupyter and in a terminal.

Each object gets two views, both pure functions of the object: HTML (what `_repr_html_`
returns, so a notebook shows a table) and plain text (what `_repr_pretty_` prints, in
IPython and in the `toolbridge demo` output). The objects' own classes only hold 2-line
hooks that import this module lazily, so `import toolbridge` pays nothing for it.

Every string that came from an action author, the model, a user or an API is
HTML-escaped: a `<script>` in a description shows as text, never runs. Styles are
inline (GitHub and JupyterLab strip `<style>` blocks from untrusted outputs).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .actions.models import Action, Variable
    from .results import RequestSummary, ToolResult
    from .toolkit import Toolkit

_BOX = (
    "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;"
    "line-height:1.4;color:#1f2328;border:1px solid #d0d7de;border-radius:6px;"
    "padding:8px 12px;margin:4px 0;max-width:1000px;background:#fff"
)
_TABLE = "border-collapse:collapse;margin:6px 0;width:100%;font-size:inherit;line-height:inherit"
_TH = (
    "text-align:left;padding:3px 8px;border-bottom:2px solid #d0d7de;background:#f6f8fa;"
    "font-weight:600"
)
_TD = "text-align:left;padding:3px 8px;border-bottom:1px solid #eaeef2;vertical-align:top"
_PRE = (
    "background:#f6f8fa;border-radius:4px;padding:6px 8px;margin:4px 0;white-space:pre-wrap;"
    "word-break:break-word;font-size:12px;max-height:360px;overflow:auto;text-align:left"
)
_MUTED = "color:#59636e"
_COLORS = {"ok": "#1a7f37", "error": "#cf222e", "wait": "#9a6700", "info": "#0969da"}
_ROLE_COLORS = {"user": "#0969da", "model": "#8250df", "tool": "#9a6700", "result": "#1a7f37"}


def _e(value: Any) -> str:
    """HTML-escape anything (None shows as an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def _badge(text: str, tone: str = "info") -> str:
    color = _COLORS.get(tone, tone)
    return (
        f'<span style="display:inline-block;padding:0 6px;margin-right:4px;border-radius:10px;'
        f'border:1px solid {color};color:{color};font-size:11px">{_e(text)}</span>'
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table; cells are already-escaped HTML."""
    head = "".join(f'<th style="{_TH}">{_e(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td style="{_TD}">{cell}</td>' for cell in row) + "</tr>" for row in rows
    )
    return f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _pre(text: str) -> str:
    return f'<pre style="{_PRE}">{_e(text)}</pre>'


def _json(value: Any) -> str:
    """Pretty JSON; a string that is JSON is parsed first, any other string shown as is."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return str(value)
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _box(inner: str) -> str:
    return f'<div class="toolbridge" style="{_BOX}">{inner}</div>'


# -- actions ----------------------------------------------------------------------------------


def _endpoint(action: Action) -> str:
    base = (action.base_url or "").rstrip("/")
    url = action.request.url
    return f"{action.request.method} {url if '://' in url else base + url}"


def _auth(action: Action) -> str:
    auth = action.auth
    if auth.type == "none":
        return "none"
    names = [n for n in (auth.secret, auth.username, auth.password) if n]
    where = f" {auth.name}" if auth.name else ""
    return f"{auth.type}{where} ({', '.join(names)})" if names else auth.type


def _constraints(variable: Variable) -> list[str]:
    out = []
    if variable.enum:
        out.append("one of " + ", ".join(str(v) for v in variable.enum))
    if variable.pattern:
        out.append(f"pattern {variable.pattern}")
    if variable.minimum is not None or variable.maximum is not None:
        out.append(
            f"range {variable.minimum if variable.minimum is not None else ''}.."
            f"{variable.maximum if variable.maximum is not None else ''}"
        )
    if variable.min_length is not None or variable.max_length is not None:
        out.append(f"length {variable.min_length or 0}..{variable.max_length or ''}")
    if variable.default is not None:
        out.append(f"default {json.dumps(variable.default, ensure_ascii=False)}")
    if variable.source == "constant":
        out.append(f"value {json.dumps(variable.value, ensure_ascii=False, default=str)}")
    return out


def _type(variable: Variable) -> str:
    if variable.type == "array" and variable.items is not None:
        return f"array of {variable.items.type}"
    return variable.type


def _example(variable: Variable) -> str:
    if variable.example is None:
        return ""
    return json.dumps(variable.example, ensure_ascii=False, default=str)


def _safety(action: Action) -> list[str]:
    safety = action.safety
    out = []
    if action.needs_confirmation:
        out.append("requires confirmation")
    if safety.requires_identity_verification:
        out.append("requires identity verification")
    if safety.idempotency_key:
        out.append(f"idempotency key {safety.idempotency_key}")
    if safety.rate_limit:
        out.append(f"rate limit {safety.rate_limit}")
    return out


def action_html(action: Action) -> str:
    """An action: endpoint, auth, safety, and its variables as a table."""
    head = (
        f'<div><b style="font-size:14px">{_e(action.name)}</b> '
        f"{_badge(action.kind or '', 'wait' if action.kind == 'write' else 'info')}"
        f"{_badge(action.trigger, 'info')}"
        + "".join(_badge(s, "wait") for s in _safety(action))
        + "</div>"
    )
    lines = [
        head,
        f'<div style="{_MUTED}"><code>{_e(_endpoint(action))}</code> · auth: '
        f"{_e(_auth(action))}</div>",
    ]
    if action.description:
        lines.append(f"<div>{_e(action.description)}</div>")
    if action.variables:
        rows = []
        for v in action.variables:
            extra = _constraints(v)
            note = (
                f'<div style="{_MUTED};font-size:11px">{_e("; ".join(extra))}</div>'
                if extra
                else ""
            )
            rows.append(
                [
                    f"<code>{_e(v.name)}</code>",
                    _e(_type(v)),
                    "yes" if v.required else "",
                    _e(v.source),
                    _e(v.description) + note,
                    f"<code>{_e(_example(v))}</code>" if v.example is not None else "",
                ]
            )
        lines.append(_table(["name", "type", "required", "source", "description", "example"], rows))
    else:
        lines.append(f'<div style="{_MUTED}">no variables</div>')
    return _box("".join(lines))


def action_text(action: Action) -> str:
    lines = [
        f"{action.name} [{action.kind}, {action.trigger}] {_endpoint(action)}",
        f"  auth: {_auth(action)}",
    ]
    if _safety(action):
        lines.append(f"  safety: {', '.join(_safety(action))}")
    if action.description:
        lines.append(f"  {_short(action.description, 200)}")
    for v in action.variables:
        flags = ", ".join(x for x in (_type(v), "required" if v.required else "", v.source) if x)
        example = f" (e.g. {_example(v)})" if v.example is not None else ""
        lines.append(f"  - {v.name} ({flags}): {_short(v.description, 100)}{example}")
    return "\n".join(lines)


# -- toolkits ---------------------------------------------------------------------------------


def toolkit_html(toolkit: Toolkit) -> str:
    """A toolkit: one row per action (paths only when every action shares one base URL)."""
    bases = {(a.base_url or "").rstrip("/") for a in toolkit.actions}
    shared = bases.pop() if len(bases) == 1 else None
    rows = []
    for a in toolkit.actions:
        variables = ", ".join(
            v.name + ("*" if v.required else "") for v in a.variables if v.source == "model"
        )
        request = f"{a.request.method} {a.request.url}" if shared is not None else _endpoint(a)
        rows.append(
            [
                f"<b>{_e(a.name)}</b>",
                _e(a.kind) + ("" if a.trigger == "on_prompt" else f"<br>{_e(a.trigger)}"),
                f"<code>{_e(request)}</code>",
                f"<code>{_e(variables)}</code>",
                _e(_short(a.description)),
            ]
        )
    count = f"{len(toolkit)} action{'s' if len(toolkit) != 1 else ''}"
    where = f" on <code>{_e(shared)}</code>" if shared else ""
    source = f' <span style="{_MUTED}">from {_e(toolkit.source)}</span>' if toolkit.source else ""
    head = f"<div><b>Toolkit</b>: {count}{where}{source}</div>"
    note = f'<div style="{_MUTED};font-size:11px">* required</div>'
    headers = ["action", "kind", "request", "model variables", "description"]
    return _box(head + _table(headers, rows) + note)


def toolkit_text(toolkit: Toolkit) -> str:
    count = f"{len(toolkit)} action{'s' if len(toolkit) != 1 else ''}"
    lines = [f"Toolkit: {count}" + (f" from {toolkit.source}" if toolkit.source else "")]
    for a in toolkit.actions:
        lines.append(f"  {a.name:<28} {a.kind:<5} {_endpoint(a)}")
    return "\n".join(lines)


# -- results ----------------------------------------------------------------------------------


def _result_summary(result: ToolResult) -> list[str]:
    parts = [result.action, "ok" if result.ok else "failed"]
    if result.status is not None:
        parts.append(f"HTTP {result.status}")
    if result.outcome:
        parts.append(f"outcome {result.outcome}")
    if result.error:
        parts.append(f"error {result.error}")
    return parts


def result_html(result: ToolResult) -> str:
    """A result: status, the masked request, guidance, missing variables, pruned data."""
    tone = "ok" if result.ok else ("wait" if result.error in _WAITING else "error")
    mark = "✓" if result.ok else "✗"
    head = f'<div><b style="color:{_COLORS[tone]}">{mark}</b> <b>{_e(result.action)}</b> '
    if result.status is not None:
        head += _badge(f"HTTP {result.status}", tone)
    if result.outcome:
        head += _badge(result.outcome, tone)
    if result.error:
        head += _badge(result.error, tone)
    if result.attempts > 1:
        head += f'<span style="{_MUTED}">{result.attempts} attempts</span>'
    lines = [head + "</div>"]
    if result.request is not None:
        lines.append(_label("request (secrets masked)") + _pre(_request(result.request)))
    if result.guidance:
        lines.append(
            f'<div style="border-left:3px solid {_COLORS[tone]};padding-left:8px;margin:4px 0">'
            f"<b>guidance</b>: {_e(result.guidance)}</div>"
        )
    if result.missing:
        rows = [
            [
                f"<code>{_e(m.name)}</code>",
                _e(m.description),
                f"<code>{_e(json.dumps(m.example, ensure_ascii=False, default=str))}</code>"
                if m.example is not None
                else "",
            ]
            for m in result.missing
        ]
        lines.append(_table(["missing", "description", "example"], rows))
    if result.problems:
        lines.append(
            '<ul style="margin:4px 0">'
            + "".join(f"<li>{_e(p)}</li>" for p in result.problems)
            + "</ul>"
        )
    if result.data is not None:
        lines.append(_label("data the model sees") + _pre(_json(result.data)))
    return _box("".join(lines))


def _label(text: str) -> str:
    return f'<div style="{_MUTED};font-size:11px;margin-top:4px">{_e(text)}</div>'


def _request(request: RequestSummary) -> str:
    lines = [f"{request.method} {request.url}"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    if request.body:
        lines += ["", _json(request.body)]
    return "\n".join(lines)


_WAITING = frozenset({"needs_input", "needs_confirmation", "identity_required"})


def result_text(result: ToolResult) -> str:
    lines = [" · ".join(_result_summary(result))]
    if result.request is not None:
        lines.append("  request: " + result.request.describe().replace("\n", "\n           "))
    if result.guidance:
        lines.append(f"  guidance: {result.guidance}")
    for m in result.missing:
        lines.append(f"  missing: {m.name}: {m.description}")
    for p in result.problems:
        lines.append(f"  problem: {p}")
    if result.data is not None:
        lines.append("  data: " + _json(result.data).replace("\n", "\n  "))
    return "\n".join(lines)


# -- conversations ----------------------------------------------------------------------------


def _messages(source: Any) -> list[Any]:
    transcript = getattr(source, "transcript", source)
    return list(transcript or [])


def _turns(messages: list[Any]) -> list[list[Any]]:
    turns: list[list[Any]] = []
    for message in messages:
        if getattr(message, "role", None) == "user" or not turns:
            turns.append([])
        turns[-1].append(message)
    return turns


def _arguments(call: Any) -> str:
    parsed = call.parsed() if hasattr(call, "parsed") else {}
    return json.dumps(parsed, ensure_ascii=False, default=str) if parsed else str(call.arguments)


def _row(role: str, body: str) -> str:
    color = _ROLE_COLORS.get(role, "#59636e")
    return (
        f'<div style="display:flex;gap:8px;margin:3px 0"><div style="min-width:56px;color:{color};'
        f'font-weight:600;text-align:right">{_e(role)}</div><div style="flex:1;min-width:0">{body}'
        "</div></div>"
    )


def _result_badge(content: str, is_error: bool) -> str:
    """`HTTP 200 found`, `needs_input`, ...: what a tool result message says, at a glance."""
    try:
        parsed = json.loads(content)
    except (ValueError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        return _badge("error" if is_error else "ok", "error" if is_error else "ok")
    error = parsed.get("error")
    status = parsed.get("status")
    words = [f"HTTP {status}" if status is not None else "", str(parsed.get("outcome") or "")]
    text = " ".join(w for w in [*words, str(error or "")] if w) or ("error" if is_error else "ok")
    tone = "ok" if not is_error else ("wait" if error in _WAITING else "error")
    return _badge(text, tone)


def transcript_html(source: Any) -> str:
    """A conversation turn by turn (a `Session`, or a list of transcript messages)."""
    parts = []
    for number, turn in enumerate(_turns(_messages(source)), 1):
        rows = [f'<div style="{_MUTED};font-size:11px;margin-top:6px">turn {number}</div>']
        for message in turn:
            role = getattr(message, "role", "")
            if role == "user":
                rows.append(_row("user", _e(message.text)))
            elif role == "assistant":
                if message.text:
                    rows.append(_row("model", _e(message.text)))
                for call in message.tool_calls:
                    rows.append(
                        _row("tool", f"<code>{_e(call.name)}({_e(_arguments(call))})</code>")
                    )
            elif role == "tool":
                label = _result_badge(message.content, message.is_error)
                rows.append(
                    _row(
                        "result",
                        f"{label}<code>{_e(message.name)}</code>" + _pre(_json(message.content)),
                    )
                )
        parts.append("".join(rows))
    pending = getattr(source, "pending", None)
    if pending is not None:
        parts.append(
            _row("waiting", f"{_badge('needs confirmation', 'wait')}" + _pre(pending.describe()))
        )
    if getattr(source, "ended", False):
        parts.append(f'<div style="{_MUTED}">conversation ended</div>')
    if not parts:
        parts.append(f'<div style="{_MUTED}">no messages yet</div>')
    return _box("".join(parts))


def transcript_text(source: Any) -> str:
    lines = []
    for number, turn in enumerate(_turns(_messages(source)), 1):
        lines.append(f"-- turn {number}")
        for message in turn:
            role = getattr(message, "role", "")
            if role == "user":
                lines.append(f"user:   {message.text}")
            elif role == "assistant":
                if message.text:
                    lines.append(f"model:  {message.text}")
                lines += [f"tool:   {c.name}({_arguments(c)})" for c in message.tool_calls]
            elif role == "tool":
                lines.append(f"result: {message.name} → {_short(message.content, 300)}")
    pending = getattr(source, "pending", None)
    if pending is not None:
        lines.append("waiting for confirmation: " + pending.describe().replace("\n", " "))
    return "\n".join(lines) or "(no messages yet)"


# -- dispatch ---------------------------------------------------------------------------------


def to_html(obj: Any) -> str:
    """The HTML view of an Action, Toolkit, ToolResult, Session or transcript list."""
    return str(_pick(obj)[0](obj))


def to_text(obj: Any) -> str:
    """The plain-text view of the same objects."""
    return str(_pick(obj)[1](obj))


def _pick(obj: Any) -> tuple[Any, Any]:
    from .actions.models import Action
    from .results import ToolResult
    from .toolkit import Toolkit

    if isinstance(obj, Action):
        return action_html, action_text
    if isinstance(obj, Toolkit):
        return toolkit_html, toolkit_text
    if isinstance(obj, ToolResult):
        return result_html, result_text
    if hasattr(obj, "transcript") or isinstance(obj, (list, tuple)):
        return transcript_html, transcript_text
    raise TypeError(f"toolbridge.display cannot show a {type(obj).__name__}")


def pretty(obj: Any, printer: Any, cycle: bool) -> None:
    """IPython's `_repr_pretty_` protocol."""
    printer.text("..." if cycle else to_text(obj))
