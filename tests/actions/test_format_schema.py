"""The published action-file JSON Schema stays in step with the models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from toolbridge.actions.format_schema import SHIPPED, format_schema, format_schema_text

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))


def test_shipped_schema_matches_the_models() -> None:
    shipped = SHIPPED.read_text(encoding="utf-8")

    assert shipped == format_schema_text(), (
        "toolbridge/action-file.schema.json is out of date with the action models; regenerate"
        " it with: toolbridge schema --format-schema > toolbridge/action-file.schema.json"
    )


def test_format_schema_is_a_valid_2020_12_schema_with_a_title() -> None:
    schema = format_schema()

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "toolbridge action file"
    assert "$id" not in schema


def test_field_docstrings_become_descriptions() -> None:
    variable = format_schema()["$defs"]["Variable"]["properties"]

    assert variable["source"]["description"].startswith("`model`: collected by the model")


def test_every_example_file_validates_against_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(format_schema())

    for path in EXAMPLES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert [e.message for e in validator.iter_errors(data)] == [], path.name


def test_schema_rejects_an_unknown_field() -> None:
    validator = jsonschema.Draft202012Validator(format_schema())
    data = {"actions": [{"name": "ping", "request": {"url": "/ping", "verb": "GET"}}]}

    errors = [e.message for e in validator.iter_errors(data)]

    assert any("'verb' was unexpected" in message for message in errors)


def test_shipped_file_is_plain_json() -> None:
    assert json.loads(SHIPPED.read_text(encoding="utf-8")) == format_schema()
