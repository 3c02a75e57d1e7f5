"""`obsgen import`: write an account's existing alarms as a project (library: adopt/). Only reads AWS."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from botocore.exceptions import BotoCoreError, ClientError

from ..adopt import ImportFailed, MergeRefused, Selection, connect_account, import_project
from ..aws.apply import describe_error
from ..scaffold import around, project_name
from .app import app, err, out
from .common import progress_shown
from .new_files import write_new_files


@app.command("import")
def import_(env: str = typer.Option(..., "--env", "-e", help="The environment these alarms are (its name "
                                    "becomes ${env} in names)."),
            prefix: Optional[str] = typer.Option(None, "--prefix", help="Only alarms whose name starts so."),
            tag: Optional[str] = typer.Option(None, "--tag", help="Only alarms tagged KEY=VALUE."),
            alarm: Optional[list[str]] = typer.Option(None, "--alarm", help="Only this alarm (repeat for several)."),
            out_dir: Path = typer.Option(Path("."), "--out", "-o", help="The project directory to write."),
            project: Optional[str] = typer.Option(None, "--project", help="The project's name; default: the directory's."),
            region: Optional[str] = typer.Option(None, "--region", help="Default: the AWS configuration's region."),
            profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile (default: the standard chain)."),
            endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", help="AWS endpoint (the local sandbox); "
                                                       "written as the environment's endpoint."),
            include_owned: bool = typer.Option(False, "--include-owned", help="Also alarms CloudFormation or "
                                               "Terraform manage (hand them over first: docs/adopting.md)."),
            dashboards: bool = typer.Option(True, "--dashboards/--no-dashboards", help="Declare the account's "
                                            "dashboards in the spec (one GetDashboard each)."),
            merge: bool = typer.Option(False, "--merge", help="Add this environment to the project an earlier import "
                                       "wrote in --out: the same alarms become one monitor with overrides "
                                       "(rewrites its monitors/*.yaml).")) -> None:
    """Write the account's existing alarms, topics and subscriptions as spec under monitors/ (reads only)."""
    chosen = [given for given in (prefix, tag, alarm) if given]
    if len(chosen) > 1:
        raise typer.BadParameter("give one of --prefix, --tag and --alarm")
    if tag is not None and ("=" not in tag or not tag.split("=", 1)[0]):
        raise typer.BadParameter(f"--tag takes KEY=VALUE, found {tag!r}")
    key, _, value = (tag or "").partition("=")
    selection = Selection(prefix, (key, value) if tag else None, tuple(alarm or ()), dashboards)
    target = out_dir.resolve()
    project_file = target / "monitors" / "obsgen.yaml"
    if project_file.exists() and not merge:
        err.print(f"error: {project_file} exists; obsgen import writes a new project and never overwrites "
                  "(import into an empty directory, or add an environment to an imported project with --merge)",
                  markup=False)
        raise typer.Exit(1)
    if merge and not project_file.exists():
        raise typer.BadParameter(f"--merge adds to a project, and {project_file} does not exist")
    existing = ({p.relative_to(target).as_posix(): p.read_text(encoding="utf-8")
                 for p in sorted((target / "monitors").glob("*.yaml"))} if merge else None)
    try:
        import boto3

        clients = connect_account(region or boto3.Session(profile_name=profile).region_name or "us-east-1",
                                  endpoint_url, profile)
        name = project or (_project_of(existing) if existing else project_name(target.name))
        with progress_shown() as progress:  # on a terminal's stderr only; erased before anything is printed
            imported = import_project(clients, selection, name, env, endpoint=endpoint_url,
                                      include_owned=include_owned, existing=existing, progress=progress)
    except (ClientError, BotoCoreError) as exc:
        err.print(f"error: reading the account failed: {describe_error(exc)}", markup=False)
        raise typer.Exit(1) from None
    except MergeRefused as exc:
        err.print(f"error: {exc}; nothing was written", markup=False)
        raise typer.Exit(1) from None
    except ImportFailed as exc:
        for item in exc.diagnostics:
            err.print(str(item), markup=False)
        err.print("error: the imported spec does not compile (a bug in obsgen import); nothing was written",
                  markup=False)
        raise typer.Exit(1) from None
    report_file = f"IMPORT-{env}.md" if merge else "IMPORT.md"
    files = {**imported.files, report_file: imported.report}
    if not merge:  # the checks and how-to `obsgen init` writes, where the directory has none yet
        files.update({path: text for path, text in around(name, env).items() if not (target / path).exists()})
    replaced = set(existing or {})  # --merge rewrites the project's own files, nothing else
    write_new_files(target, files, "obsgen import", replaced)
    out.print(imported.report, markup=False)
    out.print(f"wrote {len(files)} files to {target}; next: obsgen plan --env {env} --adopt -C {out_dir}",
              markup=False)


def _project_of(files: dict[str, str]) -> str:
    import yaml

    return str(yaml.safe_load(files["monitors/obsgen.yaml"])["project"])
