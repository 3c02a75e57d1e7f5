"""The site's monitor rows made in Python (runbooks/site_rows.py) are the bytes the Jinja loops of
index.html.j2 and service.html.j2 made before: those loops are kept here as the reference and rendered
with the site's own environment (autoescape, trim_blocks, lstrip_blocks, StrictUndefined)."""

from __future__ import annotations

from obsgen.runbooks import site
from obsgen.runbooks.facts import EnvFacts, MonitorFacts
from obsgen.runbooks.site_rows import index_rows, service_rows
from obsgen.runbooks.wording import Markdown

INDEX_LOOP = """\
{% for m in monitors %}
<tr data-ref="{{ m.ref }}">
  <td class="monitor">
    <a class="name" href="{{ m.page }}.html">{{ m.monitor }}</a>
    <span class="service">in <a href="_services/{{ m.service }}.html">{{ m.service }}</a></span>
    <span class="summary">{{ m.summary }}</span>
    <details class="names"><summary>{{ "Alert" if m.kind == "promql" else "Alarm" }} names</summary>
      <ul>
{% for e in m.enabled_envs %}
        <li data-env="{{ e.env }}"><a href="{{ m.page }}.html?env={{ e.env }}">{{ e.name }} <span class="env{{ ' production' if e.production }}">{{ e.title }}</span></a></li>
{% endfor %}
      </ul>
    </details>
  </td>
  <td data-label="Severity">{{ m.severities | join(", ") }}</td>
  <td data-label="Owner">{{ m.owner }}</td>
  <td data-label="Environments">{% for e in m.envs %}<span class="{{ 'env' if e.enabled else 'env off' }}{{ ' production' if e.production }}">{{ e.title }}{{ "" if e.enabled else ": disabled" }}</span>{{ " " if not loop.last }}{% endfor %}</td>
  <td data-label="Guidance">{{ "written" if covered[m.ref] else "missing" }}</td>
</tr>
{% endfor %}
"""

SERVICE_LOOP = """\
{% for m in monitors %}
<tr>
  <td><a href="../{{ m.page }}.html">{{ m.monitor }}</a></td>
  <td>{{ m.summary }}</td>
  <td data-label="Severity">{{ m.severities | join(", ") }}</td>
  <td data-label="Environments">{% for e in m.envs %}<span class="{{ 'env' if e.enabled else 'env off' }}{{ ' production' if e.production }}">{{ e.title }}{{ "" if e.enabled else ": disabled" }}</span>{{ " " if not loop.last }}{% endfor %}</td>
  <td data-label="Guidance">{{ "written" if covered[m.ref] else "missing" }}</td>
</tr>
{% endfor %}
"""

ROWS = "{% for row in rows %}\n{{ row }}\n{% endfor %}\n"  # what the two templates hold now

HOSTILE = "<b>&amp; \"quoted\" 'single' </b>"


def _env(name: str, enabled: bool = True, production: bool = False, sandbox: bool = False,
         severity: str = "critical", alarm: str = "") -> EnvFacts:
    if not enabled:
        return EnvFacts(name, False, production, sandbox)
    return EnvFacts(name, True, production, sandbox, name=alarm or f"alarm-{name}", severity=severity)


def _monitors() -> list[MonitorFacts]:
    return [
        MonitorFacts("orders", "errors", "metric", "Errors are up.", "", "team-a", "", "",
                     (_env("production", production=True), _env("staging", severity="warning"))),
        MonitorFacts("orders", "down", "promql", Markdown(HOSTILE), "", HOSTILE, "", "",
                     (_env("production", production=True, alarm=HOSTILE), _env("staging", enabled=False))),
        MonitorFacts("pay&ments", "lat<ency>", "log", "", "", "", "", "",
                     (_env("prod", enabled=False, production=True), _env("local", sandbox=True))),
        MonitorFacts("pay&ments", "none", "composite", "All off.", "", "o", "", "",
                     (_env("production", enabled=False, production=True), _env("staging", enabled=False))),
        MonitorFacts("solo", "one", "metric", "s", "", "o", "", "", (_env("dev", severity=HOSTILE),)),
    ]


def _both(reference: str, rows: object, monitors: list[MonitorFacts], covered: dict[str, bool]) -> tuple[str, str]:
    env = site._environment()
    old = env.from_string(reference).render(monitors=monitors, covered=covered)
    return old, env.from_string(ROWS).render(rows=rows)


def test_index_rows_are_the_template_loops_bytes() -> None:
    monitors = _monitors()
    covered = {m.ref: i % 2 == 0 for i, m in enumerate(monitors)}
    old, new = _both(INDEX_LOOP, index_rows(monitors, covered), monitors, covered)
    assert "&lt;b&gt;&amp;amp;" in old and ": disabled" in old and " production" in old  # the cases are exercised
    assert new == old


def test_service_rows_are_the_template_loops_bytes() -> None:
    monitors = _monitors()
    covered = {m.ref: i % 2 == 1 for i, m in enumerate(monitors)}
    old, new = _both(SERVICE_LOOP, service_rows(monitors, covered), monitors, covered)
    assert new == old


def test_no_monitors_no_rows() -> None:
    assert _both(INDEX_LOOP, index_rows([], {}), [], {}) == ("", "")


def test_text_escapes_as_markupsafe_does() -> None:
    from markupsafe import Markup, escape

    from obsgen.runbooks.site_rows import text

    values: list[object] = ["", "plain", HOSTILE, "&&<<>>''\"\"", "caf\u00e9 \u2014 <\u2713>", "&amp; already", Markdown(HOSTILE),
                            Markup("<b>kept</b>"), 42, None]
    for value in values:
        assert text(value) == str(escape(value)), value
