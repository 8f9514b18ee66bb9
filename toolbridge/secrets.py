"""Secrets as a type: `Secret` never shows its value, `SecretStore` finds them.

The only module that reads the process environment. Action files name secrets
(`auth: {secret: ORDERS_TOKEN}`, `{{secrets.NAME}}`); values are looked up when a call
is rendered, in this order: the mapping passed in code, the process environment (read at
lookup time, so a rotated token is picked up), then a `.env` file (python-dotenv, read
once, never copied into `os.environ`). Masking and scrubbing live where the values are
used (`execution.render`, `pruning.scrub`); this module only remembers which values it
handed out so they can be masked everywhere.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from .errors import SecretError

MASK = "***"
"""What a secret looks like wherever it is shown."""
MIN_MASK_LENGTH = 4
"""Shorter values are not masked inside other text: replacing every "api" in a URL or a
response garbles it and protects nothing. (Where a secret is placed whole, such as an auth
header or query parameter, it is masked whatever its length.)"""
SENSITIVE_HEADER = re.compile(
    r"authorization|cookie|token|secret|passw|api-?_?key|apikey|auth|session|signature",
    re.IGNORECASE,
)
"""Header names whose whole value is masked in summaries and logs, whatever filled them."""
XML_ESCAPES = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;",
    # As character references so they survive attribute-value and end-of-line normalisation.
    "\t": "&#9;", "\n": "&#10;", "\r": "&#13;",
})
"""How `execution.render` escapes values in XML bodies; here so that masking finds a secret
written the same way."""


class Secret:
    """A secret value: `repr`, `str` and `format` show `***`; `reveal()` gives the value.

    Not a `str` subclass on purpose: `json.dumps(secret)` raises instead of leaking, and
    f-strings, logging and tracebacks only ever see `***`.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Secret holds a str, not {type(value).__name__}")
        self._value = value

    def reveal(self) -> str:
        """The value itself: the one explicit way to read it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> Any:
        # Pickling would write the value to disk or a queue without anyone asking for it.
        raise TypeError("a Secret cannot be pickled; call reveal() if you really mean it")


class SecretStore:
    """Resolves secret names: mapping → environment → `.env` file.

    Args:
        mapping: secrets given in code; checked first.
        env_file: a `.env` file, read once on the first lookup that gets that far.
        environ: the environment to read (default `os.environ`, read at lookup time).

    An empty value counts as not set: `export TOKEN=` is a mistake, and masking an empty
    string would mask nothing.
    """

    def __init__(
        self,
        mapping: Mapping[str, str] | None = None,
        *,
        env_file: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._mapping: dict[str, str] = dict(mapping or {})
        self._environ = environ
        self._env_file = Path(env_file) if env_file is not None else None
        self._file_values: dict[str, str] | None = None
        self._lock = threading.Lock()
        self._handed_out: set[str] = set()
        """Every value handed out so far, old ones after a rotation included (for masking)."""
        self._known: tuple[str, ...] = ()
        """`_handed_out` longest first, rebuilt only when it grows (read on every call)."""

    def _from_file(self) -> Mapping[str, str]:
        if self._env_file is None:
            return {}
        if self._file_values is None:
            with self._lock:
                if self._file_values is None:
                    from dotenv import dotenv_values

                    raw = dotenv_values(self._env_file) if self._env_file.is_file() else {}
                    self._file_values = {k: v for k, v in raw.items() if v is not None}
        return self._file_values

    def _lookup(self, name: str) -> str | None:
        value = self._mapping.get(name)
        if value:
            return value
        environ = os.environ if self._environ is None else self._environ
        value = environ.get(name)
        if value:
            return value
        return self._from_file().get(name) or None

    def get(self, name: str) -> Secret:
        """The secret called `name`; raises `SecretError` naming where to set it."""
        value = self._lookup(name)
        if value is None:
            where = ""
            if self._env_file is not None and not self._env_file.is_file():
                where = f" (the .env file {str(self._env_file)!r} does not exist)"
            raise SecretError(
                f"secret {name!r} is not set: add it to the environment, a .env file, "
                f"or Toolkit(secrets=...){where}"
            )
        if value not in self._handed_out:
            with self._lock:
                self._handed_out.add(value)
                self._known = tuple(sorted(self._handed_out, key=len, reverse=True))
        return Secret(value)

    def value(self, name: str) -> str:
        """`get(name).reveal()` without the `Secret` wrapper, for the renderer's hot path
        (the value is recorded for masking just the same)."""
        value = self._mapping.get(name) or self._lookup(name)
        if value is None or value not in self._handed_out:
            return self.get(name).reveal()  # raises the SecretError, or records the value
        return value

    def has(self, name: str) -> bool:
        """Whether `name` resolves to a non-empty value (nothing is recorded)."""
        return self._lookup(name) is not None

    def known_values(self) -> tuple[str, ...]:
        """The values of every secret resolved so far, longest first (for scrubbing)."""
        return self._known

    def __repr__(self) -> str:
        parts = [f"mapping: {len(self._mapping)} names"]
        parts.append("environ" if self._environ is None else "custom environ")
        if self._env_file is not None:
            parts.append(f"env_file={str(self._env_file)!r}")
        return f"SecretStore({', '.join(parts)})"


# -- masking: the one place that decides what a secret looks like once encoded ------------


def encoded_forms(values: Iterable[str]) -> list[str]:
    """Each value as it may appear in a request or response: raw, URL-, form-, JSON- and
    XML-encoded. Longest first, values shorter than `MIN_MASK_LENGTH` left out."""
    forms: set[str] = set()
    for value in values:
        if len(value) < MIN_MASK_LENGTH:
            continue
        forms.update((value, quote(value, safe=""), quote_plus(value),
                      json.dumps(value, ensure_ascii=False)[1:-1], value.translate(XML_ESCAPES)))
    return sorted((form for form in forms if form), key=len, reverse=True)


@lru_cache(maxsize=256)
def masker(values: tuple[str, ...]) -> Callable[[str], str] | None:
    """A function masking every encoded form of `values` in a text; None if nothing to mask."""
    forms = encoded_forms(values)
    if not forms:
        return None
    pattern = re.compile("|".join(re.escape(form) for form in forms))
    # `pattern.sub` bound in C: no Python frame per masked string (it runs on every
    # string a response keeps). MASK holds no backslash, so it is a literal replacement.
    sub = partial(pattern.sub, MASK)
    return sub if len(forms) > _FEW_FORMS else _checked(sub, tuple(forms))


_FEW_FORMS = 4
"""Up to this many forms, looking for each (`in`, in C) costs less than running the
regular expression over a text that holds none, which is nearly every text."""


def _checked(sub: Callable[[str], str], forms: tuple[str, ...]) -> Callable[[str], str]:
    def scrub(text: str) -> str:
        for form in forms:
            if form in text:
                return sub(text)
        # No form in it: `sub` would give it back unchanged (as a plain str).
        return text if type(text) is str else sub(text)

    return scrub


def mask(text: str, values: Iterable[str]) -> str:
    """`text` with every known secret value (in any common encoding) replaced by `***`."""
    masking = masker(tuple(values))
    return masking(text) if masking else text
