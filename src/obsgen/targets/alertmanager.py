"""Alertmanager target: `alertmanager/alertmanager.yml`, the routing tree built from severities and channels.

One receiver per `severity` label value, holding every channel that hears that severity; one route
per receiver with `matchers` (the `match`/`match_re` forms are deprecated); each severity inhibits
the less severe ones for the same alert identity. Secrets stay in files Alertmanager reads
(`api_url_file`, `routing_key_file`, `credentials_file`). https://prometheus.io/docs/alerting/latest/configuration/
"""

from __future__ import annotations

import re
from typing import Any

from ..conventions import GENERATED_HEADER
from ..model import AlertmanagerSettings, EnvironmentModel, Receiver, Severity
from ..values import format_duration
from .yaml_text import dump_yaml
from .base import Rendered, header

IDENTITY = ["alertname", "service", "env"]  # what "the same alert" means for inhibition
_CONFIG_KEYS = {"slack": "slack_configs", "pagerduty": "pagerduty_configs", "email": "email_configs",
                "webhook": "webhook_configs"}
# Slack's default message names the alert only; responders want the summary and the runbook.
SLACK_TEXT = ("{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n"
              "Runbook: {{ .Annotations.runbook_url }}\n{{ end }}")


def render(model: EnvironmentModel) -> Rendered:
    settings = model.alertmanager
    if settings is None:
        return Rendered({})
    config = {"global": {"resolve_timeout": format_duration(settings.resolve_timeout)},
              "route": route(settings), "receivers": [receiver(r) for r in settings.receivers],
              "inhibit_rules": inhibit_rules(settings)}
    return Rendered({"alertmanager/alertmanager.yml": dump_yaml(config, header("monitors/obsgen.yaml")),
                     "alertmanager/routing.md": routing_table(model, settings)})


def matcher(label: str, value: str, regex: bool = False) -> str:
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{label}{"=~" if regex else "="}"{quoted}"'


def route(settings: AlertmanagerSettings) -> dict[str, Any]:
    """Alerts with an unknown severity fall to the least severe receiver rather than nowhere."""
    return {
        "receiver": settings.receivers[-1].name,
        "group_by": list(settings.group_by),
        "group_wait": format_duration(settings.group_wait),
        "group_interval": format_duration(settings.group_interval),
        "repeat_interval": format_duration(settings.repeat_interval),
        "routes": [{"receiver": r.name, "matchers": [matcher("severity", r.severity_label)]}
                   for r in settings.receivers],
    }


def receiver(rec: Receiver) -> dict[str, Any]:
    out: dict[str, Any] = {"name": rec.name}
    for channel, kind, config in rec.channels:
        entry = dict(config)
        if kind == "slack":
            entry["text"] = SLACK_TEXT
        out.setdefault(_CONFIG_KEYS[kind], []).append(dict(sorted(entry.items())))
    return out


def inhibit_rules(settings: AlertmanagerSettings) -> list[dict[str, Any]]:
    """Severities are listed most severe first: each inhibits every one after it."""
    labels = [r.severity_label for r in settings.receivers]
    rules = []
    for index, source in enumerate(labels[:-1]):
        targets = "|".join(re.escape(t) for t in labels[index + 1:])
        rules.append({"source_matchers": [matcher("severity", source)],
                      "target_matchers": [matcher("severity", targets, regex=True)],
                      "equal": list(IDENTITY)})
    return rules


def _pages(model: EnvironmentModel, severity: Severity) -> str:
    """"yes" only when Alertmanager sends this severity's alerts to some channel here."""
    if not severity.pages:
        return "no"
    return "yes" if model.alert_channels(severity) else "no: no channel hears it here"


def routing_table(model: EnvironmentModel, settings: AlertmanagerSettings) -> str:
    """The Prometheus side of routing.md: alert -> severity -> receiver -> channels -> response time."""
    channels = {r.name: ", ".join(f"{name} ({kind})" for name, kind, _ in r.channels) or "(none)"
                for r in settings.receivers}
    lines = [f"<!-- {GENERATED_HEADER}; source: monitors/ -->", f"# Prometheus alert routing: {model.project} ({model.env})",
             "", "| Alert | Monitor | Severity | Receiver | Channels | Response time | Pages |",
             "|---|---|---|---|---|---|---|"]
    alerts = sorted((a for g in model.rule_groups for a in g.alerts), key=lambda a: (a.service, a.monitor))
    for alert in alerts:
        sev = alert.severity
        lines.append(f"| `{alert.alert}` | `{alert.ref}` | {sev.prometheus} | `{sev.prometheus}` | "
                     f"{channels.get(sev.prometheus, '(none)')} | {format_duration(sev.response_time)} | "
                     f"{_pages(model, sev)} |")
    lines += ["", "| Receiver | Matchers | Channels |", "|---|---|---|"]
    for rec in settings.receivers:
        shown = matcher("severity", rec.severity_label).replace("|", "\\|")
        lines.append(f"| `{rec.name}` | `{shown}` | {channels[rec.name]} |")
    return "\n".join(lines) + "\n"
