"""`obsgen validate` and `build` (and `build --check`): the commands that compile the spec."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import typer

from ..build import Build
from ..chunks import Content
from ..generated_tree import GENERATED_DIR
from ..diagnostics import Diagnostic, unique_sorted
from ..generated_manifest import Manifest, location
from ..generated_tree import OutputError, Staging, environment_dirs, leftovers, problems as output_problems
from ..render_cache import RenderCache, default_directory
from .app import app
from . import collector
from .common import (EnvOption, JunitOut, ProjectDir, ValidateFormat, note, print_line, progress_shown, report,
                     validate_junit)

if TYPE_CHECKING:
    from ..incremental import Inputs, Reuse
    from ..compiler import Comparison

# The compiler (the spec's models, the resolver, the targets) is imported by the commands when they run,
# so that `obsgen build --help` and `validate --help` start as fast as `obsgen --help` (docs/performance.md).


def _notes(build: Build) -> None:
    for text in build.notes:
        note(text)


def _http_url(url: Optional[str]) -> Optional[str]:
    """A usage error (exit 2) before anything runs: only http(s) URLs are fetched, never file:// ones."""
    if url is None:
        return None
    from ..prometheus.http_api import check_url  # only when the flag is given: validate imports no HTTP client

    try:
        return check_url(url)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def validate(project_dir: Path = ProjectDir,
             format: ValidateFormat = typer.Option(ValidateFormat.text, "--format", help="Output format."),
             junit_out: Optional[Path] = JunitOut,
             strict: bool = typer.Option(False, "--strict", help="Warnings are errors: monitors without runbook guidance, severities that reach nobody; "
                                         "also a warning per monitor without a unit test."),
             live: bool = typer.Option(False, "--live", help="Also ask the account whether each alarm's metric "
                                                              "was published in the past 3 hours (ListMetrics), whether "
                                                              "its topic reaches a person (confirmed subscriptions, a KMS "
                                                              "key CloudWatch may use), and whether each log monitor's log "
                                                              "group exists, receives events and has events its pattern "
                                                              "can match; needs --env."),
             prometheus_url: Optional[str] = typer.Option(
                 None, "--prometheus-url", callback=_http_url,
                 help="Also ask this Prometheus (an http:// or https:// URL; GET /api/v1/series) whether each "
                      "selector of the environment's alerts has series in the past 3 hours, and (GET "
                      "/api/v1/status/config) whether each rate()'s range spans two scrape intervals; needs --env."),
             env: Optional[str] = typer.Option(None, "--env", "-e",
                                               help="The environment --live and --prometheus-url read."),
             profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile for --live."),
             timeout: float = typer.Option(300.0, "--timeout", min=1.0, max=86400.0,
                                           help="Seconds --live may wait for AWS in all (and --prometheus-url "
                                                "for Prometheus)."),
             no_cache: bool = typer.Option(False, "--no-cache", envvar="OBSGEN_NO_CACHE",
                                           help="Parse every spec file again: do not read the cache "
                                                "(~/.cache/obsgen, OBSGEN_CACHE_DIR)."),
          full: bool = typer.Option(False, "--full", help="Compile every service file again, as the first build "
                                    "does (by default a build compiles only the service files changed since the "
                                    "last one, with the services they name or that name them).")) -> None:
    """Check the spec for every environment; report every problem as file:line:column."""
    from .app import err, out

    if live and env is None:
        err.print("error: --live reads one environment's account: give --env", markup=False)
        raise typer.Exit(2)  # a usage error, as every other wrong combination of options
    if prometheus_url is not None and env is None:
        err.print("error: --prometheus-url checks one environment's alerts: give --env", markup=False)
        raise typer.Exit(2)
    with collector.paused():  # the compiler's modules make no garbage (collector.py)
        from .. import compiler

    # validate reads the cache (the spec files' parsed trees) but, like build --check, never writes it
    store = _cache(project_dir, no_cache, writable=False)
    with progress_shown() as progress:
        build = compiler.validate(project_dir, strict, progress, store)
    _notes(build)
    summary: list[str] = []
    unreachable = None
    if build.ok and live and env is not None:
        summary += _live(build, env, profile, timeout)
    if build.ok and prometheus_url is not None and env is not None:
        series_summary, unreachable = _series(build, env, prometheus_url, timeout)
        if unreachable is None:  # the same server: asked for its configuration only when it answered
            range_summary, unreachable = _ranges(build, env, prometheus_url, timeout)
            summary += [line for line in (series_summary, range_summary) if line]
    if junit_out is not None:
        junit_out.write_text(validate_junit(build, project_dir), encoding="utf-8")
    report(build, format.value, project_dir)
    if format is ValidateFormat.text:  # also when a live finding is an error
        for line in summary:
            out.print(line, markup=False)
    if not build.ok:
        raise typer.Exit(1)
    if unreachable is not None:  # after the spec's own findings, which stand: the check asked for did not run
        err.print(f"error: {unreachable}", markup=False)
        raise typer.Exit(1)
    if format is ValidateFormat.text:
        models = build.models.values()
        alarms = sum(len(m.metric_alarms) + len(m.composite_alarms) for m in models)
        rules = sum(len(g.alerts) + len(g.recording_rules) for m in models for g in m.rule_groups)
        out.print(f"spec is valid: {len(build.models)} environment(s), {alarms} CloudWatch alarm(s) and "
                  f"{rules} Prometheus rule(s) in all", markup=False)
        if build.spec is not None:  # one line; `--strict` adds a warning per untested monitor
            from ..alarm_tests.coverage import coverage as test_coverage
            out.print(test_coverage(build.spec, located=False).summary(), markup=False)


def _live(build: Build, env: str, profile: Optional[str], timeout: float) -> list[str]:
    """Adds `--live`'s findings to the build's diagnostics and prints its notes; returns its summary lines.
    Imported here: only `--live` talks to AWS, so a plain `validate` never imports boto3."""
    from .app import err

    if env not in build.models:
        err.print(f"error: unknown environment {env!r}; the project defines {', '.join(build.models)}", markup=False)
        raise typer.Exit(1)
    from .aws import live_checks
    problems, notes, summary = live_checks(build.models[env], profile, timeout)
    for text in notes:
        note(text)
    build.diagnostics = unique_sorted(build.diagnostics + problems)
    return summary


def _series(build: Build, env: str, url: str, timeout: float) -> tuple[Optional[str], Optional[str]]:
    """Adds `--prometheus-url`'s warnings to the build's diagnostics; returns (its summary line, None), or
    (None, why) when Prometheus did not answer. Notes what could not be asked."""
    from .app import err
    from ..prometheus import series_presence
    from ..prometheus.http_api import PrometheusUnreachable

    if env not in build.models:
        err.print(f"error: unknown environment {env!r}; the project defines {', '.join(build.models)}", markup=False)
        raise typer.Exit(1)
    model = build.models[env]
    try:
        checked = series_presence.check(model, url, timeout)
    except PrometheusUnreachable as exc:
        return None, f"Prometheus did not answer, so no series was checked: {exc}"
    build.diagnostics = unique_sorted(build.diagnostics + list(checked.diagnostics))
    presence = checked.presence
    for selector, why in sorted(presence.failed.items()):
        note(f"Prometheus refused {selector}: {why}; its series were not checked")
    if presence.unchecked:
        note(f"{len(presence.unchecked)} selector(s) not asked: --timeout {timeout:g} s was spent")
    return (f"prometheus: {len(presence.found)} selector(s) of {len(checked.rules)} rule(s) of {env} asked of "
            f"{presence.url} with {presence.requests} request(s); {len(checked.diagnostics)} warning(s) at rules "
            "whose selectors have no series in the past 3 hours"), None


def _ranges(build: Build, env: str, url: str, timeout: float) -> tuple[Optional[str], Optional[str]]:
    """Adds the warnings of ranges too short for the scrape interval to the build's diagnostics; returns
    (its summary line, None). A server that answered the series API but not a scrape configuration is one
    that holds none (a store such as Thanos or Mimir) or a proxy that passes only queries: a note says no
    range was checked, and the series check's findings stand."""
    from ..prometheus import rate_ranges
    from ..prometheus.http_api import PrometheusUnreachable
    from ..prometheus.scrape_config import CONFIG_PATH, duration_text

    try:
        checked = rate_ranges.check(build.models[env], url, timeout)
    except PrometheusUnreachable as exc:
        note(f"Prometheus did not give its configuration ({CONFIG_PATH}), so no range was checked: {exc}")
        return None, None
    build.diagnostics = unique_sorted(build.diagnostics + list(checked.diagnostics))
    intervals = checked.intervals
    return (f"prometheus: {checked.checked} range(s) under rate() and the like in the rules of {env} compared with "
            f"the intervals of {intervals.url} (global scrape_interval {duration_text(intervals.scrape)}, "
            f"{len(intervals.jobs)} job(s)); {len(checked.diagnostics)} warning(s) at ranges under twice the "
            "interval"), None


@app.command()
def build(project_dir: Path = ProjectDir, env: Optional[list[str]] = EnvOption,
          check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if generated/ is stale."),
          no_cache: bool = typer.Option(False, "--no-cache", envvar="OBSGEN_NO_CACHE",
                                        help="Parse and render everything again: neither read nor fill the "
                                             "cache of parsed spec files and rendered pages "
                                             "(~/.cache/obsgen, OBSGEN_CACHE_DIR)."),
          full: bool = typer.Option(False, "--full", help="Compile every service file again, as the first build "
                                    "does (by default a build compiles only the service files changed since the "
                                    "last one, with the services they name or that name them).")) -> None:
    """Compile the spec into generated/<env>/ (all environments when --env is omitted)."""
    with collector.paused():  # the compiler's modules make no garbage (collector.py)
        from .. import compiler

    unsafe = output_problems(project_dir, environment_dirs(env) if env else None)
    # --check reads the cache but never writes it: it writes nothing at all (docs/performance.md)
    store = _cache(project_dir, no_cache, writable=not check)
    # what the last build knew of generated/'s pages: goes with the cache (generated_manifest.py); `--env`
    # makes no page, and what it leaves in place keeps its records: it neither reads nor writes them
    manifest = None if store is None or env else \
        Manifest(location(store.directory, project_dir / GENERATED_DIR), project_dir / GENERATED_DIR, not check)
    # the incremental build (incremental/): only with the cache, for the whole project, on a generated/ that is
    # safe to read; a --full build leaves the record the next one reuses
    incremental = store is not None and not env and not unsafe
    if check:  # each file compared as it is rendered, unless generated/ must not be read (a link out)
        reused = _reused(project_dir, store, None) if incremental and not full else None
        compared = None if unsafe or reused else compiler.Comparison(project_dir, manifest)
        # an incremental build holds its few files: stale_files compares them; the reused ones are as recorded
        result = reused.build if reused else _compiled(project_dir, env, unsafe, compared.add if compared else None, store)
        _check(project_dir, result, compared)
        return
    try:
        if unsafe:  # reported with the spec's own problems, as one list; nothing is written
            _compiled(project_dir, env, unsafe, None, store)
        # each file written as it is rendered, swapped in at the end; generated/ was checked just above
        inputs = _inputs(project_dir) if incremental else None  # before anything is read, for the record
        with Staging(project_dir, manifest, checked=not unsafe, states=inputs is not None) as staging:
            # under the build's lock: generated/ is looked at as no other build can change it
            reused = _reused(project_dir, store, inputs) if inputs is not None and not full else None
            if reused is not None:
                staging.without_manifest()
                result = reused.build
            else:
                result = _compiled(project_dir, env, [], staging.add, store)
            written = compiler.write(project_dir, result, staging=staging)
        if store is not None:  # what the next build may reuse (incremental/), once the old tree is gone
            if reused is not None or inputs is not None:
                from ..incremental import Seen, remember
                seen = Seen(staging.changed, staging.seen)
                if reused is not None:
                    reused.save(project_dir, store, seen)
                elif inputs is not None:
                    remember(project_dir, store, result, inputs, seen)
            store.sweep_all()  # cached pages no build used for two weeks go (one look a day at most)
    except OutputError as exc:  # another build holds generated/, or it changed since the check above
        report(Build(None, env or [], diagnostics=exc.diagnostics))
        raise typer.Exit(1) from None
    # The consoles (and rich) are made only for what needs them: a piped build --env prints this line alone.
    again = f" ({reused.compiled} of {reused.of} service files compiled again, the rest reused)" if reused else ""
    print_line(f"wrote {len(written)} files to {GENERATED_DIR}/ for {', '.join(result.envs)}{again}")
    line = result.coverage.summary() if result.coverage is not None else result.coverage_line
    if line is not None:  # one line instead of a warning per monitor; details in COVERAGE.md
        from ..runbooks import COVERAGE_FILE
        from .app import out
        out.print(f"{line} (see {GENERATED_DIR}/{COVERAGE_FILE})")


def _inputs(project_dir: Path) -> Optional[Inputs]:
    """The keys of what a build of the whole project reads (incremental/inputs.py)."""
    from ..incremental import scan

    return scan(project_dir)


def _reused(project_dir: Path, store: Optional[RenderCache], inputs: Optional[Inputs]) -> Optional[Reuse]:
    """The incremental build of the whole project, when the last build's record allows it (incremental/);
    `inputs` scanned before, or (`build --check`, which leaves no record) once a record is found."""
    if store is None:
        return None
    from ..incremental import prepare

    return prepare(project_dir, store, inputs)


def _cache(project_dir: Path, no_cache: bool, writable: bool) -> Optional[RenderCache]:
    """The cache of parsed spec files and rendered pages, unless turned off or inside the project: a repository
    could then ship entries made to match its own keys (the keys are public arithmetic), a page with raw HTML or
    a spec file's tree that is not its text, so such a directory is not used."""
    if no_cache:
        return None
    directory = default_directory(os.environ)
    inside = os.path.join(os.path.realpath(project_dir), "")
    if os.path.join(os.path.realpath(directory), "").startswith(inside):
        note(f"the cache directory {directory} is inside the project, where a repository could ship entries: "
             "not used (set OBSGEN_CACHE_DIR to a directory outside the project)")
        return None
    return RenderCache(directory, writable=writable)


def _compiled(project_dir: Path, env: Optional[list[str]], unsafe: list[Diagnostic],
              sink: Optional[Callable[[str, Content], None]], store: Optional[RenderCache]) -> Build:
    """The build, its problems reported; exits 1 when it has errors (then nothing is written)."""
    from .. import compiler

    with progress_shown() as progress:
        result = compiler.compile_project(project_dir, env or None, progress=progress, sink=sink, store=store)
        compiler.check_rules(result)  # a rule promtool rejects is an error: never written, never up to date
    _notes(result)
    if result.ok:
        result.diagnostics = unique_sorted(result.diagnostics + unsafe)
    report(result)
    if not result.ok:
        raise typer.Exit(1)
    return result


def _check(project_dir: Path, result: Build, compared: Optional[Comparison]) -> None:
    """`build --check`: stale files, and what interrupted builds left behind (the next build removes it)."""
    from ..compiler import stale_files
    from .app import err, out

    with progress_shown() as progress:
        stale = stale_files(project_dir, result, progress, compared)
    left = leftovers(project_dir)
    for path in stale:
        err.print(f"stale: {path}", markup=False)
    for path in left:
        err.print(f"leftover: {path} (from an interrupted build; `obsgen build` removes it)", markup=False)
    if stale:
        err.print(f"{len(stale)} file(s) in {GENERATED_DIR}/ differ from the spec; run `obsgen build`.",
                  markup=False)
    if stale or left:
        raise typer.Exit(1)
    out.print(f"{GENERATED_DIR}/ is up to date ({len(result.paths)} files)", markup=False)
