"""Auth settings → the headers, query parameters or body fields that carry the secret.

Pure: secrets come from the `SecretStore` passed in. The values are returned alongside
(`secret_values`) so the renderer can mask them in every summary and the executor can
scrub them from responses that echo them back.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from ..actions.models import Auth
from ..errors import ActionFileError, Problem
from ..secrets import SecretStore


@dataclass(frozen=True, slots=True)
class AuthParts:
    """What one auth setting adds to a request."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    body_fields: dict[str, str] = field(default_factory=dict)
    secret_values: list[str] = field(default_factory=list)
    """Every secret value used (and derived token, e.g. the basic-auth base64), to mask."""


NO_AUTH = AuthParts()


def _required(auth: Auth, attribute: str) -> str:
    value = getattr(auth, attribute)
    if not value:
        # checks.py reports this when the file loads; this guards actions built by hand.
        raise ActionFileError([Problem(
            None, None, f"auth.{attribute}", f"auth type '{auth.type}' needs `{attribute}`"
        )])
    return str(value)


_BUILT: dict[tuple[str, str | None, str, str], AuthParts] = {}
"""Parts already built, by (type, name, value, password): the secret is read on every call
(a rotated token is picked up) but the parts are built once per value."""


def apply_auth(auth: Auth, secrets: SecretStore) -> AuthParts:
    """The request parts for `auth`; raises `SecretError` when a named secret is unset."""
    kind = auth.type
    if kind == "none":
        return NO_AUTH
    if kind == "basic":
        first = secrets.value(_required(auth, "username"))
        second = secrets.value(_required(auth, "password"))
    else:
        first = secrets.value(_required(auth, "secret"))
        second = ""
    return auth_parts(auth, first, second)


def secret_names(auth: Auth) -> tuple[str, ...] | None:
    """The secret names `apply_auth` reads, in its order (basic: username, password), for a
    caller that reads them itself and passes the values to `auth_parts`. None when a setting
    `apply_auth` needs is missing: that caller then leaves it to `apply_auth` to raise."""
    kind = auth.type
    if kind == "none":
        return ()
    if kind == "basic":
        return (auth.username, auth.password) if auth.username and auth.password else None
    if not auth.secret or (kind != "bearer" and not auth.name):
        return None
    return (auth.secret,)


def auth_parts(auth: Auth, first: str, second: str) -> AuthParts:
    """The parts for `auth` given the secret values already read (`second` is the basic-auth
    password, else ""); built once per value."""
    kind = auth.type
    if kind == "none":
        return NO_AUTH
    key = (kind, auth.name, first, second)
    parts = _BUILT.get(key)
    if parts is None:
        parts = _build(auth, first, second)
        if len(_BUILT) > 256:
            _BUILT.clear()
        _BUILT[key] = parts
    return parts


def _build(auth: Auth, value: str, password: str) -> AuthParts:
    kind = auth.type
    if kind == "basic":
        username = value
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return AuthParts(
            headers=[("Authorization", f"Basic {token}")],
            secret_values=[username, password, token],
        )
    if kind == "bearer":
        return AuthParts(headers=[("Authorization", f"Bearer {value}")], secret_values=[value])
    name = _required(auth, "name")
    if kind == "header":
        return AuthParts(headers=[(name, value)], secret_values=[value])
    if kind == "query":
        return AuthParts(query=[(name, value)], secret_values=[value])
    return AuthParts(body_fields={name: value}, secret_values=[value])
