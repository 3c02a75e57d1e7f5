"""The `obsgen` command: reads flags and files, calls the library, renders results, sets exit codes.

Exit codes (also in README.md):
  0  success (and, for plan --detailed-exitcode / drift, nothing to change)
  1  errors: the spec is invalid, generated/ is stale, AWS refused, an internal error
  2  usage errors (unknown flag, bad argument); plan --detailed-exitcode / drift: changes or drift found
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from . import __version__, diagnostics
from .compiler import GENERATED_DIR, Build, compile_project, stale_files, write

app = typer.Typer(
    name="obsgen",
    help="Monitoring as code: compile monitors/*.yaml into CloudWatch alarms, SNS routing and more.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# Everything printed is verbatim: user text and `file:line:column` positions must reach editors, CI problem
# matchers and SARIF converters as written. rich would otherwise turn `:100:` into an emoji (its emoji codes
# include ":100:" and ":1234:"), read `[red]` in a value as markup and colour numbers; a call that wants
# markup (cli_aws._fail on a terminal) asks for it and escapes the text it inserts.
out = Console(highlight=False, soft_wrap=True, emoji=False, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False, markup=False)

ProjectDir = typer.Option(Path("."), "--project-dir", "-C", help="Project root (holds monitors/).",
                          file_okay=False, resolve_path=True)
EnvOption = typer.Option(None, "--env", "-e", help="Environment(s) to build; all when omitted.")


def _report(build: Build, fmt: str = "text") -> None:
    if fmt == "json":
        out.print(diagnostics.render_json(build.diagnostics), markup=False)
        return
    for item in build.diagnostics:
        style = "red" if item.level is diagnostics.Level.ERROR else "yellow"
        err.print(str(item), style=style if err.is_terminal else None, markup=False)
    if not build.ok:
        count = sum(1 for d in build.diagnostics if d.level is diagnostics.Level.ERROR)
        err.print(f"{count} error(s); nothing was written.", markup=False)


@app.command()
def validate(project_dir: Path = ProjectDir,
             format: str = typer.Option("text", "--format", help="text or json"),
             strict: bool = typer.Option(False, "--strict", help="Monitors without runbook guidance are errors.")) -> None:
    """Check the spec for every environment; report every problem as file:line:column."""
    build = compile_project(project_dir)
    cli_prometheus.check_promql(build)  # promtool, when installed, checks the PromQL
    cli_runbooks.add_coverage(build, strict)  # monitors without human Diagnosis and Mitigation
    _report(build, format)
    if not build.ok:
        raise typer.Exit(1)
    if format == "text":
        models = build.models.values()
        alarms = sum(len(m.metric_alarms) + len(m.composite_alarms) for m in models)
        rules = sum(len(g.alerts) + len(g.recording_rules) for m in models for g in m.rule_groups)
        out.print(f"spec is valid: {len(build.models)} environment(s), {alarms} CloudWatch alarm(s) and "
                  f"{rules} Prometheus rule(s) in all", markup=False)


@app.command()
def build(project_dir: Path = ProjectDir, env: Optional[list[str]] = EnvOption,
          check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if generated/ is stale.")) -> None:
    """Compile the spec into generated/<env>/ (all environments when --env is omitted)."""
    result = compile_project(project_dir, env or None)
    _report(result)
    if not result.ok:
        raise typer.Exit(1)
    if check:
        stale = stale_files(project_dir, result)
        for path in stale:
            err.print(f"stale: {path}", markup=False)
        if stale:
            err.print(f"{len(stale)} file(s) in {GENERATED_DIR}/ differ from the spec; run `obsgen build`.",
                      markup=False)
            raise typer.Exit(1)
        out.print(f"{GENERATED_DIR}/ is up to date ({len(result.files)} files)", markup=False)
        return
    written = write(project_dir, result)
    out.print(f"wrote {len(written)} files to {GENERATED_DIR}/ for {', '.join(result.envs)}", markup=False)
    if (line := cli_runbooks.coverage_line(result)) is not None:
        out.print(line, markup=False)


@app.command()
def schema(output: Optional[Path] = typer.Option(None, "--out", "-o", help="Write to a file instead of stdout.")) -> None:
    """Print the JSON Schema of the spec (for editors: yaml-language-server, VS Code, JetBrains)."""
    from .schema import schema_text

    text = schema_text()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def version() -> None:
    """Print obsgen's version."""
    out.print(__version__, markup=False)


def main() -> None:
    """Entry point: no traceback reaches the user unless OBSGEN_DEBUG is set."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if os.environ.get("OBSGEN_DEBUG"):
            raise
        err.print(f"internal error: {type(exc).__name__}: {exc} (a bug in obsgen; "
                  "set OBSGEN_DEBUG=1 for the traceback)", markup=False)
        sys.exit(1)


from . import cli_aws  # noqa: E402,F401  - registers plan/apply/drift/test-alarm/sandbox on `app`
from . import cli_prometheus  # noqa: E402  - registers `test`; promtool checks for `validate`
from . import cli_runbooks  # noqa: E402  - registers `site`; runbook coverage for `validate` and `build`
from . import cli_presets  # noqa: E402,F401  - registers `presets`

if __name__ == "__main__":
    main()
