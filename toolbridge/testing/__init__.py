"""Test doubles and helpers that ship with toolbridge: provider stand-ins and cassettes.

Names load on first use, so importing this package imports neither vcrpy nor an SDK.
The pytest plugin (`toolbridge_cassette` fixture, `--record-mode`) lives in `.plugin`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'toolbridge.testing' has no attribute {name!r}")


__all__ = [
    "CassetteLeak",
    "CassetteMismatch",
    "CassetteUnplayed",
    "Recording",
    "StandIn",
    "use_cassette",
]
