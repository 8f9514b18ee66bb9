"""A real HTTP/1.1 server on 127.0.0.1 that misbehaves on command (stdlib only).

Every request is recorded (method, raw path, query, headers, body) so tests assert what
the server actually received: how many attempts, that nothing was written twice, that a
path value stayed one segment. Routes:

    /echo...                      200, JSON of exactly what arrived
    /orders/{id}                  200, a ~2 KB order
    /status/{code}[?message=]     that status, JSON error body
    /reflect/{code}               that status, the credentials it got in the error message
    /delay/{ms}                   200 after a pause
    /cookie                       200 with a Set-Cookie
    /reset                        connection reset (RST), no response
    /retry-after?status=&seconds= or &date=   status with Retry-After (seconds or HTTP-date)
    /flaky/{code}/{n}             `code` for the first n hits of this path, then 200
    /big/{mb}                     mb megabytes, streamed; records bytes sent and aborts
    /gzip-bomb                    ~50 KB gzip that inflates to 49 MB
    /drip/{n}                     Content-Length n, one byte a second
    /redirect?to=URL[&status=302] a redirect to URL
    /chain/{n}                    n same-origin redirects, then 200
    /invalid-json  /html  /text   bodies of those kinds
    /deep-json                    valid JSON nested 100,000 deep (deeper than Python reads)
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ORDER = {
    "id": "ORD-1",
    "status": "shipped",
    "tracking": {"number": "TRK-1", "eta": "2026-01-05", "carrier": "DHL"},
    "customer": {"name": "Ada", "email": "ada@example.com"},
    "items": [{"sku": f"SKU-{i}", "name": f"Item number {i}", "qty": i, "price": 9.5 * i,
               "note": None} for i in range(12)],
    "history": [{"at": f"2026-01-0{i}T10:00:00Z", "event": "scanned at depot " * 3}
                for i in range(1, 9)],
}
GZIP_BOMB_SIZE = 49 * 1024 * 1024


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """~50 KB that inflates to 49 MB (built once, on first use)."""
    return gzip.compress(b"\0" * GZIP_BOMB_SIZE, compresslevel=9)


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    raw_path: str
    """Exactly the request target, percent-escapes untouched."""
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes


@dataclass
class FaultServer:
    """The server and what it saw. `reset()` between tests."""

    requests: list[Recorded] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)
    bytes_sent: dict[str, int] = field(default_factory=dict)
    aborted: threading.Event = field(default_factory=threading.Event)
    """Set when a client stopped reading a streamed body before its end."""
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultServer:
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = _Quiet(("127.0.0.1", 0), handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.hits.clear()
            self.bytes_sent.clear()
            self.aborted.clear()

    def seen(self, path_prefix: str = "") -> list[Recorded]:
        """Requests whose path starts with `path_prefix`."""
        with self.lock:
            return [q for q in self.requests if q.path.startswith(path_prefix)]


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets and aborted downloads are the point, not news


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_state: FaultServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().finish()

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    # -- plumbing ---------------------------------------------------------------------------

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), headers=headers)

    def _handle(self) -> None:
        state = self.server_state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        recorded = Recorded(
            method=self.command, raw_path=self.path, path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()}, body=body,
        )
        with state.lock:
            state.requests.append(recorded)
            state.hits[parts.path] += 1
            hits = state.hits[parts.path]
        segments = [s for s in parts.path.split("/") if s]
        route = segments[0] if segments else ""
        query = {k: v[-1] for k, v in recorded.query.items()}
        handler = getattr(self, f"_route_{route.replace('-', '_')}", None)
        if handler is None:
            self._json(404, {"error": {"message": "No such path on this test server."}})
            return
        handler(recorded, segments, query, hits)

    # -- routes -----------------------------------------------------------------------------

    def _route_echo(self, rec: Recorded, segments: list[str], query: dict[str, str],
                    hits: int) -> None:
        self._json(200, {"method": rec.method, "path": rec.raw_path.split("?", 1)[0],
                         "raw_path": rec.raw_path, "query": rec.query, "headers": rec.headers,
                         "body": rec.body.decode("utf-8", "replace")})

    def _route_orders(self, rec: Recorded, segments: list[str], query: dict[str, str],
                      hits: int) -> None:
        self._json(200, {**ORDER, "id": segments[1] if len(segments) > 1 else ORDER["id"]})

    def _route_status(self, rec: Recorded, segments: list[str], query: dict[str, str],
                      hits: int) -> None:
        code = int(segments[1])
        self._json(code, {"error": {"message": query.get("message", f"status {code}")}})

    def _route_reflect(self, rec: Recorded, segments: list[str], query: dict[str, str],
                       hits: int) -> None:
        # An API whose error message repeats the credentials it got (it happens).
        words = [rec.headers.get("authorization", ""), rec.headers.get("x-api-key", ""),
                 *(v for values in rec.query.values() for v in values)]
        self._json(int(segments[1]), {"error": {"message": "rejected: " + " ".join(words)}})

    def _route_cookie(self, rec: Recorded, segments: list[str], query: dict[str, str],
                      hits: int) -> None:
        self._json(200, {"ok": True}, headers={"Set-Cookie": "session=user-a; Path=/"})

    def _route_delay(self, rec: Recorded, segments: list[str], query: dict[str, str],
                     hits: int) -> None:
        self.server_state.stopping.wait(int(segments[1]) / 1000)
        self._json(200, {"ok": True})

    def _route_reset(self, rec: Recorded, segments: list[str], query: dict[str, str],
                     hits: int) -> None:
        # SO_LINGER 0: close() sends RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _route_retry_after(self, rec: Recorded, segments: list[str], query: dict[str, str],
                           hits: int) -> None:
        if "date" in query:
            value = formatdate(time.time() + int(query["date"]), usegmt=True)
        else:
            value = query.get("seconds", "1")
        self._json(int(query.get("status", "429")), {"error": {"message": "slow down"}},
                   headers={"Retry-After": value})

    def _route_flaky(self, rec: Recorded, segments: list[str], query: dict[str, str],
                     hits: int) -> None:
        code, failures = int(segments[1]), int(segments[2])
        if hits <= failures:
            self._json(code, {"error": {"message": f"failure {hits}"}})
        else:
            self._json(200, {"ok": True, "hits": hits})

    def _route_big(self, rec: Recorded, segments: list[str], query: dict[str, str],
                   hits: int) -> None:
        total = int(segments[1]) * 1024 * 1024
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        self._stream(b"x" * 65536, total, rec.path)

    def _stream(self, chunk: bytes, total: int, key: str) -> None:
        sent = 0
        try:
            while sent < total:
                piece = chunk[: total - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except OSError:
            # Recorded before `aborted` is set: a test woken by it reads the count at once.
            self.server_state.bytes_sent[key] = sent
            self.server_state.aborted.set()
            self.close_connection = True
        finally:
            self.server_state.bytes_sent[key] = sent

    def _route_gzip_bomb(self, rec: Recorded, segments: list[str], query: dict[str, str],
                         hits: int) -> None:
        self._send(200, gzip_bomb(), "application/json", {"Content-Encoding": "gzip"})

    def _route_drip(self, rec: Recorded, segments: list[str], query: dict[str, str],
                    hits: int) -> None:
        total = int(segments[1])
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        try:
            for _ in range(total):
                self.wfile.write(b".")
                self.wfile.flush()
                if self.server_state.stopping.wait(1.0):
                    break
        except OSError:
            self.server_state.aborted.set()
            self.close_connection = True

    def _route_redirect(self, rec: Recorded, segments: list[str], query: dict[str, str],
                        hits: int) -> None:
        self._send(int(query.get("status", "302")), b"", "text/plain",
                   {"Location": query["to"]})

    def _route_chain(self, rec: Recorded, segments: list[str], query: dict[str, str],
                     hits: int) -> None:
        left = int(segments[1])
        if left == 0:
            self._json(200, {"ok": True, "path": rec.raw_path})
        else:
            self._send(302, b"", "text/plain", {"Location": f"/chain/{left - 1}"})

    def _route_invalid_json(self, rec: Recorded, segments: list[str], query: dict[str, str],
                            hits: int) -> None:
        self._send(200, b'{"id": "ORD-1", "status": ', "application/json")

    def _route_deep_json(self, rec: Recorded, segments: list[str], query: dict[str, str],
                         hits: int) -> None:
        self._send(200, b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "application/json")

    def _route_html(self, rec: Recorded, segments: list[str], query: dict[str, str],
                    hits: int) -> None:
        page = (b"<!doctype html><html><head><title>Status</title><style>p{}</style>"
                b"<script>var token='x';</script></head><body><h1>Order ORD-1</h1>"
                b"<p>Shipped on Monday.</p></body></html>")
        self._send(200, page, "text/html; charset=utf-8")

    def _route_text(self, rec: Recorded, segments: list[str], query: dict[str, str],
                    hits: int) -> None:
        self._send(200, b"plain words", "text/plain")
