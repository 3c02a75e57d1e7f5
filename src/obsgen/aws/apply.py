"""Execute a plan: writes in dependency order, a bounded number at a time, stop at the first failure.

Order (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html: an
alarm a composite references cannot be deleted; a composite cannot reference a missing alarm):
  1. topics, 2. subscriptions, 3. metric alarms, 4. composites, children before parents;
  then deletions in reverse: composites (parents first, one per DeleteAlarms call, as AWS
  requires), metric alarms (100 per call), subscriptions, topics.
A rename is a create plus a delete, so the new alarm exists and composites are repointed before
the old alarm goes. Each step is idempotent, so re-running after a failure converges.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from . import dashboards
from .desired import COMPOSITE_ALARM, DASHBOARD, METRIC_ALARM, SUBSCRIPTION, TOPIC
from .plan import CREATE, DELETE, Change, Plan

DELETE_BATCH = 100  # DeleteAlarms: up to 100 alarm names, at most one of them a composite
DEFAULT_WRITES_PER_SECOND = 3.0  # PutMetricAlarm/DeleteAlarms quota: 3 TPS (CloudWatch service quotas)


@dataclass(slots=True)
class ApplyResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    not_done: list[str] = field(default_factory=list)
    write_calls: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_done


class RateLimiter:
    """At most `rate` calls per second across threads (None: unlimited)."""

    def __init__(self, rate: float | None):
        self._interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self._interval
        time.sleep(max(0.0, slot - now))


def batches(plan: Plan) -> list[list[list[Change]]]:
    """Groups of steps; the steps of one group are independent, a step is one or more changes
    written by one call (only metric-alarm and dashboard deletes share a call)."""
    def of(kind: str, deleting: bool) -> list[Change]:
        return [c for c in plan.changes if c.kind == kind and (c.action == DELETE) == deleting]

    groups: list[list[list[Change]]] = [[[c] for c in of(TOPIC, False)], [[c] for c in of(SUBSCRIPTION, False)],
                                        [[c] for c in of(METRIC_ALARM, False)]]
    groups += [[[c] for c in level] for level in _composite_levels(of(COMPOSITE_ALARM, False))]
    groups += [[[c] for c in level] for level in reversed(_composite_levels(of(COMPOSITE_ALARM, True)))]
    groups.append(_chunks(of(METRIC_ALARM, True), DELETE_BATCH))
    groups += [[[c] for c in of(SUBSCRIPTION, True)], [[c] for c in of(TOPIC, True)]]
    # Dashboards depend on nothing (an alarm widget may name an alarm that does not exist yet): last.
    groups += [[[c] for c in of(DASHBOARD, False)], _chunks(of(DASHBOARD, True), dashboards.DELETE_BATCH)]
    return [g for g in groups if g]


def _chunks(changes: list[Change], size: int) -> list[list[Change]]:
    """Steps of up to `size` changes, for the calls that delete several resources at once."""
    return [changes[i:i + size] for i in range(0, len(changes), size)]


def _composite_levels(changes: list[Change]) -> list[list[Change]]:
    """Level 0: composites that reference none of the others in `changes`; level n: their parents."""
    names = {c.name: c for c in changes}
    level: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str] = frozenset()) -> int:
        if name not in level:
            change = names[name]
            refs = change.desired.depends_on if change.desired else (change.live.depends_on if change.live else ())
            kids = [r for r in refs if r in names and r not in seen]
            level[name] = 1 + max((depth(k, seen | {name}) for k in kids), default=-1)
        return level[name]

    for name in names:
        depth(name)
    return [[names[n] for n in sorted(names) if level[n] == i] for i in range(max(level.values(), default=-1) + 1)]


class Executor:
    """Runs the calls for each step; counts writes for the report."""

    def __init__(self, clients: Any, rate: RateLimiter):
        self.clients = clients
        self.rate = rate
        self.calls = 0
        self._lock = threading.Lock()

    def call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        self.rate.wait()
        with self._lock:
            self.calls += 1
        return method(**kwargs)

    def run(self, step: list[Change]) -> None:
        change = step[0]
        if change.kind == METRIC_ALARM and change.action == DELETE:
            self.call(self.clients.cloudwatch.delete_alarms, AlarmNames=[c.name for c in step])
        elif change.kind == DASHBOARD:
            dashboards.write(self.call, self.clients.cloudwatch, step, change.action == DELETE)
        elif change.kind in (METRIC_ALARM, COMPOSITE_ALARM):
            self._alarm(change)
        elif change.kind == TOPIC:
            self._topic(change)
        else:
            self._subscription(change)

    def _alarm(self, change: Change) -> None:
        cw = self.clients.cloudwatch
        if change.action == DELETE:
            self.call(cw.delete_alarms, AlarmNames=[change.name])
            return
        resource = change.desired
        put = cw.put_metric_alarm if change.kind == METRIC_ALARM else cw.put_composite_alarm
        if change.action == CREATE:
            self.call(put, **resource.params, Tags=_tag_list(resource.tags))
            return
        if change.config_changed:
            self.call(put, **resource.params)  # overwrites the configuration; ignores Tags on update
        self._tags(cw.tag_resource, cw.untag_resource, "ResourceARN", change)

    def _tags(self, tag: Callable[..., Any], untag: Callable[..., Any], arn_key: str, change: Change) -> None:
        """PutMetricAlarm/PutCompositeAlarm/CreateTopic ignore tags on existing resources."""
        before = (change.live.tags or {}) if change.live else {}
        after = change.desired.tags
        added = {k: v for k, v in after.items() if before.get(k) != v}
        removed = sorted(set(before) - set(after))
        if added:
            self.call(tag, **{arn_key: change.live.arn, "Tags": _tag_list(added)})
        if removed:
            self.call(untag, **{arn_key: change.live.arn, "TagKeys": removed})

    def _topic(self, change: Change) -> None:
        sns = self.clients.sns
        if change.action == DELETE:
            self.call(sns.delete_topic, TopicArn=change.live.arn)
            return
        resource = change.desired
        if change.action == CREATE:
            self.call(sns.create_topic, **resource.params, Tags=_tag_list(resource.tags))
            return
        for name, value in resource.params["Attributes"].items():
            if (change.live.params.get("Attributes") or {}).get(name, "") != value:
                self.call(sns.set_topic_attributes, TopicArn=change.live.arn, AttributeName=name,
                          AttributeValue=value)
        self._tags(sns.tag_resource, sns.untag_resource, "ResourceArn", change)

    def _subscription(self, change: Change) -> None:
        sns = self.clients.sns
        if change.action == DELETE:
            self.call(sns.unsubscribe, SubscriptionArn=change.live.arn)
        else:
            self.call(sns.subscribe, **change.desired.params, ReturnSubscriptionArn=True)


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


def apply_plan(clients: Any, plan: Plan, concurrency: int = 3, writes_per_second: float | None =
               DEFAULT_WRITES_PER_SECOND, on_step: Callable[[list[Change], str], None] | None = None) -> ApplyResult:
    """Write `plan` (a fresh one: its changes carry the desired/live objects). Stops after the first
    group with a failure; everything not attempted is listed in `not_done`. Never raises on AWS errors."""
    result = ApplyResult()
    executor = Executor(clients, RateLimiter(writes_per_second))
    groups = batches(plan)
    for index, group in enumerate(groups):
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            outcomes = list(pool.map(lambda step: _attempt(executor, step, on_step, plan.redact), group))
        for step, error in zip(group, outcomes):
            names = [f"{c.action} {c.address}" for c in step]
            if error is None:
                result.done += names
            else:
                result.failed += [(n, error) for n in names]
        if result.failed:
            result.not_done = [f"{c.action} {c.address}" for g in groups[index + 1:] for s in g for c in s]
            break
    result.write_calls = executor.calls
    return result


def _attempt(executor: Executor, step: list[Change], on_step: Callable[[list[Change], str], None] | None,
             redact: Callable[[str], str]) -> str | None:
    try:
        executor.run(step)
    except (ClientError, BotoCoreError, dashboards.DashboardRejected) as exc:
        if on_step:
            on_step(step, "failed")
        return redact(describe_error(exc))  # AWS may echo an endpoint back; plan.redact knows the secret ones
    if on_step:
        on_step(step, "done")
    return None
