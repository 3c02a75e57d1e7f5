"""Runbooks: one page per monitor (facts from every environment + guidance from runbooks_src/), as
Markdown under generated/runbooks/ and as a static site under generated/site/, plus the coverage report.

    facts.py     the model of every environment -> MonitorFacts (wording.py: conditions in words;
                 commands.py: investigation commands)
    guidance.py  runbooks_src/ -> sections, sandboxed Jinja2, merge rules, located errors
    page.py      facts + guidance -> the Markdown page (the _default.md.j2 template)
    slo_pages.py one page per SLO: its tiers in words and numbers per environment, its dashboards
    route_pages.py one page per event route and per budget (#17)
    coverage.py  who has human Diagnosis and Mitigation
    site.py      the HTML site (markdown.py: markdown-it, raw HTML off; site_rows.py: the monitor tables' rows)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from ..chunks import Chunks, Content, joined
from ..diagnostics import Diagnostic
from ..progress import Progress, counted, silent

if TYPE_CHECKING:
    from ..backtest import BacktestReport
    from ..language.load import SpecSet
    from ..model import EnvironmentModel
    from ..render_cache import RenderCache
    from .coverage import Coverage

# The pages' machinery (guidance.py's Jinja and markdown-it, facts.py, the page templates) is imported by
# `render`, when runbooks are made: importing this package for its names (`obsgen build --env`, which
# makes none, reads COVERAGE_FILE) costs nothing (docs/performance.md, "Start-up").


RUNBOOKS_OUT = "runbooks"  # generated/runbooks/: the Markdown pages and COVERAGE.md
SITE_OUT = "site"  # generated/site/ (site.SITE_DIR; site.py, the HTML renderer, is imported only to render)
COVERAGE_FILE = f"{RUNBOOKS_OUT}/COVERAGE.md"


def _no_coverage() -> Coverage:
    from .coverage import Coverage
    return Coverage(())


@dataclass(slots=True)
class Runbooks:
    files: dict[str, str] = field(default_factory=dict)  # path under generated/ -> content
    diagnostics: list[Diagnostic] = field(default_factory=list)
    coverage: Coverage = field(default_factory=_no_coverage)
    # The site index's rows and COVERAGE.md's lines of each service, as laid out in those files: what the
    # incremental build (incremental/) keeps of each service
    index_blocks: dict[str, str] = field(default_factory=dict)
    coverage_blocks: dict[str, str] = field(default_factory=dict)


def render(spec: SpecSet, models: dict[str, EnvironmentModel], output: bool = True,
           progress: Progress = silent, sink: Callable[[str, Content], None] | None = None,
           store: RenderCache | None = None) -> Runbooks:
    """Every monitor of every environment in `models` (in the project's environment order). Without
    `output` (`obsgen validate`), only what can fail or be reported: every guidance file rendered for
    every monitor, the page template only when the project has its own (obsgen's is tested here),
    coverage -- no Markdown pages kept, no COVERAGE.md, no site, which were most of validate's time.
    With `sink`, each file goes there as soon as it is made instead of into `files`, even when a
    broken template is found later (the caller, compiler.compile_project with a sink, then writes
    nothing). With `store`, the site's HTML of a page whose Markdown was rendered before comes from
    that cache (render_cache.py; the same bytes)."""
    from . import coverage as coverage_, page, route_pages, slo_pages
    from .facts import collect
    from .guidance import GuidanceSource

    order = [e for e in spec.project.environments if e in models]
    production = {e: spec.project.environments[e].production for e in order}
    source = GuidanceSource(spec.root, page.packaged_template(), store if output else None)
    monitors = collect(models, order, production, None if output or source.own_template else source.reads_facts)
    result = Runbooks()
    pages: dict[str, str] = {}
    measured = []
    if output:
        from . import site, site_rows  # the HTML renderer (Jinja): imported only when pages are made
        from .template_cache import attach
        attach(site.environment(), store)  # its templates compiled once, kept in the cache
    for monitor in counted(monitors, "runbook pages" if output else "runbook guidance", progress):
        guidance = source.guidance(monitor.service, monitor.monitor, monitor.runbook,
                                   page.guidance_context(monitor, spec.project.project))
        measured.append((monitor, guidance))
        if not output and not source.own_template:
            continue
        if sink is not None and output:  # the page's HTML made now, so that no Markdown page is kept (35 MiB per 10,000 monitors)
            made = site.monitor_files(source, monitor, guidance, spec.project.project, spec.project.description or "",
                                      store)
            if made is None:
                measured.pop()
                continue
            sink(f"{RUNBOOKS_OUT}/{monitor.page}.md", made[0])
            sink(*made[1])
            continue
        text = page.render(source, monitor, guidance, spec.project.project, store if output else None)
        if text is None:
            measured.pop()
            continue
        if sink is None:
            pages[monitor.ref] = text
            result.files[f"{RUNBOOKS_OUT}/{monitor.page}.md"] = text
    routes, budgets = route_pages.collect(models, order, production)
    route_sections = [route_pages.route_guidance(source, r, spec.project.project) for r in routes]
    spec_monitors = {f"{s.spec.service}/{m}" for s in spec.services for m in s.spec.monitors}
    services = {s.spec.service for s in spec.services}
    result.diagnostics = source.problems + source.unknown_files(spec_monitors | {m.ref for m in monitors}, services,
                                                                spec.elsewhere)
    if result.diagnostics:
        return Runbooks(diagnostics=result.diagnostics)  # a broken template: no half-made site
    result.coverage = coverage_.measure(measured)
    if not output:
        return Runbooks(coverage=result.coverage)
    def kept(rel: str, content: Content) -> None:
        result.files[rel] = joined(content)

    add = kept if sink is None else sink
    result.coverage_blocks = result.coverage.blocks()
    add(COVERAGE_FILE, Chunks(coverage_.markdown_lines(result.coverage.covered, len(result.coverage.entries),
                                                       result.coverage_blocks.values())))  # a line per monitor
    slos = slo_pages.collect(models, order, production)
    for slo in slos:  # one page per SLO, beside its tiers' monitor pages
        text = slo_pages.markdown(slo, spec.project.project)
        add(f"{RUNBOOKS_OUT}/{slo.page}.md", text)
        add(*site.slo_page(spec.project.project, spec.project.description or "", slo, text, store))
    for route, sections in zip(routes, route_sections):  # one page per event route and per budget (#17)
        text = route_pages.route_markdown(route, sections, spec.project.project)
        add(f"{RUNBOOKS_OUT}/{route.page}.md", text)
        add(*site.route_page(spec.project.project, spec.project.description or "", route, text))
    for budget in budgets:
        text = route_pages.budget_markdown(budget, spec.project.project)
        add(f"{RUNBOOKS_OUT}/{budget.page}.md", text)
        add(*site.budget_page(spec.project.project, spec.project.description or "", budget, text))
    infos = list({s.name: s for m in models.values() for s in m.services}.values())
    result.index_blocks = site_rows.index_blocks(monitors, {e.monitor.ref: e.covered for e in result.coverage.entries})
    for path, content in site.files(spec.project.project, spec.project.description or "", monitors,
                                    pages if sink is None else None,
                                    sorted(infos, key=lambda s: s.name), {e: models[e] for e in order},
                                    result.coverage, production, progress, slos, routes, budgets, store,
                                    result.index_blocks):
        add(path, content)
    return result


def backtest_pages(spec: SpecSet, site_files: dict[str, str], reports: list[BacktestReport]) -> dict[str, str]:
    """The site's backtest page per report (`obsgen site --backtest FILE`), linking each alarm to its
    runbook page. Raises ValueError for a report of an environment the project does not have, or two
    reports of one environment."""
    from . import site

    prefix = f"{SITE_OUT}/"
    pages = {path[len(prefix):-len(".html")] for path in site_files
             if path.startswith(prefix) and path.endswith(".html") and path.count("/") == 2
             and not path[len(prefix):].startswith("_")}
    files: dict[str, str] = {}
    seen: set[str] = set()
    for report in reports:
        if report.env not in spec.project.environments:
            raise ValueError(f"the backtest is of environment '{report.env}', which the project does not define "
                             f"({', '.join(spec.project.environments)})")
        if report.env in seen:
            raise ValueError(f"two backtest reports of environment '{report.env}': give one per environment")
        seen.add(report.env)
        files.update(site.backtest_page(spec.project.project, spec.project.description or "", report, pages))
    return files
