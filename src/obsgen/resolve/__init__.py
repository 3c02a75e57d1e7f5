"""Spec -> the resolved model of one environment, as passes over one `Context` in order: the
environment's references, routing (severities, topics, subscriptions), CloudWatch alarms, Prometheus
rules and Alertmanager, then dashboards (which draw the alarms and alerts already resolved).

Public face: `resolve(spec, env)` and `check_shared_names(spec, models)`.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, error, shown
from ..language.load import SpecSet
from ..model import Alarm, EnvironmentModel, ServiceInfo, StackSetDefinition
from . import budgets, cloudwatch, dashboards, events, logs, maintenance, prometheus, regions, routing, slos
from .context import Context

__all__ = ["Context", "check_shared_names", "resolve"]


def resolve(spec: SpecSet, env: str) -> tuple[EnvironmentModel | None, list[Diagnostic]]:
    """The environment's model and its problems. With problems the model still comes back, holding
    what resolved (a monitor with an unknown severity is left out), so the targets' own checks can run
    on the rest; it must never be written or deployed."""
    ctx = Context(spec, env)
    ctx.check_env_references()
    ctx.severities = routing.severities(ctx)
    topics, subscriptions = routing.topics(ctx), routing.subscriptions(ctx)
    slo_alarms, slo_composites, cloudwatch_slos = slos.cloudwatch(ctx)
    metric_alarms, composites = cloudwatch.alarms(ctx, (slo_alarms, slo_composites))
    topics, subscriptions = regions.topics_elsewhere(ctx, [*metric_alarms, *composites], topics, subscriptions)
    log_alarms = sorted(ctx.log_alarms, key=lambda a: a.name)
    every_alarm: list[Alarm] = [*metric_alarms, *composites, *log_alarms]
    services = sorted(spec.services, key=lambda s: s.spec.service)
    model = EnvironmentModel(
        project=ctx.project.project, env=ctx.env_name, account=ctx.env.account, region=ctx.env.region,
        endpoint=ctx.env.endpoint, severities=tuple(ctx.severities.values()), topics=topics,
        subscriptions=subscriptions, metric_alarms=tuple(sorted(metric_alarms, key=lambda a: a.name)),
        composite_alarms=tuple(sorted(composites, key=lambda a: a.name)),
        services=tuple(ServiceInfo(s.spec.service, s.spec.owner, s.spec.description, s.doc.path) for s in services),
        regions=regions.synced(ctx, [*metric_alarms, *composites]), role_arn=ctx.role_arn(),
        deploy=ctx.env.deploy,
        stacksets=stacksets(ctx),
        **prometheus.resolve(ctx, cloudwatch_slos),
        log_alarms=tuple(log_alarms), metric_filters=tuple(sorted(ctx.metric_filters, key=lambda f: f.name)),
        saved_queries=logs.saved_queries(ctx), event_routes=events.event_routes(ctx), budgets=budgets.budgets(ctx),
        mute_rules=maintenance.mute_rules(ctx, every_alarm),
    )
    resolved = dashboards.add_dashboards(ctx, model)
    return resolved, ctx.problems


# --- StackSets (project `stacksets:`) --------------------------------------------------------------


def stacksets(ctx: Context) -> tuple[StackSetDefinition, ...]:
    """The StackSets built from this environment; one that names no environment of the project is reported
    once, while resolving the first environment."""
    project, doc = ctx.project, ctx.spec.project_doc
    found = []
    for name, definition in sorted(project.stacksets.items()):
        where = doc.span(("stacksets", name, "environment"))
        if definition.environment not in project.environments:
            if ctx.env_name == next(iter(project.environments)):
                ctx.problems.append(error(where, "unknown-environment", f"StackSet '{name}' names environment "
                                          f"'{shown(definition.environment)}', which obsgen.yaml does not define"))
            continue
        if definition.environment != ctx.env_name:
            continue
        if ctx.env.deploy != "cloudformation":
            ctx.problems.append(error(where, "stackset-environment", f"StackSet '{name}' is built from environment "
                                      f"'{ctx.env_name}', which is deployed through the API: give it "
                                      "deploy: cloudformation, whose template the StackSet rolls out"))
            continue
        targets = definition.targets
        found.append(StackSetDefinition(name, definition.permission_model, tuple(targets.accounts),
                                        tuple(targets.organizational_units), tuple(definition.regions),
                                        definition.auto_deployment, definition.failure_tolerance,
                                        definition.max_concurrency, doc.span(("stacksets", name), at_key=True)))
    return tuple(found)


# --- environments that share an AWS account and region ---------------------------------------------


def check_shared_names(spec: SpecSet, models: dict[str, EnvironmentModel]) -> list[Diagnostic]:
    """Alarm and topic names are unique per account and region, and obsgen owns a resource only with its own
    environment's tags: two environments of one account that would create a resource of the same name in
    one region (a naming template without ${env}) each find the other's as "not managed by obsgen" at
    apply. Each compiled environment is compared with every other one of its account that shares its home
    region, or any region when it places alarms elsewhere (a CloudFront alarm of each in us-east-1) --
    resolved here when it was not compiled, so `plan --env X` sees it too; one error per pair, at the later
    environment's key."""
    environments = spec.project.environments
    order = list(environments)
    problems = []
    for env, model in models.items():
        for other in order:
            if other == env or (other in models and order.index(other) < order.index(env)):
                continue  # a pair of compiled environments is compared once, from its first one
            if environments[other].account != model.account:
                continue
            if environments[other].region != model.region and not model.regions and other not in models:
                continue  # it could share a region only by placing alarms in ours: found from its side
            other_model, other_problems = (models[other], []) if other in models else resolve(spec, other)
            if other_model is not None and not other_problems:
                problems += _shared_names(spec, model, other_model)
    return problems


def _names_by_region(model: EnvironmentModel) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(region, alarm name) and (region, topic name) of everything the environment creates."""
    return ({(a.region, a.name) for a in model.alarms()},
            {(t.region, t.name) for t in model.topics})


def _shared_names(spec: SpecSet, first: EnvironmentModel, second: EnvironmentModel) -> list[Diagnostic]:
    order = list(spec.project.environments)
    if order.index(first.env) > order.index(second.env):
        first, second = second, first
    (first_alarms, first_topics), (second_alarms, second_topics) = _names_by_region(first), _names_by_region(second)
    alarms = sorted(first_alarms & second_alarms)
    topics = sorted(first_topics & second_topics)
    if not alarms and not topics:
        return []
    region = (alarms or topics)[0][0]
    shared = " and ".join(f"{kind} '{shown(names[0][1])}'" + (f" (and {len(names) - 1} more)" if len(names) > 1 else "")
                          for kind, names in (("alarm", alarms), ("topic", topics)) if names)
    fix = " and ".join(where for where, names in (("naming.alarm", alarms), ("severities.<name>.topic", topics)) if names)
    return [error(spec.project_doc.span(spec.env_loc(second.env), at_key=True), "shared-aws-name",
                  f"environments '{first.env}' and '{second.env}' share account {first.account} and region "
                  f"{region}, and both would create {shared}: AWS names are unique per account and region, so "
                  f"each apply would find the other's as not managed by obsgen; put ${{env}} in {fix}, or give one "
                  "of them another account or region")]
