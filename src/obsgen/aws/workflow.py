"""The steps the CLI runs, in one place: read -> plan, and check -> apply.

Kept apart from plan.py (pure) and apply.py (writes) so that both stay free of orchestration.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from ..model import EnvironmentModel
from . import SyncError
from .apply import DEFAULT_WRITES_PER_SECOND, ApplyResult, apply_plan, describe_error
from .deadline import Deadline
from .desired import desired_resources
from .live import LiveState, read_live, read_tags
from .plan import Change, Plan, change_dict, build_plan
from .safety import DEFAULT_MASS_DELETE_SHARE, check_conflicts, check_identity, check_mass_delete
from .secrets import Redactor, Resolver, resolve_desired


def make_plan(model: EnvironmentModel, clients: Any, adopt: bool = False,
              resolver: Callable[[str], str] | None = None, deadline: Deadline | None = None) -> Plan:
    """Read the environment and compare it with the spec. Raises SyncError on AWS errors, and
    DeadlineExceeded when `deadline` passes first."""
    resolver = resolver or Resolver(ssm=lambda: clients.client("ssm"))
    desired = resolve_desired(desired_resources(model), resolver)
    redact = Redactor()
    redact.add_all((r.params["Endpoint"], r.name.split("/", 2)[2]) for r in desired.values() if r.secret)

    def read() -> LiveState:
        live = read_live(clients, model.project, model.env, desired)
        return _with_adoptable_tags(clients, live, desired) if adopt else live

    try:
        live = (deadline or Deadline(None)).run(read, f"reading {model.env} from AWS")
    except (ClientError, BotoCoreError) as exc:
        raise SyncError(redact(f"reading {model.env} from AWS failed: {describe_error(exc)}")) from None
    return build_plan(model.project, model.env, model.account, model.region, desired, live, adopt)


def _with_adoptable_tags(clients: Any, live: LiveState, desired: dict[str, Any]) -> LiveState:
    """Unowned resources the spec names: read their tags (one call each) so adopting shows them."""
    names = {(r.kind, r.name) for r in desired.values()}
    for key, resource in live.resources.items():
        if not resource.owned and resource.tags is None and (resource.kind, resource.name) in names:
            live.resources[key] = dataclasses.replace(resource, tags=read_tags(clients, resource))
    return live


def check_saved_plan(saved: Plan, fresh: Plan, again: str = "run `obsgen plan` again") -> None:
    """A saved plan is applied only while AWS and the spec still give exactly that plan: the same
    live state (fingerprint), the same changes with the same values shown, the same parameters to
    send (each change's digest) and the same secret values (secrets_digest). Anything else is
    refused, naming the first difference."""
    if (saved.project, saved.env, saved.account, saved.region) != (fresh.project, fresh.env, fresh.account,
                                                                  fresh.region):
        raise SyncError(f"the plan file is for {saved.project}/{saved.env} ({saved.account}, {saved.region}), "
                        f"not {fresh.project}/{fresh.env} ({fresh.account}, {fresh.region})")
    if saved.fingerprint != fresh.fingerprint:
        raise SyncError(f"the plan is stale: AWS changed since it was made; {again}")
    difference = first_difference(saved.changes, fresh.changes)
    if difference:
        raise SyncError(f"the plan is stale: the spec changed since it was made ({difference}); {again}")
    if saved.secrets_digest != fresh.secrets_digest:
        raise SyncError("the plan is stale: the value of a secret endpoint it subscribes changed since it was made; "
                        f"{again}")


def first_difference(saved: list[Change], fresh: list[Change]) -> str:
    """The first way `fresh` differs from `saved`, in words ("" if they are the same)."""
    before = {c.address: _comparable(c) for c in saved}
    now = {c.address: _comparable(c) for c in fresh}
    for address in [c.address for c in saved] + [c.address for c in fresh if c.address not in before]:
        old, new = before.get(address), now.get(address)
        if old == new:
            continue
        if new is None:
            return f"{old['action']} {address} is no longer needed"
        if old is None:
            return f"{address} would now be {new['action']}d too"
        if old["action"] != new["action"]:
            return f"{address} is {old['action']} in the plan, {new['action']} now"
        for key in sorted(set(old["after"] or {}) | set(new["after"] or {})):
            was, will = (old["after"] or {}).get(key), (new["after"] or {}).get(key)
            if was != will:
                return f"{address}: {key} {_short(was)} in the plan, {_short(will)} now"
        return f"{address}: what would be written is not what the plan shows"
    return ""


def _comparable(change: Change) -> dict[str, Any]:
    """A change as its plan file holds it (so a saved plan and a fresh one compare alike)."""
    return json.loads(json.dumps(change_dict(change), sort_keys=True, default=str))


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclasses.dataclass(slots=True)
class ApplyOptions:
    allow_mass_delete: bool = False
    mass_delete_share: float = DEFAULT_MASS_DELETE_SHARE
    concurrency: int = 3
    writes_per_second: float | None = DEFAULT_WRITES_PER_SECOND
    deadline: Deadline | None = None  # the command's time limit (None: none)


def apply(model: EnvironmentModel, clients: Any, plan: Plan, options: ApplyOptions | None = None,
          on_step: Callable[[list[Change], str], None] | None = None) -> ApplyResult:
    """Safety checks, then the writes. `plan` must be fresh (from make_plan); the CLI holds the
    environment's lock (lock.py) from before that plan was read until this returns."""
    options = options or ApplyOptions()
    check_conflicts(plan)
    check_mass_delete(plan, options.mass_delete_share, options.allow_mass_delete)
    check_identity(clients, model.account, model.region, model.env)
    if not plan.has_changes:
        return ApplyResult()
    return apply_plan(clients, plan, options.concurrency, options.writes_per_second, on_step, options.deadline)
