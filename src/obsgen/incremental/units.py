"""A build cut into service units: which files of generated/ are one service's alone, which pieces of the
project-wide files are its own, and what it shares with the others (the alarms it names, its alarm
names, its counts). Also the one shape of project the incremental build takes: any output it cannot cut
(an event route's rules, a budget, mute rules, Prometheus, CloudFormation, a declared dashboard, SLOs
with their index section) makes every build a full one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
from collections import Counter
from typing import TYPE_CHECKING, Any, Collection

from .. import composite_rule
from ..conventions import dashboard_name
from ..targets.routing import ROUTING_FILE
from ..language.v1.service import CompositeMonitor
from ..model import EnvironmentModel
from .record import Unit

if TYPE_CHECKING:
    from ..build import Build
    from ..language.load import ServiceEntry

# The project-wide files the incremental build makes again from the services' pieces (assemble.py) or
# takes as the compile of the services it compiled gives them (the rest depend on what the services
# share, checked equal by `shared_key`). Paths under generated/ ("*" is an environment, a region or an
# asset's name).
INDEX = "site/index.html"
ROUTING_PAGE = "site/routing.html"
COVERAGE = "runbooks/COVERAGE.md"
ROUTING = ROUTING_FILE  # under generated/<env>/


def owner(rel: str, services: frozenset[str], project: str, envs: frozenset[str]) -> str | None:
    """The service whose file `rel` (a path under generated/) is, alone; None for a project-wide file."""
    parts = rel.split("/")
    top = parts[0]
    if top in ("runbooks", "site") and len(parts) >= 3:
        if top == "site" and parts[1] == "_services" and len(parts) == 3 and parts[2].endswith(".html"):
            name = parts[2][:-len(".html")]
            return name if name in services else None
        return parts[1] if parts[1] in services else None
    if top not in envs or len(parts) < 3 or not rel.endswith(".json"):
        return None
    stem = parts[-1][:-len(".json")]
    if parts[1] in ("cloudwatch", "logs") and len(parts) == 3:
        return stem if stem in services else None
    if parts[1] == "cloudwatch" and len(parts) == 4:
        if parts[2] == "dashboards":
            prefix = dashboard_name(project, top, "")
            name = stem[len(prefix):] if stem.startswith(prefix) else ""
            return name if name in services else None
        return stem if stem in services else None  # cloudwatch/<region>/<service>.json
    return None


def is_shared_file(rel: str, envs: frozenset[str]) -> bool:
    """A project-wide file the incremental build knows how to make (any other one: no incremental build)."""
    parts = rel.split("/")
    if rel in (INDEX, ROUTING_PAGE, COVERAGE, "obsgen.schema.json") or (
            len(parts) == 3 and parts[:2] == ["site", "_assets"]):
        return True
    if parts[0] not in envs:
        return False
    return rel.endswith(f"/{ROUTING}") and len(parts) == 2 or (
        len(parts) in (3, 4) and parts[1] == "sns" and parts[-1] == "topics.json")


def shared_keys(build: Build) -> dict[str, str] | None:
    """Each environment's `shared_key`, when the incremental build can take this (full, clean) build apart:
    every environment compiled with the runbooks, not a diagnostic or a note, no SLO (their section of the
    index spans services) and no declared dashboard (it may draw any service); else None."""
    spec = build.spec
    if spec is None or not build.ok or build.diagnostics or build.notes or build.coverage is None:
        return None
    if list(build.envs) != list(spec.project.environments) or list(build.models) != list(build.envs):
        return None
    if any(s.spec.slos or s.spec.dashboards for s in spec.services):
        return None
    keys = {env: shared_key(model) for env, model in build.models.items()}
    return {env: key for env, key in keys.items() if key is not None} if None not in keys.values() else None


def shared_key(model: EnvironmentModel) -> str | None:
    """The key of what every service of an environment reads from the others and the project: the account
    and region, the severities, the topics and their subscriptions in every region, the regions synced.
    None when any of the rest is in the model (an event route, a budget, mute rules, Prometheus,
    StackSets, CloudFormation): the incremental build does not take such a project."""
    if (model.event_routes or model.budgets or model.mute_rules or model.rule_groups or model.alertmanager
            or model.stacksets or model.deploy == "cloudformation"):
        return None
    try:
        form = _form((model.project, model.env, model.account, model.region, model.endpoint, model.role_arn,
                      model.severities, model.topics, model.subscriptions, model.regions))
        return hashlib.sha256(marshal.dumps(form, 0)).hexdigest()
    except (TypeError, ValueError, RecursionError):
        return None


def _form(value: object) -> Any:
    """`value` as plain data that says what it holds: `render_cache.typed_text`'s idea, taking also the
    mappings the YAML reader makes (a dict that knows where its keys were written: only its items count)."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, str):
        return (type(value).__qualname__, str.__str__(value))
    if isinstance(value, (tuple, list)) and not hasattr(value, "_fields"):
        return (type(value).__qualname__, [_form(v) for v in value])
    if isinstance(value, dict):
        return ("dict", [(_form(k), _form(v)) for k, v in value.items()])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__, [(f.name, _form(getattr(value, f.name))) for f in dataclasses.fields(value)])
    raise TypeError(f"{type(value).__qualname__}: not plain data")


def describe(build: Build, keys: dict[str, str], read_rules: Collection[str] = ()) -> dict[str, Unit] | None:
    """The unit of each service file of `build` (a clean build with runbooks), keyed by its file; `keys`:
    each file's `Inputs.unit_key`. The services a unit names come from the model's composites; for the
    files in `read_rules`, from their rules as written too (a compile of some services skips a name of a
    service it did not read). None when a file of generated/ is neither a service's nor a project-wide
    file the incremental build makes."""
    spec = build.spec
    assert spec is not None and build.coverage is not None
    project, envs = spec.project.project, frozenset(build.envs)
    services = {s.spec.service: s.doc.path for s in spec.services}
    names = frozenset(services)
    files: dict[str, list[str]] = {name: [] for name in services}
    for rel in build.paths:
        found = owner(rel, names, project, envs)
        if found is not None:
            files[found].append(rel)
        elif not is_shared_file(rel, envs):
            return None
    totals = Counter(e.monitor.service for e in build.coverage.entries)
    covered = Counter(e.monitor.service for e in build.coverage.entries if e.covered)
    units = {}
    for name, file in services.items():
        units[file] = Unit(file, keys[file], name, tuple(sorted(files[name])), b"", (), (), (), totals[name], covered[name],
                           str(build.index_blocks.get(name, "")), str(build.coverage_blocks.get(name, "")))
    by_name = {u.service: u for u in units.values()}
    for env, model in build.models.items():
        _add_model(env, model, by_name, build.blocks.get(env, {}).get(ROUTING))
    for entry in spec.services:
        if entry.doc.path not in read_rules:
            continue
        unit = by_name[entry.spec.service]
        unit.refs = tuple(sorted({*unit.refs, *named_services(entry)}))
    return units


def named_services(entry: ServiceEntry) -> set[str]:
    """The other services the composite rules of a service name (as written: whether each resolves is the
    compile's business)."""
    own = entry.spec.service
    found: set[str] = set()
    for monitor in entry.spec.monitors.values():
        if isinstance(monitor, CompositeMonitor):
            try:
                rule = composite_rule.parse(monitor.rule)
            except composite_rule.RuleSyntaxError:
                continue  # an error of the compile: no incremental build
            found.update(r.target.split("/", 1)[0] for r in composite_rule.refs(rule) if "/" in r.target)
    found.discard(own)
    return found


def _add_model(env: str, model: EnvironmentModel, units: dict[str, Unit], blocks: dict[str, str] | None) -> None:
    """An environment's alarm names, counts (as `site.alarm_counts`: a supported model has no Prometheus
    alert), rows of routing.md and references, into each service's unit."""
    for service, block in (blocks or {}).items():
        units[service].routing[env] = block
    refs: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    for alarm in model.alarms():
        counts = units[alarm.service].counts.setdefault(env, {})
        counts[alarm.severity.name] = counts.get(alarm.severity.name, 0) + 1
        # unique in an environment (resolve/cloudwatch.py) and in an account and region (check_shared_names)
        names.setdefault(alarm.service, set()).update((f"{env}\t{alarm.name}",
                                                       f"{model.account}\t{alarm.region}\t{alarm.name}"))
    placed: dict[str, set[str]] = {}
    for alarms in (model.metric_alarms, model.composite_alarms):
        for alarm in alarms:
            units[alarm.service].sns[env] = True  # as `site.has_sns_alarms`
            if alarm.region != model.region:  # as `regions.topics_elsewhere`
                placed.setdefault(alarm.service, set()).add(f"{env} {alarm.region} {alarm.severity.topic_arn}")
    for service, found in placed.items():
        units[service].placed = tuple(sorted({*units[service].placed, *found}))
    for composite in model.composite_alarms:
        refs.setdefault(composite.service, set()).update(
            c.split("/", 1)[0] for c in composite.children if not c.startswith(f"{composite.service}/"))
    for service, found in names.items():
        units[service].names = tuple(sorted({*units[service].names, *found}))
    for service, named in refs.items():
        units[service].refs = tuple(sorted({*units[service].refs, *named}))
