"""Audit events, and keeping secrets and argument values out of every log line.

Every executed or refused call gives one structured event (SPEC §5): action, arguments
(values only with `safety.audit: full`, and even then with `output.redact` paths and
secrets masked), the masked request, status, outcome, error, attempts, timing, and the
reason when nothing was sent. It goes to the `toolbridge.audit` logger (the event in
`record.audit`; the message text holds no argument value) and to the optional callback.

The HTTP client we drive logs too: httpx2 logs the full URL at INFO (a query-string
secret, path values), httpcore2 traces at DEBUG. `LibraryLogFilter`, installed by the
executor on those loggers, replaces the URL with the action's URL template and masks
every secret value and the call's argument values before any handler sees the record.
"""

from __future__ import annotations

import contextvars
import logging
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, quote_plus

from .actions.models import Action
from .pruning import scrub
from .results import ToolResult
from .secrets import MASK, SecretStore

logger = logging.getLogger("toolbridge.audit")

AuditCallback = Callable[[dict[str, Any]], None]

LIBRARY_LOGGERS = (
    "httpx2", "httpcore2.connection", "httpcore2.http11", "httpcore2.http2",
    "httpcore2.proxy", "httpcore2.socks",
)
"""Every logger httpx2 and httpcore2 write to (a filter on a parent does not see a
child's records, so each one gets the filter)."""


def url_template(action: Action) -> str:
    """`https://api.example.com/orders/{order_number}`: the URL with no value in it."""
    url = action.request.url
    if "://" in url or not action.base_url:
        return url
    return action.base_url.rstrip("/") + "/" + url.lstrip("/")


def _redact(value: Any, steps: list[str]) -> Any:
    if not steps:
        return MASK if value not in (None, "") else value
    head, rest = steps[0], steps[1:]
    if isinstance(value, list):
        return [_redact(item, steps) for item in value]
    if isinstance(value, dict) and (head in value or head == "*"):
        return {k: _redact(v, rest) if head in (k, "*") else v for k, v in value.items()}
    return value


def redacted_arguments(
    action: Action, values: Mapping[str, Any], secret_values: Iterable[str]
) -> dict[str, Any]:
    """Argument values as `audit: full` records them: redact paths and secrets masked."""
    out: Any = dict(values)
    for path in action.output.redact if action.output else ():
        steps = [s for s in path.replace("[]", "").split(".") if s]
        out = _redact(out, steps)
    return scrub(out, secret_values)  # type: ignore[no-any-return]


def audit_event(
    action: Action | None,
    name: str,
    values: Mapping[str, Any] | None,
    result: ToolResult,
    *,
    sent: bool,
    time: datetime,
    conversation_id: str | None,
    secret_values: Iterable[str] = (),
) -> dict[str, Any]:
    """The event for one call; `sent` is False when a gate or a check stopped it."""
    full = action is not None and action.safety.audit == "full"
    arguments: dict[str, Any] | None = None
    if values is not None:
        arguments = (redacted_arguments(action, values, secret_values) if full and action
                     else dict.fromkeys(values, MASK))
    request: dict[str, Any] | None = None
    if full and result.request is not None:
        request = {"method": result.request.method, "url": result.request.url}
    elif action is not None:
        request = {"method": action.request.method, "url": url_template(action)}
    return {
        "event": "toolbridge.call",
        "time": time.isoformat(),
        "action": name,
        "conversation_id": conversation_id,
        "arguments": arguments,
        "request": request,
        "ok": result.ok,
        "status": result.status,
        "outcome": result.outcome,
        "error": result.error,
        "attempts": result.attempts,
        "elapsed_ms": result.elapsed_ms,
        "refused": None if sent else result.error,
    }


def wants_events(callback: AuditCallback | None) -> bool:
    """Building an event costs microseconds: only when someone listens."""
    return callback is not None or logger.isEnabledFor(logging.INFO)


def emit(event: dict[str, Any], callback: AuditCallback | None) -> None:
    """To the `toolbridge.audit` logger (event in `record.audit`) and the callback."""
    if logger.isEnabledFor(logging.INFO):
        if event["refused"]:
            state = f"refused ({event['refused']})"
        elif event["ok"]:
            state = f"ok status={event['status']} outcome={event['outcome']}"
        else:
            state = f"error {event['error']} status={event['status']}"
        logger.info("toolbridge call %s: %s attempts=%s elapsed_ms=%s", event["action"], state,
                    event["attempts"], event["elapsed_ms"], extra={"audit": event})
    if callback is not None:
        callback(event)


# -- library log hygiene -----------------------------------------------------------------


CallScope = tuple[Action, tuple[str, ...], Mapping[str, Any]]
"""What the library log filter needs to know about the call in progress: the action (its
URL template is shown instead of the real URL), the call's secret values and its argument
values. A plain tuple: one is made for every call."""


CURRENT_CALL: contextvars.ContextVar[CallScope | None] = contextvars.ContextVar(
    "toolbridge_call", default=None
)
_STORES: weakref.WeakSet[SecretStore] = weakref.WeakSet()


def _forms(values: Iterable[str]) -> list[str]:
    forms: set[str] = set()
    for value in values:
        # httpcore2's trace logs headers as reprs of bytes: a backslash or quote in a
        # secret shows there escaped, so mask the str and bytes repr forms too.
        forms.update((value, quote(value, safe=""), quote_plus(value), repr(value)[1:-1],
                      repr(value.encode("utf-8", "backslashreplace"))[2:-1]))
    return sorted((f for f in forms if f), key=len, reverse=True)


class LibraryLogFilter(logging.Filter):
    """Rewrites httpx2/httpcore2 records: URL → template, secrets and values → `***`.

    Runs only for records that are actually emitted (a disabled level costs nothing).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        import httpx2

        scope = CURRENT_CALL.get()
        masks: set[str] = set()
        for store in list(_STORES):
            masks.update(store.known_values())
        args = record.args
        if scope is not None:
            action, secret_values, values = scope
            masks.update(secret_values)
            for value in values.values():
                if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    text = str(value)
                    if len(text) >= 3:
                        masks.add(text)
            if isinstance(args, tuple):
                shown = f"{url_template(action)} (toolbridge)"
                args = tuple(shown if isinstance(a, httpx2.URL) else a for a in args)
        elif isinstance(args, tuple):
            # Outside a call we know no template: keep the URL's origin and path only.
            args = tuple(a.copy_with(query=None) if isinstance(a, httpx2.URL) else a
                         for a in args)
        record.args = args
        message = record.getMessage()
        for form in _forms(m for m in masks if len(m) >= 3):
            message = message.replace(form, MASK)
        record.msg, record.args = message, None
        return True


_FILTER = LibraryLogFilter()


def install_library_log_filter(secrets: SecretStore) -> None:
    """Idempotent: put the filter on every httpx2/httpcore2 logger and remember `secrets`
    (weakly) so its values are masked even in records outside a call."""
    _STORES.add(secrets)
    for name in LIBRARY_LOGGERS:
        target = logging.getLogger(name)
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
