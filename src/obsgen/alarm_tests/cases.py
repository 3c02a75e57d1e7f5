"""A CloudWatch alarm test of the spec, resolved in one environment: the alarms it needs and its data.

The series keys of a test name metrics the way the spec does (language/v1/alarm_tests.py); here
they become the exact metrics (namespace, name, dimensions) of the environment's resolved alarms, so
a test reads what the deployed alarm reads. Problems (an unknown monitor or series key, a severity
that does not exist) are located diagnostics, reported by `obsgen validate` like any spec error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from .. import conventions
from ..diagnostics import Diagnostic, Span, error, shown
from ..language.errors import did_you_mean
from ..language.load import ServiceEntry, SpecSet
from ..language.yaml_reader import Document, Loc
from ..language.v1.alarm_tests import AlarmTest, Expectation
from ..language.v1.service import CompositeMonitor, LogAlarmMonitor, LogMonitor, MathMonitor, MetricMonitor
from ..model import Alarm, CompositeAlarm, EnvironmentModel, MetricAlarm, MetricStat, with_children

if TYPE_CHECKING:  # the evaluator is loaded only when a test is resolved: compiling pays nothing for it
    from ..evaluator import Metric, Samples

# Offset 0 of every test: Monday 2026-01-05 00:00 UTC, so periods, hours, days and weeks all begin at
# offset 0 (wall-clock evaluation windows align to them: monitoring/alarm-evaluation-window.html) and
# a test gives the same result on every machine and day.
START = 1_767_571_200


TESTABLE = (MetricMonitor, MathMonitor, CompositeMonitor, LogMonitor)  # the monitors whose alarms the evaluator runs


@dataclass(frozen=True, slots=True)
class Case:
    """One test in one environment, ready to evaluate."""

    env: str
    service: str
    index: int  # in the service file's `tests:`
    label: str  # the test's name, or 'tests[i]'
    alarm: Alarm  # the alarm under test
    needed: tuple[Alarm, ...]  # it and, for a composite, every alarm below it
    data: Mapping[Metric | str, Samples]  # the evaluator's MetricData
    expectations: tuple[tuple[Expectation, Span], ...]
    span: Span  # the test's `alarm:` key, where a failure with no better place is reported


def test_label(index: int, test: AlarmTest) -> str:
    return test.name if test.name else f"tests[{index}]"


def check(spec: SpecSet, model: EnvironmentModel) -> list[Diagnostic]:
    """The alarm tests' problems in one environment (unknown monitors, series, severities)."""
    if not any(entry.spec.alarm_tests for entry in spec.services):
        return []
    return resolve_cases(spec, model)[1]


def resolve_cases(spec: SpecSet, model: EnvironmentModel) -> tuple[list[Case], list[Diagnostic]]:
    """Every alarm test of the spec that runs in this environment, and the problems found."""
    cases: list[Case] = []
    problems: list[Diagnostic] = []
    by_ref = {a.ref: a for a in model.alarms()}
    for entry in sorted(spec.services, key=lambda e: e.spec.service):
        for index, test in entry.spec.alarm_tests:
            case = _case(spec, entry, index, test, model, by_ref, problems)
            if case is not None:
                cases.append(case)
    return cases, problems


def _case(spec: SpecSet, entry: ServiceEntry, index: int, test: AlarmTest, model: EnvironmentModel,
          by_ref: dict[str, Alarm], problems: list[Diagnostic]) -> Case | None:
    loc = ("tests", index)
    doc = entry.doc
    service = entry.spec.service
    known_envs = list(spec.project.environments)
    for k, env in enumerate(test.environments or ()):
        if env not in known_envs:
            problems.append(error(doc.span(loc + ("environments", k)), "unknown-environment",
                                  f"unknown environment '{shown(env)}'{did_you_mean(env, known_envs)}"))
    monitor = entry.spec.monitors.get(test.alarm)
    if monitor is None or not isinstance(monitor, TESTABLE):
        cloudwatch = [n for n, m in entry.spec.monitors.items() if isinstance(m, TESTABLE)]
        why = (f"service '{service}' has no CloudWatch monitor '{shown(test.alarm)}'{did_you_mean(test.alarm, cloudwatch)}"
               if monitor is None else
               f"'{shown(test.alarm)}' is a native log alarm (a Logs Insights query): alarm tests evaluate metric "
               "alarms, so test its query in Logs Insights" if isinstance(monitor, LogAlarmMonitor) else
               f"'{shown(test.alarm)}' is a Prometheus alert: test it with a promtool group (input_series)")
        problems.append(error(doc.span(loc + ("alarm",)), "unknown-monitor", why))
        return None
    _check_severities(doc, loc, test, model, problems)
    if test.environments is not None and model.env not in test.environments:
        return None
    alarm = by_ref.get(conventions.monitor_ref(service, test.alarm))
    if alarm is None:  # disabled in this environment: nothing to test here
        return None
    from ..evaluator import Samples

    needed = with_children((alarm,), by_ref)
    data: dict[Metric | str, Samples] = {}
    for key in test.series:
        metrics = _metrics_for(spec, entry, key, alarm, needed, problems, doc.span(loc + ("series", key), at_key=True))
        for metric in metrics:
            if metric in data:
                problems.append(error(doc.span(loc + ("series", key), at_key=True), "duplicate-series",
                                      f"series '{shown(key)}' names a metric another series of this test already gives"))
            data[metric] = Samples([(START + t, v) for t, v in test.points(key)])
    expectations = tuple((e, doc.span(loc + ("expect", key), at_key=True))
                         for e, key in zip(test.expectations(), test.expect))
    return Case(model.env, service, index, test_label(index, test), alarm, needed, data, expectations,
                doc.span(loc + ("alarm",)))


def _check_severities(doc: Document, loc: Loc, test: AlarmTest, model: EnvironmentModel,
                      problems: list[Diagnostic]) -> None:
    names = [s.name for s in model.severities]
    for expectation, key in zip(test.expectations(), test.expect):
        for severity in expectation.notifies or ():
            if severity not in names:
                span = doc.span(loc + ("expect", key))
                problems.append(error(span, "unknown-severity",
                                      f"'{shown(severity)}' is not a severity of the project{did_you_mean(severity, names)}"))



def _metrics_for(spec: SpecSet, entry: ServiceEntry, key: str, alarm: Alarm, needed: tuple[Alarm, ...],
                 problems: list[Diagnostic], span: Span) -> list[Metric]:
    """A series key -> the metrics it feeds: a metric id of the tested math monitor; '[service/]monitor'
    (its one metric); '[service/]monitor.id' (a metric id of a math monitor); '[service/]resource.Metric'
    (that metric of the resource, in every alarm of the test that reads it)."""
    if isinstance(alarm, MetricAlarm) and "." not in key and "/" not in key:
        ids = dict(alarm.queries)
        if key in ids:
            return [_metric(ids[key])]
    service, _, rest = key.rpartition("/")
    service = service or entry.spec.service
    name, dot, part = rest.partition(".")
    by_ref = {a.ref: a for a in needed}
    target = by_ref.get(conventions.monitor_ref(service, name))
    owner = spec.service(service)
    is_resource = owner is not None and name in owner.spec.resources
    if target is not None and is_resource:
        problems.append(error(span, "ambiguous-series", f"'{shown(name)}' is both a monitor and a resource of "
                              f"service '{service}': name a metric id ('monitor.id') or use the monitor's metric id"))
        return []
    if target is not None:
        return _monitor_metrics(target, key, part if dot else None, problems, span)
    if is_resource and dot and owner is not None:
        return _resource_metrics(owner, name, part, needed, key, problems, span)
    choices = [a.ref.split("/", 1)[1] if a.service == entry.spec.service else a.ref for a in needed]
    if isinstance(alarm, MetricAlarm):
        choices += [qid for qid, _ in alarm.queries]
    problems.append(error(span, "unknown-series",
                          f"series '{shown(key)}' names no metric the tested alarm reads: write a metric id, "
                          f"'monitor', 'monitor.id' or 'resource.Metric'{did_you_mean(key, choices)}"))
    return []


def _monitor_metrics(target: Alarm, key: str, part: str | None, problems: list[Diagnostic], span: Span) -> list[Metric]:
    if isinstance(target, CompositeAlarm):
        problems.append(error(span, "unknown-series", f"'{shown(key)}' is a composite alarm: it has no metric; "
                              "give the series of the alarms below it"))
        return []
    if not isinstance(target, MetricAlarm):
        problems.append(error(span, "unknown-series", f"'{shown(key)}' is a native log alarm: it reads logs, not a metric"))
        return []
    ids = dict(target.queries)
    if part is None:
        if target.metric is not None:
            return [_metric(target.metric)]
        if not ids:  # a log monitor whose filter has dimensions: SELECT ... FROM its namespace
            problems.append(error(span, "unknown-series", f"'{shown(key)}' is a Metrics Insights query over its metric "
                                  "filter's dimensions: the evaluator cannot give it a series"))
            return []
        problems.append(error(span, "unknown-series", f"'{shown(key)}' is metric math over {', '.join(ids)}: "
                              f"name one, e.g. '{key}.{next(iter(ids))}'"))
        return []
    if part in ids:
        return [_metric(ids[part])]
    problems.append(error(span, "unknown-series", f"'{target.ref}' has no metric id '{shown(part)}'"
                          f"{did_you_mean(part, list(ids))}"))
    return []


def _resource_metrics(owner: ServiceEntry, resource: str, metric: str, needed: tuple[Alarm, ...], key: str,
                      problems: list[Diagnostic], span: Span) -> list[Metric]:
    """Every metric named `metric` that a needed alarm of `owner` reads from `resource`, by the spec."""
    found: set[Metric] = set()
    for alarm in needed:
        if not isinstance(alarm, MetricAlarm) or alarm.service != owner.spec.service:
            continue
        monitor = owner.spec.monitors.get(alarm.monitor)
        if isinstance(monitor, MetricMonitor) and monitor.resource == resource and monitor.metric == metric:
            found.add(_metric(alarm.single_metric()))
        if isinstance(monitor, MathMonitor):
            ids = dict(alarm.queries)
            found |= {_metric(ids[qid]) for qid, q in monitor.metrics.items()
                      if q.resource == resource and q.metric == metric and qid in ids}
    if len({(m.namespace, m.name, m.dimensions) for m in found}) > 1:
        problems.append(error(span, "ambiguous-series", f"'{shown(key)}' stands for {len(found)} metrics with different "
                              "dimensions: give each by its metric id ('monitor.id')"))
        return []
    if not found:
        problems.append(error(span, "unknown-series", f"no alarm of this test reads {shown(metric)} of resource "
                              f"'{resource}'"))
    return sorted(found, key=lambda m: (m.namespace, m.name, m.dimensions))


def _metric(stat: MetricStat) -> Metric:
    from ..evaluator import Metric

    return Metric(stat.namespace, stat.metric, tuple(stat.dimensions))
