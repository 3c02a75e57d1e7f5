"""JSON Schema of the spec language, for editors (yaml-language-server) to autocomplete and check."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from .v1.project import ProjectSpec
from .v1.service import ServiceSpec

SCHEMA_FILE = "obsgen.schema.json"
SCHEMA_ID = "https://obsgen.dev/schema/obsgen-v1.json"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """One schema for every spec file: the `kind` key selects Project or Service."""
    defs: dict[str, Any] = {}
    roots = {}
    for model in (ProjectSpec, ServiceSpec):
        part = model.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(part.pop("$defs", {}))
        defs[model.__name__] = part
        roots[model.__name__] = {"$ref": f"#/$defs/{model.__name__}"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "obsgen spec (apiVersion obsgen/v1)",
        "description": "monitors/obsgen.yaml is kind Project; every other monitors/*.yaml is kind Service.",
        "type": "object",
        "required": ["apiVersion", "kind"],
        "if": {"properties": {"kind": {"const": "Project"}}},
        "then": roots["ProjectSpec"],
        "else": roots["ServiceSpec"],
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"
