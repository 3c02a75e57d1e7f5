"""Routing that reaches nobody (issue #14, item 7): a severity whose alarms or alerts notify no one in
an environment. The spec is valid -- a channel may be disabled in staging on purpose -- but a paging
severity whose topic has no subscriber, or whose Prometheus alerts go to an empty Alertmanager
receiver, wakes nobody, and that is worth a warning (an error with `validate --strict`) naming the
severity, the environment and the alerts affected."""

from __future__ import annotations

from ..diagnostics import Diagnostic, error, warning
from ..language.load import SpecSet
from ..model import EnvironmentModel, Severity

SHOWN_ALERTS = 5  # names listed in a message; the rest are counted


def unreached(spec: SpecSet, models: dict[str, EnvironmentModel], strict: bool) -> list[Diagnostic]:
    """One diagnostic per severity and environment, at the severity's definition (the same finding
    in several environments is merged into one naming them all: diagnostics.merge_environments)."""
    found = []
    for model in models.values():
        for severity in model.severities:
            found += [_diagnostic(spec, severity, message, strict) for message in _gaps(model, severity)]
    return found


def _gaps(model: EnvironmentModel, severity: Severity) -> list[str]:
    gaps = []
    alarms = [a.ref for a in model.alarms() if a.severity.name == severity.name and a.actions_enabled
              and not getattr(a, "silent", False)]
    # event routes and budget notifications publish to the same topic (#17): a GuardDuty finding or a
    # budget breach routed to a topic nobody hears reaches no one either
    routes = [r.ref for r in model.event_routes if r.severity.name == severity.name and r.enabled]
    budgets = [f"budgets/{b.key}" for b in model.budgets for n in b.notifications if n.severity.name == severity.name]
    if model.notifies_anyone(severity):  # a subscription, or the severity's own actions (alarms' alone)
        alarms = []
    if model.subscribed(severity):
        routes = budgets = []
    senders = [_listed(refs, kind) for refs, kind in ((alarms, "CloudWatch alarm"), (routes, "event route"),
                                                       (budgets, "budget notification")) if refs]
    if senders:
        gaps.append(f"{_what(severity)} {' and '.join(senders)} in environment '{model.env}', but no "
                    "channel subscribes to its SNS topic there: they notify no one "
                    "(add a channel for it, or check which channels are disabled there)")
    alerts = [a.ref for g in model.rule_groups for a in g.alerts if a.severity.name == severity.name]
    if alerts and not model.alert_channels(severity):
        gaps.append(f"{_what(severity)} {_listed(alerts, 'Prometheus alert')} in environment '{model.env}', but no "
                    f"channel with an alertmanager: receiver hears it there: Alertmanager routes them to the empty "
                    f"receiver '{severity.prometheus}' (give a channel an alertmanager: block for it)")
    return gaps


def _what(severity: Severity) -> str:
    return f"severity '{severity.name}' {'pages and ' if severity.pages else ''}is used by"


def _listed(refs: list[str], kind: str) -> str:
    names = ", ".join(sorted(refs)[:SHOWN_ALERTS])
    more = f" and {len(refs) - SHOWN_ALERTS} more" if len(refs) > SHOWN_ALERTS else ""
    return f"{len(refs)} {kind}(s) ({names}{more})"


def _diagnostic(spec: SpecSet, severity: Severity, message: str, strict: bool) -> Diagnostic:
    span = spec.project_doc.span(("severities", severity.name), at_key=True)
    return (error if strict else warning)(span, "unreached-severity", message)
