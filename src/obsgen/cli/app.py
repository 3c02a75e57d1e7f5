"""The Typer application every command registers on, and the two consoles everything is printed with.

Commands that live in other modules are imported only when they run: `obsgen validate` or `build`
must not pay for boto3 (plan/apply), moto (sandbox) or promtool's runner (docs/performance.md).
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
import typer.core
from rich.console import Console

from .. import __version__

LAZY_COMMANDS = {
    "plan": "aws", "apply": "aws", "drift": "aws", "test-alarm": "aws", "unlock": "aws",
    "sandbox": "aws",
    "test": "prometheus", "site": "runbooks", "presets": "presets",
    "init": "init", "import": "adopt",
}


class _LazyGroup(typer.core.TyperGroup):
    """Lists every command, imports a command's module the first time that command is looked up.
    The module registers its commands on `app` (as it would if imported eagerly); the click command
    is then built from `app` again, the same way typer builds all of them."""

    # ctx and the command are typer's own copy of click's classes, which typer keeps private (typer._click).
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
        out.print(__version__)
        raise typer.Exit()


@app.callback()
def _options(_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                          help="Print obsgen's version and exit.")) -> None:
    """Monitoring as code: compile monitors/*.yaml into CloudWatch alarms, SNS routing and more."""
