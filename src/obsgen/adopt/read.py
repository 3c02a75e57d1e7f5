"""What `obsgen import` reads: the alarms of a selection, the topics they notify with their
subscriptions, and the tags of all of them -- with the readers `plan` uses, never a write.

Calls, for N alarms notifying T topics (docs/performance.md has the figures):
  GetResources ×⌈tagged/100⌉     the tags of every alarm and topic (one scan, as `plan`'s ownership scan;
                                 with --tag only the resources carrying it)
  DescribeAlarms ×⌈N/100⌉       aws/kinds/alarms.describe_alarms, by prefix, by names (100 a call) or all
  GetTopicAttributes ×T, ListSubscriptionsByTopic ×T   aws/kinds/topics and subscriptions, as `plan` reads them
  ListDashboards ×⌈D/1000⌉, GetDashboard ×D   the dashboards, declared in the spec (--no-dashboards: names only)
https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..aws.kinds.alarms import PAGE, describe_alarms
from ..aws.kinds import SUBSCRIPTIONS, TOPICS
from ..aws.kinds.base import Reading
from ..aws.paging import chunks, pages
from ..aws.resources import Kind, LiveResource, LiveState, tag_dict
from ..aws.session import Clients
from ..progress import Progress, counted, silent

TAG_TYPES = ["cloudwatch:alarm", "sns:topic"]  # GetResources ResourceTypeFilters
TAG_PAGE = 100  # GetResources ResourcesPerPage: at most 100


@dataclass(frozen=True, slots=True)
class Selection:
    """Which alarms to import: by name prefix, by one tag, by names, or (all empty) every alarm."""

    prefix: str | None = None
    tag: tuple[str, str] | None = None
    names: tuple[str, ...] = ()
    dashboards: bool = True  # read every dashboard's body (one GetDashboard each) to declare it


@dataclass(slots=True)
class Account:
    """What one account and region holds for the selection, as AWS describes it."""

    alarms: list[LiveResource]
    topics: dict[str, LiveResource]  # by ARN
    subscriptions: list[LiveResource]
    tags: dict[str, dict[str, str]]  # ARN -> tags, for alarms and topics that have any
    dashboards: dict[str, str] = field(default_factory=dict)  # name -> DashboardBody ("" when not read)


READ_PARTS = 5  # the tags, the alarms, the topics, the subscriptions, the dashboards' names


def read_account(clients: Clients, selection: Selection, progress: Progress = silent) -> Account:
    """Reports "reading the account" after each of its READ_PARTS (how many calls each takes is known
    only once it is read), then "reading dashboards", one GetDashboard each."""
    def part_read(done: int) -> None:
        progress("reading the account", done, READ_PARTS)

    tags = _tags(clients, selection.tag)
    part_read(1)
    alarms = _alarms(clients, selection, tags)
    part_read(2)
    topic_arns = sorted({a for alarm in alarms for a in _actions(alarm) if ":sns:" in a})
    state = LiveState()
    reading = Reading(clients, "", "", {}, {arn: tags.get(arn, {}) for arn in topic_arns}, state)
    for topic in TOPICS.read(reading):
        state.add(topic)
    part_read(3)
    subscriptions = SUBSCRIPTIONS.read(reading)
    part_read(4)
    names = sorted(entry["DashboardName"] for page in pages(clients.cloudwatch.list_dashboards, {})
                   for entry in page.get("DashboardEntries", []))
    part_read(5)
    dashboards = {name: "" for name in names}
    if selection.dashboards:
        for name in counted(names, "reading dashboards", progress):
            dashboards[name] = clients.cloudwatch.get_dashboard(DashboardName=name).get("DashboardBody", "")
    return Account(alarms, {t.arn: t for t in state.of(Kind.TOPIC)}, subscriptions, tags, dashboards)


def _tags(clients: Clients, tag: tuple[str, str] | None) -> dict[str, dict[str, str]]:
    kwargs: dict[str, object] = {"ResourceTypeFilters": TAG_TYPES, "ResourcesPerPage": TAG_PAGE}
    if tag is not None:
        kwargs["TagFilters"] = [{"Key": tag[0], "Values": [tag[1]]}]
    found: dict[str, dict[str, str]] = {}
    for page in pages(clients.tagging.get_resources, kwargs, "PaginationToken", "PaginationToken"):
        for item in page.get("ResourceTagMappingList", []):
            found[item["ResourceARN"]] = tag_dict(item.get("Tags"))
    return found


def _alarms(clients: Clients, selection: Selection, tags: dict[str, dict[str, str]]) -> list[LiveResource]:
    if selection.tag is not None:  # the tag scan found them: read those by name
        names = sorted({arn.split(":alarm:", 1)[1] for arn in tags if ":alarm:" in arn})
        return [a for batch in chunks(names, PAGE) for a in describe_alarms(clients, tags, AlarmNames=batch)]
    if selection.names:
        return [a for batch in chunks(sorted(set(selection.names)), PAGE)
                for a in describe_alarms(clients, tags, AlarmNames=batch)]
    if selection.prefix:
        return describe_alarms(clients, tags, AlarmNamePrefix=selection.prefix)
    return describe_alarms(clients, tags)


def _actions(alarm: LiveResource) -> list[str]:
    p = alarm.params
    return [*p.get("AlarmActions", []), *p.get("OKActions", []), *p.get("InsufficientDataActions", [])]
