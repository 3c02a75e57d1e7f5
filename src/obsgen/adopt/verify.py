"""Make the draft exact: compile it as `plan` would, compare each alarm with what AWS holds, and keep
verbatim (`cloudwatch:`) every parameter obsgen would write differently; then compile again to check.

The comparison is the sync's own (aws/kinds/alarms.normalize): what is equal here is what `plan --adopt`
finds equal, so the imported spec shows no field change.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ..aws.kinds import ALARMS
from ..aws.kinds.base import diff
from ..aws.resources import split_tags
from ..language.v1.fields import VERBATIM_PARAMS
from ..compiler import compile_project
from ..diagnostics import Diagnostic, Level
from ..language import yaml_reader
from ..progress import Progress, silent
from ..targets.cloudwatch import alarm_params
from . import writer
from .mapping import Draft, Finding


class ImportFailed(Exception):
    """The imported spec does not compile: a bug in the import (the diagnostics say where)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(str(d) for d in diagnostics[:5]))
        self.diagnostics = diagnostics


VERIFY_COMPILES = 2  # the draft as mapped, then with the verbatim parameters


def settle(draft: Draft, env: str, source: str, progress: Progress = silent) -> dict[str, str]:
    """The files of the draft with what obsgen would write differently kept verbatim. Reports
    "verifying the draft" after each of its VERIFY_COMPILES compiles."""
    compiled = _compiled_leaving_out(draft, env, source)
    progress("verifying the draft", 1, VERIFY_COMPILES)
    for alarm, placed in draft.placed.items():
        live = placed.live
        want = ALARMS.normalize(live.kind, live.params)
        have = ALARMS.normalize(live.kind, compiled.get(alarm, {}))
        verbatim = placed.body.setdefault("cloudwatch", {})
        for key in diff(have, want):
            if key in VERBATIM_PARAMS:  # else (WarmUpConfiguration) the mapping says it, or it differs below
                verbatim[key] = want.get(key)
    files = writer.files(draft, env, source)
    compiled = _compiled(files, env)
    progress("verifying the draft", 2, VERIFY_COMPILES)
    for alarm, placed in draft.placed.items():
        live = placed.live
        left = diff(ALARMS.normalize(live.kind, compiled.get(alarm, {})), ALARMS.normalize(live.kind, live.params))
        if left:
            draft.findings.append(Finding(alarm, "differs", f"obsgen would change {', '.join(left)}"))
    return files


LEAVING_OUT_ROUNDS = 3  # a composite of a left-out alarm is left out the next round, and its own composite next


def _compiled_leaving_out(draft: Draft, env: str, source: str) -> dict[str, dict[str, Any]]:
    """The draft compiled; an alarm whose monitor has an error the import cannot mend (one whose
    evaluation range could not hold its metric's data points) is left out with the error as its report
    line, so one account alarm never stops the import of the others; declared dashboards are a best
    effort too. An error elsewhere is the import's own bug, and stands."""
    for _ in range(LEAVING_OUT_ROUNDS + 1):
        files = writer.files(draft, env, source)
        try:
            return _compiled(files, env)
        except ImportFailed as exc:
            culprits = _alarms_at(draft, files, exc.diagnostics)
            if culprits:
                for alarm, problem in culprits.items():
                    _leave_out(draft, alarm, f"the spec cannot hold it as it is: {problem.message} [{problem.code}]")
            elif "dashboards" in draft.project:
                del draft.project["dashboards"]
                draft.findings.append(Finding("dashboards", "not imported", "the declared dashboards do not compile: "
                                              + "; ".join(str(d) for d in exc.diagnostics[:3])))
            else:
                raise
    return _compiled(writer.files(draft, env, source), env)


def _alarms_at(draft: Draft, files: dict[str, str], problems: list[Diagnostic]) -> dict[str, Diagnostic]:
    """The alarms whose monitor (written in its service's file, not through a preset) holds an error."""
    starts: dict[str, list[tuple[int, str]]] = {}  # service file -> (first line of a monitor, its alarm)
    ends: dict[str, int] = {}  # service file -> the first line after its monitors
    for alarm, placed in draft.placed.items():
        if draft.services.get(placed.service, {}).get("monitors", {}).get(placed.monitor) is not placed.body:
            continue
        path = f"monitors/{placed.service}.yaml"
        doc, _ = yaml_reader.load(path, files[path])
        if doc is None:
            continue
        starts.setdefault(path, []).append((doc.span(("monitors", placed.monitor), at_key=True).line, alarm))
        if path not in ends:
            keys = list(doc.value_at(()))
            after = keys[keys.index("monitors") + 1:]
            ends[path] = doc.span((after[0],), at_key=True).line if after else len(files[path].splitlines()) + 1
    found: dict[str, Diagnostic] = {}
    for problem in problems:
        path, line = problem.span.file, problem.span.line
        before = [(start, alarm) for start, alarm in starts.get(path, []) if start <= line < ends[path]]
        if before:
            found.setdefault(max(before)[1], problem)
    return found


def _leave_out(draft: Draft, alarm: str, why: str) -> None:
    placed = draft.placed.pop(alarm)
    monitors = draft.services[placed.service]["monitors"]
    del monitors[placed.monitor]
    if not monitors:
        del draft.services[placed.service]
    draft.findings = [f for f in draft.findings if f.subject != alarm]
    draft.findings.append(Finding(alarm, "not imported", why))


def _compiled(files: dict[str, str], env: str) -> dict[str, dict[str, Any]]:
    """Alarm name -> the parameters (without Tags) the spec compiles to in `env`."""
    return {name: params for name, (_, params) in compiled_envs(files, [env])[env].items()}


def compiled_envs(files: dict[str, str], envs: list[str]) -> dict[str, dict[str, tuple[str, dict[str, Any]]]]:
    """Per environment: alarm name -> (its monitor's 'service/monitor', the parameters without Tags)."""
    with tempfile.TemporaryDirectory(prefix="obsgen-import-") as folder:
        root = Path(folder)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        build = compile_project(root, envs)
        errors = [d for d in build.diagnostics if d.level is Level.ERROR]
        if errors or any(env not in build.models for env in envs):
            raise ImportFailed(errors)
        return {env: {alarm.name: (alarm.ref, split_tags(params)[0]) for alarm, params in alarm_params(build.models[env])}
                for env in envs}
