"""Plan, apply and drift over several environments at once (`--env 'prod-*'`, repeated `--env`).

Environments run in parallel, at most `parallel` at a time, and never two at once that share an
account and a region: CloudWatch's and SNS's API quotas are per account and region (PutMetricAlarm's
3 TPS among them: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html,
https://docs.aws.amazon.com/general/latest/gr/sns.html#limits_sns), so two environments of one
account and region writing together would only share one quota and throttle each other. An
environment holds a slot for each (account, region) it syncs (its home region and `regions`) for
its whole run, reads included (DescribeAlarms has a per-account-and-region quota too).

Each environment's work is one function that returns an `Outcome` and never raises: a failure in
one (wrong account, AWS refused, a stale plan) is its outcome, and the others go on. Apply is two
rounds, as for one environment: every plan is read and shown first, then, once confirmed, each
environment is locked, read again and applied only if that gives exactly the plan shown.
Nothing here prints; `on_done` hands each outcome to the caller as soon as it is known.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from ..model import EnvironmentModel
from . import SyncError
from .apply import ApplyResult, describe_error
from .deadline import Deadline
from .desired import desired_resources
from .drift import DriftReport, drift_report
from .lock import EnvironmentLock, check_conflicts_unless_locked
from .plan import Plan
from .planfile import check_saved_plan
from .safety import check_identity
from .session import Clients, connect
from .workflow import ApplyOptions, apply, make_plan

DEFAULT_PARALLEL = 4
Slot = tuple[str, str]  # (account, region)
T = TypeVar("T")


class Result:
    """What became of one environment, from best to worst (`Outcome.exit_code`)."""

    NO_CHANGES, IN_SYNC, APPLIED = "no changes", "in sync", "applied"
    CHANGES, DRIFT = "changes", "drift"
    FAILED, NOT_STARTED = "failed", "not started"


@dataclass(slots=True)
class Outcome:
    env: str
    account: str
    region: str
    result: str  # one of Result's
    seconds: float = 0.0
    changes: int = 0  # planned (plan, drift: drifted resources) or written (apply)
    error: str = ""  # why it failed
    plan: Plan | None = None
    drift: DriftReport | None = None
    applied: ApplyResult | None = None
    clients: Clients | None = field(default=None, repr=False)  # kept from the plan round for the apply round
    caller: str = ""

    def exit_code(self, changes_code: int) -> int:
        """1 for a failure, `changes_code` for changes or drift (2, or 0 for `plan` without
        --detailed-exitcode), 0 otherwise; the command exits with the worst of its environments."""
        if self.result in (Result.FAILED, Result.NOT_STARTED):
            return 1
        return changes_code if self.result in (Result.CHANGES, Result.DRIFT) else 0


def slots(model: EnvironmentModel) -> frozenset[Slot]:
    return frozenset((model.account, region) for region in (model.region, *model.regions))


def run_bounded(items: list[T], slots_of: Callable[[T], frozenset[Slot]], parallel: int,
                work: Callable[[T], None], stop: threading.Event | None = None) -> list[T]:
    """`work(item)` for every item, at most `parallel` at once and never two whose slots overlap, in the
    order given as far as the slots allow. `work` must not raise. Once `stop` is set, or Ctrl-C (SIGTERM
    through the CLI) interrupts the wait, no item starts and those in flight finish (an apply cut off
    in a worker thread would leave its environment locked and half-written); the items never started
    come back."""
    stop = stop or threading.Event()
    cond = threading.Condition()
    busy: set[Slot] = set()
    pending = list(items)
    running = 0

    def run(item: T, held: frozenset[Slot]) -> None:
        nonlocal running
        try:
            work(item)
        finally:
            with cond:
                busy.difference_update(held)
                running -= 1
                cond.notify_all()

    with cond:
        try:
            while pending and not stop.is_set():
                ready = next((i for i in pending if not slots_of(i) & busy), None) if running < parallel else None
                if ready is None:
                    cond.wait(timeout=1.0)  # woken by a finished item; the timeout only rechecks `stop`
                    continue
                pending.remove(ready)
                held = slots_of(ready)
                busy.update(held)
                running += 1
                threading.Thread(target=run, args=(ready, held), name="obsgen-environment", daemon=True).start()
        except KeyboardInterrupt:
            stop.set()
        while running:
            cond.wait()
    return pending


@dataclass(slots=True)
class Fleet:
    """The models of the selected environments and how to reach them."""

    models: dict[str, EnvironmentModel]
    profile: str | None = None
    timeout: float | None = None  # each environment's own time limit (seconds)
    parallel: int = DEFAULT_PARALLEL
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, envs: list[str], job: Callable[[EnvironmentModel], Outcome],
            on_done: Callable[[Outcome], None]) -> list[Outcome]:
        """`job` for each environment (bounded as the module says); outcomes in the order of `envs`."""
        outcomes: dict[str, Outcome] = {}
        lock = threading.Lock()

        def work(env: str) -> None:
            outcome = _guarded(self.models[env], job)
            with lock:
                outcomes[env] = outcome
            on_done(outcome)

        for env in run_bounded(envs, lambda e: slots(self.models[e]), self.parallel, work, self.stop):
            model = self.models[env]
            outcomes[env] = Outcome(env, model.account, model.region, Result.NOT_STARTED,
                                    error="interrupted before it started")
        return [outcomes[env] for env in envs]

    def plan(self, model: EnvironmentModel, adopt: bool = False) -> Outcome:
        clients, caller = self._connect(model)
        plan = make_plan(model, clients, adopt, deadline=Deadline(self.timeout))
        result = Result.FAILED if plan.conflicts else Result.CHANGES if plan.has_changes else Result.NO_CHANGES
        error = f"{len(plan.conflicts)} conflict(s) with resources obsgen does not manage" if plan.conflicts else ""
        return Outcome(model.env, model.account, model.region, result, changes=len(plan.changes), error=error,
                       plan=plan, clients=clients, caller=caller)

    def drift(self, model: EnvironmentModel) -> Outcome:
        clients, _ = self._connect(model)
        report = drift_report(make_plan(model, clients, deadline=Deadline(self.timeout)), desired_resources(model))
        return Outcome(model.env, model.account, model.region, Result.IN_SYNC if report.in_sync else Result.DRIFT,
                       changes=len(report.items), drift=report)

    def apply(self, model: EnvironmentModel, shown: Outcome, options: ApplyOptions, adopt: bool = False,
              warn: Callable[[str], None] = lambda _m: None) -> Outcome:
        """Apply what `shown` (this environment's outcome of `plan`) showed: under the environment's
        lock, read again and refuse unless that gives exactly the same plan."""
        assert shown.plan is not None and shown.clients is not None
        clients, deadline = shown.clients, Deadline(self.timeout)
        lock = EnvironmentLock(clients.client("ssm"), model.project, model.env, clients.quick_client("ssm"))
        check_conflicts_unless_locked(shown.plan, lock)
        with lock.held(shown.caller, warn=warn):
            fresh = make_plan(model, clients, adopt, deadline=deadline)
            check_saved_plan(shown.plan, fresh, "run `obsgen apply` again")
            options = ApplyOptions(options.allow_mass_delete, options.mass_delete_share, options.concurrency,
                                   options.writes_per_second, deadline)
            result = apply(model, clients, fresh, options)
        return Outcome(model.env, model.account, model.region, Result.APPLIED if result.ok else Result.FAILED,
                       changes=len(result.done), error="" if result.ok else _apply_failure(result), plan=fresh,
                       applied=result)

    def _connect(self, model: EnvironmentModel) -> tuple[Clients, str]:
        clients = connect(model, self.profile)
        return clients, check_identity(clients, model.account, model.region, model.env, model.regions)


def _guarded(model: EnvironmentModel, job: Callable[[EnvironmentModel], Outcome]) -> Outcome:
    """`job`'s outcome with its duration; a failure of any kind is this environment's outcome only."""
    started = time.monotonic()
    try:
        outcome = job(model)
    except SyncError as exc:
        outcome = _failed(model, str(exc))
    except (ClientError, BotoCoreError) as exc:
        outcome = _failed(model, describe_error(exc))
    except Exception as exc:  # noqa: BLE001 -- a bug in one environment must not stop the others; it is reported
        outcome = _failed(model, f"{type(exc).__name__}: {exc}")
    outcome.seconds = time.monotonic() - started
    return outcome


def _failed(model: EnvironmentModel, error: str) -> Outcome:
    return Outcome(model.env, model.account, model.region, Result.FAILED, error=error)


def _apply_failure(result: ApplyResult) -> str:
    first = f": {result.failed[0][0]}: {result.failed[0][1]}" if result.failed else ""
    return (f"{len(result.failed)} write(s) failed, {len(result.not_done)} not started"
            f"{f' (stopped by {result.stopped_by})' if result.stopped_by else ''}{first}")
