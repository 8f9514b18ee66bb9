"""The one exception map is complete, and the drivers step a flow as told."""

from __future__ import annotations

import gzip
import inspect

import anyio
import httpcore2
import httpx2
import pytest

from toolbridge import results as r
from toolbridge.execution.drivers import (
    EXCEPTION_CODES,
    map_exception,
    run_async,
    run_sync,
    send_async,
    send_sync,
)
from toolbridge.execution.flow import Failed, Received, Send, Sleep
from toolbridge.execution.network import AddressBlocked


def _exception_classes(module: object) -> list[type[BaseException]]:
    return [
        obj for name in getattr(module, "__all__", dir(module))
        if inspect.isclass(obj := getattr(module, name)) and issubclass(obj, BaseException)
    ]


@pytest.mark.parametrize("module", [httpx2, httpcore2], ids=["httpx2", "httpcore2"])
def test_every_client_exception_class_has_its_own_entry(module: object) -> None:
    classes = _exception_classes(module)

    unmapped = [cls.__name__ for cls in classes if cls not in EXCEPTION_CODES]

    assert classes and unmapped == []


def test_every_mapped_code_is_a_stable_error_code() -> None:
    assert {code for code, _ in EXCEPTION_CODES.values()} <= r.ERROR_CODES


@pytest.mark.parametrize(("exc", "code", "retryable"), [
    (httpx2.ConnectError("refused"), r.CONNECTION_ERROR, True),
    (httpx2.ConnectTimeout("slow connect"), r.TIMEOUT, True),
    (httpx2.ReadTimeout("slow body"), r.TIMEOUT, False),
    (httpx2.RemoteProtocolError("Server disconnected"), r.CONNECTION_ERROR, True),
    (httpx2.DecodingError("bad gzip"), r.INVALID_RESPONSE, False),
    (httpx2.UnsupportedProtocol("ftp"), r.BLOCKED, False),
    (TimeoutError(), r.TIMEOUT, False),
    (AddressBlocked("127.0.0.1 is a loopback address"), r.BLOCKED, False),
])
def test_map_exception_gives_code_and_retryability(exc: BaseException, code: str,
                                                   retryable: bool) -> None:
    failed = map_exception(exc, 0.5)

    assert failed == Failed(code, retryable, failed.detail if failed else "", 0.5)


def test_map_exception_keeps_no_message_that_could_hold_a_url() -> None:
    failed = map_exception(httpx2.ConnectError("https://api.test/?key=sk-secret-1 refused"))

    assert failed is not None and failed.detail == "ConnectError"


def test_unknown_exceptions_are_not_swallowed() -> None:
    assert map_exception(KeyError("bug")) is None


def _flow():  # type: ignore[no-untyped-def]
    got = yield Send(None, 1, "GET", "u", [], None, 1.0, 10)  # type: ignore[arg-type]
    yield Sleep(0.25)
    again = yield Send(None, 2, "GET", "u", [], None, 1.0, 10)  # type: ignore[arg-type]
    return (got.status, again.status)


def test_run_sync_performs_sends_and_sleeps_in_order() -> None:
    done: list[object] = []

    def perform(send: Send) -> Received:
        done.append(send.attempt)
        return Received(200 + send.attempt, {}, b"", 0.0, 0.0)

    result = run_sync(_flow(), perform, sleep=done.append)

    assert done == [1, 0.25, 2] and result == (201, 202)


def test_run_async_performs_sends_and_sleeps_in_order() -> None:
    done: list[object] = []

    async def perform(send: Send) -> Received:
        done.append(send.attempt)
        return Received(200 + send.attempt, {}, b"", 0.0, 0.0)

    async def sleep(seconds: float) -> None:
        done.append(seconds)

    result = anyio.run(run_async, _flow(), perform, sleep)

    assert done == [1, 0.25, 2] and result == (201, 202)



def test_content_type_is_read_whatever_the_header_case() -> None:
    from toolbridge.execution.drivers import _content_type

    headers = httpx2.Headers([("X-Other", "1"), ("CONTENT-Type", "application/json; q=1")])

    assert _content_type(headers) == "application/json; q=1"
    assert _content_type(httpx2.Headers({"x-other": "1"})) is None


def _mock_send(max_bytes: int) -> Send:
    return Send(None, 1, "GET", "https://api.test/x", [], None,  # type: ignore[arg-type]
                5.0, max_bytes)


def _preloaded(body: bytes, encoding: str | None = None) -> httpx2.MockTransport:
    """A mock transport whose responses httpx2 reads when it builds them."""
    def handler(request: httpx2.Request) -> httpx2.Response:
        if encoding == "gzip":
            return httpx2.Response(200, content=gzip.compress(body),
                                   headers={"content-encoding": "gzip"})
        return httpx2.Response(200, content=body, headers={"content-type": "text/plain"})

    return httpx2.MockTransport(handler)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("size", "cap", "fits"), [(100, 100, True), (101, 100, False)])
def test_a_body_httpx2_already_holds_keeps_the_size_cap(mode: str, size: int, cap: int,
                                                        fits: bool) -> None:
    body = b"x" * size
    if mode == "sync":
        with httpx2.Client(transport=_preloaded(body)) as client:
            got = send_sync(client, _mock_send(cap))
    else:
        async def run() -> Received | Failed:
            async with httpx2.AsyncClient(transport=_preloaded(body)) as client:
                return await send_async(client, _mock_send(cap))

        got = anyio.run(run)

    if fits:
        assert isinstance(got, Received) and got.body == body and got.status == 200
        assert got.content_type == "text/plain"
    else:
        assert isinstance(got, Failed) and got.code == r.RESPONSE_TOO_LARGE
        assert got.status == 200


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_held_body_is_the_decoded_one_and_capped_as_decoded(mode: str) -> None:
    body = b"a" * 5000  # gzips to a few dozen bytes
    for cap, fits in ((5000, True), (4999, False)):
        if mode == "sync":
            with httpx2.Client(transport=_preloaded(body, "gzip")) as client:
                got = send_sync(client, _mock_send(cap))
        else:
            async def run(cap: int = cap) -> Received | Failed:
                async with httpx2.AsyncClient(transport=_preloaded(body, "gzip")) as client:
                    return await send_async(client, _mock_send(cap))

            got = anyio.run(run)
        if fits:
            assert isinstance(got, Received) and got.body == body
        else:
            assert isinstance(got, Failed) and got.code == r.RESPONSE_TOO_LARGE
