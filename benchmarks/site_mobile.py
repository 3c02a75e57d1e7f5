"""The runbook site on a phone (issue #18): the figures, measured the same way before and after a change.

    .venv/bin/python benchmarks/site_mobile.py                 # builds the example into a temp dir
    .venv/bin/python benchmarks/site_mobile.py --site generated/site

Headless Chromium (Debian's /usr/bin/chromium, or OBSGEN_CHROMIUM) through playwright, as
tests/test_site_browser.py drives it. Pages are opened from disk the way the alarm's link opens
them: the production alarm's (or alert's) runbook URL, with `runbooks.base_url` swapped for the
site folder and the rest of the URL (a query or fragment) kept. It prints:

- page widths: `document.documentElement.scrollWidth` at 390x844 (a phone) and 1400x1000, for the
  index, a service page, the routing page and three runbook pages (a CloudWatch alarm, a composite,
  a Prometheus alert); wider than the viewport means the page scrolls sideways;
- where the Diagnosis and Mitigation headings are (their top, in CSS pixels from the top of the
  page) on `stock-api/api-latency` and `stock-system/system-health` at 390x844; one screen is 844;
- search: each environment's alarm name and each alert name typed into the index's filter, and
  whether the monitor's row is among the rows shown;
- axe-core (the copy bundled by axe-playwright-python): violations per page by impact, at 390x844.

It asserts nothing: the browser test (tests/test_site_browser.py) holds the limits.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from obsgen.compiler import compile_project, write

REPO = Path(__file__).resolve().parent.parent
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}
RUNBOOKS = ("stock-api/api-latency", "stock-system/system-health", "credlink-api/api-down")
HEADING_PAGES = ("stock-api/api-latency", "stock-system/system-health")
LINK_ENV = "production"
BASE_URL = "https://runbooks.example.com/stock-analysis"  # runbooks.base_url of monitors/obsgen.yaml


def build_example(into: Path) -> tuple[Path, object]:
    for folder in ("monitors", "runbooks_src"):
        shutil.copytree(REPO / folder, into / folder)
    build = compile_project(into)
    if not build.ok:
        sys.exit("\n".join(str(d) for d in build.diagnostics))
    write(into, build)
    return into / "generated" / "site", build


def alarm_links(build: object, env: str) -> dict[str, str]:
    """Monitor ref -> the runbook URL its alarm or alert carries in `env`."""
    model = build.models[env]  # type: ignore[attr-defined]
    links = {a.ref: a.runbook_url for a in model.alarms()}
    links.update({a.ref: dict(a.annotations)["runbook_url"] for g in model.rule_groups for a in g.alerts})
    return links


def names(build: object) -> list[tuple[str, str, str]]:
    """(kind, alarm or alert name, monitor ref) for every alarm and alert of every environment."""
    found = []
    for model in build.models.values():  # type: ignore[attr-defined]
        found += [("alarm", a.name, a.ref) for a in model.alarms()]
        found += [("alert", a.alert, a.ref) for g in model.rule_groups for a in g.alerts]
    return found


def local(site: Path, url: str, base: str) -> str:
    """The published URL as a file:// URL into `site`, keeping its query and fragment."""
    assert url.startswith(base + "/"), url
    rest = url[len(base) + 1:]
    path, sep, tail = rest.partition("?") if "?" in rest else rest.partition("#")
    return (site / path).as_uri() + (sep + tail if sep else "")


def width(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def heading_top(page, text: str) -> int | None:
    return page.evaluate("""(text) => {
        const h = [...document.querySelectorAll('main h2')].find(e => e.textContent.trim() === text);
        return h ? Math.round(h.getBoundingClientRect().top + window.scrollY) : null;
    }""", text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build the example into a temp dir)")
    args = parser.parse_args()
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site, build = build_example(Path(tmp))
        if args.site:
            site = args.site.resolve()
        base = BASE_URL
        links = alarm_links(build, LINK_ENV)
        pages = {"index": (site / "index.html").as_uri(),
                 "service stock-api": (site / "_services" / "stock-api.html").as_uri(),
                 "routing": (site / "routing.html").as_uri()}
        pages.update({ref: local(site, links[ref], base) for ref in RUNBOOKS})
        executable = os.environ.get("OBSGEN_CHROMIUM") or "/usr/bin/chromium"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            print(f"links from the {LINK_ENV} alarms, e.g. {links[RUNBOOKS[0]]}")
            print("\npage width (scrollWidth, px)            390x844   1400x1000")
            for label, url in pages.items():
                row = []
                for viewport in (PHONE, DESKTOP):
                    page = browser.new_page(viewport=viewport)
                    page.goto(url)
                    row.append(width(page))
                    page.close()
                print(f"  {label:38} {row[0]:>7}   {row[1]:>9}")
            print("\nheading top at 390x844 (px; a screen is 844)")
            for ref in HEADING_PAGES:
                page = browser.new_page(viewport=PHONE)
                page.goto(pages[ref])
                tops = {h: heading_top(page, h) for h in ("Diagnosis", "Mitigation")}
                print(f"  {ref:38} Diagnosis {tops['Diagnosis']}, Mitigation {tops['Mitigation']}")
                page.close()
            print("\nsearch in the index for what a page names")
            page = browser.new_page(viewport=DESKTOP)
            page.goto(pages["index"])
            hits = Counter()
            for kind, name, ref in names(build):
                page.fill("#filter", name)
                shown = page.locator("#monitors tbody tr:visible").evaluate_all(
                    "rows => rows.map(r => r.dataset.ref || r.querySelector('td:nth-child(2) a')?.getAttribute('href'))")
                found = any(s and (s == ref or s.startswith(ref + ".html")) for s in shown)
                hits[kind, found] += 1
            for kind in ("alarm", "alert"):
                print(f"  {kind} names: {hits[kind, True]} of {hits[kind, True] + hits[kind, False]} find their monitor")
            page.close()
            print("\naxe-core violations at 390x844 (critical/serious/moderate/minor)")
            axe = Axe()
            for label, url in pages.items():
                page = browser.new_page(viewport=PHONE)
                page.goto(url)
                result = axe.run(page)
                impacts = Counter(v["impact"] for v in result.response["violations"])
                rules = sorted({v["id"] for v in result.response["violations"]})
                print(f"  {label:38} {impacts['critical']}/{impacts['serious']}/{impacts['moderate']}/"
                      f"{impacts['minor']}  {', '.join(rules)}")
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
