"""The agent loop, written once as a generator of effects, and its two drivers.

`turn_flow` decides everything — call the model, run every tool call it asked for, feed
the results back, pause for confirmation, stop a call that keeps failing, give up at the
step limit — and only *yields* what must be done: `CallModel(request)` or
`CallTool(name, arguments, context, confirm)`. `drive` performs the effects with a sync
model and `toolkit.call`; `adrive` with `await model.acomplete` and `toolkit.acall`. The sync
path never touches an event loop, so it works inside Jupyter.

Provider errors are thrown back into the flow, which raises them or ends the turn with
state "error" (`on_provider_error`); any other exception propagates unchanged.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..errors import ProviderError
from ..models.base import ModelAdapter, ModelRequest, ModelResponse
from ..results import BLOCKED, NEEDS_CONFIRMATION, NEEDS_INPUT, REJECTED, UNKNOWN_TOOL, ToolResult
from .messages import ToolCall, ToolResultMessage, UserMessage, open_calls
from .state import PendingConfirmation, SessionState, ToolCallRecord, Turn, TurnState

# -- effects and how a turn starts ---------------------------------------------------


@dataclass(frozen=True)
class CallModel:
    """Effect: send this request to the model; receive a `ModelResponse`."""

    request: ModelRequest


@dataclass(frozen=True)
class CallTool:
    """Effect: `toolkit.call(name, arguments, context=..., confirm=...)`; receive a ToolResult."""

    name: str
    arguments: str | dict[str, Any]
    context: dict[str, Any]
    confirm: str | None = None
    call_id: str = ""


Effect = CallModel | CallTool


@dataclass(frozen=True)
class UserInput:
    text: str


@dataclass(frozen=True)
class Confirmed:
    token: str | None


@dataclass(frozen=True)
class Rejected:
    reason: str | None = None


@dataclass(frozen=True)
class Resume:
    """Continue from the transcript as it is (after a provider error)."""


Start = UserInput | Confirmed | Rejected | Resume


@dataclass(frozen=True)
class LoopConfig:
    system: str | None
    tools: list[dict[str, Any]]
    max_steps: int
    on_provider_error: Literal["raise", "turn"]
    hidden: frozenset[str] = frozenset()
    """Actions the model is not offered (`on_chat_end`): refused if it calls them anyway."""


# -- what the user reads when the loop cannot give a model answer --------------------

BUSY_REPLY = "Sorry, the assistant is busy right now. Please try again in a moment."
BROKEN_REPLY = "Sorry, something went wrong on our side and I can't answer right now."
STUCK_REPLY = "Sorry, I couldn't finish that request. Could you rephrase it, or ask for a person?"
CONFIRM_REPLY = "Before I go ahead, please confirm this request:\n{request}"
_TRANSIENT = {"rate_limited", "overloaded", "server_error", "connection"}

REPEATED_NOTE = (
    "This exact call has now failed the same way twice. Do not call it again: tell the user "
    "what went wrong and what they can do."
)
REJECTED_GUIDANCE = (
    "The user declined this request, so nothing was sent. Don't retry it; ask what they "
    "would like to do instead."
)
SUPERSEDED_GUIDANCE = (
    "The user sent a new message instead of confirming, so nothing was sent. Read their "
    "message; only call the tool again if they still want it."
)


@dataclass
class _TurnLog:
    records: list[ToolCallRecord] = field(default_factory=list)
    failures: Counter[tuple[str, str, str | None]] = field(default_factory=Counter)
    missing: dict[str, ToolResult] = field(default_factory=dict)
    stuck: bool = False
    steps: int = 0
    usage: Counter[str] = field(default_factory=Counter)

    def finish(self, state: TurnState, reply: str, **extra: Any) -> Turn:
        missing = tuple(m for r in self.missing.values() for m in r.missing)
        if state == "reply" and missing:
            state = "needs_input"  # the model's answer asks the user for what is missing
        return Turn(
            reply=reply,
            state=state,
            tool_calls=self.records,
            missing=missing if state == "needs_input" else (),
            steps=self.steps,
            usage=dict(self.usage),
            **extra,
        )


# -- the flow ------------------------------------------------------------------------


def turn_flow(
    state: SessionState, config: LoopConfig, start: Start
) -> Generator[Effect, Any, Turn]:
    """One turn: from a user message (or a confirmation) to a reply, a pause or an error."""
    log = _TurnLog()
    if isinstance(start, UserInput):
        for pending in state.awaiting:
            refusal = _refusal(pending.action, SUPERSEDED_GUIDANCE, REJECTED)
            _record(state, log, pending.tool_call(), refusal)
        state.awaiting.clear()
        for call in open_calls(state.transcript):  # left open by an exception last time
            _record(state, log, call, _refusal(call.name, "Not run: the turn was interrupted."))
        state.transcript.append(UserMessage(text=start.text))
    elif isinstance(start, Confirmed):
        pending = state.awaiting.pop(0)
        result = yield CallTool(
            pending.action, pending.arguments, state.call_context(), start.token, pending.call_id
        )
        _record(state, log, pending.tool_call(), result)
    elif isinstance(start, Rejected):
        pending = state.awaiting.pop(0)
        guidance = REJECTED_GUIDANCE + (f" The user said: {start.reason}" if start.reason else "")
        _record(state, log, pending.tool_call(), _refusal(pending.action, guidance, REJECTED))

    yield from _run_open_calls(state, config, log)
    if state.awaiting:
        return _paused(state, log)

    for step in range(1, config.max_steps + 1):
        force_text = step == config.max_steps or log.stuck
        request = ModelRequest(
            messages=tuple(state.transcript),
            system=config.system,
            tools=config.tools,
            tool_choice="none" if force_text else "auto",
        )
        try:
            response: ModelResponse = yield CallModel(request)
        except ProviderError as exc:
            if config.on_provider_error == "raise":
                raise
            reply = BUSY_REPLY if exc.kind in _TRANSIENT else BROKEN_REPLY
            return log.finish("error", reply, error=str(exc), provider_error=exc)
        log.steps += 1
        log.usage.update(response.usage)
        message = response.message
        if not message.tool_calls and not message.text:
            # Not kept: providers refuse an empty assistant message in the next request.
            why = f"the model returned neither text nor tool calls (finish: {response.finish})"
            return log.finish("error", BROKEN_REPLY, error=why)
        state.transcript.append(message)
        if not message.tool_calls:
            return log.finish("reply", message.text or "")
        if force_text:
            for call in message.tool_calls:
                _record(state, log, call, _refusal(call.name, "Not run: answer the user now."))
            why = "the model kept calling tools after it was asked to answer in text"
            return log.finish("error", STUCK_REPLY, error=why)
        yield from _run_open_calls(state, config, log)
        if state.awaiting:
            return _paused(state, log)
    raise AssertionError("unreachable: the last step always forces a text answer")


def end_flow(
    state: SessionState, actions: list[tuple[str, list[str]]]
) -> Generator[Effect, Any, dict[str, ToolResult]]:
    """Fire `on_chat_end` actions (name, model variable names) once, with what was gathered."""
    if state.ended:
        return {}
    state.ended = True  # at most once, even if one of them raises
    values = {**state.gathered, **state.context}  # the host's context wins over the model
    report: dict[str, ToolResult] = {}
    for name, variables in actions:
        arguments = {v: values[v] for v in variables if v in values}
        report[name] = yield CallTool(name, arguments, state.call_context(), None, f"end:{name}")
    return report


def _run_open_calls(
    state: SessionState, config: LoopConfig, log: _TurnLog
) -> Generator[Effect, Any, None]:
    waiting = {p.call_id for p in state.awaiting}
    for call in open_calls(state.transcript):
        if call.id in waiting:
            continue
        if call.name in config.hidden:  # the model is untrusted: only offered tools run
            guidance = f"There is no tool named {call.name!r}. Use only the tools you were given."
            _record(state, log, call, _refusal(call.name, guidance, UNKNOWN_TOOL))
            continue
        context = state.call_context()
        result: ToolResult = yield CallTool(call.name, call.arguments, context, None, call.id)
        if result.error == NEEDS_CONFIRMATION:
            state.awaiting.append(PendingConfirmation.from_result(call, result, context))
        else:
            _record(state, log, call, result)


def _record(state: SessionState, log: _TurnLog, call: ToolCall, result: ToolResult) -> None:
    arguments = call.parsed()
    shown = result
    if result.ok:
        values = result.arguments if result.arguments is not None else arguments
        # Round-trip through JSON so dates and the like stay serialisable in the state.
        safe = json.loads(json.dumps(values, default=str))
        state.gathered.update({k: v for k, v in safe.items() if v is not None})
        log.missing.pop(call.name, None)
    else:
        key = (call.name, json.dumps(arguments, sort_keys=True, default=str), result.error)
        log.failures[key] += 1
        if log.failures[key] >= 2:  # same call, same failure: stop the loop going round
            log.stuck = True
            shown = replace(result, guidance=f"{result.guidance or ''} {REPEATED_NOTE}".strip())
        if result.error == NEEDS_INPUT:
            log.missing[call.name] = result
    state.transcript.append(
        ToolResultMessage(
            call_id=call.id, name=call.name, content=shown.for_model(), is_error=not result.ok
        )
    )
    log.records.append(ToolCallRecord(call.id, call.name, arguments, result))


def _refusal(action: str, guidance: str, code: str = BLOCKED) -> ToolResult:
    return ToolResult(action=action, ok=False, error=code, guidance=guidance)


def _paused(state: SessionState, log: _TurnLog) -> Turn:
    pending = state.awaiting[0]
    reply = CONFIRM_REPLY.format(request=pending.describe())
    return log.finish("needs_confirmation", reply, pending=pending)


# -- drivers -------------------------------------------------------------------------

Observer = Callable[[str, Effect, Any], None]
"""`observer(phase, effect, value)`: phase "start" (value None) or "done" (the result)."""


def drive(flow: Generator[Effect, Any, Any], model: ModelAdapter, toolkit: Any,
          observe: Observer | None = None) -> Any:
    """Run a flow with a sync model client and `toolkit.call`."""
    value: Any = None
    error: ProviderError | None = None
    try:
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(value)
            except StopIteration as stop:
                return stop.value
            value, error = None, None
            if observe is not None:
                observe("start", effect, None)
            try:
                if isinstance(effect, CallModel):
                    value = model.complete(effect.request)
                else:
                    value = toolkit.call(
                        effect.name, effect.arguments, context=effect.context,
                        confirm=effect.confirm,
                    )
            except ProviderError as exc:
                error = exc
            if observe is not None:
                observe("done", effect, error or value)
    finally:
        flow.close()


async def adrive(flow: Generator[Effect, Any, Any], model: ModelAdapter, toolkit: Any,
                 observe: Observer | None = None) -> Any:
    """Run a flow with `await model.acomplete` and `await toolkit.acall`."""
    value: Any = None
    error: ProviderError | None = None
    try:
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(value)
            except StopIteration as stop:
                return stop.value
            value, error = None, None
            if observe is not None:
                observe("start", effect, None)
            try:
                if isinstance(effect, CallModel):
                    value = await model.acomplete(effect.request)
                else:
                    value = await toolkit.acall(
                        effect.name, effect.arguments, context=effect.context,
                        confirm=effect.confirm,
                    )
            except ProviderError as exc:
                error = exc
            if observe is not None:
                observe("done", effect, error or value)
    finally:
        flow.close()
