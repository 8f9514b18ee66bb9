"""`value_problems`, `unknown_tool`, `ArgumentChecker` used alone, and import isolation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from toolbridge import Action, ActionFileError, Variable
from toolbridge.arguments import ArgumentChecker, unknown_tool, value_problems


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        (Variable(name="n", type="integer"), 5, []),
        (Variable(name="n", type="integer"), "5", []),
        (Variable(name="n", type="integer"), "five", ["n: expected a whole number, got \"five\""]),
        (Variable(name="n", type="integer", maximum=3), 9, ["n: must be at most 3, got 9"]),
        (Variable(name="s", enum=["a", "b"]), "c", ['s: must be one of "a", "b", got "c"']),
        (Variable(name="s", pattern="^x"), "yx", ['s: must match the pattern ^x, got "yx"']),
        (Variable(name="d", type="date"), "2026-02-30", [
            'd: not a real calendar date, got "2026-02-30"']),
        (Variable(name="s"), None, []),
        (Variable(name="s", pattern="(unclosed"), "x", [
            "s: invalid regex: missing ), unterminated subpattern at position 0"]),
    ],
)  # fmt: skip
def test_value_problems(var: Variable, value: object, expected: list[str]) -> None:
    assert value_problems(var, value) == expected


def test_unknown_tool_without_any_tools() -> None:
    result = unknown_tool("anything", [])

    assert result.error == "unknown_tool"
    assert result.ok is False
    assert result.guidance == "Call one of the available tools: none."


def test_a_checker_with_a_broken_pattern_is_a_developer_error() -> None:
    act = Action(name="a", request={"url": "/x"}, variables=[Variable(name="s", pattern="(")])

    with pytest.raises(ActionFileError) as caught:
        ArgumentChecker(act)

    assert caught.value.problems[0].field == "variables.s.pattern"


def test_a_checker_works_without_a_toolkit() -> None:
    act = Action(name="a", request={"url": "/x"}, variables=[Variable(name="n", type="integer")])

    checked = ArgumentChecker(act).check('{"n": "4"}')

    assert checked.values == {"n": 4}
    assert checked.action == "a"


def test_free_form_values_still_refuse_non_finite_numbers() -> None:
    # Action files must give objects properties; a checker built in code may not.
    act = Action(name="a", request={"url": "/x"}, variables=[
        Variable(name="meta", type="object"), Variable(name="bag", type="array")])  # fmt: skip
    checker = ArgumentChecker(act)

    assert checker.check({"meta": {"k": [1, "x"]}, "bag": [{}, 2]}).ok
    for given in (
        '{"meta": {"k": [NaN]}}',
        {"meta": {"k": [float("nan")]}},
        {"bag": [float("inf")]},
    ):
        checked = checker.check(given)  # type: ignore[arg-type]
        assert checked.problem is not None, given
        assert checked.problem.error == "invalid_arguments"


def test_import_toolbridge_loads_no_llm_sdk_or_schema_engine() -> None:
    code = (
        "import sys, toolbridge\n"
        "heavy = ('openai', 'anthropic', 'jsonschema', 'phonenumbers')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"
