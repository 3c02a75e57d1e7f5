"""`obsgen validate --env ENV --live`: can each log monitor's metric filter ever match?

A log monitor passes every compile-time check and still never fires when its log group receives
nothing, or when its pattern cannot match the log's format. Only the account can say; this module
asks it, per distinct log group (in the environment's home region, where the sync puts metric filters):

1. `DescribeLogStreams` with `orderBy=LastEventTime`, `descending=true`, `limit=1`: the stream with the
   newest event, whose `lastEventTimestamp` is the group's newest event, in one call whatever the
   number of streams; `ResourceNotFoundException` when the group does not exist
   (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogStreams.html).
   `lastEventTimestamp` "updates on an eventual consistency basis. It typically updates in less than
   an hour from ingestion" (same page), so silence is judged over SILENT_DAYS, not hours. DescribeLogGroups
   would say only that the group exists, and FilterLogEvents "can return empty results while there are
   more log events available through the token"
   (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html), so
   an empty answer of it does not prove silence: this is the cheapest sound read.
2. Only for a group that has had an event in the past SILENT_DAYS and a JSON (`{ $.x ... }`) or
   space-delimited (`[a, b]`) pattern on it: one `FilterLogEvents` page, `limit=50`, from an hour before
   that newest event: the sample. One page, never followed: an empty page checks nothing.
3. A pattern the sample contradicts, locally (a JSON pattern and no sampled event is a JSON object; a
   space-delimited pattern naming more fields than any sampled event has), is then judged by AWS:
   `TestMetricFilter` with the pattern and the sample (at most 50 messages, botocore's logs model:
   https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TestMetricFilter.html). Only
   when AWS matches none of them is it a finding: AWS, not obsgen's reading of the format, decides.

Read budget: per distinct log group, 1 DescribeLogStreams + at most 1 FilterLogEvents + 1
TestMetricFilter per distinct pattern on it that the sample contradicts (usually none); never per
monitor. A pattern that matches none of the sampled events is otherwise normal (an error pattern and
no errors lately), so nothing else is reported. Findings are warnings; an access-denied answer
is a note (that API's checks are skipped), not a failure. Event text is the user's data: no message
quotes it, only counts and the group's name.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError

from .. import filter_pattern
from ..diagnostics import Diagnostic, shown, warning
from ..model import EnvironmentModel, MetricFilter
from .deadline import Deadline
from .session import Clients

SILENT_DAYS = 7  # a weekly job still logs within this; a renamed function's old group does not
DAY_MS = 86_400_000
SAMPLE_SIZE = 50  # TestMetricFilter logEventMessages: 1..50 (botocore's logs model, TestEventMessages)
SAMPLE_WINDOW_MS = 3_600_000  # the sample starts an hour before the group's newest event
MAX_TESTED_CHARS = 16_384  # longer events are left out of the sample (a bounded TestMetricFilter request)
# "AccessDeniedException: You do not have sufficient access to perform this action", HTTP 400
# (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/CommonErrors.html); the other two
# spellings are other services' (botocore's clients see the code as sent).
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
MISSING, SILENT, MISMATCH = "log-group-missing", "log-group-silent", "log-format-mismatch"


@dataclass(slots=True)
class Group:
    """What the account said of one log group."""

    exists: bool = True
    newest: int | None = None  # ms since the epoch of its newest event; None: no event at all
    silent: bool = False
    sample: list[str] = field(default_factory=list)  # recent event messages (never shown)
    mismatches: dict[str, str] = field(default_factory=dict)  # pattern -> why it cannot match (AWS agreed)


@dataclass(slots=True)
class LogsReading:
    """Every log group read (a group left out: its read was refused), the calls made, the refusals."""

    groups: dict[str, Group] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    denied: Counter[str] = field(default_factory=Counter)  # API -> log groups it was refused for


def read_logs(model: EnvironmentModel, clients: Clients, deadline: Deadline | None = None,
              now_ms: int | None = None) -> LogsReading:
    """The module's reads (its budget), one log group after the other, with the home region's client."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    reading = LogsReading()
    call = _Caller(clients.client("logs", model.region), reading, deadline)
    by_group: dict[str, set[str]] = {}
    for f in model.metric_filters:
        by_group.setdefault(f.log_group, set()).add(f.pattern)
    for name in sorted(by_group):
        group = _newest_event(call, name, now)
        if group is None:
            continue
        reading.groups[name] = group
        patterns = [p for p in sorted(by_group[name]) if _kind(p) in ("json", "space")]
        if group.exists and not group.silent and patterns:
            group.sample = _sample(call, name, group.newest or now)
            for pattern in patterns:
                _judge(call, group, pattern)
    return reading


class _Caller:
    """A logs API call counted, run within the deadline; None when access is denied (counted too)."""

    def __init__(self, client: Any, reading: LogsReading, deadline: Deadline | None):
        self.client, self.reading, self.deadline = client, reading, deadline

    def __call__(self, operation: str, method: str, **kwargs: Any) -> dict[str, Any] | None:
        self.reading.calls[operation] += 1
        def run() -> dict[str, Any]:
            answer: dict[str, Any] = getattr(self.client, method)(**kwargs)
            return answer

        try:
            if self.deadline is None:
                return run()
            return self.deadline.run(run, f"{operation} {kwargs.get('logGroupName', '')}")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in DENIED:
                self.reading.denied[operation] += 1
                return None
            raise


def _newest_event(call: _Caller, name: str, now: int) -> Group | None:
    try:
        answer = call("DescribeLogStreams", "describe_log_streams", logGroupName=name, orderBy="LastEventTime",
                      descending=True, limit=1)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return Group(exists=False)
        raise
    if answer is None:
        return None
    streams = answer.get("logStreams", [])
    newest = streams[0].get("lastEventTimestamp") if streams else None
    return Group(newest=newest, silent=newest is None or now - newest > SILENT_DAYS * DAY_MS)


def _sample(call: _Caller, name: str, newest: int) -> list[str]:
    try:
        answer = call("FilterLogEvents", "filter_log_events", logGroupName=name,
                      startTime=max(0, newest - SAMPLE_WINDOW_MS), limit=SAMPLE_SIZE)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":  # deleted meanwhile
            return []
        raise
    events = (answer or {}).get("events", [])
    return [m for e in events if 0 < len(m := e.get("message", "")) <= MAX_TESTED_CHARS][:SAMPLE_SIZE]


def _judge(call: _Caller, group: Group, pattern: str) -> None:
    """A mismatch noted when the sample contradicts the pattern and TestMetricFilter matches none of it."""
    why = contradiction(pattern, group.sample)
    if why is None:
        return
    answer = call("TestMetricFilter", "test_metric_filter", filterPattern=pattern, logEventMessages=group.sample)
    if answer is not None and not answer.get("matches"):
        group.mismatches[pattern] = why


def _kind(pattern: str) -> str:
    try:
        return filter_pattern.parse(pattern).kind
    except filter_pattern.PatternSyntaxError:  # refused at compile time already
        return "invalid"


def contradiction(pattern: str, sample: list[str]) -> str | None:
    """Why no event of a non-empty `sample` can match `pattern` by its format, or None when one might."""
    if not sample:
        return None
    parsed = filter_pattern.parse(pattern)
    n = len(sample)
    if parsed.kind == "json" and not any(_is_json_object(m) for m in sample):
        return (f"none of the {n} event(s) sampled is a JSON object, and a JSON pattern ({{ $.field ... }}) "
                "matches only JSON events")
    if parsed.kind == "space":
        most = max(len(filter_pattern.event_fields(m)) for m in sample)
        if len(parsed.fields) > most:
            return (f"the pattern names {len(parsed.fields)} space-delimited fields, but none of the {n} event(s) "
                    f"sampled has more than {most}")
    return None


def _is_json_object(message: str) -> bool:
    text = message.strip()
    if not text.startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


def findings(model: EnvironmentModel, reading: LogsReading) -> list[Diagnostic]:
    """A warning per log monitor whose group is missing or silent (at `log.group`), or whose pattern
    cannot match the group's events (at `log.pattern`)."""
    problems = []
    for f in model.metric_filters:
        group = reading.groups.get(f.log_group)
        if group is None:
            continue
        where = f"in account {model.account}, {model.region}"
        if not group.exists:
            problems.append(warning(f.origin.span("group"), MISSING, _missing(f, where)))
        elif group.silent:
            problems.append(warning(f.origin.span("group"), SILENT, _silent(f, group, where)))
        elif f.pattern in group.mismatches:
            problems.append(warning(f.origin.span("pattern"), MISMATCH, _mismatch(f, group, where)))
    return problems


def _missing(f: MetricFilter, where: str) -> str:
    return (f"log group '{shown(f.log_group)}' does not exist {where} (DescribeLogStreams: ResourceNotFoundException): "
            "apply will fail to create this monitor's metric filter (PutMetricFilter needs the group, and obsgen "
            "never creates log groups); check the name, or deploy what logs there first")


def _silent(f: MetricFilter, group: Group, where: str) -> str:
    day = None if group.newest is None else datetime.fromtimestamp(group.newest / 1000, timezone.utc)
    last = "no event at all" if day is None else f"its newest event is from {day:%Y-%m-%d}"
    return (f"log group '{shown(f.log_group)}' has received no event in the past {SILENT_DAYS} days {where} ({last}, "
            f"DescribeLogStreams): metric filter {f.name} has nothing to count, so alarm {f.alarm} cannot fire; check "
            "that what it monitors still logs there (a renamed function, an old stack's group)")


def _mismatch(f: MetricFilter, group: Group, where: str) -> str:
    return (f"this pattern cannot match log group '{shown(f.log_group)}' {where}: {group.mismatches[f.pattern]}, "
            f"and TestMetricFilter matches none of them either (the sample: FilterLogEvents, up to {SAMPLE_SIZE} "
            f"events from an hour before the group's newest); so alarm {f.alarm} cannot fire: write the pattern for "
            "the format of the group's events")


def notes(reading: LogsReading) -> list[str]:
    """What was not checked because the account refused a read."""
    return [f"live logs: access denied to logs:{api} for {count} log group(s); the checks that need it were "
            "skipped (docs/aws-sync.md, IAM permissions)" for api, count in sorted(reading.denied.items())]


def summary(model: EnvironmentModel, reading: LogsReading, problems: list[Diagnostic]) -> str:
    calls = ", ".join(f"{n} {api}" for api, n in sorted(reading.calls.items())) or "no calls"
    return (f"live logs: {len(reading.groups)} log group(s) of {len(model.metric_filters)} log monitor(s) read in "
            f"{model.account} {model.region} with {calls}; {len(problems)} log monitor(s) cannot fire")
