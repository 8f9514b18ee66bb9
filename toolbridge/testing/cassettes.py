"""Record a conversation (model calls and API calls) once, replay it in CI: vcrpy, made safe.

`use_cassette()` wraps vcrpy (which patches httpx2, the stack under toolbridge and the
OpenAI / Anthropic SDKs) with what a test suite guarding a bot needs:

- **No secret is ever written.** Every request and response is scrubbed as it is recorded
  (auth headers, cookies, credential query parameters, the configured secrets in every
  encoding, in any content type) and again before saving; the serializer refuses to emit
  a file in which a known secret survived. vcrpy's own loggers print whole interactions
  before any hook runs, so they are muted below WARNING while a cassette is in use.
- **Drift fails.** Requests match on method, scheme, host, port, path, query and body, so a
  changed user message cannot replay the old answer. A miss raises `CassetteMismatch`
  even when an SDK swallowed it on the way (the OpenAI SDK retries and wraps transport
  errors): it is raised again when the cassette closes. A cassette only partly played
  raises `CassetteUnplayed`.
- **Replays anywhere.** Loopback origins (test servers on a random port) are recorded as
  `http://loopback.invalid` and mapped back to the live origin on replay; timestamps,
  UUIDs and caller-named JSON paths / regexes are normalised before matching.
- **Readable.** JSON bodies are stored parsed (`parsed_body:`, the pydantic-ai layout),
  compressed bodies decoded, noisy headers dropped.

The pytest fixture lives in `plugin.py`; the pure scrubbing in `scrubbing.py`.
"""

from __future__ import annotations

import copy
import difflib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vcr.stubs.httpx_stubs  # noqa: F401  (imported so its logger exists before muting)
import yaml
from vcr import matchers as vcr_matchers
from vcr.cassette import Cassette
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.filters import decode_response
from vcr.record_mode import RecordMode, validate_record_mode
from vcr.request import Request
from vcr.util import read_body

from ..errors import ToolbridgeError
from .scrubbing import (
    Scrubber,
    SecretsLike,
    clean_headers,
    clean_query,
    dump_json,
    learn_from_json,
    normalise_body,
    parse_json,
)

LOOPBACK_HOST = "loopback.invalid"
"""Recorded in place of 127.0.0.1:<port> (`.invalid` never resolves, so nothing dials it)."""
_LOOPBACK = re.compile(r"(?<![\w.-])(?:127(?:\.\d{1,3}){3}|localhost|\[::1\]):\d{1,5}")
RECORD_MODES = tuple(mode.value for mode in RecordMode)
DEFAULT_MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")

try:  # libyaml when present: cassettes of long conversations load noticeably faster
    _Loader: Any = yaml.CSafeLoader
    _BaseDumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - pure-python PyYAML
    _Loader = yaml.SafeLoader
    _BaseDumper = yaml.SafeDumper


class CassetteError(ToolbridgeError):
    """A cassette could not be used safely or does not fit the conversation."""


class CassetteMismatch(CassetteError, CannotOverwriteExistingCassetteException):  # type: ignore[misc]
    """A request is not in the cassette (the conversation drifted, or nothing is recorded).

    The message is vcrpy's explanation (closest recorded requests and how they differ),
    built from the scrubbed request.
    """

    def __init__(self, cassette: Cassette, request: Request) -> None:
        super().__init__(cassette=cassette, failed_request=request)  # type: ignore[call-arg]
        mode = getattr(cassette.record_mode, "value", cassette.record_mode)
        hint = (
            f"toolbridge cassette {cassette._path}: request not recorded "
            f"(record mode {mode!r}). Re-record with `pytest --record-mode=once` after "
            "deleting the cassette if the conversation changed on purpose.\n"
        )
        self.args = (hint + str(self.args[0] if self.args else ""),)


class CassetteUnplayed(CassetteError, AssertionError):
    """Recorded interactions were never requested: the conversation ended early or drifted."""


class CassetteLeak(CassetteError):
    """A known secret survived scrubbing; the cassette was not written."""


# -- matching ----------------------------------------------------------------------------------


def body(r1: Request, r2: Request) -> None:
    """vcrpy matcher: JSON bodies compare parsed (any content type), others byte for byte."""
    b1, b2 = read_body(r1) or b"", read_body(r2) or b""
    j1, v1 = parse_json(b1)
    j2, v2 = parse_json(b2)
    if (j1 and j2 and v1 == v2) or (not (j1 and j2) and b1 == b2):
        return
    raise AssertionError(_diff(v1 if j1 else b1, v2 if j2 else b2))


def _diff(new: Any, recorded: Any) -> str:
    def lines(value: Any) -> list[str]:
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace").splitlines()
        return json.dumps(value, indent=1, ensure_ascii=False).splitlines()

    diff = list(
        difflib.unified_diff(
            lines(recorded), lines(new), "recorded", "this request", n=1, lineterm=""
        )
    )
    return "\n".join(diff[:30] + ([f"... ({len(diff) - 30} more lines)"] if len(diff) > 30 else []))


_MATCHERS: dict[str, Callable[[Request, Request], None]] = {
    "method": vcr_matchers.method,
    "scheme": vcr_matchers.scheme,
    "host": vcr_matchers.host,
    "port": vcr_matchers.port,
    "path": vcr_matchers.path,
    "query": vcr_matchers.query,
    "body": body,
    "headers": vcr_matchers.headers,
}


# -- what is recorded --------------------------------------------------------------------------


class _Recorder:
    """Turns live traffic into what the cassette stores, and back on replay."""

    def __init__(
        self,
        secrets: SecretsLike,
        volatile: Iterable[str | re.Pattern[str]],
        default_volatile: bool,
    ) -> None:
        from .scrubbing import DEFAULT_VOLATILE_PATTERNS

        self.scrubber = Scrubber(secrets)
        items = list(volatile)
        self.patterns = [
            *(DEFAULT_VOLATILE_PATTERNS if default_volatile else ()),
            *(p for p in items if isinstance(p, re.Pattern)),
        ]
        self.paths = [p for p in items if isinstance(p, str)]

    def request(self, request: Request) -> Request:
        """vcrpy's before_record_request: also applied to live requests before matching."""
        out = copy.deepcopy(request)
        out.headers = clean_headers(self.scrubber, dict(out.headers))
        scheme, netloc, path, query = _split(out.uri)
        query = clean_query(self.scrubber, _LOOPBACK.sub(LOOPBACK_HOST, query), self.patterns)
        path = self.scrubber.text(path)
        netloc = _LOOPBACK.sub(LOOPBACK_HOST, netloc)
        out.uri = f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")
        raw = read_body(out)
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        if raw:
            raw = _LOOPBACK.sub(LOOPBACK_HOST, raw.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape"
            )
        out.body = normalise_body(raw, self.scrubber, self.patterns, self.paths)
        return out

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """Decode, drop noise, redact and scrub a live response before it is kept."""
        out: dict[str, Any] = decode_response(response)
        encoding = [k for k in out["headers"] if k.lower() == "content-encoding"]
        if encoding:
            raise CassetteError(
                f"cannot scrub a response compressed with {out['headers'][encoding[0]]!r}: "
                "install the matching decompressor or have the server send it uncompressed"
            )
        out["headers"] = {
            name: [_LOOPBACK.sub(LOOPBACK_HOST, v) for v in values]
            for name, values in clean_headers(self.scrubber, out["headers"]).items()
        }
        data = out["body"]["string"]
        if isinstance(data, str):
            data = data.encode("utf-8")
        if data:
            is_json, parsed = parse_json(data)
            if is_json:
                learn_from_json(self.scrubber, parsed)
            text = self.scrubber.data(data).decode("utf-8", "surrogateescape")
            data = _LOOPBACK.sub(LOOPBACK_HOST, text).encode("utf-8", "surrogateescape")
        out["body"]["string"] = data
        return out

    def before_save(self, request: Request, response: dict[str, Any]) -> tuple[Any, Any]:
        """Last pass with every secret known by now (some are learned late)."""
        scrub = self.scrubber
        request.uri = scrub.text(request.uri)
        request.headers = {k: scrub.text(v) for k, v in request.headers.items()}
        raw = read_body(request)
        if raw:
            request.body = scrub.data(raw.encode() if isinstance(raw, str) else raw)
        response["headers"] = {
            k: [scrub.text(v) for v in vs] for k, vs in response["headers"].items()
        }
        data = response["body"].get("string")
        if data:
            response["body"]["string"] = scrub.data(
                data.encode() if isinstance(data, str) else data
            )
        return request, response

    @staticmethod
    def replay(request: Request, response: dict[str, Any]) -> dict[str, Any]:
        """Map the loopback placeholder back to the origin this run's request went to."""
        _, netloc, _, _ = _split(request.uri)
        if not _LOOPBACK.fullmatch(netloc):
            return response
        out = copy.deepcopy(response)
        out["headers"] = {
            k: [v.replace(LOOPBACK_HOST, netloc) for v in vs] for k, vs in out["headers"].items()
        }
        data = out["body"].get("string")
        if isinstance(data, bytes):
            out["body"]["string"] = data.replace(LOOPBACK_HOST.encode(), netloc.encode())
        return out


def _split(uri: str) -> tuple[str, str, str, str]:
    scheme, _, rest = uri.partition("://")
    netloc, slash, rest = rest.partition("/")
    path, _, query = (slash + rest).partition("?")
    return scheme, netloc, path.partition("#")[0], query.partition("#")[0]


# -- the cassette file -------------------------------------------------------------------------


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """Multi-line strings (event streams, prompts) as literal blocks."""


def _represent_str(dumper: Any, value: str) -> Any:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


class ReadableYaml:
    """vcrpy serializer: JSON bodies as parsed YAML, and a last leak check before writing."""

    def __init__(self, scrubber: Scrubber | None = None) -> None:
        self._scrubber = scrubber

    def serialize(self, data: dict[str, Any]) -> str:
        for item in data.get("interactions", []):
            item["request"] = _readable(item["request"], "request")
            item["response"] = _readable(item["response"], "response")
        if self._scrubber is not None:
            leaks = sorted({m for s in _strings(data) for m in self._scrubber.leaks(s)})
            if leaks:
                raise CassetteLeak(
                    f"secrets {', '.join(leaks)} survived scrubbing; the cassette was not written"
                )
        return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100))

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        data = yaml.load(text, Loader=_Loader) or {}
        for item in data.get("interactions", []):
            request, response = item["request"], item["response"]
            if "parsed_body" in request:
                request["body"] = dump_json(request.pop("parsed_body"))
            item["request"] = {
                "method": request["method"],
                "uri": request["uri"],
                "body": request.get("body"),
                "headers": request.get("headers") or {},
            }
            if "parsed_body" in response:
                response["body"] = {"string": dump_json(response.pop("parsed_body"))}
            response.setdefault("body", {"string": ""})
            response.setdefault("headers", {})
            response["status"].setdefault("message", "")
        return data


def _readable(part: dict[str, Any], kind: str) -> dict[str, Any]:
    out = {k: v for k, v in part.items() if k != "body"}
    raw = part.get("body")
    if kind == "response":
        raw = (raw or {}).get("string")
    is_json, parsed = parse_json(raw) if isinstance(raw, (str, bytes)) else (False, None)
    if is_json:
        out["parsed_body"] = parsed
    elif kind == "response":
        out["body"] = {"string": raw if raw is not None else ""}
    elif raw:
        out["body"] = raw
    return out


def _strings(value: Any) -> Iterator[str | bytes]:
    if isinstance(value, (str, bytes)):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


class _Cassette(Cassette):  # type: ignore[misc]
    """vcrpy's cassette plus: scrub on record, restore origins on replay, remember misses."""

    def __init__(self, *args: Any, recorder: _Recorder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorder = recorder
        self.failures: list[CassetteMismatch] = []
        self._loading = False

    def _load(self) -> None:
        self._loading = True
        try:
            super()._load()
        finally:
            self._loading = False

    def append(self, request: Request, response: dict[str, Any]) -> None:
        if not self._loading:
            response = self.recorder.response(response)
        super().append(request, response)

    def play_response(self, request: Request) -> dict[str, Any]:
        return self.recorder.replay(request, super().play_response(request))

    def can_play_response_for(self, request: Request) -> bool:
        if super().can_play_response_for(request):
            return True
        if self.write_protected:
            failure = CassetteMismatch(self, self._before_record_request(request))
            self.failures.append(failure)
            raise failure
        return False

    def unplayed(self) -> list[Request]:
        if self.record_mode == RecordMode.ALL:
            return []
        return [self.data[i][0] for i in range(self._loaded_count) if not self.play_counts[i]]


# -- vcrpy's loggers ---------------------------------------------------------------------------


class _BelowWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


_MUTE = _BelowWarning()
_mute_lock = threading.Lock()
_mute_depth = 0


@contextmanager
def _quiet_vcr_logs() -> Iterator[None]:
    """vcrpy logs raw requests and responses at DEBUG/INFO before any scrubbing hook runs."""
    global _mute_depth
    names = [n for n in list(logging.root.manager.loggerDict) if n == "vcr" or n.startswith("vcr.")]
    loggers = [logging.getLogger(n) for n in names]
    with _mute_lock:
        _mute_depth += 1
        for logger in loggers:
            logger.addFilter(_MUTE)
    try:
        yield
    finally:
        with _mute_lock:
            _mute_depth -= 1
            if _mute_depth == 0:
                for logger in loggers:
                    logger.removeFilter(_MUTE)


# -- the public entry point --------------------------------------------------------------------


@dataclass
class Recording:
    """The cassette in use: where it lives, whether it records, and more secrets to scrub."""

    path: Path
    record_mode: str
    cassette: _Cassette

    def add_secrets(self, secrets: SecretsLike) -> None:
        """Scrub these too: a mapping name → value, values, a `Toolkit` or a `SecretStore`."""
        self.cassette.recorder.scrubber.add(secrets)

    @property
    def recording(self) -> bool:
        """True when requests not in the cassette go to the network and get recorded."""
        return not self.cassette.write_protected

    @property
    def play_count(self) -> int:
        return int(self.cassette.play_count)

    @property
    def interactions(self) -> int:
        return len(self.cassette)


@contextmanager
def use_cassette(
    path: str | os.PathLike[str],
    *,
    secrets: SecretsLike = (),
    record_mode: str = "none",
    volatile: Iterable[str | re.Pattern[str]] = (),
    default_volatile: bool = True,
    match_on: Sequence[str | Callable[[Request, Request], None]] = DEFAULT_MATCH_ON,
    allow_playback_repeats: bool = False,
) -> Iterator[Recording]:
    """Record HTTP traffic to `path`, or replay it from there.

    Args:
        path: the cassette file (YAML).
        secrets: values to scrub besides auth headers, cookies and credential-looking
            parameters: a mapping name → value (marked `<redacted:NAME>`), values, a
            `Toolkit` (every secret its actions name) or a `SecretStore`.
        record_mode: vcrpy's modes. `none` (default) only replays, so CI never reaches
            the network; `once` records a missing cassette; `new_episodes` adds; `all`
            re-records.
        volatile: what changes between runs in request bodies and query strings: dotted
            JSON paths (`metadata.sent_at`, `messages[].id`) and compiled regexes.
        default_volatile: also normalise ISO date-times and UUIDs.
        match_on: vcrpy matcher names or functions (default: everything but headers).
        allow_playback_repeats: let one recorded interaction answer several requests.

    Raises (when the block exits): `CassetteMismatch` if a request was not in the
    cassette, even if an SDK swallowed the error; `CassetteUnplayed` if recorded
    interactions were never requested; `CassetteLeak` if a secret would be written.
    """
    recorder = _Recorder(secrets, volatile, default_volatile)
    mode = validate_record_mode(record_mode)
    context = _Cassette.use(
        path=os.fspath(path),
        serializer=ReadableYaml(recorder.scrubber),
        record_mode=mode,
        match_on=[_MATCHERS[m] if isinstance(m, str) else m for m in match_on],
        before_record_request=recorder.request,
        before_save_interaction=recorder.before_save,
        allow_playback_repeats=allow_playback_repeats,
        record_on_exception=False,
        recorder=recorder,
    )
    with _quiet_vcr_logs():
        cassette = context.__enter__()
        recording = Recording(Path(path), mode.value, cassette)
        try:
            yield recording
        except BaseException as exc:
            context.__exit__(type(exc), exc, exc.__traceback__)
            if cassette.failures and exc not in cassette.failures:
                raise cassette.failures[0] from exc
            raise
        context.__exit__(None, None, None)
    if cassette.failures:
        raise cassette.failures[0]
    unplayed = cassette.unplayed()
    if unplayed:
        shown = "\n".join(f"  {r.method} {r.uri}" for r in unplayed[:10])
        raise CassetteUnplayed(
            f"toolbridge cassette {path}: {len(unplayed)} of {cassette._loaded_count} recorded "
            f"interactions were never requested:\n{shown}\nThe conversation ended early or "
            "drifted; re-record it if that was on purpose."
        )
