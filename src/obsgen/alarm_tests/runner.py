"""Alarm tests over a whole build, for `obsgen test`."""

from __future__ import annotations

from ..build import Build
from .cases import Case, resolve_cases
from .run import AlarmTestReport, run_case


def run_tests(build: Build) -> AlarmTestReport:
    """Every alarm test in every compiled environment; the build must be free of errors."""
    report = AlarmTestReport()
    if build.spec is None:
        return report
    for env, model in sorted(build.models.items()):
        cases, _ = resolve_cases(build.spec, model)
        report.results += [run_case(case, model) for case in cases]
    return report


def cases_for(build: Build, env: str) -> list[Case]:
    """The alarm tests that run in `env`, resolved (what `run_tests` evaluates)."""
    if build.spec is None or env not in build.models:
        return []
    return resolve_cases(build.spec, build.models[env])[0]
