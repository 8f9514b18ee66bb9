"""The published JSON Schema of the action-file format, derived from the models.

The models are the single source of truth; this only adds the `$schema` header and a
title, and lets query and header values be numbers or booleans, which the loader reads as
their text (`limit: 10`). The shipped copy, `toolbridge/action-file.schema.json`, lets
editors complete and check action files; a test keeps it equal to what the models generate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .models import ActionFile

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SHIPPED = Path(__file__).resolve().parent.parent / "action-file.schema.json"
"""Where the generated schema is shipped inside the package."""
_SCALAR_TEXT = {"type": ["string", "number", "boolean"]}
_TEXT_MAPS = (("RequestSpec", "query"), ("RequestSpec", "headers"), ("Defaults", "headers"))


def format_schema() -> dict[str, Any]:
    """The action-file JSON Schema (draft 2020-12)."""
    schema = ActionFile.model_json_schema()
    schema.pop("title", None)
    models = schema["$defs"]
    for model, key in _TEXT_MAPS:
        models[model]["properties"][key]["additionalProperties"] = dict(_SCALAR_TEXT)
    return {"$schema": SCHEMA_DIALECT, "title": "toolbridge action file", **schema}


def format_schema_text() -> str:
    """`format_schema()` as the exact text of the shipped file."""
    return json.dumps(format_schema(), indent=2, ensure_ascii=False) + "\n"
