"""JSON Schema of the spec language, for editors (yaml-language-server) to autocomplete and check."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ..render_cache import RenderCache, package_digest
from ..values import format_duration
from .. import regions
from .v1.fields import DURATION_PATTERN, REGION_MARKER, UNIT_MARKER, cloudwatch_units
from .v1.project import ProjectSpec
from .v1.service import ServiceSpec

SCHEMA_FILE = "obsgen.schema.json"
SCHEMA_ID = "https://obsgen.dev/schema/obsgen-v1.json"
UNIT_DEF = "CloudWatchUnit"
REGION_DEF = "AwsRegion"


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
    defs[UNIT_DEF] = {"type": "string", "enum": list(cloudwatch_units()), "description": "CloudWatch's StandardUnit."}
    defs[REGION_DEF] = {"type": "string", "enum": sorted(regions.known_regions()),
                        "description": "A region of any AWS partition, as botocore's partitions.json lists them."}
    _as_written(defs)
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


def _as_written(node: Any) -> None:
    """What pydantic's schema says differently from obsgen, made to agree (tests/test_json_schema.py):
    a mapping keyed by names takes no other keys (pydantic writes only `patternProperties`, which lets
    any other key through), and a duration's default is written as a duration (pydantic writes the
    parsed seconds: `period: 300` would be the default, which is an error), a unit is one of
    CloudWatch's and a region one botocore knows."""
    if isinstance(node, list):
        for item in node:
            _as_written(item)
        return
    if not isinstance(node, dict):
        return
    for marker, name in ((UNIT_MARKER, UNIT_DEF), (REGION_MARKER, REGION_DEF)):
        if node.pop(marker, False):
            node.clear()
            node["$ref"] = f"#/$defs/{name}"
    if "patternProperties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.get("pattern") == DURATION_PATTERN and isinstance(node.get("default"), int):
        node["default"] = format_duration(node["default"])
    for value in node.values():
        _as_written(value)


def schema_text(store: RenderCache | None = None) -> str:
    """generated/obsgen.schema.json. It depends on obsgen alone, yet pydantic takes ~0.15 s to make it:
    with `store`, it comes from the render cache, keyed by every file of the package and pydantic's
    releases (render_cache.py)."""
    if store is None:
        return json.dumps(schema(), indent=2, sort_keys=True) + "\n"
    import pydantic
    import pydantic_core

    key = store.key(SCHEMA_KIND, package_digest(), f"pydantic {pydantic.VERSION} {pydantic_core.__version__}")
    if (kept := store.get(SCHEMA_KIND, key)) is None:
        kept = schema_text()
        store.put(SCHEMA_KIND, key, kept)
    return kept


SCHEMA_KIND = "schema"  # the render cache's name for the schema file
