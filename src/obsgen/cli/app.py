"""The Typer application every command registers on, and the two consoles everything is printed with.

Every command lives in another module, imported only when that command runs: `obsgen validate` or
`build` must not pay for boto3 (plan/apply), moto (sandbox) or promtool's runner, and `obsgen
--version` or `--help` for none of them (docs/performance.md, "Start-up"). The consoles are made
(and rich imported) the first time a module asks for `out` or `err`.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, TypeVar

import typer
import typer.core

from .. import __version__
from . import collector

if TYPE_CHECKING:
    from rich.console import Console

ROOT_PROJECT_DIR = "obsgen.project_dir"  # ctx.meta key of the -C given before the command
# Every command: its module, and the first paragraph of its help (what `obsgen --help` lists, without
# importing the module; tests/test_startup.py holds it equal to the command's own docstring). In the
# order `obsgen --help` lists them.
COMMANDS = {
    "validate": ("build", "Check the spec for every environment; report every problem as file:line:column."),
    "build": ("build", "Compile the spec into generated/<env>/ (all environments when --env is omitted)."),
    "schema": ("about", "Print the JSON Schema of the spec (for editors: yaml-language-server, VS Code, JetBrains)."),
    "version": ("about", "Print obsgen's version."),
    "completion": ("about", "Print the shell completion script: `source <(obsgen completion bash)` in ~/.bashrc "
                            "(README)."),
    "plan": ("aws", "Show what `apply` would change in AWS to make ENV equal to the spec."),
    "apply": ("aws", "Change AWS so that ENV equals the spec (or exactly what a saved plan says)."),
    "drift": ("aws", "Compare AWS with the spec for CI: exit 0 in sync, 2 drift, 1 error."),
    "test-alarm": ("aws", "Set one alarm to ALARM (its notifications fire), then restore its previous state."),
    "unlock": ("aws", "Remove ENV's apply lock, left by an apply that no longer runs (shows who held it first)."),
    "sandbox": ("aws", "Run a local AWS endpoint (moto) for trying obsgen without an AWS account; Ctrl-C stops it."),
    "show": ("aws", "Show a saved plan (for the review step before `obsgen apply PLAN_FILE`); reads no AWS and "
                    "no spec."),
    "backtest": ("aws", "Replay the environment's alarms over their metrics' history: fires, time in ALARM, "
                        "flaps, dead\nalarms, and a threshold suggestion. Reads CloudWatch only; changes nothing."),
    "test": ("test", "Run the spec's unit tests (`tests:` in service files): CloudWatch alarm tests and "
                     "promtool groups."),
    "site": ("runbooks", "Write the runbook website to generated/site/ only (`obsgen build` writes it too)."),
    "presets": ("presets", "List the presets (AWS's recommended alarms): defaults, levels and the parameters "
                           "they need."),
    "init": ("init", "Create a new project: monitors/, runbooks_src/, pre-commit and CI, ready to validate "
                     "and build."),
    "import": ("adopt", "Write the account's existing alarms, topics and subscriptions as spec under monitors/ "
                        "(reads only)."),
    "accounts": ("organizations", "List an organizational unit's accounts for a matrix (reads AWS Organizations; "
                                  "builds never do)."),
    "stackset": ("stackset", "Roll an environment's CloudFormation template out to many accounts and regions "
                             "with a StackSet (docs/organisations.md)."),
}
LAZY_COMMANDS = {name: module for name, (module, _) in COMMANDS.items()}


class _LazyGroup(typer.core.TyperGroup):
    """Lists every command, imports a command's module the first time that command is looked up.
    The module registers its commands on `app` (as it would if imported eagerly); the click command
    is then built from `app` again, the same way typer builds all of them. The group's own help
    lists the commands from COMMANDS' summaries, importing none of them."""

    _listing = False  # True while the group's help is being written

    # ctx and the command are typer's own copy of click's classes, which typer keeps private (typer._click).
    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(n for n in super().list_commands(ctx) if n not in COMMANDS)]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    # A reader that closes the pipe early (`obsgen presets | head -1`) asked for no more output: that
    # is no failure (click would exit 1), so the command ends with 0, silently. Both the command and
    # the top-level --help (printed while the context is made) are covered.
    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _exit_when_the_reader_leaves():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _exit_when_the_reader_leaves():
            try:
                return super().invoke(ctx)
            finally:  # output still buffered would otherwise meet the closed pipe at exit, outside this
                sys.stdout.flush()

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS and self._listing:
            return _Command(name=cmd_name, help=COMMANDS[cmd_name][1])
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            importlib.import_module(f"{__package__}.{LAZY_COMMANDS[cmd_name]}")
            built = typer.main.get_command(app)
            found = getattr(built, "commands", {}).get(cmd_name)
            if found is not None:
                self.add_command(found, cmd_name)
        return super().get_command(ctx, cmd_name)

    def get_params(self, ctx: Any) -> Any:
        return _flags_take_no_value(super().get_params(ctx))


class _Command(typer.core.TyperCommand):
    """Every command's help as people read help: flags without a type, a required argument as
    `MONITOR` (typer writes `{MONITOR}`), an optional one as `[PLAN_FILE]`."""

    def get_params(self, ctx: Any) -> Any:
        return _flags_take_no_value(super().get_params(ctx))

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [_REQUIRED_ARGUMENT.sub(r"\1", piece) for piece in super().collect_usage_pieces(ctx)]


_REQUIRED_ARGUMENT = re.compile(r"^\{(.+)\}")


def _flags_take_no_value(params: list[Any]) -> list[Any]:
    """typer's help shows a flag's type (`--strict <bool>`) as if the flag took a value; an empty
    metavar shows nothing there (typer prints the metavar when one is set)."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class _App(typer.Typer):
    """A Typer whose commands are `_Command`s."""

    def command(self, *args: Any, cls: Any = None, **kwargs: Any) -> Callable[[_Function], _Function]:
        decorator: Callable[[_Function], _Function] = super().command(*args, cls=cls or _Command, **kwargs)
        return decorator


_Function = TypeVar("_Function", bound=Callable[..., Any])


class _Group(typer.core.TyperGroup):
    """A command group's help, flags as the commands show them."""

    def get_params(self, ctx: Any) -> Any:
        return _flags_take_no_value(super().get_params(ctx))


def sub_app(**kwargs: Any) -> typer.Typer:
    """A group of commands under one name (`obsgen stackset plan`), whose help reads like the others'."""
    return _App(cls=_Group, **kwargs)


app = _App(
    cls=_LazyGroup,
    name="obsgen",
    help="Monitoring as code: compile monitors/*.yaml into CloudWatch alarms, SNS routing and more.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
def __getattr__(name: str) -> Console:
    """`out` (stdout) and `err` (stderr), made the first time they are asked for (PEP 562): rich
    costs about as much to import as typer, and `obsgen --version` needs neither console."""
    if name not in ("out", "err"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ._consoles import make_console

    console = globals()[name] = make_console(stderr=name == "err")
    return console


@contextmanager
def reader_may_leave() -> Iterator[None]:
    """Around output after which a command still has its verdict to give (drift's exit 2, plan's
    --detailed-exitcode): a closed pipe ends the output, not the command."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        discard_closed_streams()


@contextmanager
def _exit_when_the_reader_leaves() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        discard_closed_streams()
        raise typer.Exit(0) from None
    except SystemExit as exc:  # typer's help console is rich's own, which exits 1 on a closed pipe
        if not isinstance(exc.__context__, BrokenPipeError):
            raise
        discard_closed_streams()
        raise typer.Exit(0) from None


def discard_closed_streams() -> None:
    """Point stdout (and stderr) at /dev/null when their reader has gone, so that what is still
    buffered, and Python's own flush at exit, do not fail again (Python would print "Exception
    ignored ... BrokenPipeError" and exit 120). https://docs.python.org/3/library/signal.html#note-on-sigpipe"""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except OSError:  # a stream without a file descriptor (a test runner's buffer)
            pass


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"{__version__}\n")
        raise typer.Exit()


# A shell asking for completions (the script `obsgen completion SHELL` prints runs
# `_OBSGEN_COMPLETE=complete_bash obsgen`): typer registers its shells' completion classes only
# for apps that add its --install-completion option, which obsgen replaces by that command.
if os.environ.get("_OBSGEN_COMPLETE"):
    from typer.completion import completion_init  # type: ignore[attr-defined]  # re-exported without __all__

    completion_init()


@app.callback()
def _options(ctx: typer.Context,
             project_dir: Optional[Path] = typer.Option(None, "--project-dir", "-C", file_okay=False, resolve_path=True,
                                                        metavar="DIR", show_default=False,
                                                        help="Run as if obsgen was started in DIR's project "
                                                             "(as git -C); a command's own -C wins."),
             _version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                           help="Print obsgen's version and exit.")) -> None:
    """Monitoring as code: compile monitors/*.yaml into CloudWatch alarms, SNS routing and more."""
    collector.resume()  # paused by main() while obsgen started (collector.py)
    if project_dir is not None:
        ctx.meta[ROOT_PROJECT_DIR] = project_dir
