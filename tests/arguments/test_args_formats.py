"""The format functions: date, datetime, email, phone."""

from __future__ import annotations

import pytest

from toolbridge.formats import (
    FormatProblem,
    check_date,
    check_datetime,
    check_email,
    normalize_phone,
)


@pytest.mark.parametrize("text", ["2026-01-05", "2024-02-29", " 2026-12-31 "])
def test_real_dates_are_kept_as_written(text: str) -> None:
    assert check_date(text) == text.strip()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-1-5", "YYYY-MM-DD"),
        ("05/01/2026", "YYYY-MM-DD"),
        ("2026-01-05T10:00:00Z", "YYYY-MM-DD"),
        ("2025-02-29", "not a real calendar date"),
        ("2026-13-01", "not a real calendar date"),
    ],
)
def test_bad_dates(text: str, fragment: str) -> None:
    with pytest.raises(FormatProblem, match=fragment):
        check_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-05T14:30:00Z",
        "2026-01-05T14:30:00+01:00",
        "2026-01-05T14:30:00.123456789-08:00",
        "2026-01-05 14:30+0530",
        "2026-01-05t14:30:00z",
    ],
)
def test_datetimes_with_an_offset_are_kept_as_written(text: str) -> None:
    assert check_datetime(text) == text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-01-05T14:30:00", "with a UTC offset"),
        ("2026-01-05", "with a UTC offset"),
        ("tomorrow at 3", "with a UTC offset"),
        ("2026-02-30T10:00:00Z", "not a real date and time"),
        ("2026-01-05T25:00:00Z", "not a real date and time"),
        ("2026-01-05T10:00:00+25:00", "not a real date and time"),
    ],
)
def test_bad_datetimes(text: str, fragment: str) -> None:
    with pytest.raises(FormatProblem, match=fragment):
        check_datetime(text)


@pytest.mark.parametrize(
    "text", ["ann@example.com", "a.b+tag@mail.example.co.uk", "x_1@ex-ample.io"]
)
def test_reasonable_emails(text: str) -> None:
    assert check_email(text) == text


@pytest.mark.parametrize(
    "text",
    ["ann", "ann@", "@example.com", "ann@example", "a..b@example.com", ".a@example.com",
     "ann@exa mple.com", "ann@example.com\r\nBcc: x@y.com", "a" * 65 + "@example.com"],
)  # fmt: skip
def test_bad_emails(text: str) -> None:
    with pytest.raises(FormatProblem, match="email address"):
        check_email(text)


@pytest.mark.parametrize(
    ("text", "e164"),
    [("+14155550123", "+14155550123"), ("+1 415-555-0123", "+14155550123"),
     ("+44 20 7946 0958", "+442079460958"), ("0049 151 12345678", "+4915112345678")],
)  # fmt: skip
def test_phones_become_e164(text: str, e164: str) -> None:
    assert normalize_phone(text) == e164


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("4155550123", "needs a country code"),
        ("+1 415", "not a valid phone number"),
        ("+999 12345", "not a phone number"),
        ("call me", "needs a country code"),
    ],
)
def test_bad_phones_hint_at_the_international_form(text: str, fragment: str) -> None:
    with pytest.raises(FormatProblem, match=fragment) as caught:
        normalize_phone(text)

    assert "+14155550123" in str(caught.value)
