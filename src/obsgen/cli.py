"""The `obsgen` command: reads flags and files, calls the library, renders results, sets exit codes.

Exit codes (also in README.md):
  0  success (and, for plan --detailed-exitcode / drift, nothing to change)
  1  errors: the spec is invalid, generated/ is stale, AWS refused, the system refused (a full or
     read-only disk, a permission), an internal error
  2  usage errors (unknown flag, bad argument); plan --detailed-exitcode / drift: changes or drift found
"""

from __future__ import annotations

import errno
import importlib
import math
import os
import sys
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer
import typer.core
from rich.console import Console

from . import __version__, diagnostics
from .prometheus import promtool
from .compiler import GENERATED_DIR, Build, compile_project, stale_files, write
from .diagnostics import unique_sorted
from .generated_tree import OutputError, leftovers, problems as output_problems

# Commands that live in other modules, imported only when used: `obsgen validate` or `build` must
# not pay for boto3 (plan/apply), moto (sandbox) or promtool's runner (docs/performance.md).
LAZY_COMMANDS = {
    "plan": "cli_aws", "apply": "cli_aws", "drift": "cli_aws", "test-alarm": "cli_aws", "unlock": "cli_aws",
    "sandbox": "cli_aws",
    "test": "cli_prometheus", "site": "cli_runbooks", "presets": "cli_presets",
}


class _LazyGroup(typer.core.TyperGroup):
    """Lists every command, imports a command's module the first time that command is looked up.
    The module registers its commands on `app` (as it would if imported eagerly); the click command
    is then built from `app` again, the same way typer builds all of them."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in LAZY_COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            importlib.import_module(f"{__package__}.{LAZY_COMMANDS[cmd_name]}")
            built = typer.main.get_command(app)
            found = getattr(built, "commands", {}).get(cmd_name)
            if found is not None:
                self.add_command(found, cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    cls=_LazyGroup,
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

def _print_version(value: bool) -> None:
    if value:
        out.print(__version__, markup=False)
        raise typer.Exit()


@app.callback()
def _options(_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                          help="Print obsgen's version and exit.")) -> None:
    """Monitoring as code: compile monitors/*.yaml into CloudWatch alarms, SNS routing and more."""


ProjectDir = typer.Option(Path("."), "--project-dir", "-C", help="Project root (holds monitors/).",
                          file_okay=False, resolve_path=True)
EnvOption = typer.Option(None, "--env", "-e", help="Environment(s) to build; all when omitted.")


def output_file(path: Optional[Path]) -> Optional[Path]:
    """Callback of options naming a file to write: its directory must exist, so the command fails
    before it does any work (a plan read from AWS) rather than after."""
    if path is not None:
        if path.is_dir():
            raise typer.BadParameter(f"{path} is a directory; give a file name")
        if not path.parent.is_dir():
            raise typer.BadParameter(f"directory {path.parent} does not exist; create it first")
    return path


def finite(value: Optional[float]) -> Optional[float]:
    """Callback of float options: click's FloatRange (what typer before 0.2x checks ranges with) lets
    `nan` through, since every comparison with it is false; time.sleep(nan) then fails."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"expected a number, found {value}")
    return value


def _note(note: Optional[str]) -> None:
    if note is not None:
        err.print(f"note: {note}", markup=False)


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
    from . import cli_runbooks

    build = compile_project(project_dir)
    _note(promtool.check_promql(build))  # promtool, when installed, checks the PromQL
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
    _note(promtool.check_promql(result))  # a rule promtool rejects is an error: never written, never up to date
    if result.ok:
        result.diagnostics = unique_sorted(result.diagnostics + output_problems(project_dir))
    _report(result)
    if not result.ok:
        raise typer.Exit(1)
    if check:
        _check(project_dir, result)
        return
    from . import cli_runbooks

    try:
        written = write(project_dir, result)
    except OutputError as exc:  # another build holds generated/, or it changed since the check above
        result.diagnostics = exc.diagnostics
        _report(result)
        raise typer.Exit(1) from None
    out.print(f"wrote {len(written)} files to {GENERATED_DIR}/ for {', '.join(result.envs)}", markup=False)
    if (line := cli_runbooks.coverage_line(result)) is not None:
        out.print(line, markup=False)


def _check(project_dir: Path, result: Build) -> None:
    """`build --check`: stale files, and what interrupted builds left behind (the next build removes it)."""
    stale, left = stale_files(project_dir, result), leftovers(project_dir)
    for path in stale:
        err.print(f"stale: {path}", markup=False)
    for path in left:
        err.print(f"leftover: {path} (from an interrupted build; `obsgen build` removes it)", markup=False)
    if stale:
        err.print(f"{len(stale)} file(s) in {GENERATED_DIR}/ differ from the spec; run `obsgen build`.",
                  markup=False)
    if stale or left:
        raise typer.Exit(1)
    out.print(f"{GENERATED_DIR}/ is up to date ({len(result.files)} files)", markup=False)


@app.command()
def schema(output: Optional[Path] = typer.Option(None, "--out", "-o", help="Write to a file instead of stdout.",
                                                 callback=output_file)) -> None:
    """Print the JSON Schema of the spec (for editors: yaml-language-server, VS Code, JetBrains)."""
    from .language.jsonschema import schema_text

    text = schema_text()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def version() -> None:
    """Print obsgen's version."""
    out.print(__version__, markup=False)


# What to do about the errors the system gives for ordinary reasons (errno names from errno(3)).
_WHAT_TO_DO = {
    errno.ENOSPC: "free some space on that disk and run again",
    errno.EDQUOT: "free some space (or raise the quota) and run again",
    errno.EROFS: "the file system is mounted read-only: run obsgen where it can write",
    errno.EACCES: "check the permissions of this path and of the directories above it",
    errno.EPERM: "check the permissions of this path and of the directories above it",
    errno.ENOENT: "check that the path and its directory exist",
    errno.ENOTDIR: "a part of this path is a file where a directory is expected",
    errno.EISDIR: "this path is a directory where a file is expected",
    errno.EEXIST: "something already exists at this path: move it away",
    errno.ENOTEMPTY: "the directory is not empty: move it away",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and run again",
    errno.ENFILE: "too many open files on this system: run again later",
    errno.EIO: "the disk reported an input/output error: check the disk",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.ELOOP: "a symbolic link in this path loops: fix or remove it",
    errno.EADDRINUSE: "another program is using this address: pick another port or stop that program",
    errno.EADDRNOTAVAIL: "this address is not one of this machine's: pick another one",
}


def describe_os_error(exc: OSError) -> str:
    """`<path>: <what the system said> (<ERRNO>); <what to do>` for an OSError with an errno."""
    code = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    reason = (exc.strerror or str(exc)).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    paths = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p is not None)
    hint = _WHAT_TO_DO.get(exc.errno or 0)
    text = f"{paths}: {reason} ({code})" if paths else f"{reason} ({code})"
    return f"{text}; {hint}" if hint else text


def main() -> None:
    """Entry point: no traceback reaches the user unless OBSGEN_DEBUG is set. What the system
    refuses (a full or read-only disk, a permission, a missing directory) is said as such, naming
    the path; "internal error" is kept for bugs."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
    except OutputError as exc:  # commands other than build (site) that write generated/
        for item in exc.diagnostics:
            err.print(str(item), markup=False)
        sys.exit(1)
    except OSError as exc:
        if exc.errno is None or os.environ.get("OBSGEN_DEBUG"):
            _internal_error(exc)
        err.print(f"error: {describe_os_error(exc)}", markup=False)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        _internal_error(exc)


def _internal_error(exc: BaseException) -> NoReturn:
    if os.environ.get("OBSGEN_DEBUG"):
        raise exc
    err.print(f"internal error: {type(exc).__name__}: {exc} (a bug in obsgen; "
              "set OBSGEN_DEBUG=1 for the traceback)", markup=False)
    sys.exit(1)


if __name__ == "__main__":
    main()
