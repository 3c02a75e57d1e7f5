"""Runbook coverage: which monitors have human-written Diagnosis and Mitigation.

Facts alone tell a responder what fired; what to look at and what to do must come from people. A
monitor without both sections is reported by `obsgen validate` (a warning, an error with `--strict`)
and listed in generated/runbooks/COVERAGE.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping

from ..conventions import GENERATED_HEADER
from ..diagnostics import Diagnostic, error, warning
from .facts import MonitorFacts
from .guidance import Guidance
from .page import cell
from .wording import Markdown, code

if TYPE_CHECKING:
    from ..language.load import SpecSet

REQUIRED = ("Diagnosis", "Mitigation")


@dataclass(frozen=True, slots=True)
class Entry:
    monitor: MonitorFacts
    missing: tuple[str, ...]  # required sections nobody wrote
    files: tuple[str, ...]  # runbooks_src files that apply

    @property
    def covered(self) -> bool:
        return not self.missing


@dataclass(frozen=True, slots=True)
class Coverage:
    entries: tuple[Entry, ...]  # by service and monitor

    @property
    def covered(self) -> int:
        return sum(1 for e in self.entries if e.covered)

    def summary(self) -> str:
        return summary(self.covered, len(self.entries))

    def diagnostics(self, strict: bool, notes: Mapping[str, str] = {}) -> list[Diagnostic]:
        """One per monitor lacking guidance, at the monitor's key in its spec file; `notes` (by ref) say
        where a monitor without a key of its own comes from (a preset)."""
        make = error if strict else warning
        return [make(e.monitor.source, "runbook-missing-guidance",
                     f"monitor {e.monitor.ref} has no human-written {' or '.join(e.missing)} in its runbook; "
                     f"write them in runbooks_src/{e.monitor.service}/{e.monitor.monitor}.md"
                     + (f" ({notes[e.monitor.ref]})" if e.monitor.ref in notes else ""))
                for e in self.entries if not e.covered]

    def markdown(self) -> str:
        return "".join(self.markdown_lines())

    def markdown_lines(self) -> Iterator[str]:
        """COVERAGE.md a line at a time (each with its newline): a line per monitor, 3.5 MB at 30,000
        monitors, handed to the staging tree in pieces (chunks.py, docs/performance.md)."""
        return markdown_lines(self.covered, len(self.entries), self.blocks().values())

    def blocks(self) -> dict[str, str]:
        """COVERAGE.md's lines of each service (each line with its newline), by service in the entries'
        order: what the incremental build keeps of a service it does not compile again."""
        lines: dict[str, list[str]] = {}
        for e in self.entries:
            files = Markdown(", ".join(code(f) for f in e.files) or "none")
            lines.setdefault(e.monitor.service, []).append(
                f"| {e.monitor.service} | [{e.monitor.monitor}]({e.monitor.page}.md) | "
                f"{'yes' if e.covered else 'no'} | {', '.join(e.missing) or '-'} | {cell(files)} |\n")
        return {service: "".join(found) for service, found in lines.items()}


def summary(covered: int, total: int) -> str:
    """The line `obsgen build` prints: how many of the monitors have their human-written sections."""
    return f"runbooks: {covered} of {total} monitor(s) have human-written {' and '.join(REQUIRED)}"


def markdown_lines(covered: int, total: int, blocks: Iterable[str]) -> Iterator[str]:
    """COVERAGE.md from its counts and its lines, a block per service in service order (`Coverage.blocks`)."""
    yield f"<!-- {GENERATED_HEADER}; source: monitors/, runbooks_src/ -->\n"
    yield "# Runbook coverage\n\n"
    yield f"{summary(covered, total)[len('runbooks: '):].capitalize()}.\n\n"
    yield "| Service | Monitor | Covered | Missing | Guidance from |\n|---|---|---|---|---|\n"
    yield from blocks


def measure(pages: list[tuple[MonitorFacts, Guidance]]) -> Coverage:
    return Coverage(tuple(Entry(m, tuple(s for s in REQUIRED if not g.has(s)), g.files) for m, g in pages))


def unlinked(spec: "SpecSet", strict: bool) -> list[Diagnostic]:
    """Environments with no runbook base URL: their alarms and alerts carry no link to their page."""
    project = spec.project
    missing = [name for name in project.environments if not project.runbook_base_url(name)]
    if not missing:
        return []
    loc = ("runbooks",) if "runbooks" in spec.project_doc.data else ("project",)
    make = error if strict else warning
    return [make(spec.project_doc.span(loc, at_key=True), "runbook-no-base-url",
                 f"no runbook base URL for {', '.join(missing)}: those alarms and alerts carry no link to their "
                 "runbook page; set runbooks.base_url (or environments.<env>.runbooks_base_url) to where "
                 "generated/site/ is published")]
