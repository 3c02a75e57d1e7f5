"""One runbook page per SLO (docs/slos.md, docs/runbooks.md): its objective, window and SLI, then for each
environment what each tier means in words and numbers ("at this rate the 30-day budget is gone in 2d2h"),
the alarms or alerts that carry it, and links to the dashboards that show its remaining budget.

The tiers keep their own pages (`slo-<name>-page`, `slo-<name>-ticket`: the page an alarm links to); this
page is the SLO's, linked from them through the site's index and from each other. Its path,
`_slos/<service>/<name>`, starts with `_` as the site's own pages do, so no monitor's page can take it.
Spec text (the summary, the SLI, names) is escaped as on every runbook page (`wording.as_text`, `code`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import conventions
from ..model import EnvironmentModel, ServiceLevelObjective
from ..values import format_duration
from .facts import EnvFacts, is_production, is_sandbox
from .page import cell, codeblock
from .wording import Markdown, as_text, code

SLO_DIR = "_slos"
TIER_WORDS = {"page": "Page tier: a fast burn, someone is paged",
              "ticket": "Ticket tier: a slow burn, worth a ticket, not a page"}


@dataclass(frozen=True, slots=True)
class SloEnv:
    """One environment's view of an SLO, with where to look at it."""

    env: EnvFacts  # its name and marks (production, sandbox)
    slo: ServiceLevelObjective
    tiers: tuple[tuple[str, str, str], ...]  # (tier, alarm or alert name, its console URL or "")
    dashboard_url: str  # the service's CloudWatch dashboard in the AWS console, "" when there is none
    grafana: str  # generated/<env>/grafana/<service>.json, "" when the service has no Grafana dashboard


@dataclass(frozen=True, slots=True)
class SloFacts:
    service: str
    name: str
    summary: str
    backend: str  # "cloudwatch" | "prometheus"
    sli: str
    envs: tuple[SloEnv, ...]  # the environments that have it, in the project's order
    disabled_in: tuple[str, ...] = ()  # the environments that do not (`disabled:` there), in the project's order

    @property
    def ref(self) -> str:
        return f"{self.service}/{self.name}"

    @property
    def page(self) -> str:
        return f"{SLO_DIR}/{self.service}/{self.name}"

    @property
    def objectives(self) -> str:
        """"99.9% over 30d", or each environment's when they differ (an environment's `overrides:`):
        "99.9% over 30d in production; 99.5% over 30d in staging"."""
        found: dict[str, list[str]] = {}
        for e in self.envs:
            found.setdefault(_objective(e.slo), []).append(e.env.env)
        if len(found) == 1:
            return next(iter(found))
        return "; ".join(f"{objective} in {', '.join(envs)}" for objective, envs in found.items())


def collect(models: dict[str, EnvironmentModel], order: list[str],
            production: dict[str, bool | None]) -> list[SloFacts]:
    """Every SLO of every environment, by service and name."""
    found: dict[tuple[str, str], list[SloEnv]] = {}
    for env in order:
        model = models[env]
        for slo in model.slos:
            found.setdefault((slo.service, slo.name), []).append(_env_facts(model, slo, production.get(env)))
    out = []
    for (service, name), envs in sorted(found.items()):
        first = envs[0].slo
        absent = tuple(env for env in order if env not in {e.env.env for e in envs})
        out.append(SloFacts(service, name, first.summary, first.backend, first.sli, tuple(envs), absent))
    return out


def _env_facts(model: EnvironmentModel, slo: ServiceLevelObjective, production: bool | None) -> SloEnv:
    sandbox = is_sandbox(model.endpoint)
    facts = EnvFacts(model.env, True, is_production(model.env, production), sandbox, region=model.region)
    if slo.backend == "cloudwatch":
        tiers = tuple(_tier_of(model, name, "" if sandbox else conventions.console_alarm_url(model.region, name))
                      for name in slo.alarms)
        dashboard = conventions.dashboard_name(model.project, model.env, slo.service)
        has_dashboard = any(d.name == dashboard for d in model.dashboards)
        url = conventions.console_dashboard_url(model.region, dashboard) if has_dashboard and not sandbox else ""
        return SloEnv(facts, slo, tiers, url, "")
    alerts = [a for g in model.rule_groups if g.service == slo.service for a in g.alerts
              if dict(a.labels).get("category") == f"slo-{slo.name}"]
    tiers = tuple((dict(a.labels).get("sloth_severity", ""), a.alert, "") for a in alerts)
    return SloEnv(facts, slo, tiers, "", f"generated/{model.env}/grafana/{slo.service}.json")


def _tier_of(model: EnvironmentModel, alarm: str, url: str) -> tuple[str, str, str]:
    """The tier of one of the SLO's composite alarms, from the model (its monitor is `slo-<name>-<tier>`)."""
    monitor = next((c.monitor for c in model.composite_alarms if c.name == alarm), "")
    return monitor.rsplit("-", 1)[-1], alarm, url


def _objective(slo: ServiceLevelObjective) -> str:
    return f"{slo.objective * 100:g}% over {format_duration(slo.window)}"


def _percent(ratio: float) -> str:
    return f"{round(ratio * 100, 9):g}%"


def gone_in(slo: ServiceLevelObjective, factor: float) -> str:
    """How long a steady burn at `factor` takes to spend the whole budget: the window / the factor, in minutes."""
    return format_duration(int(round(slo.window / factor / 60)) * 60)


def markdown(facts: SloFacts, project: str) -> str:
    """The SLO's page, Markdown (the site renders it as it renders monitor pages)."""
    lines = [f"# SLO {facts.ref}", "", f"**{as_text(facts.summary)}**", "",
             f"{'CloudWatch' if facts.backend == 'cloudwatch' else 'Prometheus'} SLO of {code(facts.service)} "
             f"in project {code(project)}: {facts.objectives}.", ""]
    lines += ["## The indicator", "", "The error ratio, bad events over valid events" + (
        ", as recorded over 5m (every burn window reads the same queries over its own range):"
        if facts.backend == "prometheus" else ":")]
    lines += ["", codeblock(facts.sli, "promql") if facts.backend == "prometheus" else code(facts.sli), ""]
    lines += ["The error budget is the share of valid events that may fail over the window: 1 − objective. "
              "A burn rate of 1 spends it in exactly the window; a burn rate of 14.4 spends a 30-day budget in "
              "30 d / 14.4 = 2d2h. A tier fires when the error ratio over a long window and over its short "
              "window (1/12 of it) are both above burn rate × budget.", ""]
    tier_pages = sorted({tier for e in facts.envs for tier, _, _ in e.tiers})
    if tier_pages:
        links = ", ".join(f"[{code(f'slo-{facts.name}-{t}')}](../../{facts.service}/slo-{facts.name}-{t}.md)"
                          for t in tier_pages)
        lines += [f"What to do when a tier fires: its own page, {links}.", ""]
    lines += ["## In each environment", ""]
    for env in facts.envs:
        lines += _env_section(facts, env)
    if facts.disabled_in:
        lines += [Markdown(f"Not in {', '.join(facts.disabled_in)}: disabled there (`disabled:` in the project "
                           "file), no alarms, alerts or rules."), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _env_section(facts: SloFacts, env: SloEnv) -> list[str]:
    slo = env.slo
    window = format_duration(slo.window)
    lines = [f"### {env.env.title}", "",
             f"Objective {_percent(slo.objective)} of valid events good over {window}: the error budget is "
             f"{_percent(slo.budget)} of the valid events of any {window}.", ""]
    for tier in ("page", "ticket"):
        burns = [b for b in slo.burns if b.tier == tier]
        if not burns:
            lines += [f"{TIER_WORDS[tier].split(':')[0]}: none.", ""]
            continue
        lines += [f"**{TIER_WORDS[tier]}** (severity {code(burns[0].severity.name)}), when either condition holds:", ""]
        for b in burns:
            lines.append(
                f"- {b.budget * 100:g}% of the {window} budget spent in {format_duration(b.long)}: burn rate "
                f"{b.factor:g}, an error ratio above {_percent(b.threshold)} ({b.threshold:g}) over "
                f"{format_duration(b.long)} and over {format_duration(b.short)}. At this rate the {window} budget "
                f"is gone in {gone_in(slo, b.factor)}.")
        lines.append("")
    lines += ["| Tier | Budget share | Long window | Short window | Burn rate | Error ratio above | Budget gone in |",
              "|---|---|---|---|---|---|---|"]
    lines += [f"| {b.tier} | {b.budget * 100:g}% | {format_duration(b.long)} | {format_duration(b.short)} | "
              f"{b.factor:g} | {b.threshold:g} | {gone_in(slo, b.factor)} |" for b in slo.burns]
    lines.append("")
    kind = "Alarm" if slo.backend == "cloudwatch" else "Alert"
    for tier, name, url in env.tiers:
        shown = f"[{code(name)}](<{url}>)" if url else code(name)
        which = f" (label `sloth_severity={tier}`)" if slo.backend == "prometheus" else ""
        lines.append(f"- {kind} of the {tier} tier: {shown}{which}")
    if env.dashboard_url:
        lines.append(f"- [The {cell(facts.service)} dashboard in the AWS console](<{env.dashboard_url}>) "
                     f"({code(env.env.region)}): the SLO's section, with the error budget left over the last {window}")
    elif slo.backend == "cloudwatch":
        lines.append("- No CloudWatch dashboard link here" + (" (a sandbox: the AWS console does not know it)"
                                                            if env.env.sandbox else " (service dashboards are off)"))
    if env.grafana:
        lines.append(f"- Grafana: import {code(env.grafana)}; the row {code(f'slo-{facts.name}')} shows the "
                     f"error budget left over {window} ({code('slo:period_error_budget_remaining:ratio')}) "
                     "and each tier's windows against their thresholds")
    lines.append("")
    return [Markdown(line) for line in lines]
