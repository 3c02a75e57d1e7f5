"""The one interface every synced kind implements, so that desired, live, plan, apply and drift
never ask which kind they hold.

A kind module (alarms.py, topics.py, ...) defines one `SyncedKind` subclass and registers an
instance in `kinds/__init__.py`. What the engine asks of it:

- `desired(model)`: the resources the environment should have, from the targets' own parameters;
- `read(reading)`: what AWS has, in as few calls as its API allows, marked owned or not -- once per
  region of the environment for a regional kind (`reading` then holds that region's clients, and
  the resources it returns carry `reading.region`), once for a global one (`regional = False`);
- `normalize(kind, params)`: one comparable form for desired params and AWS's description;
- `identity`, `conflict`, `shown`, `field_changes`, `annotate`: how the plan matches, refuses,
  shows and explains its resources (the defaults fit most kinds);
- `steps(changes, deleting)`: the order and batching of its writes; `write(call, clients, step)`;
- `read_tags(clients, resource)`: the tags of a resource obsgen does not own yet (for --adopt).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ...conventions import TAG_CFN_STACK, TAG_ENV, TAG_PROJECT
from ...model import EnvironmentModel
from ..resources import HOME, TAGS, Change, FieldChange, Kind, LiveResource, LiveState, Resource, tag_list

if TYPE_CHECKING:
    from ..pacing import Pacer
    from ..session import Clients

Call = Callable[..., Any]  # Executor.call: makes one AWS call, within the rate, the deadline and the stop flag
Groups = list[list[list[Change]]]  # groups of steps; a step is the changes one call writes
NOT_OWNED = "a resource of that name exists but is not managed by obsgen (run with --adopt to take it over)"


# "aws:" tags are AWS's own (CloudFormation's stack tags): nobody can set or remove them, so they are
# neither compared with the spec nor untagged. https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html
RESERVED_TAG_PREFIX = "aws:"


def user_tags(tags: dict[str, str]) -> dict[str, str]:
    """`tags` without AWS's own."""
    return {k: v for k, v in tags.items() if not k.startswith(RESERVED_TAG_PREFIX)}


def ours_here(tags: dict[str, str], stacks: bool) -> bool:
    """Whether a resource carrying this environment's ownership tags is its own: one a CloudFormation
    stack made is only when the environment is deployed by CloudFormation (`stacks`); the API path never
    writes or deletes a stack's resources, so there it is not (plan reports a conflict)."""
    return stacks or TAG_CFN_STACK not in tags


def stack_owned(tags: dict[str, str]) -> str:
    """A resource a CloudFormation stack made: never written through the API, not even with --adopt."""
    return (f"CloudFormation stack {tags[TAG_CFN_STACK]} manages a resource of that name: obsgen's API path "
            "never writes or deletes a stack's resources (remove it from the stack first, or give the "
            "environment deploy: cloudformation)")


class WriteRejected(Exception):
    """AWS accepted a write but says it is not what was asked (e.g. PutDashboard's validation messages)."""


@dataclass(slots=True)
class Reading:
    """What a kind's `read` may use, for one region: that region's clients, whose resources to look
    for, the tags of every resource of the region carrying this environment's ownership tags (ARN ->
    tags, one tagging-API scan per region shared by all taggable kinds), and what earlier kinds read
    (subscriptions are read per topic). `region` is HOME for the home region (and for global kinds),
    else the region's name; what `read` returns carries it."""

    clients: Clients
    project: str
    env: str
    desired: dict[str, Resource]
    owned_tags: dict[str, dict[str, str]]
    state: LiveState
    region: str = HOME
    pacer: Pacer | None = None  # paces reads a kind makes concurrently (dashboards); None: unpaced
    progress: Callable[[str], None] | None = None  # told how a long read is going ("dashboards 120/500")
    account: str = ""  # the environment's account (budgets' calls name it); "": ask STS
    stacks: bool = False  # the environment is deployed by CloudFormation: what its stacks made is its own (live.owned_tags)

    def owned(self, tags: dict[str, str]) -> dict[str, str] | None:
        """For a kind outside the tagging scan, whose tags it reads one resource at a time: the tags
        (without AWS's own) of a resource this environment owns, decided as live.owned_tags decides for
        the scan; None when it does not own it."""
        own = user_tags(tags)
        if own.get(TAG_PROJECT) == self.project and own.get(TAG_ENV) == self.env and ours_here(tags, self.stacks):
            return own
        return None

    def report(self, status: str) -> None:
        if self.progress is not None:
            self.progress(status)

    def pace(self, method: Call) -> None:
        """Wait for `method`'s turn within its API's rate (pacing.py)."""
        if self.pacer is not None:
            self.pacer.acquire(method)

    def desired_of(self, *kinds: Kind) -> list[Resource]:
        """The desired resources of `kinds` in this region."""
        return [r for r in self.desired.values() if r.kind in kinds and r.region == self.region]

    def live_of(self, *kinds: Kind) -> list[LiveResource]:
        """What earlier kinds read in this region."""
        return [r for r in self.state.of(*kinds) if r.region == self.region]


class SyncedKind:
    kinds: tuple[Kind, ...] = ()  # the Kind values this module syncs (alarms: metric and composite)
    tag_type: str | None = None  # its ResourceTypeFilters entry in the tagging API; None: not in the scan
    tags_read_per_resource = False  # tagged, but not in the tagging scan: the kind reads each one's tags itself
    regional: bool = True  # False: a global resource (dashboards), read once and written with the home clients

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        raise NotImplementedError

    def read(self, reading: Reading) -> list[LiveResource]:
        raise NotImplementedError

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        raise NotImplementedError

    def read_tags(self, clients: Clients, resource: LiveResource) -> dict[str, str]:
        return {}

    # --- planning: defaults that fit a kind identified by its name --------------------------------

    def identity(self, resource: Resource | LiveResource) -> tuple[str, ...]:
        """What makes a desired and a live resource the same one (names are unique per region)."""
        return (resource.region, resource.kind, resource.name)

    def conflict(self, resource: Resource, current: LiveResource | None, live: LiveState, adopt: bool) -> str:
        """Why the spec's resource may not be written ("" when it may)."""
        if current is not None and not current.owned and TAG_CFN_STACK in (current.tags or {}):
            return stack_owned(current.tags or {})
        if current is not None and not current.owned and not adopt:
            return NOT_OWNED
        return ""

    def shown(self, resource: Resource | LiveResource, tags: dict[str, str] | None) -> dict[str, Any]:
        """What a plan shows and saves: normalised params plus tags."""
        values = self.normalize(resource.kind, resource.params)
        if tags is not None and (self.tag_type is not None or self.tags_read_per_resource):
            values[TAGS] = dict(sorted(tags.items()))
        return values

    def deletable(self, resource: LiveResource) -> bool:
        """Whether an owned resource the spec no longer has can be deleted."""
        return True

    def field_changes(self, before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
        return [FieldChange(k, before.get(k), after.get(k)) for k in diff(before, after)]

    def annotate(self, changes: list[Change]) -> None:
        """Add reasons that only make sense for this kind (renamed alarms)."""

    def sensitive(self, resource: Resource | LiveResource) -> list[tuple[str, str]]:
        """(value, how it is shown) of what must never be printed: secrets and redacted endpoints."""
        if isinstance(resource, Resource) and resource.secret and resource.secret_field:
            return [(resource.params[resource.secret_field], resource.secret)]
        return []

    # --- applying -----------------------------------------------------------------------------

    def steps(self, changes: list[Change], deleting: bool) -> Groups:
        """Default: one group, one call per change."""
        return [[[c] for c in changes]] if changes else []


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Top-level fields whose normalised values differ, sorted."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def sync_tags(call: Call, tag: Call, untag: Call, arn_key: str, change: Change) -> None:
    """Bring an existing resource's tags to the spec's: Put/Create calls ignore tags on resources
    that exist (API_PutMetricAlarm.html, API_CreateTopic.html: Tags)."""
    live = change.current()
    before = live.tags or {}
    after = change.wanted().tags
    added = {k: v for k, v in after.items() if before.get(k) != v}
    removed = sorted(set(before) - set(after))
    if added:
        call(tag, **{arn_key: live.arn, "Tags": tag_list(added)})
    if removed:
        call(untag, **{arn_key: live.arn, "TagKeys": removed})
