"""Fixtures for the cassette tests: an echo server on 127.0.0.1.

The plugin's own fixtures (`toolbridge_cassette`, ...) come through its `pytest11` entry
point, exactly as a user's project gets them.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class EchoServer:
    """Answers every request with what it received, secrets echoed back in several encodings."""

    base_url: str
    hits: list[dict[str, Any]] = field(default_factory=list)


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        echoed = [v for k, v in self.headers.items() if k.lower() not in ("host", "accept")]
        echoed += list(query.values())
        payload = {
            "path": parts.path,
            "headers": dict(self.headers.items()),
            "query": query,
            "body": raw.decode("utf-8", "replace"),
            "plain": echoed,
            "b64": [base64.b64encode(v.encode()).decode() for v in echoed],
            "b64url": [base64.urlsafe_b64encode(v.encode()).decode().rstrip("=") for v in echoed],
            "blob": [base64.b64encode(f"user:{v}".encode()).decode() for v in echoed],
            "self": f"http://127.0.0.1:{self.server.server_address[1]}/next",
        }
        self.server.hits.append({"method": self.command, "path": parts.path})  # type: ignore[attr-defined]
        data = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Date": "Mon, 1 Jan 2026",
            "Set-Cookie": "session=cookie-value-Pq93kdLx; Path=/; HttpOnly",
        }
        if "gzip" in parts.path:
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = _answer


@pytest.fixture
def echo_server() -> Iterator[EchoServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield EchoServer(f"http://127.0.0.1:{server.server_address[1]}", server.hits)  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
