"""Drift between the spec and the rules a running Prometheus has loaded (`GET /api/v1/rules`).

`check(project_dir, env, url)` compiles the spec for `env`, fetches the live rule groups and returns a
`DriftReport`. Only obsgen's groups are compared: a live group is obsgen's when it is named after a
spec service, or when its rules carry `service=<group name>` (the label obsgen puts on every alert).
Prometheus re-prints every expression it parses (`status=~"5.."`, `sum by (job) (...)` on one line),
so expressions are compared with whitespace and number spelling normalised.
API: https://prometheus.io/docs/prometheus/latest/querying/api/#rules
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..compiler import compile_project
from ..diagnostics import SpecError
from ..model import EnvironmentModel, RuleGroup
from ..targets.prometheus import alerting_rule, recording_rule
from . import http_api
from .http_api import BadPrometheusUrl, PrometheusUnreachable, check_url  # drift's API since before http_api

TIMEOUT = 10  # seconds for the HTTP request
_STRING_OR_SPACE = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`|\s+')
# Prometheus prints a range in its largest units (`[28d]` as `[4w]`) and `group_left` as `group_left ()`.
_RANGE = re.compile(r"\[([0-9smhdwy:]+)\]")
_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_EMPTY_GROUPING = re.compile(r"\b(group_left|group_right)\s*\(\s*\)")
_NUMBER = re.compile(r"(?<![\w.:])(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?(?![\w.:\[])")


RuleKey = tuple[str, str, str, str]  # a rule's identity: RuleChange's (group, kind, name, severity)


@dataclass(frozen=True, slots=True)
class RuleChange:
    """One drifted rule. `action`: "missing" (in the spec, not loaded), "extra" (loaded, not in the
    spec) or "changed" (both, different); `fields` names what differs for "changed"."""

    action: str
    group: str
    kind: str  # "alerting" or "recording"
    name: str  # alert name or recorded series
    severity: str  # the alert's severity label ("" for recording rules)
    fields: tuple[str, ...] = ()
    spec: dict[str, Any] | None = None  # the rule as the spec says (expr, for, labels, annotations)
    live: dict[str, Any] | None = None  # the rule as Prometheus has it

    @property
    def address(self) -> str:
        suffix = f"[severity={self.severity}]" if self.severity else ""
        return f"{self.group}/{self.name}{suffix}"


@dataclass(slots=True)
class DriftReport:
    """Result of `check`. Invariants: `changes` is sorted by (group, name, severity, action);
    `compared` counts the spec's rules; `has_drift` is true iff `changes` is not empty."""

    env: str
    url: str
    compared: int = 0
    changes: list[RuleChange] = field(default_factory=list)

    @property
    def has_drift(self) -> bool:
        return bool(self.changes)


def check(project_dir: Path | None = None, env: str | None = None, url: str = "", *,
          model: EnvironmentModel | None = None) -> DriftReport:
    """Compare the spec's rules for `env` with those Prometheus at `url` has loaded.

    `check(project_dir, env, url)` compiles the spec; `check(model=..., url=...)` takes an already
    resolved environment (what `obsgen drift` has in hand). Raises `SpecError` (with located
    diagnostics) when the spec does not compile, `BadPrometheusUrl` when `url` is not http(s) and
    `PrometheusUnreachable` when the URL does not answer; never prints. Exit-code convention for callers: `has_drift` -> 2, else 0.
    """
    if model is None:
        if project_dir is None or env is None:
            raise TypeError("check() needs project_dir and env, or model")
        build = compile_project(Path(project_dir), [env])
        if not build.ok:
            raise SpecError(build.diagnostics)
        model = build.models[env]
    return compare(model.rule_groups, fetch_groups(url), model.env, url)


def fetch_groups(url: str) -> list[dict[str, Any]]:
    try:
        body = http_api.get(url, "/api/v1/rules", timeout=TIMEOUT)
    except http_api.PrometheusApiError as exc:  # named with the endpoint, as the other failures are
        raise PrometheusUnreachable(f"{http_api.endpoint(url, '/api/v1/rules')}: {exc}") from None
    data = body.get("data")
    groups = data.get("groups") if isinstance(data, dict) else None
    return [g for g in groups if isinstance(g, dict)] if isinstance(groups, list) else []


def compare(groups: tuple[RuleGroup, ...], live_groups: list[dict[str, Any]], env: str, url: str) -> DriftReport:
    spec = {key: rule for group in groups for key, rule in _spec_rules(group)}
    names = {g.service for g in groups}
    live = {key: rule for group in live_groups if _is_obsgen(group, names) for key, rule in _live_rules(group)}
    changes = [RuleChange("missing", *key, spec=rule) for key, rule in spec.items() if key not in live]
    changes += [RuleChange("extra", *key, live=rule) for key, rule in live.items() if key not in spec]
    for key in spec.keys() & live.keys():
        fields = _differences(spec[key], live[key])
        if fields:
            changes.append(RuleChange("changed", *key, fields=fields, spec=spec[key], live=live[key]))
    changes.sort(key=lambda c: (c.group, c.name, c.severity, c.action))
    return DriftReport(env, url, len(spec), changes)


def _is_obsgen(group: dict[str, Any], names: set[str]) -> bool:
    name = group.get("name")
    return name in names or any((r.get("labels") or {}).get("service") == name for r in group.get("rules", []))


def _spec_rules(group: RuleGroup) -> Iterator[tuple[RuleKey, dict[str, Any]]]:
    for rule in group.recording_rules:
        yield (group.service, "recording", rule.record, ""), _comparable(recording_rule(rule))
    for alert in group.alerts:
        yield (group.service, "alerting", alert.alert, alert.severity.prometheus), _comparable(alerting_rule(alert))


def _live_rules(group: dict[str, Any]) -> Iterator[tuple[RuleKey, dict[str, Any]]]:
    for rule in group.get("rules", []):
        kind = "alerting" if rule.get("type") == "alerting" else "recording"
        labels = dict(rule.get("labels") or {})
        severity = labels.get("severity", "") if kind == "alerting" else ""
        data = {"expr": rule.get("query", ""), "labels": labels}
        if kind == "alerting":
            data.update({"for": int(rule.get("duration") or 0), "annotations": dict(rule.get("annotations") or {})})
        yield (group.get("name", ""), kind, rule.get("name", ""), severity), data


def _comparable(rule: dict[str, Any]) -> dict[str, Any]:
    data = {"expr": rule["expr"], "labels": dict(rule.get("labels") or {})}
    if "alert" in rule:
        from ..language.v1.fields import parse_duration

        data.update({"for": parse_duration(rule["for"]) if "for" in rule else 0,
                     "annotations": dict(rule.get("annotations") or {})})
    return data


def normalize_expr(expr: str) -> str:
    """Drop whitespace outside string literals and spell numbers one way: `0.10` == `0.1`."""
    def squash(match: re.Match[str]) -> str:
        text = match.group(0)
        return "" if text.isspace() else text

    parts = re.split(r'("(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`)', expr)
    out = []
    for index, part in enumerate(parts):
        if index % 2:  # a string literal: kept as written
            out.append(part)
        else:
            part = _EMPTY_GROUPING.sub(r"\1", _RANGE.sub(_range_seconds, part))
            part = _NUMBER.sub(lambda m: repr(float(m.group(0))), part)
            out.append(_STRING_OR_SPACE.sub(squash, part))
    return "".join(out)


def _range_seconds(match: re.Match[str]) -> str:
    """`[28d]` and `[4w]` -> `[2419200s]`; a subquery's `[1h:5m]` both sides."""
    def seconds(text: str) -> str:
        parts = _DURATION_PART.findall(text)
        if not text or "".join(n + u for n, u in parts) != text:
            return text
        return f"{sum(int(n) * _DURATION_SECONDS[u] for n, u in parts):g}s"
    return "[" + ":".join(seconds(side) for side in match.group(1).split(":")) + "]"


def _differences(spec: dict[str, Any], live: dict[str, Any]) -> tuple[str, ...]:
    fields = []
    if normalize_expr(spec["expr"]) != normalize_expr(live["expr"]):
        fields.append("expr")
    for key in ("for", "labels", "annotations"):
        if spec.get(key) != live.get(key):
            fields.append(key)
    return tuple(fields)


__all__ = ["check", "check_url", "compare", "fetch_groups", "normalize_expr", "BadPrometheusUrl", "DriftReport", "RuleChange",
           "PrometheusUnreachable"]
