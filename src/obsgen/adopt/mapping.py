"""Alarms, topics and subscriptions as AWS describes them -> the spec's services, resources,
monitors, severities and channels (plain data, written as YAML by `writer.py`).

A first guess in obsgen's own words; `verify.py` then compiles it and keeps, verbatim (`cloudwatch:`),
whatever obsgen would write differently, so the spec describes exactly what AWS holds.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..aws.resources import Kind, LiveResource
from ..diagnostics import Level
from ..language.v1.fields import parse_duration
from ..metrics.checks import Problem, check_metric
from ..metrics.ranges import check_range
from ..targets.cloudwatch_limits import max_evaluation_seconds
from ..metrics.resource_types import ResourceTypeInfo
from ..metrics.shipped import shipped_resource_types
from ..presets.catalog import shipped_catalog
from ..presets.schema import PresetAlarm
from ..progress import Progress, silent
from ..resource_types import RESOURCE_TYPES
from ..values import BANDS, COMPARISONS, Threshold, number_text
from .dashboards import declared
from .names import MAX_NAME, spec_name, template, unique, without_env
from .ownership import other_owner
from .read import Account
from .rules import Untranslatable, translate

# Group by the first present; obsgen's own tag first, so alarms another obsgen project made keep their services.
SERVICE_TAGS = ("obsgen:service", "service", "Service", "app", "App", "application", "Application")
_OPERATORS = {v: k for k, v in COMPARISONS.items()}
_BAND_OPERATORS = {v: k for k, v in BANDS.items()}
_BAND = re.compile(r"^\s*ANOMALY_DETECTION_BAND\s*\(\s*([A-Za-z0-9_]+)\s*(?:,\s*([0-9.]+)\s*)?\)\s*$")
SECRET_PROTOCOLS = ("http", "https", "sms")  # URLs carry integration keys; numbers are personal
CHANNEL_PROTOCOLS = ("email", "email-json", "sms", "https", "http", "lambda", "sqs")
DEFAULT_RESPONSE_TIME = "1h"
MAX_MONITORS = 400  # per imported service: its dashboard stays under CloudWatch's 500 widgets (dashboard_body.py)


@dataclass(slots=True)
class Finding:
    """One line of the report: an alarm (or topic, subscription) and what became of it."""

    subject: str
    outcome: str  # "kept as written", "not imported", "owned by another tool", "does not work", "note"
    why: str


@dataclass(slots=True)
class Placed:
    """Where an alarm went: its service and monitor, and the mapping `cloudwatch:` is added to."""

    service: str
    monitor: str
    body: dict[str, Any]  # the monitor, or its preset override
    live: LiveResource


@dataclass(slots=True)
class Draft:
    project: dict[str, Any]
    services: dict[str, dict[str, Any]]
    placed: dict[str, Placed]  # by alarm name
    findings: list[Finding] = field(default_factory=list)
    env_vars: dict[str, str] = field(default_factory=dict)  # variable -> what it must hold


def draft(account: Account, project: str, env: str, account_id: str, region: str,
          include_owned: bool = False, progress: Progress = silent) -> Draft:
    """Reports "mapping alarms" after each alarm it maps (metric alarms, then composites)."""
    findings: list[Finding] = []
    alarms = []
    for alarm in sorted(account.alarms, key=lambda a: a.name):
        owner = other_owner(alarm.tags)
        if owner is not None and not include_owned:
            findings.append(Finding(alarm.name, "owned by another tool",
                                    f"{owner.sentence()}; hand it over first (docs/adopting.md), then import it "
                                    "with --include-owned"))
            continue
        alarms.append(alarm)
    routing = _Routing(account, env, account_id, region, alarms)
    mapper = _Mapper(env, routing, findings)
    mapper.learn_services(alarms)
    metric = [a for a in alarms if a.kind == Kind.METRIC_ALARM]
    composite = _children_first([a for a in alarms if a.kind == Kind.COMPOSITE_ALARM])
    for done, alarm in enumerate([*metric, *composite], start=1):
        if alarm.kind == Kind.METRIC_ALARM:
            mapper.metric_alarm(alarm)
        else:
            mapper.composite(alarm)
        progress("mapping alarms", done, len(metric) + len(composite))
    shared = _shared_tags(account, routing, mapper, findings)
    project_spec: dict[str, Any] = {
        "apiVersion": "obsgen/v1", "kind": "Project", "project": project, **({"tags": shared} if shared else {}),
        "severities": routing.severities(), "channels": routing.channels(findings),
        "environments": {env: {"account": account_id, "region": region}},
    }
    if any(account.dashboards.values()):
        def ref_of(alarm: str) -> str | None:
            placed = mapper.placed.get(alarm)
            return f"{placed.service}/{placed.monitor}" if placed else None

        boards, left = declared(account.dashboards, project, env, set(mapper.services), ref_of)
        if boards:
            project_spec["dashboards"] = boards
        findings += [Finding(what, "dashboard note", why) for what, why in left]
    else:
        findings += [Finding(f"dashboard {name}", "not imported", "not read (--no-dashboards)")
                     for name in account.dashboards]
    return Draft(project_spec, mapper.finish(), mapper.placed, findings, routing.env_vars)


def _shared_tags(account: Account, routing: _Routing, mapper: _Mapper, findings: list[Finding]) -> dict[str, str]:
    """The tags every adopted topic and alarm carries become the project's `tags:` (obsgen puts those on
    every topic and alarm); a topic's other tags would be removed on adoption, so the report says so."""
    def own(tags: dict[str, str] | None) -> dict[str, str]:
        return {k: template(v, routing.env) for k, v in (tags or {}).items()
                if not k.lower().startswith(("aws:", "obsgen:"))}

    topics = {arn: own(account.tags.get(arn)) for arn in routing.by_topic}
    bodies = [p.body for p in mapper.placed.values()]
    every = [*topics.values(), *(b.get("tags", {}) for b in bodies)]
    shared = dict(sorted(set.intersection(*(set(t.items()) for t in every)))) if every else {}
    for body in bodies:
        left = {k: v for k, v in body.get("tags", {}).items() if k not in shared}
        if left:
            body["tags"] = left
        else:
            body.pop("tags", None)
    for arn, tags in sorted(topics.items()):
        if set(tags) - set(shared):
            findings.append(Finding(f"topic {arn.rsplit(':', 1)[-1]}", "note",
                                    f"adopting it removes its tags {', '.join(sorted(set(tags) - set(shared)))} "
                                    "(a topic carries the project's tags only)"))
    return shared


def _children_first(composites: list[LiveResource]) -> list[LiveResource]:
    by_name = {c.name: c for c in composites}
    done: dict[str, None] = {}

    def visit(name: str, seen: frozenset[str]) -> None:
        if name in done or name in seen:
            return
        for child in by_name[name].depends_on:
            if child in by_name:
                visit(child, seen | {name})
        done[name] = None

    for name in sorted(by_name):
        visit(name, frozenset())
    return [by_name[n] for n in done]


# ---------------------------------------------------------------- severities and channels


class _Routing:
    """Severities from the topics alarms notify (one per topic), channels from their subscriptions."""

    def __init__(self, account: Account, env: str, account_id: str, region: str, alarms: list[LiveResource]):
        self.account, self.env, self.account_id, self.region = account, env, account_id, region
        self.env_vars: dict[str, str] = {}
        first = Counter(self.topic_of(a) for a in alarms)
        topics = sorted(t for t in first if t is not None)
        taken: set[str] = set()
        self.by_topic = {t: unique(spec_name(without_env(t.rsplit(":", 1)[-1], env), "alerts"), taken) for t in topics}
        ok = Counter(t for a in alarms if (t := self.topic_of(a)) and a.params.get("OKActions") == [t])
        self.notify_ok = {t: ok[t] * 2 >= first[t] for t in topics}
        common = [t for t, _ in first.most_common() if t is not None]
        self.default_topic = common[0] if common else None

    def topic_of(self, alarm: LiveResource) -> str | None:
        """The first topic of this account and region the alarm notifies in ALARM state."""
        prefix = f":sns:{self.region}:{self.account_id}:"
        return next((a for a in alarm.params.get("AlarmActions", []) if prefix in a), None)

    def severity_of(self, alarm: LiveResource) -> str:
        topic = self.topic_of(alarm) or self.default_topic
        return self.by_topic[topic] if topic else "alerts"

    def severities(self) -> dict[str, Any]:
        if not self.by_topic:  # no alarm notifies a topic: one severity, whose topic apply will create
            return {"alerts": {"description": "Alerts", "topic": "${project}-alerts-${env}",
                               "response_time": DEFAULT_RESPONSE_TIME}}
        result = {}
        for arn, name in sorted(self.by_topic.items(), key=lambda item: item[1]):
            topic = arn.rsplit(":", 1)[-1]
            live = self.account.topics.get(arn)
            severity: dict[str, Any] = {"description": name, "topic": template(topic, self.env),
                                        "response_time": DEFAULT_RESPONSE_TIME}
            if not self.notify_ok[arn]:
                severity["notify_ok"] = False
            display = ((live.params.get("Attributes") or {}).get("DisplayName", "") if live else "")
            severity["topic_display_name"] = display
            result[name] = severity
        return result

    def channels(self, findings: list[Finding]) -> dict[str, Any]:
        where: dict[tuple[str, str], list[str]] = defaultdict(list)
        for sub in sorted(self.account.subscriptions, key=lambda s: s.name):
            topic = sub.params["TopicArn"]
            protocol, endpoint = sub.params["Protocol"], sub.params["Endpoint"]
            if topic not in self.by_topic:
                continue
            if protocol not in CHANNEL_PROTOCOLS:
                findings.append(Finding(f"subscription {protocol} on {topic.rsplit(':', 1)[-1]}", "not imported",
                                        f"obsgen has no channel of protocol '{protocol}'; once the topic is adopted, "
                                        "apply would unsubscribe it: add it to the spec by hand or keep the topic "
                                        "out of obsgen"))
                continue
            where[(protocol, endpoint)].append(self.by_topic[topic])
        result: dict[str, Any] = {}
        taken: set[str] = set()
        for (protocol, endpoint), severities in sorted(where.items()):
            name = unique(spec_name(f"{protocol}-{_endpoint_word(protocol, endpoint, self.env)}", protocol), taken)
            channel: dict[str, Any] = {"type": protocol}
            if protocol in SECRET_PROTOCOLS:
                variable = "OBSGEN_" + re.sub(r"[^A-Z0-9]+", "_", name.upper())
                self.env_vars[variable] = f"the {protocol} endpoint of channel '{name}'"
                channel["endpoint"] = {"env": variable}
            else:
                channel["endpoint"] = template(endpoint, self.env)
            channel["severities"] = sorted(set(severities))
            result[name] = channel
        return result


def _endpoint_word(protocol: str, endpoint: str, env: str) -> str:
    """A word naming the endpoint without giving away a secret: an email's local part, a function's name."""
    if protocol.startswith("email"):
        return without_env(endpoint.split("@", 1)[0], env)
    if protocol in ("lambda", "sqs"):
        return without_env(endpoint.rsplit(":", 1)[-1], env)
    return "endpoint"


# ---------------------------------------------------------------- services, resources, monitors


class _Mapper:
    def __init__(self, env: str, routing: _Routing, findings: list[Finding]):
        self.env, self.routing, self.findings = env, routing, findings
        types, _ = shipped_resource_types()
        self.types = [t for t in types.values() if t.name in RESOURCE_TYPES and t.namespace]
        self.presets, _ = shipped_catalog()
        self.services: dict[str, dict[str, Any]] = {}
        self.taken: dict[str, set[str]] = defaultdict(set)
        self.placed: dict[str, Placed] = {}
        self.service_of_alarm: dict[str, str] = {}
        self.service_of_resource: dict[tuple[str, str], str] = {}  # (namespace, dimensions) -> service
        self.count: Counter[str] = Counter()  # monitors per service

    # --- services and resources ------------------------------------------------------------

    def service(self, name: str) -> dict[str, Any]:
        return self.services.setdefault(name, {"apiVersion": "obsgen/v1", "kind": "Service", "service": name,
                                               "owner": f"{name}-team", "resources": {}, "monitors": {}})

    def room_in(self, service: str) -> str:
        """`service`, or `service-2`, `-3`... once it holds MAX_MONITORS: obsgen draws a dashboard per service,
        and CloudWatch allows 500 widgets on one (a graph per monitor, plus headers)."""
        if service == "obsgen":  # its file would be monitors/obsgen.yaml, the project's
            service = "obsgen-service"
        name, n = service, 1
        while self.count[name] >= MAX_MONITORS:
            n += 1
            name = f"{service[:MAX_NAME - 4]}-{n}"
        self.count[name] += 1
        return name

    def learn_services(self, alarms: list[LiveResource]) -> None:
        """The service a tagged alarm names for its resource: untagged alarms on that resource join it."""
        for alarm in alarms:
            tagged = self.tagged_service(alarm)
            key = _resource_key(alarm)
            if tagged is not None and key is not None:
                self.service_of_resource.setdefault(key, tagged)

    def tagged_service(self, alarm: LiveResource) -> str | None:
        tags = alarm.tags or {}
        return next((spec_name(without_env(tags[k], self.env), "imported") for k in SERVICE_TAGS if tags.get(k)), None)

    def service_name(self, alarm: LiveResource, resource: str | None, namespace: str | None) -> str:
        tagged = self.tagged_service(alarm)
        if tagged is not None:
            return tagged
        joined = self.service_of_resource.get(_resource_key(alarm) or ("", ""))
        if joined is not None:
            return joined
        if resource is not None:
            return resource
        return spec_name(without_env(namespace or "imported", self.env), "imported")

    def recognise(self, namespace: str, dimensions: dict[str, str]) -> ResourceTypeInfo | None:
        """The resource type whose dimensions are the most of the metric's (all of the type's present)."""
        fits = [t for t in self.types if t.namespace == namespace and t.dimension_names() <= set(dimensions)]
        return max(fits, key=lambda t: (len(t.dimension_names()), t.name == _preferred(namespace)), default=None)

    def resource(self, service: dict[str, Any], kind: ResourceTypeInfo, dimensions: dict[str, str]) -> str:
        """The key of the resource for these dimensions in `service`, declared if new."""
        assert kind.dimension is not None
        value = dimensions[kind.dimension]
        wanted: dict[str, Any] = {"type": kind.name, "name": template(value, self.env)}
        if kind.required:
            wanted["dimensions"] = {d: template(dimensions[d], self.env) for d in kind.required}
        for key, existing in service["resources"].items():
            if {k: v for k, v in existing.items() if k in ("type", "name", "dimensions")} == wanted:
                return str(key)
        key = spec_name(without_env(value.rsplit(":", 1)[-1].rsplit("/", 1)[-1], self.env), kind.name)
        if key in service["resources"]:  # an API and its function of one name: say which is which
            key = spec_name(f"{key}-{kind.name}")
        key = unique(key, set(service["resources"]))
        service["resources"][key] = wanted
        return key

    # --- metric alarms ---------------------------------------------------------------------

    def metric_alarm(self, alarm: LiveResource) -> None:
        p = alarm.params
        metrics = p.get("Metrics") or []
        if metrics:
            source = _band_source(p) or _math_source(p)
        else:
            source = {"namespace": p.get("Namespace"), "metric": p.get("MetricName"),
                      "dimensions": {d["Name"]: d["Value"] for d in p.get("Dimensions") or []},
                      "statistic": p.get("Statistic") or p.get("ExtendedStatistic") or "Average"}
        first = source if "metric" in source else next(iter(source.get("metrics", {}).values()), None)
        kind = self.recognise(first["namespace"], first["dimensions"]) if first else None
        resource_hint = None
        if kind is not None and first is not None:
            resource_hint = spec_name(without_env(first["dimensions"][kind.dimension or ""].rsplit(":", 1)[-1]
                                                  .rsplit("/", 1)[-1], self.env), kind.name)
        name = self.room_in(self.service_name(alarm, resource_hint, first["namespace"] if first else None))
        service = self.service(name)
        self.service_of_alarm[alarm.name] = name
        monitor_name = unique(self.monitor_name(alarm, "alarm"), self.taken[name])
        body: dict[str, Any] = {"summary": _summary(alarm), "severity": self.routing.severity_of(alarm)}
        evaluation, datapoints = p.get("EvaluationPeriods", 1), p.get("DatapointsToAlarm")
        period = p.get("Period") or (first or {}).get("period") or 60
        if "metric" in source:
            body.update(self.metric_source(service, source))
        else:
            body["expression"] = source["expression"]
            period, body["metrics"] = self.math_metrics(alarm, service, source["metrics"], evaluation)
        body["period"] = _duration(period)
        body["threshold"] = _threshold(p, source)
        if datapoints is not None:  # set, even to N: written so, DatapointsToAlarm is sent as AWS holds it
            body["datapoints"] = f"{datapoints} of {evaluation}"
        elif evaluation != 1:
            body["evaluation_periods"] = evaluation
        if "metric" in source:
            self.period(alarm, body, source, period, evaluation)
        if p.get("TreatMissingData", "missing") != "missing":
            body["missing_data"] = p["TreatMissingData"]
        if (p.get("WarmUpConfiguration") or {}).get("WarmUpPeriodDurationInMinutes"):  # #17's warm_up:
            body["warm_up"] = _warm_up(p["WarmUpConfiguration"])
        unit = p.get("Unit") or source.get("unit")  # a band's (and a described math shape's) is its query's
        if unit and "metric" in source and self.unit(alarm, source, unit, _kept(p, source, f"Unit {unit}")):
            body["unit"] = unit
        self.common(alarm, body)
        dead = self.never_fires(alarm, body, source)
        if "metric" in source and not dead and self.as_preset(alarm, service, body, monitor_name):
            return
        if source.get("raw"):
            self.findings.append(Finding(alarm.name, "kept as written", source["raw"]))
        service["monitors"][monitor_name] = body
        self.placed[alarm.name] = Placed(name, monitor_name, body, alarm)

    def monitor_name(self, alarm: LiveResource, fallback: str) -> str:
        """obsgen's own monitor tag when another obsgen project made the alarm, else its name without the env."""
        written = (alarm.tags or {}).get("obsgen:monitor")
        return spec_name(written or without_env(alarm.name, self.env), fallback)

    def metric_source(self, service: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
        dims = dict(source["dimensions"])
        kind = self.recognise(source["namespace"], dims)
        result: dict[str, Any] = {}
        if kind is not None:
            result["resource"] = self.resource(service, kind, dims)
            for d in kind.dimension_names():
                dims.pop(d)
        else:
            result["namespace"] = source["namespace"]
        result["metric"] = source["metric"]
        if dims:
            result["dimensions"] = {k: template(v, self.env) for k, v in sorted(dims.items())}
        result["statistic"] = source["statistic"]
        return result

    def math_metrics(self, alarm: LiveResource, service: dict[str, Any], queries: dict[str, dict[str, Any]],
                     evaluation: int) -> tuple[int, dict[str, Any]]:
        """A math monitor's period (its first query's) and its `metrics:`, each query checked as a single metric is
        (`period()`, `unit()`): what cannot work is left out of the spec, so that it compiles, and verify keeps the
        alarm's queries verbatim (`cloudwatch: Metrics`)."""
        periods = self.query_periods(alarm, queries, evaluation)
        period = next(iter(periods.values()))
        metrics = {}
        for mid, m in queries.items():
            query = self.metric_source(service, m)
            if m.get("unit") and self.unit(alarm, m, m["unit"], _kept_query(mid, f"Unit {m['unit']}"), mid):
                query["unit"] = m["unit"]
            if periods[mid] != period:
                query["period"] = _duration(periods[mid])
            metrics[mid] = query
        return period, metrics

    def query_periods(self, alarm: LiveResource, queries: dict[str, dict[str, Any]], evaluation: int) -> dict[str, int]:
        """Each query's period, or the interval AWS publishes its metric at when the query's is too short (the
        `metric-interval` error); all as they are when the intervals make the evaluation range longer than
        CloudWatch takes (the draft then does not compile, and the import says why)."""
        periods = {mid: m.get("period") or 60 for mid, m in queries.items()}
        too_short = {mid: found for mid, m in queries.items() if (found := _too_short(m, periods[mid], evaluation))}
        fixed = {**periods, **{mid: parse_duration(found.suggestion or "") for mid, found in too_short.items()}}
        longest = max(fixed.values())
        if longest * evaluation > max_evaluation_seconds(longest):
            return periods
        for mid, found in too_short.items():
            kept = _kept_query(mid, f"Period {periods[mid]}, over the spec's period: {found.suggestion}")
            self.findings.append(Finding(alarm.name, "does not work", f"its query '{mid}': {_without_advice(found)}; "
                                         f"{kept}"))
        return fixed

    def unit(self, alarm: LiveResource, source: dict[str, Any], unit: str, kept: str, query: str = "") -> bool:
        """Whether `unit:` can say the alarm's (or its math `query`'s) Unit: a Unit AWS does not publish the metric in
        gets no data points (metrics.checks, metric-unit): kept only verbatim (`kept`: where; the import changes
        nothing in AWS), and said so."""
        found = [p for p in check_metric(source["namespace"] or "", source["metric"] or "", unit=unit)
                 if p.kind == "metric-unit"]
        if not found:
            return True
        outcome = (", so it gets no data points and the expression none of that metric" if query else
                   ", so it gets no data points and stays in INSUFFICIENT_DATA")
        self.findings.append(Finding(alarm.name, "does not work", f"{f'its query {query!r}' if query else 'it'} asks "
                                     f"for Unit {unit}, but AWS publishes {source['namespace']} {source['metric']} in "
                                     f"{found[0].suggestion}{outcome}; {kept}"))
        return False

    def period(self, alarm: LiveResource, body: dict[str, Any], source: dict[str, Any], period: int,
               evaluation: int) -> None:
        """A period shorter than AWS publishes the metric at (metrics.checks, metric-interval, an error): the spec gets
        the metric's interval, so that it compiles, and verify keeps the alarm's own Period (or its queries) verbatim
        (the import changes nothing in AWS); said so. Left alone when the interval's evaluation range is more than
        CloudWatch takes (7 days): the draft then does not compile, and the import says why."""
        found = _too_short(source, period, evaluation)
        if found is None:
            return
        fixed = parse_duration(found.suggestion or "")
        if fixed * evaluation > max_evaluation_seconds(fixed):
            return
        body["period"] = found.suggestion
        kept = _kept(alarm.params, source, f"Period {period}, over the spec's period: {found.suggestion}")
        self.findings.append(Finding(alarm.name, "does not work", f"{_without_advice(found)}; {kept}"))

    def never_fires(self, alarm: LiveResource, body: dict[str, Any], source: dict[str, Any]) -> bool:
        """A threshold the alarm's statistic of its metric never crosses (metrics.ranges, threshold-never-breached, an
        error): the alarm's Threshold is kept verbatim (`cloudwatch: Threshold`, which the check leaves alone), so the
        draft compiles and the import changes nothing in AWS; said so. An expression is checked when it is one of
        its queries, as the spec's are."""
        metric = source if "metric" in source else source.get("metrics", {}).get(str(source.get("expression")).strip())
        operator, _, value = body["threshold"].partition(" ")
        if metric is None or operator not in COMPARISONS:  # a band
            return False
        found = check_range(metric["namespace"] or "", metric["metric"] or "", metric["statistic"],
                            Threshold(operator, float(value)))
        if found is None or found.level is not Level.ERROR:
            return False
        body["cloudwatch"]["Threshold"] = alarm.params.get("Threshold")
        self.findings.append(Finding(alarm.name, "does not work", f"{found.message.split('; write a threshold')[0]}; "
                                     f"kept as it is (cloudwatch: Threshold {value}): delete that line, write a "
                                     "threshold the metric can cross and apply to make it work"))
        return True

    def common(self, alarm: LiveResource, body: dict[str, Any]) -> None:
        if alarm.params.get("ActionsEnabled") is False:
            body["actions_enabled"] = False
        tags = {k: template(v, self.env) for k, v in sorted((alarm.tags or {}).items())
                if not k.lower().startswith(("aws:", "obsgen:"))}
        if tags:
            body["tags"] = tags
        body["cloudwatch"] = {"AlarmName": template(alarm.name, self.env)}

    # --- presets ---------------------------------------------------------------------------

    def as_preset(self, alarm: LiveResource, service: dict[str, Any], body: dict[str, Any], monitor: str) -> bool:
        """An alarm on a resource whose type has presets, of the same metric and comparison as one of
        them: `preset: [<type>.<alarm>]` plus what differs from it, under `presets:`."""
        key = body.get("resource")
        if key is None or body.get("dimensions") or body.get("unit") or body["threshold"].split()[1] == "band":
            return False
        resource = service["resources"][key]
        presets = self.presets.by_type.get(resource["type"])
        if presets is None:
            return False
        operator = body["threshold"].split()[0]
        used = resource.setdefault("presets", {})
        for name, preset in presets.spec.alarms.items():
            if (preset.metric == body["metric"] and preset.comparison == operator and preset.sum_over is None
                    and not preset.dimensions and name not in used):
                resource.setdefault("preset", []).append(f"{presets.spec.service}.{name}")
                used[name] = self.preset_override(preset, body, monitor)
                self.placed[alarm.name] = Placed(service["service"], monitor, used[name], alarm)
                return True
        if not used:
            del resource["presets"]
        return False

    def preset_override(self, preset: PresetAlarm, body: dict[str, Any], monitor: str) -> dict[str, Any]:
        override: dict[str, Any] = {"monitor": monitor, "threshold": body["threshold"], "severity": body["severity"],
                                    "summary": body["summary"]}
        if body["statistic"] != preset.statistic:
            override["statistic"] = body["statistic"]
        if body["period"] != _duration(preset.period):
            override["period"] = body["period"]
        if "datapoints" not in body:  # no DatapointsToAlarm: N periods alone, as AWS holds it
            override["evaluation_periods"] = body.get("evaluation_periods", 1)
        elif body["datapoints"] != str(preset.datapoints):
            override["datapoints"] = body["datapoints"]
        if body.get("missing_data", "missing") != preset.missing_data:
            override["missing_data"] = body.get("missing_data", "missing")
        for key in ("actions_enabled", "tags", "cloudwatch"):
            if key in body:
                override[key] = body[key]
        return override

    # --- composites --------------------------------------------------------------------------

    def composite(self, alarm: LiveResource) -> None:
        children = [self.service_of_alarm.get(c) for c in alarm.depends_on]
        tags = alarm.tags or {}
        grouped = next((tags[k] for k in SERVICE_TAGS if tags.get(k)), None)
        name = self.room_in(spec_name(without_env(grouped, self.env)) if grouped else
                            next((c for c in children if c is not None), None) or "composites")

        def ref_of(child: str) -> str | None:
            placed = self.placed.get(child)
            if placed is None:
                return None
            return placed.monitor if placed.service == name else f"{placed.service}/{placed.monitor}"

        try:
            rule = translate(alarm.params.get("AlarmRule", ""), ref_of)
        except Untranslatable as exc:
            self.findings.append(Finding(alarm.name, "not imported", f"its rule cannot be written in obsgen's "
                                                                     f"rule language: {exc}"))
            return
        service = self.service(name)
        self.service_of_alarm[alarm.name] = name
        monitor = unique(self.monitor_name(alarm, "composite"), self.taken[name])
        body: dict[str, Any] = {"summary": _summary(alarm), "severity": self.routing.severity_of(alarm), "rule": rule}
        self.common(alarm, body)
        service["monitors"][monitor] = body
        self.placed[alarm.name] = Placed(name, monitor, body, alarm)

    def finish(self) -> dict[str, dict[str, Any]]:
        for spec in self.services.values():
            _hoist_tags(spec, [p.body for p in self.placed.values() if p.service == spec["service"]])
            spec["resources"] = {k: {f: r[f] for f in _RESOURCE_ORDER if f in r} for k, r in spec["resources"].items()}
            for key in ("resources", "monitors"):
                if not spec[key]:
                    del spec[key]
        return dict(sorted(self.services.items()))


_RESOURCE_ORDER = ("type", "name", "dimensions", "preset", "params", "presets")


def _hoist_tags(service: dict[str, Any], bodies: list[dict[str, Any]]) -> None:
    """Tags every monitor of the service carries are written once, as the service's `tags:`."""
    if not bodies:
        return
    shared = set.intersection(*(set(b.get("tags", {}).items()) for b in bodies))
    if not shared:
        return
    for body in bodies:
        left = {k: v for k, v in body["tags"].items() if (k, v) not in shared}
        if left:
            body["tags"] = left
        else:
            del body["tags"]
    head = {k: v for k, v in service.items() if k not in ("resources", "monitors")}
    rest: dict[str, Any] = {k: service[k] for k in ("resources", "monitors") if k in service}
    service.clear()
    service.update({**head, "tags": dict(sorted(shared)), **rest})


def _resource_key(alarm: LiveResource) -> tuple[str, str] | None:
    """The first metric an alarm reads, as (namespace, its dimensions): which resource it watches."""
    p = alarm.params
    stat = next((q["MetricStat"]["Metric"] for q in p.get("Metrics") or [] if q.get("MetricStat")), None)
    metric = stat or (p if p.get("Namespace") else None)
    if metric is None:
        return None
    dims = sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions") or [])
    return metric.get("Namespace", ""), repr(dims)


def _preferred(namespace: str) -> str:
    return {"AWS/ApiGateway": "apigateway", "AWS/S3": "s3"}.get(namespace, "")


def _summary(alarm: LiveResource) -> str:
    """The description's first line when it is a short sentence, else the alarm's name."""
    description = (alarm.params.get("AlarmDescription") or "").strip()
    line = description.splitlines()[0].strip() if description else ""
    return line if 0 < len(line) <= 200 else f"Alarm {alarm.name}."


def _warm_up(config: dict[str, Any]) -> str | dict[str, Any]:
    """WarmUpConfiguration as the spec's `warm_up:` (targets/cloudwatch.warm_up_params, read back)."""
    duration = _duration(int(config["WarmUpPeriodDurationInMinutes"]) * 60)
    return {"duration": duration, "wait": True} if config.get("OnlyStartEvaluatingAfterWarmUpPeriodEnds") else duration


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def _threshold(params: dict[str, Any], source: dict[str, Any]) -> str:
    operator = params.get("ComparisonOperator", "GreaterThanThreshold")
    if operator in _BAND_OPERATORS:
        return f"{_BAND_OPERATORS[operator]} band {number_text(float(source.get('band', 2)))}"
    return f"{_OPERATORS.get(operator, '>')} {number_text(float(params.get('Threshold', 0)))}"


def _too_short(source: dict[str, Any], period: int, evaluation: int) -> Problem | None:
    """The `metric-interval` error of a metric read at `period` for `evaluation` periods, when it has a period to
    write instead (the metric's interval)."""
    found = [p for p in check_metric(source["namespace"] or "", source["metric"] or "", period=period,
                                     evaluation_periods=evaluation)
             if p.kind == "metric-interval" and p.level is Level.ERROR and p.suggestion]
    return found[0] if found else None


def _without_advice(problem: Problem) -> str:
    """The error's message without its advice to the spec's author ("write period: 1d"): the report gives its own."""
    return problem.message.split("; write period")[0]


def _kept(params: dict[str, Any], source: dict[str, Any], what: str) -> str:
    """Where the import keeps a parameter that does not work, and what makes the alarm work: the alarm's own
    parameter (one line to delete), or in its queries (`cloudwatch: Metrics`: a band's; a shape obsgen does
    not describe keeps them anyway, so they are corrected there)."""
    if not params.get("Metrics"):
        return f"kept as it is (cloudwatch: {what}): delete that line and apply to make it work"
    if source.get("raw"):
        return f"kept as it is (cloudwatch: Metrics, the query's {what}): correct it there and apply to make it work"
    return _kept_query(str(source.get("id", "")), what)


def _kept_query(mid: str, what: str) -> str:
    """A query's parameter kept in `cloudwatch: Metrics` (verify keeps the queries as AWS holds them, since the
    spec's differ): deleting `Metrics` makes obsgen write the queries from the spec's `metrics:`."""
    return (f"kept as it is (cloudwatch: Metrics, query '{mid}' with {what}): delete Metrics under cloudwatch: "
            "and apply to make it work")


def _stat_source(query: dict[str, Any]) -> dict[str, Any]:
    stat = query["MetricStat"]
    metric = stat["Metric"]
    return {"namespace": metric.get("Namespace"), "metric": metric.get("MetricName"),
            "dimensions": {d["Name"]: d["Value"] for d in metric.get("Dimensions") or []},
            "statistic": stat.get("Stat", "Average"), "period": stat.get("Period"), "unit": stat.get("Unit"),
            "id": query["Id"]}


def _band_source(params: dict[str, Any]) -> dict[str, Any] | None:
    """An anomaly-detection alarm: its one metric and the band's width."""
    metrics = params["Metrics"]
    band_id = params.get("ThresholdMetricId")
    band = next((q for q in metrics if q["Id"] == band_id), None)
    match = _BAND.match(band.get("Expression", "")) if band else None
    stats = [q for q in metrics if q.get("MetricStat")]
    if match is None or len(stats) != 1 or stats[0]["Id"] != match.group(1):
        return None
    return {**_stat_source(stats[0]), "band": float(match.group(2) or 2)}


def _math_source(params: dict[str, Any]) -> dict[str, Any]:
    """A metric-math alarm: the expression that returns data over the metrics it reads."""
    metrics = params["Metrics"]
    stats = {q["Id"]: _stat_source(q) for q in metrics if q.get("MetricStat")}
    expressions = [q for q in metrics if q.get("Expression")]
    returned = [q for q in expressions if q.get("ReturnData", True)]
    simple = (len(expressions) == 1 and len(returned) == 1 and stats
              and all(re.match(r"^[a-z][a-zA-Z0-9_]*$", i) and i != "expression" for i in stats))
    if simple:
        return {"expression": returned[0]["Expression"], "metrics": stats}
    # Another shape (several expressions, SEARCH, Metrics Insights, another account's metric): obsgen
    # describes the first metric it reads and keeps the queries as written.
    first = next(iter(stats.values()), None) or {"namespace": "AWS/Custom", "metric": "Imported",
                                                 "dimensions": {}, "statistic": "Average"}
    return {**first, "raw": "its metric-math queries have a shape obsgen does not describe "
                            "(kept as written under cloudwatch.Metrics)"}
