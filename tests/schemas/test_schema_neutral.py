"""The neutral JSON Schema of a variable: every rule of the Variable, nothing else."""

from __future__ import annotations

import jsonschema
import pytest

from toolbridge import Action, Variable
from toolbridge.schemas import parameters_schema, variable_schema


@pytest.mark.parametrize(
    ("var", "expected"),
    [
        (Variable(name="a"), {"type": "string"}),
        (Variable(name="a", type="number"), {"type": "number"}),
        (Variable(name="a", type="float", minimum=0.5, maximum=2), {
            "type": "number", "minimum": 0.5, "maximum": 2}),
        (Variable(name="a", type="boolean", default=True), {"type": "boolean", "default": True}),
        (Variable(name="a", type="date"), {"type": "string", "format": "date"}),
        (Variable(name="a", type="datetime"), {"type": "string", "format": "date-time"}),
        (Variable(name="a", type="email"), {"type": "string", "format": "email"}),
        (Variable(name="a", type="phone"), {"type": "string", "format": "phone"}),
        (Variable(name="a", enum=["x", "y"], description="Pick"), {
            "type": "string", "description": "Pick", "enum": ["x", "y"]}),
        (Variable(name="a", min_length=1, max_length=9, pattern="^a", example="ab"), {
            "type": "string", "pattern": "^a", "minLength": 1, "maxLength": 9,
            "examples": ["ab"]}),
        (Variable(name="a", type="array", items=Variable(name="i", type="integer"),
                  max_length=3), {
            "type": "array", "items": {"type": "integer"}, "maxItems": 3}),
        (Variable(name="a", type="object", properties=[Variable(name="b", required=True)]), {
            "type": "object", "properties": {"b": {"type": "string"}}, "required": ["b"],
            "additionalProperties": False}),
    ],
)  # fmt: skip
def test_variable_schema(var: Variable, expected: dict[str, object]) -> None:
    assert variable_schema(var) == expected


def test_parameters_schema_holds_only_model_variables() -> None:
    act = Action(
        name="a", request={"url": "/x"},
        variables=[Variable(name="q", required=True), Variable(name="tenant", source="context"),
                   Variable(name="v", source="constant", value="2")],
    )  # fmt: skip

    schema = parameters_schema(act)

    assert schema == {
        "type": "object",
        "properties": {"q": {"type": "string"}},
        "required": ["q"],
        "additionalProperties": False,
    }
    jsonschema.Draft202012Validator.check_schema(schema)
