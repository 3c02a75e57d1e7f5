"""Execute a plan: writes in dependency order, a bounded number at a time, stop at the first failure.

The order is the registry's PHASES (kinds/__init__.py): creates and updates, each kind after what it
references, then deletions the other way round; each kind decides how its changes of one phase
form steps (one call each) and groups of independent steps (kinds/*.py `steps`). Each step is
idempotent, so re-running after a failure converges.

Stopping: the first failed step sets a stop flag that every worker checks before it starts a
step, so the steps in flight finish and nothing new starts (the rest of the group included);
the command's deadline (deadline.py) does the same when it passes, and so does an interrupt
(Ctrl-C, or SIGTERM/SIGHUP, which the CLI turns into one). Workers are daemon threads: a call
that never gets an answer cannot keep the process alive past the deadline.

Pacing: each write waits for its API's turn in its region (pacing.py: the documented quota, then
what AWS accepts), so PutDashboard runs at its 10 a second while PutMetricAlarm runs at its 3, and
an account with a raised quota, or the local sandbox, is not held at the defaults. The phases stay
as they are: a group starts only when the one before it has finished.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from . import kinds
from .deadline import POLL_SECONDS, Deadline, DeadlineExceeded
from .kinds.base import WriteRejected
from .pacing import THROTTLING_CODES, Pacer, RateReport
from .plan import Plan
from .resources import Action, Change
from .session import Clients

# The default cap on each API's write rate: none, so each API runs at what AWS accepts (pacing.py);
# a number caps every API at that many calls a second (--max-write-rate); None: no pacing at all.
DEFAULT_WRITES_PER_SECOND = math.inf
THROTTLED_ROUNDS = 4  # a paced write throttled on all of botocore's attempts is sent again, this many rounds in all


@dataclass(slots=True)
class ApplyResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (change, error) -- in flight at the deadline too
    not_done: list[str] = field(default_factory=list)  # never started
    write_calls: int = 0
    pacing: list[RateReport] = field(default_factory=list)  # per API and region written
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
    """Groups of steps, in the registry's phases; the steps of one group are independent, a step is
    one or more changes written by one call, all in one region (a kind batches its changes of one
    region at a time: one call writes to one region)."""
    groups: list[list[list[Change]]] = []
    regions = sorted({c.region for c in plan.changes})  # HOME ("") first
    for kind, deleting in kinds.PHASES:
        for region in regions:
            changes = [c for c in plan.changes
                       if c.kind == kind and c.region == region and (c.action == Action.DELETE) == deleting]
            groups += kinds.of(kind).steps(changes, deleting)
    return [g for g in groups if g]


class _NotStarted(Exception):
    """The stop flag was set before the step's first call: it is reported as not done."""


class Executor:
    """Runs the calls for each step; counts writes for the report. No call starts after the
    deadline, and no step starts once `stop` is set (a step already under way finishes, so an
    alarm is never left with its new configuration but its old tags)."""

    def __init__(self, clients: Clients, pacer: Pacer | None, stop: threading.Event | None = None,
                 deadline: Deadline | None = None):
        self.clients = clients
        self.pacer = pacer
        self.stop = stop or threading.Event()
        self.deadline = deadline or Deadline(None)
        self.calls = 0
        self._lock = threading.Lock()
        self._step = threading.local()  # calls made so far by this thread's current step

    def call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        if self.pacer is not None:
            self.pacer.acquire(method)
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
        return self._send(method, kwargs)

    def _send(self, method: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        """The call; when paced, a call botocore gave up on because every attempt was throttled is
        sent again in the API's next slot (the bucket has slowed down meanwhile), up to
        THROTTLED_ROUNDS times: botocore's retries do not wait for the bucket, and against an
        account held at its quota 5 throttled attempts in a row happen (the 384th PutMetricAlarm of
        benchmarks/apply_rate.py --throttle aws failed so, before this). A throttled call was not carried out, so
        sending it again is safe."""
        for round_ in range(1, THROTTLED_ROUNDS + 1):
            try:
                return method(**kwargs)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if (self.pacer is None or code not in THROTTLING_CODES or round_ == THROTTLED_ROUNDS
                        or self.deadline.expired or self.stop.is_set()):
                    raise
                self.pacer.acquire(method)
        raise AssertionError("unreachable")  # the last round returns or raises

    def start_step(self) -> None:
        self._step.calls = 0

    def run(self, step: list[Change]) -> None:
        """With the clients of the step's region (its changes share one)."""
        region = step[0].region or self.clients.region
        kinds.of(step[0].kind).write(self.call, self.clients.in_region(region), step)


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


def apply_plan(clients: Clients, plan: Plan, concurrency: int = 3, writes_per_second: float | None =
               DEFAULT_WRITES_PER_SECOND, on_step: Callable[[list[Change], str], None] | None = None,
               deadline: Deadline | None = None) -> ApplyResult:
    """Write `plan` (a fresh one: its changes carry the desired/live objects). Stops at the first
    failure, at the deadline or on an interrupt: steps in flight finish, none starts after; what
    was never started is listed in `not_done`. Never raises on AWS errors.
    `writes_per_second`: the cap on each API's rate (math.inf: each at what AWS accepts; None: unpaced)."""
    pacer = None if writes_per_second is None else Pacer(writes_per_second)
    if pacer is not None:
        clients.register("response-received", pacer.on_response)  # every attempt: throttles slow the API
    try:
        return _apply_groups(Executor(clients, pacer, threading.Event(), deadline), plan, concurrency, on_step)
    finally:
        if pacer is not None:
            clients.unregister("response-received", pacer.on_response)


def _apply_groups(executor: Executor, plan: Plan, concurrency: int,
                  on_step: Callable[[list[Change], str], None] | None) -> ApplyResult:
    result = ApplyResult()
    stop = executor.stop
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
    result.pacing = executor.pacer.report() if executor.pacer is not None else []
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
    except (ClientError, BotoCoreError, WriteRejected, DeadlineExceeded) as exc:
        if on_step:
            on_step(step, "failed")
        return redact(str(exc) if isinstance(exc, DeadlineExceeded) else describe_error(exc))
    if on_step:
        on_step(step, "done")
    return _DONE
