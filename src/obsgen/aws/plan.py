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

from . import kinds
from .resources import TAGS, Action, Change, Conflict, FieldChange, LiveResource, LiveState, Resource
from .secrets import Redactor

PLAN_VERSION = 2  # 2: changes carry `digest`, plans `secrets_digest` (a version 1 file cannot be checked)
CREATE, UPDATE, DELETE = Action.CREATE, Action.UPDATE, Action.DELETE

__all__ = ["CREATE", "DELETE", "PLAN_VERSION", "TAGS", "UPDATE", "Change", "Conflict", "FieldChange", "Plan",
           "build_plan", "fingerprint", "secrets_digest", "write_digest"]


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

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary(self) -> str:
        return f"{self.count(CREATE)} to create, {self.count(UPDATE)} to update, {self.count(DELETE)} to delete"


# ---------------------------------------------------------------- building


def build_plan(project: str, env: str, account: str, region: str, desired: dict[str, Resource],
               live: LiveState, adopt: bool = False) -> Plan:
    """Compare `desired` (secrets already resolved) with `live`. Unowned resources are only ever
    touched when `adopt` is set and the spec names them."""
    changes: list[Change] = []
    conflicts: list[Conflict] = []
    matched: set[str] = set()
    live_by_key = {kinds.of(r.kind).identity(r): r for r in live.resources.values()}
    for resource in desired.values():
        synced = kinds.of(resource.kind)
        current = live_by_key.get(synced.identity(resource))
        if current is not None:
            matched.add(current.address)
        problem = synced.conflict(resource, current, live, adopt)
        if problem:
            conflicts.append(Conflict(resource.address, problem))
        elif current is None:
            changes.append(_create(resource))
        elif change := _update(resource, current):
            changes.append(change)
    for current in live.resources.values():
        if current.owned and current.address not in matched and kinds.of(current.kind).deletable(current):
            changes.append(Change(current.address, current.kind, current.name, DELETE,
                                  _shown(current, current.tags or {}), None, reason="no longer in the spec",
                                  live=current, region=current.region))
    for synced in kinds.KINDS:
        synced.annotate([c for c in changes if c.kind in synced.kinds])
    changes.sort(key=lambda c: (kinds.ORDER.index(c.kind), c.address))
    for change in changes:
        change.digest = write_digest(change)
    managed = sum(1 for r in live.resources.values() if r.owned)
    live_fingerprint = fingerprint(live)
    plan = Plan(project, env, account, region, live_fingerprint, changes, conflicts, managed,
                secrets_digest=secrets_digest(changes, f"{project}/{env}/{live_fingerprint}"))
    every: list[Resource | LiveResource] = [*desired.values(), *live.resources.values()]
    plan.redact.add_all(pair for r in every for pair in kinds.of(r.kind).sensitive(r))
    return plan


def _shown(resource: Resource | LiveResource, tags: dict[str, str] | None) -> dict[str, Any]:
    """What a plan shows and saves: normalised params plus tags, secrets never in clear."""
    return kinds.of(resource.kind).shown(resource, tags)


def _create(resource: Resource) -> Change:
    return Change(resource.address, resource.kind, resource.name, CREATE, None, _shown(resource, resource.tags),
                  desired=resource, region=resource.region)


def _update(resource: Resource, current: LiveResource) -> Change | None:
    before = _shown(current, current.tags or {})
    after = _shown(resource, resource.tags)
    fields = kinds.of(resource.kind).field_changes(before, after)
    if not fields:
        return None
    reason = "" if current.owned else "adopting a resource obsgen did not create"
    return Change(resource.address, resource.kind, resource.name, UPDATE, before, after, fields, reason,
                  desired=resource, live=current, region=resource.region)


def write_digest(change: Change) -> str:
    """SHA-256 of what apply sends for `change`: the parameters and tags of a create or update (a
    secret as its placeholder, never its value), the ARN a delete removes."""
    if change.action == DELETE:
        sent: dict[str, Any] = {"arn": change.live.arn if change.live else ""}
    else:
        resource = change.wanted()
        params = dict(resource.params)
        if resource.secret and resource.secret_field:
            params[resource.secret_field] = resource.secret
        sent = {"params": params, "tags": resource.tags}
    payload = json.dumps([change.address, change.action, sent], sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()


SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 16}  # ~0.1 s a guess on one core (RFC 7914's interactive cost)


def secrets_digest(changes: list[Change], salt: str) -> str:
    """A slow salted digest of the secret values the plan's changes write ("" when none)."""
    pairs = sorted((r.secret, r.params[r.secret_field]) for c in changes
                   if (r := c.desired) is not None and r.secret and r.secret_field and c.action != DELETE)
    if not pairs:
        return ""
    return "scrypt:" + hashlib.scrypt(json.dumps(pairs).encode(), salt=salt.encode(), **SCRYPT).hex()


def fingerprint(live: LiveState) -> str:
    """A digest of everything read: a saved plan is only applied while AWS still looks like this (the
    ARN too: a subscription's changes when it is confirmed)."""
    items = [[r.address, r.owned, r.arn, kinds.of(r.kind).normalize(r.kind, r.params), sorted((r.tags or {}).items())]
             for r in sorted(live.resources.values(), key=lambda r: r.address)]
    return "sha256:" + hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()
