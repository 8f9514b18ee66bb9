"""Outcome conditions: a tiny safe expression language, and choosing the outcome.

`status == 404`, `status in [500, 503]`, `body.state == "shipped"`,
`headers.x-request-id != null and not (body.items[0].qty < 1)`.

A tokenizer and a recursive-descent parser compile a condition into nested closures;
nothing is ever handed to `eval`, `exec` or the `ast` module. Grammar:

    expr    := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := operand (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") operand)?
    operand := literal | list | name | "(" expr ")"
    name    := status | headers[.NAME] | body(.KEY | [INDEX])*

At run time nothing raises: a missing path is null, comparing values of different types
is false (`1 == true` is false, `"5" < 6` is false), `x != y` is true when `x == y` is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..actions.models import Action, Outcome
from ..errors import ToolbridgeError

MAX_LENGTH = 1000
"""Longest condition accepted, in characters."""
MAX_DEPTH = 32
"""Deepest nesting of parentheses, lists and `not` accepted."""
ROOTS = ("status", "headers", "body")

_Fn = Callable[[Mapping[str, Any]], Any]
_MISSING: Any = None


class ConditionError(ToolbridgeError):
    """An outcome condition does not parse; the message gives the position and the fix."""


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+|\[-?\d+\])*)
    """,
    re.VERBOSE,
)
_PATH_PART = re.compile(r"\.([A-Za-z0-9_-]+)|\[(-?\d+)\]")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0"}
_KEYWORDS = {"and", "or", "not", "in"}
_CONSTANTS = {"true": True, "false": False, "null": None,
              "True": True, "False": False, "None": None}


def _tokenize(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ConditionError(
                f"condition {text!r}: unexpected character {text[pos]!r} at position {pos + 1}"
            )
        kind = match.lastgroup or ""
        raw = match.group()
        if kind == "name":
            head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", raw)
            if head is not None and (head.group() in _KEYWORDS or head.group() in _CONSTANTS):
                raw = head.group()  # `in[500]` is the keyword then a list, not a path
                pos_end = pos + len(raw)
            else:
                pos_end = match.end()
        else:
            pos_end = match.end()
        if kind == "number":
            value: Any = float(raw) if any(c in raw for c in ".eE") else int(raw)
            tokens.append(("literal", value, pos))
        elif kind == "string":
            tokens.append(("literal", _unquote(raw[1:-1]), pos))
        elif kind == "op":
            tokens.append(("op", raw, pos))
        elif kind == "name":
            if raw in _KEYWORDS:
                tokens.append(("op", raw, pos))
            elif raw in _CONSTANTS:
                tokens.append(("literal", _CONSTANTS[raw], pos))
            else:
                tokens.append(("name", raw, pos))
        pos = pos_end
    tokens.append(("end", None, len(text)))
    return tokens


def _unquote(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


# -- values -------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return "other"


def _equal(left: Any, right: Any) -> bool:
    if _kind(left) != _kind(right):
        return False
    try:
        return bool(left == right)
    except Exception:
        return False


def _order(op: str) -> Callable[[Any, Any], bool]:
    def compare(left: Any, right: Any) -> bool:
        kind = _kind(left)
        if kind not in ("number", "string") or kind != _kind(right):
            return False
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        return bool(left >= right)

    return compare


def _contains(left: Any, right: Any) -> bool | None:
    """`left in right`; None when `right` is not something one can be in."""
    kind = _kind(right)
    if kind == "list":
        return any(_equal(left, item) for item in right)
    if kind == "string":
        return isinstance(left, str) and left in right
    if kind == "object":
        return isinstance(left, str) and left in right
    return None


def _truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, (int, float, str, list, tuple, Mapping)):
        return bool(value)
    return True


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": _order("<"),
    "<=": _order("<="),
    ">": _order(">"),
    ">=": _order(">="),
    "in": lambda a, b: bool(_contains(a, b)),
    "not in": lambda a, b: _contains(a, b) is False,
}


def _lookup(name: str, text: str, pos: int) -> _Fn:
    root = re.match(r"[A-Za-z_][A-Za-z0-9_]*", name)
    assert root is not None  # the tokenizer only makes names that start this way
    head = root.group()
    if head not in ROOTS:
        raise ConditionError(
            f"condition {text!r}: unknown name {head!r} at position {pos + 1}; "
            "use status, headers.NAME or body.PATH"
        )
    steps: list[str | int] = [
        m.group(1) if m.group(1) is not None else int(m.group(2))
        for m in _PATH_PART.finditer(name, root.end())
    ]
    if head == "status":
        if steps:
            raise ConditionError(f"condition {text!r}: status has no fields (position {pos + 1})")
        return lambda env: env.get("status")
    if head == "headers":
        if len(steps) > 1 or (steps and not isinstance(steps[0], str)):
            raise ConditionError(
                f"condition {text!r}: use headers.NAME, e.g. headers.x-request-id "
                f"(position {pos + 1})"
            )
        if not steps:
            return lambda env: env.get("headers")
        header = str(steps[0]).lower()
        return lambda env: (env.get("headers") or {}).get(header)

    def walk(env: Mapping[str, Any]) -> Any:
        value = env.get("body")
        for step in steps:
            if isinstance(step, int):
                if isinstance(value, list) and -len(value) <= step < len(value):
                    value = value[step]
                else:
                    return _MISSING
            elif isinstance(value, Mapping):
                value = value.get(step, _MISSING)
            elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
                value = value[int(step)]  # body.items.0.id reads like body.items[0].id
            else:
                return _MISSING
        return value

    return walk


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    def error(self, message: str) -> ConditionError:
        kind, value, pos = self.tokens[self.index]
        found = "the end" if kind == "end" else repr(value)
        return ConditionError(
            f"condition {self.text!r}: {message} at position {pos + 1}, found {found}"
        )

    def peek(self) -> tuple[str, Any, int]:
        return self.tokens[self.index]

    def accept(self, op: str) -> bool:
        kind, value, _ = self.tokens[self.index]
        if kind == "op" and value == op:
            self.index += 1
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.accept(op):
            raise self.error(f"expected {op!r}")

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested deeper than {MAX_DEPTH} levels")

    def parse(self) -> _Fn:
        fn = self.expr()
        if self.peek()[0] != "end":
            raise self.error("expected 'and', 'or' or the end of the condition")
        return fn

    def expr(self) -> _Fn:
        parts = [self.conjunction()]
        while self.accept("or"):
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        return lambda env: any(_truthy(p(env)) for p in parts)

    def conjunction(self) -> _Fn:
        parts = [self.negation()]
        while self.accept("and"):
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        return lambda env: all(_truthy(p(env)) for p in parts)

    def negation(self) -> _Fn:
        if self.accept("not"):
            self.nested()
            inner = self.negation()
            self.depth -= 1
            return lambda env: not _truthy(inner(env))
        return self.comparison()

    def comparison(self) -> _Fn:
        left = self.operand()
        kind, value, _ = self.peek()
        if kind != "op":
            return left
        if value == "not":
            following = self.tokens[self.index + 1]
            if following[0] != "op" or following[1] != "in":
                raise self.error("expected 'not in'")
            self.index += 2
            op = "not in"
        elif value in _COMPARE:
            self.index += 1
            op = value
        else:
            return left
        right = self.operand()
        compare = _COMPARE[op]
        return lambda env: compare(left(env), right(env))

    def operand(self) -> _Fn:
        kind, value, pos = self.peek()
        if kind == "literal":
            self.index += 1
            return lambda env: value
        if kind == "name":
            self.index += 1
            return _lookup(value, self.text, pos)
        if self.accept("("):
            self.nested()
            inner = self.expr()
            self.expect(")")
            self.depth -= 1
            return inner
        if self.accept("["):
            self.nested()
            items = self.list_items()
            self.depth -= 1
            return lambda env: [item(env) for item in items]
        raise self.error("expected a value, a name (status, headers.NAME, body.PATH) or '('")

    def list_items(self) -> list[_Fn]:
        items: list[_Fn] = []
        if self.accept("]"):
            return items
        while True:
            items.append(self.operand())
            if self.accept("]"):
                return items
            self.expect(",")


class Condition:
    """A compiled condition; `evaluate` never raises."""

    __slots__ = ("_fn", "text")

    def __init__(self, text: str, fn: _Fn) -> None:
        self.text = text
        self._fn = fn

    def evaluate(self, env: Mapping[str, Any]) -> bool:
        """`env` holds `status`, `headers` (lower-cased names) and `body`."""
        try:
            return _truthy(self._fn(env))
        except RecursionError:
            return False

    def __repr__(self) -> str:
        return f"Condition({self.text!r})"


def parse_condition(text: str) -> Condition:
    """Compile a condition; raises `ConditionError` saying where and what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("condition is empty: write e.g. status == 404")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"condition is longer than {MAX_LENGTH} characters")
    return Condition(text, _Parser(text).parse())


_COMPILED: dict[int, tuple[Action, list[tuple[Outcome, Condition]]]] = {}


def _conditions(action: Action) -> list[tuple[Outcome, Condition]]:
    entry = _COMPILED.get(id(action))
    if entry is not None and entry[0] is action:
        return entry[1]
    compiled = [(outcome, parse_condition(outcome.when)) for outcome in action.outcomes]
    if len(_COMPILED) >= 4096:
        _COMPILED.clear()
    _COMPILED[id(action)] = (action, compiled)
    return compiled


def choose_outcome(
    action: Action, status: int | None, headers: Mapping[str, str], body: Any
) -> Outcome | None:
    """The first of `action.outcomes` whose condition holds, or None."""
    if not action.outcomes:
        return None
    env = {
        "status": status,
        "headers": {str(k).lower(): v for k, v in headers.items()},
        "body": body,
    }
    for outcome, condition in _conditions(action):
        if condition.evaluate(env):
            return outcome
    return None
