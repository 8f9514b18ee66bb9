"""String formats of variable types: date, datetime, email and phone.

Pure functions over one string each. A function returns the value to use (a date and a
date-time are kept as the model wrote them, a phone number is normalised to E.164) or
raises `FormatProblem` whose text says what was expected, for the model to read. The
argument checker (`arguments.py`) calls them; nothing here knows about actions.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable

__all__ = [
    "FORMATS",
    "FormatProblem",
    "check_date",
    "check_datetime",
    "check_email",
    "normalize_phone",
]

PHONE_HINT = "use international format like +14155550123"


class FormatProblem(ValueError):
    """The value is not in the format; the message explains the expected form.

    Internal signal between this module and the argument checker, which turns it into a
    `problems` line of an `invalid_arguments` result. It never reaches a caller.
    """


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_date(value: str) -> str:
    """An ISO `YYYY-MM-DD` calendar date that exists (no 2026-02-30). Kept as given."""
    text = value.strip()
    if not _DATE.fullmatch(text):
        raise FormatProblem("expected a date as YYYY-MM-DD, e.g. 2026-01-05")
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        raise FormatProblem("not a real calendar date") from None
    return text


# RFC 3339 / ISO 8601 date-time; the offset is mandatory so the API knows which instant.
_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:[.,](?P<frac>\d{1,9}))?(?P<offset>[Zz]|[+-]\d{2}(?::?\d{2})?)"
)


def check_datetime(value: str) -> str:
    """An ISO 8601 date-time with a UTC offset (`Z` or `+01:00`). Kept as given."""
    text = value.strip()
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise FormatProblem(
            "expected an ISO 8601 date-time with a UTC offset, e.g. 2026-01-05T14:30:00+01:00"
        )
    # Rebuild a form `fromisoformat` accepts on Python 3.10 too (6-digit fraction,
    # `+HH:MM` offset), only to test that the date and time exist.
    time = match["time"] if match["time"].count(":") == 2 else match["time"] + ":00"
    frac = "." + (match["frac"] + "000000")[:6] if match["frac"] else ""
    offset = match["offset"]
    if offset in ("Z", "z"):
        offset = "+00:00"
    elif len(offset) == 3:
        offset += ":00"
    elif ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        _dt.datetime.fromisoformat(f"{match['date']}T{time}{frac}{offset}")
    except ValueError:
        raise FormatProblem("not a real date and time") from None
    return text


# A pragmatic address check (the WHATWG form-validation grammar plus a dotted domain with
# a letter TLD): catches what models get wrong without pretending to implement RFC 5322.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def check_email(value: str) -> str:
    """A syntactically reasonable email address (no DNS lookup). Surrounding space trimmed."""
    text = value.strip()
    local, _, _ = text.partition("@")
    if (
        len(text) > 254
        or len(local) > 64
        or not _EMAIL.fullmatch(text)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
    ):
        raise FormatProblem("expected an email address like name@example.com")
    return text


def normalize_phone(value: str) -> str:
    """A phone number in international form, returned as E.164 (`+14155550123`).

    Without a country code a number is ambiguous, so a leading `+` (or the `00`
    international prefix) is required. `phonenumbers` is imported here, on first use,
    because its metadata takes a noticeable time to load.
    """
    import phonenumbers

    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        raise FormatProblem(f"phone number needs a country code: {PHONE_HINT}")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise FormatProblem(f"not a phone number: {PHONE_HINT}") from None
    if not phonenumbers.is_valid_number(number):
        raise FormatProblem(f"not a valid phone number: {PHONE_HINT}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


FORMATS: dict[str, Callable[[str], str]] = {
    "date": check_date,
    "datetime": check_datetime,
    "email": check_email,
    "phone": normalize_phone,
}
"""Variable type → format function, for the string-based types."""
