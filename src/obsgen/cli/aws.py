"""CLI commands that talk to AWS: plan, apply, drift, test-alarm, unlock, sandbox; and show (a saved plan).

Registered on `cli.app` (imported at the bottom of cli.py). Exit codes follow cli.py's table:
0 ok / in sync, 1 error or refusal, 2 changes (plan --detailed-exitcode) or drift (drift).
"""

from __future__ import annotations

import json
import math
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional
from urllib.parse import urlsplit

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                           TimeRemainingColumn)
from rich.text import Text

from ..aws import SyncError
from ..aws import live_checks as live
from ..aws.apply import ApplyResult
from ..prometheus import drift as prometheus_drift
from ..views import drift as drift_view
from ..views import plan as plan_view
from ..views import prometheus_drift as prometheus_view
from ..views import fleet as fleet_view
from ..views import sarif as sarif_view
from ..aws.desired import desired_resources
from ..aws.deadline import Deadline
from ..aws.drift import DriftReport, drift_report
from ..aws.fleet import DEFAULT_PARALLEL, Fleet, Outcome, Result
from ..aws.lock import EnvironmentLock, check_conflicts_unless_locked
from ..aws.plan import Plan
from ..aws.safety import DEFAULT_MASS_DELETE_SHARE, check_identity
from ..aws.session import Clients, connect
from ..aws.planfile import check_saved_plan, dumps as plan_json, loads as load_plan
from ..aws.workflow import ApplyOptions, apply, check_deploy, make_plan
from .common import DriftFormat, JunitOut, PlanFormat, ProjectDir, finite, output_file, report, repository_prefix
from .app import app, err, out, reader_may_leave
from ..compiler import compile_project
from ..language.load import load_spec
from ..language.matrix import GLOB_CHARACTERS, select
from ..diagnostics import Diagnostic
from ..model import EnvironmentModel
from ..progress import Progress as Counts

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest

    from ..sandbox.server import Sandbox

EXIT_CHANGES = 2
MAX_HOLD = 3600.0  # seconds: long enough to watch a page arrive; time.sleep overflows on huge values
EnvRequired = typer.Option(..., "--env", "-e", metavar="ENV", help="The environment to work on.")
EnvsRequired = typer.Option(..., "--env", "-e", metavar="ENV",
                            help="The environment to work on; repeat it, or write a glob ('prod-*'), for several "
                                 "at once (docs/organisations.md).")
Parallel = typer.Option(DEFAULT_PARALLEL, "--parallel", min=1, max=64,
                        help="With several environments: how many run at once (never two of one account and region).")
Profile = typer.Option(None, "--profile", metavar="NAME", show_default=False,
                       help="AWS profile (default: the standard credential chain).")
Compact = typer.Option(False, "--compact",
                       help="Show each creation as one line, its address, without its attributes (updates and "
                            "deletions in full), and count the creations by kind: for an environment's first plan.")
# The time limit of a command's AWS work (docs/aws-sync.md, "Time limits"); each call also has its own.
READ_TIMEOUT_DEFAULT, APPLY_TIMEOUT_DEFAULT = 300.0, 3600.0


def _timeout(default: float) -> Any:  # typer.Option's own type: the parameter's default, as typer sees it
    return typer.Option(default, "--timeout", min=1.0, max=86400.0,
                        help="Seconds the command may wait for AWS in all before it gives up.")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}" if err.is_terminal else f"error: {message}",
              markup=err.is_terminal, highlight=False)
    return typer.Exit(1)


def _model(project_dir: Path, env: str) -> EnvironmentModel:
    build = compile_project(project_dir, [env])
    if not build.ok or env not in build.models:
        report(build)
        raise typer.Exit(1)
    return build.models[env]


def _connect(model: EnvironmentModel, profile: str | None) -> tuple[Clients, str]:
    """The environment's clients, once STS says they are for its account; and the caller's ARN."""
    try:
        clients = connect(model, profile)
        with _waiting_note(clients, "checking the AWS account"):
            caller = check_identity(clients, model.account, model.region, model.env, model.regions)
        return clients, caller
    except SyncError as exc:
        raise _fail(str(exc)) from None
    except BotoCoreError as exc:  # e.g. ProfileNotFound
        raise _fail(f"AWS configuration: {exc}") from None


def live_checks(model: EnvironmentModel, profile: str | None,
                timeout: float) -> tuple[list[Diagnostic], list[str], list[str]]:
    """`validate --live` (aws/live_checks.py): diagnostics, notes and summary lines. One STS check, one deadline."""
    clients, _ = _connect(model, profile)
    try:
        outcome = live.run(model, clients, Deadline(timeout), lambda doing: _waiting_note(clients, doing))
    except live.LiveCheckFailed as exc:
        raise _fail(str(exc)) from None
    return outcome.problems, outcome.notes, outcome.summaries


def _plan(model: EnvironmentModel, clients: Clients, adopt: bool, deadline: Deadline) -> Plan:
    try:
        with _waiting_note(clients, f"reading {model.env} from AWS") as progress:
            return make_plan(model, clients, adopt, deadline=deadline, progress=progress)
    except SyncError as exc:
        raise _fail(str(exc)) from None


@contextmanager
def _waiting_note(clients: Clients, doing: str) -> Iterator[Callable[[str], None]]:
    """On a terminal, a transient line saying what the command is reading (the library's progress
    callback, which this yields) and which AWS call it is waiting for (so a slow or silent endpoint
    is visible as one). Off a terminal (CI logs, a pipe) nothing is printed."""
    if not err.is_terminal:
        yield lambda _status: None
        return
    with err.status(Text(doing)) as status:
        now = {"reading": "", "call": ""}
        lock = threading.Lock()

        def show(**parts: str) -> None:
            with lock:
                now.update(parts)
                reading = f" ({now['reading']})" if now["reading"] else ""
                status.update(Text(f"{doing}{reading}: {now['call']}" if now["call"] else f"{doing}{reading}"))

        def note(request: AWSPreparedRequest, event_name: str, **_: object) -> None:
            show(call=f"waiting for {urlsplit(request.url).netloc} ({event_name.rsplit('.', 1)[-1]})")

        clients.register("before-send", note)  # every region's clients, made already or later
        try:  # a reading is reported once what it waited for is read: until the next call, none is awaited
            yield lambda reading: show(reading=reading, call="")
        finally:
            clients.unregister("before-send", note)


def _counts_in(note: Callable[[str], None]) -> Counts:
    """The library's `Progress(step, done, total)` (obsgen/progress.py) as the waiting note's reading:
    "GetMetricData calls 12/40", "replaying alarms 3/9"."""
    return lambda step, done, total: note(f"{step} {done}/{total}")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (what CI sends a job it cancels), raised like Ctrl-C so that the same
    cleanup runs: test-alarm restores the alarm, apply finishes its calls in flight and releases
    the environment's lock."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def _terminate_like_interrupt() -> Iterator[None]:
    """SIGTERM/SIGHUP raise Terminated once; further ones are ignored while the cleanup runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signums = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {signum: signal.getsignal(signum) for signum in signums}
    raised = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        if not raised.is_set():
            raised.set()
            raise Terminated(signum)

    for signum in signums:
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _show(text: str | Text) -> None:
    out.print(text, markup=False, highlight=False)


def _show_plan_text(plan: Plan, compact: bool = False) -> None:
    """The plan's text printed piece by piece as it is rendered (memory does not grow with it); the
    same bytes as `_show(plan_text(plan))` (tests/test_aws_plan.py). Off a terminal rich adds no
    style, so a piece is its plain text (rich's Text has already dropped control codes; only a tab,
    which rich expands, needs rich): laying out each piece took 2.5 ms, 25 s for 10,000 changes."""
    for part in plan_view.plan_parts(plan, compact):
        if out.is_terminal or "\t" in part.plain:
            out.print(part, markup=False, highlight=False, end="")
        else:
            out.file.write(part.plain)
    out.print(markup=False, highlight=False)


@app.command()
def plan(env: list[str] = EnvsRequired, project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
         format: PlanFormat = typer.Option(PlanFormat.text, "--format", help="Output format."),
         out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Save the plan (JSON) for `apply`.",
                                                 callback=output_file),
         detailed_exitcode: bool = typer.Option(False, "--detailed-exitcode",
                                                help="Exit 0 when there is nothing to change, 2 when there is."),
         adopt: bool = typer.Option(False, "--adopt", help="Take over same-named resources obsgen does not manage."),
         timeout: float = _timeout(READ_TIMEOUT_DEFAULT), parallel: int = Parallel, compact: bool = Compact) -> None:
    """Show what `apply` would change in AWS to make ENV equal to the spec."""
    envs = _selected(project_dir, env)
    if len(envs) > 1:
        _one_only(("--format markdown", format is PlanFormat.markdown), ("--out", out_file is not None))
        fleet = _fleet(project_dir, envs, profile, timeout, parallel)
        as_json = format is PlanFormat.json
        outcomes = _run_fleet(fleet, envs, lambda model: fleet.plan(model, adopt), _plan_block(compact), as_json)
        code = max(o.exit_code(EXIT_CHANGES if detailed_exitcode else 0) for o in outcomes)
        if as_json:
            _fleet_json("plan", outcomes, code)
        raise typer.Exit(code)
    model = _model(project_dir, envs[0])
    clients, _ = _connect(model, profile)
    result = _plan(model, clients, adopt, Deadline(timeout))
    if out_file is not None:
        out_file.write_text(plan_json(result), encoding="utf-8")
    with reader_may_leave():  # `plan --detailed-exitcode | head` still gives its verdict
        _show_plan(result, format, compact)
    if out_file is not None and format is PlanFormat.text:
        err.print(f"saved the plan to {out_file}; review it with `obsgen show {out_file}`, "
                  f"apply it with `obsgen apply {out_file}`", markup=False)
    if result.conflicts:
        raise typer.Exit(1)
    if detailed_exitcode and result.has_changes:
        raise typer.Exit(EXIT_CHANGES)


@app.command("apply")
def apply_command(
        plan_file: Optional[Path] = typer.Argument(None, help="A plan saved with `obsgen plan --out`.", metavar="PLAN_FILE",
                                                   exists=True, dir_okay=False),
        env: Optional[list[str]] = typer.Option(None, "--env", "-e", metavar="ENV", show_default=False,
                                                help="The environment to work on (a saved plan names its own); "
                                                     "repeat it, or write a glob ('prod-*'), for several at once."),
        project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
        auto_approve: bool = typer.Option(False, "--auto-approve", help="Do not ask for confirmation."),
        adopt: bool = typer.Option(False, "--adopt", help="Take over same-named resources obsgen does not manage."),
        allow_mass_delete: bool = typer.Option(False, "--allow-mass-delete",
                                               help="Allow deleting more than --mass-delete-share of the managed resources."),
        mass_delete_share: float = typer.Option(DEFAULT_MASS_DELETE_SHARE, "--mass-delete-share", min=0.0, max=1.0),
        concurrency: int = typer.Option(3, "--concurrency", min=1, max=10, help="Writes in flight at once."),
        max_write_rate: Optional[float] = typer.Option(
            None, "--max-write-rate", min=0.1, max=10000.0, envvar="OBSGEN_MAX_WRITE_RATE", metavar="CALLS",
            show_default=False, help="At most this many calls a second to each AWS API (default: each API's "
                                     "quota, adapting to throttling)."),
        timeout: float = _timeout(APPLY_TIMEOUT_DEFAULT), parallel: int = Parallel, compact: bool = Compact,
) -> None:
    """Change AWS so that ENV equals the spec (or exactly what a saved plan says).

    Without a plan file, the fresh plan is shown and applied once you answer yes (or with
    --auto-approve). A saved plan was reviewed when it was made, so it is applied without a
    question, as Terraform applies a saved plan. Either way obsgen then takes the environment's
    lock, reads AWS again and applies only if that gives exactly the plan shown (or saved)."""
    envs = _selected(project_dir, env) if env else []
    if len(envs) > 1:
        _one_only(("PLAN_FILE", plan_file is not None))
        options = ApplyOptions(allow_mass_delete, mass_delete_share, concurrency,
                               math.inf if max_write_rate is None else max_write_rate)
        _apply_many(_fleet(project_dir, envs, profile, timeout, parallel), envs, options, adopt, auto_approve, compact)
        return
    saved = _saved_plan(plan_file, envs[0] if envs else None) if plan_file is not None else None
    if saved is not None:
        env_name = saved.env
    elif not envs:
        raise typer.BadParameter("give --env, or a plan file saved with `obsgen plan --out`", param_hint="'--env'")
    else:
        env_name = envs[0]
    model = _model(project_dir, env_name)
    try:
        check_deploy(model)  # before connecting: a CloudFormation-deployed environment is never written here
    except SyncError as exc:
        raise _fail(str(exc)) from None
    clients, caller = _connect(model, profile)
    deadline = Deadline(timeout)
    shown = saved if saved is not None else _plan(model, clients, adopt, deadline)
    # Printed whole, as before, not through _show_plan_text: with the plain-text writes,
    # test_aws_faults' two-applies test found the first apply stuck before its first write while the
    # test held its stdout pipe unread (not understood yet; plan and show do stream).
    _show(plan_view.plan_text(shown, compact))
    if not shown.has_changes and not shown.conflicts:
        return
    lock = EnvironmentLock(clients.client("ssm"), model.project, model.env, clients.quick_client("ssm"))
    try:
        check_conflicts_unless_locked(shown, lock)
    except SyncError as exc:
        raise _fail(str(exc)) from None
    left = deadline.remaining()
    if saved is None and _confirm(auto_approve, f"'{env_name}'") and left is not None:
        deadline = Deadline(left)  # the time taken to answer does not count
    options = ApplyOptions(allow_mass_delete, mass_delete_share, concurrency,
                           math.inf if max_write_rate is None else max_write_rate, deadline=deadline)
    again = "run `obsgen plan` again" if saved is not None else "run `obsgen apply` again"
    try:
        with _terminate_like_interrupt(), lock.held(caller, warn=_warn):
            fresh = _plan(model, clients, adopt, deadline)  # read again, under the lock
            check_saved_plan(shown, fresh, again)
            result = _run_apply(model, clients, fresh, options)
    except SyncError as exc:
        raise _fail(str(exc)) from None
    _show(plan_view.apply_text(result))
    if not result.ok:
        raise typer.Exit(1)


def _saved_plan(plan_file: Path, env: Optional[str]) -> Plan:
    """The plan in the file; --env, when given too, must name its environment (a usage error)."""
    try:
        saved = load_plan(plan_file.read_text(encoding="utf-8"))
    except SyncError as exc:
        raise _fail(f"{plan_file}: {exc}") from None
    if env is not None and env != saved.env:
        raise typer.BadParameter(f"{plan_file} is a plan for environment '{saved.env}', not '{env}'",
                                 param_hint="'--env'")
    return saved


@app.command()
def show(plan_file: Path = typer.Argument(..., help="A plan saved with `obsgen plan --out`.", metavar="PLAN_FILE",
                                          exists=True, dir_okay=False),
         format: PlanFormat = typer.Option(PlanFormat.text, "--format", help="Output format."),
         compact: bool = Compact) -> None:
    """Show a saved plan (for the review step before `obsgen apply PLAN_FILE`); reads no AWS and no spec."""
    saved = _saved_plan(plan_file, None)
    with reader_may_leave():
        _show_plan(saved, format, compact)


def _show_plan(result: Plan, format: PlanFormat, compact: bool = False) -> None:
    if format is PlanFormat.json:
        sys.stdout.write(plan_json(result))
    elif format is PlanFormat.markdown:
        _show(plan_view.plan_markdown(result))
    else:
        _show_plan_text(result, compact)


def _warn(message: str) -> None:
    err.print(f"warning: {message}", markup=False, highlight=False)


def _confirm(auto_approve: bool, what: str) -> bool:
    """Ask for 'yes' unless --auto-approve; True when a question was asked."""
    if auto_approve:
        return False
    if not sys.stdin.isatty():
        raise _fail("refusing to apply without confirmation: stdin is not a terminal (pass --auto-approve, "
                    "or apply a plan saved with `obsgen plan --out`)")
    answer = typer.prompt(f"Apply these changes to {what}? Only 'yes' is accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise _fail("apply cancelled; nothing was changed")
    return True


@app.command()
def unlock(env: str = EnvRequired, project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
           lock_id: Optional[str] = typer.Option(None, "--lock-id",
                                                 help="Remove the lock only if it is still this one (no question).")
           ) -> None:
    """Remove ENV's apply lock, left by an apply that no longer runs (shows who held it first)."""
    model = _model(project_dir, env)
    clients, _ = _connect(model, profile)
    lock = EnvironmentLock(clients.client("ssm"), model.project, model.env)
    try:
        held = lock.current()
    except SyncError as exc:
        raise _fail(str(exc)) from None
    if held is None:
        out.print(f"'{env}' is not locked", markup=False)
        return
    out.print(f"the lock of '{env}': {held.describe()}", markup=False)
    if lock_id is not None and lock_id != held.id:
        raise _fail(f"the lock is {held.id}, not {lock_id}: someone took it since; nothing was removed")
    if lock_id is None:
        if not sys.stdin.isatty():
            raise _fail(f"refusing to remove the lock without confirmation: pass --lock-id {held.id}")
        answer = typer.prompt("Remove it? Only if that apply is no longer running; only 'yes' is accepted",
                              default="", show_default=False)
        if answer.strip() != "yes":
            raise _fail("the lock was left in place")
    problem = lock.remove()
    if problem:
        raise _fail(problem)
    out.print(f"removed the lock of '{env}'", markup=False)


# --- several environments at once (aws/fleet.py) ----------------------------------------------

def _selected(project_dir: Path, patterns: list[str]) -> list[str]:
    """The environments `--env` names. One plain name is taken as it is (an unknown one is reported by
    the compile, as before); globs and repeated names are matched against the spec's environments."""
    if len(patterns) == 1 and not GLOB_CHARACTERS & set(patterns[0]):
        return patterns
    spec, _ = load_spec(project_dir)
    if spec is None:  # the spec's own errors, reported by the compile
        _model(project_dir, patterns[0])
        raise typer.Exit(1)
    known = list(spec.project.environments)
    envs, unmatched = select(patterns, known)
    if unmatched:
        raise typer.BadParameter(f"{', '.join(repr(p) for p in unmatched)} names no environment; the project "
                                 f"defines {', '.join(known)}", param_hint="'--env'")
    return envs


def _one_only(*given: tuple[str, bool]) -> None:
    """Options that concern one environment's output: a usage error with several."""
    for option, used in given:
        if used:
            raise typer.BadParameter(f"{option} works with one environment; with several, the output is text "
                                     "(each environment's block, then one summary table) or --format json",
                                     param_hint=f"'{option.split()[0]}'")


def _fleet_json(command: str, outcomes: list[Outcome], code: int) -> None:
    with reader_may_leave():
        sys.stdout.write(fleet_view.outcomes_json(command, outcomes, code))


def _fleet(project_dir: Path, envs: list[str], profile: str | None, timeout: float, parallel: int) -> Fleet:
    build = compile_project(project_dir, envs)
    if not build.ok or any(env not in build.models for env in envs):
        report(build)
        raise typer.Exit(1)
    return Fleet({env: build.models[env] for env in envs}, profile, timeout, parallel)


_printing = threading.Lock()


def _run_fleet(fleet: Fleet, envs: list[str], job: Any, block: Any, quiet: bool = False) -> list[Outcome]:
    """Run `job` over `envs`, printing each environment's block whole as it finishes, then the summary
    (`quiet`, for JSON on stdout: no blocks, the summary on stderr). Ctrl-C (or SIGTERM) starts no
    further environment; those running finish and are reported."""
    started = time.monotonic()

    def done(outcome: Outcome) -> None:
        if quiet:
            return
        with _printing:
            _show(fleet_view.heading(outcome))
            block(outcome)
            if outcome.error:
                _show(f"error: {outcome.error}")
            _show("")

    try:
        with _terminate_like_interrupt():
            outcomes = fleet.run(envs, job, done)
    except KeyboardInterrupt:
        raise _fail("interrupted") from None
    summary = fleet_view.summary_text(outcomes, time.monotonic() - started).rstrip("\n")
    if quiet:
        err.print(summary, markup=False, highlight=False)
    else:
        _show(summary)
    return outcomes


def _plan_block(compact: bool) -> Callable[[Outcome], None]:
    def block(outcome: Outcome) -> None:
        if outcome.plan is not None:
            _show(plan_view.plan_text(outcome.plan, compact))
    return block


def _drift_block(outcome: Outcome) -> None:
    if outcome.drift is not None:
        _show(drift_view.drift_text(outcome.drift))


def _apply_block(outcome: Outcome) -> None:
    if outcome.applied is not None:
        _show(plan_view.apply_text(outcome.applied))


def _apply_many(fleet: Fleet, envs: list[str], options: ApplyOptions, adopt: bool, auto_approve: bool,
                compact: bool = False) -> None:
    """Plan every environment (shown as `plan` shows them), ask once, then apply those with changes."""
    started = time.monotonic()
    planned = {o.env: o for o in _run_fleet(fleet, envs, lambda model: fleet.plan(model, adopt), _plan_block(compact))}
    changed = [env for env, o in planned.items() if o.result == Result.CHANGES]
    if changed:
        _confirm(auto_approve, f"{len(changed)} environment(s) ({', '.join(changed)})")
        applied = {o.env: o for o in _run_fleet(
            fleet, changed, lambda model: fleet.apply(model, planned[model.env], options, adopt, _warn), _apply_block)}
        for env, outcome in applied.items():
            outcome.seconds += planned[env].seconds
        planned.update(applied)
        if len(applied) < len(envs):  # the whole picture: unchanged and failed plans too
            _show("")
            _show(fleet_view.summary_text([planned[env] for env in envs], time.monotonic() - started).rstrip("\n"))
    raise typer.Exit(max(planned[env].exit_code(0) for env in envs))


class _RateColumn(ProgressColumn):
    """Changes a second, averaged by rich over the last 30 s (Progress(speed_estimate_period))."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f} changes/s" if task.speed else "")


def _run_apply(model: EnvironmentModel, clients: Clients, fresh: Plan, options: ApplyOptions) -> ApplyResult:
    """With a progress bar (done/total, rate, time left) on a terminal's stderr; nothing when piped."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("applying", total=len(fresh.changes))
        return apply(model, clients, fresh, options,
                     on_step=lambda step, _status: progress.advance(task, len(step)))


def _http_url(url: Optional[str]) -> Optional[str]:
    """A usage error (exit 2) before anything runs: only http(s) URLs are fetched, never file:// ones."""
    if url is None:
        return None
    try:
        return prometheus_drift.check_url(url)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def drift(env: list[str] = EnvsRequired, project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
          format: DriftFormat = typer.Option(DriftFormat.text, "--format", help="Output format."),
          junit_out: Optional[Path] = JunitOut,
          prometheus_url: Optional[str] = typer.Option(None, "--prometheus-url", callback=_http_url,
                                                       help="Also compare the rules this Prometheus has loaded "
                                                            "(an http:// or https:// URL)."),
          timeout: float = _timeout(READ_TIMEOUT_DEFAULT), parallel: int = Parallel) -> None:
    """Compare AWS with the spec for CI: exit 0 in sync, 2 drift, 1 error."""
    envs = _selected(project_dir, env)
    if len(envs) > 1:
        _one_only((f"--format {format.value}", format not in (DriftFormat.text, DriftFormat.json)),
                  ("--junit-out", junit_out is not None), ("--prometheus-url", prometheus_url is not None))
        fleet = _fleet(project_dir, envs, profile, timeout, parallel)
        as_json = format is DriftFormat.json
        outcomes = _run_fleet(fleet, envs, fleet.drift, _drift_block, as_json)
        code = max(o.exit_code(EXIT_CHANGES) for o in outcomes)
        if as_json:
            _fleet_json("drift", outcomes, code)
        raise typer.Exit(code)
    if prometheus_url is not None and (format in (DriftFormat.junit, DriftFormat.sarif) or junit_out is not None):
        raise typer.BadParameter("JUnit and SARIF do not cover --prometheus-url; use text, json or markdown",
                                 param_hint="'--format'")
    model = _model(project_dir, envs[0])
    clients, _ = _connect(model, profile)
    drifted = drift_report(_plan(model, clients, False, Deadline(timeout)), desired_resources(model))
    if junit_out is not None:
        junit_out.write_text(drift_view.drift_junit(drifted), encoding="utf-8")
    prometheus = _prometheus_drift(model, prometheus_url) if prometheus_url is not None else None
    with reader_may_leave():  # `drift | head` still exits 2 when there is drift
        if format is DriftFormat.sarif:
            sys.stdout.write(sarif_view.drift_sarif(drifted, sarif_view.resource_spans(model), sarif_view.PROJECT_FILE,
                                                    repository_prefix(project_dir)))
        else:
            _show_drift(format, drifted, prometheus)
    if not drifted.in_sync or (prometheus is not None and prometheus.has_drift):
        raise typer.Exit(EXIT_CHANGES)


def _show_drift(format: DriftFormat, drifted: DriftReport, prometheus: prometheus_drift.DriftReport | None) -> None:
    if format is DriftFormat.text:
        _show(drift_view.drift_text(drifted))
    elif format is DriftFormat.json and prometheus is not None:
        combined = {"format_version": drift_view.DRIFT_FORMAT_VERSION, "aws": json.loads(drift_view.drift_json(drifted)),
                    "prometheus": json.loads(prometheus_view.render_json(prometheus))}
        sys.stdout.write(json.dumps(combined, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(drift_view.DRIFT_FORMATS[format.value](drifted))
    if prometheus is not None and format is not DriftFormat.json:
        _show(prometheus_view.render_markdown(prometheus) if format is DriftFormat.markdown
              else prometheus_view.render_text(prometheus))


def _prometheus_drift(model: EnvironmentModel, url: str) -> prometheus_drift.DriftReport:
    try:
        return prometheus_drift.check(model=model, url=url)
    except prometheus_drift.PrometheusUnreachable as exc:
        raise _fail(f"Prometheus: {exc}") from None


@app.command("test-alarm")
def test_alarm_command(monitor: str = typer.Argument(..., metavar="MONITOR", help="service/monitor (or the alarm name)."),
                       env: str = EnvRequired, project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
                       hold: float = typer.Option(10.0, "--hold", min=0.0, max=MAX_HOLD, callback=finite,
                                                  help=f"Seconds to stay in ALARM before restoring "
                                                       f"(at most {MAX_HOLD:.0f}).")) -> None:
    """Set one alarm to ALARM (its notifications fire), then restore its previous state."""
    from ..aws.trigger import find_alarm, test_alarm

    model = _model(project_dir, env)
    try:
        alarm = find_alarm(model, monitor)
        clients, _ = _connect(model, profile)
        with _terminate_like_interrupt():  # CI cancels with SIGTERM: the alarm is restored all the same
            previous, _ = test_alarm(model, clients, alarm, hold)
    except SyncError as exc:
        raise _fail(str(exc)) from None
    except Terminated as exc:
        err.print(f"terminated by {signal.Signals(exc.signum).name}; {alarm.name} was restored to its previous state",
                  markup=False)
        raise typer.Exit(128 + exc.signum) from None
    out.print(f"{alarm.name}: set to ALARM (notifies {alarm.severity.topic_name}), restored to {previous}",
              markup=False)


@app.command()
def sandbox(host: str = typer.Option("127.0.0.1", "--host", help="Loopback address to listen on."),
            port: int = typer.Option(4577, "--port", min=0, max=65535, help="Port (0 picks a free one)."),
            pidfile: Optional[Path] = typer.Option(None, "--pidfile", help="Write this process id here."),
            throttle: bool = typer.Option(False, "--throttle",
                                          help="Answer Throttling above AWS's default rate of each CloudWatch "
                                               "and SNS API, as an AWS account does."),
            throttle_rate: Optional[str] = typer.Option(None, "--throttle-rate", envvar="OBSGEN_SANDBOX_THROTTLE",
                                                        metavar="RATE", show_default=False,
                                                        help="Throttle every CloudWatch and SNS API above RATE "
                                                             "calls a second ('aws': as --throttle).")) -> None:
    """Run a local AWS endpoint (moto) for trying obsgen without an AWS account; Ctrl-C stops it."""
    try:
        from ..sandbox import server as sandbox_module
    except ModuleNotFoundError as exc:  # moto and its server are the [sandbox] extra (pyproject.toml)
        if (exc.name or "obsgen").split(".")[0] == "obsgen":
            raise
        err.print(f"error: the sandbox needs the optional dependencies that are not installed ({exc.name}); "
                  "install them with: pip install 'obsgen[sandbox]'", markup=False)
        raise typer.Exit(2) from None

    from ..sandbox.throttling import Rates, parse_rates

    try:
        rates: Rates | None = parse_rates(throttle_rate) if throttle_rate is not None else ("aws" if throttle else None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--throttle-rate'") from None

    def ready(running: Sandbox) -> None:
        throttled = ("" if rates is None else "; throttled at AWS's default rates" if rates == "aws"
                     else f"; throttled at {rates} calls/s per API")
        out.print(f"sandbox listening on {running.endpoint_url} (account {sandbox_module.DEFAULT_ACCOUNT_ID}, "
                  f"any credentials{throttled}); stop with Ctrl-C", markup=False)
        sys.stdout.flush()

    try:
        sandbox_module.serve_forever(host, port, pidfile, ready_callback=ready, throttle=rates)
    except (ValueError, sandbox_module.SandboxError) as exc:
        raise _fail(str(exc)) from None


@app.command("backtest")
def backtest_command(env: str = EnvRequired, project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
                     days: float = typer.Option(7.0, "--days", min=0.01, max=455.0, callback=finite,
                                                help="How far back to replay (CloudWatch keeps 455 days)."),
                     monitor: Optional[list[str]] = typer.Option(None, "--monitor", "-m",
                                                                 help="service/monitor to replay (repeatable); "
                                                                      "all alarms when omitted."),
                     target_fires: int = typer.Option(1, "--target-fires", min=0,
                                                      help="Suggest the threshold at which an alarm that fired "
                                                           "more often would have fired at most this many times."),
                     format: str = typer.Option("text", "--format", help="text, json or markdown"),
                     output: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file,
                                                           help="Write the report here (JSON for `obsgen site "
                                                                "--backtest`) instead of stdout.")) -> None:
    """Replay the environment's alarms over their metrics' history: fires, time in ALARM, flaps, dead
    alarms, and a threshold suggestion. Reads CloudWatch only; changes nothing."""
    import time

    from botocore.exceptions import ClientError

    from ..aws.apply import describe_error
    from ..backtest.run import BacktestError, backtest
    from ..views import backtest as backtest_view

    if format not in backtest_view.FORMATS:
        raise _fail(f"unknown --format {format!r}; use text, json or markdown")
    model = _model(project_dir, env)
    clients, _ = _connect(model, profile)
    now = int(time.time())
    end = now - now % 60  # whole minutes: the last complete one
    start = end - int(days * 86400)
    try:
        with _waiting_note(clients, f"reading {model.env}'s metric history") as note:
            result = backtest(model, clients, start, end, now, monitor or (), target_fires, _counts_in(note))
    except BacktestError as exc:
        raise _fail(str(exc)) from None
    except (ClientError, BotoCoreError) as exc:
        raise _fail(f"reading metric history from {model.env} failed: {describe_error(exc)}") from None
    text = backtest_view.FORMATS[format](result)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote the backtest of {model.env} to {output}", markup=False)
