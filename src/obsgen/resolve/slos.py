"""SLO pass: each service's `slos:` checked, then lowered into what the other passes already make --
CloudWatch metric-math alarms and composites for a CloudWatch SLI, recording rules and alerts in
Sloth's shape for a Prometheus one (docs/slos.md). Lowered into the ordinary model, an SLO is
rendered, synced, drift-checked and evaluated like any alarm or rule, with no branch downstream.

CloudWatch, per alert condition (a `Burn`), two metric-math alarms without actions: the error ratio
over the long window and over the short one, each read as ONE datapoint whose period is the window
(EvaluationPeriods 1; CloudWatch slides an alarm's window every minute, so it is a rolling ratio);
per tier one composite, `(long AND short) OR (long AND short)`, with the severity's actions; the
ticket composite's actions are suppressed while the page composite is in ALARM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import composite_rule, conventions
from ..diagnostics import error, shown
from ..language.errors import did_you_mean
from ..language.load import ServiceEntry
from ..language.v1.slos import CloudWatchSli, PromSli, Slo, Tier
from ..model import (CompositeAlarm, MetricAlarm, MetricStat, Origin, PrometheusAlert, PromTest, RecordingRule,
                     ServiceLevelObjective, SloBurn)
from ..slo_policy import DAY, DEFAULT_BURNS, SHORT_WINDOW_DIVISOR, TIER_NAMES, Burn
from ..targets.cloudwatch_limits import MAX_EVALUATION_SECONDS
from ..values import Threshold, format_duration
from . import regions, slo_tests
from .cloudwatch import metric_stat
from .context import Context
from .slo_tests import Series

# PutCompositeAlarm: "ActionsSuppressorWaitPeriod: the maximum time in seconds that the composite alarm waits for
# the suppressor alarm to go into the ALARM state"; "ActionsSuppressorExtensionPeriod: ... waits after the
# suppressor alarm goes out of the ALARM state" (APIReference/API_PutCompositeAlarm.html). The page tier's
# fastest condition needs its short window (5 minutes by default) to fire: the ticket waits that long for it.
SUPPRESSOR_WAIT = 300
PROMETHEUS_BASE_WINDOW = 300  # Sloth always records the 5m ratio: the current burn rate and the period's are read from it


@dataclass(frozen=True, slots=True)
class _Checked:
    objective: float  # a fraction
    burns: tuple[SloBurn, ...]


# --- the environment's disabled: and overrides: ---------------------------------------------------


def for_env(ctx: Context, entry: ServiceEntry, name: str, slo: Slo) -> Slo | None:
    """The SLO as this environment has it: None when `disabled:` names it (`service/slo-<name>`), without a tier
    `disabled:` names (`service/slo-<name>-page`), with the objective of `overrides:` (its other keys are
    errors there)."""
    service = entry.spec.service
    ref = conventions.slo_ref(service, name)

    def disabled(name_: str) -> bool:  # a monitor called `slo-x` keeps its own name
        return name_ in ctx.env.disabled and name_ not in ctx.monitors

    if disabled(ref):
        return None
    off = {tier: None for tier in TIER_NAMES if disabled(conventions.slo_ref(service, name, tier))}
    override = ctx.env.overrides.get(ref) if ref not in ctx.monitors else None
    if override is None:
        return slo.model_copy(update=off) if off else slo
    where = ctx.setting_loc("overrides", ref)
    for field in sorted(override.model_fields_set - {"objective"}):
        key = type(override).model_fields[field].alias or field  # `for`, written; `for_` in the model
        ctx.fail(ctx.pdoc, where + (key,), "bad-override", f"'{key}' does not apply to an SLO; override its "
                 f"'objective', or disable it or one of its tiers ('{ref}-page') with disabled:", at_key=True)
    objective = override.objective
    if objective is not None and not 0 < objective < 100:
        ctx.fail(ctx.pdoc, where + ("objective",), "slo-objective", f"objective {objective:g}% is not between 0% and "
                 "100% (both excluded): it is the share of valid events that must be good, e.g. 99.5%")
        return None
    changed = slo.model_copy(update={**off, **({"objective": objective} if objective is not None else {})})
    if objective is not None and (hopeless := _hopeless_burn(changed)) is not None:
        tier, burn = hopeless
        ctx.fail(ctx.pdoc, where + ("objective",), "slo-policy",
                 f"objective {objective:g}% leaves a {round(100 - objective, 9):g}% budget, on which the {tier} tier's "
                 f"burn rate {burn.factor(slo.window):g} ({format_duration(burn.long)}) needs an error ratio above 100% "
                 f"here: it could never fire; keep a higher objective in {ctx.env_name}, or give the tier smaller "
                 "budget shares (burns:)")
        return None
    return changed


def _hopeless_burn(slo: Slo) -> tuple[str, Burn] | None:
    """A condition of the SLO whose threshold is an error ratio of 1 or more (the first), when its window is
    valid (check() reports the rest)."""
    if not slo.window or slo.window % DAY:
        return None
    for tier_name in TIER_NAMES:
        tier: Tier | None = getattr(slo, tier_name)
        if tier is None or not tier.enabled:
            continue
        burns = [Burn(b.budget / 100, b.window) for b in tier.burns] if tier.burns is not None else DEFAULT_BURNS[tier_name]
        for burn in burns:
            if burn.long and burn.long < slo.window and burn.threshold(slo.window, slo.objective / 100) >= 1:
                return tier_name, burn
    return None


# --- checks --------------------------------------------------------------------------------------


def check(ctx: Context, entry: ServiceEntry, name: str, slo: Slo) -> _Checked | None:
    """The SLO's objective and burns, or None after reporting what is wrong with it."""
    problems = len(ctx.problems)
    loc = ("slos", name)
    doc = entry.slo_doc(name)
    if not 0 < slo.objective < 100:
        ctx.fail(doc, loc + ("objective",), "slo-objective",
                 f"objective {slo.objective:g}% is not between 0% and 100% (both excluded): it is the share of "
                 "valid events that must be good, e.g. 99.9%")
    if slo.window % DAY or slo.window == 0:
        ctx.fail(doc, loc + ("window",), "slo-window",
                 f"SLO window {format_duration(slo.window)} is not a whole number of days (write e.g. 30d, 28d or 7d)")
    _check_sli(ctx, entry, loc, slo)
    burns = [b for tier in TIER_NAMES for b in _tier_burns(ctx, entry, loc, slo, tier)]
    if len(ctx.problems) > problems:
        return None
    return _Checked(slo.objective / 100, tuple(burns))


def _check_sli(ctx: Context, entry: ServiceEntry, loc: tuple[str, ...], slo: Slo) -> None:
    sli = slo.sli
    where = loc + ("sli",)
    name = str(loc[1])  # ("slos", name)
    if isinstance(sli, CloudWatchSli):
        given = [k for k in ("bad", "good", "latency") if getattr(sli, k) is not None]
        if len(given) != 1:
            what = "none" if not given else " and ".join(given)
            ctx.fail(entry.slo_doc(name), where, "slo-sli", f"an SLI counts bad events one way: give one of bad, good or latency "
                     f"(with valid for bad and good), not {what}", at_key=True)
        elif given[0] != "latency" and sli.valid is None:
            ctx.fail(entry.slo_doc(name), where, "slo-sli", f"an SLI with '{given[0]}' events needs 'valid', the events that "
                     "count (e.g. every request): without them there is no ratio", at_key=True)
        elif given[0] == "latency" and sli.valid is not None:
            ctx.fail(entry.slo_doc(name), where + ("valid",), "slo-sli", "a latency SLI's valid events are its metric's "
                     "SampleCount: remove 'valid'", at_key=True)
        return
    if sli.histogram is not None:
        if sli.errors is not None or sli.total is not None:
            ctx.fail(entry.slo_doc(name), where + ("histogram",), "slo-sli",
                     "give either 'histogram' or 'errors' with 'total', not both", at_key=True)
        return
    if sli.total is None:
        ctx.fail(entry.slo_doc(name), where, "slo-sli", "an SLI with 'errors' needs 'total', the valid events (e.g. "
                 "sum(rate(http_requests_total[${window}]))): without them there is no ratio", at_key=True)
    elif sli.errors is None:
        ctx.fail(entry.slo_doc(name), where, "slo-sli", "an SLI with 'total' needs 'errors', the bad events", at_key=True)
    for key in ("errors", "total"):
        query = getattr(sli, key)
        if query is not None and "${window}" not in query:
            ctx.fail(entry.slo_doc(name), where + (key,), "slo-sli", f"'{key}' must read its range as [${{window}}]: each "
                     "burn-rate window fills it in (5m, 1h, ...)")


def _tier_burns(ctx: Context, entry: ServiceEntry, loc: tuple[str, ...], slo: Slo, tier_name: str) -> list[SloBurn]:
    tier: Tier | None = getattr(slo, tier_name)
    name = str(loc[1])  # ("slos", name)
    if tier is None or not tier.enabled:
        return []
    where = loc + (tier_name,)
    severity = ctx.severities.get(tier.severity)
    if severity is None and tier.severity not in ctx.spec.broken.severities:
        ctx.fail(entry.slo_doc(name), where + ("severity",), "unknown-severity", f"unknown severity '{shown(tier.severity)}'"
                 f"{did_you_mean(tier.severity, list(ctx.severities))}")
    burns = ([Burn(b.budget / 100, b.window) for b in tier.burns] if tier.burns is not None
             else list(DEFAULT_BURNS[tier_name]))
    out = []
    for index, burn in enumerate(burns):
        spot: tuple[str | int, ...] = where + (("burns", index) if tier.burns is not None else ())
        if _check_burn(ctx, entry, spot, slo, burn, written=tier.burns is not None) and severity is not None:
            objective = slo.objective / 100
            out.append(SloBurn(tier_name, severity, burn.budget, burn.long, burn.short, burn.factor(slo.window),
                               burn.threshold(slo.window, objective)))
    return out


def _check_burn(ctx: Context, entry: ServiceEntry, spot: tuple[str | int, ...], slo: Slo, burn: Burn,
                written: bool) -> bool:
    doc, problems = entry.slo_doc(str(spot[1])), len(ctx.problems)  # spot: ("slos", name, tier, "burns", i)
    window = format_duration(burn.long)
    if written and not 0 < burn.budget <= 1:
        ctx.fail(doc, spot + ("budget",), "slo-policy", f"budget {burn.budget * 100:g}% is not a share of the error "
                 "budget: give more than 0% and at most 100%")
    at = spot + ("window",) if written else spot
    if burn.long % (SHORT_WINDOW_DIVISOR * 60):
        ctx.fail(doc, at, "slo-policy", f"window {window} has no whole-minute short window (1/{SHORT_WINDOW_DIVISOR} "
                 f"of it): give a multiple of {SHORT_WINDOW_DIVISOR} minutes, e.g. 1h", at_key=not written)
    elif slo.window and burn.long >= slo.window:
        ctx.fail(doc, at, "slo-policy", f"window {window} is not shorter than the SLO window "
                 f"{format_duration(slo.window)}", at_key=not written)
    elif isinstance(slo.sli, CloudWatchSli) and burn.long > MAX_EVALUATION_SECONDS:
        # PutMetricAlarm: Period x EvaluationPeriods <= 604,800 s (targets/cloudwatch_limits.py); the window is one period.
        ctx.fail(doc, at, "slo-window", f"window {window} cannot be expressed in CloudWatch: an alarm evaluates at most "
                 f"{format_duration(MAX_EVALUATION_SECONDS)} (PutMetricAlarm's Period x EvaluationPeriods)",
                 at_key=not written)
    if len(ctx.problems) == problems and 0 < slo.objective < 100 and slo.window and \
            burn.threshold(slo.window, slo.objective / 100) >= 1:
        ctx.fail(doc, at if written else spot, "slo-policy",
                 f"burn rate {burn.factor(slo.window):g} on a {round(100 - slo.objective, 9):g}% budget needs an error "
                 "ratio above 100%: the alert could never fire; raise the objective or give the tier smaller budget "
                 "shares (burns:)",
                 at_key=not written)
    return len(ctx.problems) == problems


def _describe(burn: SloBurn, window: int) -> str:
    """One condition in words and numbers: "2% of the 30d budget in 1h (burn rate 14.4: the whole budget in 2d2h)"."""
    gone = format_duration(int(round(window / burn.factor / 60)) * 60)
    return (f"{burn.budget * 100:g}% of the {format_duration(window)} budget in {format_duration(burn.long)} "
            f"(burn rate {burn.factor:g}: at this rate the whole budget is gone in {gone})")


# --- CloudWatch ----------------------------------------------------------------------------------


def cloudwatch(ctx: Context) -> tuple[list[MetricAlarm], list[CompositeAlarm], list[ServiceLevelObjective]]:
    """The window alarms and tier composites of every CloudWatch SLO; Prometheus SLOs are resolved with their
    service's rule group (`prometheus`)."""
    alarms: list[MetricAlarm] = []
    composites: list[CompositeAlarm] = []
    slos: list[ServiceLevelObjective] = []
    for entry in sorted(ctx.spec.services, key=lambda s: s.spec.service):
        for name, written in entry.spec.slos.items():
            slo = for_env(ctx, entry, name, written) if isinstance(written.sli, CloudWatchSli) else None
            if slo is None:
                continue
            checked = check(ctx, entry, name, slo)
            if checked is None:
                continue
            made = _cloudwatch_slo(ctx, entry, name, slo, checked)
            if made is not None:
                alarms += made[0]
                composites += made[1]
                slos.append(made[2])
    return alarms, composites, slos


def window_monitor(slo: str, tier: str, window: int) -> str:
    """The monitor name of one window alarm: `slo-<name>-<tier>-<window>` (a 6h window is the page's long window
    and the ticket's short one, with other thresholds: the tier keeps them apart)."""
    return f"slo-{slo}-{tier}-{format_duration(window)}"


def tier_monitor(slo: str, tier: str) -> str:
    return f"slo-{slo}-{tier}"


def _cloudwatch_slo(ctx: Context, entry: ServiceEntry, name: str, slo: Slo, checked: _Checked
                    ) -> tuple[list[MetricAlarm], list[CompositeAlarm], ServiceLevelObjective] | None:
    service = entry.spec.service
    origin = Origin(entry.slo_doc(name), ("slos", name))
    problems = len(ctx.problems)
    alarms: list[MetricAlarm] = []
    composites: list[CompositeAlarm] = []
    for tier in TIER_NAMES:
        burns = [b for b in checked.burns if b.tier == tier]
        if not burns:
            continue
        for burn in burns:
            for window in (burn.long, burn.short):
                alarms.append(_window_alarm(ctx, entry, name, slo, burn, window, origin))
        composites.append(_tier_composite(ctx, entry, name, slo, tier, burns, origin, composites))
    if len(ctx.problems) > problems:
        return None
    sli = _cloudwatch_sli_words(slo.sli)  # type: ignore[arg-type]  # checked: a CloudWatchSli
    model = ServiceLevelObjective(service, name, slo.summary or f"{name} of {service}", checked.objective, slo.window,
                                  "cloudwatch", checked.burns, origin, tuple(c.name for c in composites), sli)
    return alarms, composites, model


def _alarm_name(ctx: Context, service: str, monitor: str) -> str:
    return ctx.expand(ctx.project.naming.alarm, ctx.pdoc, ("naming", "alarm"), service=service, monitor=monitor)


def _tags(ctx: Context, entry: ServiceEntry, monitor: str) -> tuple[tuple[str, str], ...]:
    service = entry.spec.service
    tags = {**{k: ctx.expand(v, ctx.pdoc, ("tags", k), service=service, monitor=monitor)
               for k, v in ctx.project.tags.items()},
            **{k: ctx.expand(v, entry.doc, ("tags", k), service=service, monitor=monitor) for k, v in entry.spec.tags.items()},
            **conventions.ownership_tags(ctx.project.project, ctx.env_name, service=service, monitor=monitor)}
    return tuple(sorted(tags.items()))


def _queries(ctx: Context, entry: ServiceEntry, sli: CloudWatchSli, window: int,
             origin: Origin) -> tuple[str, tuple[tuple[str, MetricStat], ...]]:
    """The error-ratio expression over one window and the metrics it reads, each one datapoint of `window` seconds.
    IF(valid > 0, ..., 0) is the zero-traffic guard: no valid events, no errors (and no division by zero);
    FILL(bad, 0): a count CloudWatch does not publish while nothing fails is no failure."""
    def stat(key: str, source: object, statistic: str | None = None) -> MetricStat:
        made = metric_stat(ctx, entry, source, window, origin, ("sli", key))  # type: ignore[arg-type]
        return made if statistic is None else MetricStat(made.namespace, made.metric, made.dimensions, statistic,
                                                         made.period, made.unit)
    if sli.latency is not None:
        # PR(:X): "the percentage of data points that are <= X" (Statistics-definitions.html, percentile rank).
        fast = stat("latency", sli.latency, f"PR(:{sli.latency.slower_than:g})")
        count = stat("latency", sli.latency, "SampleCount")
        return "IF(requests > 0, 1 - fast / 100, 0)", (("fast", fast), ("requests", count))
    valid = stat("valid", sli.valid)
    if sli.bad is not None:
        return "IF(valid > 0, FILL(bad, 0) / valid, 0)", (("bad", stat("bad", sli.bad)), ("valid", valid))
    return "IF(valid > 0, 1 - FILL(good, 0) / valid, 0)", (("good", stat("good", sli.good)), ("valid", valid))


def _window_alarm(ctx: Context, entry: ServiceEntry, name: str, slo: Slo, burn: SloBurn, window: int,
                  origin: Origin) -> MetricAlarm:
    service = entry.spec.service
    monitor = window_monitor(name, burn.tier, window)
    expression, queries = _queries(ctx, entry, slo.sli, window, origin)  # type: ignore[arg-type]
    region = regions.alarm_region(ctx, None, tuple(s for _, s in queries), origin)
    summary = (f"SLO {name}: the error ratio over {format_duration(window)} is above {burn.threshold:g} "
               f"({burn.factor:g} x the {100 * (1 - slo.objective / 100):g}% budget)")
    return MetricAlarm(
        service=service, monitor=monitor, name=_alarm_name(ctx, service, monitor), summary=summary,
        description=f"One window of the {burn.tier} tier: {_describe(burn, slo.window)}; only the tier's composite "
                    "alarm notifies.",
        severity=burn.severity, runbook=slo.runbook, runbook_url=ctx.runbook_url(service, tier_monitor(name, burn.tier)),
        actions_enabled=True, tags=_tags(ctx, entry, monitor), origin=origin, region=region,
        threshold=Threshold(">", burn.threshold), period=window, evaluation_periods=1, datapoints_to_alarm=None,
        missing_data="notBreaching", expression=expression, queries=queries, silent=True)


def _tier_composite(ctx: Context, entry: ServiceEntry, name: str, slo: Slo, tier: str, burns: list[SloBurn],
                    origin: Origin, faster: list[CompositeAlarm]) -> CompositeAlarm:
    service = entry.spec.service
    monitor = tier_monitor(name, tier)
    text = " or ".join(f"({window_monitor(name, tier, b.long)} and {window_monitor(name, tier, b.short)})"
                       for b in burns)
    rule = composite_rule.parse(text)
    children = tuple(f"{service}/{r.target}" for r in composite_rule.refs(rule))
    verbatim: tuple[tuple[str, object], ...] = ()
    if faster:  # the ticket tier, while the page tier fires: one incident, one notification
        extension = max(b.short for b in burns)  # the tier's short windows still see the burn that long after it
        verbatim = (("ActionsSuppressor", faster[0].name), ("ActionsSuppressorExtensionPeriod", extension),
                    ("ActionsSuppressorWaitPeriod", SUPPRESSOR_WAIT))
    conditions = "; or ".join(_describe(b, slo.window) for b in burns)
    summary = f"SLO {name} of {service} ({slo.objective:g}% over {format_duration(slo.window)}): the error budget burns too fast"
    return CompositeAlarm(
        service=service, monitor=monitor, name=_alarm_name(ctx, service, monitor), summary=summary,
        description=f"{tier.capitalize()} tier: {conditions}, over the long window and its short window (1/12) alike.",
        severity=burns[0].severity, runbook=slo.runbook, runbook_url=ctx.runbook_url(service, monitor),
        actions_enabled=True, tags=_tags(ctx, entry, monitor), origin=origin, region=ctx.env.region,
        rule=rule, children=children, verbatim=verbatim)


def _cloudwatch_sli_words(sli: CloudWatchSli) -> str:
    if sli.latency is not None:
        return f"requests of {sli.latency.metric} slower than {sli.latency.slower_than:g} / all of them"
    if sli.bad is not None and sli.valid is not None:
        return f"{sli.bad.metric} / {sli.valid.metric}"
    return f"1 - {sli.good.metric if sli.good else ''} / {sli.valid.metric if sli.valid else ''}"


# --- Prometheus (Sloth's rules: https://github.com/slok/sloth, its test/integration/prometheus/testdata) ---


@dataclass(frozen=True, slots=True)
class PromSlo:
    """A Prometheus SLO's rules, appended to its service's rule group."""

    records: tuple[RecordingRule, ...]
    alerts: tuple[PrometheusAlert, ...]
    tests: tuple[PromTest, ...]
    slo: ServiceLevelObjective


def prometheus(ctx: Context, entry: ServiceEntry) -> list[PromSlo]:
    out = []
    for name, written in entry.spec.slos.items():
        slo = for_env(ctx, entry, name, written) if isinstance(written.sli, PromSli) else None
        if slo is not None:
            checked = check(ctx, entry, name, slo)
            if checked is not None:
                made = _prom_slo(ctx, entry, name, slo, checked)
                if made is not None:
                    out.append(made)
    return out


def uses_prometheus(entry: ServiceEntry) -> bool:
    return any(isinstance(slo.sli, PromSli) for slo in entry.spec.slos.values())


def _sloth_labels(service: str, name: str) -> dict[str, str]:
    return {"sloth_id": f"{service}-{name}", "sloth_service": service, "sloth_slo": name}


def _selector(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def _ratio(window: int) -> str:
    return f"slo:sli_error:ratio_rate{format_duration(window)}"


def _prom_queries(ctx: Context, entry: ServiceEntry, name: str, sli: PromSli, window: str) -> tuple[str, str]:
    if sli.histogram is not None:
        h = sli.histogram
        matchers = h.selector.strip()
        sep = ", " if matchers else ""
        total = f"sum(rate({h.metric}_count{{{matchers}}}[{window}]))"
        fast = f"sum(rate({h.metric}_bucket{{{matchers}{sep}le=\"{h.slower_than}\"}}[{window}]))"
        return f"({total} - {fast})", total
    loc = ("slos", name, "sli")
    service = entry.spec.service
    return (ctx.expand(sli.errors or "", entry.slo_doc(name), loc + ("errors",), service=service, window=window),
            ctx.expand(sli.total or "", entry.slo_doc(name), loc + ("total",), service=service, window=window))


def _prom_slo(ctx: Context, entry: ServiceEntry, name: str, slo: Slo, checked: _Checked) -> PromSlo | None:
    service = entry.spec.service
    origin = Origin(entry.slo_doc(name), ("slos", name))
    ids = _sloth_labels(service, name)
    sel = _selector(ids)
    windows = sorted({PROMETHEUS_BASE_WINDOW, *(w for b in checked.burns for w in (b.long, b.short))})
    problems = len(ctx.problems)
    records = []
    for window in windows:
        errors, total = _prom_queries(ctx, entry, name, slo.sli, format_duration(window))  # type: ignore[arg-type]
        records.append(RecordingRule(service, _ratio(window), f"({errors})\n/\n({total})\n",
                                     tuple(sorted({**ids, "sloth_window": format_duration(window)}.items())), origin))
    from ..prometheus.promql import syntax_error  # the parser: imported by a project with Prometheus SLOs

    for rule in records:
        problem = syntax_error(rule.expr)
        if problem is not None:
            ctx.fail(entry.slo_doc(name), ("slos", name, "sli"), "promql", f"invalid PromQL: {shown(problem.message)}",
                     at_key=True)
            break
    if len(ctx.problems) > problems:
        return None
    period = format_duration(slo.window)
    base = f"{_ratio(PROMETHEUS_BASE_WINDOW)}{sel}"
    # Sloth labels this record with sloth_window only (the others come from the 5m series); obsgen writes the SLO's
    # ids too, the same values, so that two SLOs of one window in one rule group are not the same rule to promtool's
    # lint ("duplicate rule(s) found"; Sloth writes a group per SLO).
    records.append(RecordingRule(service, _ratio(slo.window),
                                 f"sum_over_time({base}[{period}])\n/ ignoring (sloth_window)\n"
                                 f"count_over_time({base}[{period}])\n",
                                 tuple(sorted({**ids, "sloth_window": period}.items())), origin))
    label_items = tuple(sorted(ids.items()))
    on = "/ on(sloth_id, sloth_slo, sloth_service) group_left\n"
    meta = [("slo:objective:ratio", f"vector({checked.objective!r})"),
            ("slo:error_budget:ratio", f"vector(1-{checked.objective!r})"),
            ("slo:time_period:days", f"vector({slo.window // DAY})"),
            ("slo:current_burn_rate:ratio", f"{base}\n{on}slo:error_budget:ratio{sel}\n"),
            ("slo:period_burn_rate:ratio", f"{_ratio(slo.window)}{sel}\n{on}slo:error_budget:ratio{sel}\n"),
            ("slo:period_error_budget_remaining:ratio", f"1 - slo:period_burn_rate:ratio{sel}")]
    records += [RecordingRule(service, record, expr, label_items, origin) for record, expr in meta]
    info = {**ids, "sloth_mode": "obsgen", "sloth_objective": f"{slo.objective:g}", "sloth_spec": "obsgen/v1"}
    records.append(RecordingRule(service, "sloth_slo_info", "vector(1)", tuple(sorted(info.items())), origin))
    alerts = _prom_alerts(ctx, entry, name, slo, checked, sel, origin)
    model = ServiceLevelObjective(service, name, slo.summary or f"{name} of {service}", checked.objective, slo.window,
                                  "prometheus", checked.burns, origin, (), records[0].expr.strip())
    tests = slo_tests.promtool_tests(service, ids, checked.objective, checked.burns, alerts,
                                     records[:len(windows)], _test_feed(ctx, entry, name, slo.sli), origin)  # type: ignore[arg-type]
    return PromSlo(tuple(records), tuple(alerts), tests, model)


def _test_feed(ctx: Context, entry: ServiceEntry, name: str, sli: PromSli) -> Callable[[float, int], Series] | None:
    """The input series of the generated tests, when obsgen knows them (slo_tests.py)."""
    if sli.histogram is not None:
        h = sli.histogram
        return slo_tests.histogram_feed(h.metric, h.selector, h.slower_than)
    return slo_tests.counter_feed(*_prom_queries(ctx, entry, name, sli, format_duration(PROMETHEUS_BASE_WINDOW)))


def alert_name(name: str) -> str:
    """One alert name for both tiers, told apart by `sloth_severity` (page / ticket), as Sloth's alerts are."""
    return f"{conventions.camel_case(name)}ErrorBudgetBurn"


def _prom_alerts(ctx: Context, entry: ServiceEntry, name: str, slo: Slo, checked: _Checked, sel: str,
                 origin: Origin) -> list[PrometheusAlert]:
    service = entry.spec.service
    alerts = []
    for tier in TIER_NAMES:
        burns = [b for b in checked.burns if b.tier == tier]
        if not burns:
            continue
        expr = "\nor ignoring (sloth_window)\n".join(
            f"(\n    ({_ratio(b.short)}{sel} > ({b.factor!r} * {round(1 - checked.objective, 12)!r}))\n"
            f"    and ignoring (sloth_window)\n"
            f"    ({_ratio(b.long)}{sel} > ({b.factor!r} * {round(1 - checked.objective, 12)!r}))\n)" for b in burns)
        severity = burns[0].severity
        # `category` makes the SLO a row of its own on the service's Grafana dashboard (targets/grafana.py)
        labels = {"severity": severity.prometheus, "service": service, "team": entry.spec.owner, "env": ctx.env_name,
                  "sloth_severity": tier, "category": f"slo-{name}"}
        monitor = tier_monitor(name, tier)
        annotations = {"summary": f"SLO {name} of {service} ({slo.objective:g}% over {format_duration(slo.window)}): "
                                  f"the error budget burns too fast ({tier})",
                       "description": "; or ".join(_describe(b, slo.window) for b in burns)
                                      + ", over the long window and its short window (1/12) alike."}
        url = ctx.runbook_url(service, monitor)
        if url:
            annotations["runbook_url"] = url
        alerts.append(PrometheusAlert(service, monitor, alert_name(name), expr + "\n", 0, severity,
                                      tuple(sorted(labels.items())), tuple(sorted(annotations.items())), origin,
                                      runbook=slo.runbook))
    if len(alerts) == 2 and alerts[0].severity.prometheus == alerts[1].severity.prometheus:
        ctx.fail(entry.slo_doc(name), ("slos", name, "ticket", "severity"), "slo-policy",
                 f"the page and ticket tiers both have Prometheus severity '{alerts[0].severity.prometheus}': "
                 "Alertmanager could not route or inhibit them apart; give the tiers different severities")
    return alerts
