"""Read `monitors/` into validated spec objects, collecting every problem with its location."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pydantic import BaseModel, ValidationError

from .. import yaml_source
from ..diagnostics import Diagnostic, Span, error, shown
from ..yaml_source import Document, Mapping
from .errors import diagnostics_from
from .fields import _found
from .project import ProjectSpec
from .service import ServiceSpec

if TYPE_CHECKING:
    from ..presets.origin import PresetUse

MONITORS_DIR = "monitors"
RUNBOOKS_DIR = "runbooks_src"
PROJECT_FILE = "obsgen.yaml"
API_VERSION = "obsgen/v1"
MAX_SPEC_FILES = 10_000


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    spec: ServiceSpec
    doc: Document


@dataclass(slots=True)
class SpecSet:
    """The whole validated spec of a project, with the parsed documents kept for locating errors."""

    root: Path
    project: ProjectSpec
    project_doc: Document
    services: list[ServiceEntry]
    runbooks: dict[str, Path] = field(default_factory=dict)  # runbook name -> file
    preset_uses: dict[str, "PresetUse"] = field(default_factory=dict)  # 'service/monitor' -> its preset

    def service(self, name: str) -> ServiceEntry | None:
        return next((s for s in self.services if s.spec.service == name), None)


def load_spec(root: Path) -> tuple[SpecSet | None, list[Diagnostic]]:
    """Load and validate every spec file under `root/monitors`. Returns None when anything failed."""
    problems: list[Diagnostic] = []
    monitors = root / MONITORS_DIR
    if not monitors.is_dir():
        return None, [error(Span(MONITORS_DIR + "/"), "no-spec", f"no {MONITORS_DIR}/ directory in {root}")]
    project_path = monitors / PROJECT_FILE
    if not project_path.is_file():
        problems.append(error(Span(f"{MONITORS_DIR}/{PROJECT_FILE}"), "no-project-file",
                              f"the project file {MONITORS_DIR}/{PROJECT_FILE} is missing"))
    files = spec_files(monitors)
    if len(files) > MAX_SPEC_FILES:  # refuse rather than silently read only some of them
        return None, problems + [error(Span(MONITORS_DIR + "/"), "too-many-files",
                                       f"{MONITORS_DIR}/ holds {len(files):,} spec files; obsgen reads at most "
                                       f"{MAX_SPEC_FILES:,}")]
    project: tuple[ProjectSpec, Document] | None = None
    services: list[ServiceEntry] = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        is_project = path == project_path
        loaded = load_model(path, rel, ProjectSpec if is_project else ServiceSpec, problems, precheck=_check_header)
        if loaded is None:
            continue
        if is_project:
            project = loaded
        else:
            services.append(ServiceEntry(*loaded))
    problems += _duplicate_services(services)
    if project is None or problems:
        return None, problems
    runbooks = {p.stem: p for p in sorted((root / RUNBOOKS_DIR).glob("*.md"))} if (root / RUNBOOKS_DIR).is_dir() else {}
    return SpecSet(root, project[0], project[1], services, runbooks), []


def spec_files(monitors: Path) -> list[Path]:
    files = [p for p in monitors.rglob("*") if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")]
    return sorted(files)


def load_model(path: Path, rel: str, model: type[BaseModel], problems: list[Diagnostic],
               precheck: Callable[[Document, type[BaseModel]], list[Diagnostic]] | None = None
               ) -> tuple[Any, Document] | None:
    """A YAML file read within the limits (read_limited, yaml_source) and validated as `model`; None, with
    the problems appended, when any step fails. `precheck` may refuse the document before validation."""
    text = read_limited(path, rel, problems)
    if text is None:
        return None
    doc, found = yaml_source.load(rel, text)
    problems += found
    if doc is None:
        return None
    refused = precheck(doc, model) if precheck else []
    if refused:
        problems += refused
        return None
    try:
        return model.model_validate(doc.data), doc
    except ValidationError as exc:
        problems += diagnostics_from(exc, doc, model)
        return None


def read_limited(path: Path, rel: str, problems: list[Diagnostic]) -> bytes | None:
    """Read a regular file of bounded size; a FIFO, device or huge file is refused, not read."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            problems.append(error(Span(rel), "not-a-file", "not a regular file; refusing to read it"))
            return None
        with open(path, "rb") as handle:
            data = handle.read(yaml_source.MAX_FILE_BYTES + 1)
    except OSError as exc:
        problems.append(error(Span(rel), "unreadable", f"cannot read file: {exc.strerror}"))
        return None
    return data


def _check_header(doc: Document, model: type[BaseModel]) -> list[Diagnostic]:
    """apiVersion and kind first: a wrong kind would otherwise drown in unknown-key errors."""
    data = doc.data
    if not isinstance(data, Mapping):
        return [error(doc.span(()), "bad-value",
                      f"expected a mapping with apiVersion and kind at the top level, found {_found(data)}")]
    kind = "Project" if model is ProjectSpec else "Service"
    version = data.get("apiVersion")
    if version is not None and version != API_VERSION:
        return [error(doc.span(("apiVersion",)), "bad-api-version",
                      f"unsupported apiVersion '{shown(version)}'; this obsgen reads {API_VERSION}")]
    found = data.get("kind")
    if found is not None and found != kind:
        where = f"{MONITORS_DIR}/{PROJECT_FILE}" if kind == "Project" else f"files other than {MONITORS_DIR}/{PROJECT_FILE}"
        return [error(doc.span(("kind",)), "bad-kind", f"expected kind '{kind}' in {where}, found '{shown(found)}'")]
    return []


def _duplicate_services(services: list[ServiceEntry]) -> list[Diagnostic]:
    seen: dict[str, ServiceEntry] = {}
    problems = []
    for entry in services:
        name = entry.spec.service
        if name in seen:
            problems.append(error(entry.doc.span(("service",)), "duplicate-service",
                                  f"service '{name}' is already defined in {seen[name].doc.path}"))
        else:
            seen[name] = entry
    return problems
