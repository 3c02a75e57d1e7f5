"""`obsgen accounts`: an OU's accounts for a matrix's `accounts:` list, or a check of the spec's lists.

Exit codes: 0 listed / every matrix matches its OU, 1 error, 2 a matrix's accounts differ from its OU's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import boto3
import typer
from botocore.exceptions import BotoCoreError, ClientError

from ..aws.apply import describe_error
from ..diagnostics import has_errors
from ..aws.organizations import ACTIVE, Account, accounts_under, compare
from ..aws.session import retry_config
from ..language.v1.project import OU_PATTERN
from .app import app, err, out
from .common import ProjectDir, report

EXIT_DIFFERENT = 2
# Organizations is a global service whose API endpoint is in us-east-1 (aws partition).
# https://docs.aws.amazon.com/general/latest/gr/ao.html
ORGANIZATIONS_REGION = "us-east-1"


@app.command()
def accounts(ou: Optional[str] = typer.Option(None, "--ou", metavar="ID", show_default=False,
                                             help="An organizational unit (ou-...) or root (r-...) id: print its "
                                                  "accounts as a matrix's `accounts:` list."),
             check: bool = typer.Option(False, "--check", help="Compare every matrix that names an "
                                        "organizational_unit with that OU's active accounts; exit 2 when one differs."),
             recursive: bool = typer.Option(True, "--recursive/--direct",
                                            help="Include the accounts of child OUs at any depth, or only the OU's own."),
             project_dir: Path = ProjectDir,
             profile: Optional[str] = typer.Option(None, "--profile", metavar="NAME", show_default=False,
                                                   help="AWS profile of the management (or delegated "
                                                        "administrator) account."),
             region: str = typer.Option(ORGANIZATIONS_REGION, "--region", help="Where Organizations' endpoint is.")
             ) -> None:
    """List an organizational unit's accounts for a matrix (reads AWS Organizations; builds never do)."""
    if (ou is None) == (not check):
        raise typer.BadParameter("give --ou ID to list an OU's accounts, or --check to compare the spec's matrices",
                                 param_hint="'--ou'")
    client = boto3.Session(profile_name=profile).client("organizations", region_name=region, config=retry_config())
    if ou is not None:
        _list(client, ou, recursive)
    else:
        _check(client, project_dir, recursive)


def _read(client: object, ou: str, recursive: bool) -> list[Account]:
    if not re.match(OU_PATTERN, ou):
        raise typer.BadParameter(f"{ou!r} is not an organizational unit id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)",
                                 param_hint="'--ou'")
    try:
        return accounts_under(client, ou, recursive)
    except (ClientError, BotoCoreError) as exc:
        err.print(f"error: listing the accounts of {ou} failed: {describe_error(exc)}", markup=False)
        raise typer.Exit(1) from None


def _list(client: object, ou: str, recursive: bool) -> None:
    found = _read(client, ou, recursive)
    active = [a for a in found if a.status == ACTIVE]
    where = " and its child OUs" if recursive else ""
    out.print(f"# the active accounts of {ou}{where}, from AWS Organizations", markup=False)
    out.print(f"organizational_unit: {ou}", markup=False)
    out.print("accounts:" + ("" if active else " []"), markup=False)
    for account in active:
        out.print(f'  - "{account.id}"  # {account.name}', markup=False)
    for account in found:
        if account.status != ACTIVE:
            out.print(f"# left out: {account.id} ({account.name}) is {account.status}", markup=False)


def _check(client: object, project_dir: Path, recursive: bool) -> None:
    from ..language.load import load_spec

    spec, problems = load_spec(project_dir)
    if spec is None or has_errors(problems):
        from ..compiler import compile_project

        report(compile_project(project_dir))
        raise typer.Exit(1)
    named = {name: m for name, m in spec.project.matrices.items() if m.organizational_unit}
    if not named:
        err.print("no matrix names an organizational_unit: nothing to check", markup=False)
        return
    different = False
    for name, matrix in named.items():
        assert matrix.organizational_unit is not None
        difference = compare(matrix.accounts, _read(client, matrix.organizational_unit, recursive))
        if difference.same:
            out.print(f"{name}: the {len(matrix.accounts)} account(s) of {matrix.organizational_unit}", markup=False)
            continue
        different = True
        for account in difference.missing:
            out.print(f'{name}: account "{account.id}" ({account.name}) is active in {matrix.organizational_unit} '
                      "but not in accounts:", markup=False)
        for account_id in difference.extra:
            out.print(f'{name}: account "{account_id}" is in accounts: but not active in '
                      f"{matrix.organizational_unit}", markup=False)
    if different:
        raise typer.Exit(EXIT_DIFFERENT)
