"""A plan saved to a file (`obsgen plan --out`) and read back for `obsgen apply PLAN`: its JSON form,
and the check that refuses a saved plan unless it still applies exactly what it shows.

Kept apart from the plan itself (Terraform's planfile package does the same): building a plan is
pure and knows nothing of files or versions of their format.
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from . import SyncError
from .plan import PLAN_VERSION, Plan
from .resources import HOME, Action, Change, Conflict, FieldChange, Kind


def dumps(plan: Plan) -> str:
    return json.dumps(plan_dict(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def loads(text: str) -> Plan:
    try:
        data = json.loads(text)
        if data.get("format_version") != PLAN_VERSION:
            raise SyncError(f"plan format version {data.get('format_version')!r} is not supported "
                            f"(this obsgen reads version {PLAN_VERSION}); make it again with `obsgen plan --out`")
        changes = [Change(c["address"], Kind(c["kind"]), c["name"], Action(c["action"]), c["before"], c["after"],
                          [FieldChange(f["field"], f["before"], f["after"]) for f in c["fields"]], c["reason"],
                          c["digest"], region=c.get("region", HOME))
                   for c in data["changes"]]
        conflicts = [Conflict(c["address"], c["reason"]) for c in data["conflicts"]]
        return Plan(data["project"], data["env"], data["account"], data["region"], data["fingerprint"], changes,
                    conflicts, data["managed"], data["format_version"], data["secrets_digest"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SyncError(f"not an obsgen plan file: {exc}") from None


def change_dict(c: Change) -> dict[str, Any]:
    """A change as the plan file holds it; `region` only for one outside the home region (its address
    says so too), so a one-region environment's plan files read as they did before regions."""
    return {"address": c.address, "kind": c.kind, "name": c.name, "action": c.action, "reason": c.reason,
            "before": c.before, "after": c.after, "digest": c.digest,
            **({"region": c.region} if c.region else {}),
            "fields": [{"field": f.field, "before": f.before, "after": f.after} for f in c.fields]}


def plan_dict(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": plan.version, "obsgen_version": __version__,
        "project": plan.project, "env": plan.env, "account": plan.account, "region": plan.region,
        "fingerprint": plan.fingerprint, "managed": plan.managed, "secrets_digest": plan.secrets_digest,
        "summary": {**{action.value: plan.count(action) for action in Action}, "conflicts": len(plan.conflicts)},
        "changes": [change_dict(c) for c in plan.changes],
        "conflicts": [{"address": c.address, "reason": c.reason} for c in plan.conflicts],
    }


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
        if old is None or new is None:
            return (f"{address} would now be {new['action']}d too" if old is None and new is not None
                    else f"{old['action'] if old else 'a change to'} {address} is no longer needed")
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
    loaded: dict[str, Any] = json.loads(json.dumps(change_dict(change), sort_keys=True, default=str))
    return loaded


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[:limit - 1] + "…"
