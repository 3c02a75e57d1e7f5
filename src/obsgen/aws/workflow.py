"""The steps the CLI runs, in one place: read -> plan, and check -> apply.

Kept apart from plan.py (pure) and apply.py (writes) so that both stay free of orchestration.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from botocore.exceptions import BotoCoreError, ClientError

from ..model import EnvironmentModel
from . import SyncError
from .apply import DEFAULT_WRITES_PER_SECOND, ApplyResult, apply_plan, describe_error
from .deadline import Deadline
from .desired import desired_resources
from .live import read_live, read_tags
from .plan import Plan, build_plan
from .resources import Change, LiveState, Resource
from .safety import DEFAULT_MASS_DELETE_SHARE, check_conflicts, check_identity, check_mass_delete
from .secrets import Redactor, Resolver, resolve_desired
from .session import Clients


def make_plan(model: EnvironmentModel, clients: Clients, adopt: bool = False,
              resolver: Callable[[str], str] | None = None, deadline: Deadline | None = None,
              progress: Callable[[str], None] | None = None) -> Plan:
    """Read the environment and compare it with the spec. Raises SyncError on AWS errors, and
    DeadlineExceeded when `deadline` passes first. `progress` hears what is being read (for a
    status line; it is called from the reading threads)."""
    resolver = resolver or Resolver(ssm=lambda: clients.client("ssm"))
    desired = resolve_desired(desired_resources(model), resolver)
    redact = Redactor()
    redact.add_all((r.params[r.secret_field], r.secret) for r in desired.values() if r.secret and r.secret_field)

    def read() -> LiveState:
        live = read_live(clients, model.project, model.env, desired, model.regions, stacks=model.deploy == STACKS,
                         progress=progress, account=model.account)
        return _with_adoptable_tags(clients, live, desired) if adopt else live

    try:
        live = (deadline or Deadline(None)).run(read, f"reading {model.env} from AWS")
    except (ClientError, BotoCoreError) as exc:
        raise SyncError(redact(f"reading {model.env} from AWS failed: {describe_error(exc)}")) from None
    return build_plan(model.project, model.env, model.account, model.region, desired, live, adopt)


def _with_adoptable_tags(clients: Clients, live: LiveState, desired: dict[str, Resource]) -> LiveState:
    """Unowned resources the spec names: read their tags (one call each) so adopting shows them."""
    names = {(r.kind, r.name) for r in desired.values()}
    for key, resource in live.resources.items():
        if not resource.owned and resource.tags is None and (resource.kind, resource.name) in names:
            live.resources[key] = dataclasses.replace(resource, tags=read_tags(clients, resource))
    return live


STACKS = "cloudformation"  # `deploy:` of an environment CloudFormation stacks own (targets/cloudformation.py)


def check_deploy(model: EnvironmentModel) -> None:
    """Refuse to write an environment CloudFormation deploys: its stacks own the resources, and a write
    through the API would be drift the next stack update reverts (docs/organisations.md)."""
    if model.deploy == STACKS:
        raise SyncError(f"environment '{model.env}' is deployed by CloudFormation (deploy: cloudformation in "
                        f"monitors/obsgen.yaml): obsgen apply does not write to it. Deploy the stacks of "
                        f"generated/{model.env}/cloudformation/ in the order stacks.json lists them, check them "
                        f"with `obsgen drift --env {model.env}`, or set deploy: api to apply through the API")


@dataclasses.dataclass(slots=True)
class ApplyOptions:
    allow_mass_delete: bool = False
    mass_delete_share: float = DEFAULT_MASS_DELETE_SHARE
    concurrency: int = 3
    # The cap on each API's write rate, calls a second: math.inf (the default) lets each API run at
    # what AWS accepts, starting from its documented quota (pacing.py); None does not pace at all.
    writes_per_second: float | None = DEFAULT_WRITES_PER_SECOND
    deadline: Deadline | None = None  # the command's time limit (None: none)


def apply(model: EnvironmentModel, clients: Clients, plan: Plan, options: ApplyOptions | None = None,
          on_step: Callable[[list[Change], str], None] | None = None) -> ApplyResult:
    """Safety checks, then the writes. `plan` must be fresh (from make_plan); the CLI holds the
    environment's lock (lock.py) from before that plan was read until this returns."""
    options = options or ApplyOptions()
    check_deploy(model)
    check_conflicts(plan)
    check_mass_delete(plan, options.mass_delete_share, options.allow_mass_delete)
    check_identity(clients, model.account, model.region, model.env, model.regions)
    if not plan.has_changes:
        return ApplyResult()
    return apply_plan(clients, plan, options.concurrency, options.writes_per_second, on_step, options.deadline)
