"""Drift: how the live environment differs from the spec, phrased for people reading CI output.

It is the plan read the other way round: a create means the resource is missing, an update that
someone changed fields (by hand, in the console), a delete that obsgen still manages a resource
the spec no longer has.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable

from .plan import CREATE, DELETE, FieldChange, Plan


class DriftStatus(StrEnum):
    """How a resource drifted; the value is what reports show."""

    MISSING = "missing"  # the plan would create it
    CHANGED = "changed"  # ... update it
    NOT_IN_SPEC = "not in spec"  # ... delete it
    CONFLICT = "conflict"  # it is in the way of the spec (a resource obsgen does not manage)


MISSING, CHANGED, NOT_IN_SPEC, CONFLICT = (DriftStatus.MISSING, DriftStatus.CHANGED, DriftStatus.NOT_IN_SPEC,
                                           DriftStatus.CONFLICT)


@dataclass(frozen=True, slots=True)
class DriftItem:
    address: str
    status: DriftStatus
    detail: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class DriftReport:
    env: str
    account: str
    region: str
    items: tuple[DriftItem, ...]
    checked: tuple[str, ...] = ()  # every address compared, drifted or not (sorted)

    @property
    def in_sync(self) -> bool:
        return not self.items


def drift_report(plan: Plan, desired: Iterable[str] = ()) -> DriftReport:
    """The plan read as drift; `desired` are the spec's resource addresses, so that the report also
    lists what was checked and found in sync (CI test reports count them)."""
    items: list[DriftItem] = []
    for change in plan.changes:
        if change.action == CREATE:
            items.append(DriftItem(change.address, MISSING, "in the spec but not in AWS"))
        elif change.action == DELETE:
            items.append(DriftItem(change.address, NOT_IN_SPEC, "managed by obsgen but no longer in the spec"))
        else:  # UPDATE
            names = ", ".join(f.field for f in change.fields)
            items.append(DriftItem(change.address, CHANGED, f"changed outside obsgen: {names}", tuple(change.fields)))
    items += [DriftItem(c.address, CONFLICT, c.reason) for c in plan.conflicts]
    checked = tuple(sorted(set(desired) | {item.address for item in items}))
    return DriftReport(plan.env, plan.account, plan.region, tuple(items), checked)
