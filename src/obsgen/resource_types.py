"""What a `resource:` handle means in CloudWatch: its namespace and the dimension naming it.

The types are data: `metrics/data/resource-types.yaml` (one source of truth, with the AWS page that
names each type's dimensions; docs/resource-types.md is generated from it). `obsgen.metrics.resource_types`
reads the same file with its schema and checks it against the metric catalog (tests/test_metrics_catalog.py
keeps it clean); here it is only read for the three facts the resolver and the spec schema need, with
PyYAML and no schema, because the spec language's schema lists the types at import time and both the
checked loader and obsgen's YAML reader are part of the spec language's package.

A type with several identifying dimensions (e.g. an ECS service, which also needs ClusterName)
takes the others from the resource's `dimensions:`; `required` lists them so the spec is
checked before AWS silently alarms on a metric that never reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .metrics.files import DATA_DIR, RESOURCE_TYPES_FILE


@dataclass(frozen=True, slots=True)
class ResourceType:
    namespace: str | None  # None: the resource gives it (type "custom")
    dimension: str | None  # the dimension whose value is the resource's name
    required: tuple[str, ...] = ()


def _read(path: str = str(DATA_DIR / RESOURCE_TYPES_FILE)) -> dict[str, ResourceType]:
    with open(path, "rb") as handle:
        types: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["types"]
    return {name: ResourceType(entry.get("namespace"), entry.get("dimension"), tuple(entry.get("required", ())))
            for name, entry in types.items()}


RESOURCE_TYPES: dict[str, ResourceType] = _read()
