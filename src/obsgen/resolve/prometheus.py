"""Spec -> resolved model, Prometheus half: rule groups, alert unit tests and Alertmanager receivers.

A pass of `resolve` over the same `Context` as the CloudWatch pass, so templates, severities,
overrides, disabled monitors and problems are handled exactly as for CloudWatch monitors.
"""

from __future__ import annotations

from typing import Any, Callable

from .. import conventions
from ..diagnostics import error, shown
from ..model import (AlertmanagerSettings, AlertTestCase, ExpectedAlert, ExprTestCase, Origin, PrometheusAlert, PromTest, Receiver, RecordingRule, RuleGroup,
                     ServiceLevelObjective)
from ..language.load import ServiceEntry
from ..language.errors import did_you_mean
from ..language.yaml_reader import Document, Loc
from ..language.v1.prometheus import ALERT_NAME, AlertRuleTest, PromMonitor, PromTestGroup
from ..slo_policy import TIER_NAMES
from . import slos
from .context import Context


PROM_OVERRIDABLE = frozenset({"for_", "promql", "severity"})
_OVERRIDE_KEYS = {"for_": "for"}


def uses_prometheus(entry: ServiceEntry) -> bool:
    spec = entry.spec
    return bool(spec.recording_rules or spec.prom_tests or any(isinstance(m, PromMonitor) for m in spec.monitors.values())
                or slos.uses_prometheus(entry))


def resolve(r: Context, cloudwatch_slos: list[ServiceLevelObjective] = []) -> dict[str, Any]:  # noqa: B006 (read only)
    """The EnvironmentModel fields for Prometheus (empty when no service uses Prometheus), and every SLO: the
    CloudWatch ones given, the Prometheus ones resolved with their service's rule group."""
    entries = sorted((e for e in r.spec.services if uses_prometheus(e)), key=lambda e: e.spec.service)
    found: list[ServiceLevelObjective] = list(cloudwatch_slos)
    every_slo = {"slos": tuple(sorted(found, key=lambda s: (s.service, s.name)))} if found else {}
    if not entries:
        return every_slo
    groups = tuple(_group(r, entry, found) for entry in entries)
    _check_unique_alerts(r, groups)
    return {"rule_groups": groups, "alertmanager": _alertmanager(r),
            "slos": tuple(sorted(found, key=lambda s: (s.service, s.name)))}


def _group(r: Context, entry: ServiceEntry, found_slos: list[ServiceLevelObjective]) -> RuleGroup:
    spec = entry.spec
    alerts = [a for name, m in spec.monitors.items() if isinstance(m, PromMonitor)
              if (a := _alert(r, entry, name, m)) is not None]
    alerts.sort(key=lambda a: a.monitor)
    records = tuple(_recording_rule(r, entry, i) for i in range(len(spec.recording_rules)))
    _check_unique_records(r, records)
    monitors = {name: m for name, m in spec.monitors.items() if isinstance(m, PromMonitor)}
    made_slos = slos.prometheus(r, entry)
    slo_alerts = [a for made in made_slos for a in made.alerts]  # the spec's tests may test them too
    tests = tuple(t for i, group in enumerate(spec.tests) if isinstance(group, PromTestGroup)
                  if (t := _test(r, entry, i, group, alerts + slo_alerts, monitors)) is not None)
    for made in made_slos:  # after the service's own rules, which their queries may read
        records += made.records
        alerts += made.alerts
        tests += made.tests
        found_slos.append(made.slo)
    interval = spec.prometheus.interval or r.project.prometheus.interval
    return RuleGroup(spec.service, spec.owner, interval, entry.doc.path, records, tuple(alerts), tests)


# --- alerts --------------------------------------------------------------------------------------


def _alert(r: Context, entry: ServiceEntry, name: str, monitor: PromMonitor) -> PrometheusAlert | None:
    service = entry.spec.service
    ref = conventions.monitor_ref(service, name)
    if ref in r.env.disabled:
        return None
    loc = ("monitors", name)
    origin, monitor = _with_override(r, entry, ref, loc, monitor)
    severity = r.monitor_severity(entry, origin, monitor)
    if severity is None:
        return None
    expr_doc, expr_loc = _field_source(origin, "promql")
    expr = _promql(r, monitor.promql, expr_doc, expr_loc, service=service, monitor=name)
    labels = {**monitor.labels, "severity": severity.prometheus, "service": service,
              "team": entry.spec.owner, "env": r.env_name}
    alert_name = monitor.alert or conventions.camel_case(name)
    if not ALERT_NAME.match(alert_name):
        r.problems.append(error(origin.key_span(), "bad-name",
                                f"monitor '{name}' gives the alert name '{shown(alert_name)}', which Prometheus refuses "
                                "(it must not start with a digit); name it with 'alert:'"))
    return PrometheusAlert(service, name, alert_name, expr.strip(), monitor.for_,
                           severity, tuple(sorted(labels.items())),
                           tuple(sorted(_annotations(r, service, name, monitor).items())), origin,
                           runbook=monitor.runbook)


def _with_override(r: Context, entry: ServiceEntry, ref: str, loc: Loc,
                   monitor: PromMonitor) -> tuple[Origin, PromMonitor]:
    override = r.env.overrides.get(ref)
    if override is None:
        return Origin(entry.doc, loc), monitor
    fields = frozenset(override.model_fields_set)
    override_loc = r.setting_loc("overrides", ref)
    for key in sorted(fields - PROM_OVERRIDABLE):
        r.fail(r.pdoc, override_loc + (key,), "bad-override",
               f"'{key}' does not apply to a PromQL monitor; override 'promql', 'for' or 'severity' "
               "(or use environment vars as ${var} inside the PromQL)", at_key=True)
    changes = {k: v for k in fields & PROM_OVERRIDABLE if (v := getattr(override, k)) is not None}  # null: keep
    spans = frozenset(_OVERRIDE_KEYS.get(k, k) for k in fields)
    return Origin(entry.doc, loc, (r.pdoc, override_loc, spans)), monitor.model_copy(update=changes)


def _promql(r: Context, template: str, doc: Document, loc: Loc, **extra: str) -> str:
    """The expression with its templates expanded, parsed in-process: a syntax error is an error at
    its place in the spec (a character a variable gave is blamed on its `${`), promtool or not."""
    problems = len(r.problems)
    expr = r.expand(template, doc, loc, **extra)
    if len(r.problems) == problems:  # a template error is reported already; its text is no PromQL
        check_promql(r, expr, doc, loc, lambda offset: conventions.template_offset(template, {**r.vars, **extra}, offset))
    return expr


def check_promql(r: Context, expr: str, doc: Document, loc: Loc, written: Callable[[int], int] = lambda o: o) -> None:
    """An error at the offending character when `expr` is not PromQL; `written` maps an offset in
    `expr` to one in the spec's string."""
    from ..prometheus.promql import syntax_error  # the parser: imported by a project with Prometheus rules

    problem = syntax_error(expr)
    if problem is not None:
        r.problems.append(error(doc.span_in(loc, written(problem.offset)), "promql",
                                f"invalid PromQL: {shown(problem.message)}"))


def _field_source(origin: Origin, field: str) -> tuple[Document, Loc]:
    if origin.override and field in origin.override[2]:
        return origin.override[0], origin.override[1] + (field,)
    return origin.doc, origin.loc + (field,)


def _annotations(r: Context, service: str, name: str, monitor: PromMonitor) -> dict[str, str]:
    """Mixin convention: static summary, templated description, runbook_url (and dashboard_url)."""
    annotations = {"summary": monitor.summary}
    if monitor.description:
        annotations["description"] = monitor.description.strip()
    url = r.runbook_url(service, name)
    if url:
        annotations["runbook_url"] = url
    if monitor.dashboard:
        annotations["dashboard_url"] = monitor.dashboard
    return annotations


def _check_unique_alerts(r: Context, groups: tuple[RuleGroup, ...]) -> None:
    """Two rules with one name and one severity in a group could not be told apart by tests or drift."""
    for group in groups:
        seen: dict[tuple[str, str], PrometheusAlert] = {}
        for alert in group.alerts:
            key = (alert.alert, alert.severity.prometheus)
            if key in seen:
                r.problems.append(error(alert.origin.key_span(), "duplicate-alert-name",
                                        f"alert '{shown(alert.alert)}' with severity '{shown(key[1])}' is also the alert of "
                                        f"{seen[key].ref}; name it with 'alert:' or change its severity"))
            seen.setdefault(key, alert)


def _check_unique_records(r: Context, records: tuple[RecordingRule, ...]) -> None:
    """promtool's lint (and Prometheus) refuse one series recorded twice with the same labels."""
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
    for index, rule in enumerate(records):
        key = (rule.record, rule.labels)
        if key in seen:
            r.problems.append(error(rule.origin.span("record"), "duplicate-record",
                                    f"'{shown(rule.record)}' is already recorded by recording_rules[{seen[key]}] with the "
                                    "same labels; remove one or give them different labels"))
        seen.setdefault(key, index)


def _recording_rule(r: Context, entry: ServiceEntry, index: int) -> RecordingRule:
    rule = entry.spec.recording_rules[index]
    loc = ("recording_rules", index)
    expr = _promql(r, rule.expr, entry.doc, loc + ("expr",), service=entry.spec.service)
    return RecordingRule(entry.spec.service, rule.record, expr.strip(), tuple(sorted(rule.labels.items())),
                         Origin(entry.doc, loc))


# --- alert unit tests ---------------------------------------------------------------------------


def _test(r: Context, entry: ServiceEntry, index: int, group: PromTestGroup,
          alerts: list[PrometheusAlert], monitors: dict[str, PromMonitor]) -> PromTest | None:
    """Cases for alerts disabled in this environment are dropped: there is no rule to test here."""
    loc = ("tests", index)
    cases = []
    for j, case in enumerate(group.alert_rule_test):
        origin = Origin(entry.doc, loc + ("alert_rule_test", j))
        resolved = _alert_case(r, entry, case, origin, alerts, monitors)
        if resolved is not None:
            cases.append(resolved)
    for j, expr_case in enumerate(group.promql_expr_test):
        check_promql(r, expr_case.expr, entry.doc, loc + ("promql_expr_test", j, "expr"))
    exprs = tuple(ExprTestCase(c.expr.strip(), c.eval_time, tuple((s.labels, float(s.value)) for s in c.exp_samples),
                               Origin(entry.doc, loc + ("promql_expr_test", j)))
                  for j, c in enumerate(group.promql_expr_test))
    if not cases and not exprs:
        return None
    return PromTest(entry.spec.service, group.interval, tuple((s.series, s.values) for s in group.input_series),
                    tuple(cases), exprs, Origin(entry.doc, loc))


def _alert_case(r: Context, entry: ServiceEntry, case: AlertRuleTest, origin: Origin,
                alerts: list[PrometheusAlert], monitors: dict[str, PromMonitor]) -> AlertTestCase | None:
    named = [a for a in alerts if a.alert == case.alertname or a.monitor == case.alertname]
    if not named:
        if _disabled_here(r, entry, case.alertname, monitors):
            return None
        known = [a.alert for a in alerts]
        r.problems.append(error(origin.span("alertname"), "unknown-alert",
                                f"no alert named '{shown(case.alertname)}' in service '{entry.spec.service}'"
                                f"{did_you_mean(case.alertname, known)}"))
        return None
    expected = []
    for k, exp in enumerate(case.exp_alerts):
        alert = _pick(r, named, exp.exp_labels, origin, k)
        if alert is not None:
            expected.append(_expected(r, alert, exp.exp_labels, exp.exp_annotations, origin, k))
    return AlertTestCase(case.eval_time, named[0].alert, tuple(expected), origin)


def _disabled_here(r: Context, entry: ServiceEntry, alertname: str, monitors: dict[str, PromMonitor]) -> bool:
    """Whether the alert is missing for a reason already known: disabled in this environment, or its
    monitor did not resolve or was left out for an error reported at the monitor itself."""
    service = entry.spec.service
    if r.spec.broken.monitor(f"{service}/{alertname}"):
        return True
    for name in entry.spec.slos:  # an SLO disabled here has no alerts here (slos.for_env)
        if alertname in (slos.alert_name(name), *(slos.tier_monitor(name, t) for t in TIER_NAMES)):
            return conventions.slo_ref(service, name) in r.env.disabled
    for name, monitor in monitors.items():
        if alertname in (name, monitor.alert or conventions.camel_case(name)):
            return conventions.monitor_ref(service, name) in r.env.disabled or bool(r.problems)
    return False


def _pick(r: Context, named: list[PrometheusAlert], labels: dict[str, str], origin: Origin,
          k: int) -> PrometheusAlert | None:
    """Alerts may share a name at different severities; exp_labels.severity then says which."""
    if "severity" in labels:
        named = [a for a in named if a.severity.prometheus == labels["severity"]]
    if len(named) == 1:
        return named[0]
    message = ("several alerts have this name; give exp_labels.severity" if named
               else f"no alert of this name has severity '{shown(labels.get('severity'))}'")
    r.problems.append(error(origin.span("exp_alerts", k), "ambiguous-alert", message))
    return None


def _expected(r: Context, alert: PrometheusAlert, labels: dict[str, str], annotations: dict[str, str],
              origin: Origin, k: int) -> ExpectedAlert:
    """promtool compares labels and annotations exactly: add the alert's own, static ones."""
    static = {key: value for key, value in alert.annotations if "{{" not in value}
    for key, value in alert.annotations:
        if key not in static and key not in annotations:
            r.problems.append(error(origin.span("exp_alerts", k), "missing-annotation",
                                    f"exp_annotations must give '{key}': it is templated ('{shown(value)}'), "
                                    "so obsgen cannot fill it in"))
    return ExpectedAlert(tuple(sorted({**dict(alert.labels), **labels}.items())),
                         tuple(sorted({**static, **annotations}.items())))


# --- Alertmanager --------------------------------------------------------------------------------


def _alertmanager(r: Context) -> AlertmanagerSettings:
    settings = r.project.prometheus
    labels: dict[str, list[tuple[str, str, tuple[tuple[str, object], ...]]]] = {}  # label -> Receiver.channels
    for severity in r.severities.values():
        labels.setdefault(severity.prometheus, [])
    for name, channel in r.project.channels.items():
        override = r.env.channels.get(name)
        if channel.alertmanager is None or (override is not None and not override.enabled):
            continue
        severities = override.severities if override and override.severities is not None else channel.severities
        kind = channel.alertmanager.kind
        config = getattr(channel.alertmanager, kind).model_dump(by_alias=True, exclude_none=True)
        if "bearer_token_file" in config:  # https://prometheus.io/docs/alerting/latest/configuration/#http_config
            config["http_config"] = {"authorization": {"credentials_file": config.pop("bearer_token_file")}}
        config["send_resolved"] = channel.alertmanager.send_resolved
        for label in dict.fromkeys(r.severities[s].prometheus for s in severities if s in r.severities):
            labels[label].append((name, kind, tuple(sorted(config.items()))))
    receivers = tuple(Receiver(label, label, tuple(channels)) for label, channels in labels.items())
    return AlertmanagerSettings(tuple(settings.group_by), settings.group_wait, settings.group_interval,
                                settings.repeat_interval, settings.resolve_timeout, receivers)
