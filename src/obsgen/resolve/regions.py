"""Regions pass: where each alarm lives, and what every region with alarms needs.

An environment has a home region (`region:` in obsgen.yaml). An alarm lives there unless
- its monitor writes `region:` (checked against botocore's region names, and against where its
  metrics are published: an alarm on a CloudFront metric written for eu-west-1 is an error); or
- its metrics are published only elsewhere (CloudFront, Billing, Route 53 health checks, WAF for
  CloudFront: us-east-1; the catalog's facts, `metrics.checks.published_regions`): then it is placed there.
A composite alarm lives with its children: its rule may only name alarms of its own region, so
children in two regions are an error.

Alarm actions must be SNS topics of the alarm's own region (an SNS action is
`arn:aws:sns:<region>:<account>:<topic>`, API_PutMetricAlarm.html AlarmActions; Route 53's page: a
health check alarm's topic "must be in the US East (N. Virginia) Region",
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-creating-values.html), so every
region with alarms gets the topic of each severity its alarms use, under the same name as at home,
with the same subscriptions (`topics_elsewhere`).
"""

from __future__ import annotations

import dataclasses

from .. import conventions
from ..diagnostics import error
from ..metrics.checks import published_regions
from ..model import CompositeAlarm, MetricAlarm, MetricStat, Origin, Subscription, Topic
from ..regions import closest, known_regions
from .context import Context


def alarm_region(ctx: Context, written: str | None, stats: tuple[MetricStat, ...], origin: Origin) -> str:
    """The region of a metric alarm reading `stats`, whose monitor wrote `written` (or nothing)."""
    return _place(ctx, written, stats, origin, "metric" if len(stats) == 1 else "metrics", "an alarm")


def graph_region(ctx: Context, written: str | None, stats: tuple[MetricStat, ...], origin: Origin) -> str:
    """The region a dashboard graph reads `stats` in: as an alarm's (CloudFront graphs from us-east-1)."""
    return _place(ctx, written, stats, origin, "metrics", "a graph")


def _place(ctx: Context, written: str | None, stats: tuple[MetricStat, ...], origin: Origin, field: str,
           what: str) -> str:
    home = ctx.env.region
    if written is not None and (problem := region_problem(written)):
        ctx.problems.append(error(origin.span("region"), "unknown-region", problem))
        return home
    bound: tuple[str, ...] | None = None
    for stat in stats:
        regions = published_regions(stat.namespace, stat.metric, (name for name, _ in stat.dimensions))
        if regions is None:
            continue
        if bound is not None and not set(bound) & set(regions):
            ctx.problems.append(error(origin.span(field), "metric-region",
                                      f"{stat.namespace} metric '{stat.metric}' is published only in {_listing(regions)}, "
                                      f"the other metrics only in {_listing(bound)}: {what} reads the metrics of one "
                                      "region only"))
            return written or home
        bound = regions if bound is None else tuple(r for r in bound if r in regions)
        where = stat
    if bound is None:
        return written or home
    if written is not None:
        if written not in bound:
            ctx.problems.append(error(origin.span("region"), "metric-region",
                                      f"{where.namespace} metric '{where.metric}' is published only in {_listing(bound)}, "
                                      f"not in {written}: {what} on it there never has data; write region: {bound[0]}, "
                                      f"or leave 'region' out and obsgen places it in {bound[0]}"))
        return written
    if home in bound:
        return home
    if conventions.partition(bound[0]) != conventions.partition(home):
        ctx.problems.append(error(origin.span(field), "metric-region",
                                  f"{where.namespace} metric '{where.metric}' is published only in {_listing(bound)}, "
                                  f"outside the partition of this environment's region {home}: {what} on it can "
                                  "only be made in an environment of that partition"))
        return home
    return bound[0]


def place_composites(ctx: Context, metric_alarms: list[MetricAlarm],
                     composites: list[CompositeAlarm]) -> list[CompositeAlarm]:
    """Each composite in the region of its children (composites of composites too); children in two
    regions are an error at the rule. A composite with no children resolved stays at home."""
    region_of = {a.ref: a.region for a in metric_alarms}
    pending = {c.ref: c for c in composites}
    placed: dict[str, CompositeAlarm] = {}
    while pending:
        ready = [c for c in pending.values() if all(ref in region_of or ref not in pending for ref in c.children)]
        if not ready:  # a cycle (reported by the cloudwatch pass): leave the rest at home
            placed.update(pending)
            break
        for composite in ready:
            del pending[composite.ref]
            regions = sorted({region_of[ref] for ref in composite.children if ref in region_of})
            region = regions[0] if len(regions) == 1 else ctx.env.region
            if len(regions) > 1:
                where = ", ".join(f"{ref} in {region_of[ref]}" for ref in composite.children if ref in region_of)
                ctx.problems.append(error(composite.origin.span("rule"), "composite-region",
                                          f"composite rule combines alarms of different regions ({where}): a "
                                          "composite alarm can only name alarms of its own region"))
            region_of[composite.ref] = region
            placed[composite.ref] = dataclasses.replace(composite, region=region) if region != composite.region \
                else composite
    return [placed[c.ref] for c in composites]


def check_actions(ctx: Context, alarms: list[MetricAlarm | CompositeAlarm]) -> None:
    """A severity's extra `actions:` are written as they are: one that names another region than
    the alarm's (an SNS topic or a Lambda function at home, for a CloudFront alarm in us-east-1)
    would never run. One error per severity and region, at the action."""
    reported: set[tuple[str, str]] = set()
    for alarm in alarms:
        for index, action in enumerate(alarm.severity.extra_actions):
            region = _arn_region(action)
            if region and region != alarm.region and (alarm.severity.name, alarm.region) not in reported:
                reported.add((alarm.severity.name, alarm.region))
                ctx.fail(ctx.pdoc, ("severities", alarm.severity.name, "actions", index), "action-region",
                         f"action {action} is in {region}, but {alarm.ref} (severity {alarm.severity.name}) lives in "
                         f"{alarm.region}: CloudWatch runs only actions of the alarm's own region")


def topics_elsewhere(ctx: Context, alarms: list[MetricAlarm | CompositeAlarm], topics: tuple[Topic, ...],
                     subscriptions: tuple[Subscription, ...]) -> tuple[tuple[Topic, ...], tuple[Subscription, ...]]:
    """The topics (and their subscriptions) of the severities used by alarms outside the home region,
    in each such region, named as at home: topic `T` of severity S is `arn:...:<region>:<account>:T`."""
    home = ctx.env.region
    by_arn = {t.arn: t for t in topics}
    wanted = sorted({(a.region, a.severity.topic_arn) for a in alarms if a.region != home})
    new_topics: list[Topic] = []
    new_subscriptions: list[Subscription] = []
    for region, home_arn in wanted:
        topic = by_arn.get(home_arn)
        if topic is None:
            continue
        arn = conventions.arn_in_region(home_arn, region)
        new_topics.append(dataclasses.replace(topic, arn=arn, region=region))
        new_subscriptions += [dataclasses.replace(s, topic_arn=arn, region=region)
                              for s in subscriptions if s.topic_arn == home_arn]
    return (*topics, *new_topics), (*subscriptions, *new_subscriptions)


def synced(ctx: Context, alarms: list[MetricAlarm | CompositeAlarm]) -> tuple[str, ...]:
    """The regions besides home the environment syncs: where alarms are placed, and its `regions:`."""
    for index, name in enumerate(ctx.env.regions):
        if problem := region_problem(name):
            ctx.fail(ctx.pdoc, ctx.env_loc + ("regions", index), "unknown-region", problem)
    return tuple(sorted(({a.region for a in alarms} | set(ctx.env.regions)) - {ctx.env.region}))


def region_problem(name: str) -> str:
    """"" when `name` is a region botocore knows (regions.py), else a message with the closest one.
    The spec's Region fields check this too once #14's check is in (language/v1/fields.py); this
    one covers the regions a pass reads before that."""
    if name in known_regions():
        return ""
    near = closest(name)
    return f"'{name}' is not an AWS region botocore knows" + (f" (did you mean '{near}'?)" if near else "")


def _arn_region(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[3] if len(parts) == 6 and parts[0] == "arn" else ""


def _listing(regions: tuple[str, ...]) -> str:
    return ", ".join(regions)
