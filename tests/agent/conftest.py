"""Fixtures for the agent tests: a real action API on 127.0.0.1, its actions, and `Chat`.

`ShopAPI` is a tiny stdlib HTTP server (orders, tickets, accounts, transcripts) that
records every request it receives. `Chat` runs one conversation through an `Agent` over a
given model — the real OpenAI / Anthropic SDK clients talking to a `StandIn`, or a
`ScriptedModel` — in one of three modes: sync, async (one event loop for the whole
conversation, through an anyio blocking portal), or sync with the session serialised to
JSON and restored before every message.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio.from_thread
import pytest

from toolbridge import Toolkit
from toolbridge.agent.messages import results_since_assistant
from toolbridge.agent.session import Agent, Session
from toolbridge.agent.state import Turn
from toolbridge.models.anthropic import AnthropicMessages
from toolbridge.models.base import ModelRequest, tool_names
from toolbridge.models.openai_chat import OpenAIChat
from toolbridge.models.openai_responses import OpenAIResponses
from toolbridge.models.scripted import ScriptedModel, Step
from toolbridge.results import ToolResult
from toolbridge.testing.standins import Failure, StandIn

ORDERS_TOKEN = "orders-secret-7f3a"
ORDERS = {
    "ORD-1": {"id": "ORD-1", "status": "shipped",
              "tracking": {"number": "TRK-1", "eta": "2026-01-05"},
              "customer": {"email": "ada@example.com"}},
    "ORD-2": {"id": "ORD-2", "status": "processing", "tracking": None,
              "customer": {"email": "bob@example.com"}},
}
PROVIDERS = ("openai", "openai-responses", "anthropic", "scripted")
SDK_PROVIDERS = PROVIDERS[:3]
MODES = ("sync", "async", "persist")
SYSTEM = "You are the shop's support assistant."
Sent = list[tuple[str, dict[str, Any], bool | None]]
"""(call id, parsed tool result, is_error) as fed back to the model."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# -- the action API --------------------------------------------------------------------


@dataclass
class ShopAPI:
    base_url: str
    received: list[dict[str, Any]] = field(default_factory=list)

    def hits(self, method: str, prefix: str) -> list[dict[str, Any]]:
        return [r for r in self.received if r["method"] == method and r["path"].startswith(prefix)]


def _handler(api: ShopAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, payload: Any) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            api.received.append({"method": self.command, "path": self.path, "body": body,
                                 "headers": {k.lower(): v for k, v in self.headers.items()}})
            parts = self.path.split("?")[0].strip("/").split("/")
            if parts[0] == "orders" and len(parts) == 2:
                if self.headers.get("authorization") != f"Bearer {ORDERS_TOKEN}":
                    return self._reply(401, {"error": "bad token"})
                order = ORDERS.get(parts[1])
                return self._reply(200, order) if order else self._reply(404, {"error": "no order"})
            if parts == ["tickets"] and self.command == "POST":
                return self._reply(201, {"id": "T-100", "status": "open", **(body or {})})
            if parts[0] == "accounts" and len(parts) == 3:
                return self._reply(200, {"customer": parts[1], "balance": 12.5, "currency": "EUR"})
            if parts == ["transcripts"] and self.command == "POST":
                return self._reply(200, {"stored": True})
            return self._reply(404, {"error": "no route"})

        do_GET = do_POST = _answer

    return Handler


@pytest.fixture
def shop() -> Iterator[ShopAPI]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    api = ShopAPI(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(api)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield api
    server.shutdown()
    server.server_close()
    thread.join()


def shop_actions(base_url: str) -> dict[str, Any]:
    order_number = {"name": "order_number", "type": "string", "required": True,
                    "description": "The order number, starts with ORD-", "example": "ORD-12345",
                    "pattern": "^ORD-[0-9]+$"}
    return {
        "version": 1,
        "defaults": {"base_url": base_url, "timeout_ms": 3000, "retries": 0},
        "actions": [
            {"name": "lookup_order_status",
             "description": "Look up the status and tracking number of an order.",
             "request": {"method": "GET", "url": "/orders/{order_number}",
                         "headers": {"X-Request-ID": "{{conversation_id}}"}},
             "auth": {"type": "bearer", "secret": "ORDERS_TOKEN"},
             "variables": [order_number],
             "output": {"select": ["id", "status", "tracking.number"]},
             "outcomes": [{"name": "not_found", "when": "status == 404",
                           "guidance": "No order has that number. Ask the customer to "
                                       "double-check it."}]},
            {"name": "create_ticket", "description": "Open a support ticket about an order.",
             "request": {"method": "POST", "url": "/tickets",
                         "body": {"order_number": "{{order_number}}", "message": "{{message}}"}},
             "variables": [order_number,
                           {"name": "message", "type": "string", "required": True,
                            "description": "What the customer needs"}],
             "safety": {"requires_confirmation": True}},
            {"name": "account_balance", "description": "The signed-in customer's balance.",
             "request": {"method": "GET", "url": "/accounts/{customer_id}/balance"},
             "variables": [{"name": "customer_id", "source": "context"}],
             "safety": {"requires_identity_verification": True}},
            {"name": "log_conversation", "trigger": "on_chat_end",
             "description": "Store a summary when the chat ends.",
             "request": {"method": "POST", "url": "/transcripts",
                         "body": {"conversation": "{{conversation_id}}",
                                  "order_number": "{{order_number}}"}},
             "variables": [order_number]},
        ],
    }


@pytest.fixture
def toolkit(shop: ShopAPI) -> Iterator[Toolkit]:
    kit = Toolkit.from_dict(shop_actions(shop.base_url), secrets={"ORDERS_TOKEN": ORDERS_TOKEN})
    yield kit
    kit.close()


# -- one conversation, any provider, any mode -------------------------------------------


def _adapter(provider: str, client: Any) -> Any:
    if provider == "anthropic":
        return AnthropicMessages(client, model="claude-test", max_tokens=512)
    if provider == "openai-responses":
        return OpenAIResponses(client, model="gpt-test")
    return OpenAIChat(client, model="gpt-test")


class Chat:
    """Drives a session and reads back what the model was sent, whatever the provider."""

    def __init__(self, provider: str, mode: str, toolkit: Toolkit, portal: Any) -> None:
        self.provider, self.mode, self.toolkit, self.portal = provider, mode, toolkit, portal
        self.standin: StandIn | None = None
        self.scripted: ScriptedModel | None = None
        self.client: Any = None
        self.agent: Agent | None = None
        self._session: Session | None = None

    def start(self, script: list[Step | Failure | str], context: dict[str, Any] | None = None,
              **options: Any) -> Chat:
        if self.provider == "scripted":
            self.scripted = ScriptedModel([s for s in script if not isinstance(s, Failure)])
            model: Any = self.scripted
        else:
            self.standin = StandIn(self.provider, script)  # type: ignore[arg-type]
            self.client = self.standin.client(asynchronous=self.mode == "async")
            model = _adapter(self.provider, self.client)
        self.agent = Agent(self.toolkit, model=model, system=SYSTEM, **options)
        self._session = self.agent.session(context=context or {"customer_id": "C-7"})
        return self

    # -- verbs: each one restores from JSON first in "persist" mode ----------------------

    @property
    def session(self) -> Session:
        assert self._session is not None and self.agent is not None
        if self.mode == "persist":
            self._session = self.agent.restore(self._session.to_json())
        return self._session

    def _do(self, verb: str, *args: Any) -> Any:
        session = self.session
        if self.mode == "async":
            return self.portal.call(getattr(session, "a" + verb), *args)
        return getattr(session, verb)(*args)

    def send(self, text: str) -> Turn:
        return self._do("send", text)  # type: ignore[no-any-return]

    def confirm(self) -> Turn:
        return self._do("confirm")  # type: ignore[no-any-return]

    def reject(self, reason: str | None = None) -> Turn:
        return self._do("reject", reason)  # type: ignore[no-any-return]

    def retry(self) -> Turn:
        return self._do("retry")  # type: ignore[no-any-return]

    def end(self) -> dict[str, ToolResult]:
        return self._do("end")  # type: ignore[no-any-return]

    # -- what the model was sent --------------------------------------------------------

    @property
    def model_calls(self) -> int:
        if self.scripted is not None:
            return self.scripted.played
        assert self.standin is not None
        return len(self.standin.requests)

    def call_id(self, reply_number: int, index: int) -> str:
        """The id the stand-in / script gave call `index` of model reply `reply_number`."""
        prefix = "toolu" if self.provider == "anthropic" else "call"
        return f"{prefix}_{reply_number}_{index}"

    def offered_tools(self, request: int = -1) -> list[str]:
        if self.scripted is not None:
            return tool_names(self.scripted.requests[request].tools)
        assert self.standin is not None
        return tool_names(self.standin.bodies[request].get("tools", []))

    def tool_choice(self, request: int = -1) -> str:
        if self.scripted is not None:
            return self.scripted.requests[request].tool_choice
        assert self.standin is not None
        choice = self.standin.bodies[request].get("tool_choice", "auto")
        return choice["type"] if isinstance(choice, dict) else str(choice)

    def results_sent(self, request: int = -1) -> Sent:
        """(call id, parsed result, is_error) fed back in a model request, in order."""
        if self.scripted is not None:
            sent: ModelRequest = self.scripted.requests[request]
            return [(m.call_id, json.loads(m.content), m.is_error)
                    for m in results_since_assistant(sent.messages)]
        assert self.standin is not None
        return wire_results(self.provider, self.standin.bodies[request])

    def finish(self) -> None:
        if self.scripted is not None:
            self.scripted.assert_complete()
        if self.standin is not None:
            self.standin.assert_complete()

    def close(self) -> None:
        if self.client is not None:
            if self.mode == "async":
                self.portal.call(self.client.close)
            else:
                self.client.close()


def wire_results(provider: str, body: dict[str, Any]) -> Sent:
    """The tool results at the end of a provider request body, in that provider's format."""
    if provider == "openai":
        tail: Sent = []
        for message in reversed(body["messages"]):
            if message["role"] != "tool":
                break
            tail.append((message["tool_call_id"], json.loads(message["content"]), None))
        return tail[::-1]
    if provider == "openai-responses":
        tail = []
        for item in reversed(body["input"]):
            if item.get("type") != "function_call_output":
                break
            tail.append((item["call_id"], json.loads(item["output"]), None))
        return tail[::-1]
    last = body["messages"][-1]
    blocks = last["content"] if isinstance(last["content"], list) else []
    return [(b["tool_use_id"], json.loads(b["content"]), b.get("is_error", False))
            for b in blocks if b["type"] == "tool_result"]


@pytest.fixture
def portal() -> Iterator[Any]:
    with anyio.from_thread.start_blocking_portal(backend="asyncio") as running:
        yield running


@pytest.fixture(params=[(p, m) for p in PROVIDERS for m in MODES],
                ids=lambda pm: f"{pm[0]}-{pm[1]}")
def chat(request: pytest.FixtureRequest, toolkit: Toolkit, portal: Any) -> Iterator[Chat]:
    provider, mode = request.param
    conversation = Chat(provider, mode, toolkit, portal)
    yield conversation
    conversation.close()
    if mode == "async":
        # The toolkit's async HTTP client lives on the portal's event loop: close it there.
        aclose = getattr(toolkit.executor, "aclose", None)
        if aclose is not None:
            portal.call(aclose)


@pytest.fixture(params=[(p, m) for p in SDK_PROVIDERS for m in MODES],
                ids=lambda pm: f"{pm[0]}-{pm[1]}")
def sdk_chat(request: pytest.FixtureRequest, toolkit: Toolkit, portal: Any) -> Iterator[Chat]:
    provider, mode = request.param
    conversation = Chat(provider, mode, toolkit, portal)
    yield conversation
    conversation.close()
