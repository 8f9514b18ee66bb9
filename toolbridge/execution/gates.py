"""The gates a call passes before anything is sent (SPEC §3.4): identity, confirmation,
rate limit. Each returns None (pass) or the `ToolResult` that stops the call.

Confirmation is a token, not a flag: `needs_confirmation` results carry an HMAC of the
action name and the exact checked values, keyed per executor. The host application
passes it back (`confirm=`) once the user agreed. The model never sees the token
(`for_model()` leaves it out) and cannot send one (an argument named `confirm` is an
unknown field), and a token for other values does not confirm this call.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from .. import results as r
from ..actions.models import Action
from ..guidance import guidance_for
from ..results import RequestSummary, ToolResult
from .ratelimit import RateLimiter, parse_rate

_MISMATCH = "the confirmation does not match this exact call; ask the user to confirm it again"


def identity_problem(action: Action, context: Mapping[str, Any]) -> ToolResult | None:
    """`requires_identity_verification` needs `context["identity_verified"] is True`."""
    if not action.safety.requires_identity_verification:
        return None
    if context.get("identity_verified") is True:
        return None
    return ToolResult(
        action=action.name, ok=False, error=r.IDENTITY_REQUIRED,
        guidance=guidance_for(r.IDENTITY_REQUIRED, action),
    )


def _canonical(action: Action, values: Mapping[str, Any], context: Mapping[str, Any]) -> bytes:
    # Context-sourced values are part of the exact call too (whose account is refunded).
    from_context = {v.name: context.get(v.name) for v in action.variables if v.source == "context"}
    # Bound to the conversation too: a yes given in one chat never confirms another's call.
    payload = [action.name, dict(values), from_context, context.get("conversation_id")]
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def confirmation_token(
    key: bytes, action: Action, values: Mapping[str, Any], context: Mapping[str, Any]
) -> str:
    """HMAC-SHA256 over the action name, the checked values, the context-sourced values and
    the conversation id, as canonical JSON."""
    return hmac.new(key, _canonical(action, values, context), hashlib.sha256).hexdigest()


def confirmation_problem(
    key: bytes,
    action: Action,
    values: Mapping[str, Any],
    context: Mapping[str, Any],
    confirm: str | None,
    summary: RequestSummary,
) -> ToolResult | None:
    """None when no confirmation is needed or `confirm` is this call's token."""
    if not action.needs_confirmation:
        return None
    token = confirmation_token(key, action, values, context)
    if confirm is not None and hmac.compare_digest(str(confirm), token):
        return None
    return ToolResult(
        action=action.name, ok=False, error=r.NEEDS_CONFIRMATION,
        guidance=guidance_for(r.NEEDS_CONFIRMATION, action),
        problems=(_MISMATCH,) if confirm is not None else (),
        data={"request": summary.describe()},
        request=summary, confirmation=token,
    )


def rate_limit_problem(action: Action, limiter: RateLimiter) -> ToolResult | None:
    """Takes a slot when `safety.rate_limit` allows one; the result says when to retry."""
    if action.safety.rate_limit is None:
        return None
    limit, period = parse_rate(action.safety.rate_limit)
    wait = limiter.acquire(action.name, limit, period)
    if wait is None:
        return None
    seconds = max(1, round(wait))
    return ToolResult(
        action=action.name, ok=False, error=r.RATE_LIMITED,
        guidance=guidance_for(r.RATE_LIMITED, action)
        + f" The limit frees up in about {seconds} second{'s' if seconds != 1 else ''}.",
    )
