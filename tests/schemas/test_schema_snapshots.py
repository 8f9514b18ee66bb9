"""Exact tool dicts for one typical action: compact, no titles, nothing lost."""

from __future__ import annotations

from toolbridge import Action, Variable
from toolbridge.schemas import build_tools

ORDER = Action(
    name="lookup_order_status",
    description="Look up the current status and tracking number of an order.",
    base_url="http://127.0.0.1:9",
    request={"url": "/orders/{order_number}"},
    variables=[
        Variable(
            name="order_number", required=True, pattern="^ORD-[0-9]+$", example="ORD-12345",
            description="The customer's order number, usually starts with ORD-",
        ),
        Variable(name="limit", type="integer", default=10, minimum=1, maximum=50,
                 description="How many events to show"),
        Variable(name="carrier", enum=["ups", "dhl"], description="Only this carrier"),
        Variable(name="customer_id", source="context"),
    ],
)  # fmt: skip

ORDER_NUMBER_TEXT = "The customer's order number, usually starts with ORD-. Example: ORD-12345."


def test_openai_strict_snapshot() -> None:
    assert build_tools([ORDER], "openai") == [
        {
            "type": "function",
            "function": {
                "name": "lookup_order_status",
                "description": "Look up the current status and tracking number of an order.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "order_number": {
                            "type": "string",
                            "description": ORDER_NUMBER_TEXT,
                            "pattern": "^ORD-[0-9]+$",
                        },
                        "limit": {
                            "type": ["integer", "null"],
                            "description": "How many events to show. Default: 10.",
                            "minimum": 1,
                            "maximum": 50,
                        },
                        "carrier": {
                            "type": ["string", "null"],
                            "description": "Only this carrier",
                            "enum": ["ups", "dhl", None],
                        },
                    },
                    "required": ["order_number", "limit", "carrier"],
                    "additionalProperties": False,
                },
                "strict": True,
            },
        }
    ]


def test_anthropic_strict_snapshot() -> None:
    assert build_tools([ORDER], "anthropic") == [
        {
            "name": "lookup_order_status",
            "description": "Look up the current status and tracking number of an order.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "order_number": {
                        "type": "string",
                        "description": "The customer's order number, usually starts with ORD-."
                        " Must match the pattern ^ORD-[0-9]+$. Example: ORD-12345.",
                    },
                    "limit": {
                        "type": ["integer", "null"],
                        "description": "How many events to show. Between 1 and 50. Default: 10.",
                    },
                    "carrier": {
                        "type": ["string", "null"],
                        "description": "Only this carrier",
                        "enum": ["ups", "dhl", None],
                    },
                },
                "required": ["order_number", "limit", "carrier"],
                "additionalProperties": False,
            },
            "strict": True,
            "input_examples": [{"order_number": "ORD-12345", "limit": None, "carrier": None}],
        }
    ]


def test_mcp_snapshot() -> None:
    assert build_tools([ORDER], "mcp") == [
        {
            "name": "lookup_order_status",
            "description": "Look up the current status and tracking number of an order.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "order_number": {
                        "type": "string",
                        "description": ORDER_NUMBER_TEXT,
                        "pattern": "^ORD-[0-9]+$",
                    },
                    "limit": {
                        "type": "integer",
                        "description": "How many events to show",
                        "minimum": 1,
                        "maximum": 50,
                        "default": 10,
                    },
                    "carrier": {
                        "type": "string",
                        "description": "Only this carrier",
                        "enum": ["ups", "dhl"],
                    },
                },
                "required": ["order_number"],
                "additionalProperties": False,
            },
        }
    ]
