"""The values the sync engine passes around: what a resource is (desired and live), what a change to
it is, and the two enums that name kinds and actions. No I/O, no AWS client.

An address is `<kind>.<name>`: `metric_alarm.<alarm name>`, `composite_alarm.<alarm name>`,
`topic.<topic name>`, `subscription.<topic name>/<protocol>/<endpoint>`, `dashboard.<name>`,
`metric_filter.<log group>:<filter name>`, `query_definition.<name>`, `event_rule.<rule name>`,
`topic_policy.<topic name>`, `mute_rule.<rule name>`, `log_alarm.<alarm name>`, `budget.<budget name>`.
A resource outside the environment's home region carries its region after the kind:
`metric_alarm.us-east-1/<alarm name>`, `topic.us-east-1/<topic name>`. Home-region addresses stay
as they were, so the plans of a one-region environment read the same as before regions existed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """A kind of resource obsgen syncs; its module under aws/kinds/ knows how (kinds/__init__.py)."""

    TOPIC = "topic"
    SUBSCRIPTION = "subscription"
    METRIC_ALARM = "metric_alarm"
    COMPOSITE_ALARM = "composite_alarm"
    DASHBOARD = "dashboard"
    METRIC_FILTER = "metric_filter"
    QUERY_DEFINITION = "query_definition"
    EVENT_RULE = "event_rule"
    TOPIC_POLICY = "topic_policy"
    MUTE_RULE = "mute_rule"
    LOG_ALARM = "log_alarm"
    BUDGET = "budget"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


TAGS = "Tags"  # the field a plan shows a resource's tags under


HOME = ""  # the `region` of a resource in the environment's home region (and of global ones: dashboards)


def address(kind: Kind, name: str, region: str = HOME) -> str:
    return f"{kind}.{region}/{name}" if region else f"{kind}.{name}"


def away(region: str, home: str) -> str:
    """A model object's region as resources hold it: HOME for the home region, else its name."""
    return HOME if region == home else region


@dataclass(frozen=True, slots=True)
class Resource:
    """One desired resource: the API params that create it (without Tags) and its tags."""

    kind: Kind
    name: str
    arn: str
    params: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()  # names of resources of the same kind it references (a composite's children)
    # The `{{resolve:...}}` placeholder of a secret held by params[secret_field] (secrets.py): the
    # params carry the placeholder in generated/ and the resolved value in memory while syncing.
    secret: str | None = None
    secret_field: str | None = None
    region: str = HOME  # a region other than the environment's home region (away)

    @property
    def address(self) -> str:
        return address(self.kind, self.name, self.region)


@dataclass(slots=True)
class LiveResource:
    kind: Kind
    name: str
    arn: str
    params: dict[str, Any]  # as AWS describes it (the kind's normalize makes it comparable)
    tags: dict[str, str] | None  # None: not read (a resource obsgen does not own)
    owned: bool
    depends_on: tuple[str, ...] = ()
    region: str = HOME  # where it was read: HOME, or another region of the environment

    @property
    def address(self) -> str:
        return address(self.kind, self.name, self.region)


@dataclass(slots=True)
class LiveState:
    resources: dict[str, LiveResource] = field(default_factory=dict)

    def add(self, resource: LiveResource) -> None:
        self.resources[resource.address] = resource

    def of(self, *kinds: Kind) -> list[LiveResource]:
        return [r for r in self.resources.values() if r.kind in kinds]


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(slots=True)
class Change:
    """One change of a plan. `before`/`after` are display values (normalised, secrets redacted) that
    are saved and rendered; `desired`/`live` are the in-memory objects apply needs (never saved)."""

    address: str
    kind: Kind
    name: str
    action: Action
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: list[FieldChange] = field(default_factory=list)
    reason: str = ""
    digest: str = ""  # of exactly what apply would send for this change (plan.write_digest)
    desired: Resource | None = field(default=None, repr=False, compare=False)
    live: LiveResource | None = field(default=None, repr=False, compare=False)
    region: str = HOME  # the region whose clients write it (HOME: the environment's home region)

    @property
    def config_changed(self) -> bool:
        """Anything besides tags: those need a Put call; tags alone need only Tag/UntagResource."""
        return self.action == Action.CREATE or any(f.field != TAGS for f in self.fields)

    def signature(self) -> tuple[Any, ...]:
        return (self.address, self.action, tuple(f.field for f in self.fields))

    def wanted(self) -> Resource:
        """The desired resource of a create or update (a fresh plan always has one)."""
        if self.desired is None:
            raise ValueError(f"{self.action} {self.address} carries no desired resource (a plan read from a file?)")
        return self.desired

    def current(self) -> LiveResource:
        """The live resource of an update or delete (a fresh plan always has one)."""
        if self.live is None:
            raise ValueError(f"{self.action} {self.address} carries no live resource (a plan read from a file?)")
        return self.live


@dataclass(frozen=True, slots=True)
class Conflict:
    address: str
    reason: str


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """AWS's `[{"Key": k, "Value": v}]` form, in key order."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def split_tags(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A target's parameters without their Tags, and the tags (obsgen syncs tags apart)."""
    return {k: v for k, v in params.items() if k != TAGS}, tag_dict(params.get(TAGS))
