"""OpenSLO v1 input: `SLO`, `SLI`, `AlertPolicy` and `AlertCondition` documents under monitors/openslo/,
translated into the `slos:` of obsgen services (docs/slos.md, "OpenSLO input").

The spec: https://github.com/OpenSLO/OpenSLO (README.md, v1). obsgen reads its common subset: ratio SLIs
(`ratioMetric` with `good` or `bad`, and `total`) from Prometheus or CloudWatch, a CloudWatch latency SLI
(`thresholdMetric` with the objective's `op: lte` and `value`: obsgen's `latency:`), one rolling time window,
`budgetingMethod: Occurrences`, one objective (`target` or `targetPercent`), and burn-rate alert conditions,
which become the page tier (long window under a day) or the ticket tier (a day or more), as the SRE
workbook's conditions are. Everything else is an `openslo-unsupported` error at the construct, saying what
to write instead; a malformed or dangling document is `openslo-invalid`.

Each SLO becomes the same `Slo` a service file would hold, validated by the same model, in a document of its
own shaped `{"slos": {name: ...}}` whose positions are the OpenSLO file's: a problem the later passes find
(an objective out of range, an unknown severity) points at the OpenSLO line that caused it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import ValidationError

from ..diagnostics import Diagnostic, Span, error, shown
from . import yaml_reader
from .errors import diagnostics_from
from .v1.slos import OPENSLO_API_VERSION, OPENSLO_FOLDER, Slo
from .yaml_reader import Document, KeyMarks, Loc, Mapping, Sequence, pack

API_VERSION = OPENSLO_API_VERSION
FOLDER = OPENSLO_FOLDER  # monitors/openslo/
KINDS = ("SLO", "SLI", "AlertPolicy", "AlertCondition")
DAY = 86_400
PAGE_BELOW = DAY  # a condition whose long window is under a day pages (the workbook's 1h and 6h); longer, a ticket
SHORT_WINDOW_DIVISOR = 12  # slo_policy.SHORT_WINDOW_DIVISOR: obsgen's short window is 1/12 of the long one
# OpenSLO's duration-shorthand: a number and one of m, h, d, w, M, Q, Y (README.md, "duration-shorthand").
_DURATION = re.compile(r"^([1-9][0-9]{0,5})([mhdwMQY])$")
_SECONDS = {"m": 60, "h": 3_600, "d": DAY, "w": 7 * DAY}
_UNSUPPORTED_KINDS = {
    "Service": "an obsgen service is a file of monitors/ (apiVersion obsgen/v1); spec.service of an SLO names it",
    "DataSource": "write the metric source inline in the SLI (metricSource.type and spec)",
    "AlertNotificationTarget": "obsgen routes alerts by severity (routing: in monitors/obsgen.yaml)",
}


@dataclass(frozen=True, slots=True)
class TranslatedSlo:
    """One OpenSLO SLO as obsgen's: the service it belongs to, and the document that locates it."""

    service: str
    name: str
    slo: Slo
    doc: Document  # {"slos": {name: ...}} with the OpenSLO file's positions and path
    service_span: Span  # spec.service, for an unknown service


@dataclass(slots=True)
class _Object:
    doc: Document
    loc: Loc  # () for a document; the path of an inline object within its document
    data: Mapping


@dataclass(slots=True)
class _Reader:
    problems: list[Diagnostic] = field(default_factory=list)
    objects: dict[tuple[str, str], _Object] = field(default_factory=dict)  # (kind, name) -> its object
    # An SLI document's translation (None: it has problems, reported once however many SLOs refer to it).
    slis: dict[str, "Mapping | _Threshold | None"] = field(default_factory=dict)

    def fail(self, doc: Document, loc: Loc, code: str, message: str, at_key: bool = False) -> None:
        self.problems.append(error(doc.span(loc, at_key=at_key), code, message))

    def unsupported(self, obj: _Object, key: str, message: str) -> None:
        self.fail(obj.doc, obj.loc + (key,), "openslo-unsupported", message, at_key=True)


def read(files: list[tuple[str, bytes]]) -> tuple[list[TranslatedSlo], list[Diagnostic]]:
    """Every SLO of the OpenSLO files (path as shown, content), translated; and every problem, located."""
    reader = _Reader()
    slos: list[_Object] = []
    for path, content in files:
        docs, problems = yaml_reader.load_all(path, content)
        reader.problems += problems
        for doc in docs:
            obj = _document(reader, doc)
            if obj is not None and obj.data["kind"] == "SLO":
                slos.append(obj)
    translated = [t for obj in slos if (t := _slo(reader, obj)) is not None]
    return translated, reader.problems


def _document(reader: _Reader, doc: Document) -> _Object | None:
    data = doc.data
    if not isinstance(data, Mapping):
        reader.fail(doc, (), "openslo-invalid", "expected an OpenSLO document, a mapping with apiVersion, kind, "
                                                "metadata and spec")
        return None
    if data.get("apiVersion") != API_VERSION:
        reader.fail(doc, ("apiVersion",) if "apiVersion" in data else (), "bad-api-version",
                    f"files under monitors/{FOLDER}/ hold OpenSLO documents of apiVersion {API_VERSION}; found "
                    f"'{shown(data.get('apiVersion'))}'")
        return None
    kind = data.get("kind")
    if kind in _UNSUPPORTED_KINDS:
        reader.fail(doc, ("kind",), "openslo-unsupported", f"obsgen does not read OpenSLO kind {kind}: "
                                                           f"{_UNSUPPORTED_KINDS[kind]}")
        return None
    if kind not in KINDS:
        reader.fail(doc, ("kind",) if "kind" in data else (), "openslo-invalid",
                    f"unknown OpenSLO kind '{shown(kind)}'; obsgen reads {', '.join(KINDS)}")
        return None
    return _named(reader, _Object(doc, (), data), kind)


def _named(reader: _Reader, obj: _Object, kind: str) -> _Object | None:
    """The object, registered by metadata.name, if it has a name and a spec mapping."""
    metadata, spec = obj.data.get("metadata"), obj.data.get("spec")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not isinstance(name, str) or not name:
        reader.fail(obj.doc, obj.loc + ("metadata",), "openslo-invalid", f"an OpenSLO {kind} needs metadata.name")
        return None
    if not isinstance(spec, Mapping):
        reader.fail(obj.doc, obj.loc + ("spec",), "openslo-invalid", f"an OpenSLO {kind} needs a spec mapping")
        return None
    if obj.loc == ():
        if (kind, name) in reader.objects:
            first = reader.objects[(kind, name)]
            reader.fail(obj.doc, ("metadata", "name"), "openslo-invalid",
                        f"{kind} '{shown(name)}' is already defined at {first.doc.span(('metadata', 'name'))}")
            return None
        reader.objects[(kind, name)] = obj
    return obj


def _name(obj: _Object) -> str:
    return str(obj.data["metadata"]["name"])


def _spec(obj: _Object) -> _Object:
    return _Object(obj.doc, obj.loc + ("spec",), obj.data["spec"])


def _child(reader: _Reader, obj: _Object, key: str, what: str) -> _Object | None:
    value = obj.data.get(key)
    if not isinstance(value, Mapping):
        where = obj.loc + (key,) if key in obj.data else obj.loc
        reader.fail(obj.doc, where, "openslo-invalid", f"{what} needs '{key}', a mapping", at_key=key not in obj.data)
        return None
    return _Object(obj.doc, obj.loc + (key,), value)


def _only(reader: _Reader, obj: _Object, allowed: set[str], instead: dict[str, str]) -> bool:
    """No key but `allowed`: a key of `instead` is a construct obsgen does not read (the message says
    what to write instead), any other an unknown key."""
    fine, said = True, set()
    for key in obj.data:
        if key in instead:
            if instead[key] not in said:  # `op` and `value` are one construct: one error
                reader.unsupported(obj, key, instead[key])
                said.add(instead[key])
            fine = False
        elif key not in allowed:
            reader.fail(obj.doc, obj.loc + (key,), "openslo-invalid",
                        f"unknown key '{shown(key)}' (obsgen reads {', '.join(sorted(allowed))} here)", at_key=True)
            fine = False
    return fine


# --- the translated mapping, with the OpenSLO positions ---------------------------------------------


def _node(start: KeyMarks | None, items: list[tuple[str, Any, KeyMarks]]) -> Mapping:
    mapping = Mapping()
    mapping.start = yaml_reader.value_position(start) if start is not None else (0, 0)
    mapping.marks = {}
    for key, value, marks in items:
        mapping[key] = value
        mapping.marks[key] = marks
    return mapping


def _sequence(items: list[tuple[Any, KeyMarks]]) -> Sequence:
    sequence = Sequence()
    sequence.start = yaml_reader.value_position(items[0][1]) if items else (0, 0)
    sequence.marks = []
    for value, marks in items:
        sequence.append(value)
        sequence.marks.append(pack(yaml_reader.value_position(marks)))
    return sequence


def _marks(obj: _Object, key: str) -> KeyMarks:
    """Where `key` of `obj` stands (its key and its value); the object's own start when it is absent."""
    if key in obj.data.marks:
        return obj.data.marks[key]
    return yaml_reader.key_marks(obj.data.start, obj.data.start)


# --- SLO -----------------------------------------------------------------------------------------------


def _slo(reader: _Reader, obj: _Object) -> TranslatedSlo | None:
    problems = len(reader.problems)
    spec = _spec(obj)
    _only(reader, spec, {"description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod",
                         "objectives", "alertPolicies"}, {})
    service = spec.data.get("service")
    if not isinstance(service, str) or not service:
        reader.fail(obj.doc, spec.loc + ("service",) if "service" in spec.data else spec.loc, "openslo-invalid",
                    "an SLO needs spec.service, the obsgen service (a file of monitors/) it belongs to")
    method = spec.data.get("budgetingMethod")
    if method != "Occurrences":
        where = spec.loc + ("budgetingMethod",) if "budgetingMethod" in spec.data else spec.loc
        reader.fail(obj.doc, where, "openslo-unsupported",
                    f"budgetingMethod {shown(method) if method is not None else 'missing'}: obsgen counts events; "
                    "write budgetingMethod: Occurrences")
    window = _time_window(reader, spec)
    indicator = _indicator(reader, spec)
    # an SLI with problems (reported) says nothing of whether op and value belong: they are not reported again
    objective = _objective(reader, spec, threshold=isinstance(indicator, _Threshold) if indicator else None)
    tiers = _alert_policies(reader, spec)
    if len(reader.problems) > problems or window is None or objective is None or indicator is None or tiers is None:
        return None
    sli = _latency(indicator, objective[1]) if isinstance(indicator, _Threshold) else indicator
    items: list[tuple[str, Any, KeyMarks]] = []
    if isinstance(obj.data["metadata"].get("displayName"), str):
        items.append(("summary", obj.data["metadata"]["displayName"], _marks(_Object(obj.doc, ("metadata",),
                                                                                     obj.data["metadata"]), "displayName")))
    if isinstance(spec.data.get("description"), str):
        items.append(("description", spec.data["description"], _marks(spec, "description")))
    items += [objective[0], window, ("sli", sli, _marks(spec, "indicatorRef" if "indicatorRef" in spec.data else "indicator"))]
    items += tiers
    name = _name(obj)
    name_marks = _marks(_Object(obj.doc, ("metadata",), obj.data["metadata"]), "name")
    mapping = _node(name_marks, items)
    doc = Document(obj.doc.path, _node(name_marks, [("slos", _node(name_marks, [(name, mapping, name_marks)]), name_marks)]),
                   obj.doc.text)
    try:
        slo = Slo.model_validate(mapping)
    except ValidationError as exc:
        reader.problems += diagnostics_from(exc, Document(obj.doc.path, mapping, obj.doc.text), Slo)
        return None
    return TranslatedSlo(str(service), name, slo, doc, obj.doc.span(spec.loc + ("service",)))


def _time_window(reader: _Reader, spec: _Object) -> tuple[str, Any, KeyMarks] | None:
    windows = spec.data.get("timeWindow")
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], Mapping):
        where = spec.loc + ("timeWindow",) if "timeWindow" in spec.data else spec.loc
        reader.fail(spec.doc, where, "openslo-invalid",
                    "an SLO needs timeWindow, a list of one rolling window: - {duration: 30d, isRolling: true}")
        return None
    item = _Object(spec.doc, spec.loc + ("timeWindow", 0), windows[0])
    if not _only(reader, item, {"duration", "isRolling"}, {"calendar": "calendar-aligned windows are not "
                 "supported: write a rolling window, duration: 30d with isRolling: true"}):
        return None
    if item.data.get("isRolling") is not True:
        reader.fail(spec.doc, item.loc + ("isRolling",) if "isRolling" in item.data else item.loc, "openslo-unsupported",
                    "obsgen's SLO windows are rolling: write isRolling: true (calendar-aligned windows are not supported)")
        return None
    seconds = _duration(reader, item, "duration", "the SLO window")
    if seconds is None:
        return None
    return "window", _written(seconds), _marks(item, "duration")


def _duration(reader: _Reader, obj: _Object, key: str, what: str) -> int | None:
    """OpenSLO's duration-shorthand in seconds: m, h, d and w; M, Q and Y are calendar units."""
    text = obj.data.get(key)
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        reader.fail(obj.doc, obj.loc + (key,) if key in obj.data else obj.loc, "openslo-invalid",
                    f"{what} needs '{key}', a duration such as 30d, 4w or 1h")
        return None
    if match.group(2) not in _SECONDS:
        reader.fail(obj.doc, obj.loc + (key,), "openslo-unsupported",
                    f"{text} is a calendar duration (months, quarters, years are not a fixed length); write days or "
                    "weeks, e.g. 30d or 4w")
        return None
    return int(match.group(1)) * _SECONDS[match.group(2)]


def _objective(reader: _Reader, spec: _Object, threshold: bool | None
               ) -> tuple[tuple[str, Any, KeyMarks], tuple[Any, KeyMarks] | None] | None:
    """("objective", percent, marks), and for a thresholdMetric SLI the objective's `value` (the latency at or
    under which a request is good) with its marks; `threshold` None: the SLI is wrong, op and value go unchecked."""
    objectives = spec.data.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        reader.fail(spec.doc, spec.loc + ("objectives",) if "objectives" in spec.data else spec.loc, "openslo-invalid",
                    "an SLO needs objectives, a list of one: - target: 0.999")
        return None
    if len(objectives) > 1:
        reader.fail(spec.doc, spec.loc + ("objectives", 1), "openslo-unsupported",
                    "obsgen compiles one objective per SLO: write one SLO document per objective")
        return None
    if not isinstance(objectives[0], Mapping):
        reader.fail(spec.doc, spec.loc + ("objectives", 0), "openslo-invalid", "an objective is a mapping: target: 0.999")
        return None
    item = _Object(spec.doc, spec.loc + ("objectives", 0), objectives[0])
    ratio = ("op and value belong to a thresholdMetric SLI (a CloudWatch latency metric); a ratioMetric SLI's "
             "objective is its target alone: leave op and value out")
    timeslices = "time-slice objectives are not supported: obsgen counts events (budgetingMethod: Occurrences)"
    composite = "composite objectives are not supported: write one SLO per indicator"
    instead = {"timeSliceTarget": timeslices, "timeSliceWindow": timeslices,
               "indicator": composite, "indicatorRef": composite, "compositeWeight": composite}
    if not _only(reader, item, {"displayName", "target", "targetPercent", *(("op", "value") if threshold is not False else ())},
                 instead if threshold is not False else {"op": ratio, "value": ratio, **instead}):
        return None
    latency = _threshold_value(reader, item) if threshold else None
    if threshold and latency is None:
        return None
    given = [k for k in ("target", "targetPercent") if k in item.data]
    value = item.data.get(given[0]) if len(given) == 1 else None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        reader.fail(spec.doc, item.loc + (given[0],) if len(given) == 1 else item.loc, "openslo-invalid",
                    "an objective needs one of target (a fraction, 0.999) or targetPercent (99.9), a number")
        return None
    # The fraction as the decimal it is written as: 0.999 is 99.9%, exactly the float `objective: 99.9%` reads.
    percent = Decimal(repr(value)) * (100 if given[0] == "target" else 1)
    return ("objective", float(percent), _marks(item, given[0])), latency


def _threshold_value(reader: _Reader, item: _Object) -> tuple[Any, KeyMarks] | None:
    """A thresholdMetric objective's `value`, with `op: lte`: a request at or under it is good, as CloudWatch's
    percentile rank PR(:value) counts "the percentage of data points that are <= value"
    (monitoring/Statistics-definitions.html)."""
    op, value = item.data.get("op"), item.data.get("value")
    if op is None or value is None:
        reader.fail(item.doc, item.loc, "openslo-invalid", "a thresholdMetric SLI needs its objective's op: lte and "
                    "value, the latency at or under which a request is good (e.g. value: 500 for 500 ms)")
        return None
    if op != "lte":
        reader.fail(item.doc, item.loc + ("op",), "openslo-unsupported",
                    f"op {shown(op)}: obsgen's latency SLI counts a request at or under the value as good (CloudWatch's "
                    "PR(:value) counts <= value); write op: lte")
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
        reader.fail(item.doc, item.loc + ("value",), "openslo-invalid",
                    "value is the latency threshold, a number above 0 in the metric's unit (e.g. 500 for 500 ms)")
        return None
    return value, _marks(item, "value")


# --- SLI -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Threshold:
    """A thresholdMetric SLI: a CloudWatch latency metric, whose threshold is the objective's `value`."""

    metric: Mapping  # obsgen's metric mapping (namespace, metric, dimensions), at the OpenSLO positions
    marks: KeyMarks


def _latency(threshold: _Threshold, value: tuple[Any, KeyMarks] | None) -> Mapping:
    """`latency: {namespace, metric, dimensions, slower_than: value}`: a request slower than the objective's value is
    bad. The metric's `stat` is not read: the SLI counts requests by PR(:value) and SampleCount."""
    assert value is not None  # _objective gives the value for a thresholdMetric SLI
    metric = threshold.metric
    items = [(k, metric[k], metric.marks[k]) for k in metric if k != "statistic"]
    latency = _node(threshold.marks, items + [("slower_than", value[0], value[1])])
    return _node(threshold.marks, [("latency", latency, threshold.marks)])


def _indicator(reader: _Reader, spec: _Object) -> Mapping | _Threshold | None:
    given = [k for k in ("indicator", "indicatorRef") if k in spec.data]
    if len(given) != 1:
        reader.fail(spec.doc, spec.loc + (given[1],) if given else spec.loc, "openslo-invalid",
                    "an SLO needs one of indicator (an inline SLI) or indicatorRef (the name of an SLI document)",
                    at_key=bool(given))
        return None
    if given[0] == "indicatorRef":
        ref = spec.data["indicatorRef"]
        sli = reader.objects.get(("SLI", ref)) if isinstance(ref, str) else None
        if sli is None:
            reader.fail(spec.doc, spec.loc + ("indicatorRef",), "openslo-invalid",
                        f"no SLI named '{shown(ref)}' in monitors/{FOLDER}/")
            return None
        if ref not in reader.slis:
            reader.slis[ref] = _sli(reader, _spec(sli))
        return reader.slis[ref]
    else:
        inline = _child(reader, spec, "indicator", "an SLO")
        sli = _named(reader, inline, "SLI") if inline is not None else None
        if sli is None:
            return None
    return _sli(reader, _spec(sli))


def _sli(reader: _Reader, spec: _Object) -> Mapping | _Threshold | None:
    if "thresholdMetric" in spec.data and "ratioMetric" in spec.data:
        reader.fail(spec.doc, spec.loc + ("thresholdMetric",), "openslo-invalid",
                    "an SLI has one of ratioMetric or thresholdMetric, not both", at_key=True)
        return None
    if "thresholdMetric" in spec.data:
        return _threshold(reader, spec)
    return _ratio(reader, spec)


def _threshold(reader: _Reader, spec: _Object) -> _Threshold | None:
    """A CloudWatch latency metric (the objective's op: lte and value say how slow is too slow). A Prometheus
    thresholdMetric's query gives a latency per time slice, not events: its histogram is a ratioMetric."""
    if not _only(reader, spec, {"description", "thresholdMetric"}, {}):
        return None
    metric = _child(reader, spec, "thresholdMetric", "an SLI")
    if metric is None or not _only(reader, metric, {"metricSource"}, {}):
        return None
    source = _source(reader, spec, "thresholdMetric")
    if source is None:
        return None
    kind, value, marks = source
    if kind == "prometheus":
        reader.fail(spec.doc, spec.loc + ("thresholdMetric", "metricSource", "type"), "openslo-unsupported",
                    "a Prometheus thresholdMetric reads a latency, not events: write a ratioMetric with the "
                    "histogram's bucket as good, sum(rate(<histogram>_bucket{le=\"0.5\"}[${window}])), and its "
                    "count as total, sum(rate(<histogram>_count[${window}]))")
        return None
    return _Threshold(value, marks)


def _ratio(reader: _Reader, spec: _Object) -> Mapping | None:
    if not _only(reader, spec, {"description", "ratioMetric"}, {}):
        return None
    ratio = _child(reader, spec, "ratioMetric", "an SLI")
    raw = "raw ratios are not supported: write good (or bad) and total, each a metricSource"
    if ratio is None or not _only(reader, ratio, {"counter", "good", "bad", "total"}, {"raw": raw, "rawType": raw}):
        return None
    given = [k for k in ("good", "bad") if k in ratio.data]
    if len(given) != 1 or "total" not in ratio.data:
        reader.fail(ratio.doc, ratio.loc, "openslo-invalid",
                    "a ratioMetric needs total and one of good or bad")
        return None
    sources = {key: _source(reader, ratio, key) for key in (given[0], "total")}
    if None in sources.values():
        return None
    types = {kind for kind, _, _ in sources.values()}  # type: ignore[misc]
    if len(types) > 1:
        reader.fail(ratio.doc, ratio.loc + ("total",), "openslo-unsupported",
                    "good (or bad) and total read different metric source types; obsgen compiles an SLI for one backend")
        return None
    kind = types.pop()
    if kind == "prometheus":
        return _prometheus(ratio, given[0], sources)  # type: ignore[arg-type]
    return _node(ratio.data.marks.get(given[0]), [
        (given[0], sources[given[0]][1], sources[given[0]][2]),  # type: ignore[index]
        ("valid", sources["total"][1], sources["total"][2]),  # type: ignore[index]
    ])


def _prometheus(ratio: _Object, counted: str, sources: dict[str, tuple[str, Any, KeyMarks]]) -> Mapping:
    """errors and total with `${window}`; good events count as errors by difference, total minus good."""
    total = sources["total"][1]
    errors = sources[counted][1] if counted == "bad" else f"({total}) - ({sources[counted][1]})"
    return _node(ratio.data.marks.get(counted), [("errors", errors, sources[counted][2]),
                                                  ("total", total, sources["total"][2])])


def _source(reader: _Reader, ratio: _Object, key: str) -> tuple[str, Any, KeyMarks] | None:
    """(kind, obsgen's value, marks) of good/bad/total: a PromQL string, or a CloudWatch metric mapping."""
    part = _child(reader, ratio, key, f"'{key}'")
    source = _child(reader, part, "metricSource", f"'{key}'") if part is not None else None
    if part is None or source is None or not _only(reader, part, {"metricSource"}, {}):
        return None
    if not _only(reader, source, {"type", "spec"}, {"metricSourceRef": "DataSource documents are not read: write the "
                 "source inline, type: Prometheus or CloudWatch with its spec"}):
        return None
    kind = str(source.data.get("type", "")).lower()
    if kind not in ("prometheus", "cloudwatch"):
        reader.fail(source.doc, source.loc + ("type",) if "type" in source.data else source.loc, "openslo-unsupported",
                    f"metricSource type '{shown(source.data.get('type'))}' is not supported: obsgen reads Prometheus "
                    "(spec.query) or CloudWatch (spec.namespace, metricName, stat, dimensions)")
        return None
    spec = _child(reader, source, "spec", "a metricSource")
    if spec is None:
        return None
    if kind == "prometheus":
        return _prom_query(reader, spec)
    return _cloudwatch_metric(reader, spec)


def _prom_query(reader: _Reader, spec: _Object) -> tuple[str, Any, KeyMarks] | None:
    if not _only(reader, spec, {"query"}, {}):
        return None
    query = spec.data.get("query")
    if not isinstance(query, str) or not query:
        reader.fail(spec.doc, spec.loc, "openslo-invalid", "a Prometheus metricSource needs spec.query, PromQL with "
                                                           "a ${window} range, e.g. sum(rate(http_requests_total[${window}]))")
        return None
    return "prometheus", query, _marks(spec, "query")


def _cloudwatch_metric(reader: _Reader, spec: _Object) -> tuple[str, Any, KeyMarks] | None:
    where = "the environment's account and region apply (obsgen.yaml environments); leave it out"
    other = "obsgen reads a CloudWatch metric by namespace, metricName, stat and dimensions"
    if not _only(reader, spec, {"namespace", "metricName", "stat", "dimensions"},
                 {"region": where, "accountId": where, "metricStat": other, "sql": other, "json": other}):
        return None
    items: list[tuple[str, Any, KeyMarks]] = []
    for key, ours in (("namespace", "namespace"), ("metricName", "metric"), ("stat", "statistic")):
        if key in spec.data:
            items.append((ours, spec.data[key], _marks(spec, key)))
    dimensions = spec.data.get("dimensions")
    if dimensions is not None:
        if not isinstance(dimensions, list) or not all(isinstance(d, Mapping) and set(d) == {"name", "value"}
                                                       for d in dimensions):
            reader.fail(spec.doc, spec.loc + ("dimensions",), "openslo-invalid",
                        "dimensions is a list of name and value: - {name: ApiName, value: stock-api}")
            return None
        items.append(("dimensions", _node(_marks(spec, "dimensions"),
                                          [(str(d["name"]), d["value"], d.marks["value"]) for d in dimensions]),
                      _marks(spec, "dimensions")))
    return "cloudwatch", _node(spec.data.marks.get("metricName"), items), _marks(spec, "metricName")


# --- alert policies and conditions -------------------------------------------------------------------------


def _alert_policies(reader: _Reader, spec: _Object) -> list[tuple[str, Any, KeyMarks]] | None:
    """The page and ticket tiers of the SLO's burn-rate conditions: a long window under a day pages, a day or
    more opens a ticket (the workbook's 1h and 6h; 1d and 3d). A tier's conditions share one severity."""
    policies = spec.data.get("alertPolicies", [])
    if not isinstance(policies, list):
        reader.fail(spec.doc, spec.loc + ("alertPolicies",), "openslo-invalid", "alertPolicies is a list")
        return None
    tiers: dict[str, list[tuple[_Object, Any, KeyMarks, int]]] = {"page": [], "ticket": []}
    for index, item in enumerate(policies):
        policy = _referred(reader, spec, ("alertPolicies", index), item, "AlertPolicy")
        if policy is None:
            continue
        for condition in _conditions(reader, _spec(policy)):
            burn = _burn(reader, condition, spec)
            if burn is not None:
                tier = "page" if burn[2] < PAGE_BELOW else "ticket"
                tiers[tier].append((condition, burn[0], burn[1], burn[2]))
    result: list[tuple[str, Any, KeyMarks]] = []
    for tier, burns in tiers.items():
        if not burns:
            continue
        severities = {str(c.data.get("severity")) for c, _, _, _ in burns}
        first = burns[0][0]
        if len(severities) > 1:
            reader.fail(first.doc, first.loc + ("severity",), "openslo-unsupported",
                        f"the {tier} tier's conditions (long windows {'under' if tier == 'page' else 'of'} a day"
                        f"{'' if tier == 'page' else ' or more'}) have severities {', '.join(sorted(severities))}; "
                        "obsgen gives a tier one severity: write the same severity on each")
            continue
        at = _marks(first, "severity")
        result.append((tier, _node(at, [("severity", severities.pop(), at),
                                        ("burns", _sequence([(b, m) for _, b, m, _ in burns]), at)]), at))
    return result


def _referred(reader: _Reader, parent: _Object, loc: Loc, item: Any, kind: str) -> _Object | None:
    """An inline object of `kind` (with kind, metadata, spec), or a reference by name (`conditionRef:` for a
    condition, a plain name for a policy)."""
    where = parent.loc + loc
    if isinstance(item, str) or (kind == "AlertCondition" and isinstance(item, Mapping) and "conditionRef" in item):
        name = item if isinstance(item, str) else item["conditionRef"]
        found = reader.objects.get((kind, name)) if isinstance(name, str) else None
        if found is None:
            reader.fail(parent.doc, where, "openslo-invalid", f"no {kind} named '{shown(name)}' in monitors/{FOLDER}/")
        return found
    if not isinstance(item, Mapping) or item.get("kind") != kind:
        reader.fail(parent.doc, where, "openslo-invalid",
                    f"expected the name of an {kind}, or one inline (kind: {kind}, metadata, spec)")
        return None
    return _named(reader, _Object(parent.doc, where, item), kind)


def _conditions(reader: _Reader, policy: _Object) -> list[_Object]:
    targets = "notification targets are not supported: obsgen routes alerts by severity (routing: in obsgen.yaml)"
    nodata = "obsgen's burn-rate alerts treat missing data as not breaching; leave alertWhenNoData out or false"
    if policy.data.get("alertWhenNoData") is True:
        reader.unsupported(policy, "alertWhenNoData", nodata)
    if not _only(reader, policy, {"description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching",
                                  "conditions"}, {"notificationTargets": targets}):
        return []
    conditions = policy.data.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        reader.fail(policy.doc, policy.loc + ("conditions",) if "conditions" in policy.data else policy.loc,
                    "openslo-invalid", "an AlertPolicy needs conditions, a list of AlertConditions")
        return []
    found = [_referred(reader, policy, ("conditions", i), item, "AlertCondition") for i, item in enumerate(conditions)]
    return [_spec(c) for c in found if c is not None]


def _burn(reader: _Reader, spec: _Object, slo_spec: _Object) -> tuple[Mapping, KeyMarks, int] | None:
    """obsgen's burn of one AlertCondition: the budget share that its burn-rate threshold spends over its
    lookback window, p = f · L / P (the inverse of slo_policy.Burn.factor), and that window."""
    if not _only(reader, spec, {"description", "severity", "condition"}, {}):
        return None
    if not isinstance(spec.data.get("severity"), str):
        reader.fail(spec.doc, spec.loc + ("severity",) if "severity" in spec.data else spec.loc, "openslo-invalid",
                    "an AlertCondition needs severity, one of the project's severities")
        return None
    condition = _child(reader, spec, "condition", "an AlertCondition")
    if condition is None or not _only(reader, condition, {"kind", "op", "threshold", "lookbackWindow", "alertAfter"}, {}):
        return None
    if condition.data.get("kind") != "burnrate":
        reader.fail(condition.doc, condition.loc + ("kind",) if "kind" in condition.data else condition.loc,
                    "openslo-unsupported", f"condition kind '{shown(condition.data.get('kind'))}' is not supported: "
                                           "obsgen alerts on burn rates; write kind: burnrate")
        return None
    if condition.data.get("op") not in ("gt", "gte"):
        reader.fail(condition.doc, condition.loc + ("op",) if "op" in condition.data else condition.loc,
                    "openslo-unsupported", f"op '{shown(condition.data.get('op'))}': a burn-rate alert fires above its "
                                           "threshold; write op: gte (or gt)")
        return None
    threshold = condition.data.get("threshold")
    long = _duration(reader, condition, "lookbackWindow", "a burn-rate condition")
    window = _window_of(slo_spec)
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or threshold <= 0:
        reader.fail(condition.doc, condition.loc + ("threshold",) if "threshold" in condition.data else condition.loc,
                    "openslo-invalid", "a burn-rate condition needs threshold, a burn rate above 0 (e.g. 14.4)")
        return None
    if long is None or window is None:
        return None
    after = condition.data.get("alertAfter")
    if after is not None:
        short = _duration(reader, condition, "alertAfter", "a burn-rate condition")
        if short is None:
            return None
        if short * SHORT_WINDOW_DIVISOR != long:
            reader.fail(condition.doc, condition.loc + ("alertAfter",), "openslo-unsupported",
                        f"alertAfter {after}: obsgen's condition also needs the burn over a short window of 1/"
                        f"{SHORT_WINDOW_DIVISOR} of lookbackWindow; write alertAfter: {_shorthand(long // SHORT_WINDOW_DIVISOR)} "
                        "or leave it out")
            return None
    # Exact arithmetic on the decimals as written: 14.4 over 1h of 30d is 2% exactly, the float "2%" reads.
    budget = Fraction(Decimal(repr(threshold))) * long / window * 100
    at = _marks(condition, "threshold")
    return _node(at, [("budget", float(budget), at), ("window", _written(long), _marks(condition, "lookbackWindow"))]), at, long


def _window_of(slo_spec: _Object) -> int | None:
    windows = slo_spec.data.get("timeWindow")
    text = windows[0].get("duration") if isinstance(windows, list) and windows and isinstance(windows[0], Mapping) else None
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None or match.group(2) not in _SECONDS:
        return None  # reported by _time_window
    return int(match.group(1)) * _SECONDS[match.group(2)]


def _written(seconds: int) -> str:
    """A duration as obsgen's fields read it (no weeks): 28d, 6h, 5m."""
    for unit in ("d", "h", "m"):
        if seconds % _SECONDS[unit] == 0:
            return f"{seconds // _SECONDS[unit]}{unit}"
    return f"{seconds}s"


def _shorthand(seconds: int) -> str:
    for unit in ("w", "d", "h", "m"):
        if seconds % _SECONDS[unit] == 0:
            return f"{seconds // _SECONDS[unit]}{unit}"
    return f"{seconds}s"
