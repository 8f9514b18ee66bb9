"""Keeping secrets out of recorded HTTP traffic, and normalising what changes per run.

Pure string and byte work, no vcrpy: `cassettes.py` wires these into vcrpy's hooks.

Two jobs:
- **Scrub.** A `Scrubber` knows secret values (given up front, or learned from auth
  headers, cookies and credential-looking query parameters and JSON fields as traffic
  passes) and replaces every spelling of them we know of: plain, JSON-escaped,
  URL-encoded, and base64 (standard and urlsafe, padded or not, and at each of the three
  byte offsets a secret can sit at inside a longer base64 blob such as a basic-auth echo).
- **Normalise.** Timestamps, UUIDs and caller-named JSON paths or regexes in request
  bodies and query strings become fixed markers, so a conversation replays even though
  the clock moved, while a changed user message still fails to match.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "<redacted>"
VOLATILE = "<volatile>"
MIN_SECRET_LENGTH = 4
"""Shorter values are not scrubbed from free text: replacing "abc" everywhere would wreck
the recording and protect nothing."""
MIN_LEARNED_LENGTH = 8
"""Values learned from traffic (rather than given) must be at least this long."""
MIN_BASE64_CORE = 8
"""Shortest base64 fragment searched for inside longer blobs (shorter ones collide)."""

SENSITIVE_HEADER = re.compile(
    r"auth|token|secret|passw|api[-_]?key|cookie|session|signature|credential", re.IGNORECASE
)
NOT_SENSITIVE_HEADERS = frozenset({"idempotency-key", "anthropic-version", "openai-beta"})
SENSITIVE_QUERY = frozenset(
    {
        "api_key",
        "apikey",
        "api-key",
        "key",
        "access_token",
        "auth_token",
        "token",
        "auth",
        "secret",
        "client_secret",
        "password",
        "sig",
        "signature",
        "x-api-key",
        "code",
    }
)
SENSITIVE_JSON_KEYS = frozenset(
    {
        "password",
        "passwd",
        "api_key",
        "apikey",
        "access_token",
        "refresh_token",
        "id_token",
        "auth_token",
        "client_secret",
        "secret",
        "private_key",
    }
)
NOISY_HEADERS = frozenset(
    {
        "date",
        "server",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "user-agent",
        "accept-encoding",
        "host",
        "x-request-id",
        "request-id",
        "via",
        "age",
        "alt-svc",
        "strict-transport-security",
        "x-envoy-upstream-service-time",
        "expires",
        "cache-control",
        "pragma",
        "vary",
        "etag",
        "last-modified",
        "x-content-type-options",
        "nel",
        "report-to",
        "x-frame-options",
        "x-xss-protection",
        "traceparent",
        "tracestate",
    }
)
NOISY_HEADER_PREFIXES = (
    "x-stainless-",
    "x-ratelimit-",
    "anthropic-ratelimit-",
    "openai-",
    "cf-",
    "access-control-",
    "x-amz-",
    "x-cloud-trace",
    "anthropic-organization",
)

DEFAULT_VOLATILE_PATTERNS = (
    # ISO 8601 date-times (a bare date is left alone: it is usually what the user said).
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"),
    re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    # uuid4().hex, the shape of toolbridge's conversation ids (in bodies via templates).
    re.compile(r"\b[0-9a-f]{32}\b"),
)

SecretsLike = Any
"""A mapping name → value, an iterable of values (str or `Secret`), a `Toolkit`, a
`SecretStore`, or an iterable mixing these."""


def is_sensitive_header(name: str) -> bool:
    lowered = name.lower()
    return lowered not in NOT_SENSITIVE_HEADERS and bool(SENSITIVE_HEADER.search(lowered))


def is_noisy_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in NOISY_HEADERS or lowered.startswith(NOISY_HEADER_PREFIXES)


def _base64_forms(raw: bytes) -> Iterator[str]:
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode("ascii")
        yield whole
        yield whole.rstrip("=")
        # Inside a longer blob the secret starts at byte offset 0, 1 or 2 of a 3-byte
        # group; keep only the characters that depend on the secret's bytes alone.
        for offset in range(3):
            encoded = encode(b"\0" * offset + raw).decode("ascii")
            start = (4 * offset + 2) // 3
            end = (4 * (offset + len(raw))) // 3
            core = encoded[start:end]
            if len(core) >= MIN_BASE64_CORE:
                yield core


def secret_forms(value: str) -> set[str]:
    """Every spelling of `value` that gets scrubbed (the value itself included)."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value)[1:-1].replace("/", "\\/")}
    for encoded in (quote(value, safe=""), quote_plus(value, safe="")):
        forms.add(encoded)
        forms.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded))
    forms.update(_base64_forms(value.encode("utf-8")))
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


def _values_of(source: SecretsLike) -> Iterator[tuple[str | None, str]]:
    """(name or None, value) pairs from any supported secret source."""
    if source is None:
        return
    if isinstance(source, str):
        yield None, source
        return
    reveal = getattr(source, "reveal", None)
    if callable(reveal):  # a toolbridge Secret
        yield None, reveal()
        return
    store = getattr(source, "secrets", None)
    if store is not None and hasattr(source, "actions"):  # a Toolkit
        yield from _toolkit_values(source)
        source = store
    known = getattr(source, "known_values", None)
    if callable(known):  # a SecretStore: every value it has handed out
        for value in known():
            yield None, value
        return
    if isinstance(source, Mapping):
        for name, value in source.items():
            if value is not None:
                yield str(name), value.reveal() if hasattr(value, "reveal") else str(value)
        return
    for item in source:
        yield from _values_of(item)


def _toolkit_values(toolkit: Any) -> Iterator[tuple[str | None, str]]:
    """Resolve every secret the toolkit's actions name (the ones that are set)."""
    from ..templates import placeholders, secret_name

    names: list[str] = []
    for action in toolkit.actions:
        auth = action.auth
        names += [n for n in (auth.secret, auth.username, auth.password) if n]
        for header in action.request.headers.values():
            names += [s for p in placeholders(header) if (s := secret_name(p))]
    for name in dict.fromkeys(names):
        if toolkit.secrets.has(name):
            yield name, toolkit.secrets.get(name).reveal()


class Scrubber:
    """Replaces every known form of every known secret, in text and in bytes.

    Sources are resolved each time the replacement table is needed, so a toolkit whose
    secrets are read lazily (or rotated) is still covered.
    """

    def __init__(self, secrets: SecretsLike = ()) -> None:
        self._sources: list[SecretsLike] = []
        self._learned: dict[str, str] = {}
        self._table_key: frozenset[tuple[str | None, str]] | None = None
        self._table: list[tuple[str, str]] = []
        self._byte_table: list[tuple[bytes, bytes]] = []
        self.add(secrets)

    def add(self, secrets: SecretsLike) -> None:
        """Scrub these too (same forms as `use_cassette(secrets=...)`)."""
        self._sources.append(secrets)

    def learn(self, value: str, label: str) -> None:
        """Scrub a value seen in a credential position (auth header, cookie, ...)."""
        value = value.strip()
        if len(value) >= MIN_LEARNED_LENGTH and value != REDACTED:
            self._learned.setdefault(value, label)

    def _pairs(self) -> set[tuple[str | None, str]]:
        pairs: set[tuple[str | None, str]] = set()
        for source in self._sources:
            pairs.update(_values_of(source))
        pairs.update((label, value) for value, label in self._learned.items())
        return {(n, v) for n, v in pairs if len(v) >= MIN_SECRET_LENGTH and "<" not in v}

    def table(self) -> list[tuple[str, str]]:
        """(form, replacement) pairs, longest form first."""
        pairs = frozenset(self._pairs())
        if pairs != self._table_key:
            replacements: dict[str, str] = {}
            # Named markers win over bare ones when a value is known both ways.
            for name, value in sorted(pairs, key=lambda p: (p[0] is None, p[0] or "", p[1])):
                marker = f"<redacted:{name}>" if name else REDACTED
                for form in secret_forms(value):
                    replacements.setdefault(form, marker)
            self._table = sorted(replacements.items(), key=lambda item: -len(item[0]))
            self._byte_table = [(f.encode(), r.encode()) for f, r in self._table]
            self._table_key = pairs
        return self._table

    def text(self, value: str) -> str:
        for form, marker in self.table():
            if form in value:
                value = value.replace(form, marker)
        return value

    def data(self, value: bytes) -> bytes:
        self.table()
        for form, marker in self._byte_table:
            if form in value:
                value = value.replace(form, marker)
        return value

    def leaks(self, value: str | bytes) -> list[str]:
        """Markers of the secrets still present in `value` (the values are never returned)."""
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        return sorted({marker for form, marker in self.table() if form in text})


# -- headers, query strings and JSON ---------------------------------------------------------


def learn_from_header(scrubber: Scrubber, name: str, value: str) -> None:
    """Remember the credential inside a sensitive header's value."""
    lowered = name.lower()
    if lowered in ("cookie", "set-cookie"):
        first = value.split(";")[0] if lowered == "set-cookie" else value
        for part in first.split(";"):
            scrubber.learn(part.partition("=")[2], lowered)
        return
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "basic":
        scrubber.learn(rest, lowered)
        try:
            decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
        except ValueError:
            decoded = ""
        scrubber.learn(decoded.partition(":")[2], lowered)
    elif rest and " " not in rest.strip():
        scrubber.learn(rest, lowered)
    scrubber.learn(value, lowered)


def clean_headers(scrubber: Scrubber, headers: Mapping[str, Any]) -> dict[str, Any]:
    """Drop noisy headers, redact sensitive ones (learning their values), scrub the rest."""
    out: dict[str, Any] = {}
    for name, value in headers.items():
        if is_noisy_header(name):
            continue
        values = value if isinstance(value, list) else [value]
        values = [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in values]
        if is_sensitive_header(name):
            for item in values:
                learn_from_header(scrubber, name, item)
            values = [REDACTED for _ in values]
        else:
            values = [scrubber.text(v) for v in values]
        out[name] = values if isinstance(value, list) else values[0]
    return out


def clean_query(scrubber: Scrubber, query: str, patterns: Iterable[re.Pattern[str]] = ()) -> str:
    """Redact credential-looking parameters, scrub secrets, normalise volatile values."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    for name, value in pairs:
        if name.lower() in SENSITIVE_QUERY:
            scrubber.learn(value, name)
    cleaned = []
    for name, value in pairs:
        if name.lower() in SENSITIVE_QUERY:
            value = REDACTED
        else:
            value = normalise_text(scrubber.text(value), patterns)
        cleaned.append((scrubber.text(name), value))
    return urlencode(cleaned, safe="<>:")


def learn_from_json(scrubber: Scrubber, value: Any) -> None:
    """Remember values under credential-looking keys anywhere in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and str(key).lower() in SENSITIVE_JSON_KEYS:
                scrubber.learn(item, str(key).lower())
            else:
                learn_from_json(scrubber, item)
    elif isinstance(value, list):
        for item in value:
            learn_from_json(scrubber, item)


def parse_json(data: bytes | str | None) -> tuple[bool, Any]:
    """(True, value) when `data` is a JSON object or array, else (False, None)."""
    if not data:
        return False, None
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):  # not JSON (UnicodeDecodeError too), or too deep
        return False, None
    return isinstance(value, (dict, list)), value


def dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- volatile values -------------------------------------------------------------------------


def normalise_text(text: str, patterns: Iterable[re.Pattern[str]]) -> str:
    for pattern in patterns:
        text = pattern.sub(VOLATILE, text)
    return text


def set_volatile(value: Any, path: str) -> Any:
    """Replace the value(s) at a dotted path (`a.b`, `items[].id`) with the marker."""
    head, _, rest = path.partition(".")
    each = head.endswith("[]")
    key = head[:-2] if each else head
    if not isinstance(value, dict) or key not in value:
        return value
    if each:
        if isinstance(value[key], list):
            value[key] = [set_volatile(item, rest) if rest else VOLATILE for item in value[key]]
    elif rest:
        value[key] = set_volatile(value[key], rest)
    else:
        value[key] = VOLATILE
    return value


def normalise_body(
    body: bytes | None,
    scrubber: Scrubber,
    patterns: Iterable[re.Pattern[str]],
    paths: Iterable[str],
) -> bytes | None:
    """Scrub and normalise a request body; JSON comes back in one canonical spelling."""
    if not body:
        return body
    is_json, parsed = parse_json(body)
    if is_json:
        learn_from_json(scrubber, parsed)
    body = scrubber.data(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    text = normalise_text(text, patterns)
    is_json, parsed = parse_json(text)
    if is_json:
        for path in paths:
            parsed = set_volatile(parsed, path)
        text = dump_json(parsed)
    return text.encode("utf-8")


def replace_origin(url: str, origin: str, placeholder: str) -> str:
    """Swap the scheme://host:port of `url` when it equals `origin`."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return url
    new = urlsplit(placeholder)
    return urlunsplit((new.scheme, new.netloc, parts.path, parts.query, parts.fragment))
