"""`obsgen stackset plan|apply NAME`: the StackSets of the project file's `stacksets:`
(aws/stacksets.py; docs/organisations.md). Thin: compile, read the generated definition, call the library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from botocore.exceptions import BotoCoreError, ClientError

from ..aws import SyncError
from ..aws.apply import describe_error
from ..aws.secrets import Resolver
from ..aws.session import connect
from ..aws.stacksets import apply_plan, make_plan
from ..compiler import compile_project
from ..model import EnvironmentModel
from ..targets.cloudformation import secret_parameter
from ..views import stacksets as view
from rich.markup import escape

from .app import app, err, out, sub_app
from .aws import Profile
from .common import ProjectDir, report

stackset_app = sub_app(help="Roll an environment's CloudFormation template out to many accounts and regions "
                                "with a StackSet (docs/organisations.md).", no_args_is_help=True)
app.add_typer(stackset_app, name="stackset")
def _fail(message: str) -> typer.Exit:
    """As `obsgen apply` fails (cli/aws.py): one line on stderr, exit 1."""
    err.print(f"[red]error:[/red] {escape(message)}" if err.is_terminal else f"error: {message}",
              markup=err.is_terminal, highlight=False)
    return typer.Exit(1)


Name = typer.Argument(..., metavar="NAME", help="A StackSet of the project file's `stacksets:`.")


def _definition(project_dir: Path, name: str) -> tuple[EnvironmentModel, dict[str, Any], str]:
    build = compile_project(project_dir)
    if not build.ok:
        report(build)
        raise typer.Exit(1)
    for env, model in build.models.items():
        if any(s.name == name for s in model.stacksets):
            folder = f"{env}/cloudformation/stacksets/{name}"
            return model, json.loads(build.files[f"{folder}.json"]), build.files[f"{folder}.template.json"]
    raise _fail(f"no StackSet '{name}' in the project file's stacksets:")


def _parameters(model: EnvironmentModel, definition: dict[str, Any], resolve: Resolver) -> dict[str, str]:
    """The NoEcho parameters' values: the secret endpoints, read as `obsgen apply` reads them."""
    placeholders = {secret_parameter(s.endpoint): s.endpoint for s in model.subscriptions if s.secret}
    return {name: resolve(placeholders[name]) for name in definition["Parameters"]}


@stackset_app.command("plan")
def plan_command(name: str = Name, project_dir: Path = ProjectDir, profile: Optional[str] = Profile) -> None:
    """Show what `obsgen stackset apply NAME` would create or update, and the instances per account and region."""
    model, definition, template = _definition(project_dir, name)
    try:
        client = connect(model, profile).client("cloudformation")
        out.print(view.plan_text(make_plan(client, definition, template)), markup=False, highlight=False, end="")
    except (ClientError, BotoCoreError) as exc:
        raise _fail(f"reading StackSet {name}: {describe_error(exc)}") from None


@stackset_app.command("apply")
def apply_command(name: str = Name, project_dir: Path = ProjectDir, profile: Optional[str] = Profile,
                  auto_approve: bool = typer.Option(False, "--auto-approve", help="Do not ask for confirmation.")) -> None:
    """Create or update the StackSet and add its missing instances; report every instance's status."""
    model, definition, template = _definition(project_dir, name)
    try:
        clients = connect(model, profile)
        client = clients.client("cloudformation")
        plan = make_plan(client, definition, template)
        out.print(view.plan_text(plan), markup=False, highlight=False, end="")
        if not plan.has_changes:
            return
        if not auto_approve and typer.prompt(f"Apply StackSet {name}? Only 'yes' is accepted", default="",
                                             show_default=False).strip() != "yes":
            raise _fail("apply cancelled; nothing was changed")
        parameters = _parameters(model, definition, Resolver(ssm=lambda: clients.client("ssm")))
        instances = apply_plan(client, definition, template, parameters, plan)
    except SyncError as exc:
        raise _fail(str(exc)) from None
    except (ClientError, BotoCoreError) as exc:
        raise _fail(f"StackSet {name}: {describe_error(exc)}") from None
    out.print(view.apply_text(plan.name, instances), markup=False, highlight=False, end="")
    if any(i.status != "CURRENT" for i in instances):
        err.print("error: some instances are not CURRENT (their reason is shown)", markup=False, highlight=False)
        raise typer.Exit(1)
