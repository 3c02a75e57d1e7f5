"""The result of compiling a project: a value the compiler fills and the commands read."""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Diagnostic, has_errors
from .language.load import SpecSet
from .model import EnvironmentModel
from .runbooks.coverage import Coverage


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
    notes: list[str] = field(default_factory=list)  # what was not checked and why (promtool missing)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)
