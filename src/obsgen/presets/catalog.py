"""Reading the preset files: every `*.yaml` in a directory (the package's `data/` by default).

Preset files are read like spec files (obsgen's own YAML reader, then pydantic), so a broken one
is a located diagnostic too. Adding a service means adding a file: nothing here names one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, error
from ..resource_types import RESOURCE_TYPES
from ..language.load import load_model
from ..language.yaml_reader import Document, Loc

if TYPE_CHECKING:  # the files' schema (5 ms of pydantic models) is imported by their reading: a build
    from .schema import PresetFile  # whose project names no preset never reads them

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class PresetSet:
    """One service's presets and the file they came from."""

    spec: PresetFile
    doc: Document


@dataclass(slots=True)
class Catalog:
    sets: dict[str, PresetSet] = field(default_factory=dict)  # by service, sorted
    by_type: dict[str, PresetSet] = field(default_factory=dict)  # resource type -> its presets

    def names(self) -> list[str]:
        return [f"{s}.{a}" for s, p in self.sets.items() for a in p.spec.alarms]


def load_catalog(directory: Path = DATA_DIR) -> tuple[Catalog, list[Diagnostic]]:
    catalog = Catalog()
    problems: list[Diagnostic] = []
    for path in sorted(directory.glob("*.yaml")):
        loaded = _load_file(path, problems)
        if loaded is not None:
            _add(catalog, loaded, problems)
    return catalog, problems


@lru_cache(maxsize=1)
def shipped_catalog() -> tuple[Catalog, tuple[Diagnostic, ...]]:
    """The package's own presets, read once per process."""
    catalog, problems = load_catalog(DATA_DIR)
    return catalog, tuple(problems)


def _load_file(path: Path, problems: list[Diagnostic]) -> PresetSet | None:
    from .schema import PresetFile

    loaded = load_model(path, f"presets/{path.name}", PresetFile, problems, path.parent)  # spec files' limits
    if loaded is None:
        return None
    spec, doc = loaded
    found = _check(spec, doc, path.stem)
    problems += found
    return None if found else PresetSet(spec, doc)


def _check(spec: PresetFile, doc: Document, stem: str) -> list[Diagnostic]:
    """What the schema cannot say: names that must agree across the file."""
    from .schema import PARAM_TYPES_FOR, ParamDimension, ParamThreshold, SumOver

    problems: list[Diagnostic] = []
    if spec.service != stem:
        problems.append(error(doc.span(("service",)), "bad-preset-file",
                              f"service '{spec.service}' must equal the file name '{stem}'"))
    for index, kind in enumerate(spec.resource_types):
        if kind not in RESOURCE_TYPES:
            problems.append(error(doc.span(("resource_types", index)), "bad-preset-file",
                                  f"unknown resource type '{kind}'; known: {', '.join(sorted(RESOURCE_TYPES))}"))
    for name, param in spec.params.items():
        if param.default is not None and param.convert(param.default) is None:
            problems.append(error(doc.span(("params", name, "default")), "bad-preset-file",
                                  f"default of parameter '{name}' must be {param.kind_text()}"))
    for name, alarm in spec.alarms.items():
        refs: list[tuple[Loc, object]] = [(("threshold",), alarm.threshold), (("sum_over",), alarm.sum_over)]
        refs += [(("dimensions", k), v) for k, v in alarm.dimensions.items()]
        for where, value in refs:
            if not isinstance(value, (ParamThreshold, ParamDimension, SumOver)):
                continue
            span = doc.span(("alarms", name, *where, "param"))
            declared, types = spec.params.get(value.param), PARAM_TYPES_FOR[str(where[0])]
            if declared is None:
                problems.append(error(span, "bad-preset-file", f"parameter '{value.param}' is not declared under params:"))
            elif declared.type not in types:
                problems.append(error(span, "bad-preset-file", f"parameter '{value.param}' is a {declared.type}; "
                                      f"{where[0]} takes a {' or a '.join(types)} parameter"))
    return problems


def _add(catalog: Catalog, preset: PresetSet, problems: list[Diagnostic]) -> None:
    catalog.sets[preset.spec.service] = preset
    for index, kind in enumerate(preset.spec.resource_types):
        other = catalog.by_type.get(kind)
        if other is not None:  # one file per type keeps short alarm names unambiguous on a resource
            problems.append(error(preset.doc.span(("resource_types", index)), "bad-preset-file",
                                  f"resource type '{kind}' already has presets in {other.doc.path}"))
        else:
            catalog.by_type[kind] = preset


