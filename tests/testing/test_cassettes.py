"""use_cassette: scrubbing before anything is written, strict replay, loopback-friendly files."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx2
import pytest
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException

from toolbridge import Toolkit
from toolbridge.testing.cassettes import (
    CassetteLeak,
    CassetteMismatch,
    CassetteUnplayed,
    ReadableYaml,
    use_cassette,
)
from toolbridge.testing.scrubbing import Scrubber

from .conftest import EchoServer

# Distinct secrets, each with characters that change under URL and base64 encoding.
HEADER_SECRET = "hdr/7Qm+2xV9=pLk"
BEARER_SECRET = "bearer-Zt81fQw3nB/x+y"
QUERY_SECRET = "qry/Hc5+u0R=t6sW"
UNLISTED_KEY = "sk-ant-unlisted-9rT2vX7q"  # never configured: caught by the header name
COOKIE_VALUE = "cookie-value-Pq93kdLx"  # set by the echo server, never configured
DEAD_ORIGIN = "http://127.0.0.1:9"  # nothing listens; replay never dials


def encodings(secret: str) -> set[str]:
    raw = secret.encode()
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.add(encode(raw).decode())
        forms.add(encode(raw).decode().rstrip("="))
    return forms


def planted_conversation(base_url: str) -> None:
    with httpx2.Client() as client:
        client.post(
            f"{base_url}/v1/messages",
            params={"access": QUERY_SECRET, "page": "2"},
            headers={
                "X-Shop-Auth-Value": HEADER_SECRET,
                "Authorization": f"Bearer {BEARER_SECRET}",
                "x-api-key": UNLISTED_KEY,
            },
            json={"messages": [{"role": "user", "content": "Where is ORD-1042?"}]},
        )
        client.get(f"{base_url}/orders/ORD-1042")


def post_swallowing_errors(url: str, payload: object) -> None:
    """What an SDK that retries and wraps transport errors does to a cassette miss."""
    with contextlib.suppress(Exception):
        httpx2.post(url, json=payload)


def record(path: Path, server: EchoServer, **options: object) -> None:
    secrets = {"SHOP_KEY": HEADER_SECRET, "BEARER": BEARER_SECRET, "QUERY": QUERY_SECRET}
    with use_cassette(path, record_mode="once", secrets=secrets, **options):  # type: ignore[arg-type]
        planted_conversation(server.base_url)


def test_recording_writes_no_secret_in_any_encoding(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    record(tmp_path / "planted.yaml", echo_server)

    written = {p: p.read_text() for p in tmp_path.rglob("*") if p.is_file()}
    assert list(written) == [tmp_path / "planted.yaml"]
    text = written[tmp_path / "planted.yaml"]
    for secret in (HEADER_SECRET, BEARER_SECRET, QUERY_SECRET, UNLISTED_KEY, COOKIE_VALUE):
        leaked = [form for form in encodings(secret) if form in text]
        assert leaked == [], f"{secret!r} written as {leaked}"
    assert "<redacted:QUERY>" in text and "<redacted:SHOP_KEY>" in text


def test_secret_inside_a_longer_base64_blob_is_scrubbed(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    record(tmp_path / "blob.yaml", echo_server)

    recorded = yaml.safe_load((tmp_path / "blob.yaml").read_text())
    blobs = recorded["interactions"][0]["response"]["parsed_body"]["blob"]
    decoded = []
    for blob in blobs:
        try:
            decoded.append(base64.b64decode(blob, validate=True).decode("utf-8", "replace"))
        except ValueError:
            continue
    planted = (HEADER_SECRET, BEARER_SECRET, QUERY_SECRET, UNLISTED_KEY)
    assert not [text for text in decoded if any(s in text for s in planted)]
    assert sum("<redacted" in blob for blob in blobs) >= len(planted)


def test_vcr_loggers_never_see_a_secret(
    tmp_path: Path, echo_server: EchoServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("vcr", "vcr.cassette", "vcr.stubs.httpx_stubs", "vcr.request", "vcr.matchers"):
        caplog.set_level(logging.DEBUG, logger=name)

    record(tmp_path / "logged.yaml", echo_server)

    vcr_lines = [r.getMessage() for r in caplog.records if r.name.startswith("vcr")]
    assert not [line for line in vcr_lines if BEARER_SECRET in line or QUERY_SECRET in line]
    assert not [line for line in vcr_lines if UNLISTED_KEY in line or COOKIE_VALUE in line]


def test_cassette_is_readable_json_without_noisy_headers(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    record(tmp_path / "readable.yaml", echo_server)

    interaction = yaml.safe_load((tmp_path / "readable.yaml").read_text())["interactions"][0]
    request, response = interaction["request"], interaction["response"]
    assert request["parsed_body"] == {
        "messages": [{"role": "user", "content": "Where is ORD-1042?"}]
    }
    assert request["uri"] == "http://loopback.invalid/v1/messages?access=<redacted:QUERY>&page=2"
    assert request["headers"]["authorization"] == ["<redacted>"]
    assert {"date", "content-length"}.isdisjoint(h.lower() for h in response["headers"])
    assert response["headers"]["set-cookie"] == ["<redacted>"]
    assert response["parsed_body"]["path"] == "/v1/messages"


def test_replay_answers_offline_and_maps_loopback_origin(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    path = tmp_path / "replay.yaml"
    with use_cassette(path, record_mode="once"):
        httpx2.post(f"{echo_server.base_url}/v1/chat", json={"text": "hi"})

    with use_cassette(path) as recording:
        replayed = httpx2.post(f"{DEAD_ORIGIN}/v1/chat", json={"text": "hi"})

    assert replayed.status_code == 200
    assert replayed.json()["self"] == f"{DEAD_ORIGIN}/next"
    assert recording.play_count == 1
    assert len(echo_server.hits) == 1


def test_changed_request_body_fails_with_a_mismatch(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    path = tmp_path / "drift.yaml"
    with use_cassette(path, record_mode="once"):
        httpx2.post(f"{echo_server.base_url}/v1/chat", json={"messages": ["Where is ORD-1042?"]})

    with pytest.raises(CannotOverwriteExistingCassetteException) as caught, use_cassette(path):
        httpx2.post(f"{DEAD_ORIGIN}/v1/chat", json={"messages": ["Where is ORD-9999?"]})

    assert isinstance(caught.value, CassetteMismatch)
    assert "body" in str(caught.value) and "ORD-9999" in str(caught.value)
    assert len(echo_server.hits) == 1


def test_mismatch_swallowed_by_the_caller_is_raised_when_the_cassette_closes(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    path = tmp_path / "swallowed.yaml"
    with use_cassette(path, record_mode="once"):
        httpx2.post(f"{echo_server.base_url}/v1/chat", json={"n": 1})

    with pytest.raises(CassetteMismatch), use_cassette(path):
        post_swallowing_errors(f"{DEAD_ORIGIN}/v1/chat", {"n": 2})


def test_partly_played_cassette_fails(tmp_path: Path, echo_server: EchoServer) -> None:
    path = tmp_path / "partly.yaml"
    with use_cassette(path, record_mode="once"):
        httpx2.get(f"{echo_server.base_url}/one")
        httpx2.get(f"{echo_server.base_url}/two")

    unplayed = r"(?s)1 of 2 .*GET http://loopback.invalid/two"
    with pytest.raises(CassetteUnplayed, match=unplayed), use_cassette(path):
        httpx2.get(f"{DEAD_ORIGIN}/one")


def test_a_recorded_interaction_is_not_played_twice(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    path = tmp_path / "once.yaml"
    with use_cassette(path, record_mode="once"):
        httpx2.get(f"{echo_server.base_url}/one")

    with pytest.raises(CassetteMismatch, match="already been played"), use_cassette(path):
        httpx2.get(f"{DEAD_ORIGIN}/one")
        httpx2.get(f"{DEAD_ORIGIN}/one")


def test_missing_cassette_in_replay_mode_says_how_to_record(tmp_path: Path) -> None:
    with (
        pytest.raises(CassetteMismatch, match="--record-mode=once"),
        use_cassette(tmp_path / "none.yaml"),
    ):
        httpx2.get(f"{DEAD_ORIGIN}/anything")

    assert not (tmp_path / "none.yaml").exists()


def test_volatile_values_do_not_break_matching(tmp_path: Path, echo_server: EchoServer) -> None:
    path = tmp_path / "volatile.yaml"
    first = {"text": "hi", "sent_at": "2026-01-05T10:00:00+01:00", "meta": {"nonce": "a1"}}
    later = {"text": "hi", "sent_at": "2026-02-07T11:30:00Z", "meta": {"nonce": "b2"}}
    with use_cassette(path, record_mode="once", volatile=["meta.nonce"]):
        httpx2.post(f"{echo_server.base_url}/v1/chat", json=first)

    with use_cassette(path, volatile=["meta.nonce"]) as recording:
        httpx2.post(f"{DEAD_ORIGIN}/v1/chat", json=later)

    assert recording.play_count == 1
    assert "<volatile>" in path.read_text()


def test_gzip_response_is_decoded_then_scrubbed(tmp_path: Path, echo_server: EchoServer) -> None:
    path = tmp_path / "gzip.yaml"
    with use_cassette(path, record_mode="once", secrets=[BEARER_SECRET]):
        live = httpx2.get(f"{echo_server.base_url}/gzip", headers={"X-Token-Echo": BEARER_SECRET})

    with use_cassette(path):
        replayed = httpx2.get(f"{DEAD_ORIGIN}/gzip")

    text = path.read_text()
    assert live.json()["headers"]["X-Token-Echo"] == BEARER_SECRET
    assert replayed.json()["headers"]["X-Token-Echo"].startswith("<redacted")
    assert not [f for f in encodings(BEARER_SECRET) if f in text]
    assert "Content-Encoding" not in text


def test_a_failing_block_records_nothing(tmp_path: Path, echo_server: EchoServer) -> None:
    path = tmp_path / "failed.yaml"
    with pytest.raises(RuntimeError, match="boom"), use_cassette(path, record_mode="once"):
        httpx2.get(f"{echo_server.base_url}/one")
        raise RuntimeError("boom")

    assert not path.exists()


def test_serializer_refuses_to_write_a_surviving_secret() -> None:
    serializer = ReadableYaml(Scrubber({"TOKEN": "tok-Xy81mQ2v"}))
    data = {
        "interactions": [
            {
                "request": {
                    "method": "GET",
                    "uri": "http://x.test/?t=tok-Xy81mQ2v",
                    "body": None,
                    "headers": {},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {},
                    "body": {"string": "{}"},
                },
            }
        ]
    }

    with pytest.raises(CassetteLeak) as caught:
        serializer.serialize(data)

    assert "TOKEN" in str(caught.value)
    assert "tok-Xy81mQ2v" not in str(caught.value)


def test_readable_yaml_round_trips_json_and_text_bodies() -> None:
    serializer = ReadableYaml()
    data = {
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "uri": "http://x.test/",
                    "body": '{"a": [1, "é"]}',
                    "headers": {"Content-Type": ["application/json"]},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {},
                    "body": {"string": "data: 1\n\ndata: [DONE]\n\n"},
                },
            }
        ]
    }

    text = serializer.serialize(data)
    loaded = serializer.deserialize(text)["interactions"][0]

    assert "parsed_body:" in text and "data: [DONE]" in text and "é" in text
    assert json.loads(loaded["request"]["body"]) == {"a": [1, "é"]}
    assert loaded["response"]["body"]["string"] == "data: 1\n\ndata: [DONE]\n\n"


def test_added_secrets_are_scrubbed_from_later_traffic(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    path = tmp_path / "added.yaml"
    with use_cassette(path, record_mode="once") as recording:
        recording.add_secrets(["late-secret-Vb72Kq"])
        httpx2.get(f"{echo_server.base_url}/late", params={"q": "late-secret-Vb72Kq"})

    assert "late-secret-Vb72Kq" not in path.read_text()
    assert re.search(r"q=<redacted>", path.read_text())


def test_secrets_in_form_and_text_bodies_are_scrubbed(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    path = tmp_path / "bodies.yaml"
    with use_cassette(path, record_mode="once", secrets={"PASS": "form-pass-Qz81/x"}):
        httpx2.post(
            f"{echo_server.base_url}/form", data={"user": "jana", "password": "form-pass-Qz81/x"}
        )
        httpx2.post(
            f"{echo_server.base_url}/text",
            content=b"token=form-pass-Qz81/x",
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )

    text = path.read_text()
    assert not [form for form in encodings("form-pass-Qz81/x") if form in text]
    assert text.count("<redacted:PASS>") >= 2


def test_toolkit_secrets_are_scrubbed_under_their_names(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    toolkit = Toolkit.from_dict(
        {
            "version": 1,
            "defaults": {"base_url": echo_server.base_url},
            "actions": [
                {
                    "name": "by_header",
                    "request": {"url": "/h"},
                    "auth": {"type": "header", "name": "X-Shop-Key", "secret": "SHOP_KEY"},
                },
                {
                    "name": "by_query",
                    "request": {"url": "/q"},
                    "auth": {"type": "query", "name": "access", "secret": "QUERY_KEY"},
                },
            ],
        },
        secrets={"SHOP_KEY": HEADER_SECRET, "QUERY_KEY": QUERY_SECRET},
    )
    path = tmp_path / "toolkit.yaml"

    with use_cassette(path, record_mode="once", secrets=toolkit), toolkit:
        results = [toolkit.call("by_header", {}), toolkit.call("by_query", {})]

    text = path.read_text()
    assert [r.status for r in results] == [200, 200]
    assert "<redacted:SHOP_KEY>" in text and "<redacted:QUERY_KEY>" in text
    assert not [f for s in (HEADER_SECRET, QUERY_SECRET) for f in encodings(s) if f in text]


def test_volatile_regexes_are_normalised_before_matching(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    path = tmp_path / "regex.yaml"
    request_id = re.compile(r"req_[0-9]+")
    with use_cassette(path, record_mode="once", volatile=[request_id]):
        httpx2.get(f"{echo_server.base_url}/search", params={"q": "mug", "rid": "req_1001"})

    with use_cassette(path, volatile=[request_id]) as recording:
        httpx2.get(f"{DEAD_ORIGIN}/search", params={"q": "mug", "rid": "req_2002"})

    assert recording.play_count == 1
