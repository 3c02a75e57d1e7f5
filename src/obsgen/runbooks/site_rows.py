"""The rows of the site's monitor tables (the index's and each service page's), made in Python.

The index has a row per monitor (10,000 rows at 10,000 monitors), each some thirty escaped values: as a
Jinja loop that was 0.29 s of a warm build's CPU, every value fetched through `Environment.getattr` and
yielded as its own piece. Here a row is one f-string of `markupsafe.escape`d values, handed to the
template as Markup (`{{ row }}`), and the page is the same bytes: tests/test_site_rows.py renders the
rows both ways, the old template loop kept there as the reference. Every value from the spec is escaped
exactly as autoescaping did (`escape`, which writes an object with `__html__` as it is).
"""

from __future__ import annotations

from typing import Iterable, Iterator, Mapping

from markupsafe import Markup, escape

from .facts import MonitorFacts


def index_rows(monitors: Iterable[MonitorFacts], covered: Mapping[str, bool]) -> Iterator[Markup]:
    """The index's `<tr>` of each monitor (without the newline after it)."""
    for m in monitors:
        page = escape(m.page)
        service = escape(m.service)
        names = "".join(
            f'        <li data-env="{escape(e.env)}"><a href="{page}.html?env={escape(e.env)}">{escape(e.name)} '
            f'<span class="env{" production" if e.production else ""}">{escape(e.title)}</span></a></li>\n'
            for e in m.enabled_envs)
        yield Markup(
            f'<tr data-ref="{escape(m.ref)}">\n  <td class="monitor">\n'
            f'    <a class="name" href="{page}.html">{escape(m.monitor)}</a>\n'
            f'    <span class="service">in <a href="_services/{service}.html">{service}</a></span>\n'
            f'    <span class="summary">{escape(m.summary)}</span>\n'
            f'    <details class="names"><summary>{"Alert" if m.kind == "promql" else "Alarm"} names</summary>\n'
            f'      <ul>\n{names}      </ul>\n    </details>\n  </td>\n'
            f'  <td data-label="Severity">{escape(", ".join(m.severities))}</td>\n'
            f'  <td data-label="Owner">{escape(m.owner)}</td>\n'
            f'  <td data-label="Environments">{_environments(m)}</td>\n'
            f'  <td data-label="Guidance">{_guidance(covered, m)}</td>\n</tr>')


def service_rows(monitors: Iterable[MonitorFacts], covered: Mapping[str, bool]) -> Iterator[Markup]:
    """A service page's `<tr>` of each of its monitors (without the newline after it)."""
    for m in monitors:
        yield Markup(
            f'<tr>\n  <td><a href="../{escape(m.page)}.html">{escape(m.monitor)}</a></td>\n'
            f'  <td>{escape(m.summary)}</td>\n'
            f'  <td data-label="Severity">{escape(", ".join(m.severities))}</td>\n'
            f'  <td data-label="Environments">{_environments(m)}</td>\n'
            f'  <td data-label="Guidance">{_guidance(covered, m)}</td>\n</tr>')


def _environments(m: MonitorFacts) -> str:
    """Every environment of the project, marked off where the monitor is disabled, one space apart."""
    return " ".join(
        f'<span class="{"env" if e.enabled else "env off"}{" production" if e.production else ""}">'
        f'{escape(e.title)}{"" if e.enabled else ": disabled"}</span>' for e in m.envs)


def _guidance(covered: Mapping[str, bool], m: MonitorFacts) -> str:
    return "written" if covered[m.ref] else "missing"
