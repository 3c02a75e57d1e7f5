"""One monitor's Markdown runbook: the page template (runbooks_src/_default.md.j2, or obsgen's own)
rendered with the monitor's facts and merged guidance. The Markdown is kept in generated/runbooks/
for wikis and is the body of the monitor's page on the site."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from ..render_cache import RenderCache, package_digest, typed_text

from .facts import MonitorFacts
from .guidance import DEFAULT_TEMPLATE, SERVICE_FILE, Fences, Guidance, GuidanceSource
from .wording import Markdown, as_text, code

PACKAGED_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "runbook.md.j2"
KINDS = {"metric": "CloudWatch metric alarm", "math": "CloudWatch metric-math alarm",
         "anomaly": "CloudWatch anomaly-detection alarm", "composite": "CloudWatch composite alarm",
         "promql": "Prometheus alert", "log": "CloudWatch Logs metric filter and its metric alarm",
         "log-query": "CloudWatch log alarm (a scheduled Logs Insights query)"}


def packaged_template() -> str:
    return PACKAGED_TEMPLATE.read_text(encoding="utf-8")


def cell(text: str) -> Markdown:
    """Text inside a Markdown table cell: one line, pipes escaped (GFM wants them escaped even in code
    spans); spec text (anything not `Markdown` already) escaped as text."""
    line = " ".join(str(text).split())
    return Markdown(line.replace("|", "\\|")) if isinstance(text, Markdown) else as_text(line)


def codeblock(text: str, language: str = "") -> Markdown:
    """A fenced block no line of `text` can close: the fence is longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return Markdown(f"{fence}{language}\n{text}\n{fence}")


def link(from_service: str, ref: str) -> Markdown:
    """Relative link from a page in <service>/ to another monitor's page (`.md`; the site makes it `.html`)."""
    service, monitor = ref.split("/", 1)
    return Markdown(f"{monitor}.md" if service == from_service else f"../{service}/{monitor}.md")


def guidance_context(monitor: MonitorFacts, project: str) -> dict[str, Any]:
    """What a runbooks_src file can use: the monitor's facts, by environment too."""
    return {"monitor": monitor, "project": project, "env": {e.env: e for e in monitor.envs}, "code": code}


def missing(monitor: MonitorFacts, section: str) -> Markdown:
    where = code(f"runbooks_src/{monitor.service}/{monitor.monitor}.md")
    also = f" (or {code(f'runbooks_src/{monitor.runbook}.md')})" if monitor.runbook else ""
    service = code(f"runbooks_src/{monitor.service}/{SERVICE_FILE}")
    return Markdown(f"*No guidance written yet: add a {code(f'## {section}')} section to {where}{also} or {service}.*")


def render(source: GuidanceSource, monitor: MonitorFacts, guidance: Guidance, project: str,
           store: RenderCache | None = None) -> str | None:
    """The monitor's Markdown page; None when the project's own page template fails (reported by
    `source`). With `store` and obsgen's own template, the page may come from the render cache: that
    template sees only the context below, all made from the monitor's facts, its guidance and the
    project's name, which the key holds with their types (render_cache.typed_text); its code and the
    template are in the package digest. A project's own template runs uncached (it may include any
    runbooks_src file, and its failures must be reported)."""
    inputs = key_inputs(source, monitor, guidance, project) if store is not None else None
    if store is None or inputs is None:
        return _render(source, monitor, guidance, project)
    key = store.key(PAGE_KIND, *inputs)
    if (kept := store.get(PAGE_KIND, key)) is not None:
        return kept
    text = _render(source, monitor, guidance, project)
    if text is not None:
        store.put(PAGE_KIND, key, text)
    return text


PAGE_KIND = "runbook-page"  # the render cache's name for a monitor's Markdown page


def key_inputs(source: GuidanceSource, monitor: MonitorFacts, guidance: Guidance, project: str) -> tuple[str, ...] | None:
    """Everything the Markdown page is made from, as cache-key text: the code (salt), the project's
    name, the monitor's facts and its guidance with their types. None when the page must not be cached:
    the project's own template, or facts that are not plain data (typed_text refuses them)."""
    if source.own_template:
        return None
    try:
        return _salt(), project, typed_text(monitor), source.typed(guidance)
    except TypeError:
        return None


@cache
def _salt() -> str:
    import jinja2

    return f"{package_digest()} jinja2 {jinja2.__version__}"


def _render(source: GuidanceSource, monitor: MonitorFacts, guidance: Guidance, project: str) -> str | None:
    context = {
        **guidance_context(monitor, project), "guidance": guidance, "kinds": KINDS, "cell": cell,
        "codeblock": codeblock, "link": lambda ref: link(monitor.service, ref),
        "missing": lambda section: missing(monitor, section),
    }
    text = source.render(DEFAULT_TEMPLATE, context)
    return None if text is None else _tidy(text)


def _tidy(text: str) -> str:
    """Template whitespace aside: no trailing spaces, at most one blank line in a row, one final newline.
    Fenced blocks are left as they are."""
    out: list[str] = []
    fences = Fences()
    for line in text.splitlines():
        if not fences.inside(line):
            line = line.rstrip()
            if not line and (not out or not out[-1]):
                continue
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"
