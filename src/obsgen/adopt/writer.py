"""The imported spec as files: stable YAML (the same account reads to the same bytes), each file
opening with what the import could not do for it."""

from __future__ import annotations

from typing import Any

import yaml

from ..targets.yaml_text import represent_float
from .mapping import Draft, Finding

SCHEMA_LINE = "yaml-language-server: $schema=../generated/obsgen.schema.json"


def files(draft: Draft, env: str, source: str) -> dict[str, str]:
    """Relative path -> text: monitors/obsgen.yaml and one monitors/<service>.yaml per service."""
    result = {"monitors/obsgen.yaml": _text(draft.project, [
        f"Imported by `obsgen import --env {env}` from {source}.",
        "Severities are the topics the alarms notify; give each a description, response_time and pages.",
        *([f"Set {name} ({what}) before plan or apply." for name, what in sorted(draft.env_vars.items())])])}
    by_service: dict[str, list[Finding]] = {}
    placed = {alarm: p.service for alarm, p in draft.placed.items()}
    for finding in draft.findings:
        if finding.subject in placed:
            by_service.setdefault(placed[finding.subject], []).append(finding)
    for name, spec in draft.services.items():
        notes = [f"{f.subject}: {f.outcome}: {f.why}" for f in by_service.get(name, [])]
        result[f"monitors/{name}.yaml"] = _text(spec, [f"Imported by `obsgen import --env {env}`.", *notes])
    return result


class _Dumper(yaml.SafeDumper):
    """Keys in the order they were built, multi-line text as a literal block when that keeps it exactly."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    lines = value.split("\n")
    exact = ("\n" in value and not value.endswith("\n\n") and not value.startswith((" ", "\n"))
             and all(line == line.rstrip() and line.isprintable() for line in lines))
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if exact else None)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(float, represent_float)


def _text(data: dict[str, Any], comments: list[str]) -> str:
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=120, indent=2)
    lines = "".join(f"# {line}\n" for comment in comments for line in comment.splitlines())
    return f"# {SCHEMA_LINE}\n{lines}{body}"


def report(draft: Draft) -> str:
    """The report at the end of an import, as Markdown (also written as IMPORT.md)."""
    lines = ["# obsgen import report", ""]
    counts: dict[str, int] = {}
    for finding in draft.findings:
        counts[finding.outcome] = counts.get(finding.outcome, 0) + 1
    lines.append(f"{len(draft.placed)} alarm(s) imported into {len(draft.services)} service(s).")
    for outcome, count in sorted(counts.items()):
        lines.append(f"- {outcome}: {count}")
    if draft.env_vars:
        lines += ["", "## Secrets to set", "",
                  *[f"- `{name}`: {what}" for name, what in sorted(draft.env_vars.items())]]
    for outcome in sorted(counts):
        lines += ["", f"## {outcome.capitalize()}", ""]
        lines += [f"- `{f.subject}`: {f.why}" for f in draft.findings if f.outcome == outcome]
    return "\n".join(lines) + "\n"
