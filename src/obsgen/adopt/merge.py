"""A second environment imported into the project an earlier import wrote (`obsgen import --merge`):
the same alarm in both becomes one monitor with the differences as environment overrides.

Monitors match by service and name (both come from the alarm's name without the environment's, so
`orders-prod-errors` and `orders-staging-errors` are `orders/orders-errors`). Matched monitors that
read the same metric the same way (everything but what `environments.<env>.overrides` can set)
become one, with the new environment's threshold, period, datapoints, severity, missing data and
verbatim parameters as its overrides; the others stay apart, each disabled where it does not exist.
Channels with another endpoint become channel overrides. Then the merged project is compiled for
every environment: the new one must equal the account, the earlier ones must not change.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from ..aws.kinds import ALARMS
from ..aws.kinds.base import diff
from ..progress import Progress, silent
from . import writer
from .mapping import Draft, Finding
from .names import unique
from .verify import compiled_envs

OVERRIDABLE = ("threshold", "period", "evaluation_periods", "datapoints_to_alarm", "datapoints", "severity",
               "missing_data", "actions_enabled", "cloudwatch")
_IGNORED = ("summary", "description", "tags", "monitor")  # may differ per environment without making two monitors


class MergeRefused(ValueError):
    """The project cannot take this environment (the message says why)."""


MERGE_COMPILES = 3  # the project before, with the new environment's overrides to find, and after


def merge(existing: dict[str, str], new: Draft, env: str, source: str, progress: Progress = silent) -> dict[str, str]:
    """The files of the project in `existing` (relative path -> text) with `new`'s environment added.
    Reports "merging into the project" after each of its MERGE_COMPILES compiles."""
    old_project = yaml.safe_load(existing["monitors/obsgen.yaml"])
    old_envs = list(old_project.get("environments", {}))
    if env in old_envs:
        raise MergeRefused(f"environment '{env}' is already in the project; --merge adds a new one (a project "
                           "made by `obsgen init` has its environments already: import into an empty directory "
                           "instead, which writes the same checks and README around the imported spec)")
    services = {spec["service"]: spec for path, text in sorted(existing.items())
                if path.startswith("monitors/") and path != "monitors/obsgen.yaml"
                and (spec := yaml.safe_load(text)) and spec.get("kind") == "Service"}
    before = compiled_envs(existing, old_envs)
    progress("merging into the project", 1, MERGE_COMPILES)
    merged = _Merge(old_project, services, old_envs, env, new.findings)
    merged.project_level(new.project)
    for name, spec in new.services.items():
        merged.service(name, spec)
    for name in set(services) - set(new.services):
        merged.disable_service(services[name], [env])
    result = Draft(merged.project, dict(sorted(merged.services.items())), {}, new.findings, new.env_vars)
    files = writer.files(result, env, source)
    _settle(result, files, env, new, source)
    progress("merging into the project", 2, MERGE_COMPILES)
    files = writer.files(result, env, source)
    after = compiled_envs(files, [*old_envs, env])
    progress("merging into the project", 3, MERGE_COMPILES)
    for old in old_envs:
        changed = sorted(name for name in set(before[old]) | set(after[old])
                         if _normal(before[old].get(name)) != _normal(after[old].get(name)))
        if changed:
            raise MergeRefused(f"merging would change the alarms of {old}: {', '.join(changed[:5])}")
    for name, placed in new.placed.items():
        left = diff(_normal(after[env].get(name)), ALARMS.normalize(placed.live.kind, placed.live.params))
        if left:
            new.findings.append(Finding(name, "differs", f"obsgen would change {', '.join(left)}"))
    return files


def _normal(entry: tuple[str, dict[str, Any]] | None) -> dict[str, Any]:
    if entry is None:
        return {}
    params = entry[1]
    return ALARMS.normalize(ALARMS.kinds[1] if "AlarmRule" in params else ALARMS.kinds[0], params)


def _settle(result: Draft, files: dict[str, str], env: str, new: Draft, source: str) -> None:
    """The new environment's remaining differences as verbatim overrides of its monitors."""
    compiled = compiled_envs(files, [env])[env]
    overrides = result.project["environments"][env].setdefault("overrides", {})
    for name, placed in new.placed.items():
        if name not in compiled:
            continue
        ref, params = compiled[name]
        want = ALARMS.normalize(placed.live.kind, placed.live.params)
        for key in diff(_normal((ref, params)), want):
            overrides.setdefault(ref, {}).setdefault("cloudwatch", {})[key] = want.get(key)
    if not overrides:
        del result.project["environments"][env]["overrides"]


class _Merge:
    def __init__(self, project: dict[str, Any], services: dict[str, dict[str, Any]], old_envs: list[str], env: str,
                 findings: list[Finding]):
        self.project, self.services, self.old_envs, self.env, self.findings = project, services, old_envs, env, findings

    def env_spec(self, env: str) -> dict[str, Any]:
        return self.project["environments"][env]  # type: ignore[no-any-return]

    def disable(self, ref: str, envs: list[str]) -> None:
        for env in envs:
            disabled = self.env_spec(env).setdefault("disabled", [])
            if ref not in disabled:
                disabled.append(ref)

    def override(self, ref: str, values: dict[str, Any]) -> None:
        if values:
            self.env_spec(self.env).setdefault("overrides", {}).setdefault(ref, {}).update(values)

    # --- project: environments, severities, channels -------------------------------------

    def project_level(self, new: dict[str, Any]) -> None:
        self.project["environments"][self.env] = copy.deepcopy(new["environments"][self.env])
        severities = self.project.setdefault("severities", {})
        for name, severity in new.get("severities", {}).items():
            if name not in severities:
                severities[name] = severity
                self.findings.append(Finding(f"severity {name}", "note", f"new with {self.env}: its topic is created "
                                             f"in {', '.join(self.old_envs)} too at their next apply"))
        channels = self.project.setdefault("channels", {})
        for name, channel in new.get("channels", {}).items():
            if name not in channels:
                channels[name] = channel
                for old in self.old_envs:
                    self.env_spec(old).setdefault("channels", {})[name] = {"enabled": False}
                continue
            changed = {k: channel[k] for k in ("endpoint", "severities") if channel.get(k) != channels[name].get(k)}
            if changed:
                self.env_spec(self.env).setdefault("channels", {})[name] = changed
        for name in set(channels) - set(new.get("channels", {})):
            self.env_spec(self.env).setdefault("channels", {})[name] = {"enabled": False}
        for key, dashboard in new.get("dashboards", {}).items():
            self.project.setdefault("dashboards", {}).setdefault(key, dashboard)
        if new.get("tags", {}) != self.project.get("tags", {}):
            self.findings.append(Finding("project tags", "note", f"{self.env}'s shared tags {new.get('tags', {})} "
                                         f"differ from the project's {self.project.get('tags', {})}; the project's "
                                         "are kept (apply changes the tags only)"))

    # --- services ------------------------------------------------------------------------

    def disable_service(self, spec: dict[str, Any], envs: list[str]) -> None:
        for monitor in _monitors(spec):
            self.disable(f"{spec['service']}/{monitor}", envs)

    def service(self, name: str, new: dict[str, Any]) -> None:
        if name not in self.services:
            self.services[name] = copy.deepcopy(new)
            self.disable_service(new, self.old_envs)
            return
        old = self.services[name]
        renamed = self.resources(old, new)
        old_monitors, new_monitors = _monitors(old), _monitors(new)
        for monitor, (where, body) in new_monitors.items():
            body = _renamed(body, renamed)
            existing = old_monitors.get(monitor)
            if existing is not None and _same(existing, (where, body)):
                values = {k: body[k] for k in OVERRIDABLE if k in body and body[k] != existing[1].get(k)}
                if "cloudwatch" in values:  # only the keys that differ: the override is laid over the monitor's
                    values["cloudwatch"] = {k: v for k, v in body["cloudwatch"].items()
                                            if existing[1].get("cloudwatch", {}).get(k) != v}
                self.override(f"{name}/{monitor}", values)
                continue
            target = monitor
            if existing is not None:
                target = unique(f"{monitor}-{self.env}"[:64].rstrip("-"), set(old_monitors) | set(new_monitors))
                self.disable(f"{name}/{monitor}", [self.env])
            self.add(old, where, target, body)
            self.disable(f"{name}/{target}", self.old_envs)
        for monitor in set(old_monitors) - set(new_monitors):
            self.disable(f"{name}/{monitor}", [self.env])

    def resources(self, old: dict[str, Any], new: dict[str, Any]) -> dict[str, str]:
        """New resources added to the old service; a key that names another resource there is renamed."""
        renamed: dict[str, str] = {}
        resources = old.setdefault("resources", {})
        for key, resource in new.get("resources", {}).items():
            identity = {k: resource.get(k) for k in ("type", "name", "dimensions")}
            same = next((k for k, r in resources.items() if {f: r.get(f) for f in identity} == identity), None)
            if same is None:
                same = unique(key, set(resources))
                resources[same] = {k: v for k, v in identity.items() if v is not None}
            renamed[key] = same
        return renamed

    def add(self, service: dict[str, Any], where: tuple[str, ...], name: str, body: dict[str, Any]) -> None:
        if where[0] == "monitor":
            service.setdefault("monitors", {})[name] = body
            return
        resource = service["resources"][where[1]]
        preset = where[2]
        presets = resource.setdefault("presets", {})
        if preset in presets:  # the resource has this preset for another monitor already: write it plainly
            raise MergeRefused(f"preset {preset} of resource {where[1]} would be used twice")
        resource.setdefault("preset", []).append(where[3])
        presets[preset] = {**body, "monitor": name}


def _monitors(spec: dict[str, Any]) -> dict[str, tuple[tuple[str, ...], dict[str, Any]]]:
    """Monitor name -> (where it is written, its body): plain monitors and preset monitors alike."""
    found: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
        name: (("monitor",), body) for name, body in (spec.get("monitors") or {}).items()}
    for key, resource in (spec.get("resources") or {}).items():
        selected = {entry.rsplit(".", 1)[-1]: entry for entry in resource.get("preset") or []}
        for preset, body in (resource.get("presets") or {}).items():
            found[body.get("monitor") or f"{key}-{preset}"] = (("preset", key, preset, selected.get(preset, preset)),
                                                               body)
    return found


def _renamed(body: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    body = copy.deepcopy(body)
    if body.get("resource") in renamed:
        body["resource"] = renamed[body["resource"]]
    for query in (body.get("metrics") or {}).values():
        if query.get("resource") in renamed:
            query["resource"] = renamed[query["resource"]]
    return body


def _same(old: tuple[tuple[str, ...], dict[str, Any]], new: tuple[tuple[str, ...], dict[str, Any]]) -> bool:
    """One monitor in both environments: written in the same place, equal but for what overrides can set."""
    if old[0][:3] != new[0][:3]:
        return False
    skip = set(OVERRIDABLE) | set(_IGNORED)
    return {k: v for k, v in old[1].items() if k not in skip} == {k: v for k, v in new[1].items() if k not in skip}
