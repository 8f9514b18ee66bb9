"""Test doubles and helpers that ship with toolbridge: provider stand-ins and cassettes.

Names load on first use, so importing this package imports neither vcrpy nor an SDK.
The pytest plugin (`toolbridge_cassette` fixture, `--record-mode`) lives in `.plugin`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from .cassettes import (
        CassetteLeak,
        CassetteMismatch,
        CassetteUnplayed,
        Recording,
        use_cassette,
    )
    from .standins import StandIn

_LAZY = {
    "CassetteLeak": ".cassettes",
    "CassetteMismatch": ".cassettes",
    "CassetteUnplayed": ".cassettes",
    "Recording": ".cassettes",
    "use_cassette": ".cassettes",
    "StandIn": ".standins",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "CassetteLeak",
    "CassetteMismatch",
    "CassetteUnplayed",
    "Recording",
    "StandIn",
    "use_cassette",
]
