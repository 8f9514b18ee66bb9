"""Reading action files: YAML/JSON text → checked `Action`s, every problem at once.

This module owns the file side: reading, parsing (with line numbers), turning pydantic
errors into `Problem`s, merging file `defaults` into each action. The semantic checks
(placeholders, path parameters, auth, ...) live in `checks.py` and are shared with actions
built in Python.

Each action is validated on its own, so one broken action does not hide the problems of
the others: a file with five mistakes reports five problems. (An action whose fields do
not even parse gets its semantic checks once those are fixed: there is no `Action` to
check before then.)
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import ActionFileError, Problem
from .checks import auth_problems, base_url_problem, check_actions
from .models import (
    Action,
    ActionFile,
    Auth,
    Defaults,
    Outcome,
    Output,
    RequestSpec,
    Safety,
    Settings,
    Variable,
)
from .report import FieldPath, LineLookup, field_name

__all__ = ["LoadedFile", "apply_defaults", "check_actions", "load_dict", "load_file"]

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BOOL = "tag:yaml.org,2002:bool"


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML, minus two YAML 1.1 surprises: `2026-01-05` stays a string (dates are
    variable values, not Python objects) and `yes`/`no`/`on`/`off` stay strings
    (`enum: [yes, no]`); only true/false are booleans, as in YAML 1.2 and JSON."""

    yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag != _TIMESTAMP and not (tag == _BOOL and first in tuple("yYnNoO"))
        ]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }


@dataclass(frozen=True)
class LoadedFile:
    """A loaded, checked action file."""

    actions: list[Action]
    """The actions, with the file's `defaults` already applied."""
    warnings: list[Problem] = field(default_factory=list)
    """Problems that do not stop loading (short descriptions, unconfirmed DELETEs, ...)."""
    defaults: Defaults = field(default_factory=Defaults)
    """The file's `defaults` block."""
    source: str | None = None
    """Where the actions came from (a file path), for messages."""


# -- public entry points ------------------------------------------------------------


def load_file(path: str | os.PathLike[str]) -> LoadedFile:
    """Read a YAML or JSON action file (by extension; anything else is read as YAML).

    Raises `ActionFileError` listing every problem, each with the file and, for YAML,
    the line it is on.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ActionFileError([Problem(source, None, None, "not a UTF-8 text file")]) from None
    except OSError as exc:
        problem = Problem(source, None, None, f"cannot read file: {exc.strerror or exc}")
        raise ActionFileError([problem]) from None
    if source.lower().endswith(".json"):
        return _load(_parse_json(text, source), source, _Marks({}))
    data, marks, duplicates = _parse_yaml(text, source)
    return _load(data, source, marks, duplicates)


def load_dict(data: Mapping[str, Any], source: str | None = None) -> LoadedFile:
    """Load the parsed contents of an action file (no line numbers)."""
    return _load(data, source, None)


def apply_defaults(action: Action, defaults: Defaults) -> Action:
    """`action` with the file defaults filled in where it did not set its own.

    base_url and auth apply when the action has none; each setting applies when the action
    did not set it; default headers are added unless the action sets the same header (in
    any letter case).
    """
    update: dict[str, Any] = {}
    if action.base_url is None and defaults.base_url is not None:
        update["base_url"] = defaults.base_url
    if defaults.auth is not None and "auth" not in action.model_fields_set:
        update["auth"] = defaults.auth
    own = action.settings.model_fields_set
    settings = {
        name: getattr(defaults, name)
        for name in ("timeout_ms", "retries", "retry_backoff_ms", "max_response_bytes")
        if getattr(defaults, name) is not None and name not in own
    }
    if settings:
        update["settings"] = action.settings.model_copy(update=settings)
    if defaults.headers:
        mine = {name.lower() for name in action.request.headers}
        inherited = {k: v for k, v in defaults.headers.items() if k.lower() not in mine}
        if inherited:
            headers = {**inherited, **action.request.headers}
            update["request"] = action.request.model_copy(update={"headers": headers})
    return action.model_copy(update=update) if update else action


# -- parsing ------------------------------------------------------------------------


class _Marks:
    """Line numbers of a parsed document, by path (`("actions", 0, "request", "url")`)."""

    def __init__(self, lines: dict[FieldPath, int]) -> None:
        self.lines = lines

    def find(self, path: FieldPath) -> int | None:
        """The line of `path`, or of its nearest ancestor the document has."""
        while path not in self.lines:
            if not path:
                return None
            path = path[:-1]
        return self.lines[path]

    def under(self, prefix: FieldPath) -> LineLookup:
        return lambda path: self.find(prefix + path)


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ActionFileError(
            [Problem(source, None, None, f"invalid JSON: {exc.msg}", exc.lineno)]
        ) from None


def _parse_yaml(text: str, source: str) -> tuple[Any, _Marks, list[Problem]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[FieldPath, int] = {}
        duplicates: list[Problem] = []
        if node is not None:
            _record(node, (), lines, duplicates, source, set())
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        problem = Problem(source, None, None, f"invalid YAML: {reason}", line)
        raise ActionFileError([problem]) from None
    finally:
        loader.dispose()
    return data, _Marks(lines), duplicates


def _record(
    node: yaml.Node,
    path: FieldPath,
    lines: dict[FieldPath, int],
    duplicates: list[Problem],
    source: str,
    seen: set[int],
) -> None:
    """Note the line of every mapping key and sequence item, and catch duplicate keys
    (YAML would silently keep the last one). Shared (aliased) nodes are walked once."""
    if id(node) in seen:
        return
    seen.add(id(node))
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or key == "<<":
                continue
            line = key_node.start_mark.line + 1
            if key in keys:
                message = f"duplicate key '{key}' (YAML would silently keep only the last one)"
                duplicates.append(Problem(source, None, field_name((*path, key)), message, line))
            keys.add(key)
            lines[(*path, key)] = line
            _record(value_node, (*path, key), lines, duplicates, source, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(item, (*path, index), lines, duplicates, source, seen)


# -- validation ---------------------------------------------------------------------


def _load(
    data: Any, source: str | None, marks: _Marks | None, found: list[Problem] | None = None
) -> LoadedFile:
    problems: list[Problem] = list(found or ())

    def add(path: FieldPath, message: str) -> None:
        line = marks.find(path) if marks else None
        problems.append(Problem(source, None, field_name(path) or None, message, line))

    if not isinstance(data, Mapping):
        what = "empty" if data is None else f"a {_kind(data)}"
        add((), f"the file is {what}; expected a mapping with `version`, `defaults` and `actions`")
        raise ActionFileError(problems)

    top = {k: v for k, v in data.items() if k != "actions"}
    if "defaults" in top:
        top["defaults"] = _text_values(top["defaults"], "headers")
    defaults = Defaults()
    try:
        defaults = ActionFile.model_validate(top).defaults
    except ValidationError as exc:
        for path, message in _convert(exc, ActionFile):
            add(path, message)

    raw_actions = data.get("actions") or []
    if not isinstance(raw_actions, list):
        add(("actions",), f"`actions` must be a list of actions, not a {_kind(raw_actions)}")
        raw_actions = []

    actions: list[Action] = []
    inherited: list[set[str]] = []
    lookups: list[LineLookup | None] = []
    for index, raw in enumerate(raw_actions):
        name = raw.get("name") if isinstance(raw, Mapping) else None
        label = name if isinstance(name, str) and name else None
        prefix: FieldPath = () if label else ("actions", index)
        if not isinstance(raw, Mapping):
            add(("actions", index), f"each action must be a mapping, not a {_kind(raw)}")
            continue
        try:
            text = _text_values(_text_values(raw, "request", "headers"), "request", "query")
            action = Action.model_validate(text)
        except ValidationError as exc:
            for path, message in _convert(exc, Action):
                line = marks.find(("actions", index, *path)) if marks else None
                problems.append(Problem(source, label, field_name((*prefix, *path)), message, line))
            continue
        actions.append(apply_defaults(action, defaults))
        inherited.append(
            {k for k in ("base_url", "auth") if k not in raw and getattr(defaults, k) is not None}
        )
        lookups.append(marks.under(("actions", index)) if marks else None)

    problems += _check_defaults(defaults, source, marks)
    if not raw_actions and not problems:
        problems.append(
            Problem(source, None, "actions", "the file defines no actions", None, "warning")
        )
    by_name = {a.name: i for i, a in enumerate(actions)}
    for problem in check_actions(actions, file=source, lines=lookups):
        # A broken inherited base_url or auth is reported once, on `defaults`.
        borrowed = inherited[by_name[problem.action]] if problem.action in by_name else set()
        if problem.field and problem.field.split(".")[0] in borrowed:
            continue
        problems.append(problem)

    if marks is not None:
        problems.sort(key=lambda p: p.line or 0)  # file order reads best
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ActionFileError(errors)
    return LoadedFile(actions, [p for p in problems if p.severity == "warning"], defaults, source)


def _check_defaults(defaults: Defaults, source: str | None, marks: _Marks | None) -> list[Problem]:
    found: list[tuple[FieldPath, str]] = []
    if defaults.base_url is not None:
        message = base_url_problem(defaults.base_url)
        if message:
            found.append((("base_url",), message))
    if defaults.auth is not None:
        found += auth_problems(defaults.auth)
    return [
        Problem(
            source,
            None,
            field_name(("defaults", *path)),
            message,
            marks.find(("defaults", *path)) if marks else None,
        )
        for path, message in found
    ]


def _text_values(raw: Any, *path: str) -> Any:
    """YAML reads `limit: 10` as a number; query and header values are text, so numbers
    and booleans at `path` (e.g. request → query) are taken as their text (`true`, not
    Python's `True`). Returns a copy; the caller's data is not modified."""
    if not path or not isinstance(raw, Mapping):
        return raw
    if len(path) == 1:
        values = raw.get(path[0])
        if not isinstance(values, Mapping):
            return raw
        return {**raw, path[0]: {k: _as_text(v) for k, v in values.items()}}
    return {**raw, path[0]: _text_values(raw.get(path[0]), *path[1:])} if path[0] in raw else raw


def _as_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


# -- pydantic errors → problems -----------------------------------------------------

_PATTERN_MESSAGES = {
    "name": "must be 1-64 letters, digits, '_' or '-' (it is the tool name the model calls)",
    "rate_limit": "must look like '30/minute': a number per second, minute, hour or day",
}


def _convert(exc: ValidationError, model: type[BaseModel]) -> list[tuple[FieldPath, str]]:
    """Each pydantic error as (path, plain message)."""
    out: list[tuple[FieldPath, str]] = []
    for error in exc.errors(include_url=False):
        path: FieldPath = tuple(error["loc"])
        kind = error["type"]
        if kind == "missing":
            message = "is required"
        elif kind == "extra_forbidden":
            message = "unknown field" + _did_you_mean(str(path[-1]), _fields_at(model, path[:-1]))
        elif kind == "string_pattern_mismatch" and path and path[-1] in _PATTERN_MESSAGES:
            message = f"{_PATTERN_MESSAGES[str(path[-1])]}; got {_short(error['input'])}"
        else:
            text = error["msg"]
            if text.startswith("Input should"):
                text = f"{_short(error['input'])} should" + text[len("Input should") :]
            message = text
        out.append((path, message))
    return out


_NESTED: dict[str, type[BaseModel]] = {
    "request": RequestSpec,
    "auth": Auth,
    "variables": Variable,
    "items": Variable,
    "properties": Variable,
    "output": Output,
    "outcomes": Outcome,
    "settings": Settings,
    "safety": Safety,
    "defaults": Defaults,
    "actions": Action,
}


def _fields_at(model: type[BaseModel], path: FieldPath) -> list[str]:
    """Field names of the model reached by `path`, for did-you-mean hints."""
    for part in path:
        if isinstance(part, str):
            if part not in model.model_fields or part not in _NESTED:
                return []
            model = _NESTED[part]
    return list(model.model_fields)


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "mapping", list: "list", str: "string"}
    return names.get(type(value), type(value).__name__)
