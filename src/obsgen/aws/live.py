"""Read what one environment has in AWS, in as few calls as the APIs allow.

Ownership and tags come from one Resource Groups Tagging API scan (GetResources, 100 per page) for
everything tagged `obsgen:project=P, obsgen:env=E`, shared by every taggable kind -- instead of a
ListTagsForResource per resource.
https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
Then each kind reads its own resources (kinds/*.py), in the registry's order. For N alarms that is
2*ceil(N/100) calls, plus a few for SNS, plus 1 + D for D dashboards (docs/aws-sync.md).

The tagging API and the regional kinds' APIs see one region each, so both run once per region of
the environment -- the home region, every region the spec places something in, and the regions the
caller names besides (`regions`: where the spec used to place something, so what obsgen owns there
is still found and deleted) -- each with that region's clients. Global kinds (dashboards) are read once.
"""

from __future__ import annotations

from ..conventions import TAG_ENV, TAG_PROJECT
from . import kinds
from typing import Callable

from .kinds.base import Reading, ours_here, user_tags
from .pacing import Pacer
from .paging import pages
from .resources import HOME, LiveResource, LiveState, Resource, tag_dict
from .session import Clients

PAGE = 100  # GetResources ResourcesPerPage: at most 100


def read_live(clients: Clients, project: str, env: str, desired: dict[str, Resource],
              regions: tuple[str, ...] = (), stacks: bool = False,
              progress: Callable[[str], None] | None = None, account: str = "") -> LiveState:
    """`clients` are the home region's; `regions` other regions to read even if `desired` has nothing there.
    `stacks`: the environment is deployed by CloudFormation, whose stacks made what it owns.
    Reads a kind makes concurrently (dashboards) are paced at their API's quota, adapting to throttling.
    `progress` is told what is being read ("metric_alarm in eu-west-1", "dashboards 120/500").
    `account`: the environment's account, for the APIs whose calls name it (budgets)."""
    say = progress or (lambda _status: None)
    state = LiveState()
    pacer = Pacer()
    clients.register("response-received", pacer.on_response)
    try:
        readings = {region: Reading(clients.in_region(region or clients.region), project, env, desired,
                                    owned_tags(clients.in_region(region or clients.region), project, env, stacks),
                                    state, region, pacer, progress, account, stacks)
                    for region in regions_to_read(clients.region, desired, regions)}
        for synced in kinds.KINDS:
            for region, reading in readings.items():
                if synced.regional or region == HOME:
                    say(f"{', '.join(synced.kinds)}" + (f" in {region}" if region != HOME else ""))
                    for resource in synced.read(reading):
                        state.add(resource)
    finally:
        clients.unregister("response-received", pacer.on_response)
    return state


def regions_to_read(home: str, desired: dict[str, Resource], regions: tuple[str, ...] = ()) -> list[str]:
    """HOME first, then the other regions by name."""
    away = {r.region for r in desired.values()} | {r for r in regions if r != home}
    return [HOME, *sorted(away - {HOME})]


def owned_tags(clients: Clients, project: str, env: str, stacks: bool = False) -> dict[str, dict[str, str]]:
    """ARN -> tags of every resource carrying this project's and environment's ownership tags. What a
    CloudFormation stack made (tagged `aws:cloudformation:stack-name`) carries them too, from the template;
    it is the environment's only when the environment is deployed by CloudFormation (`stacks`): the API
    path never writes or deletes a stack's resources, so there it is not owned (plan reports a conflict)."""
    filters = [{"Key": TAG_PROJECT, "Values": [project]}, {"Key": TAG_ENV, "Values": [env]}]
    kwargs = {"TagFilters": filters, "ResourceTypeFilters": kinds.tag_types(), "ResourcesPerPage": PAGE}
    found: dict[str, dict[str, str]] = {}
    for page in pages(clients.tagging.get_resources, kwargs, "PaginationToken", "PaginationToken"):
        for item in page.get("ResourceTagMappingList", []):
            tags = tag_dict(item.get("Tags"))
            if ours_here(tags, stacks):
                found[item["ResourceARN"]] = user_tags(tags)
    return found


def read_tags(clients: Clients, resource: LiveResource) -> dict[str, str]:
    """Tags of one resource obsgen does not own yet (only needed to adopt it)."""
    return kinds.of(resource.kind).read_tags(clients.in_region(resource.region or clients.region), resource)
