"""`obsgen test` output: CloudWatch alarm test failures with their timelines, summaries, and JUnit XML
covering both kinds of test (CloudWatch alarm tests and promtool groups). Formatting only."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..alarm_tests.run import AlarmTestReport, CaseResult, Failure
from ..diagnostics import Diagnostic
from ..prometheus.promtool import TestReport
from ..values import format_duration

INDENT = "    "


def failure_text(failure: Failure) -> str:
    """The located one-line diagnostic, then the expected and actual timeline around it."""
    lines = [str(failure.diagnostic)]
    if failure.rows:
        width = max(len("time"), *(len(format_duration(r.at)) for r in failure.rows))
        lines.append(f"{INDENT}{'time'.ljust(width)}  {'actual state'.ljust(17)}  {'changes (actual)'.ljust(36)}  expected")
        for row in failure.rows:
            mark = f"<- {row.expected}" if row.expected else ""
            lines.append(f"{INDENT}{format_duration(row.at).ljust(width)}  {row.state.ljust(17)}  "
                         f"{(row.changes or '-').ljust(36)}  {mark}".rstrip())
    return "\n".join(lines)


def summary_lines(alarms: AlarmTestReport, prom: TestReport | None, envs: list[str]) -> list[str]:
    where = f" ({', '.join(envs)})" if envs else ""
    lines = []
    if alarms.ran:
        lines.append(f"CloudWatch: {alarms.passed} of {alarms.ran} alarm test run(s) passed{where}")
    if prom is not None and prom.ran:
        lines.append(f"Prometheus: {prom.passed} of {prom.ran} test group run(s) passed{where}")
    return lines or ["no unit tests in the spec"]


def junit(alarms: AlarmTestReport, prom: TestReport | None) -> str:
    """Two suites: one test case per CloudWatch alarm test and environment; promtool's groups as
    counted by promtool, a failed case per located failure."""
    root = ET.Element("testsuites", name="obsgen-test")
    suite = ET.SubElement(root, "testsuite", name="obsgen-cloudwatch-alarm-tests", tests=str(alarms.ran),
                          failures=str(alarms.ran - alarms.passed))
    for result in alarms.results:
        _case(suite, result)
    if prom is not None and prom.ran:
        failed = prom.ran - prom.passed
        psuite = ET.SubElement(root, "testsuite", name="obsgen-promtool-tests", tests=str(prom.ran),
                               failures=str(failed))
        for index in range(prom.passed):
            ET.SubElement(psuite, "testcase", classname="obsgen.promtool", name=f"passed group run {index + 1}")
        for item in prom.failures:
            _failed(ET.SubElement(psuite, "testcase", classname="obsgen.promtool", name=str(item.span)), item, "")
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _case(suite: ET.Element, result: CaseResult) -> None:
    case = ET.SubElement(suite, "testcase", classname=f"obsgen.{result.env}.{result.service}.{result.monitor}",
                         name=result.label)
    for failure in result.failures:
        _failed(case, failure.diagnostic, failure_text(failure))


def _failed(case: ET.Element, item: Diagnostic, text: str) -> None:
    node = ET.SubElement(case, "failure", message=str(item), type=item.code)
    node.text = text or str(item)
