"""What the model is told to do next: the one map from HTTP status to error code, and
the default guidance for every error code.

Pure data and lookups. Which code a failure gets is decided here (`error_for_status`)
and nowhere else; the executor only reports what happened. Action authors override the
text per code (`action.guidance`) or per outcome (`outcome.guidance`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import results as r
from .actions.models import Action, Outcome

_BY_STATUS: Mapping[int, str] = {
    400: r.BAD_REQUEST,
    401: r.UNAUTHORIZED,
    403: r.FORBIDDEN,
    404: r.NOT_FOUND,
    409: r.CONFLICT,
    422: r.UNPROCESSABLE,
    # SPEC §3.9: 429 and 5xx are "temporarily unavailable" for the model; the retry
    # policy (which already waited) is the executor's business, not the model's.
    429: r.UNAVAILABLE,
}


def error_for_status(status: int) -> str | None:
    """The error code for an HTTP status; None for success (1xx, 2xx and 3xx)."""
    if status < 400:
        return None
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if 500 <= status <= 599:
        return r.UNAVAILABLE
    return r.HTTP_ERROR


DEFAULT_GUIDANCE: dict[str, str] = {
    r.INVALID_ARGUMENTS: (
        "The arguments were not valid. Fix each problem listed and call the tool again; "
        "ask the user if you do not know the right value."
    ),
    r.NEEDS_INPUT: (
        "Some required information is missing. Ask the user for every missing item in one "
        "message, then call the tool again. Do not guess values."
    ),
    r.UNKNOWN_TOOL: "There is no tool with that name. Use one of the tools you were given.",
    r.NEEDS_CONFIRMATION: (
        "This action needs the user's explicit confirmation. Tell the user exactly what will "
        "be done and wait for their answer; do not call the tool again on your own."
    ),
    r.IDENTITY_REQUIRED: (
        "The user's identity must be verified before this action. Explain that, and do not "
        "retry until the verification is complete."
    ),
    r.RATE_LIMITED: (
        "This action has been used too often just now. Do not retry right away; tell the "
        "user to try again in a little while."
    ),
    r.BLOCKED: (
        "This action is not available here. Do not retry it; tell the user you cannot do "
        "this now and offer another way to help."
    ),
    r.UNAUTHORIZED: (
        "The service rejected our credentials: a configuration problem, not the user's fault. "
        "Do not retry. Apologise and offer to connect the user with a human."
    ),
    r.FORBIDDEN: (
        "The service refused access: a permissions problem on our side. Do not retry. "
        "Apologise and offer to connect the user with a human."
    ),
    r.NOT_FOUND: (
        "Nothing was found with the identifier used. Ask the user to double-check it "
        "(typos, missing prefix) before trying again."
    ),
    r.CONFLICT: (
        "The service refused because of the current state of the record. Explain what it "
        "rejected to the user; do not repeat the same request."
    ),
    r.UNPROCESSABLE: (
        "The service rejected the values sent. Explain what it rejected, ask the user for "
        "corrected values, then try again."
    ),
    r.BAD_REQUEST: (
        "The service rejected the request as malformed. Check the values with the user; "
        "if they look right, do not retry and offer a human instead."
    ),
    r.UNAVAILABLE: (
        "The service is temporarily unavailable and the call was already retried. Do not "
        "retry now; tell the user to try again later."
    ),
    r.TIMEOUT: (
        "The service did not answer in time. Do not retry now; tell the user it is slow "
        "at the moment and to try again later. A change may or may not have been made."
    ),
    r.CONNECTION_ERROR: (
        "The service could not be reached. Do not retry now; tell the user it is "
        "unreachable at the moment and to try again later."
    ),
    r.RESPONSE_TOO_LARGE: (
        "The service sent back more data than allowed. Narrow the request (more specific "
        "values) if the tool allows it; otherwise tell the user it cannot be shown."
    ),
    r.INVALID_RESPONSE: (
        "The service sent back a response that could not be read. Do not retry; tell the "
        "user something went wrong on our side."
    ),
    r.HTTP_ERROR: (
        "The service returned an error. Do not retry; tell the user the request could not "
        "be completed."
    ),
    r.REJECTED: (
        "The user (or the application) declined this action. Do not call it again unless "
        "the user asks for it."
    ),
}
"""Default guidance per error code; `tests/test_guidance.py` checks every code has one."""


def guidance_for(
    code: str,
    action: Action | None = None,
    outcome: Outcome | None = None,
    detail: str | None = None,
) -> str:
    """The instruction for the model: outcome's own > action's per-code > default.

    `detail` (e.g. the API's own error message) is appended after the instruction.
    """
    text = None
    if outcome is not None and outcome.guidance:
        text = outcome.guidance
    elif action is not None and action.guidance.get(code):
        text = action.guidance[code]
    else:
        text = DEFAULT_GUIDANCE.get(code, DEFAULT_GUIDANCE[r.HTTP_ERROR])
    if detail:
        text = f"{text} The service said: {detail}"
    return text


_MESSAGE_KEYS = ("message", "error_description", "detail", "error", "title", "description",
                 "errors", "msg", "reason")


def error_detail(body: Any, max_chars: int = 300) -> str | None:
    """The API's own error message from a (parsed, pruned) error body, shortened.

    Looks at the usual places (`message`, `error.message`, `detail`, `errors[]`, ...);
    None when there is nothing readable.
    """
    text = _find_message(body, depth=0)
    if not text:
        return None
    text = " ".join(text.split())
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return text


def _find_message(value: Any, depth: int) -> str | None:
    if depth > 3:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, list):
        messages = [m for m in (_find_message(v, depth + 1) for v in value[:5]) if m]
        return "; ".join(messages) or None
    if isinstance(value, dict):
        for key in _MESSAGE_KEYS:
            if key in value:
                found = _find_message(value[key], depth + 1)
                if found:
                    where = _field_name(value)
                    return f"{where}: {found}" if where else found
    return None


def _field_name(item: dict[str, Any]) -> str | None:
    """`{"field": "qty", "message": ...}` → "qty" (also `param`, `path`, `loc`)."""
    for key in ("field", "param", "path", "loc", "pointer"):
        name = item.get(key)
        if isinstance(name, list):
            name = ".".join(str(part) for part in name)
        if isinstance(name, (str, int)) and str(name):
            return str(name)
    return None
