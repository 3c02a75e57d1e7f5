"""`obsgen validate --env ENV --live`: what each deployed alarm has been doing.

The spec and the metric can both be right and the alarm still page nobody, in two states only the
account shows (DescribeAlarms: `StateValue`, `StateUpdatedTimestamp`, `StateReason`,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricAlarm.html):

- **INSUFFICIENT_DATA for a day or more.** "The alarm has just started, the metric is not available, or
  not enough data is available for the metric to determine the alarm state"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html): an alarm that
  has stayed there since its last change has had nothing to evaluate, so it cannot fire. Not judged for
  a metric AWS does not publish when it is zero or idle (the catalog's `absent_when`) or one a log
  monitor's metric filter publishes: there the absence is the quiet state, and INSUFFICIENT_DATA with
  `missing_data: missing` is what a quiet day looks like.
- **ALARM for a day or more.** "Except for Auto Scaling actions, the actions happen only on state
  transitions, and are not performed again if the condition persists for hours or days"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html): an alarm that has
  stayed in ALARM notified once, and a new incident on it pages nobody. Either an outage
  nobody closed, or a threshold its metric always crosses (`obsgen backtest` shows which).

Read budget: DescribeAlarms with `AlarmNames`, at most 100 names a call (its maximum), per region of the
environment's metric and composite alarms: ceil(N/100) calls; an alarm not found is not deployed yet,
which is what `obsgen plan` shows, and is not judged. Findings are warnings at the monitor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..diagnostics import Diagnostic, warning
from ..metrics.shipped import shipped_catalog
from ..model import AlarmBase, EnvironmentModel, MetricAlarm
from .deadline import Deadline, counted
from .paging import pages
from .session import Clients

STUCK = timedelta(days=1)
NAMES_PER_CALL = 100  # DescribeAlarms AlarmNames: "Maximum number of 100 items" (botocore's cloudwatch model)
TYPES = ["MetricAlarm", "CompositeAlarm"]


@dataclass(frozen=True, slots=True)
class AlarmState:
    value: str  # OK, ALARM, INSUFFICIENT_DATA
    since: datetime  # StateUpdatedTimestamp
    reason: str


@dataclass(slots=True)
class States:
    found: dict[tuple[str, str], AlarmState] = field(default_factory=dict)  # (region, alarm name) -> its state
    calls: int = 0

    def tally(self) -> None:
        self.calls += 1


def read_states(model: EnvironmentModel, clients: Clients, deadline: Deadline | None = None) -> States:
    """The state of each of the environment's metric and composite alarms that exists, per region."""
    states = States()
    by_region: dict[str, list[str]] = {}
    for alarm in (*model.metric_alarms, *model.composite_alarms):
        by_region.setdefault(alarm.region, []).append(alarm.name)
    for region, names in sorted(by_region.items()):
        client = clients.client("cloudwatch", region)
        for start in range(0, len(names), NAMES_PER_CALL):
            kwargs = {"AlarmNames": sorted(names)[start:start + NAMES_PER_CALL], "AlarmTypes": TYPES}
            for page in pages(counted(client.describe_alarms, states.tally, deadline, f"DescribeAlarms in {region}"), kwargs):
                for alarm in (*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])):
                    states.found[region, alarm["AlarmName"]] = AlarmState(
                        alarm.get("StateValue", ""), _utc(alarm.get("StateUpdatedTimestamp")), alarm.get("StateReason", ""))
    return states


def findings(model: EnvironmentModel, states: States, now: datetime | None = None) -> list[Diagnostic]:
    """A warning at each monitor whose alarm has been in INSUFFICIENT_DATA, or in ALARM, for STUCK or longer."""
    moment = now or datetime.now(timezone.utc)
    quiet = {(f.namespace, f.metric) for f in model.metric_filters}
    found = []
    for alarm in (*model.metric_alarms, *model.composite_alarms):
        state = states.found.get((alarm.region, alarm.name))
        if state is None or moment - state.since < STUCK:
            continue
        days = (moment - state.since).days
        if state.value == "INSUFFICIENT_DATA" and not _quiet_when_absent(alarm, quiet):
            found.append(warning(alarm.origin.monitor_span(), "alarm-insufficient-data", (
                f"alarm {alarm.name} has been in INSUFFICIENT_DATA for {days} day(s) (since "
                f"{state.since:%Y-%m-%d %H:%M} UTC, in account {model.account}, {alarm.region}): CloudWatch has had "
                f"no data to evaluate it, so it cannot fire; check its metric, dimensions and region "
                f"(`validate --live` lists the metrics not published lately){_reason(state)}")))
        elif state.value == "ALARM":
            found.append(warning(alarm.origin.monitor_span(), "alarm-stuck-in-alarm", (
                f"alarm {alarm.name} has been in ALARM for {days} day(s) (since {state.since:%Y-%m-%d %H:%M} UTC, "
                f"in account {model.account}, {alarm.region}): CloudWatch ran its actions once, when it changed "
                "state, so a new incident on it notifies nobody; close the incident, or, if its metric always "
                f"crosses the threshold, change the threshold (`obsgen backtest` shows which){_reason(state)}")))
    return found


def summary(model: EnvironmentModel, states: States, problems: list[Diagnostic]) -> str:
    alarms = len(model.metric_alarms) + len(model.composite_alarms)
    return (f"live: {len(states.found)} of {alarms} alarm(s) found deployed in {model.account} with "
            f"{states.calls} DescribeAlarms call(s); {len(problems)} stuck for a day or more in INSUFFICIENT_DATA "
            "or ALARM")


def _quiet_when_absent(alarm: AlarmBase, quiet: set[tuple[str, str]]) -> bool:
    """Whether the alarm's metrics may be absent on a quiet day: published only when nonzero or with traffic,
    or by a metric filter only when lines match (then INSUFFICIENT_DATA is no sign of a broken alarm)."""
    if not isinstance(alarm, MetricAlarm):
        return False
    catalog = shipped_catalog()[0]
    for stat in alarm.stats:
        info = catalog.metric(stat.namespace, stat.metric)
        if (stat.namespace, stat.metric) in quiet or (info is not None and info.absent_when is not None):
            return True
    return False


def _reason(state: AlarmState) -> str:
    """AWS's StateReason, shortened: it says what CloudWatch last saw (a reason is AWS's text, no secret)."""
    reason = " ".join(state.reason.split())
    return f"; AWS says: \"{reason[:160]}{'...' if len(reason) > 160 else ''}\"" if reason else ""


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)  # no timestamp: judged as just changed, never as stuck
