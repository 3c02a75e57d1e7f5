"""The projects of tests/test_incremental_build.py, and the edits made to them.

"simple" is the shape an incremental `obsgen build` serves (issue #22, target 3): six service files, each
with a Lambda function (and an SQS queue, a DynamoDB table, an API Gateway API or a CloudFront
distribution), metric monitors, a math monitor and a composite of its own alarms; composites naming
other services' alarms in a chain (svc-b names svc-a/health, svc-c names svc-b/health; svc-f names
svc-a/health too); svc-e named by no one and naming no one; svc-d's distribution, whose alarms go to
us-east-1 (CloudFront publishes there only); two environments in two accounts; guidance per monitor
(runbooks_src/<service>/<monitor>.md) and shared (runbooks_src/<name>.md, by `runbook:`).

Service files are written with yaml.safe_dump from dicts, so that an edit is a change to a dict and
the same dict always gives the same bytes (an edit reverted is the file as it was). `FEATURES` adds one
thing each to the simple project that an incremental build does not serve (docs/ and the tests of each
feature give their syntax)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any, Callable

import yaml

Spec = dict[str, Any]

PROJECT: Spec = {
    "apiVersion": "obsgen/v1",
    "kind": "Project",
    "project": "shop",
    "naming": {"alarm": "${project}-${service}-${monitor}-${env}"},
    "runbooks": {"base_url": "https://runbooks.example.com/shop"},
    "tags": {"Project": "shop", "CostCenter": "retail"},
    "severities": {
        "critical": {"topic": "${project}-critical-${env}", "response_time": "15m", "pages": True,
                     "prometheus": "critical"},
        "warning": {"topic": "${project}-warning-${env}", "response_time": "4h", "prometheus": "warning"},
    },
    "channels": {"email": {"type": "email", "endpoint": "oncall@example.com", "severities": ["critical", "warning"]}},
    "environments": {
        "staging": {"account": "111111111111", "region": "eu-west-1"},
        "production": {"account": "222222222222", "region": "eu-west-1", "production": True},
    },
}


def _metric(summary: str, resource: str, metric: str, statistic: str, threshold: str, severity: str,
            **more: Any) -> Spec:
    return {"summary": summary, "resource": resource, "metric": metric, "statistic": statistic, "period": "5m",
            "threshold": threshold, "missing_data": "notBreaching", "severity": severity, **more}


def _common(name: str) -> dict[str, Spec]:
    """The monitors every service has: `errors` (named by its `health`), `duration` (named by no composite, no
    guidance file of its own: free to rename, move or remove) and `error-rate` (metric math)."""
    return {
        "errors": _metric(f"{name}'s function raises errors.", "fn", "Errors", "Sum", "> 5", "warning",
                          runbook="lambda"),
        "duration": _metric(f"{name}'s function is slow.", "fn", "Duration", "Average", "> 3000", "warning",
                            unit="Milliseconds"),
        "error-rate": {
            "summary": f"More than 5% of {name}'s invocations fail.",
            "expression": "100 * errors / calls",
            "metrics": {"errors": {"resource": "fn", "metric": "Errors", "statistic": "Sum"},
                        "calls": {"resource": "fn", "metric": "Invocations", "statistic": "Sum"}},
            "period": "5m", "threshold": "> 5", "missing_data": "notBreaching", "severity": "critical",
        },
    }


def _service(name: str, resources: Spec, monitors: Spec, health: str) -> Spec:
    return {
        "apiVersion": "obsgen/v1", "kind": "Service", "service": name, "owner": f"team-{name}",
        "resources": {"fn": {"type": "lambda", "name": f"{name}-${{env}}"}, **resources},
        "monitors": {**_common(name), **monitors,
                     "health": {"summary": f"{name} is unhealthy.", "rule": health, "severity": "critical"}},
    }


def _composite(summary: str, rule: str) -> Spec:
    return {"summary": summary, "rule": rule, "severity": "critical"}


SERVICES: dict[str, Spec] = {
    "svc-a": _service("svc-a", {"queue": {"type": "sqs", "name": "svc-a-jobs-${env}"}}, {
        "queue-age": {**_metric("svc-a's jobs wait too long.", "queue", "ApproximateAgeOfOldestMessage", "Maximum",
                                "> 600", "warning", runbook="queues"), "missing_data": "missing"},
    }, "errors or error-rate or queue-age"),
    "svc-b": _service("svc-b", {"api": {"type": "apigateway", "name": "svc-b-api-${env}"}}, {
        "server-errors": _metric("svc-b's API returns 5XX errors.", "api", "5XXError", "Sum", "> 10", "critical"),
        "latency": _metric("svc-b's API is slow.", "api", "Latency", "Average", "> 2000", "warning",
                           unit="Milliseconds"),
        "upstream": _composite("svc-b and svc-a are both unhealthy.", "health and svc-a/health"),
    }, "errors or server-errors or latency"),
    "svc-c": _service("svc-c", {"table": {"type": "dynamodb", "name": "svc-c-${env}"}}, {
        "throttled": {
            "summary": "svc-c's table throttles reads or writes.",
            "expression": "reads + writes",
            "metrics": {"reads": {"resource": "table", "metric": "ReadThrottleEvents", "statistic": "Sum"},
                        "writes": {"resource": "table", "metric": "WriteThrottleEvents", "statistic": "Sum"}},
            "period": "5m", "threshold": "> 0", "missing_data": "notBreaching", "severity": "warning",
            "runbook": "dynamodb",
        },
        "chain": _composite("svc-c's upstream chain is unhealthy.", "health or svc-b/health"),
    }, "errors or throttled"),
    # CloudFront publishes in us-east-1 only, with Region=Global (the metric catalog's cloudfront.yaml)
    "svc-d": _service("svc-d", {"cdn": {"type": "cloudfront", "name": "E2SVCD${env}",
                                        "dimensions": {"Region": "Global"}}}, {
        "cdn-5xx": _metric("svc-d's distribution returns 5XX errors.", "cdn", "5xxErrorRate", "Average", "> 5",
                           "critical"),
        "cdn-requests": _metric("svc-d's distribution gets a flood of requests.", "cdn", "Requests", "Sum",
                                "> 100000", "warning"),
        "cdn-health": _composite("svc-d's distribution is unhealthy.", "cdn-5xx or cdn-requests"),
    }, "errors or error-rate"),
    "svc-e": _service("svc-e", {"queue": {"type": "sqs", "name": "svc-e-${env}"}}, {
        "backlog": {**_metric("svc-e's queue backs up.", "queue", "ApproximateNumberOfMessagesVisible", "Maximum",
                              "> 1000", "warning", runbook="queues"), "missing_data": "missing"},
    }, "errors or backlog"),
    "svc-f": _service("svc-f", {"table": {"type": "dynamodb", "name": "svc-f-${env}"}}, {
        "read-throttles": _metric("svc-f's table throttles reads.", "table", "ReadThrottleEvents", "Sum", "> 0",
                                  "warning", runbook="dynamodb"),
        "upstream": _composite("svc-f's source svc-a is unhealthy.", "svc-a/health"),
    }, "errors or read-throttles"),
}

SHARED_GUIDANCE: dict[str, str] = {
    "lambda": "# Lambda\n\n## Diagnosis\n\nRead the function's logs.\n\n## Mitigation\n\nRoll back the deployment.\n",
    "queues": "# Queues\n\n## Diagnosis\n\nLook at the consumers.\n\n## Mitigation\n\nScale the consumers out.\n",
    "dynamodb": "# DynamoDB\n\n## Meaning\n\nThe table refuses requests.\n\n## Diagnosis\n\nRead its metrics.\n",
}

SERVICE_GUIDANCE: dict[str, str] = {
    "svc-a/errors": "## Diagnosis\n\nsvc-a logs each error with its job id.\n\n## Mitigation\n\nReplay the jobs.\n",
    "svc-b/latency": "## Diagnosis\n\nCompare Latency with IntegrationLatency.\n\n## Mitigation\n\nAdd capacity.\n",
    "svc-c/_service": "## + Escalation\n\nThe data team owns svc-c.\n",
    "svc-e/health": "## Diagnosis\n\nWhich child alarm fired?\n\n## Mitigation\n\nSee the child's page.\n",
}


def dump(spec: Spec) -> str:
    return yaml.safe_dump(spec, sort_keys=False, width=120)


def write_spec(path: Path, spec: Spec) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(spec))


def make_simple(root: Path) -> Path:
    """The simple project under root (root/monitors, root/runbooks_src); returns root."""
    write_spec(root / "monitors" / "obsgen.yaml", PROJECT)
    for name, spec in SERVICES.items():
        write_spec(root / "monitors" / f"{name}.yaml", spec)
    (root / "runbooks_src").mkdir(exist_ok=True)
    for name, text in SHARED_GUIDANCE.items():
        (root / "runbooks_src" / f"{name}.md").write_text(text)
    for rel, text in SERVICE_GUIDANCE.items():
        path = root / "runbooks_src" / f"{rel}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


# --- reading and changing a project on disk ------------------------------------------------------


def service_file(root: Path, service: str) -> Path:
    """The spec file whose `service:` is service (files may be renamed, so not found by their name)."""
    for path in sorted((root / "monitors").glob("*.yaml")):
        if path.name != "obsgen.yaml" and yaml.safe_load(path.read_text()).get("service") == service:
            return path
    raise LookupError(f"no spec file of service {service} under {root / 'monitors'}")


def services(root: Path) -> list[str]:
    return sorted(yaml.safe_load(p.read_text())["service"] for p in (root / "monitors").glob("*.yaml")
                  if p.name != "obsgen.yaml")


def edit_service(root: Path, service: str, change: Callable[[Spec], None]) -> None:
    path = service_file(root, service)
    spec = yaml.safe_load(path.read_text())
    change(spec)
    write_spec(path, spec)


def edit_project(root: Path, change: Callable[[Spec], None]) -> None:
    path = root / "monitors" / "obsgen.yaml"
    spec = yaml.safe_load(path.read_text())
    change(spec)
    write_spec(path, spec)


def monitors(root: Path, service: str) -> Spec:
    spec: Spec = yaml.safe_load(service_file(root, service).read_text())["monitors"]
    return spec


def copy_inputs(source: Path, dest: Path) -> Path:
    """The project's inputs (what a build reads), without generated/."""
    for name in ("monitors", "runbooks_src"):
        if (source / name).exists():
            shutil.copytree(source / name, dest / name, symlinks=True)
    return dest


# --- one feature each, over the simple project --------------------------------------------------
# Each is (change to the project file, changes to service files by name); they are the shapes the
# incremental path leaves to a full build.


def _maintenance(project: Spec, svcs: dict[str, Spec]) -> None:
    project["maintenance"] = {"patching": {"description": "Sunday-night patching.", "cron": "0 2 * * SUN",
                                           "duration": "2h", "timezone": "Europe/Paris",
                                           "alarms": {"services": ["svc-e"], "severities": ["warning"]}}}


def _event_route(project: Spec, svcs: dict[str, Spec]) -> None:
    project["events"] = {"guardduty": {"summary": "GuardDuty reports a high finding.", "severity": "critical",
                                       "guardduty": {"min_severity": 7}, "runbook": "lambda"}}


def _budget(project: Spec, svcs: dict[str, Spec]) -> None:
    project["budgets"] = {"monthly": {"description": "What the shop spends in a month.", "amount": 500,
                                      "filter": {"tags": {"Project": "shop"}},
                                      "notify": [{"actual": "80%", "severity": "warning"},
                                                 {"forecast": "100%", "severity": "critical"}]}}


def _slo(project: Spec, svcs: dict[str, Spec]) -> None:
    svcs["svc-b"]["slos"] = {"availability": {
        "summary": "Requests to svc-b's API succeed.", "objective": "99.9%", "window": "30d",
        "sli": {"bad": {"resource": "api", "metric": "5XXError"}, "valid": {"resource": "api", "metric": "Count"}},
        "page": {"severity": "critical"}, "ticket": {"severity": "warning"}}}


def _prometheus(project: Spec, svcs: dict[str, Spec]) -> None:
    svcs["svc-e"]["monitors"]["workers-down"] = {
        "summary": "svc-e's workers are down.", "description": "{{ $labels.instance }} does not answer.",
        "promql": 'up{job="svc-e-workers"} == 0', "for": "5m", "severity": "critical"}


def _dashboards(project: Spec, svcs: dict[str, Spec]) -> None:
    project["dashboards"] = {"main": {"title": "Shop", "rows": [{"widgets": [
        {"alarms": ["svc-a/*", "svc-b/*"], "title": "Alarm status"},
        {"monitor": "svc-a/errors", "title": "svc-a errors"},
        {"title": "svc-b requests",
         "metrics": {"requests": {"resource": "svc-b/api", "metric": "Count", "statistic": "Sum"}}}]}]}}


FEATURES: dict[str, Callable[[Spec, dict[str, Spec]], None]] = {
    "maintenance-window": _maintenance, "event-route": _event_route, "budget": _budget, "slo": _slo,
    "prometheus-alert": _prometheus, "project-dashboards": _dashboards,
}


def make_with_feature(root: Path, feature: str) -> Path:
    make_simple(root)
    project = copy.deepcopy(PROJECT)
    svcs = copy.deepcopy(SERVICES)
    FEATURES[feature](project, svcs)
    write_spec(root / "monitors" / "obsgen.yaml", project)
    for name, spec in svcs.items():
        write_spec(root / "monitors" / f"{name}.yaml", spec)
    return root
