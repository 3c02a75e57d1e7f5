"""Ready-to-paste investigation commands with the environment's own names, dimensions and region.

Every value from the spec goes through `shlex.quote`, so a dimension value with spaces (an API
Gateway name) or shell metacharacters pastes as one argument and never as shell syntax. Times use
GNU date (CloudShell, Linux): the last three hours.

Every command is scoped to the environment it is shown for: the `aws` commands name its region (and
its endpoint, `--endpoint-url`, for a sandbox), the Alertmanager commands match the alert's `env`
label (an Alertmanager shared by several environments would otherwise silence all of them) and its
`service` and `severity` (two monitors may share an alert name with different severities).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

from ..model import AlarmBase, CompositeAlarm, EnvironmentModel, LogAlarm, MetricAlarm, MetricFilter, MetricStat, PrometheusAlert
from ..values import is_extended

WINDOW = "--start-time \"$(date -u -d '-3 hours' +%FT%TZ)\" --end-time \"$(date -u +%FT%TZ)\""
LOG_GROUPS = {"AWS/Lambda": ("FunctionName", "/aws/lambda/{}")}  # namespace -> (dimension, log group)


@dataclass(frozen=True, slots=True)
class Command:
    title: str  # what it shows, e.g. "State changes of the alarm"
    text: str  # one shell command (maybe continued over lines), values already quoted


def q(value: str) -> str:
    return shlex.quote(value)


def for_alarm(model: EnvironmentModel, alarm: AlarmBase, names: Mapping[str, str],
              log_filter: MetricFilter | None = None) -> tuple[Command, ...]:
    """`names`: the environment's alarm names by monitor ref (a composite's command lists its children's);
    `log_filter`: the metric filter of a log monitor."""
    # The alarm's own region: a CloudFront alarm of an eu-west-1 environment lives in us-east-1.
    region = _region_options(alarm.region, model.endpoint)
    if isinstance(alarm, LogAlarm):
        return _log_alarm(alarm, region)
    name = q(alarm.name)
    found = [
        Command("Current state and reason", f"aws cloudwatch describe-alarms --alarm-names {name} {region} "
                "--query '[MetricAlarms,CompositeAlarms][][].[AlarmName,StateValue,StateReason]' --output text"),
        Command("State changes of the last days", f"aws cloudwatch describe-alarm-history --alarm-name {name} "
                f"--history-item-type StateUpdate --max-items 10 {region} "
                "--query 'AlarmHistoryItems[].[Timestamp,HistorySummary]' --output text"),
    ]
    if isinstance(alarm, CompositeAlarm):
        children = " ".join(q(names[c]) for c in alarm.children if c in names)
        found.append(Command("States of the alarms the rule combines",
                             f"aws cloudwatch describe-alarms --alarm-names {children} {region} "
                             "--query 'MetricAlarms[].[AlarmName,StateValue]' --output table"))
        return tuple(found)
    assert isinstance(alarm, MetricAlarm)
    if log_filter is not None:
        found.append(Command("Log lines the filter pattern matches, last hour",
                             f"aws logs filter-log-events --log-group-name {q(log_filter.log_group)} "
                             f"--filter-pattern {q(log_filter.pattern)} "
                             "--start-time \"$(( $(date -u -d '-1 hour' +%s) * 1000 ))\" "
                             f"{region} --query 'events[].[timestamp,message]' --output text"))
    for stat in alarm.stats:
        found.append(Command(f"{stat.namespace} {stat.metric}, last 3 hours", _statistics(stat, region)))
    for stat in alarm.stats:
        logs = _logs(stat, region)
        if logs and logs not in found:
            found.append(logs)
    return tuple(found)


@lru_cache(maxsize=256)  # an environment's few regions: quoted once, not twice per alarm
def _region_options(region: str, endpoint: str | None) -> str:
    return f"--region {q(region)}" + (f" --endpoint-url {q(endpoint)}" if endpoint else "")


def _log_alarm(alarm: LogAlarm, region: str) -> tuple[Command, ...]:
    """A native log alarm: its state, its history, and its query over the last hour (`start-query`
    answers with a query id; `get-query-results` reads the lines)."""
    groups = " ".join(q(g) for g in alarm.log_groups)
    return (
        Command("Current state and reason", f"aws cloudwatch describe-alarms --alarm-names {q(alarm.name)} "
                f"--alarm-types LogAlarm {region} --query 'LogAlarms[].[AlarmName,StateValue,StateReason]' "
                "--output text"),
        Command("State changes of the last days", f"aws cloudwatch describe-alarm-history --alarm-name {q(alarm.name)} "
                f"--history-item-type StateUpdate --max-items 10 {region} "
                "--query 'AlarmHistoryItems[].[Timestamp,HistorySummary]' --output text"),
        Command("The alarm's query over the last hour (then: aws logs get-query-results --query-id <id>)",
                f"aws logs start-query --log-group-names {groups} --query-string {q(alarm.query)} "
                "--start-time \"$(date -u -d '-1 hour' +%s)\" --end-time \"$(date -u +%s)\" "
                f"{region} --output text"),
    )


def _statistics(stat: MetricStat, region: str) -> str:
    dimensions = " ".join(q(f"Name={k},Value={v}") for k, v in stat.dimensions)
    option = "--extended-statistics" if is_extended(stat.statistic) else "--statistics"
    return (f"aws cloudwatch get-metric-statistics --namespace {q(stat.namespace)} --metric-name {q(stat.metric)} "
            + (f"--dimensions {dimensions} " if dimensions else "")
            + f"{option} {q(stat.statistic)} --period {stat.period} {WINDOW} {region} --output table")


def _logs(stat: MetricStat, region: str) -> Command | None:
    """A Lambda function's own log group: what it printed around the alarm."""
    if stat.namespace not in LOG_GROUPS:
        return None
    dimension, group = LOG_GROUPS[stat.namespace]
    name = dict(stat.dimensions).get(dimension)
    if not name:
        return None
    return Command(f"Logs of the function {name}, last hour",
                   f"aws logs tail {q(group.format(name))} --since 1h --format short {region}")


# The labels that tell one monitor's alert in one environment from every other (resolve_prometheus sets them).
IDENTITY_LABELS = ("alertname", "service", "severity", "env")
_PLAIN_LABEL_VALUE = re.compile(r"[A-Za-z0-9_.:-]+")


def matchers(alert: PrometheusAlert) -> str:
    """`alertname=ApiDown service=credlink-api severity=critical env=production`, each one shell word.
    A value with other characters is written `name="value"` (Alertmanager's matcher syntax)."""
    labels = {"alertname": alert.alert, **dict(alert.labels)}
    words = []
    for name in IDENTITY_LABELS:
        value = labels[name]
        if not _PLAIN_LABEL_VALUE.fullmatch(value):
            value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        words.append(q(f"{name}={value}"))
    return " ".join(words)


def for_alert(alert: PrometheusAlert) -> tuple[Command, ...]:
    """Prometheus: evaluate the expression now, and list or silence the firing alerts of this monitor in
    this environment (the servers' URLs come from the shell: `$PROMETHEUS_URL`, `$ALERTMANAGER_URL`)."""
    return (
        Command("Evaluate the alert's expression now",
                f"promtool query instant \"$PROMETHEUS_URL\" {q(' '.join(alert.expr.split()))}"),
        Command("Firing alerts of this rule, with their labels",
                f"amtool alert query --alertmanager.url=\"$ALERTMANAGER_URL\" {matchers(alert)}"),
        Command("Silence it for an hour while you work (say why)",
                f"amtool silence add --alertmanager.url=\"$ALERTMANAGER_URL\" --duration=1h "
                f"--comment='investigating' {matchers(alert)}"),
    )
