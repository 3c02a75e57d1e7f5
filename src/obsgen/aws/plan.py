"""The plan: desired + live -> the changes that make AWS equal to the spec. A pure value.

`build_plan` does no I/O. A `Change` carries display values (normalised, secrets redacted) that
are saved and rendered, plus the in-memory desired/live objects the executor needs (never saved).

A saved plan must apply exactly what it shows or be refused (workflow.check_saved_plan), so each
change also carries `digest`, a SHA-256 of exactly what apply would send for it (all parameters
and tags, secret endpoints as their `{{resolve:...}}` placeholders), and the plan carries
`secrets_digest` for the values of the secrets its changes subscribe: scrypt (a deliberately slow,
salted hash, salt = the plan's own live fingerprint) so that the digest in a plan file or a CI log
cannot be turned back into a phone number or an email address by trying them all
(https://docs.python.org/3/library/hashlib.html#hashlib.scrypt; cost figures in docs/aws-sync.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from . import SyncError, dashboards
from .desired import ALARM_KINDS, COMPOSITE_ALARM, DASHBOARD, KINDS, SUBSCRIPTION, TOPIC, Resource
from .live import PENDING, LiveResource, LiveState
from .normalize import diff, normalize
from .secrets import Redactor

PLAN_VERSION = 2  # 2: changes carry `digest`, plans `secrets_digest` (a version 1 file cannot be checked)
CREATE, UPDATE, DELETE = "create", "update", "delete"
TAGS = "Tags"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(slots=True)
class Change:
    address: str
    kind: str
    name: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: list[FieldChange] = field(default_factory=list)
    reason: str = ""
    digest: str = ""  # of exactly what apply would send for this change (write_digest)
    desired: Resource | None = field(default=None, repr=False, compare=False)
    live: LiveResource | None = field(default=None, repr=False, compare=False)

    @property
    def config_changed(self) -> bool:
        """Anything besides tags: those need a Put call; tags alone need only Tag/UntagResource."""
        return self.action == CREATE or any(f.field != TAGS for f in self.fields)

    def signature(self) -> tuple[Any, ...]:
        return (self.address, self.action, tuple(f.field for f in self.fields))


@dataclass(frozen=True, slots=True)
class Conflict:
    address: str
    reason: str


@dataclass(slots=True)
class Plan:
    project: str
    env: str
    account: str
    region: str
    fingerprint: str
    changes: list[Change]
    conflicts: list[Conflict] = field(default_factory=list)
    managed: int = 0  # live resources obsgen owns in this environment
    version: int = PLAN_VERSION
    secrets_digest: str = ""  # scrypt of the secret values the changes subscribe ("" when none)
    # In memory only: hides secret values and redacted live endpoints in messages (AWS errors).
    redact: Redactor = field(default_factory=Redactor, repr=False, compare=False)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary(self) -> str:
        return f"{self.count(CREATE)} to create, {self.count(UPDATE)} to update, {self.count(DELETE)} to delete"

    def to_json(self) -> str:
        return json.dumps(_plan_dict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return _plan_from_dict(text)


# ---------------------------------------------------------------- building


def build_plan(project: str, env: str, account: str, region: str, desired: dict[str, Resource],
               live: LiveState, adopt: bool = False) -> Plan:
    """Compare `desired` (secrets already resolved) with `live`. Unowned resources are only ever
    touched when `adopt` is set and the spec names them."""
    changes: list[Change] = []
    conflicts: list[Conflict] = []
    matched: set[str] = set()
    live_by_key = {_key(r): r for r in live.resources.values()}
    for resource in desired.values():
        current = live_by_key.get(_key(resource))
        if current is not None:
            matched.add(current.address)
        problem = _conflict(resource, current, live, adopt)
        if problem:
            conflicts.append(Conflict(resource.address, problem))
        elif current is None:
            changes.append(_create(resource))
        else:
            change = _update(resource, current)
            if change.fields:
                changes.append(change)
    for current in live.resources.values():
        if current.owned and current.address not in matched and current.arn != PENDING:
            changes.append(Change(current.address, current.kind, current.name, DELETE, _shown(current, current.tags or {}), None,
                                  reason="no longer in the spec", live=current))
    _mark_renames(changes)
    changes.sort(key=lambda c: (KINDS.index(c.kind), c.address))
    for change in changes:
        change.digest = write_digest(change)
    managed = sum(1 for r in live.resources.values() if r.owned)
    live_fingerprint = fingerprint(live)
    plan = Plan(project, env, account, region, live_fingerprint, changes, conflicts, managed,
                secrets_digest=secrets_digest(changes, f"{project}/{env}/{live_fingerprint}"))
    plan.redact.add_all(_sensitive(desired, live))
    return plan


def _sensitive(desired: dict[str, Resource], live: LiveState) -> list[tuple[str, str]]:
    """(value, how it is shown) for every secret value and every redacted live endpoint."""
    found = [(r.params["Endpoint"], shown_endpoint_of(r)) for r in desired.values() if r.secret]
    found += [(r.params["Endpoint"], shown_endpoint_of(r)) for r in live.resources.values()
              if r.kind == SUBSCRIPTION and shown_endpoint_of(r) != r.params["Endpoint"]]
    return found


def shown_endpoint_of(resource: Resource | LiveResource) -> str:
    """A subscription's endpoint as its address shows it: the placeholder of a secret, a literal
    endpoint of the spec, or a redacted live one (secrets.shown_endpoint)."""
    return resource.name.split("/", 2)[2]


def _key(resource: Resource | LiveResource) -> tuple[str, ...]:
    """Subscriptions are identified by what they deliver where; everything else by kind and name.
    Alarms share one namespace across kinds, so the kind is left out for them."""
    if resource.kind == SUBSCRIPTION:
        p = resource.params
        return (SUBSCRIPTION, p["TopicArn"], p["Protocol"], p["Endpoint"])
    return ("alarm" if resource.kind in ALARM_KINDS else resource.kind, resource.name)


def _conflict(resource: Resource, current: LiveResource | None, live: LiveState, adopt: bool) -> str:
    if resource.kind == SUBSCRIPTION:
        topic = live.resources.get(f"{TOPIC}.{resource.params['TopicArn'].rsplit(':', 1)[-1]}")
        if topic is not None and not topic.owned and not adopt:
            return "its topic exists but is not managed by obsgen"
        return ""
    if current is None:
        return ""
    if current.kind != resource.kind:
        return (f"a {current.kind.replace('_', ' ')} of that name exists; CloudWatch cannot change an alarm's "
                "type, delete it first")
    if not current.owned and not adopt:
        if current.kind == DASHBOARD:
            return dashboards.conflict_reason(current)
        return "a resource of that name exists but is not managed by obsgen (run with --adopt to take it over)"
    return ""


def _shown(resource: Resource | LiveResource, tags: dict[str, str] | None = None) -> dict[str, Any]:
    """What a plan shows and saves: normalised params plus tags, secret endpoints redacted."""
    values = normalize(resource.kind, resource.params)
    if resource.kind == SUBSCRIPTION:
        values["Endpoint"] = shown_endpoint_of(resource)
    elif tags is not None and resource.kind != DASHBOARD:  # dashboards have no tags
        values[TAGS] = dict(sorted(tags.items()))
    return values


def _create(resource: Resource) -> Change:
    return Change(resource.address, resource.kind, resource.name, CREATE, None, _shown(resource, resource.tags),
                  desired=resource)


def _update(resource: Resource, current: LiveResource) -> Change:
    if resource.kind == SUBSCRIPTION:  # same key means same subscription; nothing else to change
        return Change(resource.address, resource.kind, resource.name, UPDATE, None, None)
    before = _shown(current, current.tags or {})
    after = _shown(resource, resource.tags)
    fields = [FieldChange(k, before.get(k), after.get(k)) for k in diff(before, after)]
    reason = "" if current.owned else "adopting a resource obsgen did not create"
    return Change(resource.address, resource.kind, resource.name, UPDATE, before, after, fields, reason,
                  desired=resource, live=current)


def _mark_renames(changes: list[Change]) -> None:
    """An alarm whose monitor got a new name is created, composites repointed, then the old one
    deleted (the apply order does that); here we only say so."""
    def monitor(c: Change) -> tuple[str, str] | None:
        tags = (c.after if c.action == CREATE else c.before or {}).get(TAGS, {})
        return (tags["obsgen:service"], tags["obsgen:monitor"]) if "obsgen:monitor" in tags else None

    deleted = {monitor(c): c for c in changes if c.action == DELETE and c.kind in ALARM_KINDS and monitor(c)}
    for created in (c for c in changes if c.action == CREATE and c.kind in ALARM_KINDS):
        old = deleted.get(monitor(created)) if monitor(created) else None
        if old is not None:
            created.reason = f"renamed from {old.name}"
            old.reason = f"renamed to {created.name}"


def write_digest(change: Change) -> str:
    """SHA-256 of what apply sends for `change`: the parameters and tags of a create or update (a
    secret endpoint as its placeholder, never its value), the ARN a delete removes."""
    if change.action == DELETE:
        sent: dict[str, Any] = {"arn": change.live.arn if change.live else ""}
    else:
        resource = change.desired
        params = dict(resource.params)
        if resource.secret:
            params["Endpoint"] = shown_endpoint_of(resource)
        sent = {"params": params, "tags": resource.tags}
    payload = json.dumps([change.address, change.action, sent], sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()


SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 16}  # ~0.1 s a guess on one core (RFC 7914's interactive cost)


def secrets_digest(changes: list[Change], salt: str) -> str:
    """A slow salted digest of the secret values the plan's changes write ("" when none)."""
    pairs = sorted((shown_endpoint_of(c.desired), c.desired.params["Endpoint"]) for c in changes
                   if c.desired is not None and c.desired.secret and c.action != DELETE)
    if not pairs:
        return ""
    return "scrypt:" + hashlib.scrypt(json.dumps(pairs).encode(), salt=salt.encode(), **SCRYPT).hex()


def fingerprint(live: LiveState) -> str:
    """A digest of everything read: a saved plan is only applied while AWS still looks like this."""
    items = [[r.address, r.owned, r.arn if r.kind == SUBSCRIPTION else "", normalize(r.kind, r.params),
              sorted((r.tags or {}).items())] for r in sorted(live.resources.values(), key=lambda r: r.address)]
    return "sha256:" + hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()


# ---------------------------------------------------------------- (de)serialising


def change_dict(c: Change) -> dict[str, Any]:
    return {"address": c.address, "kind": c.kind, "name": c.name, "action": c.action, "reason": c.reason,
            "before": c.before, "after": c.after, "digest": c.digest,
            "fields": [{"field": f.field, "before": f.before, "after": f.after} for f in c.fields]}


def _plan_dict(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": plan.version, "obsgen_version": __version__,
        "project": plan.project, "env": plan.env, "account": plan.account, "region": plan.region,
        "fingerprint": plan.fingerprint, "managed": plan.managed, "secrets_digest": plan.secrets_digest,
        "summary": {"create": plan.count(CREATE), "update": plan.count(UPDATE), "delete": plan.count(DELETE),
                    "conflicts": len(plan.conflicts)},
        "changes": [change_dict(c) for c in plan.changes],
        "conflicts": [{"address": c.address, "reason": c.reason} for c in plan.conflicts],
    }


def _plan_from_dict(text: str) -> Plan:
    try:
        data = json.loads(text)
        if data.get("format_version") != PLAN_VERSION:
            raise SyncError(f"plan format version {data.get('format_version')!r} is not supported "
                            f"(this obsgen reads version {PLAN_VERSION}); make it again with `obsgen plan --out`")
        changes = [Change(c["address"], c["kind"], c["name"], c["action"], c["before"], c["after"],
                          [FieldChange(f["field"], f["before"], f["after"]) for f in c["fields"]], c["reason"],
                          c["digest"])
                   for c in data["changes"]]
        conflicts = [Conflict(c["address"], c["reason"]) for c in data["conflicts"]]
        return Plan(data["project"], data["env"], data["account"], data["region"], data["fingerprint"], changes,
                    conflicts, data["managed"], data["format_version"], data["secrets_digest"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SyncError(f"not an obsgen plan file: {exc}") from None
