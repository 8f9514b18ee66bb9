"""`Agent` (toolkit + model + policy) and `Session` (one conversation's state and verbs).

A session's verbs start a flow from `loop.py` and hand it to the sync or async driver; they
hold no loop logic of their own. Everything a session knows lives in `SessionState`, so
`to_json()` / `Agent.restore()` continue a conversation exactly, pending confirmation
included. A session is not thread-safe: one message at a time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from ..errors import SessionError
from ..models.base import ModelAdapter
from ..results import RequestSummary, ToolResult
from .loop import (
    Confirmed,
    Effect,
    LoopConfig,
    Observer,
    Rejected,
    Resume,
    Start,
    UserInput,
    adrive,
    drive,
    end_flow,
    turn_flow,
)
from .messages import AssistantMessage, Message
from .state import PendingConfirmation, SessionState, Turn

if TYPE_CHECKING:
    from ..toolkit import Toolkit


class Agent:
    """A toolkit and a model, ready to hold conversations.

    Args:
        toolkit: the actions the model may call.
        model: an adapter (`OpenAIChat`, `OpenAIResponses`, `AnthropicMessages`,
            `ScriptedModel`, or your own `ModelAdapter`).
        system: the system prompt.
        max_steps: model calls per turn; the last one must answer in text.
        on_provider_error: "raise" (default) raises `ProviderError` from `send()`; "turn"
            returns a Turn with state "error", a polite reply and the error attached.
            Either way the user's message stays in the transcript: `session.retry()`
            continues the turn once the provider is back.
        on_event: `observer(phase, effect, value)` called around every model and tool
            call ("start"/"done"), e.g. to show tool calls as they happen.
    """

    def __init__(
        self,
        toolkit: Toolkit,
        *,
        model: ModelAdapter,
        system: str | None = None,
        max_steps: int = 8,
        on_provider_error: Literal["raise", "turn"] = "raise",
        on_event: Observer | None = None,
    ) -> None:
        if max_steps < 1:
            raise SessionError(f"max_steps must be at least 1, got {max_steps}")
        if on_provider_error not in ("raise", "turn"):
            raise SessionError(
                f"on_provider_error must be 'raise' or 'turn', got {on_provider_error!r}"
            )
        self.toolkit = toolkit
        self.model = model
        self.system = system
        self.max_steps = max_steps
        self.on_provider_error: Literal["raise", "turn"] = on_provider_error
        self.on_event = on_event
        self._config: LoopConfig | None = None

    def __repr__(self) -> str:
        return f"Agent({self.toolkit!r}, model={self.model!r})"

    @property
    def config(self) -> LoopConfig:
        if self._config is None:
            end_actions = frozenset(a.name for a in self.toolkit if a.trigger == "on_chat_end")
            self._config = LoopConfig(
                system=self.system,
                tools=self.toolkit.tools(self.model.provider),
                max_steps=self.max_steps,
                on_provider_error=self.on_provider_error,
                hidden=end_actions,
            )
        return self._config

    def session(
        self, context: Mapping[str, Any] | None = None, *, conversation_id: str | None = None
    ) -> Session:
        """Start a conversation. `context` feeds `source: context` variables and templates."""
        state = SessionState(
            conversation_id=conversation_id or uuid.uuid4().hex, context=dict(context or {})
        )
        return Session(self, state)

    def restore(self, data: str | bytes | Mapping[str, Any]) -> Session:
        """A session from `session.to_json()` (or its parsed dict), ready to continue."""
        return Session.from_json(data, self)

    def _run(self, flow: Generator[Effect, Any, Any]) -> Any:
        return drive(flow, self.model, self.toolkit, self.on_event)

    async def _arun(self, flow: Generator[Effect, Any, Any]) -> Any:
        return await adrive(flow, self.model, self.toolkit, self.on_event)


class Session:
    """One conversation. Use `agent.session()` or `agent.restore()` to get one."""

    def __init__(self, agent: Agent, state: SessionState) -> None:
        self.agent = agent
        self.state = state

    def __repr__(self) -> str:
        pending = ", awaiting confirmation" if self.state.awaiting else ""
        return (
            f"Session({self.state.conversation_id!r}, {len(self.state.transcript)} messages"
            f"{pending}{', ended' if self.state.ended else ''})"
        )

    def _repr_html_(self) -> str:
        from ..display import to_html

        return to_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from ..display import pretty

        pretty(self, printer, cycle)

    # -- what the host reads ---------------------------------------------------------

    @property
    def conversation_id(self) -> str:
        return self.state.conversation_id

    @property
    def context(self) -> dict[str, Any]:
        """The host's context (yours to change; the model never can)."""
        return self.state.context

    @property
    def transcript(self) -> list[Message]:
        return list(self.state.transcript)

    @property
    def pending(self) -> PendingConfirmation | None:
        """The request waiting for `confirm()` / `reject()`, if any."""
        return self.state.awaiting[0] if self.state.awaiting else None

    @property
    def gathered(self) -> dict[str, Any]:
        """Values collected by successful calls, for `on_chat_end` actions."""
        return dict(self.state.gathered)

    @property
    def ended(self) -> bool:
        return self.state.ended

    # -- host verbs ------------------------------------------------------------------

    def verify_identity(self, verified: bool = True) -> None:
        """Host side: record that the user proved who they are (or revoke it)."""
        self.state.context["identity_verified"] = verified

    def send(self, text: str) -> Turn:
        """The user's message → the loop → a Turn. A pending confirmation is rejected."""
        return self.agent._run(self._flow(_user_input(text)))  # type: ignore[no-any-return]

    async def asend(self, text: str) -> Turn:
        flow = self._flow(_user_input(text))
        return await self.agent._arun(flow)  # type: ignore[no-any-return]

    def confirm(self) -> Turn:
        """The user agreed: send the pending request exactly as described, then continue."""
        return self.agent._run(self._flow(self._confirmed()))  # type: ignore[no-any-return]

    async def aconfirm(self) -> Turn:
        return await self.agent._arun(self._flow(self._confirmed()))  # type: ignore[no-any-return]

    def reject(self, reason: str | None = None) -> Turn:
        """The user said no: nothing is sent, the model is told (code `rejected`)."""
        return self.agent._run(self._flow(self._rejected(reason)))  # type: ignore[no-any-return]

    async def areject(self, reason: str | None = None) -> Turn:
        flow = self._flow(self._rejected(reason))
        return await self.agent._arun(flow)  # type: ignore[no-any-return]

    def retry(self) -> Turn:
        """Continue the current turn after a `ProviderError`, without a new user message."""
        return self.agent._run(self._flow(self._resume()))  # type: ignore[no-any-return]

    async def aretry(self) -> Turn:
        return await self.agent._arun(self._flow(self._resume()))  # type: ignore[no-any-return]

    def end(self) -> dict[str, ToolResult]:
        """Fire the `on_chat_end` actions once; returns each action's result.

        Ending again fires nothing and returns an empty dict.
        """
        return self.agent._run(end_flow(self.state, self._end_actions()))  # type: ignore[no-any-return]

    async def aend(self) -> dict[str, ToolResult]:
        flow = end_flow(self.state, self._end_actions())
        return await self.agent._arun(flow)  # type: ignore[no-any-return]

    # -- state -----------------------------------------------------------------------

    def to_json(self) -> str:
        """The whole state as JSON (no secrets, no tokens): store it between messages."""
        try:
            return self.state.model_dump_json()
        except Exception as exc:  # pydantic's serialisation error names the value
            raise SessionError(f"the session context is not JSON-serialisable: {exc}") from exc

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any], agent: Agent) -> Session:
        """Restore a session saved with `to_json()`."""
        try:
            if isinstance(data, Mapping):
                state = SessionState.model_validate(data)
            else:
                state = SessionState.model_validate(json.loads(data))
        except (ValueError, ValidationError) as exc:
            raise SessionError(f"not a saved toolbridge session: {exc}") from exc
        return cls(agent, state)

    # -- internals -------------------------------------------------------------------

    def _flow(self, start: Start) -> Generator[Effect, Any, Turn]:
        if self.state.ended:
            raise SessionError("this session has ended; start a new one with agent.session()")
        return turn_flow(self.state, self.agent.config, start)

    def _confirmed(self) -> Confirmed:
        pending = self._require_pending("confirm")
        context = self.state.call_context()
        if pending.context is not None and pending.context != context:
            self._redescribe(pending, context)
            raise SessionError(
                "the request changed after the user was shown it (the session context "
                "changed), so nothing was sent: show session.pending.describe() again and "
                "call confirm() only if the user agrees to that request"
            )
        token = self.agent.toolkit.confirmation_token(
            pending.action, pending.arguments, context=context
        )
        return Confirmed(token)

    def _redescribe(self, pending: PendingConfirmation, context: dict[str, Any]) -> None:
        """Replace the pending request's description with what it would send now."""
        summary = self.agent.toolkit.describe(pending.action, pending.arguments, context=context)
        update: dict[str, Any] = {"context": context}
        if isinstance(summary, RequestSummary):
            update |= {"method": summary.method, "url": summary.url, "body": summary.body}
        self.state.awaiting[0] = pending.model_copy(update=update)

    def _rejected(self, reason: str | None) -> Rejected:
        self._require_pending("reject")
        return Rejected(reason)

    def _resume(self) -> Resume:
        if self.state.awaiting:
            raise SessionError("a request is waiting for confirm() or reject(), not retry()")
        last = self.state.transcript[-1] if self.state.transcript else None
        if last is None or (isinstance(last, AssistantMessage) and not last.tool_calls):
            raise SessionError("nothing to retry: the last turn was answered")
        return Resume()

    def _require_pending(self, verb: str) -> PendingConfirmation:
        if not self.state.awaiting:
            raise SessionError(f"nothing is waiting for confirmation: there is nothing to {verb}")
        return self.state.awaiting[0]

    def _end_actions(self) -> list[tuple[str, list[str]]]:
        return [
            (a.name, [v.name for v in a.model_variables])
            for a in self.agent.toolkit
            if a.trigger == "on_chat_end"
        ]


def _user_input(text: str) -> UserInput:
    if not isinstance(text, str) or not text.strip():
        raise SessionError(f"send() needs the user's text, got {text!r}")
    return UserInput(text)
