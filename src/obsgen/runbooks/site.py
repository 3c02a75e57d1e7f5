"""The static runbook site, generated/site/: index (with a client-side search by alarm and alert name,
`filter.js`), a page per monitor (the environment of the link first, copy buttons: `runbook.js`), a
page per service, a page per SLO (slo_pages.py), the routing table. Laid out for a phone first (docs/runbooks.md). Pure files: every
link is relative, so it works opened from disk (file://) and on any static host (S3, GitHub Pages)
under any path, and every page is complete without its script.

Pages are Jinja2 templates shipped in the package (templates/site/) with autoescaping on; the only
markup not escaped is markdown-it's output (raw HTML off). Paths: `<service>/<monitor>.html` (the
URL scheme alarms already link to), `_services/<service>.html`, `_slos/<service>/<slo>.html`, `_assets/` — names never start with
`_`, so a service or monitor can never collide with them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping, Sequence

from markupsafe import Markup
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..chunks import Chunks, Content, Named, joined
from ..conventions import GENERATED_HEADER
from ..model import EnvironmentModel, ServiceInfo
from ..progress import Progress, counted, silent
from ..render_cache import RenderCache, source_digest, typed_text
from ..values import format_duration
from .coverage import Coverage
from . import page
from .facts import EnvFacts, MonitorFacts, is_production, is_sandbox
from .guidance import Guidance, GuidanceSource
from .markdown import Env, page_html, salt as markdown_salt
from .route_pages import BudgetFacts, RouteFacts
from .site_rows import index_blocks, service_rows
from .slo_pages import SloFacts
from ..targets.routing import senders

if TYPE_CHECKING:  # a backtest page is made by `obsgen site --backtest` alone, which imports its view
    from ..backtest import AlarmReport, BacktestReport

SITE_DIR = "site"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "site"
ASSETS = ("filter.js", "runbook.js", "style.css")


@dataclass(frozen=True, slots=True)
class SeverityRoute:
    severity: str
    description: str
    response_time: str
    pages: bool
    topic: str
    channels: tuple[str, ...]  # "oncall-email (email)"
    receiver: str  # the Alertmanager receiver, or ""
    receiver_channels: tuple[str, ...]
    alarms: int  # monitors of this severity in the environment


@dataclass(frozen=True, slots=True)
class RoutingEnv:
    """An environment on the routing page: which kinds of routing it has (no column of "none" for the other)."""

    name: str
    title: str  # with its marks: `production (PRODUCTION)`
    sns: bool  # it has CloudWatch alarms, which notify SNS topics
    alertmanager: bool  # it has Prometheus alerts, which Alertmanager routes


def environment() -> Environment:
    """The site's templates' environment (one per process)."""
    return _environment()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """One per process: the site's templates are obsgen's own and are compiled once."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.globals["header"] = GENERATED_HEADER
    return env


def render(project: str, description: str, monitors: list[MonitorFacts], pages: dict[str, str],
           services: list[ServiceInfo], models: dict[str, EnvironmentModel], coverage: Coverage,
           production: dict[str, bool | None] | None = None, progress: Progress = silent) -> dict[str, str]:
    """Files under generated/site/, keyed by their path there. `pages` holds each monitor's Markdown;
    `production`, the environments' `production:` flags as written."""
    made = files(project, description, monitors, pages, services, models, coverage, production, progress)
    return {path: joined(content) for path, content in made}


def files(project: str, description: str, monitors: list[MonitorFacts], pages: dict[str, str] | None,
          services: list[ServiceInfo], models: dict[str, EnvironmentModel], coverage: Coverage,
          production: dict[str, bool | None] | None = None, progress: Progress = silent,
          slos: Sequence[SloFacts] = (), routes: Sequence[RouteFacts] = (),
          budgets: Sequence[BudgetFacts] = (), store: RenderCache | None = None,
          blocks: Mapping[str, str] | None = None) -> Iterator[tuple[str, Content]]:
    """`render`'s files one at a time, (path under generated/, text): `obsgen build` writes each before
    the next is made (the HTML of 10,000 pages is 80 MiB, docs/performance.md); the index comes as
    `Chunks`, written as it is rendered. Without `pages`, the monitors' own pages are left out: the
    caller made each with `monitor_page` beside its Markdown. `blocks`: the index's rows of each
    service (`site_rows.index_blocks`), when the caller made them."""
    covered = {e.monitor.ref: e.covered for e in coverage.entries}
    common = {"project": project, "project_description": description}
    for name in ASSETS:
        yield asset(name)
    if blocks is None:
        blocks = index_blocks(monitors, covered)
    yield index_page(project, description, blocks.values(), coverage.covered, len(coverage.entries), len(monitors),
                     slos, routes, budgets)
    by_service: dict[str, list[MonitorFacts]] = {}  # grouped in this pass, not scanned again for each service
    for monitor in counted(monitors, "site pages", progress):
        if pages is not None:
            yield monitor_page(project, description, monitor, pages[monitor.ref], store)
        by_service.setdefault(monitor.service, []).append(monitor)
    for service in services:
        own = by_service.get(service.name, [])
        yield f"{SITE_DIR}/_services/{service.name}.html", _service_page(
            {**common, "root": "../", "service": service, "rows": list(service_rows(own, covered)),
             "title": service.name, "dashboards": _dashboards(own)}, store)
    yield routing_page(project, description, models, production, {e: alarm_counts(m) for e, m in models.items()},
                       {e: has_sns_alarms(m) for e, m in models.items()})


def asset(name: str) -> tuple[str, str]:
    """One of the site's scripts and style sheets: (path under generated/, text)."""
    return f"{SITE_DIR}/_assets/{name}", (TEMPLATES / name).read_text(encoding="utf-8")


def index_page(project: str, description: str, blocks: Iterable[str], covered: int, total: int, monitors: int,
               slos: Sequence[SloFacts] = (), routes: Sequence[RouteFacts] = (),
               budgets: Sequence[BudgetFacts] = ()) -> tuple[str, Content]:
    """The index from its rows, a block per service in service order (`site_rows.index_blocks`), and its
    counts: the monitors with guidance, those measured, those listed. The incremental build (incremental/)
    makes it from the blocks of services it did not compile again."""
    # The index lists every monitor (21.6 MB at 30,000): handed over in pieces, never one string.
    return f"{SITE_DIR}/index.html", Chunks(_environment().get_template("index.html.j2").generate(
        project=project, project_description=description, root="", monitors=monitors,
        rows=(Markup(block) for block in blocks), covered=covered,  # HTML made escaped (site_rows.py)
        total=total, title="Runbooks", slos=slos, routes=routes, budgets=budgets))


def routing_page(project: str, description: str, models: dict[str, EnvironmentModel],
                 production: dict[str, bool | None] | None, counts: Mapping[str, Mapping[str, int]],
                 sns: Mapping[str, bool]) -> tuple[str, str]:
    """The routing page of `models` (by environment, in the project's order), with each environment's
    alarms and alerts counted per severity (`alarm_counts`) and whether it has any CloudWatch alarm
    (`has_sns_alarms`): the incremental build gives the counts of the whole project."""
    envs = [RoutingEnv(e.name, e.title, sns[e.name], e.alertmanager)
            for e in (_routing_env(m, (production or {}).get(name)) for name, m in models.items())]
    return f"{SITE_DIR}/routing.html", _environment().get_template("routing.html.j2").render(
        project=project, project_description=description, root="", models=models, envs=envs,
        routes={e: _routes(m, counts[e]) for e, m in models.items()},
        mutes={e: _mutes(m) for e, m in models.items()}, senders={e: senders(m) for e, m in models.items()},
        any_sns=any(e.sns for e in envs), any_alertmanager=any(e.alertmanager for e in envs), title="Routing")


def alarm_counts(model: EnvironmentModel) -> Counter[str]:
    """The alarms and Prometheus alerts of each severity in `model`."""
    counts = Counter(a.severity.name for a in model.alarms())
    counts.update(a.severity.name for g in model.rule_groups for a in g.alerts)
    return counts


def has_sns_alarms(model: EnvironmentModel) -> bool:
    return bool(model.metric_alarms or model.composite_alarms)


def _service_page(context: dict[str, object], store: RenderCache | None) -> Content:
    """A service's page, `Named` by the key of everything its template is given (`context`: the rows
    as the Markup they are) and the code that renders it (`service_salt`), so that a sink that knows
    generated/ holds it already does not render it (1,000 pages, 0.08 s at 10,000 monitors). The value
    is not kept in the cache: rendering it costs about what reading it back would."""
    def render() -> str:
        return _environment().get_template("service.html.j2").render(context)

    if store is None:
        return render()
    try:
        inputs = typed_text(context)
    except TypeError:  # not plain data: no name, made as it is
        return render()
    return Named(store.key(SERVICE_KIND, service_salt(), inputs), render)


SERVICE_KIND = "service-page"  # the name of a service's page among render-cache keys (never stored)


@cache
def service_salt() -> str:
    """The code and text a service's page comes from: this module (the template environment's
    options), the two templates, Jinja2's and MarkupSafe's releases and the header every page carries."""
    from importlib.metadata import version  # markupsafe.__version__ is deprecated (a warning)

    import jinja2

    sources = source_digest(Path(__file__), TEMPLATES / "service.html.j2", TEMPLATES / "base.html.j2")
    return f"{sources} jinja2 {jinja2.__version__} markupsafe {version('markupsafe')} {GENERATED_HEADER}"


def monitor_page(project: str, description: str, monitor: MonitorFacts, markdown: str,
                 store: RenderCache | None = None) -> tuple[str, str]:
    """A monitor's page of the site from its Markdown page: (path under generated/, HTML). With `store`,
    the page may come from the render cache: `_monitor_html` is pure, and its key holds every argument
    it is given, the templates' text and the code that renders them (`salt`)."""
    path = f"{SITE_DIR}/{monitor.page}.html"
    envs = tuple(Env(e.env, e.title, e.production) for e in monitor.envs)
    if store is None:
        return path, _monitor_html(project, description, monitor.service, monitor.ref, envs, markdown)
    key = store.key(PAGE_KIND, salt(), project, description, monitor.service, monitor.ref,
                    json.dumps([[e.name, e.title, e.production] for e in envs]), markdown)
    if (kept := store.get(PAGE_KIND, key)) is not None:
        return path, kept
    text = _monitor_html(project, description, monitor.service, monitor.ref, envs, markdown)
    store.put(PAGE_KIND, key, text)
    return path, text


def monitor_files(source: GuidanceSource, monitor: MonitorFacts, guidance: Guidance, project: str, description: str,
                  store: RenderCache | None = None) -> tuple[Content, tuple[str, Content]] | None:
    """A monitor's Markdown page and its site page (path under generated/, HTML); None when the
    project's own page template fails (reported by `source`). With `store` and obsgen's page template
    both come from one cache entry, so a page already made costs one key and one read rather than two
    of each (docs/performance.md, issue #22 target 1), and a page from the cache comes as the UTF-8
    bytes it is stored as (a sink writes them as they are). Its key holds what both renders read: the
    Markdown page's inputs and code (page.key_inputs), this module's `salt` and the project's
    description; the site page's other arguments (service, ref, environments, the Markdown) are made
    from those facts. Both pages then come as `Named` by that key, read from the cache (or made) only
    when the sink asks: a sink that knows generated/ holds them already asks for neither
    (generated_manifest.py). obsgen's own template never fails: such a page is never None."""
    inputs = page.key_inputs(source, monitor, guidance, project) if store is not None else None
    if store is None or inputs is None:
        text = page.render(source, monitor, guidance, project, store)
        return None if text is None else (text, monitor_page(project, description, monitor, text, store))
    *shared, facts, guidance_text = inputs  # what every page of the build has in common, hashed once
    key = store.key_after((PAIR_KIND, salt(), description, *shared), facts, guidance_text)
    pair = _Pair(store, key, lambda: _fresh_pair(source, monitor, guidance, project, description))
    return Named(f"{key}.md", pair.markdown), (f"{SITE_DIR}/{monitor.page}.html", Named(f"{key}.html", pair.html))


PAIR_KIND = "monitor-pages"  # the render cache's name for a monitor's Markdown page and site page together


class _Pair:
    """A monitor's two pages from their `monitor-pages` entry, read (or made and stored) when the first
    of them is asked for; the second comes from the same read."""

    __slots__ = ("_store", "_key", "_fresh", "_pages")

    def __init__(self, store: RenderCache, key: str, fresh: Callable[[], tuple[str, str]]) -> None:
        self._store, self._key, self._fresh = store, key, fresh
        self._pages: tuple[bytes | str, bytes | str] | None = None

    def markdown(self) -> bytes | str:
        return self._both()[0]

    def html(self) -> bytes | str:
        return self._both()[1]

    def _both(self) -> tuple[bytes | str, bytes | str]:
        if self._pages is None:
            kept = self._store.get_bytes(PAIR_KIND, self._key)
            pages = _pair(kept) if kept is not None else None
            self._pages = pages if pages is not None else self._made()
        return self._pages

    def _made(self) -> tuple[str, str]:
        text, html = self._fresh()
        # surrogatepass: a text with a lone surrogate has a length here, and `put` then keeps nothing
        self._store.put(PAIR_KIND, self._key, f"{len(text.encode('utf-8', 'surrogatepass'))}\n{text}{html}")
        return text, html


def _fresh_pair(source: GuidanceSource, monitor: MonitorFacts, guidance: Guidance, project: str,
                description: str) -> tuple[str, str]:
    """Both pages made again (obsgen's own template, which reports no failure: it raises)."""
    text = page.render(source, monitor, guidance, project)
    if text is None:
        raise RuntimeError(f"obsgen's page template made no page for {monitor.ref}")
    return text, monitor_page(project, description, monitor, text)[1]  # no store: the pair is what is kept


def _pair(kept: bytes) -> tuple[bytes, bytes] | None:
    """(Markdown, HTML) as UTF-8 bytes from a `monitor-pages` entry: the Markdown's length in bytes, a
    newline, then both; None for anything else (made again)."""
    length, _, both = kept.partition(b"\n")
    if not length.isdigit() or int(length) > len(both):  # bytes.isdigit: ASCII digits only, what int() reads
        return None
    return both[:int(length)], both[int(length):]


def _monitor_html(project: str, description: str, service: str, ref: str, envs: tuple[Env, ...], markdown: str) -> str:
    """The page from exactly these values: the template sees nothing else (no facts object whose other
    fields a cached page would have to be keyed by), besides the `header` global, which `salt` holds."""
    page = page_html(markdown, envs)
    return _environment().get_template("runbook.html.j2").render(
        project=project, project_description=description, root="../", service=service,
        env_names=" ".join(e.name for e in envs), body=page.html, sections=page.sections, title=ref)


PAGE_KIND = "site-page"  # the render cache's name for a monitor's site page


@cache
def salt() -> str:
    """The code and text a cached site page comes from: the Markdown renderer (markdown.salt), this
    module, the two templates, Jinja2's release and the header every page carries."""
    import jinja2

    sources = source_digest(Path(__file__), TEMPLATES / "runbook.html.j2", TEMPLATES / "base.html.j2")
    return f"{markdown_salt()} {sources} jinja2 {jinja2.__version__} {GENERATED_HEADER}"


def slo_page(project: str, description: str, slo: SloFacts, markdown: str,
             store: RenderCache | None = None) -> tuple[str, str]:
    """An SLO's page of the site from its Markdown page (slo_pages.py): (path under generated/, HTML)."""
    page = page_html(markdown, tuple(Env(e.env.env, e.env.title, e.env.production) for e in slo.envs), store)
    return f"{SITE_DIR}/{slo.page}.html", _environment().get_template("slo.html.j2").render(
        project=project, project_description=description, root="../../", slo=slo, body=page.html,
        sections=page.sections, title=f"SLO {slo.ref}")


def route_page(project: str, description: str, route: RouteFacts, markdown: str) -> tuple[str, str]:
    """An event route's page of the site from its Markdown page (route_pages.py): (path under generated/, HTML)."""
    page = page_html(markdown, tuple(Env(e.env.env, e.env.title, e.env.production) for e in route.envs))
    return f"{SITE_DIR}/{route.page}.html", _environment().get_template("other.html.j2").render(
        project=project, project_description=description, root="../../", envs=[e.env.env for e in route.envs],
        body=page.html, sections=page.sections, title=f"Event route {route.ref}", service=route.scope)


def budget_page(project: str, description: str, budget: BudgetFacts, markdown: str) -> tuple[str, str]:
    """A budget's page of the site from its Markdown page (route_pages.py): (path under generated/, HTML)."""
    page = page_html(markdown, tuple(Env(e.env.env, e.env.title, e.env.production) for e in budget.envs))
    return f"{SITE_DIR}/{budget.page}.html", _environment().get_template("other.html.j2").render(
        project=project, project_description=description, root="../", envs=[e.env.env for e in budget.envs],
        body=page.html, sections=page.sections, title=f"Budget {budget.key}", service="")


def _dashboards(monitors: list[MonitorFacts]) -> list[tuple[str, str]]:
    """(environment with its marks, dashboard URL) of a service, from any of its CloudWatch monitors; none
    for a sandbox environment (the AWS console does not know it)."""
    found: dict[str, tuple[str, str]] = {}
    for monitor in monitors:
        for e in monitor.enabled_envs:
            if e.dashboard_url:
                found.setdefault(e.env, (e.title, e.dashboard_url))
    order = [e.env for e in monitors[0].envs] if monitors else []  # every monitor lists every environment
    return [found[e] for e in order if e in found]


def _routing_env(model: EnvironmentModel, production: bool | None) -> RoutingEnv:
    marks = EnvFacts(model.env, True, is_production(model.env, production), is_sandbox(model.endpoint))
    return RoutingEnv(model.env, marks.title, has_sns_alarms(model), any(g.alerts for g in model.rule_groups))


@dataclass(frozen=True, slots=True)
class MuteWindow:
    """A mute rule on the routing page: when it mutes which alarms (#17: the site shows when an alarm is muted)."""

    window: str
    description: str
    name: str
    region: str
    expression: str  # cron(...) or at(...)
    duration: str
    timezone: str
    refs: tuple[str, ...]  # the monitors of the alarms it mutes, each a page of the site


def _mutes(model: EnvironmentModel) -> list[MuteWindow]:
    return [MuteWindow(r.window, r.description or "", r.name, r.region or model.region, r.expression,
                       format_duration(r.duration), r.timezone, r.refs)
            for r in sorted(model.mute_rules, key=lambda r: (r.window, r.name, r.region))]


def _routes(model: EnvironmentModel, counts: Mapping[str, int]) -> list[SeverityRoute]:
    receivers = {r.severity_label: r for r in (model.alertmanager.receivers if model.alertmanager else ())}
    routes = []
    for sev in model.severities:
        subs = sorted((s for s in model.subscriptions if s.severity == sev.name and s.region == model.region),
                      key=lambda s: s.channel)  # other regions' topics have the same subscriptions
        receiver = receivers.get(sev.prometheus)
        routes.append(SeverityRoute(
            sev.name, sev.description, format_duration(sev.response_time), sev.pages, sev.topic_name,
            tuple(f"{s.channel} ({s.protocol})" for s in subs), receiver.name if receiver else "",
            tuple(f"{c} ({k})" for c, k, _ in receiver.channels) if receiver else (), counts.get(sev.name, 0)))
    return routes


# --- backtest pages (`obsgen site --backtest FILE`) --------------------------------------------------

BACKTEST_DIR = "_backtest"  # `_`: never a service name, like _services/ and _assets/


@dataclass(frozen=True, slots=True)
class BacktestRow:
    alarm: AlarmReport
    link: str  # its runbook page for this environment, or "" when the site has none
    in_alarm: str
    longest: str
    flaps: str
    missing: str
    verdict: str


def backtest_page(project: str, description: str, report: BacktestReport, pages: set[str]) -> dict[str, str]:
    """`site/_backtest/<env>.html` for one report. `pages` holds the site's monitor refs; links are
    built from them, never from the report's text, and every text of the report is escaped."""
    from ..views import backtest as backtest_view

    rows = []
    for alarm in report.alarms:
        link = f"../{alarm.ref}.html?env={report.env}" if alarm.ref in pages else ""
        verdict = backtest_view.verdict(report, alarm) if (alarm.unsupported or alarm.dead) else \
            backtest_view.suggestion_text(alarm) or "-"
        rows.append(BacktestRow(alarm, link, format_duration(alarm.time_in_alarm), format_duration(alarm.longest_alarm),
                                f"{report.flaps_per_day(alarm):.2f}",
                                f"{alarm.datapoints_missing} of {alarm.datapoints_expected}" if alarm.kind != "composite"
                                else "-", verdict))
    period = f"{backtest_view.when(report.start)} to {backtest_view.when(report.end)}"
    html = _environment().get_template("backtest.html.j2").render(
        project=project, project_description=description, root="../", report=report, rows=rows, period=period,
        title=f"Backtest {report.env}")
    return {f"{SITE_DIR}/{BACKTEST_DIR}/{report.env}.html": html}
