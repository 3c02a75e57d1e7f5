"""`obsgen import`: an account's existing alarms, topics and subscriptions as an obsgen project.

    read.py       what the account holds (the sync's own batched readers; nothing is written to AWS)
    mapping.py    alarms -> services, resources, presets, monitors; topics -> severities; subscriptions -> channels
    rules.py      CloudWatch AlarmRule -> obsgen's rule language
    ownership.py  alarms another tool (CloudFormation, Terraform) manages
    verify.py     compile the draft, keep verbatim what obsgen would write differently, check again
    writer.py     stable YAML files and the report

The result round-trips: `obsgen plan --env ENV --adopt` on it changes no field of any alarm (docs/adopting.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from ..aws.session import Clients, connect
from ..model import EnvironmentModel
from ..progress import Progress, silent
from . import merge, verify, writer
from .mapping import Draft, Finding, draft
from .read import Selection, read_account
from .merge import MergeRefused
from .verify import ImportFailed

__all__ = ["ImportFailed", "Imported", "MergeRefused", "Selection", "connect_account", "import_project"]


@dataclass(slots=True)
class Imported:
    files: dict[str, str]  # relative path -> text
    report: str  # Markdown
    alarms: int  # imported
    findings: list[Finding] = field(default_factory=list)
    env_vars: dict[str, str] = field(default_factory=dict)  # secrets the spec reads: name -> what


@dataclass(frozen=True, slots=True)
class _Where:
    """What session.connect reads of an environment: its region and endpoint (and no role to assume:
    import reads the account of the credentials in use)."""

    region: str
    endpoint: str | None
    role_arn: str | None = None


def connect_account(region: str, endpoint: str | None, profile: str | None) -> Clients:
    """Clients for one region, the way `plan` makes them (credentials, retries, the sandbox's loopback)."""
    return connect(cast(EnvironmentModel, _Where(region, endpoint)), profile)


def import_project(clients: Clients, selection: Selection, project: str, env: str, *,
                   endpoint: str | None = None, include_owned: bool = False,
                   existing: dict[str, str] | None = None, progress: Progress = silent) -> Imported:
    """Read the selection from the account `clients` reach and write it as spec files. Only reads.
    `existing`: the files of a project an earlier import wrote (relative path -> text), to add this
    environment to (merge.py). Raises ImportFailed when the result does not compile (a bug),
    MergeRefused when `existing` cannot take the environment, botocore errors when AWS refuses.
    `progress` hears its steps: reading the account, reading dashboards, mapping alarms, verifying the
    draft, and with `existing` merging into the project (obsgen/progress.py)."""
    account_id = str(clients.sts.get_caller_identity()["Account"])
    account = read_account(clients, selection, progress)
    result: Draft = draft(account, project, env, account_id, clients.region, include_owned, progress)
    if endpoint:
        result.project["environments"][env]["endpoint"] = endpoint
    source = f"account {account_id}, {clients.region}"
    files = verify.settle(result, env, source, progress)
    if existing is not None:
        files = merge.merge(existing, result, env, source, progress)
    return Imported(files, writer.report(result), len(result.placed), result.findings, result.env_vars)
