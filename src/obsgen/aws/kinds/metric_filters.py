"""CloudWatch Logs metric filters (log monitors) in the sync: desired, live, comparable form and writes.

A metric filter carries no tags (PutMetricFilter has no Tags, and the Resource Groups Tagging API
lists no metric filter resource type), so obsgen owns a filter by its name: every filter it writes
is named `<project>/<env>/<service>/<monitor>` (conventions.metric_filter_name). No project or
environment name holds a '/', so no other environment's prefix starts with this one's; a filter
made by hand under that prefix would be taken for obsgen's (docs/aws-sync.md says so).

A filter's name is unique within its log group only, so its address is `<log group>:<filter name>`
(neither may hold a ':', botocore's logs model): a monitor moved to another log group is a create
in the new group and a delete in the old one.

Reading: DescribeMetricFilters without a log group, 50 a page (its maximum), following nextToken,
keeping the names under the prefix. The API filters by name prefix only within one log group
("CloudWatch Logs uses the value that you set here only if you also include the logGroupName
parameter", filterNamePrefix), and a filter left in a log group the spec no longer names must
still be found to be deleted; so the read costs ceil(F/50) calls for the F metric filters of the
account and region, obsgen's and others'.
Writing: PutMetricFilter creates or replaces a filter whole; DeleteMetricFilter removes one.
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeMetricFilters.html
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteMetricFilter.html
"""

from __future__ import annotations

from typing import Any

from ...conventions import partition, slash_prefix
from ...model import EnvironmentModel
from ...targets.logs import metric_filter_params
from ..paging import pages
from ..resources import Action, Change, Kind, LiveResource, Resource
from ..resources import address as resource_address  # `address` names a filter's <log group>:<name> here
from ..session import Clients
from .base import Call, Reading, SyncedKind

PAGE = 50  # DescribeMetricFilters limit: 1..50
NO_UNIT = "None"  # StandardUnit "None": what a transformation without a unit means


def address_name(log_group: str, filter_name: str) -> str:
    return f"{log_group}:{filter_name}"


def metric_filter_arn(region: str, account: str, log_group: str, filter_name: str) -> str:
    """Metric filters have no ARN of their own; this names the filter within its log group's ARN."""
    return f"arn:{partition(region)}:logs:{region}:{account}:log-group:{log_group}:metric-filter:{filter_name}"


class MetricFilters(SyncedKind):
    kinds = (Kind.METRIC_FILTER,)

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        return [Resource(Kind.METRIC_FILTER, address_name(f.log_group, f.name),
                         metric_filter_arn(model.region, model.account, f.log_group, f.name), metric_filter_params(f))
                for f in model.metric_filters]

    def read(self, reading: Reading) -> list[LiveResource]:
        """Every metric filter of the account and region; obsgen's are those under its name prefix."""
        prefix = slash_prefix(reading.project, reading.env)
        logs = reading.clients.client("logs")
        found = []
        for page in pages(logs.describe_metric_filters, {"limit": PAGE}, "nextToken", "nextToken"):
            for item in page.get("metricFilters", []):
                name, group = item.get("filterName", ""), item.get("logGroupName", "")
                if name.startswith(prefix):
                    address = address_name(group, name)
                    wanted = reading.desired.get(resource_address(Kind.METRIC_FILTER, address, reading.region))
                    arn = wanted.arn if wanted else metric_filter_arn(reading.clients.region, "", group, name)
                    found.append(LiveResource(Kind.METRIC_FILTER, address, arn, item, None, True, region=reading.region))
        return found

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        """The filter's fields, its one transformation flattened into `metric.*` fields (AWS's own defaults
        -- no default value, no dimensions, no unit -- shown as absent)."""
        result: dict[str, Any] = {"logGroupName": params.get("logGroupName"), "filterName": params.get("filterName"),
                                  "filterPattern": params.get("filterPattern", "")}
        transformations = params.get("metricTransformations") or [{}]
        for key, value in sorted(transformations[0].items()):
            if key == "unit" and value == NO_UNIT or value in (None, {}, ""):
                continue
            result[f"metric.{key}"] = float(value) if key == "defaultValue" else value
        if len(transformations) > 1:
            result["metricTransformations"] = transformations  # not obsgen's: shown whole
        if params.get("applyOnTransformedLogs"):
            result["applyOnTransformedLogs"] = True
        return result

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        logs = clients.client("logs")
        for change in step:
            if change.action == Action.DELETE:
                live = change.current().params
                call(logs.delete_metric_filter, logGroupName=live["logGroupName"], filterName=live["filterName"])
            else:
                call(logs.put_metric_filter, **change.wanted().params)
