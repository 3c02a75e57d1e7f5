"""Diagnostics as text (one line each: `file:line:column: level: message [code]`), JSON (the shape of
`terraform validate -json`: valid, error_count, warning_count), JUnit XML (a test case per spec file
and per monitor, so CI lists what was checked, not only what failed). Formatting only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Sequence
from xml.etree import ElementTree as ET

from ..diagnostics import Diagnostic, Level
from ..language.load import SpecSet
from ..language.yaml_reader import Document

# 2: `format_version` (was `version`: 1), `valid`, `error_count`, `warning_count` (docs/output-formats.md)
VALIDATE_FORMAT_VERSION = 2


@dataclass(frozen=True, slots=True)
class CheckedMonitor:
    """A monitor validate checked: its name and the lines of its block in its file (end excluded)."""

    name: str
    first_line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class CheckedFile:
    path: str  # relative to the project, as diagnostics name it
    monitors: tuple[CheckedMonitor, ...] = ()


def checked_files(spec_paths: Sequence[str], spec: SpecSet | None) -> list[CheckedFile]:
    """The spec files validate read (relative paths) and, when the spec loaded, each service
    file's monitors with the lines of their blocks."""
    documents = {} if spec is None else {e.doc.path: e.doc for e in spec.services}
    return [CheckedFile(path, _monitors(documents[path]) if path in documents else ()) for path in spec_paths]


def _monitors(doc: Document) -> tuple[CheckedMonitor, ...]:
    """The monitors as written under `monitors:`, each up to the next one (the last up to the
    next top-level key, or the end of the file)."""
    top = doc.value_at(())
    monitors = doc.value_at(("monitors",))
    if not isinstance(top, dict) or not isinstance(monitors, dict):
        return ()
    starts = [(doc.span(("monitors", name), at_key=True).line, str(name)) for name in monitors]
    block = doc.span(("monitors",), at_key=True).line
    after = [line for key in top if (line := doc.span((key,), at_key=True).line) > block]
    end = min(after, default=doc.text.count("\n") + 2)
    starts.sort()
    ends = [line for line, _ in starts[1:]] + [end]
    return tuple(CheckedMonitor(name, line, stop) for (line, name), stop in zip(starts, ends))


def render_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(str(d) for d in diagnostics)


def _counts(diagnostics: Sequence[Diagnostic]) -> tuple[int, int]:
    errors = sum(1 for d in diagnostics if d.level is Level.ERROR)
    return errors, len(diagnostics) - errors


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    found = list(diagnostics)
    errors, warnings = _counts(found)
    items = [
        {
            "file": d.span.file,
            "line": d.span.line,
            "column": d.span.column,
            "level": d.level.value,
            "code": d.code,
            "message": d.message,
        }
        for d in found
    ]
    body = {"format_version": VALIDATE_FORMAT_VERSION, "valid": errors == 0, "error_count": errors,
            "warning_count": warnings, "diagnostics": items}
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_junit(diagnostics: Iterable[Diagnostic], checked: Sequence[CheckedFile]) -> str:
    """One test suite per spec file: a case for the file itself (what is outside its monitors) and
    one per monitor; a case fails with the errors located in it, warnings are its output."""
    found = list(diagnostics)
    files = list(checked) + [CheckedFile(f) for f in sorted({d.span.file for d in found} - {c.path for c in checked})]
    suites = ET.Element("testsuites", name="obsgen validate")
    for checked_file in files:
        in_file = [d for d in found if d.span.file == checked_file.path]
        suite = ET.SubElement(suites, "testsuite", name=checked_file.path)
        outside = [d for d in in_file if _monitor_of(d, checked_file) is None]
        _case(suite, checked_file.path, "(file)", outside)
        for monitor in checked_file.monitors:
            _case(suite, checked_file.path, monitor.name, [d for d in in_file if _monitor_of(d, checked_file) == monitor])
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suites.set("tests", str(sum(int(s.get("tests", "0")) for s in suites)))
    suites.set("failures", str(sum(int(s.get("failures", "0")) for s in suites)))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _monitor_of(diagnostic: Diagnostic, checked_file: CheckedFile) -> CheckedMonitor | None:
    line = diagnostic.span.line
    return next((m for m in checked_file.monitors if m.first_line <= line < m.end_line), None)


def _case(suite: ET.Element, classname: str, name: str, diagnostics: list[Diagnostic]) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name=name)
    errors = [d for d in diagnostics if d.level is Level.ERROR]
    if errors:
        failure = ET.SubElement(case, "failure", message=f"{len(errors)} error(s)", type="obsgen.validate")
        failure.text = "\n".join(str(d) for d in errors)
    warnings = [d for d in diagnostics if d.level is not Level.ERROR]
    if warnings:
        ET.SubElement(case, "system-out").text = "\n".join(str(d) for d in warnings)
