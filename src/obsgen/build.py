"""The result of compiling a project: a value the compiler fills and the commands read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from .chunks import Content, joined
from .diagnostics import Diagnostic, has_errors

if TYPE_CHECKING:  # types only: a command that reads a Build imports no spec model or runbook module for it
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
    # Where rendered files go as they are made instead of into `files` (`obsgen build`: the staging
    # tree; `--check`: the comparison with generated/), so that the build never holds them all
    # (docs/performance.md); `sent` lists their paths. A sink takes a file's text as one `str` or, for a
    # page too big to hold as one string, as `Chunks` (chunks.py).
    sink: Callable[[str, Content], None] | None = field(default=None, repr=False)
    sent: list[str] = field(default_factory=list)
    # Files an incremental build takes as generated/ holds them, unchanged since the last build (incremental/)
    reused: list[str] = field(default_factory=list)
    # The site index's rows and COVERAGE.md's lines of each service (runbooks.Runbooks), for incremental/
    index_blocks: dict[str, str] = field(default_factory=dict)
    coverage_blocks: dict[str, str] = field(default_factory=dict)
    # each environment's project-wide files' rows by service, as the targets give them (`Rendered.blocks`:
    # routing.md's), for incremental/: environment -> path under generated/<env>/ -> service -> rows
    blocks: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    coverage_line: str | None = None  # an incremental build's coverage summary (it measures no monitor)

    @property
    def paths(self) -> list[str]:
        """Every file of the build, sent to the sink, kept or reused, by its path under generated/."""
        return [*self.sent, *self.files, *self.reused]

    def add(self, rel: str, content: Content) -> None:
        """A rendered file, to the sink when there is one (otherwise joined into one string). The
        Prometheus rules and their tests stay in `files` too: promtool checks them after the compile
        (compiler.check_rules)."""
        if self.sink is None or _CHECKED_AFTER in rel:
            self.files[rel] = joined(content)
        else:
            self.sink(rel, content)
            self.sent.append(rel)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


_CHECKED_AFTER = "/prometheus/"  # <env>/prometheus/: promtool's input
