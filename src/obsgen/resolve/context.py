"""One environment's resolving state, shared by the passes of `resolve` (routing, cloudwatch,
prometheus, dashboards): the spec, the environment and its template variables, the severities once
known, and every problem found so far. The passes read and add to it; nothing else keeps state."""

from __future__ import annotations

import difflib
import re
from enum import Enum
from .. import conventions
from ..conventions import TemplateError, expand
from ..diagnostics import Diagnostic, error, shown
from ..language.errors import did_you_mean
from ..language.load import ServiceEntry, SpecSet
from ..language.v1.prometheus import PromMonitor
from ..language.v1.service import AlarmCommon, Resource
from ..language.yaml_reader import Document, Loc
from ..model import LogAlarm, MetricFilter, Origin, Severity
from ..slo_policy import TIER_NAMES
from . import metric_checks

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_DOLLARS = re.compile(r"\$\$|\$\{[^}]*\}|(\$\{)")  # group 1: a '${' with no '}' after it


class Context:
    def __init__(self, spec: SpecSet, env: str):
        self.spec = spec
        self.project = spec.project
        self.env_name = env
        self.env = spec.project.environments[env]
        self.pdoc = spec.project_doc
        self.env_loc = spec.env_loc(env)
        self.problems: list[Diagnostic] = []
        self.forms: dict[str, str | _Form] = {}  # each template's str.format form, see expand
        self.vars = self._variables()
        self.severities: dict[str, Severity] = {}
        self.monitors = {f"{s.spec.service}/{m}": (s, mon) for s in spec.services for m, mon in s.spec.monitors.items()}
        # What `disabled:` may name besides monitors: each SLO and each tier it writes (conventions.slo_ref)
        self.slo_refs = {conventions.slo_ref(s.spec.service, name): s.spec.service for s in spec.services
                         for name in s.spec.slos}
        self.slo_tier_refs = {conventions.slo_ref(s.spec.service, name, tier) for s in spec.services
                              for name, slo in s.spec.slos.items() for tier in TIER_NAMES if getattr(slo, tier)}
        # service -> the project's and its tags, expanded, shared by all its alarms; None: they vary (cloudwatch._tags)
        self.service_tags: dict[str, dict[str, str] | None] = {}
        # (service, resource) -> (the Resource, its namespace, dimensions and problems): cloudwatch.resource_dimensions
        self.resources: dict[tuple[str, str], tuple[Resource, str, dict[str, str], list[Diagnostic]]] = {}
        self.tag_pairs: dict[tuple[str, str], tuple[str, str]] = {}  # one tuple per distinct tag, see _tags
        # service -> its alarms' sorted tags but their own name, before and after it (cloudwatch._service_pairs)
        self.service_pairs: dict[str, tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]] = {}
        self.meant_disabled: set[str] = set()  # what a misspelt `disabled:` entry most likely meant
        self.bad_resources: dict[tuple[str, str], bool] = {}  # (service, resource) -> its dimensions are wrong
        self.log_alarms: list[LogAlarm] = []  # native log alarms (the CloudWatch pass)
        self.metric_filters: list[MetricFilter] = []  # log monitors' metric filters (the CloudWatch pass)

    def resource_is_bad(self, entry: ServiceEntry, name: str, resource: Resource) -> bool:
        """Whether the resource's dimensions are ones its metrics are not published with, reported once."""
        key = (entry.spec.service, name)
        if key not in self.bad_resources:
            bad, problem = metric_checks.check_resource(entry, name, resource)
            self.bad_resources[key] = bad
            self.problems += [problem] if problem is not None else []
        return self.bad_resources[key]

    def setting_loc(self, *path: str | int) -> Loc:
        """Where the environment's setting at `path` (("overrides", "svc/mon"), ("vars", "team")) was
        written: for an environment a matrix made, its per_region entry, else its per_account entry when
        one wrote it (the later one wins, language/matrix.py), else the matrix's own; a list item
        (("disabled", "svc/mon")) is found by its value."""
        base = self.env_loc
        patches = [base + (section, key) for section, keys in (("per_region", (self.env.region,)),
                   ("per_account", (self.env.account, int(self.env.account)))) for key in keys]
        for where in [*patches, base] if base[0] == "matrices" else [base]:
            if path[:1] == ("disabled",):
                listed = self.pdoc.value_at(where + ("disabled",))
                if isinstance(listed, list) and path[1] in listed:
                    return where + ("disabled", listed.index(path[1]))
            elif self.pdoc.value_at(where + path) is not None:
                return where + path
        return base + path

    def fail(self, doc: Document, loc: Loc, code: str, message: str, *, at_key: bool = False) -> None:
        self.problems.append(error(doc.span(loc, at_key=at_key), code, message))

    def _variables(self) -> dict[str, str]:
        """The environment's template variables. A `vars:` value is a template too, of the variables every
        environment has (project, env, account, region): expanded once here, so a `${nope}` in it is an
        error at the value, like anywhere else, instead of reaching AWS names as it is."""
        builtin = {"project": self.project.project, "env": self.env_name,
                   "account": self.env.account, "region": self.env.region}
        self.vars = builtin
        own = {}
        for name, value in self.env.vars.items():
            if name in conventions.TEMPLATE_VARIABLES:
                self.fail(self.pdoc, self.setting_loc("vars", name), "bad-name",
                          f"'{name}' is a built-in template variable and cannot be redefined", at_key=True)
            own[name] = self.expand(value, self.pdoc, self.setting_loc("vars", name))
        return {**own, **builtin}

    def role_arn(self) -> str | None:
        """The environment's `role_arn:` expanded: an IAM role ARN, whose account is checked again by STS
        once assumed (aws/safety.py). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html"""
        if self.env.role_arn is None:
            return None
        loc = self.setting_loc("role_arn")
        arn = self.expand(self.env.role_arn, self.pdoc, loc)
        if "${" not in arn and not _ROLE_ARN.match(arn):
            self.fail(self.pdoc, loc, "bad-value", f"role_arn: expected an IAM role ARN such as "
                      f"arn:aws:iam::123456789012:role/obsgen-deployer, found '{shown(arn)}'")
        return arn

    def runbook_url(self, service: str, monitor: str) -> str | None:
        """The monitor's page on this environment's runbook site (its own base URL, else the project's)."""
        return conventions.runbook_url(self.project.runbook_base_url(self.env_name), service, monitor, self.env_name)

    def expand(self, template: str, doc: Document, loc: Loc, **extra: str) -> str:
        """`template` with the environment's variables and `extra` filled in; a problem with it is reported at
        `loc` of `doc`, and the template comes back as written. A project has few templates, each used many
        times (naming.alarm once per alarm, a resource's name once per monitor on it): each is read once into
        a str.format form (`_format_form`), filled in by str.format_map after that (docs/performance.md). One
        that cannot take that form, or names a variable there is not, goes the long way, which reports it."""
        form = self.forms.get(template)
        if form is None:  # first use: the long way (a resource's name is expanded once); a second reads the form
            self.forms[template] = _Form.SEEN_ONCE
            return self._expand(template, doc, loc, extra)
        if form is _Form.SEEN_ONCE:
            form = self.forms[template] = _format_form(template)
        if form is _Form.AS_WRITTEN:
            return template
        if isinstance(form, str):
            try:
                return form.format_map({**self.vars, **extra} if extra else self.vars)
            except KeyError:
                pass  # an unknown variable: reported below
        return self._expand(template, doc, loc, extra)

    def _expand(self, template: str, doc: Document, loc: Loc, extra: dict[str, str]) -> str:
        # conventions.expand keeps a '$' it cannot read as it is ("$default" is a real API Gateway
        # stage; "=~\"a$\"" a PromQL regex), but a '${' that is never closed is always a typo.
        unclosed = next((m.start() for m in _DOLLARS.finditer(template) if m.group(1)), None)
        if unclosed is not None:
            self.problems.append(error(doc.span_in(loc, unclosed), "bad-template",
                                       "'${' is never closed: write ${name} for a variable, or $$ for a literal '$'"))
            return template
        try:
            return expand(template, {**self.vars, **extra})
        except TemplateError as exc:
            offset = max(template.find("${" + exc.variable + "}"), 0)  # point at the variable itself
            self.problems.append(error(doc.span_in(loc, offset), "unknown-variable",
                                       f"unknown template variable ${{{shown(exc.variable)}}}"
                                       f"{did_you_mean(exc.variable, exc.known)}"))
            return template

    def check_env_references(self) -> None:
        broken = self.spec.broken
        for ref in self.env.disabled:
            if ref not in self.monitors and ref not in self.slo_refs and ref not in self.slo_tier_refs \
                    and not broken.monitor(ref):
                self.meant_disabled.update(difflib.get_close_matches(ref, list(self.monitors), n=1, cutoff=0.6))
                form = "" if "/" in ref else " (write 'service/monitor')"
                if _names_slo(ref):
                    self.fail(self.pdoc, self.setting_loc("disabled", ref), "unknown-slo", self._unknown_slo(ref))
                    continue
                self.fail(self.pdoc, self.setting_loc("disabled", ref), "unknown-monitor",
                          f"disabled monitor '{shown(ref)}' does not exist{form}{did_you_mean(ref, list(self.monitors))}")
        for ref in self.env.overrides:
            if ref in self.slo_tier_refs:
                self.fail(self.pdoc, self.setting_loc("overrides", ref), "bad-override",
                          f"'{shown(ref)}' is one tier of an SLO, whose objective holds for every tier: override "
                          f"'{ref.rsplit('-', 1)[0]}'", at_key=True)
            elif ref not in self.monitors and ref not in self.slo_refs and not broken.monitor(ref):
                if _names_slo(ref):
                    self.fail(self.pdoc, self.setting_loc("overrides", ref), "unknown-slo",
                              f"override for unknown SLO '{shown(ref)}'{self._slo_hint(ref, tiers=False)}", at_key=True)
                    continue
                form = "" if "/" in ref else " (write 'service/monitor')"
                self.fail(self.pdoc, self.setting_loc("overrides", ref), "unknown-monitor",
                          f"override for unknown monitor '{shown(ref)}'{form}"
                          f"{did_you_mean(ref, list(self.monitors))}", at_key=True)
        for name in self.env.channels:
            if name not in self.project.channels and name not in broken.channels:
                self.fail(self.pdoc, self.setting_loc("channels", name), "unknown-channel",
                          f"override for unknown channel '{name}'{did_you_mean(name, list(self.project.channels))}",
                          at_key=True)

    def _unknown_slo(self, ref: str) -> str:
        slo, _, tier = ref.rpartition("-")
        if slo in self.slo_refs and tier in TIER_NAMES:
            written = [t for t in TIER_NAMES if f"{slo}-{t}" in self.slo_tier_refs]
            return (f"SLO '{shown(slo)}' has no {tier} tier to disable (it has {' and '.join(written) or 'none'}); "
                    f"'{shown(slo)}' disables the whole SLO")
        return f"disabled SLO '{shown(ref)}' does not exist{self._slo_hint(ref)}"

    def _slo_hint(self, ref: str, tiers: bool = True) -> str:
        """What an unknown 'service/slo-...' may have meant: the closest SLO (or tier) there is, else the SLOs
        of its service."""
        known = [*self.slo_refs, *(self.slo_tier_refs if tiers else ())]
        close = did_you_mean(ref, known)
        if close:
            return close
        service = ref.split("/", 1)[0]
        own = sorted(r.split("/", 1)[1] for r, s in self.slo_refs.items() if s == service)
        return f" (service '{shown(service)}' has {', '.join(own) if own else 'no SLOs'})"

    def monitor_severity(self, entry: ServiceEntry, origin: Origin, monitor: AlarmCommon | PromMonitor) -> Severity | None:
        """The monitor's severity, once it and the monitor's runbook are known to exist (any monitor kind)."""
        if monitor.runbook and monitor.runbook not in self.spec.runbooks:
            self.fail(entry.doc, origin.loc + ("runbook",), "unknown-runbook",
                      f"runbook '{shown(monitor.runbook)}' not found: expected runbooks_src/{shown(monitor.runbook)}.md"
                      f"{did_you_mean(monitor.runbook, list(self.spec.runbooks))}")
        severity = self.severities.get(monitor.severity)
        if severity is None and monitor.severity not in self.spec.broken.severities:
            self.problems.append(error(origin.span("severity"), "unknown-severity",
                                       f"unknown severity '{shown(monitor.severity)}'"
                                       f"{did_you_mean(monitor.severity, list(self.severities))}"))
        return severity


class _Form(Enum):
    """What Context.forms holds for a template besides its str.format form."""

    SEEN_ONCE = "expanded once, the long way"
    AS_WRITTEN = "no '$': the template is its own expansion"
    LONG_WAY = "through conventions.expand each time: a '${' never closed, a name str.format reads otherwise"


_FORMAT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*$")  # a name str.format_map looks up as a key, as it is


def _format_form(template: str) -> str | _Form:
    """`${project}-${service}-$$x` -> `{project}-{service}-$x`: the template as a str.format string whose
    format_map(variables) is what conventions.expand gives; AS_WRITTEN or LONG_WAY when it has none."""
    if "$" not in template:
        return _Form.AS_WRITTEN
    if any(m.group(1) for m in _DOLLARS.finditer(template)):
        return _Form.LONG_WAY
    parts, written = [], 0
    for match in conventions.TEMPLATE_PARTS.finditer(template):
        name = match.group(1)
        if name is not None and not _FORMAT_NAME.match(name):
            return _Form.LONG_WAY
        parts += [template[written:match.start()].replace("{", "{{").replace("}", "}}"),
                  "$" if name is None else "{" + name + "}"]
        written = match.end()
    parts.append(template[written:].replace("{", "{{").replace("}", "}}"))
    return "".join(parts)


def _names_slo(ref: str) -> bool:
    """Whether a 'service/...' reference is written as an SLO's (conventions.slo_ref)."""
    return ref.partition("/")[2].startswith("slo-")
