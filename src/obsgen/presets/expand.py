"""Presets -> ordinary monitors, before resolving: everything downstream sees plain `MetricMonitor`s.

For each resource with `preset:`, every selected alarm of the resource type's preset file becomes a
monitor named `<resource>-<alarm>` (or its `monitor:` rename), with the resource's overrides applied.
`SpecSet.preset_uses` remembers where each came from, so later errors can say "from preset
lambda.duration, used at monitors/api.yaml:12:5".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..diagnostics import Diagnostic, error, shown
from ..language.errors import did_you_mean
from ..language.v1.fields import NAME_PATTERN
from ..values import format_duration
from ..language.load import ServiceEntry, SpecSet
from ..language.v1.presets import RECOMMENDED, PresetOverride
from ..language.yaml_reader import Loc
from ..language.v1.service import METRIC_ID_PATTERN, MathMonitor, MetricMonitor, Resource
from .catalog import Catalog, PresetSet, shipped_catalog
from .origin import PresetUse

if TYPE_CHECKING:  # the preset files' schema is imported with the files, by a project that names a preset
    from .schema import ParamDimension, ParamValue, PresetAlarm, SumOver


def expand_presets(spec: SpecSet, catalog: Catalog | None = None) -> list[Diagnostic]:
    """Add every preset monitor to its service (in place). Returns the problems found."""
    if catalog is None and not _names_a_preset(spec):
        catalog = Catalog()  # never consulted: only a resource with `preset:` looks presets up
    if catalog is None:  # the shipped files are read (~10 ms) by a project that uses them
        catalog, broken = shipped_catalog()
        if broken:  # a broken shipped file is a bug in obsgen, but still reported, located
            return list(broken)
    problems = _check_level_mapping(spec)
    for index, entry in enumerate(spec.services):
        service = _ServiceExpansion(spec, entry, catalog)
        service.run()
        problems += service.problems
        if service.problems:  # a preset that did not expand: references to its monitors are not news
            spec.broken.incomplete.add(entry.spec.service)
        if service.monitors != entry.spec.monitors:
            spec.services[index] = ServiceEntry(entry.spec.model_copy(update={"monitors": service.monitors}), entry.doc)
        spec.preset_uses.update(service.uses)
    return problems


def _names_a_preset(spec: SpecSet) -> bool:
    return any(resource.preset is not None for entry in spec.services for resource in entry.spec.resources.values())


def _check_level_mapping(spec: SpecSet) -> list[Diagnostic]:
    known = list(spec.project.severities)
    return [error(spec.project_doc.span(("presets", "severities", level)), "unknown-severity",
                  f"preset level '{level}' maps to unknown severity '{shown(severity)}'{did_you_mean(severity, known)}")
            for level, severity in spec.project.presets.severities.items()
            if severity not in known and severity not in spec.broken.severities]


class _ServiceExpansion:
    def __init__(self, spec: SpecSet, entry: ServiceEntry, catalog: Catalog):
        self.spec, self.entry, self.catalog = spec, entry, catalog
        self.doc = entry.doc
        self.monitors: dict[str, Any] = dict(entry.spec.monitors)
        self.uses: dict[str, PresetUse] = {}
        self.problems: list[Diagnostic] = []

    def fail(self, loc: Loc, code: str, message: str, *, at_key: bool = False) -> None:
        self.problems.append(error(self.doc.span(loc, at_key=at_key), code, message))

    def run(self) -> None:
        for name, resource in self.entry.spec.resources.items():
            loc = ("resources", name)
            if resource.preset is None:
                for key in ("params", "presets"):
                    if getattr(resource, key):
                        self.fail(loc + (key,), "missing-key", f"'{key}' applies to presets: add 'preset: "
                                  f"{RECOMMENDED}' (or a list of presets) to resource '{name}'", at_key=True)
                continue
            presets = self.catalog.by_type.get(resource.type)
            if presets is None:
                self.fail(loc + ("preset",), "unknown-preset",
                          f"there are no presets for resource type '{resource.type}'; types with presets: "
                          f"{', '.join(sorted(self.catalog.by_type))}")
                continue
            _ResourceExpansion(self, name, resource, presets).run()


class _ResourceExpansion:
    """One resource's presets: selection, parameters, overrides -> monitors."""

    def __init__(self, service: _ServiceExpansion, name: str, resource: Resource, presets: PresetSet):
        self.service, self.name, self.resource, self.presets = service, name, resource, presets
        self.loc = ("resources", name)
        self.prefix = presets.spec.service

    def run(self) -> None:
        selected = self._selection()
        self._check_overrides()
        self._check_params()
        for alarm_name, use_loc in selected.items():
            override = self.resource.presets.get(alarm_name, PresetOverride())
            if override.enabled:
                self._expand(alarm_name, self.presets.spec.alarms[alarm_name], override, use_loc)

    # --- what is asked for -------------------------------------------------------------------

    def _selection(self) -> dict[str, Loc]:
        """Alarm name -> the spot in the spec that selects it (in the preset file's order)."""
        alarms = self.presets.spec.alarms
        preset = self.resource.preset
        chosen: dict[str, Loc] = {}
        if preset == RECOMMENDED:
            chosen = {a: self.loc + ("preset",) for a, alarm in alarms.items() if alarm.recommended}
        for index, written in enumerate(preset if isinstance(preset, list) else []):
            service, _, alarm = written.rpartition(".")
            if (service and service != self.prefix) or alarm not in alarms:
                names = [f"{self.prefix}.{a}" for a in alarms]
                self.service.fail(self.loc + ("preset", index), "unknown-preset",
                                  f"'{shown(written)}' is not a preset of resource type '{self.resource.type}'"
                                  f"{did_you_mean(written if service else f'{self.prefix}.{alarm}', names)}")
            else:
                chosen.setdefault(alarm, self.loc + ("preset", index))
        # An override of a preset that `preset:` leaves out adds it: `preset: recommended` plus
        # `presets: {low-traffic: {...}}` is "the recommended ones and this one, configured so".
        chosen.update({a: self.loc + ("presets", a) for a in self.resource.presets if a in alarms and a not in chosen})
        return {a: chosen[a] for a in alarms if a in chosen}

    def _check_overrides(self) -> None:
        for alarm in self.resource.presets:
            if alarm not in self.presets.spec.alarms:
                self.service.fail(self.loc + ("presets", alarm), "unknown-preset",
                                  f"'{shown(alarm)}' is not a preset of resource type '{self.resource.type}'"
                                  f"{did_you_mean(alarm, list(self.presets.spec.alarms))}", at_key=True)

    def _check_params(self) -> None:
        declared = self.presets.spec.params
        for param in self.resource.params:
            if param not in declared:
                known = f"; known: {', '.join(declared)}" if declared else "; these presets take none"
                self.service.fail(self.loc + ("params", param), "unknown-parameter",
                                  f"presets for '{self.resource.type}' take no parameter '{param}'"
                                  f"{did_you_mean(param, list(declared)) or known}", at_key=True)
            else:
                self._param(param, None)  # reports a value of the wrong kind once, even if unused

    # --- one alarm ---------------------------------------------------------------------------

    def _expand(self, alarm_name: str, alarm: PresetAlarm, override: PresetOverride, use_loc: Loc) -> None:
        preset = f"{self.prefix}.{alarm_name}"
        if alarm_name in self.resource.presets:
            use_loc = self.loc + ("presets", alarm_name)
        doc = self.service.doc
        written = doc.value_at(use_loc)  # the override mapping, when there is one
        spans = frozenset(doc.span(use_loc + (key,)) for key in (written if isinstance(written, dict) else ()))
        named = None if override.summary else self.name
        use = PresetUse(preset, str(alarm.source or self.presets.spec.source), use_loc, doc.span(use_loc), spans,
                        named)
        monitor_name = override.monitor or f"{self.name}-{alarm_name}"
        if not re.match(NAME_PATTERN, monitor_name):  # '<resource>-<alarm>' can pass the 64-character limit
            self.service.problems.append(error(use.span, "bad-name", (
                f"monitor name '{monitor_name}' ({use.note()}) is longer than 64 characters; "
                f"name it with presets.{alarm_name}.monitor")))
            return
        data = self._monitor_data(alarm, override, use)
        if data is None:
            return
        if not self._unique(monitor_name, override, use):
            return
        try:
            monitor = (MathMonitor if "expression" in data else MetricMonitor).model_validate(data)
        except ValidationError as exc:  # a preset value the spec language refuses: a bug in the preset file
            self.service.problems.append(error(use.span, "bad-preset-file", f"{use.note()}: {exc.errors()[0]['msg']}"))
            return
        self.service.monitors[monitor_name] = monitor
        self.service.uses[f"{self.service.entry.spec.service}/{monitor_name}"] = use

    def _monitor_data(self, alarm: PresetAlarm, override: PresetOverride, use: PresetUse) -> dict[str, Any] | None:
        written = override.model_fields_set
        threshold = str(override.threshold) if override.threshold is not None else self._threshold(alarm, use)
        severity = override.severity or self.service.spec.project.presets.severities.get(alarm.level)
        dimensions = {k: self._dimension(v, use) for k, v in alarm.dimensions.items()}
        if severity is None:
            self.service.problems.append(error(use.span, "unmapped-preset-level", (
                f"preset {use.preset} is a '{alarm.level}' alarm and the project maps no severity to that level: "
                f"add presets: {{severities: {{{alarm.level}: <severity>}}}} to monitors/obsgen.yaml, "
                f"or give presets.{use.alarm}.severity here")))
        if threshold is None or severity is None or None in dimensions.values():
            return None
        data: dict[str, Any] = {
            "summary": override.summary or alarm.summary,  # '{resource}': the AWS name, per environment
            "description": override.description if "description" in written else _description(alarm, use),
            "severity": severity, "resource": self.name, "metric": alarm.metric,
            "statistic": override.statistic or alarm.statistic,
            "period": format_duration(override.period or alarm.period), "threshold": threshold,
            "missing_data": override.missing_data or alarm.missing_data, "tags": dict(override.tags),
        }
        data.update(_evaluation(alarm, override))
        optional = {"unit": override.unit or alarm.unit, "runbook": override.runbook,
                    "actions_enabled": override.actions_enabled, "dimensions": dimensions or None,
                    "cloudwatch": dict(override.cloudwatch) or None}
        data.update({k: v for k, v in optional.items() if v is not None})
        if alarm.sum_over is not None:
            return self._as_sum(data, alarm.sum_over, use)
        return data

    def _as_sum(self, data: dict[str, Any], sum_over: SumOver, use: PresetUse) -> dict[str, Any] | None:
        """One metric per value of the dimension, summed: `SUM([getitem, putitem, ...])`."""
        values = self._param(sum_over.param, use)
        if not isinstance(values, list):  # None: reported (the catalog makes sum_over's parameter a list)
            return None
        metric = {k: data.pop(k) for k in ("resource", "metric", "statistic", "dimensions") if k in data}
        data.pop("unit", None)
        dimension = sum_over.dimension
        queries: dict[str, Any] = {}
        for index, value in enumerate(values):
            metric_id = _metric_id(value, index)
            metric_id = metric_id if metric_id not in queries else f"m{index}"  # GetItem and getitem
            queries[metric_id] = {**metric, "dimensions": {**metric.get("dimensions", {}), dimension: value}}
        # SUM([...]) rather than a + b: an operation with no traffic has no datapoints, and SUM adds
        # the series that have a value at each time instead of dropping the time.
        return {**data, "expression": f"SUM([{', '.join(queries)}])", "metrics": queries}

    def _threshold(self, alarm: PresetAlarm, use: PresetUse) -> str | None:
        from .schema import ParamThreshold

        if not isinstance(alarm.threshold, ParamThreshold):
            return f"{alarm.comparison} {alarm.threshold}"
        value = self._param(alarm.threshold.param, use)
        if not isinstance(value, (int, float)):  # None: reported (the catalog makes it a number or a duration)
            return None
        return f"{alarm.comparison} {_number_text(float(value) * alarm.threshold.factor)}"

    def _dimension(self, value: str | ParamDimension, use: PresetUse) -> str | None:
        if isinstance(value, str):
            return value
        param = self._param(value.param, use)
        return param if isinstance(param, str) else None  # None: reported (the catalog makes it a string)

    def _param(self, name: str, use: PresetUse | None) -> ParamValue | None:
        """The parameter's value in the metric's unit, or None (reported) when missing or malformed."""
        from .schema import ParamThreshold

        declared = self.presets.spec.params[name]
        value = self.resource.params.get(name, declared.default)
        if value is None:
            if use is not None:
                alarm = use.alarm
                threshold = self.presets.spec.alarms[alarm].threshold
                instead = (f"give presets.{alarm}.threshold, " if isinstance(threshold, ParamThreshold)
                           and threshold.param == name else "")
                self.service.problems.append(error(use.span, "missing-parameter", (
                    f"preset {use.preset} needs parameter '{name}' ({declared.description}): add params: "
                    f"{{{name}: ...}} to resource '{self.name}', {instead}"
                    f"or disable it with presets.{alarm}.enabled: false")))
            return None
        converted = declared.convert(value)
        if converted is None and use is None:
            self.service.fail(self.loc + ("params", name), "bad-parameter",
                              f"parameter '{name}' must be {declared.kind_text()} ({declared.description})")
        return converted

    def _unique(self, name: str, override: PresetOverride, use: PresetUse) -> bool:
        taken = self.service.monitors.get(name)
        if taken is None:
            return True
        where = self.service.uses.get(f"{self.service.entry.spec.service}/{name}")
        other = where.note() if where else f"the monitor at {self.service.doc.span(('monitors', name), at_key=True)}"
        loc = use.loc + ("monitor",) if override.monitor else use.loc
        self.service.fail(loc, "duplicate-monitor",
                          f"monitor '{name}' ({use.note()}) already exists: {other}; rename it with "
                          f"presets.{use.alarm}.monitor")
        return False


def _description(alarm: PresetAlarm, use: PresetUse) -> str:
    """The preset's intent, and where AWS recommends it: the responder's first fact."""
    return f"{alarm.description} AWS recommended alarm ({use.preset}): {use.source}"


def _number_text(value: float) -> str:
    """Exact, unlike `:g` (8 GiB x 0.25 must stay 2147483648, not 2.14748e+09)."""
    rounded = round(value, 6)
    return str(int(rounded)) if rounded.is_integer() and abs(rounded) < 1e15 else repr(rounded)


def _metric_id(value: str, index: int) -> str:
    """`GetItem` -> `getitem`: readable in the console; `m<index>` when the value cannot be an id."""
    candidate = re.sub(r"[^a-z0-9_]", "_", value.lower())
    return candidate if re.match(METRIC_ID_PATTERN, candidate) and candidate != "expression" else f"m{index}"


def _evaluation(alarm: PresetAlarm, override: PresetOverride) -> dict[str, Any]:
    """The override's datapoints / evaluation periods replace the preset's "M of N" as a whole."""
    if override.datapoints is not None:
        return {"datapoints": str(override.datapoints)}
    if override.evaluation_periods is not None:  # N alone means "M of N" with M = N, as in a monitor
        counts = {"evaluation_periods": override.evaluation_periods, "datapoints_to_alarm": override.datapoints_to_alarm}
        return {k: v for k, v in counts.items() if v is not None}
    if override.datapoints_to_alarm is not None:  # M alone keeps the preset's N
        return {"evaluation_periods": alarm.datapoints.periods, "datapoints_to_alarm": override.datapoints_to_alarm}
    return {"datapoints": str(alarm.datapoints)}
