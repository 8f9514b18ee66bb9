"""Audit events, and no secret or argument value in any log line (ours or httpx2's)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from harness import Factory
from server import FaultServer

from toolbridge import results as r

SECRET = "qs-secret-5f2a9c"
LOOKUP: dict[str, Any] = {
    "name": "lookup", "request": {"url": "/echo/orders/{order}", "query": {"note": "{{note}}"}},
    "auth": {"type": "query", "name": "api_key", "secret": "KEY"},
    "variables": [{"name": "order", "required": True}, {"name": "note"},
                  {"name": "customer", "type": "object",
                   "properties": [{"name": "email", "type": "email"}]}],
    "output": {"redact": ["customer.email"]},
}


def test_basic_event_masks_argument_values_and_shows_the_url_template(
    make: Factory, fault_server: FaultServer
) -> None:
    harness = make(fault_server.base_url, [LOOKUP], secrets={"KEY": SECRET})

    harness.toolkit.call("lookup", {"order": "ORD-77"}, context={"conversation_id": "c-1"})

    (event,) = harness.events
    assert event["action"] == "lookup" and event["conversation_id"] == "c-1"
    assert event["arguments"] == {"order": "***"}
    assert event["request"] == {"method": "GET",
                                "url": f"{fault_server.base_url}/echo/orders/{{order}}"}
    assert (event["ok"], event["status"], event["attempts"], event["refused"]) == (
        True, 200, 1, None)
    assert isinstance(event["elapsed_ms"], float)


def test_full_event_keeps_values_but_masks_redact_paths_and_secrets(
    make: Factory, fault_server: FaultServer
) -> None:
    action = {**LOOKUP, "safety": {"audit": "full"}}
    harness = make(fault_server.base_url, [action], secrets={"KEY": SECRET})

    harness.toolkit.call("lookup", {"order": "ORD-77", "note": f"key is {SECRET}",
                                    "customer": {"email": "ada@example.com"}})

    (event,) = harness.events
    assert event["arguments"] == {"order": "ORD-77", "note": "key is ***",
                                  "customer": {"email": "***"}}
    assert event["request"]["url"].endswith("api_key=***")
    assert SECRET not in repr(event)


def test_refused_calls_are_audited_with_the_reason(make: Factory,
                                                   fault_server: FaultServer) -> None:
    harness = make(fault_server.base_url, [LOOKUP], secrets={"KEY": SECRET})

    harness.toolkit.call("lookup", {"order": 5, "bogus": 1})
    harness.toolkit.call("lookup", {})

    assert [e["refused"] for e in harness.events] == [r.INVALID_ARGUMENTS, r.NEEDS_INPUT]
    assert all(e["arguments"] is None for e in harness.events)
    assert fault_server.seen() == []


def test_audit_off_emits_nothing(make: Factory, fault_server: FaultServer) -> None:
    harness = make(fault_server.base_url, [{**LOOKUP, "safety": {"audit": "off"}}],
                   secrets={"KEY": SECRET})

    harness.toolkit.call("lookup", {"order": "ORD-1"})

    assert harness.events == []


def test_audit_logger_carries_the_event_and_no_value_in_the_message(
    make: Factory, fault_server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    harness = make(fault_server.base_url, [{**LOOKUP, "safety": {"audit": "full"}}],
                   secrets={"KEY": SECRET}, audit=None)
    caplog.set_level(logging.INFO, logger="toolbridge.audit")

    harness.toolkit.call("lookup", {"order": "ORD-4242"})

    (record,) = [rec for rec in caplog.records if rec.name == "toolbridge.audit"]
    assert record.getMessage() == (
        f"toolbridge call lookup: ok status=200 outcome=None attempts=1 "
        f"elapsed_ms={record.audit['elapsed_ms']}"
    )
    assert record.audit["arguments"] == {"order": "ORD-4242"}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_log_line_of_any_logger_holds_the_secret_or_an_argument_value(
    make: Factory, fault_server: FaultServer, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    import anyio

    harness = make(fault_server.base_url, [LOOKUP], secrets={"KEY": SECRET})
    caplog.set_level(logging.DEBUG)
    args = {"order": "ORD-31337", "note": "gift-wrap-please"}

    if mode == "sync":
        result = harness.toolkit.call("lookup", args)
    else:
        async def go() -> Any:
            try:
                return await harness.toolkit.acall("lookup", args)
            finally:
                await harness.executor.aclose()

        result = anyio.run(go)

    assert result.ok
    names = {rec.name for rec in caplog.records}
    assert {"httpx2", "httpcore2.http11", "httpcore2.connection"} <= names
    for text in [caplog.text, *(rec.getMessage() for rec in caplog.records)]:
        for leaked in (SECRET, "ORD-31337", "gift-wrap-please"):
            assert leaked not in text
    (request_line,) = [rec.getMessage() for rec in caplog.records if rec.name == "httpx2"]
    assert "/echo/orders/{order} (toolbridge)" in request_line
