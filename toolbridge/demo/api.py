"""`DemoAPI`: a small shop back office on 127.0.0.1, for the demo, the notebook and tests.

Standard library only (`ThreadingHTTPServer` in a daemon thread, port 0), so `toolbridge
demo` runs offline from an installed wheel. Four services, each with its own auth so the
demo shows every common scheme:

- orders     GET  /orders/{number}             bearer ORDERS_TOKEN; ~2 KB JSON, 404 if unknown
- tickets    POST /tickets                      basic TICKETS_USER / TICKETS_PASSWORD;
                                                Idempotency-Key replays the first answer
- inventory  GET  /inventory?sku=               X-API-Key INVENTORY_API_KEY
- CRM        PATCH /crm/contacts/{id}           bearer CRM_TOKEN

The paths of the action files in `examples/` are accepted too (`/api/v2/tickets`,
`/v1/inventory`, `/api/contacts/{id}`), so those files run against it with `base_url`
pointed here. Every request is kept in `received` (headers included) for assertions.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

DEMO_SECRETS: dict[str, str] = {
    "ORDERS_TOKEN": "demo-orders-token-5f3c9a1e",
    "TICKETS_USER": "support-bot",
    "TICKETS_PASSWORD": "demo-helpdesk-pass-82d4",
    "INVENTORY_API_KEY": "demo-inventory-key-c71b0e",
    "CRM_TOKEN": "demo-crm-token-4a9d27",
}
"""The credentials the demo API accepts (demo values, safe to print in docs, never real)."""


def _order(
    number: str,
    status: str,
    placed: str,
    items: list[dict[str, Any]],
    tracking: dict[str, Any] | None,
) -> dict[str, Any]:
    total = round(sum(i["unit_price"] * i["quantity"] for i in items), 2)
    return {
        "id": number,
        "status": status,
        "placed_at": placed,
        "currency": "EUR",
        "totals": {
            "items": total,
            "shipping": 4.95,
            "tax": round(total * 0.19, 2),
            "grand_total": round(total * 1.19 + 4.95, 2),
        },
        "items": items,
        "customer": {
            "id": "CUS-2231",
            "name": "Jana Novak",
            "email": "jana.novak@example.com",
            "phone": "+49 30 901820",
            "loyalty_tier": "gold",
            "marketing_opt_in": False,
        },
        "shipping_address": {
            "line1": "Linienstrasse 12",
            "line2": "3rd floor",
            "city": "Berlin",
            "postal_code": "10119",
            "country": "DE",
        },
        "payment": {"method": "card", "brand": "visa", "last4": "4242", "captured": True},
        "tracking": tracking,
        "status_history": [
            {"status": "placed", "at": placed, "by": "customer"},
            {"status": "paid", "at": placed, "by": "payment-service"},
            {"status": status, "at": placed, "by": "fulfilment"},
        ],
        "returns": {
            "eligible": True,
            "window_days": 30,
            "policy": "Free returns within 30 days of delivery. Items must be unused and in "
            "their original packaging; the refund goes to the original payment method.",
        },
        "notes": None,
        "gift_wrap": False,
        "internal": {"warehouse": "eu-west", "picker": "W-17", "fraud_score": 0.02},
        "links": {"self": f"/orders/{number}", "invoice": f"/orders/{number}/invoice.pdf"},
    }


ORDERS: dict[str, dict[str, Any]] = {
    "ORD-1042": _order(
        "ORD-1042",
        "shipped",
        "2026-03-02T09:14:00+01:00",
        [
            {
                "sku": "MUG-0007",
                "name": "Stoneware mug, sage green, 350 ml",
                "quantity": 2,
                "unit_price": 14.5,
                "description": "Hand-glazed, dishwasher safe.",
            },
            {
                "sku": "TSH-0042",
                "name": "Organic cotton t-shirt, navy, M",
                "quantity": 1,
                "unit_price": 24.0,
                "description": "Fair-trade certified, regular fit.",
            },
        ],
        {
            "carrier": "DHL",
            "number": "JD014600006281930412",
            "eta": "2026-03-06",
            "url": "https://tracking.example/JD014600006281930412",
            "events": [
                {"at": "2026-03-03T07:55:00+01:00", "where": "Leipzig hub", "what": "In transit"},
                {"at": "2026-03-03T18:20:00+01:00", "where": "Berlin depot", "what": "Arrived"},
                {"at": "2026-03-02T16:40:00+01:00", "where": "Erfurt", "what": "Picked up"},
            ],
        },
    ),
    "ORD-1043": _order(
        "ORD-1043",
        "processing",
        "2026-03-04T20:02:00+01:00",
        [
            {
                "sku": "LMP-0310",
                "name": "Brass desk lamp",
                "quantity": 1,
                "unit_price": 89.0,
                "description": "E27, cable 1.8 m, warm white bulb included.",
            }
        ],
        None,
    ),
}

INVENTORY: dict[str, dict[str, Any]] = {
    "TSH-0042": {
        "sku": "TSH-0042",
        "name": "Organic cotton t-shirt, navy, M",
        "available": 37,
        "warehouses": {"eu-west": 30, "us-east": 7},
        "incoming": [{"quantity": 120, "eta": "2026-03-20"}],
    },
    "MUG-0007": {
        "sku": "MUG-0007",
        "name": "Stoneware mug, sage green, 350 ml",
        "available": 0,
        "warehouses": {"eu-west": 0, "us-east": 0},
        "incoming": [{"quantity": 48, "eta": "2026-03-12"}, {"quantity": 96, "eta": "2026-04-02"}],
    },
}

_ORDER = re.compile(r"^(?:/api)?/orders/([^/]+)$")
_TICKETS = re.compile(r"^(?:/api/v2)?/tickets$")
_INVENTORY = re.compile(r"^(?:/v1)?/inventory$")
_CONTACT = re.compile(r"^(?:/crm|/api)/contacts/([^/]+)$")


@dataclass
class Received:
    """One request the demo API got."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any = None


@dataclass
class _State:
    secrets: dict[str, str]
    received: list[Received] = field(default_factory=list)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotent: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: demo output is ours
        pass

    def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with state.lock:
            state.received.append(
                Received(
                    self.command, path, parse_qs(parts.query), dict(self.headers.items()), body
                )
            )
        status, payload, headers = _route(
            state, self.command, path, parts.query, self.headers, raw, body
        )
        self._reply(status, payload, headers)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


def _error(status: int, code: str, message: str) -> tuple[int, Any, dict[str, str]]:
    return status, {"error": {"code": code, "message": message}}, {}


def _bearer_ok(headers: Any, token: str) -> bool:
    return bool(headers.get("Authorization") == f"Bearer {token}")


def _route(
    state: _State, method: str, path: str, query: str, headers: Any, raw: bytes, body: Any
) -> tuple[int, Any, dict[str, str]]:
    secrets = state.secrets
    if match := _ORDER.match(path):
        if method != "GET":
            return _error(405, "method_not_allowed", "use GET")
        if not _bearer_ok(headers, secrets["ORDERS_TOKEN"]):
            return _error(401, "unauthorized", "missing or invalid bearer token")
        order = ORDERS.get(match.group(1))
        if order is None:
            return _error(404, "order_not_found", f"no order {match.group(1)}")
        return 200, order, {}
    if _TICKETS.match(path):
        return _tickets(state, method, headers, raw, body)
    if _INVENTORY.match(path):
        if headers.get("X-API-Key") != secrets["INVENTORY_API_KEY"]:
            return _error(401, "unauthorized", "missing or invalid X-API-Key")
        sku = (parse_qs(query).get("sku") or [""])[0]
        item = INVENTORY.get(sku)
        if item is None:
            return _error(404, "unknown_sku", f"no product with SKU {sku!r}")
        return 200, item, {}
    if match := _CONTACT.match(path):
        if method not in ("PATCH", "PUT"):
            return _error(405, "method_not_allowed", "use PATCH")
        if not _bearer_ok(headers, secrets["CRM_TOKEN"]):
            return _error(401, "unauthorized", "missing or invalid bearer token")
        if not isinstance(body, dict):
            return _error(422, "invalid_body", "send a JSON object")
        with state.lock:
            contact = state.contacts.setdefault(match.group(1), {"id": match.group(1)})
            contact.update(body)
            return 200, {**contact, "updated_fields": sorted(body)}, {}
    return _error(404, "no_route", f"nothing at {method} {path}")


def _tickets(
    state: _State, method: str, headers: Any, raw: bytes, body: Any
) -> tuple[int, Any, dict[str, str]]:
    if method != "POST":
        return _error(405, "method_not_allowed", "use POST")
    expected = base64.b64encode(
        f"{state.secrets['TICKETS_USER']}:{state.secrets['TICKETS_PASSWORD']}".encode()
    ).decode()
    if headers.get("Authorization") != f"Basic {expected}":
        return _error(401, "unauthorized", "missing or invalid basic auth")
    key = headers.get("Idempotency-Key")
    with state.lock:
        if key and key in state.idempotent:
            first_raw, status, payload = state.idempotent[key]
            if first_raw != raw.decode("utf-8", "replace"):
                return _error(
                    409,
                    "idempotency_conflict",
                    "this Idempotency-Key was used with a different request",
                )
            return status, payload, {"Idempotent-Replayed": "true"}
        problems = _ticket_problems(body)
        if problems:
            return 422, {"error": {"code": "invalid_ticket", "problems": problems}}, {}
        ticket_id = f"TCK-{5001 + len(state.tickets)}"
        ticket = {
            "id": ticket_id,
            "status": "open",
            "priority": body.get("priority", "normal"),
            "subject": body["subject"],
            "url": f"/tickets/{ticket_id}",
            "created_from": copy.deepcopy(body),
        }
        state.tickets[ticket_id] = ticket
        if key:
            state.idempotent[key] = (raw.decode("utf-8", "replace"), 201, ticket)
    return 201, ticket, {}


def _ticket_problems(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    problems = [
        f"{name} is required"
        for name in ("subject", "description")
        if not isinstance(body.get(name), str) or not body[name].strip()
    ]
    if body.get("priority", "normal") not in ("low", "normal", "high", "urgent"):
        problems.append("priority must be low, normal, high or urgent")
    return problems


class DemoAPI:
    """The demo back office, served on 127.0.0.1 while the context is open.

        with DemoAPI() as api:
            toolkit = load_demo_toolkit(api)   # or base_url=api.base_url in your own file

    Args:
        secrets: override the accepted credentials (default `DEMO_SECRETS`).
    """

    def __init__(self, secrets: dict[str, str] | None = None) -> None:
        self.secrets = dict(DEMO_SECRETS if secrets is None else secrets)
        self._state = _State(self.secrets)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("DemoAPI is not running: use it as a context manager or start()")
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def received(self) -> list[Received]:
        """Every request received so far, in order."""
        return list(self._state.received)

    @property
    def tickets(self) -> dict[str, dict[str, Any]]:
        return dict(self._state.tickets)

    @property
    def contacts(self) -> dict[str, dict[str, Any]]:
        return dict(self._state.contacts)

    def start(self) -> DemoAPI:
        if self._server is None:
            server = _Server(("127.0.0.1", 0), _Handler)
            server.state = self._state
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever,
                name="toolbridge-demo",
                kwargs={"poll_interval": 0.05},
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None
            self._thread = None

    def __enter__(self) -> DemoAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._server else "stopped"
        return f"DemoAPI({where})"
