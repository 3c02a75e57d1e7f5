"""CLI commands that talk to AWS: plan, apply, drift, test-alarm, sandbox.

Registered on `cli.app` (imported at the bottom of cli.py). Exit codes follow cli.py's table:
0 ok / in sync, 1 error or refusal, 2 changes (plan --detailed-exitcode) or drift (drift).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from botocore.exceptions import BotoCoreError
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from .aws import SyncError, render
from .aws.drift import drift_report
from .aws.plan import Plan
from .aws.safety import DEFAULT_MASS_DELETE_SHARE, check_identity
from .aws.session import Clients, connect
from .aws.workflow import ApplyOptions, apply, check_saved_plan, make_plan
from .cli import ProjectDir, _report, app, err, finite, out, output_file
from .compiler import compile_project
from .model import EnvironmentModel

EXIT_CHANGES = 2
MAX_HOLD = 3600.0  # seconds: long enough to watch a page arrive; time.sleep overflows on huge values
EnvRequired = typer.Option(..., "--env", "-e", help="The environment to work on.")
Profile = typer.Option(None, "--profile", help="AWS profile (default: the standard credential chain).")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}" if err.is_terminal else f"error: {message}",
              markup=err.is_terminal, highlight=False)
    return typer.Exit(1)


def _model(project_dir: Path, env: str) -> EnvironmentModel:
    build = compile_project(project_dir, [env])
    if not build.ok or env not in build.models:
        _report(build)
        raise typer.Exit(1)
    return build.models[env]


def _connect(model: EnvironmentModel, profile: str | None) -> Clients:
    try:
        clients = connect(model, profile)
        check_identity(clients, model.account, model.region, model.env)
        return clients
    except SyncError as exc:
        raise _fail(str(exc)) from None
    except BotoCoreError as exc:  # e.g. ProfileNotFound
        raise _fail(f"AWS configuration: {exc}") from None


def _plan(model: EnvironmentModel, clients: Clients, adopt: bool = False) -> Plan:
    try:
        return make_plan(model, clients, adopt)
    except SyncError as exc:
        raise _fail(str(exc)) from None


def _show(text: Any) -> None:
    out.print(text, markup=False, highlight=False)


@app.command()
def plan(env: str = EnvRequired, project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
         format: str = typer.Option("text", "--format", help="text, json or markdown"),
         out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Save the plan (JSON) for `apply`.",
                                                 callback=output_file),
         detailed_exitcode: bool = typer.Option(False, "--detailed-exitcode",
                                                help="Exit 0 when there is nothing to change, 2 when there is."),
         adopt: bool = typer.Option(False, "--adopt", help="Take over same-named resources obsgen does not manage.")
         ) -> None:
    """Show what `apply` would change in AWS to make ENV equal to the spec."""
    if format not in ("text", "json", "markdown"):
        raise _fail(f"unknown --format {format!r}; use text, json or markdown")
    model = _model(project_dir, env)
    result = _plan(model, _connect(model, profile), adopt)
    if out_file is not None:
        out_file.write_text(result.to_json(), encoding="utf-8")
    if format == "json":
        sys.stdout.write(result.to_json())
    else:
        _show(render.plan_markdown(result) if format == "markdown" else render.plan_text(result))
    if out_file is not None and format == "text":
        err.print(f"saved the plan to {out_file}; apply it with `obsgen apply --env {env} {out_file}`", markup=False)
    if result.conflicts:
        raise typer.Exit(1)
    if detailed_exitcode and result.has_changes:
        raise typer.Exit(EXIT_CHANGES)


@app.command("apply")
def apply_command(
        env: str = EnvRequired,
        plan_file: Optional[Path] = typer.Argument(None, help="A plan saved with `obsgen plan --out`.",
                                                   exists=True, dir_okay=False),
        project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
        auto_approve: bool = typer.Option(False, "--auto-approve", help="Do not ask for confirmation."),
        adopt: bool = typer.Option(False, "--adopt", help="Take over same-named resources obsgen does not manage."),
        allow_mass_delete: bool = typer.Option(False, "--allow-mass-delete",
                                               help="Allow deleting more than --mass-delete-share of the managed resources."),
        mass_delete_share: float = typer.Option(DEFAULT_MASS_DELETE_SHARE, "--mass-delete-share", min=0.0, max=1.0),
        concurrency: int = typer.Option(3, "--concurrency", min=1, max=10, help="Writes in flight at once."),
) -> None:
    """Change AWS so that ENV equals the spec (or exactly what a saved plan says)."""
    model = _model(project_dir, env)
    clients = _connect(model, profile)
    fresh = _plan(model, clients, adopt)
    try:
        if plan_file is not None:
            check_saved_plan(Plan.from_json(plan_file.read_text(encoding="utf-8")), fresh)
    except SyncError as exc:
        raise _fail(str(exc)) from None
    _show(render.plan_text(fresh))
    if not fresh.has_changes and not fresh.conflicts:
        return
    if not fresh.conflicts:
        _confirm(auto_approve, env)
    options = ApplyOptions(allow_mass_delete, mass_delete_share, concurrency)
    try:
        result = _run_apply(model, clients, fresh, options)
    except SyncError as exc:
        raise _fail(str(exc)) from None
    _show(render.apply_text(result))
    if not result.ok:
        raise typer.Exit(1)


def _confirm(auto_approve: bool, env: str) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise _fail("refusing to apply without confirmation: stdin is not a terminal (pass --auto-approve)")
    answer = typer.prompt(f"Apply these changes to '{env}'? Only 'yes' is accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise _fail("apply cancelled; nothing was changed")


def _run_apply(model: EnvironmentModel, clients: Clients, fresh: Plan, options: ApplyOptions) -> Any:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("applying", total=len(fresh.changes))
        return apply(model, clients, fresh, options,
                     on_step=lambda step, _status: progress.advance(task, len(step)))


def _http_url(url: Optional[str]) -> Optional[str]:
    """A usage error (exit 2) before anything runs: only http(s) URLs are fetched, never file:// ones."""
    if url is None:
        return None
    try:
        return importlib.import_module("obsgen.prometheus_drift").check_url(url)
    except ImportError:
        return url  # reported by _prometheus_drift
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def drift(env: str = EnvRequired, project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
          format: str = typer.Option("text", "--format", help="text, json, junit or markdown"),
          prometheus_url: Optional[str] = typer.Option(None, "--prometheus-url", callback=_http_url,
                                                       help="Also compare the rules this Prometheus has loaded "
                                                            "(an http:// or https:// URL).")
          ) -> None:
    """Compare AWS with the spec for CI: exit 0 in sync, 2 drift, 1 error."""
    if format not in ("text", *render.DRIFT_FORMATS):
        raise _fail(f"unknown --format {format!r}; use text, json, junit or markdown")
    if prometheus_url is not None and format == "junit":
        raise _fail("--format junit does not cover --prometheus-url; use text, json or markdown")
    model = _model(project_dir, env)
    report = drift_report(_plan(model, _connect(model, profile)))
    prometheus = _prometheus_drift(model, prometheus_url) if prometheus_url is not None else None
    if format == "text":
        _show(render.drift_text(report))
    elif format == "json" and prometheus is not None:
        combined = {"aws": json.loads(render.drift_json(report)), "prometheus": json.loads(prometheus[1].render_json(
            prometheus[0]))}
        sys.stdout.write(json.dumps(combined, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render.DRIFT_FORMATS[format](report))
    if prometheus is not None and format != "json":
        module = prometheus[1]
        _show(module.render_markdown(prometheus[0]) if format == "markdown" else module.render_text(prometheus[0]))
    if not report.in_sync or (prometheus is not None and prometheus[0].has_drift):
        raise typer.Exit(EXIT_CHANGES)


def _prometheus_drift(model: EnvironmentModel, url: str) -> tuple[Any, Any]:
    """Prometheus rule drift lives in obsgen.prometheus_drift (check(model=, url=) -> report)."""
    try:
        module = importlib.import_module("obsgen.prometheus_drift")
    except ImportError:
        raise _fail("Prometheus drift is not available in this build") from None
    try:
        return module.check(model=model, url=url), module
    except module.PrometheusUnreachable as exc:
        raise _fail(f"Prometheus: {exc}") from None


@app.command("test-alarm")
def test_alarm_command(monitor: str = typer.Argument(..., help="service/monitor (or the alarm name)."),
                       env: str = EnvRequired, project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
                       hold: float = typer.Option(10.0, "--hold", min=0.0, max=MAX_HOLD, callback=finite,
                                                  help=f"Seconds to stay in ALARM before restoring "
                                                       f"(at most {MAX_HOLD:.0f}).")) -> None:
    """Set one alarm to ALARM (its notifications fire), then restore its previous state."""
    from .aws.trigger import find_alarm, test_alarm

    model = _model(project_dir, env)
    try:
        alarm = find_alarm(model, monitor)
        clients = _connect(model, profile)
        previous, _ = test_alarm(model, clients, alarm, hold)
    except SyncError as exc:
        raise _fail(str(exc)) from None
    out.print(f"{alarm.name}: set to ALARM (notifies {alarm.severity.topic_name}), restored to {previous}",
              markup=False)


@app.command()
def sandbox(host: str = typer.Option("127.0.0.1", "--host", help="Loopback address to listen on."),
            port: int = typer.Option(4577, "--port", min=0, max=65535, help="Port (0 picks a free one)."),
            pidfile: Optional[Path] = typer.Option(None, "--pidfile", help="Write this process id here.")) -> None:
    """Run a local AWS endpoint (moto) for trying obsgen without an AWS account; Ctrl-C stops it."""
    try:
        from . import sandbox as sandbox_module
    except ModuleNotFoundError as exc:  # moto and its server are the [sandbox] extra (pyproject.toml)
        if (exc.name or "obsgen").split(".")[0] == "obsgen":
            raise
        err.print(f"error: the sandbox needs the optional dependencies that are not installed ({exc.name}); "
                  "install them with: pip install 'obsgen[sandbox]'", markup=False)
        raise typer.Exit(2) from None

    def ready(running: Any) -> None:
        out.print(f"sandbox listening on {running.endpoint_url} (account {sandbox_module.DEFAULT_ACCOUNT_ID}, "
                  "any credentials); stop with Ctrl-C", markup=False)
        sys.stdout.flush()

    try:
        sandbox_module.serve_forever(host, port, pidfile, ready_callback=ready)
    except (ValueError, sandbox_module.SandboxError) as exc:
        raise _fail(str(exc)) from None
