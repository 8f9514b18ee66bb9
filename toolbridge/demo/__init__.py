"""The offline demo: `DemoAPI` (a small shop back office on 127.0.0.1) and the scripted
support conversation `toolbridge demo` plays against it (`run_demo`, `load_demo_toolkit`).

The conversation module loads on first use: `DemoAPI` alone needs only the standard library.
"""

from __future__ import annotations

from typing import Any

from .api import DEMO_SECRETS, DemoAPI

_LAZY = frozenset({"load_demo_toolkit", "run_demo", "scripted_model", "USER_STEPS"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import scenario

        return getattr(scenario, name)
    raise AttributeError(f"module 'toolbridge.demo' has no attribute {name!r}")


__all__ = [
    "DEMO_SECRETS",
    "USER_STEPS",
    "DemoAPI",
    "load_demo_toolkit",
    "run_demo",
    "scripted_model",
]
