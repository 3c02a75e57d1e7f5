"""The two entry points over a whole build: check the tests (compile time) and run them (`obsgen test`)."""

from __future__ import annotations

from ..build import Build
from ..diagnostics import Diagnostic
from ..language.load import SpecSet
from ..model import EnvironmentModel
from .cases import Case, resolve_cases
from .run import AlarmTestReport, run_case


def check(spec: SpecSet, model: EnvironmentModel) -> list[Diagnostic]:
    """The alarm tests' problems in one environment (unknown monitors, series, severities)."""
    return resolve_cases(spec, model)[1]


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
