"""Local stand-ins for the model providers, speaking each one's real wire format.

A `StandIn` answers OpenAI Chat Completions (`/chat/completions`), the OpenAI Responses
API (`/responses`) or Anthropic Messages (`/v1/messages`) from a script of replies — the
same `reply(...)` / `calls(call(...))` steps `ScriptedModel` plays — or with an error
(`fail(429, retry_after=2)`, `fail(529)`, ...). It records every request body the SDK sent,
and checks each conversation the way the real API does (every tool call answered, ids
matching, Anthropic results in one user message first), answering 400 when it is not.

Use it in-process as an `httpx2` transport, or as a real HTTP server on 127.0.0.1:

    standin = StandIn("anthropic", [calls(call("lookup_order_status", order_number="ORD-1")),
                                    reply("It has shipped.")])
    client = anthropic.Anthropic(api_key="test", base_url="http://stand-in",
                                 http_client=httpx2.Client(transport=standin.transport()))
    with standin.serve() as url:   # or a loopback server: base_url=url (+ "/v1" for OpenAI)
        ...
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import httpx2

from ..errors import ScriptError
from ..models.scripted import Step, call, calls, reply

Provider = Literal["openai", "openai-responses", "anthropic"]
_PATHS = {"openai": "/chat/completions", "openai-responses": "/responses", "anthropic": "/messages"}
_MASKED_HEADERS = {"authorization", "x-api-key", "api-key"}


@dataclass(frozen=True)
class Failure:
    """A scripted error answer."""

    status: int
    message: str = ""
    retry_after: float | None = None
    type: str | None = None
    """The provider's error type; a sensible one for the status when None."""


def fail(status: int, message: str = "", *, retry_after: float | None = None,
         type: str | None = None) -> Failure:
    """Answer with an HTTP error in the provider's error format (429, 529, 400, 401, ...)."""
    return Failure(status, message or _DEFAULT_MESSAGES.get(status, "error"), retry_after, type)


@dataclass(frozen=True)
class Recorded:
    """One request the stand-in received; auth headers masked."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class StandIn:
    """A scripted model provider. Thread-safe; replies are consumed in order.

    Args:
        provider: which wire format to speak.
        script: replies: `reply(...)`, `calls(...)`, plain strings, or `fail(...)`.
    """

    def __init__(self, provider: Provider, script: Iterable[Step | Failure | str] = ()) -> None:
        if provider not in _PATHS:
            raise ScriptError(f"unknown stand-in provider {provider!r}: use one of {list(_PATHS)}")
        self.provider = provider
        self.script: list[Step | Failure] = []
        self.requests: list[Recorded] = []
        self.problems: list[str] = []
        """Requests the real API would have refused, and requests past the end of the script."""
        self._answered = 0
        self._lock = threading.Lock()
        self.add(*script)

    def add(self, *replies: Step | Failure | str) -> StandIn:
        self.script.extend(reply(r) if isinstance(r, str) else r for r in replies)
        return self

    @property
    def bodies(self) -> list[Any]:
        """The JSON bodies of every request, in order."""
        return [r.body for r in self.requests]

    def assert_complete(self) -> None:
        """Raise `ScriptError` if a reply was never used or a request was refused."""
        left = len(self.script) - self._answered
        issues = list(self.problems)
        if left:
            issues.append(f"{left} scripted repl{'y' if left == 1 else 'ies'} never requested")
        if issues:
            raise ScriptError(f"stand-in {self.provider}: " + "; ".join(issues))

    # -- the core: one request in, one response out -----------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], content: bytes
               ) -> tuple[int, dict[str, str], bytes]:
        """Answer one HTTP request: (status, headers, body)."""
        try:
            body = json.loads(content or b"null")
        except ValueError:
            body = content.decode("utf-8", "replace")
        shown = {k.lower(): v for k, v in headers.items()}
        shown.update({k: "***" for k in _MASKED_HEADERS if k in shown})
        with self._lock:
            self.requests.append(Recorded(method, path, shown, body))
            step, problem = self._next(method, path, body)
            if problem is not None:
                self.problems.append(problem)
                status = 404 if problem.startswith("no route") else 400
                status = 500 if problem.startswith("no scripted reply") else status
                return self._error(fail(status, f"stand-in {self.provider}: {problem}"))
            self._answered += 1
            if isinstance(step, Failure):
                return self._error(step)
            assert isinstance(step, Step)
            rendered = _RENDER[self.provider](step, body, self._answered)
        return 200, {"content-type": "application/json"}, json.dumps(rendered).encode()

    def _next(self, method: str, path: str, body: Any) -> tuple[Step | Failure | None, str | None]:
        """The reply due now, or what is wrong with the request."""
        if method != "POST" or not path.rstrip("/").endswith(_PATHS[self.provider]):
            return None, f"no route {method} {path}"
        if not isinstance(body, dict):
            return None, "the body is not a JSON object"
        problem = _PROTOCOL[self.provider](body)
        if problem is not None:
            return None, problem
        if self._answered >= len(self.script):
            return None, f"no scripted reply left for request {len(self.requests)}"
        step = self.script[self._answered]
        if isinstance(step, Step) and step.tool_calls and _forbids_tools(body):
            return None, f"reply {self._answered + 1} calls tools but tool_choice is none"
        return step, None

    def _error(self, failure: Failure) -> tuple[int, dict[str, str], bytes]:
        headers = {"content-type": "application/json"}
        if failure.retry_after is not None:
            headers["retry-after"] = f"{failure.retry_after:g}"
        kind = failure.type or _error_type(self.provider, failure.status)
        if self.provider == "anthropic":
            headers["request-id"] = f"req_standin_{len(self.requests)}"
            payload: dict[str, Any] = {
                "type": "error", "error": {"type": kind, "message": failure.message},
            }
        else:
            headers["x-request-id"] = f"req_standin_{len(self.requests)}"
            payload = {"error": {"message": failure.message, "type": kind, "param": None,
                                 "code": kind}}
        return failure.status, headers, json.dumps(payload).encode()

    # -- ways to reach it ---------------------------------------------------------------

    def transport(self) -> httpx2.MockTransport:
        """An `httpx2` transport for `httpx2.Client(transport=...)` or `AsyncClient`."""

        def handler(request: httpx2.Request) -> httpx2.Response:
            status, headers, content = self.handle(
                request.method, request.url.path, dict(request.headers), request.read()
            )
            return httpx2.Response(status, headers=headers, content=content)

        return httpx2.MockTransport(handler)

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Run as an HTTP server on 127.0.0.1 (random port); yields `http://127.0.0.1:PORT`.

        OpenAI clients take `base_url=url + "/v1"`, Anthropic clients `base_url=url`.
        """
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

    def client(self, *, asynchronous: bool = False, base_url: str | None = None) -> Any:
        """An official SDK client wired to this stand-in (the SDK must be installed).

        In-process through `transport()` unless `base_url` (from `serve()`) is given.
        Retries are off, so a scripted 429 surfaces at once.
        """
        transport = None if base_url else self.transport()
        http: Any = (httpx2.AsyncClient if asynchronous else httpx2.Client)(transport=transport)
        root = base_url or "http://stand-in"
        cls: Any
        if self.provider == "anthropic":
            import anthropic

            cls = anthropic.AsyncAnthropic if asynchronous else anthropic.Anthropic
            return cls(api_key="test", base_url=root, http_client=http, max_retries=0)
        import openai

        cls = openai.AsyncOpenAI if asynchronous else openai.OpenAI
        return cls(api_key="test", base_url=root + "/v1", http_client=http, max_retries=0)


def _handler_for(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            content = self.rfile.read(length) if length else b""
            status, headers, body = standin.handle(
                self.command, self.path.split("?")[0], dict(self.headers.items()), content
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET = _answer

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

    return Handler


# -- errors in each provider's vocabulary ----------------------------------------------

_DEFAULT_MESSAGES = {
    400: "Invalid request.",
    401: "Invalid API key.",
    403: "Permission denied.",
    429: "Rate limit reached. Please try again later.",
    500: "Internal server error.",
    503: "Service unavailable.",
    529: "Overloaded.",
}


def _error_type(provider: str, status: int) -> str:
    if provider == "anthropic":
        table = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}
        return table.get(status, "api_error")
    table = {400: "invalid_request_error", 401: "invalid_api_key", 403: "permission_denied",
             404: "not_found", 429: "rate_limit_exceeded"}
    return table.get(status, "server_error")


def _forbids_tools(body: dict[str, Any]) -> bool:
    choice = body.get("tool_choice")
    return choice == "none" or (isinstance(choice, dict) and choice.get("type") == "none")


def _tokens(value: Any) -> int:
    return max(1, len(json.dumps(value)) // 4)  # deterministic, roughly a token count


# -- protocol checks: what the real APIs answer 400 to -------------------------------


def _check_chat(body: dict[str, Any]) -> str | None:
    if not body.get("model") or not isinstance(body.get("messages"), list):
        return "model and messages are required"
    open_ids: list[str] = []
    for n, message in enumerate(body["messages"]):
        role = message.get("role")
        if role == "tool":
            if message.get("tool_call_id") not in open_ids:
                return (f"messages[{n}]: a 'tool' message must answer a preceding 'tool_calls' "
                        f"id, got {message.get('tool_call_id')!r}")
            open_ids.remove(message["tool_call_id"])
            continue
        if open_ids:
            return f"messages[{n}]: tool_calls {open_ids} were not answered by 'tool' messages"
        if role == "assistant":
            open_ids = [c["id"] for c in message.get("tool_calls") or []]
    if open_ids:
        return f"tool_calls {open_ids} were not answered by 'tool' messages"
    return None


def _check_responses(body: dict[str, Any]) -> str | None:
    if not body.get("model") or "input" not in body:
        return "model and input are required"
    items = body["input"] if isinstance(body["input"], list) else []
    calls_seen = {i.get("call_id") for i in items if i.get("type") == "function_call"}
    outputs = {i.get("call_id") for i in items if i.get("type") == "function_call_output"}
    for call_id in sorted(outputs - calls_seen):
        return f"No tool call found for function call output with call_id {call_id}."
    for call_id in sorted(calls_seen - outputs):
        return f"No tool output found for function call {call_id}."
    return None


def _check_anthropic(body: dict[str, Any]) -> str | None:
    if not body.get("model") or not body.get("max_tokens") or not body.get("messages"):
        return "model, max_tokens and messages are required"
    messages = body["messages"]
    if messages[0].get("role") != "user":
        return "messages: the first message must use the user role"
    expected: list[str] = []
    for n, message in enumerate(messages):
        blocks = message["content"]
        blocks = [{"type": "text", "text": blocks}] if isinstance(blocks, str) else blocks
        if not blocks or any(b.get("type") == "text" and not b.get("text") for b in blocks):
            return f"messages.{n}: content must be non-empty (and so must text blocks)"
        if n and message["role"] == messages[n - 1]["role"]:
            return f"messages.{n}: roles must alternate between user and assistant"
        if message["role"] == "user":
            results = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
            kinds = [b.get("type") for b in blocks]
            if results and kinds[: len(results)] != ["tool_result"] * len(results):
                return f"messages.{n}: tool_result blocks must come first in the content"
            if sorted(results) != sorted(expected):
                return (f"messages.{n}: tool_use ids {expected} must each have a tool_result "
                        f"block in the next message, found {results}")
            expected = []
        else:
            expected = [b["id"] for b in blocks if b.get("type") == "tool_use"]
            if expected and not body.get("tools"):
                return "requests that contain tool_use blocks must define tools"
    return None


_PROTOCOL = {"openai": _check_chat, "openai-responses": _check_responses,
             "anthropic": _check_anthropic}


# -- replies in each wire format -------------------------------------------------------


def _render_chat(step: Step, body: dict[str, Any], n: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": step.text, "refusal": None}
    if step.tool_calls:
        message["tool_calls"] = [
            {"id": c.id or f"call_{n}_{i}", "type": "function",
             "function": {"name": c.name, "arguments": c.arguments_json()}}
            for i, c in enumerate(step.tool_calls, 1)
        ]
    prompt, completion = _tokens(body), _tokens(message)
    return {
        "id": f"chatcmpl-standin-{n}", "object": "chat.completion", "created": 0,
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if step.tool_calls else "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                  "total_tokens": prompt + completion},
    }


def _render_responses(step: Step, body: dict[str, Any], n: int) -> dict[str, Any]:
    output: list[dict[str, Any]] = []
    if step.text is not None:
        output.append({"type": "message", "id": f"msg_standin_{n}", "status": "completed",
                       "role": "assistant",
                       "content": [{"type": "output_text", "text": step.text, "annotations": []}]})
    output.extend(
        {"type": "function_call", "id": f"fc_standin_{n}_{i}", "call_id": c.id or f"call_{n}_{i}",
         "name": c.name, "arguments": c.arguments_json(), "status": "completed"}
        for i, c in enumerate(step.tool_calls, 1)
    )
    prompt, completion = _tokens(body), _tokens(output)
    return {
        "id": f"resp_standin_{n}", "object": "response", "created_at": 0, "status": "completed",
        "model": body["model"], "output": output, "error": None, "incomplete_details": None,
        "instructions": body.get("instructions"), "parallel_tool_calls": True,
        "tool_choice": body.get("tool_choice", "auto"), "tools": body.get("tools", []),
        "usage": {"input_tokens": prompt, "output_tokens": completion,
                  "total_tokens": prompt + completion,
                  "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens_details": {"reasoning_tokens": 0}},
    }


def _render_anthropic(step: Step, body: dict[str, Any], n: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if step.text is not None:
        content.append({"type": "text", "text": step.text})
    content.extend(
        {"type": "tool_use", "id": c.id or f"toolu_{n}_{i}", "name": c.name, "input": c.parsed()}
        for i, c in enumerate(step.tool_calls, 1)
    )
    return {
        "id": f"msg_standin_{n}", "type": "message", "role": "assistant", "model": body["model"],
        "content": content, "stop_reason": "tool_use" if step.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": _tokens(body), "output_tokens": _tokens(content)},
    }


_RENDER = {"openai": _render_chat, "openai-responses": _render_responses,
           "anthropic": _render_anthropic}

__all__ = ["Failure", "Recorded", "StandIn", "call", "calls", "fail", "reply"]
