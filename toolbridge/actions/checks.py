"""Load-time checks of whole actions: what pydantic's per-field rules cannot see.

Used for action files and for actions built in Python alike. Every check is pure and
returns `Problem`s (errors and warnings) instead of raising, so a file reports every
mistake at once. The placeholder grammar comes from `toolbridge.templates`; argument
value rules (does a `default` fit its type?) come from `toolbridge.arguments`, so a value
accepted here is accepted at call time.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..errors import Problem
from ..results import ERROR_CODES
from ..templates import (
    PATH_PARAM,
    PLACEHOLDER,
    RUNTIME_NAMES,
    path_params,
    placeholders,
    secret_name,
)
from .models import NAME_PATTERN, Action, Auth
from .report import FieldPath, LineLookup, Report
from .variable_checks import check_variables

SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token
ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
TOOL_NAME = re.compile(NAME_PATTERN)
# The HTTP client computes these; a template could otherwise steer routing or framing.
FORBIDDEN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
DESCRIPTION_RANGE = (20, 1024)


def check_actions(
    actions: Sequence[Action],
    file: str | None = None,
    lines: Sequence[LineLookup | None] | None = None,
) -> list[Problem]:
    """Every error and warning in `actions` (`lines[i]` locates paths of `actions[i]`)."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for index, action in enumerate(actions):
        lookup = lines[index] if lines is not None and index < len(lines) else None
        report = Report(problems, file, action.name, lookup)
        if action.name in first:
            report.add(
                ("name",),
                f"duplicate action name: '{action.name}' is already defined"
                f" (action #{first[action.name] + 1}); tool names must be unique",
            )
        first.setdefault(action.name, index)
        _check_action(action, report)
    return problems


def base_url_problem(url: str) -> str | None:
    """What is wrong with a base_url, if anything."""
    if "{" in url or "}" in url:
        return "host is never templated: base_url cannot contain placeholders"
    problem = _origin_problem(url, "base_url")
    if problem:
        return problem
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return "base_url cannot have a query string or fragment; put query values in request.query"
    return None


def auth_problems(auth: Auth) -> list[tuple[FieldPath, str]]:
    """What is inconsistent in an auth block, as (path, message) pairs."""
    needs = {
        "none": (),
        "bearer": ("secret",),
        "basic": ("username", "password"),
        "header": ("secret", "name"),
        "query": ("secret", "name"),
        "body": ("secret", "name"),
    }[auth.type]
    hints = {
        "secret": "the name of the secret holding the token, e.g. API_TOKEN",
        "username": "the name of the secret holding the username, e.g. API_USER",
        "password": "the name of the secret holding the password, e.g. API_PASSWORD",
        "name": {
            "header": "the header to send, e.g. X-API-Key",
            "query": "the query parameter, e.g. api_key",
            "body": "the body field, e.g. api_key",
        }.get(auth.type, ""),
    }
    out: list[tuple[FieldPath, str]] = []
    for key in ("secret", "username", "password", "name"):
        value = getattr(auth, key)
        if key in needs and not value:
            out.append((("auth", key), f"{auth.type} auth needs {key}: {hints[key]}"))
        elif key not in needs and value is not None:
            out.append((("auth", key), f"{key} is not used by auth type '{auth.type}'"))
        elif value and key != "name" and not SECRET_NAME.match(value):
            out.append(
                (
                    ("auth", key),
                    f"'{_clip(value)}' is not a secret name: name an"
                    " environment variable or .env entry (letters, digits, _), never"
                    " paste the secret itself",
                )
            )
    if auth.type == "header" and auth.name and not HEADER_NAME.match(auth.name):
        out.append((("auth", "name"), f"'{auth.name}' is not a valid header name"))
    return out


# -- one action ---------------------------------------------------------------------


def _check_action(action: Action, report: Report) -> None:
    if not TOOL_NAME.match(action.name):
        report.add(
            ("name",),
            "must be 1-64 letters, digits, '_' or '-' (it is the tool"
            f" name the model calls); got {action.name!r}",
        )
    names = {v.name for v in action.variables}
    _check_url(action, report)
    _check_templates(action, names | RUNTIME_NAMES, report)
    _check_body(action, report)
    for path, message in auth_problems(action.auth):
        report.add(path, message)
    if action.base_url is not None:
        problem = base_url_problem(action.base_url)
        if problem:
            report.add(("base_url",), problem)
    check_variables(action.variables, ("variables",), report, top=True)
    _check_outcomes(action, report)
    _check_guidance(action, report)
    _warn(action, report)


def _check_url(action: Action, report: Report) -> None:
    url, where = action.request.url, ("request", "url")
    if ABSOLUTE.match(url):
        authority = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0]
        if "{" in authority or "}" in authority:
            report.add(
                where,
                "host is never templated: the scheme, host and port of the url"
                " cannot contain placeholders",
            )
            return
        problem = _origin_problem(url, "url")
        if problem:
            report.add(where, problem)
            return
    elif action.base_url is None:
        report.add(
            where,
            f"url '{_clip(url)}' is relative but no base_url is set (set"
            " base_url on the action or in the file's defaults)",
        )
    for name in placeholders(url):
        report.add(
            where,
            f"url uses {{{{{name}}}}}: write {{{name}}} for a path parameter,"
            " and put query values in request.query",
        )
    path, _, query = url.partition("?")
    if PATH_PARAM.search(query):
        report.add(
            where,
            "path parameters belong in the path; put query values in"
            " request.query with {{name}} placeholders",
        )
    stray = PATH_PARAM.sub("", PLACEHOLDER.sub("", path))
    if "{" in stray or "}" in stray:
        report.add(where, "url has a '{' or '}' that is not a path parameter {name}")
    for name in dict.fromkeys(path_params(path)):
        var = action.variable(name)
        if var is None:
            report.add(
                where, f"url uses path parameter {{{name}}} but no variable '{name}' is defined"
            )
        elif var.base_type in ("array", "object"):
            report.add(
                where,
                f"path parameter {{{name}}} must be a single value, but variable"
                f" '{name}' is {var.type}",
            )
        elif var.source == "model" and not var.required and var.default is None:
            report.add(
                where,
                f"path parameter {{{name}}} needs a value on every call: make"
                f" variable '{name}' required or give it a default",
            )


def _check_templates(action: Action, known: frozenset[str] | set[str], report: Report) -> None:
    request = action.request
    variables = {v.name for v in action.variables}
    for key, value in request.query.items():
        path = ("request", "query", key)
        if "{" in key:
            report.add(path, "query parameter names are not templated; only values are")
        _check_text(report, path, f"query parameter {key}", value, known, variables)
    for key, value in request.headers.items():
        path = ("request", "headers", key)
        if not HEADER_NAME.match(key):
            report.add(path, f"'{key}' is not a valid header name (header names are not templated)")
        elif key.lower() in FORBIDDEN_HEADERS:
            report.add(path, f"the {key} header is set by the HTTP client and cannot be set here")
        if "\r" in value or "\n" in value:
            report.add(path, "header values cannot contain line breaks")
        _check_text(report, path, f"header {key}", value, known, variables, secrets_ok=True)
    for at, text in _strings(request.body, ("request", "body")):
        _check_text(report, ("request", "body"), "body", text, known, variables, at=at)
    idempotency_key = action.safety.idempotency_key
    if idempotency_key is not None:
        where = ("safety", "idempotency_key")
        _check_text(report, where, "idempotency_key", idempotency_key, known, variables)


def _check_text(
    report: Report,
    path: FieldPath,
    where: str,
    text: str,
    known: frozenset[str] | set[str],
    variables: set[str],
    *,
    secrets_ok: bool = False,
    at: FieldPath | None = None,
) -> None:
    for name in placeholders(text):
        secret = secret_name(name)
        shown = "{{" + name + "}}"
        if secret is not None:
            if not secrets_ok:
                report.add(
                    path,
                    f"{where} uses {shown} but secrets may only appear in header"
                    " values (or be sent by auth)",
                    at=at,
                )
            elif not SECRET_NAME.match(secret):
                report.add(
                    path,
                    f"{where} uses {shown} but '{secret}' is not a secret name"
                    " (letters, digits and _, like an environment variable)",
                    at=at,
                )
        elif "." in name or "-" in name:
            report.add(
                path,
                f"{where} uses {shown} but placeholders are flat names: declare"
                f" a variable such as '{re.sub('[.-]', '_', name)}'",
                at=at,
            )
        elif name not in known:
            report.add(path, f"{where} uses {shown} but no variable '{name}' is defined", at=at)
    rest = PLACEHOLDER.sub("", text)
    if "{{" in rest:
        report.add(
            path,
            f"{where} has a '{{{{' that is not a placeholder like {{{{name}}}};"
            " it will be sent as written",
            at=at,
            warning=True,
        )
    for name in path_params(rest):
        if name in variables:
            report.add(
                path,
                f"{where} contains {{{name}}}; outside the url path placeholders"
                f" are written {{{{{name}}}}}",
                at=at,
                warning=True,
            )


def _check_body(action: Action, report: Report) -> None:
    request, where = action.request, ("request", "body")
    if request.body is None:
        pass
    elif request.body_format == "form" and not isinstance(request.body, dict):
        report.add(where, "a form body must be a mapping of field names to values")
    elif request.body_format in ("xml", "text") and not isinstance(request.body, str):
        report.add(where, f"an {request.body_format} body must be a string template")
    if action.auth.type == "body" and not (
        request.body_format in ("json", "form") and isinstance(request.body, (dict, type(None)))
    ):
        report.add(
            ("auth", "type"), "body auth needs a JSON object or form body to add the secret to"
        )


def _check_outcomes(action: Action, report: Report) -> None:
    if not action.outcomes:
        return
    try:
        from ..execution.outcomes import ConditionError, parse_condition
    except ModuleNotFoundError as exc:
        if exc.name in ("toolbridge.execution", "toolbridge.execution.outcomes"):
            return  # the evaluator is not installed in this build; conditions are checked later
        raise
    for index, outcome in enumerate(action.outcomes):
        try:
            parse_condition(outcome.when)
        except ConditionError as exc:
            report.add(("outcomes", index, "when"), str(exc))  # it quotes the condition


def _check_guidance(action: Action, report: Report) -> None:
    for code in action.guidance:
        if code not in ERROR_CODES:
            close = difflib.get_close_matches(code, sorted(ERROR_CODES), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            report.add(("guidance", code), f"'{code}' is not an error code{hint}")


def _warn(action: Action, report: Report) -> None:
    low, high = DESCRIPTION_RANGE
    size = len(action.description.strip())
    if action.trigger == "on_prompt" and size < low:
        report.add(
            ("description",),
            f"description is short ({size} characters): say what the"
            " action does and when to use it; the model picks tools by it",
            warning=True,
        )
    elif size > high:
        report.add(
            ("description",),
            f"description is long ({size} characters, over {high}):"
            " it is sent with every model request",
            warning=True,
        )
    for index, var in enumerate(action.variables):
        if var.source == "model" and not var.description.strip():
            report.add(
                ("variables", index, "description"),
                f"variable '{var.name}' has no"
                " description; the model relies on it to ask for the value",
                warning=True,
            )
    required = [v.name for v in action.model_variables if v.required]
    if action.trigger == "on_chat_end" and required:
        report.add(
            ("trigger",),
            "on_chat_end actions run when the session ends, with what the"
            f" conversation collected; required {', '.join(required)} may be missing"
            " then",
            warning=True,
        )
    if action.request.method == "DELETE" and action.safety.requires_confirmation is None:
        report.add(
            ("safety",),
            "DELETE without safety.requires_confirmation: set true to ask"
            " the user first (or false to say you mean it)",
            warning=True,
        )


# -- helpers ------------------------------------------------------------------------


def _origin_problem(url: str, what: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return f"{what} is not a valid URL: {exc}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{what} must be an absolute http:// or https:// URL, e.g. https://api.example.com"
    if parts.username is not None or parts.password is not None:
        return f"{what} cannot hold credentials; use auth with named secrets"
    if not parts.hostname.isascii() or "xn--" in parts.hostname:
        # An IDNA name: the client's own parse judges it (one it refuses would fail every
        # call). Imported here: loading a file need not import the HTTP client otherwise.
        import httpx2

        try:
            httpx2.URL(f"{parts.scheme}://{parts.netloc}").host  # noqa: B018 - it decodes
        except (httpx2.InvalidURL, ValueError) as exc:  # idna's error is a ValueError
            return f"{what} has a host the HTTP client refuses: {exc}"
    return None


def _strings(value: Any, path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    """Every string in a JSON-like body with its path (keys are not templated)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
