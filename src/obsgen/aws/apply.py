"""Execute a plan: writes in dependency order, a bounded number at a time, stop at the first failure.

Order (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html: an
alarm a composite references cannot be deleted; a composite cannot reference a missing alarm):
  1. topics, 2. subscriptions, 3. metric alarms, 4. composites, children before parents;
  then deletions in reverse: composites (parents first, one per DeleteAlarms call, as AWS
  requires), metric alarms (100 per call), subscriptions, topics.
A rename is a create plus a delete, so the new alarm exists and composites are repointed before
the old alarm goes. Each step is idempotent, so re-running after a failure converges.

Stopping: the first failed step sets a stop flag that every worker checks before it starts a
step, so the steps in flight finish and nothing new starts (the rest of the group included);
the command's deadline (deadline.py) does the same when it passes, and so does an interrupt
(Ctrl-C, or SIGTERM/SIGHUP, which the CLI turns into one). Workers are daemon threads: a call
that never gets an answer cannot keep the process alive past the deadline.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from . import dashboards
from .deadline import POLL_SECONDS, Deadline, DeadlineExceeded
from .desired import COMPOSITE_ALARM, DASHBOARD, METRIC_ALARM, SUBSCRIPTION, TOPIC
from .plan import CREATE, DELETE, Change, Plan

DELETE_BATCH = 100  # DeleteAlarms: up to 100 alarm names, at most one of them a composite
DEFAULT_WRITES_PER_SECOND = 3.0  # PutMetricAlarm/DeleteAlarms quota: 3 TPS (CloudWatch service quotas)


@dataclass(slots=True)
class ApplyResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (change, error) -- in flight at the deadline too
    not_done: list[str] = field(default_factory=list)  # never started
    write_calls: int = 0
    stopped_by: str = ""  # "" or why the apply stopped early: "a failed write", "the deadline", "an interrupt"

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


class _NotStarted(Exception):
    """The stop flag was set before the step's first call: it is reported as not done."""


class Executor:
    """Runs the calls for each step; counts writes for the report. No call starts after the
    deadline, and no step starts once `stop` is set (a step already under way finishes, so an
    alarm is never left with its new configuration but its old tags)."""

    def __init__(self, clients: Any, rate: RateLimiter, stop: threading.Event | None = None,
                 deadline: Deadline | None = None):
        self.clients = clients
        self.rate = rate
        self.stop = stop or threading.Event()
        self.deadline = deadline or Deadline(None)
        self.calls = 0
        self._lock = threading.Lock()
        self._step = threading.local()  # calls made so far by this thread's current step

    def call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        self.rate.wait()
        first = not getattr(self._step, "calls", 0)
        if self.deadline.expired:
            self.stop.set()
            if not first:
                raise DeadlineExceeded(f"the time limit of {self.deadline.seconds:g} s (--timeout) passed in the "
                                       "middle of this change; run apply again")
        if self.stop.is_set() and first:
            raise _NotStarted()
        with self._lock:
            self.calls += 1
        self._step.calls = getattr(self._step, "calls", 0) + 1
        return method(**kwargs)

    def start_step(self) -> None:
        self._step.calls = 0

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
            # Tags always go along: AWS ignores them when the alarm exists ("If you are using this
            # operation to update an existing alarm, any tags you specify in this parameter are
            # ignored", API_PutMetricAlarm.html and API_PutCompositeAlarm.html, Tags) and applies
            # them when the call creates it -- which an update does when someone deleted the alarm
            # after obsgen read it. Without them that alarm would come back unowned.
            self.call(put, **resource.params, Tags=_tag_list(resource.tags))
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
               DEFAULT_WRITES_PER_SECOND, on_step: Callable[[list[Change], str], None] | None = None,
               deadline: Deadline | None = None) -> ApplyResult:
    """Write `plan` (a fresh one: its changes carry the desired/live objects). Stops at the first
    failure, at the deadline or on an interrupt: steps in flight finish, none starts after; what
    was never started is listed in `not_done`. Never raises on AWS errors."""
    result = ApplyResult()
    stop = threading.Event()
    executor = Executor(clients, RateLimiter(writes_per_second), stop, deadline)
    groups = batches(plan)
    for index, group in enumerate(groups):
        outcomes, why = _run_group(group, lambda step: _attempt(executor, step, on_step, plan.redact),
                                   concurrency, stop, executor.deadline)
        for step, outcome in zip(group, outcomes):
            names = [f"{c.action} {c.address}" for c in step]
            if outcome is _DONE:
                result.done += names
            elif outcome is _NOT_STARTED:
                result.not_done += names
            elif outcome is _IN_FLIGHT:
                result.failed += [(n, "no answer before the deadline; it may or may not have been applied")
                                  for n in names]
            else:
                result.failed += [(n, outcome) for n in names]
        if stop.is_set() or result.failed or result.not_done or why:
            result.stopped_by = why or ("a failed write" if result.failed else "the deadline")
            result.not_done += [f"{c.action} {c.address}" for g in groups[index + 1:] for s in g for c in s]
            break
    result.write_calls = executor.calls
    return result


_DONE, _NOT_STARTED, _IN_FLIGHT = object(), object(), object()


def _run_group(group: list[list[Change]], attempt: Callable[[list[Change]], Any], concurrency: int,
               stop: threading.Event, deadline: Deadline) -> tuple[list[Any], str]:
    """The steps of one group on up to `concurrency` daemon threads. Returns each step's outcome
    (_DONE, an error message, _NOT_STARTED, or _IN_FLIGHT when the deadline passed first) and why
    the group stopped early ("" if it did not)."""
    outcomes: list[Any] = [_NOT_STARTED] * len(group)
    queue = iter(range(len(group)))
    take = threading.Lock()

    def worker() -> None:
        while not stop.is_set():
            with take:
                index = next(queue, None)
            if index is None:
                return
            outcomes[index] = _IN_FLIGHT
            try:
                outcomes[index] = attempt(group[index])
            except Exception as exc:  # noqa: BLE001 - a bug must not pass for a write without an answer
                outcomes[index] = f"internal error: {type(exc).__name__}: {exc} (a bug in obsgen)"
            if outcomes[index] is not _DONE and outcomes[index] is not _NOT_STARTED:
                stop.set()

    workers = [threading.Thread(target=worker, name=f"obsgen-apply-{i}", daemon=True)
               for i in range(max(1, min(concurrency, len(group))))]
    for thread in workers:
        thread.start()
    why = ""
    try:
        _wait(workers, deadline)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP as the CLI raises them: finish what is in flight
        stop.set()
        why = "an interrupt"
        _wait(workers, deadline)
    if deadline.expired and any(o is _IN_FLIGHT or o is _NOT_STARTED for o in outcomes):
        stop.set()
        why = why or "the deadline"
    return outcomes, why


def _wait(workers: list[threading.Thread], deadline: Deadline) -> None:
    """Until every worker is done or the deadline passes; wakes up often, so signals are handled."""
    for thread in workers:
        while thread.is_alive() and not deadline.expired:
            remaining = deadline.remaining()
            thread.join(timeout=POLL_SECONDS if remaining is None else min(POLL_SECONDS, remaining))


def _attempt(executor: Executor, step: list[Change], on_step: Callable[[list[Change], str], None] | None,
             redact: Callable[[str], str]) -> Any:
    executor.start_step()
    try:
        executor.run(step)
    except _NotStarted:
        return _NOT_STARTED
    except (ClientError, BotoCoreError, dashboards.DashboardRejected, DeadlineExceeded) as exc:
        if on_step:
            on_step(step, "failed")
        return redact(str(exc) if isinstance(exc, DeadlineExceeded) else describe_error(exc))
    if on_step:
        on_step(step, "done")
    return _DONE
