"""`ScriptedModel`: a model that plays a script, for offline use and tests.

Each step is one model turn — text, tool calls (several make a parallel batch), or both —
optionally with expectations on what the model was sent at that point. When the
conversation and the script disagree, `ScriptError` names the step and the mismatch;
`assert_complete()` fails if steps were left unplayed.

    model = ScriptedModel([
        calls(call("lookup_order_status", order_number="ORD-1"), expect_user="ORD-1"),
        reply("It has shipped.", expect_results=['"status":200']),
    ])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..agent.messages import AssistantMessage, ToolCall, last_user_text, results_since_assistant
from ..errors import ScriptError
from .base import ModelRequest, ModelResponse, tool_names


@dataclass(frozen=True)
class Step:
    """One scripted model turn and what the model must have been sent before it."""

    text: str | None = None
    """What the model says."""
    tool_calls: tuple[ToolCall, ...] = ()
    """The calls it makes (an empty `id` is filled in as `call_<step>_<n>`)."""
    expect_user: str | None = None
    """A substring the latest user message must contain."""
    expect_results: Sequence[str] | None = None
    """One substring per tool result fed back since the previous model turn, in order."""
    expect_tools: Sequence[str] | None = None
    """The exact tool names offered (any order)."""
    expect_tool_choice: str | None = None
    """"auto" or "none" (the loop sends "none" to force a text answer)."""
    check: Callable[[ModelRequest], Any] | None = None
    """Your own check; raise AssertionError (or anything) to fail the step."""

    def describe(self) -> str:
        parts = [f"{c.name}({c.arguments_json()})" for c in self.tool_calls]
        if self.text is not None:
            parts.append(repr(_short(self.text)))
        return ", ".join(parts) or "an empty turn"


def call(name: str, arguments: dict[str, Any] | str | None = None, /, *, id: str = "",
         **kwargs: Any) -> ToolCall:
    """A scripted tool call: `call("lookup", order_number="ORD-1")` or with a dict/raw JSON."""
    if arguments is None:
        arguments = kwargs
    elif kwargs:
        raise TypeError("pass the arguments as a dict or as keywords, not both")
    return ToolCall(id=id, name=name, arguments=arguments)


def reply(text: str, **expect: Any) -> Step:
    """A step where the model answers with text."""
    return Step(text=text, **expect)


def calls(*tool_calls: ToolCall, text: str | None = None, **expect: Any) -> Step:
    """A step where the model makes one or more (parallel) tool calls."""
    if not tool_calls:
        raise TypeError("calls() needs at least one call(...)")
    return Step(text=text, tool_calls=tool_calls, **expect)


class ScriptedModel:
    """Plays `steps` in order, one per model call; sync and async alike.

    `requests` keeps every `ModelRequest` the loop sent, for your own assertions.
    """

    provider = "mcp"  # tools arrive as {"name", "description", "inputSchema"}

    def __init__(self, steps: Iterable[Step | str] = ()) -> None:
        self.steps: list[Step] = []
        self.requests: list[ModelRequest] = []
        self.add(*steps)

    def add(self, *steps: Step | str) -> ScriptedModel:
        """Append steps (a plain string is a text reply)."""
        self.steps.extend(reply(s) if isinstance(s, str) else s for s in steps)
        return self

    @property
    def played(self) -> int:
        return len(self.requests)

    def __repr__(self) -> str:
        return f"ScriptedModel({self.played}/{len(self.steps)} steps played)"

    def complete(self, request: ModelRequest) -> ModelResponse:
        index = len(self.requests)
        if index >= len(self.steps):
            user = last_user_text(request.messages)
            raise ScriptError(
                f"ScriptedModel: the conversation asked for model turn {index + 1} but the "
                f"script has only {len(self.steps)} step(s) (latest user message: {user!r})"
            )
        step = self.steps[index]
        self.requests.append(request)
        _check(step, request, index, len(self.steps))
        calls_ = tuple(
            c if c.id else _with_id(c, f"call_{index + 1}_{n}")
            for n, c in enumerate(step.tool_calls, 1)
        )
        message = AssistantMessage(text=step.text, tool_calls=calls_)
        return ModelResponse(message, "tool_calls" if calls_ else "stop")

    async def acomplete(self, request: ModelRequest) -> ModelResponse:
        return self.complete(request)

    def assert_complete(self) -> None:
        """Raise `ScriptError` if any step was never played."""
        left = self.steps[self.played:]
        if left:
            listed = "; ".join(
                f"step {self.played + n}: {s.describe()}" for n, s in enumerate(left, 1)
            )
            raise ScriptError(f"ScriptedModel: {len(left)} step(s) not played: {listed}")


def _with_id(tool_call: ToolCall, new_id: str) -> ToolCall:
    return tool_call.model_copy(update={"id": new_id})


def _check(step: Step, request: ModelRequest, index: int, total: int) -> None:
    where = f"ScriptedModel step {index + 1} of {total} ({step.describe()})"
    if step.expect_user is not None:
        user = last_user_text(request.messages) or ""
        if step.expect_user not in user:
            raise ScriptError(
                f"{where}: expected the latest user message to contain {step.expect_user!r}, "
                f"but it was {_short(user)!r}"
            )
    if step.expect_results is not None:
        results = [r.content for r in results_since_assistant(request.messages)]
        if len(results) != len(step.expect_results):
            raise ScriptError(
                f"{where}: expected {len(step.expect_results)} tool result(s), the model was "
                f"sent {len(results)}: {[_short(r) for r in results]}"
            )
        for n, (wanted, got) in enumerate(zip(step.expect_results, results, strict=True), 1):
            if wanted not in got:
                raise ScriptError(
                    f"{where}: tool result {n} should contain {wanted!r}, got {_short(got)!r}"
                )
    if step.expect_tools is not None:
        offered = tool_names(request.tools)
        if sorted(offered) != sorted(step.expect_tools):
            raise ScriptError(
                f"{where}: expected tools {sorted(step.expect_tools)}, offered {sorted(offered)}"
            )
    if step.expect_tool_choice is not None and step.expect_tool_choice != request.tool_choice:
        raise ScriptError(
            f"{where}: expected tool_choice {step.expect_tool_choice!r}, "
            f"sent {request.tool_choice!r}"
        )
    if step.tool_calls and request.tool_choice == "none":
        raise ScriptError(
            f"{where}: the loop asked for a text answer (tool_choice 'none': step limit reached "
            "or a call kept failing) but this step calls tools"
        )
    if step.check is not None:
        try:
            step.check(request)
        except Exception as exc:
            raise ScriptError(f"{where}: check failed: {exc}") from exc


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["ScriptedModel", "Step", "call", "calls", "reply"]
