"""The per-call scope of rendering: placeholder names resolved to values, substituted once.

Owns `_Scope` (model, constant, context, runtime and secret values for one call, and the
secrets it used), the text forms of values (`_as_text`, `_fill`) and the two ways
rendering fails: `RenderError` for a value the model gave (becomes a `ToolResult`) and
`_bad` for an action built wrongly by hand (raises `ActionFileError`). Used by `render`,
`bodies`, `urls` and `headers`; pure like them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from datetime import timezone as dt_timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import results as r
from ..actions.models import Action
from ..errors import ActionFileError, Problem, ToolbridgeError
from ..secrets import Secret, SecretStore
from ..templates import PLACEHOLDER, RUNTIME_NAMES, secret_name

if TYPE_CHECKING:
    from .render import _Plan

_ABSENT: Any = object()
"""A placeholder with no value (an optional variable left out): its key or header is dropped."""
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


Text = tuple[str, ...]
"""`PLACEHOLDER.split(s)`: literals at even indexes, placeholder names at odd indexes."""


def _bad(action: Action, field: str, message: str) -> ActionFileError:
    return ActionFileError([Problem(None, action.name, field, message)])


def _text_template(text: str) -> Text:
    return tuple(PLACEHOLDER.split(text))


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
