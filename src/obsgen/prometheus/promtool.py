"""Run the real Prometheus tools on a build and map what they say back to the spec.

`check_build` runs `promtool check rules` (lint fatal) on every generated rule file and turns each
error into a diagnostic at the rule's spec location (`check_promql`: that step of the pipeline,
which gates `validate`, `build`, `build --check` and `test`); `run_tests` runs `promtool test rules` once per
test group (promtool names no group in its output) and locates each failure at its test case;
`amtool_check` runs `amtool check-config`. A library module: values in, values out, no printing.
Output formats: https://github.com/prometheus/prometheus/blob/v2.42.0/cmd/promtool/unittest.go
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..build import Build
from ..diagnostics import Diagnostic, Span, error, unique_sorted
from ..model import Origin, PromTest, RuleGroup
from ..targets import prometheus as prometheus_target
from ..targets import promtool_tests

PROMTOOL_MISSING = "promtool not found; PromQL syntax was checked in-process, promtool's checks and lint were skipped"
TIMEOUT = 120  # seconds; promtool finishes in well under a second on any realistic spec
_RULE_ERROR = re.compile(r'group "(?P<group>[^"]*)", rule (?P<index>\d+), (?:"(?P<name>[^"]*)": )?(?P<message>.*)$')
_ALERT_FAILURE = re.compile(r"^\s*alertname: (?P<name>\S+), time: (?P<time>\S+?),\s*$")
_EXPR_FAILURE = re.compile(r'^\s*expr: (?P<expr>".*"), time: (?P<time>\S+?),\s*$')
_PARSE_POSITION = re.compile(r"could not parse expression: (\d+):(\d+):")
_ANNOTATION = re.compile(r'annotation "(\w+)"')
_ANNOTATION_FIELDS = {"summary": "summary", "description": "description", "dashboard_url": "dashboard"}
_GO_DURATION = re.compile(r"(\d+)(ms|[ywdhms])")
_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}


@dataclass(frozen=True, slots=True)
class ToolRun:
    command: tuple[str, ...]
    returncode: int
    output: str  # stdout and stderr together, as the tool printed them

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass(slots=True)
class TestReport:
    """What `obsgen test` found: test groups run and passed, and a located diagnostic per failure."""

    ran: int = 0
    passed: int = 0
    failures: list[Diagnostic] = field(default_factory=list)
    runs: list[ToolRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def find(tool: str) -> str | None:
    """The tool's path: $OBSGEN_<TOOL> if set (and executable), else the first on PATH."""
    return shutil.which(os.environ.get(f"OBSGEN_{tool.upper()}") or tool)


def run(args: list[str], cwd: Path | None = None) -> ToolRun:
    try:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ToolRun(tuple(args), 127, f"could not run {args[0]}: {exc}")
    return ToolRun(tuple(args), done.returncode, done.stdout + done.stderr)


def check_rules(promtool: str, paths: list[Path]) -> ToolRun:
    return run([promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, paths)])


def test_rules(promtool: str, paths: list[Path]) -> ToolRun:
    return run([promtool, "test", "rules", *map(str, paths)])


def amtool_check(amtool: str, path: Path) -> ToolRun:
    return run([amtool, "check-config", str(path)])


def go_duration(text: str) -> float | None:
    """`1h30m`, `5m`, `1d`, `0s` (Prometheus model.Duration) -> seconds."""
    parts = _GO_DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(int(n) * _UNITS[u] for n, u in parts)


# --- promtool check rules ---------------------------------------------------------------------------


def check_promql(build: Build) -> str | None:
    """The promtool step of the pipeline, after `compile_project`: adds promtool's findings on the
    generated rules to the build's diagnostics, so a rule promtool rejects is never written.
    Returns a note for the user when promtool is not installed (the rules were then not checked)."""
    if not build.ok or not uses_prometheus(build):
        return None
    tool = find("promtool")
    if tool is None:
        return PROMTOOL_MISSING
    build.diagnostics = unique_sorted(build.diagnostics + check_build(build, tool))
    return None


def uses_prometheus(build: Build) -> bool:
    return any(model.rule_groups for model in build.models.values())



def check_build(build: Build, promtool: str) -> list[Diagnostic]:
    """Every rule file of the build, checked by promtool; errors located at the rule in the spec.
    One promtool process checks every file; only when it fails is each file checked alone, so that
    each error is read against its own group (a run costs ~26 ms of wall time and ~34 ms of CPU
    before it reads a rule: one run per file was a fifth of `obsgen validate` of the example)."""
    found: list[tuple[str, Diagnostic]] = []
    with tempfile.TemporaryDirectory(prefix="obsgen-promtool-") as tmp:
        files: list[tuple[str, RuleGroup, Path]] = []
        for env, model in sorted(build.models.items()):
            for group in model.rule_groups:
                path = Path(tmp) / env / f"{group.service}.rules.yaml"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(build.files[f"{env}/prometheus/{group.service}.rules.yaml"], encoding="utf-8")
                files.append((env, group, path))
        if not files or check_rules(promtool, [path for _, _, path in files]).ok:
            return []
        for env, group, path in files:
            result = check_rules(promtool, [path])
            if not result.ok:
                found += [(env, d) for d in rule_errors(group, result.output)]
    return merge_envs(found)


def merge_envs(found: list[tuple[str, Diagnostic]]) -> list[Diagnostic]:
    """One problem seen in several environments is reported once, naming them all."""
    envs: dict[Diagnostic, list[str]] = {}
    for env, item in found:
        envs.setdefault(item, []).append(env)
    return [error(d.span, d.code, f"{d.message} (in {', '.join(sorted(e))})") for d, e in envs.items()]


def rule_errors(group: RuleGroup, output: str) -> list[Diagnostic]:
    rules = prometheus_target.rules_with_origins(group)
    problems = []
    for line in output.splitlines():
        match = _RULE_ERROR.search(line)
        index = int(match["index"]) - 1 if match else -1
        if match is None or not 0 <= index < len(rules):
            continue
        rule, origin = rules[index]
        annotation = _ANNOTATION.match(match["message"])
        if annotation and annotation[1] in _ANNOTATION_FIELDS:  # a bad {{ template }} in the spec's text
            span = origin.span(_ANNOTATION_FIELDS[annotation[1]])
        else:
            span = _expr_span(origin, "promql" if "alert" in rule else "expr", rule["expr"], match["message"])
        problems.append(error(span, "promtool", f"promtool: {match['message']}"))
    if not problems and output.strip() and rules:  # an error promtool tied to no rule: blame the first
        first = rules[0][1]
        message = " ".join(line.strip() for line in output.splitlines()
                           if line.strip() and not line.startswith("Checking ") and line.strip() != "FAILED:")
        problems.append(error(first.key_span(), "promtool", f"promtool: {message}"))
    return problems


def _expr_span(origin: Origin, field: str, expr: str, message: str) -> Span:
    """`could not parse expression: 1:15: ...` points inside the expression; so do we."""
    doc, loc = origin.doc, origin.loc + (field,)
    if origin.override and field in origin.override[2]:
        doc, loc = origin.override[0], origin.override[1] + (field,)
    match = _PARSE_POSITION.search(message)
    if match is None:
        return doc.span(loc)
    lines = expr.split("\n")
    line = min(int(match[1]), len(lines))
    offset = sum(len(text) + 1 for text in lines[:line - 1]) + int(match[2]) - 1
    return doc.span_in(loc, max(offset, 0))


# --- promtool test rules ----------------------------------------------------------------------------


def run_tests(build: Build, promtool: str) -> TestReport:
    """Run each test group alone, so a failure can be pinned to its group and case in the spec."""
    report = TestReport()
    found: list[tuple[str, Diagnostic]] = []
    with tempfile.TemporaryDirectory(prefix="obsgen-promtool-") as tmp:
        for env, model in sorted(build.models.items()):
            for group in model.rule_groups:
                base = Path(tmp) / env / "prometheus"
                (base / "tests").mkdir(parents=True, exist_ok=True)
                rules = f"{group.service}.rules.yaml"
                (base / rules).write_text(build.files[f"{env}/prometheus/{rules}"], encoding="utf-8")
                if any(test.fed_records for test in group.tests):  # the rule group without the rules they feed
                    fed = promtool_tests.fed_rules_file(group.service)
                    (base / "tests" / fed).write_text(build.files[f"{env}/prometheus/tests/{fed}"], encoding="utf-8")
                for index, test in enumerate(group.tests):
                    found += [(env, _env_neutral(d, env))
                              for d in _run_one(promtool, base / "tests", group, index, test, report)]
    report.failures = merge_envs(found)
    return report


def _env_neutral(item: Diagnostic, env: str) -> Diagnostic:
    """`env="staging"` -> `env="<env>"` (the label, and the runbook_url's `?env=` query), so one failure in
    every environment is reported once."""
    message = item.message.replace(f'env="{env}"', 'env="<env>"').replace(f'?env={env}"', '?env=<env>"')
    return error(item.span, item.code, message)


def _run_one(promtool: str, where: Path, group: RuleGroup, index: int, test: PromTest,
             report: TestReport) -> list[Diagnostic]:
    from ..targets.yaml_text import dump_yaml

    body = promtool_tests.test_file(group, [test])
    path = where / f"{group.service}.{index}.test.yaml"
    path.write_text(dump_yaml(body, "generated by obsgen for `obsgen test`"), encoding="utf-8")
    result = test_rules(promtool, [path])
    report.ran += 1
    report.runs.append(result)
    if result.ok:
        report.passed += 1
        return []
    return test_failures(test, result.output)


def test_failures(test: PromTest, output: str) -> list[Diagnostic]:
    """promtool prints `alertname: X, time: T,` or `expr: "E", time: T,` then exp/got lines."""
    problems: list[Diagnostic] = []
    blocks = _failure_blocks(output)
    for head, detail in blocks:
        span, what = _locate(test, head)
        text = " ".join(part.strip() for part in detail if part.strip())
        problems.append(error(span, "test-failed", f"alert test failed: {what}: {text}"))
    if not problems:
        message = " ".join(line.strip() for line in output.splitlines() if line.strip())
        problems.append(error(test.origin.span(), "test-failed", f"promtool test rules failed: {message}"))
    return problems


def _failure_blocks(output: str) -> list[tuple[str, list[str]]]:
    blocks: list[tuple[str, list[str]]] = []
    for line in output.splitlines():
        if _ALERT_FAILURE.match(line) or _EXPR_FAILURE.match(line):
            blocks.append((line.strip(), []))
        elif blocks:
            blocks[-1][1].append(line)
    return blocks


def _locate(test: PromTest, head: str) -> tuple[Span, str]:
    if match := _ALERT_FAILURE.match(head):
        seconds = go_duration(match["time"])
        for case in test.alert_tests:
            if case.alertname == match["name"] and case.eval_time == seconds:
                return case.origin.span(), f"{case.alertname} at {match['time']}"
        return test.origin.span(), f"{match['name']} at {match['time']}"
    match = _EXPR_FAILURE.match(head)
    assert match is not None  # _failure_blocks only keeps matching heads
    seconds = go_duration(match["time"])
    for expr_case in test.expr_tests:
        if expr_case.eval_time == seconds and json.dumps(expr_case.expr) == match["expr"]:
            return expr_case.origin.span(), f"expr {match['expr']} at {match['time']}"
    return test.origin.span(), f"expr {match['expr']} at {match['time']}"
