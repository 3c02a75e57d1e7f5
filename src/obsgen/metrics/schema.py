"""The form of the metric catalog's data files, `metrics/data/*.yaml`.

One file per CloudWatch namespace (`<namespace-slug>.yaml`): the metrics AWS documents for it, in
groups that share the page they come from, the dimension sets they are published with, and where
they are published. A group may belong to a *flavour* of the service (API Gateway's REST, HTTP and
WebSocket APIs publish different metrics in the same namespace). A group or a metric may say how
often AWS publishes a data point (`interval: 1d`, `5m`), where its page says so, with a `faster` interval some resources publish at (EC2's detailed monitoring); a metric's
own interval replaces its group's. A metric may say the values its page bounds it to (`range:`, with
the page's words): `CPUUtilization` of EC2 is at most 100, RDS `ReplicaLag` reports -1 when
replication is not active. `resource-types.yaml` maps
obsgen's resource types to a namespace, the dimensions that name a resource, a flavour and regions.

Facts come from AWS's documentation only; every file, and every group or metric taken from another
page, carries the page's address.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl

from ..language.v1.fields import Duration, Name, Region, Strict, Unit

# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html and
# API_Metric.html: dimension names and metric names are 1-255 characters.
DimensionName = Annotated[str, Field(min_length=1, max_length=255)]
MetricName = Annotated[str, Field(min_length=1, max_length=255)]
# AWS namespaces are "AWS/<Service>" (a few, like Glue, have no prefix).
Namespace = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_.#:-]{0,254}$")]
FlavourName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")]

# What AWS's page calls the meaningful statistics of a metric; "percentiles" stands for every
# extended statistic (p99, tm90, ...).
StatisticName = Literal["Sum", "Average", "Minimum", "Maximum", "SampleCount", "percentiles"]
Coverage = Literal["complete", "partial"]
# When AWS publishes no data point at all, rather than a 0 (the page's own words, cited by `source:`):
# "zero": only a nonzero value is reported (ELB's "Reporting criteria: There is a nonzero value");
# "idle": nothing is reported while the resource has no traffic (ELB: "only when requests are flowing
# through the load balancer"; Lambda: sent when an invocation finishes). A lower-bound alarm on such a
# metric sees no data, not a low value, in the case it is for (checks.check_absence).
AbsentWhen = Literal["zero", "idle"]
ABSENT_WHEN_DESCRIPTION = ("Where AWS's page says the metric has no data point, rather than a 0: 'zero' (reported "
                           "only when nonzero) or 'idle' (reported only while there is traffic).")

# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension:
# a metric has at most 30 dimensions.
DimensionSet = Annotated[list[DimensionName], Field(max_length=30)]


class FasterInterval(Strict):
    """A shorter publishing interval that depends on a setting of the resource (EC2's detailed monitoring)."""

    interval: Duration
    when: str = Field(min_length=1, description="The condition, as a clause: \"with detailed monitoring enabled on "
                                               "the instance\".")


class IntervalFacts(Strict):
    """How often AWS publishes a data point of a metric, where its page says so (a group's or a metric's)."""

    interval: Duration | None = Field(
        default=None, description="The time between two data points AWS's page gives (`1d`, `5m`); none: every "
                                  "minute or the page does not say. An alarm period shorter than it misses data.")
    faster: FasterInterval | None = Field(default=None, description="A shorter interval some resources publish at.")
    interval_note: str | None = Field(default=None, min_length=1,
                                      description="AWS's words where they give no exact interval.")
    interval_source: HttpUrl | None = Field(default=None, description="The page that gives the interval, when it is "
                                                                      "not the metric's source.")


class Range(Strict):
    """The values AWS's page of a metric bounds it to; the lower bound of a metric without one comes from its
    unit (metrics/ranges.py: a Count, a size, a time, a rate or a Percent is never below 0), so `min` is
    written only where the page says the metric goes below it (RDS ReplicaLag reports -1)."""

    min: float | None = Field(default=None, description="The least value AWS's page gives the metric; replaces the "
                                                        "unit's lower bound of 0.")
    max: float | None = Field(default=None, description="The greatest value AWS's page gives the metric (100 for a "
                                                        "share of a whole; 1 for a 0-or-1 metric).")
    says: str = Field(min_length=1, description="AWS's words that bound the metric, as its page gives them.")
    source: HttpUrl | None = Field(default=None, description="The page that says so, when it is not the metric's "
                                                             "source.")


class MetricEntry(IntervalFacts):
    unit: Unit | None = Field(default=None, description="The CloudWatch unit AWS gives; none where the page gives none.")
    statistics: list[StatisticName] | None = Field(
        default=None, min_length=1,
        description="Written only where AWS's page restricts the statistics (\"the only useful statistic is Sum\", "
                    "\"Valid statistics: ...\"); the checks warn about any other.")
    statistics_note: str | None = Field(default=None, min_length=1,
                                        description="AWS's advice on statistics where it recommends without restricting.")
    dimensions: list[DimensionSet] | None = Field(default=None, description="Replaces the group's dimension sets.")
    note: str | None = Field(default=None, min_length=1)
    source: HttpUrl | None = Field(default=None, description="Defaults to the group's source.")
    absent_when: AbsentWhen | None = Field(default=None, description=ABSENT_WHEN_DESCRIPTION + " Defaults to the group's.")
    range: Range | None = Field(default=None, description="The values AWS's page bounds the metric to.")


class MetricGroup(IntervalFacts):
    title: str = Field(min_length=1)
    flavour: FlavourName | None = Field(default=None, description="One of the file's flavours; none: every flavour.")
    source: HttpUrl | None = Field(default=None, description="Defaults to the file's source.")
    regions: list[Region] | None = Field(default=None, min_length=1,
                                         description="Published only in these regions; none: the file's regions.")
    dimensions: list[DimensionSet] = Field(min_length=1, description="The dimension sets ([] is: no dimensions).")
    metrics: dict[MetricName, MetricEntry] = Field(min_length=1)
    note: str | None = Field(default=None, min_length=1)
    absent_when: AbsentWhen | None = Field(default=None, description=ABSENT_WHEN_DESCRIPTION + " For every metric of the group.")


class MetricFile(Strict):
    namespace: Namespace
    title: str = Field(min_length=1)
    source: HttpUrl
    coverage: Coverage = Field(description="complete: every metric of the pages used; partial: a documented subset, "
                                           "so an unknown metric is only a warning.")
    coverage_note: str | None = Field(default=None, min_length=1)
    regions: list[Region] | None = Field(default=None, min_length=1,
                                         description="Published only in these regions; none: in every region (regional).")
    flavours: dict[FlavourName, str] = Field(default_factory=dict, description="Flavour -> what it is.")
    groups: list[MetricGroup] = Field(min_length=1)


class ResourceTypeEntry(Strict):
    title: str = Field(min_length=1)
    namespace: Namespace | None = Field(default=None, description="None only for 'custom': the resource gives it.")
    dimension: DimensionName | None = Field(default=None, description="The dimension whose value is the resource's name.")
    required: list[DimensionName] = Field(default_factory=list, description="Other dimensions the resource must give.")
    flavour: FlavourName | None = Field(default=None, description="The namespace's flavour this type publishes.")
    regions: list[Region] | None = Field(default=None, min_length=1,
                                         description="Its metrics are published only in these regions.")
    source: HttpUrl | None = Field(default=None, description="The page that names its namespace and dimensions.")
    note: str | None = Field(default=None, min_length=1)


class ResourceTypesFile(Strict):
    source: HttpUrl
    types: dict[Name, ResourceTypeEntry] = Field(min_length=1)
