"""The compile pipeline: load spec -> resolve per environment -> render targets -> artifacts.

Everything is computed in memory first; `write` replaces `generated/` only when the whole
build is free of errors, so a bad spec never leaves a half-written tree behind.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .diagnostics import Diagnostic, error, has_errors, unique_sorted
from .model import EnvironmentModel
from .presets.expand import expand_presets
from .presets.origin import annotate
from .runbooks import Coverage, add_runbooks
from .resolve import check_shared_names, resolve
from .schema import SCHEMA_FILE, schema_text
from .spec import SpecSet, load_spec
from .targets import TARGETS

GENERATED_DIR = "generated"


@dataclass(slots=True)
class Build:
    """The result of compiling a project: files keyed by their path under generated/."""

    spec: SpecSet | None
    envs: list[str]
    files: dict[str, str] = field(default_factory=dict)
    models: dict[str, EnvironmentModel] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # more top-level entries of generated/ it owns (runbooks, site)
    coverage: Coverage | None = None  # runbook coverage, when the runbooks were built

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def compile_project(root: Path, envs: list[str] | None = None) -> Build:
    """Compile `envs` (all when None). Never raises on bad input: problems come back as diagnostics."""
    with _gc_paused():
        return _compile(root, envs)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A compile allocates millions of objects that all stay alive until it ends (documents, specs,
    models, artifacts) and makes next to no reference cycles, so CPython's cyclic collector only
    rescans an ever larger live heap: about a third of the compile time on a 10,000-alarm project
    (docs/performance.md). Reference counting still frees everything else as usual; the collector
    runs again as soon as the compile returns."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compile(root: Path, envs: list[str] | None) -> Build:
    spec, problems = load_spec(root)
    if spec is not None and (problems := expand_presets(spec)):  # presets become plain monitors here
        spec = None
    if spec is None:
        return Build(None, envs or [], diagnostics=unique_sorted(problems))
    known = list(spec.project.environments)
    selected = envs or known
    unknown = [e for e in selected if e not in known]
    if unknown:
        span = spec.project_doc.span(("environments",), at_key=True)
        message = f"unknown environment(s) {', '.join(unknown)}; the project defines {', '.join(known)}"
        return Build(spec, selected, diagnostics=[error(span, "unknown-environment", message)])
    build = Build(spec, selected)
    build.files[SCHEMA_FILE] = schema_text()
    for env in selected:
        _compile_env(spec, env, build)
    build.diagnostics += check_shared_names(spec, build.models)
    if envs is None and build.ok:  # one runbook site for all environments: `build --env X` leaves it alone
        add_runbooks(spec, build)
    build.diagnostics = unique_sorted(annotate(build.diagnostics, spec.preset_uses.values()))
    return build


def _compile_env(spec: SpecSet, env: str, build: Build) -> None:
    model, problems = resolve(spec, env)
    build.diagnostics += problems
    if model is None:
        return
    build.models[env] = model
    for render in TARGETS():
        rendered = render(model)
        build.diagnostics += rendered.diagnostics
        for path, content in rendered.files.items():
            build.files[f"{env}/{path}"] = content


def _owned_paths(build: Build) -> list[str]:
    """The top-level entries of generated/ this build is responsible for."""
    return [SCHEMA_FILE, *build.envs, *build.outputs]


def stale_files(root: Path, build: Build) -> list[str]:
    """Paths under generated/ that differ from, are missing from, or are extra to this build."""
    base = root / GENERATED_DIR
    expected = build.files
    stale = []
    for rel, content in sorted(expected.items()):
        path = base / rel
        if not path.is_file() or path.read_bytes() != content.encode("utf-8"):
            stale.append(f"{GENERATED_DIR}/{rel}")
    for top in [*build.envs, *build.outputs]:
        env_dir = base / top
        if env_dir.is_dir():
            for path in sorted(env_dir.rglob("*")):
                rel = path.relative_to(base).as_posix()
                if path.is_file() and rel not in expected:
                    stale.append(f"{GENERATED_DIR}/{rel}")
    return stale


def write(root: Path, build: Build) -> list[str]:
    """Replace each environment's directory (and the schema) atomically; returns the files written."""
    if not build.ok:
        raise ValueError("refusing to write a build that has errors")
    base = root / GENERATED_DIR
    base.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".obsgen-", dir=base))
    try:
        for rel, content in build.files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        for top in _owned_paths(build):
            _swap(staging / top, base / top)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(f"{GENERATED_DIR}/{rel}" for rel in build.files)


def _swap(new: Path, current: Path) -> None:
    """os.replace is atomic for files; a directory is moved aside first, then removed."""
    if new.is_dir() and current.exists():
        old = current.with_name(f".old-{current.name}-{os.getpid()}")
        os.replace(current, old)
        os.replace(new, current)
        shutil.rmtree(old, ignore_errors=True)
    elif new.exists():
        os.replace(new, current)
