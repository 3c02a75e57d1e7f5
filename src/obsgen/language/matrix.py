"""Environment matrices: `matrices:` in obsgen.yaml expanded into concrete environments.

A matrix is one environment definition over accounts x regions, keyed by the name template of the
environments it makes (`prod-${account}-${region}`). Each (account, region) becomes an environment
of that name, with the matrix's settings, then its `per_account` entry's, then its `per_region`
entry's (only the fields written there: mappings merge key by key, `disabled:` lists add up, the
rest is replaced). The expansion is static: it reads only what the spec lists, never AWS, so a
build stays offline and deterministic; `obsgen accounts --ou` lists an OU's accounts to paste
(docs/organisations.md says why).

Everything downstream sees ordinary environments (`ProjectSpec.environments`, in the order written:
the plain ones, then each matrix's by account, then region); `Expansion.sources` says where each
was defined, so that problems found in an expanded environment point at its matrix.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..diagnostics import Diagnostic, error, shown
from .errors import did_you_mean
from .v1.fields import NAME_PATTERN
from .v1.project import GENERATED_OWN_NAMES, Environment, EnvironmentMatrix, EnvironmentSettings, ProjectSpec
from .yaml_reader import Document, Loc

MATRIX_VARIABLES = ("account", "region")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(NAME_PATTERN)
# Fields of EnvironmentSettings that merge key by key, and the one whose lists add up.
_MERGED = ("vars", "overrides", "channels")
_ADDED = ("disabled",)


@dataclass(slots=True)
class Expansion:
    """The project with its matrices expanded, where each environment was defined, and the problems."""

    project: ProjectSpec
    sources: dict[str, Loc] = field(default_factory=dict)  # environment -> ("environments"|"matrices", key)
    problems: list[Diagnostic] = field(default_factory=list)


def expand_matrices(project: ProjectSpec, doc: Document) -> Expansion:
    sources: dict[str, Loc] = {env: ("environments", env) for env in project.environments}
    made_by: dict[str, str] = {}  # expanded environment -> "(account A, region R)", for duplicates
    environments: dict[str, Environment] = dict(project.environments)
    problems: list[Diagnostic] = []
    for template, matrix in project.matrices.items():
        loc = ("matrices", template)
        if bad := _template_problem(template, doc, loc):
            problems.append(bad)
            continue
        problems += _list_duplicates(matrix, doc, loc) + _stray_overrides(matrix, doc, loc)
        for account in dict.fromkeys(matrix.accounts):
            for region in dict.fromkeys(matrix.regions):
                name = _expand(template, account, region)
                where = f"(account {account}, region {region})"
                if problem := _name_problem(name, template, doc, loc, where, sources, made_by):
                    problems.append(problem)
                    continue
                sources[name], made_by[name] = loc, where
                environments[name] = _environment(matrix, account, region)
    if not environments and not doc.value_at(("matrices",)) and not doc.value_at(("environments",)):
        problems.append(error(doc.span(("environments",), at_key=True), "no-environment",
                              "the project defines no environment: write one under `environments:` (an account and "
                              "a region) or a matrix under `matrices:` (accounts x regions)"))
    return Expansion(project.model_copy(update={"environments": environments}), sources, problems)


def _template_problem(template: str, doc: Document, loc: Loc) -> Diagnostic | None:
    """A matrix name may use ${account} and ${region} only (the environment's other variables are
    not known until it exists); a '${' never closed is a typo."""
    for match in _VARIABLE.finditer(template):
        if match.group(1) not in MATRIX_VARIABLES:
            return error(doc.span(loc, at_key=True), "matrix-variable",
                         f"matrix name '{shown(template)}' uses ${{{shown(match.group(1))}}}: a matrix's name may use "
                         f"only ${{account}} and ${{region}}{did_you_mean(match.group(1), list(MATRIX_VARIABLES))}")
    if "${" in _VARIABLE.sub("", template):
        return error(doc.span(loc, at_key=True), "matrix-variable",
                     f"matrix name '{shown(template)}' has a '${{' that is never closed: write ${{account}} or ${{region}}")
    return None


def _expand(template: str, account: str, region: str) -> str:
    values = {"account": account, "region": region}
    return _VARIABLE.sub(lambda m: values[m.group(1)], template)


def _name_problem(name: str, template: str, doc: Document, loc: Loc, where: str, sources: dict[str, Loc],
                  made_by: dict[str, str]) -> Diagnostic | None:
    if not _NAME.match(name):
        return error(doc.span(loc, at_key=True), "bad-name",
                     f"matrix '{shown(template)}' names an environment '{shown(name)}' {where}: expected a name of "
                     "lowercase letters, digits and dashes (at most 64 characters)")
    if name in GENERATED_OWN_NAMES:
        return error(doc.span(loc, at_key=True), "bad-name",
                     f"matrix '{shown(template)}' names an environment '{name}' {where}, the name of one of "
                     "generated/'s own directories")
    if name in sources and sources[name] == loc:
        return error(doc.span(loc, at_key=True), "duplicate-environment",
                     f"matrix '{shown(template)}' names environment '{name}' {where} and {made_by[name]}: put "
                     "${account} in its name when it lists more than one account, ${region} when more than one region")
    if name in sources:
        return error(doc.span(loc, at_key=True), "duplicate-environment",
                     f"matrix '{shown(template)}' names environment '{name}' {where}, already defined at "
                     f"{doc.span(sources[name], at_key=True)}: rename one of them")
    return None


def _list_duplicates(matrix: EnvironmentMatrix, doc: Document, loc: Loc) -> list[Diagnostic]:
    """An account or region listed twice is a mistake (a pasted list), reported at its second entry."""
    problems = []
    for key, values in (("accounts", matrix.accounts), ("regions", matrix.regions)):
        for index, value in enumerate(values):
            if value in values[:index]:
                problems.append(error(doc.span(loc + (key, index)), "matrix-duplicate",
                                      f"{key} lists {value} twice (first at {doc.span(loc + (key, values.index(value)))})"))
    return problems


def _stray_overrides(matrix: EnvironmentMatrix, doc: Document, loc: Loc) -> list[Diagnostic]:
    """A per_account or per_region entry for an account or region the matrix does not list changes
    nothing: most likely a typo, or a list that lost an entry."""
    problems = []
    for key, listed, entries in (("per_account", matrix.accounts, matrix.per_account),
                                 ("per_region", matrix.regions, matrix.per_region)):
        for value in entries:
            if value not in listed:
                what = "account" if key == "per_account" else "region"
                problems.append(error(doc.span(loc + (key, _written_key(doc, loc + (key,), value)), at_key=True),
                                      "matrix-override",
                                      f"{key} names {what} {value}, which the matrix's {what}s do not list"
                                      f"{did_you_mean(value, list(listed))}: it would change nothing"))
    return problems


def _written_key(doc: Document, loc: Loc, value: str) -> str | int:
    """The key as the YAML holds it: an unquoted account id is a number there."""
    written: list[object] = list(doc.value_at(loc) or ())
    return int(value) if value not in written and value.isascii() and value.isdigit() and int(value) in written else value


def _environment(matrix: EnvironmentMatrix, account: str, region: str) -> Environment:
    settings: dict[str, Any] = {name: getattr(matrix, name) for name in EnvironmentSettings.model_fields}
    for patch in (matrix.per_account.get(account), matrix.per_region.get(region)):
        if patch is not None:
            settings = _patched(settings, patch)
    return Environment.model_construct(account=account, region=region, regions=[], **settings)


def _patched(settings: dict[str, Any], patch: EnvironmentSettings) -> dict[str, Any]:
    result = dict(settings)
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        if name in _MERGED:
            result[name] = {**settings[name], **value}
        elif name in _ADDED:
            result[name] = [*settings[name], *(v for v in value if v not in settings[name])]
        else:
            result[name] = value
    return result


GLOB_CHARACTERS = frozenset("*?[")  # what makes an `--env` value a pattern (fnmatch's)


def select(patterns: Iterable[str], known: list[str]) -> tuple[list[str], list[str]]:
    """The environments `--env` patterns name (shell globs: `prod-*`, `*-eu-west-1`; a plain name names
    itself), in the spec's order, and the patterns that name none."""
    patterns = list(patterns)
    chosen = {env for pattern in patterns for env in known if fnmatch.fnmatchcase(env, pattern)}
    unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(env, p) for env in known)]
    return [env for env in known if env in chosen], unmatched
