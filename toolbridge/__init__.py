"""toolbridge: let a chatbot call real HTTP APIs safely.

Re-exports only. The agent loop and model adapters load on first use, so
`import toolbridge` never imports an LLM SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes
from .actions.models import (
    Action,
    ActionFile,
    Auth,
    Defaults,
    Outcome,
    Output,
    RequestSpec,
    Safety,
    Settings,
    Variable,
)
from .errors import (
    ActionFileError,
    Problem,
    ProviderError,
    ScriptError,
    SecretError,
    SessionError,
    ToolbridgeError,
)
from .results import Checked, MissingVariable, RequestSummary, ToolResult
from .toolkit import Toolkit

if TYPE_CHECKING:
    from .agent import Agent, Session, Turn
    from .models.scripted import ScriptedModel

__version__ = "0.1.0"

_LAZY = {
    "Agent": "toolbridge.agent",
    "Session": "toolbridge.agent",
    "Turn": "toolbridge.agent",
    "ScriptedModel": "toolbridge.models.scripted",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "Action",
    "ActionFile",
    "ActionFileError",
    "Agent",
    "Auth",
    "Checked",
    "Defaults",
    "MissingVariable",
    "Outcome",
    "Output",
    "Problem",
    "ProviderError",
    "RequestSpec",
    "RequestSummary",
    "Safety",
    "ScriptError",
    "ScriptedModel",
    "SecretError",
    "Session",
    "SessionError",
    "Settings",
    "ToolResult",
    "ToolbridgeError",
    "Toolkit",
    "Turn",
    "Variable",
    "__version__",
]
