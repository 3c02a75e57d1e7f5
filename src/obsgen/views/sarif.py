"""SARIF 2.1.0 for `validate` and `drift`, the format GitHub code scanning reads to show spec errors
inline in pull requests. Locations are artifact URIs relative to the repository root (the
caller gives the project's place in it); rule ids are diagnostic codes (docs/diagnostics.md) or,
for drift, `drift-<status>`. Formatting only.
Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
GitHub's subset: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .. import __version__
from ..diagnostics import Diagnostic, Level, Span

if TYPE_CHECKING:  # `validate --format sarif` is an offline command: it must not import boto3 (aws/)
    from ..aws.drift import DriftReport
    from ..model import EnvironmentModel

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
PROJECT_FILE = Span("monitors/obsgen.yaml", 1, 1)  # where drift of a resource the spec no longer has is shown
_DOCS = "docs/diagnostics.md"


def validate_sarif(diagnostics: Iterable[Diagnostic], uri_prefix: str = "") -> str:
    """One result per diagnostic; `uri_prefix` is the project directory relative to the repository
    root ("" or "infra/monitoring/")."""
    found = list(diagnostics)
    codes = sorted({d.code for d in found})
    rules = [{"id": code, "name": code, "shortDescription": {"text": f"obsgen diagnostic {code}"},
              "help": {"text": f"See {_DOCS}, code `{code}`, in obsgen's documentation.",
                       "markdown": f"See `{_DOCS}`, code `{code}`, in obsgen's documentation."}}
             for code in codes]
    results = [_result(d.code, codes.index(d.code), _level(d.level), d.message, d.span, uri_prefix) for d in found]
    return _log(rules, results)


def drift_sarif(report: DriftReport, spans: Mapping[str, Span], fallback: Span, uri_prefix: str = "") -> str:
    """One result per drifted resource, at the spec entry it comes from (`spans`, by address), else
    at `fallback` (the project file): a resource no longer in the spec has no entry of its own."""
    statuses = sorted({str(item.status) for item in report.items})
    rule_ids = [f"drift-{status.replace(' ', '-')}" for status in statuses]
    rules = [{"id": rule_id, "name": rule_id,
              "shortDescription": {"text": f"AWS resource {status} (obsgen drift)"},
              "help": {"text": "Run `obsgen plan` to see the difference and `obsgen apply` to restore the spec."}}
             for rule_id, status in zip(rule_ids, statuses)]
    results = []
    for item in report.items:
        index = statuses.index(str(item.status))
        message = f"{item.address} in {report.env} ({report.account}, {report.region}): {item.status}: {item.detail}"
        results.append(_result(rule_ids[index], index, "warning", message, _span_of(item.address, spans, fallback),
                               uri_prefix))
    return _log(rules, results)


def resource_spans(model: EnvironmentModel) -> dict[str, Span]:
    """Where each synced resource comes from in the spec, by address (aws/kinds: `<kind>.<name>`);
    a subscription's address starts with `subscription.<topic>/<protocol>/`."""
    spans: dict[str, Span] = {}
    for alarm in model.metric_alarms:
        spans[f"metric_alarm.{alarm.name}"] = alarm.origin.key_span()
    for composite in model.composite_alarms:
        spans[f"composite_alarm.{composite.name}"] = composite.origin.key_span()
    for topic in model.topics:
        spans[f"topic.{topic.name}"] = topic.origin.span()
    for subscription in model.subscriptions:
        spans[f"subscription.{subscription.topic_arn.rsplit(':', 1)[-1]}/{subscription.protocol}/"] = \
            subscription.origin.span()
    for dashboard in model.dashboards:
        spans[f"dashboard.{dashboard.name}"] = dashboard.origin.span()
    return spans


def _span_of(address: str, spans: Mapping[str, Span], fallback: Span) -> Span:
    if address in spans:
        return spans[address]
    return next((span for key, span in spans.items() if key.endswith("/") and address.startswith(key)), fallback)


def _level(level: Level) -> str:
    return "error" if level is Level.ERROR else "warning"


def _result(rule_id: str, index: int, level: str, message: str, span: Span, uri_prefix: str) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": uri_prefix + span.file}}
    if span.line > 0:  # line 0: the whole file (a missing or unreadable one)
        location["region"] = {"startLine": span.line, **({"startColumn": span.column} if span.column > 0 else {})}
    return {"ruleId": rule_id, "ruleIndex": index, "level": level, "message": {"text": message},
            "locations": [{"physicalLocation": location}]}


def _log(rules: list[dict[str, Any]], results: list[dict[str, Any]]) -> str:
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "obsgen", "version": __version__,
                                         "rules": rules}},
                     "results": results}]}
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
