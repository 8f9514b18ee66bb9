"""The demo conversation: a shop's support chat, scripted end to end, printed step by step.

The user asks about an order without its number (the call comes back `needs_input`, the
model asks), gives the number (lookup, pruned result, answer), asks for a ticket (the
write pauses for confirmation, the user confirms, the ticket is created), checks stock,
and leaves (`session.end()` fires the CRM update). `run_demo()` plays it with the scripted
model by default, or sends the same user messages to a real model adapter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from ..agent.loop import CallModel, CallTool
from ..agent.session import Agent, Session
from ..agent.state import Turn
from ..models.base import ModelAdapter, ModelResponse
from ..models.scripted import ScriptedModel, call, calls, reply
from ..results import NEEDS_CONFIRMATION, ToolResult
from ..toolkit import Toolkit
from .api import DemoAPI

SYSTEM = (
    "You are the support assistant of a small web shop. Be brief and friendly. Use the tools "
    "to look things up; never guess an order's status or stock levels. If a tool needs a "
    "detail the customer has not given, ask for it."
)
CONTEXT = {"customer_id": "CUS-2231", "customer_name": "Jana"}
"""What the shop's web app knows about the signed-in customer."""


@dataclass(frozen=True)
class Say:
    """The user sends a message."""

    text: str


@dataclass(frozen=True)
class Confirm:
    """The user agrees to the request waiting for confirmation (if one is waiting)."""


USER_STEPS: tuple[Say | Confirm, ...] = (
    Say("Hi! Where is my order? It should have arrived by now."),
    Say("Sorry, it's ORD-1042."),
    Say(
        "One of the two mugs arrived broken. Can you open a ticket so I get a new one? "
        "My email is jana.novak@example.com."
    ),
    Confirm(),
    Say("Thanks! Is the navy t-shirt TSH-0042 in stock? I'd like a second one."),
)


def scripted_model() -> ScriptedModel:
    """The model's side of the demo, with checks that it is shown what it should be."""
    return ScriptedModel(
        [
            calls(call("lookup_order_status"), expect_user="Where is my order"),
            reply(
                "I can look that up for you. What is your order number? It starts with ORD- "
                "and is in your confirmation email.",
                expect_results=['"needs_input"'],
            ),
            calls(call("lookup_order_status", order_number="ORD-1042"), expect_user="ORD-1042"),
            reply(
                "Good news: order ORD-1042 has shipped with DHL (tracking number "
                "JD014600006281930412) and should arrive on 6 March.",
                expect_results=['"shipped"'],
            ),
            calls(
                call(
                    "create_ticket",
                    subject="Mug arrived broken",
                    details="One of the two stoneware mugs in order ORD-1042 arrived broken. "
                    "The customer would like a replacement.",
                    category="damaged_item",
                    email="jana.novak@example.com",
                    order_number="ORD-1042",
                ),
                expect_user="broken",
            ),
            reply(
                "Done: ticket TCK-5001 is open. The help desk will email jana.novak@example.com "
                "about the replacement.",
                expect_results=['"created"'],
            ),
            calls(call("check_inventory", sku="TSH-0042"), expect_user="TSH-0042"),
            reply(
                "Yes, the navy t-shirt (TSH-0042) is in stock: 37 available right now.",
                expect_results=['"in_stock"'],
            ),
        ]
    )


def load_demo_toolkit(api: DemoAPI, **options: Any) -> Toolkit:
    """The demo actions, pointed at the running `api`, with its demo secrets."""
    text = resources.files(__package__).joinpath("actions.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["defaults"]["base_url"] = api.base_url
    options.setdefault("secrets", api.secrets)
    return Toolkit.from_dict(data, source="toolbridge/demo/actions.yaml", **options)


@dataclass
class DemoRun:
    """What a demo run did, for tests and for the closing summary."""

    session: Session
    turns: list[Turn] = field(default_factory=list)
    ended: dict[str, ToolResult] = field(default_factory=dict)
    results: list[ToolResult] = field(default_factory=list)


Out = Callable[[str], None]


def run_demo(
    model: ModelAdapter | None = None,
    *,
    out: Out = print,
    steps: Sequence[Say | Confirm] = USER_STEPS,
) -> DemoRun:
    """Play the demo conversation against a fresh `DemoAPI`; print each step with `out`.

    `model` defaults to `scripted_model()` (checked to have played every step); any other
    adapter gets the same user messages. `steps` replaces the user's side.
    """
    scripted = model is None
    model = model or scripted_model()
    with DemoAPI() as api, load_demo_toolkit(api) as toolkit:
        printer = _Printer(out)
        agent = Agent(
            toolkit, model=model, system=SYSTEM, on_event=printer.event, on_provider_error="turn"
        )
        session = agent.session(context=CONTEXT)
        run = DemoRun(session)
        printer.results = run.results
        who = "a scripted model" if scripted else repr(model)
        out(f"toolbridge demo: a web shop's support chat with {who}")
        names = ", ".join(a.name for a in toolkit)
        out(f"demo API on {api.base_url} ({len(toolkit)} actions: {names})")
        for step in steps:
            if isinstance(step, Confirm):
                if session.pending is None:
                    continue
                out("\nuser  > (confirms the request)")
                turn = session.confirm()
            else:
                out(f"\nuser  > {step.text}")
                turn = session.send(step.text)
            run.turns.append(turn)
            label = "bot  " if turn.state == "needs_confirmation" else "model"
            out(f"{label} > " + turn.reply.replace("\n", "\n        "))
            if turn.state == "error" and turn.error:
                out(f"        (error: {turn.error})")
        out("\nThe customer leaves: session.end() runs the on_chat_end actions")
        run.ended = session.end()
        if isinstance(model, ScriptedModel):
            model.assert_complete()
        tickets = len(api.tickets)
        out(
            f"\nDone: {len(run.turns)} turns, {len(run.results)} tool calls, "
            f"{tickets} ticket{'s' if tickets != 1 else ''} created, CRM contact "
            f"{'updated' if api.contacts else 'not updated'}. Secrets stayed masked (***)."
        )
    return run


class _Printer:
    """Prints tool calls and their results as the agent loop makes them."""

    def __init__(self, out: Out) -> None:
        self.out = out
        self.results: list[ToolResult] = []

    def event(self, phase: str, effect: Any, value: Any) -> None:
        if isinstance(effect, CallModel):
            if phase == "done" and isinstance(value, ModelResponse):
                message = value.message
                if message.text and message.tool_calls:  # text alongside calls: show it
                    self.out(f"model > {message.text}")
            return
        if not isinstance(effect, CallTool):
            return
        if phase == "start":
            arguments = effect.arguments
            shown = (
                arguments
                if isinstance(arguments, str)
                else json.dumps(arguments, ensure_ascii=False)
            )
            self.out(f"  call   -> {effect.name} {shown}")
        elif isinstance(value, ToolResult):
            self.results.append(value)
            for line in describe_result(value):
                self.out(line)


def describe_result(result: ToolResult) -> list[str]:
    """A tool result as the demo prints it: request (masked), outcome, pruned data, guidance."""
    pad = "           "
    lines = []
    if result.request is not None:
        request = result.request
        lines.append(f"{pad}{request.method} {request.url}")
        for name, value in request.headers.items():
            if name.lower() in ("authorization", "x-api-key", "idempotency-key"):
                lines.append(f"{pad}  {name}: {value}")
        if request.body:
            lines.append(f"{pad}  {_clip(request.body, 200)}")
    if result.error == NEEDS_CONFIRMATION:
        lines.append("  result paused: needs_confirmation (nothing is sent until the user agrees)")
        return lines
    mark = "ok" if result.ok else "failed"
    status = f" HTTP {result.status}" if result.status is not None else ""
    what = result.outcome or result.error or ""
    sent = "" if result.request is not None or result.status is not None else " (nothing sent)"
    lines.append(f"  result {mark}:{status} {what}{sent}".rstrip())
    for missing in result.missing:
        example = f" (e.g. {missing.example})" if missing.example is not None else ""
        lines.append(f"{pad}missing {missing.name}: {missing.description}{example}")
    if result.data is not None:
        data = json.dumps(result.data, ensure_ascii=False, separators=(",", ":"), default=str)
        lines.append(f"{pad}model sees ({len(result.for_model())} chars): {_clip(data, 400)}")
    if result.guidance:
        lines.append(f"{pad}guidance: {result.guidance}")
    return lines


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
