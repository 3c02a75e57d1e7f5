"""The runbook site in a real browser: headless Chromium (Debian's `chromium`) driven by playwright.

The site is opened from disk (file://), as a responder would open a downloaded copy: the index
filter works, a monitor link leads to its runbook, and a `<script>` written in the spec is shown as
text and never runs. On a phone (390x844) and a desktop (1400x1000), issue #18: no page scrolls
sideways, the link from an alarm opens its runbook with that environment first and Diagnosis and
Mitigation within two screens, every alarm and alert name finds its monitor, and axe-core (bundled
by the axe-playwright-python package, so no network is needed) finds no serious or critical
accessibility violation. Screenshots go to the test's tmp dir and to test-artifacts/ for humans.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from obsgen.compiler import compile_project, write

from spec_builder import make_project

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
PAYLOAD = "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\">"


def _chromium() -> str:
    found = os.environ.get("OBSGEN_CHROMIUM") or next((p for p in CHROMIUM_CANDIDATES if Path(p).exists()), None)
    reason = None
    if found is None:
        reason = "chromium is not installed (Debian: apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[dev]')"
    if reason:
        if os.environ.get("OBSGEN_REQUIRE_TOOLS") == "1":
            pytest.fail(reason + "; OBSGEN_REQUIRE_TOOLS=1 makes it mandatory")
        pytest.skip(reason)
    return str(found)


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root in a container, where Chromium's own sandbox cannot start.
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


def _screenshot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(path, ARTIFACTS / path.name)


@pytest.fixture(scope="module")
def example_build(tmp_path_factory):
    """The example project, built into a temp dir (the committed generated/site is checked elsewhere)."""
    root = tmp_path_factory.mktemp("example")
    for folder in ("monitors", "runbooks_src"):
        shutil.copytree(REPO / folder, root / folder)
    build = compile_project(root)
    assert build.ok, [str(d) for d in build.diagnostics]
    write(root, build)
    return root / "generated" / "site", build


@pytest.fixture(scope="module")
def example_site(example_build) -> Path:
    return example_build[0]


def test_the_index_filters_and_links_to_a_runbook(browser, example_site: Path, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((example_site / "index.html").as_uri())
    rows = page.locator("#monitors tbody tr")
    assert rows.count() == 33  # 29 monitors and the page and ticket tiers of two SLOs
    assert page.locator("#count").inner_text() == "33 of 33 monitors"

    page.fill("#filter", "stock-api")
    assert page.locator("#monitors tbody tr:visible").count() == 10  # 8 monitors, the availability SLO's 2 tiers
    page.fill("#filter", "throttle high")  # every word must match: the three High throttle alarms
    visible = page.locator("#monitors tbody tr:visible")
    assert visible.count() == 3
    assert page.locator("#count").inner_text() == "3 of 33 monitors"
    assert visible.locator("a.name").all_inner_texts() == ["api-throttle", "lambda-throttle", "dynamo-throttle"]
    _screenshot(page, tmp_path, "site-index-filtered")

    page.fill("#filter", "written credlink")  # every credlink-api monitor (and SLO tier) has human guidance
    assert page.locator("#monitors tbody tr:visible").count() == 16 + 2
    page.fill("#filter", "missing credlink")
    assert page.locator("#monitors tbody tr:visible").count() == 0

    page.fill("#filter", "lambda-concurrent")
    page.click("text=lambda-concurrent-executions")
    assert page.url.endswith("/stock-api/lambda-concurrent-executions.html")
    article = page.locator("article.runbook")
    assert page.locator("h1").inner_text() == "stock-api/lambda-concurrent-executions"
    for heading in ("Meaning", "Impact", "Diagnosis", "Mitigation", "Escalation"):
        assert page.locator("h2", has_text=heading).count() == 1
    text = article.inner_text()
    assert "stock-analysis-lambda-concurrent-executions-production" in text
    assert "more than 400" in text and "more than 800" in text  # staging's override and production's threshold
    assert "disabled in this environment" in text  # development
    assert "aws lambda get-function-concurrency --function-name stock-analysis-api-production" in text
    assert "reserved concurrency" in text  # the monitor's own Mitigation, after the shared page's
    _screenshot(page, tmp_path, "site-runbook")

    page.click("nav >> text=stock-api service")
    assert page.url.endswith("/_services/stock-api.html")
    assert page.locator("tbody tr").count() == 8 + 2  # and the availability SLO's page and ticket tiers
    page.click("nav >> text=Routing")
    assert "stock-analysis-critical-alerts-production" in page.locator("main").inner_text()
    assert errors == []


def test_a_script_in_the_spec_is_shown_as_text_and_never_runs(browser, tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", f"""\
        errors:
          summary: 'Errors {PAYLOAD}'
          description: '[click](javascript:window.__xss=3) {PAYLOAD}'
          resource: fn
          metric: Errors
          statistic: Sum
          threshold: "> 5"
          severity: critical
          runbook: errors
        """, extra_files={"runbooks_src/orders/errors.md": f"## Diagnosis\n\nLook {PAYLOAD}\n\n## Mitigation\n\nFix.\n"})
    build = compile_project(root)
    assert build.ok, [str(d) for d in build.diagnostics]
    write(root, build)
    page = browser.new_page()
    for target in ("index.html", "orders/errors.html"):
        page.goto((root / "generated" / "site" / target).as_uri())
        page.wait_for_load_state("load")
        assert PAYLOAD in page.locator("main").inner_text()  # visible, as written
        assert page.evaluate("window.__xss") is None
        assert page.locator("main script, main img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    _screenshot(page, tmp_path, "site-script-payload")
    query = quote(PAYLOAD)  # the search and the environment come from the address: typed by anyone who sends a link
    for target, rest in (("index.html", f"?q={query}"), ("orders/errors.html", f"?env={query}"),
                         ("orders/errors.html", f"#{query}")):
        page.goto((root / "generated" / "site" / target).as_uri() + rest)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") is None
        assert page.locator("script:not([src]), main img, [onerror]").count() == 0
    assert page.locator("#filter").count() == 0  # the runbook page; on the index the query is only the input's value
    page.goto((root / "generated" / "site" / "index.html").as_uri() + f"?q={query}")
    assert page.locator("#filter").input_value() == PAYLOAD
    assert page.locator("#monitors tbody tr:visible").count() == 1  # the summary holds the payload, as text


# --- on a phone, issue #18 ---------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}
BASE_URL = "https://runbooks.example.com/stock-analysis"
RUNBOOKS = {"stock-api/api-latency": "a CloudWatch alarm", "stock-system/system-health": "a composite",
            "credlink-api/api-down": "a Prometheus alert"}


def _links(build, env: str) -> dict[str, str]:
    """Monitor ref -> the runbook URL its alarm or alert carries in `env`."""
    model = build.models[env]
    links = {a.ref: a.runbook_url for a in model.alarms()}
    links.update({a.ref: dict(a.annotations)["runbook_url"] for g in model.rule_groups for a in g.alerts})
    return links


def _opened(site: Path, url: str) -> str:
    """The link from an alarm, opened from the site on disk: the base URL becomes the folder, the query stays."""
    assert url.startswith(BASE_URL + "/"), url
    path, _, query = url[len(BASE_URL) + 1:].partition("?")
    return (site / path).as_uri() + (f"?{query}" if query else "")


def _pages(site: Path, build) -> dict[str, str]:
    links = _links(build, "production")
    pages = {"index": (site / "index.html").as_uri(), "service": (site / "_services" / "stock-api.html").as_uri(),
             "routing": (site / "routing.html").as_uri()}
    pages.update({ref: _opened(site, links[ref]) for ref in RUNBOOKS})
    # an event route's page (#17), as the link at the end of its rule's message opens it
    [route] = build.models["production"].event_routes
    pages["event route"] = _opened(site, route.runbook_url)
    return pages


def _top(page, text: str) -> float:
    return page.evaluate("""(text) => {
        const h = [...document.querySelectorAll('main h2')].find(e => e.textContent.trim() === text);
        return h.getBoundingClientRect().top + window.scrollY;
    }""", text)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_no_page_scrolls_sideways(browser, example_build, viewport, tmp_path: Path) -> None:
    site, build = example_build
    page = browser.new_page(viewport=viewport)
    widths = {}
    for name, url in _pages(site, build).items():
        page.goto(url)
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        _screenshot(page, tmp_path, f"site-{viewport['width']}-{name.replace('/', '-')}")
    assert widths == {name: viewport["width"] for name in widths}


def test_the_alarm_s_link_opens_its_environment_first_with_diagnosis_and_mitigation_within_two_screens(
        browser, example_build, tmp_path: Path) -> None:
    site, build = example_build
    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    for env in ("production", "staging"):
        for ref in RUNBOOKS:
            page.goto(_opened(site, _links(build, env)[ref]))
            assert page.url.endswith(f"?env={env}")
            first = page.locator("[data-envs] > section").first
            assert first.get_attribute("data-env") == env and "selected" in first.get_attribute("class")
            assert first.is_visible()
            others = page.locator("[data-envs] > details.other-envs").first
            assert others.is_visible() and others.get_attribute("open") is None  # one tap away
            assert page.locator("[data-envs] > details section[data-env='local']").first.is_hidden()
            for heading in ("Diagnosis", "Mitigation"):
                assert _top(page, heading) < 2 * PHONE["height"], (env, ref, heading)
            if env == "production":
                _screenshot(page, tmp_path, f"site-390-linked-{ref.replace('/', '-')}")
    page.goto(_opened(site, _links(build, "production")["credlink-api/api-down"]))
    summary = page.locator("[data-envs] > details.other-envs > summary").first.inner_text()
    assert summary == "Other environments: development, staging, local"
    page.goto(_opened(site, _links(build, "staging")["credlink-api/api-down"]))
    assert "production (PRODUCTION)" in page.locator("[data-envs] > details.other-envs > summary").first.inner_text()
    page.locator("[data-envs] > details.other-envs > summary").first.click()
    assert page.locator("[data-envs] > details section[data-env='production']").first.is_visible()
    assert errors == []


def test_without_javascript_every_environment_is_on_the_page_in_order(browser, example_build) -> None:
    site, build = example_build
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(_opened(site, _links(build, "production")["stock-api/api-latency"]))
    sections = page.locator("[data-envs] > section[data-env]")
    assert sections.evaluate_all("s => s.map(e => e.dataset.env)")[:4] == ["development", "staging", "production", "local"]
    assert all(sections.nth(i).is_visible() for i in range(sections.count()))
    assert "Compare total latency" in page.locator("main").inner_text()
    context.close()


def test_every_command_block_has_a_copy_button_that_copies_it(browser, example_build) -> None:
    site, build = example_build
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(_opened(site, _links(build, "production")["credlink-api/api-down"]))
    blocks = page.locator("article pre")
    assert blocks.count() > 0 and page.locator("button.copy").count() == blocks.count()
    copied = page.evaluate("""() => new Promise(resolve => {
        let text = null;
        document.addEventListener('copy', e => { text = window.getSelection().toString() || text; });
        const original = document.execCommand.bind(document);
        document.execCommand = (command) => { const ok = original(command); text = text ?? document.activeElement.value; return ok; };
        if (navigator.clipboard) { navigator.clipboard.writeText = (t) => { text = t; return Promise.resolve(); }; }
        const block = [...document.querySelectorAll('pre code')].find(c => c.textContent.includes('amtool silence add'));
        block.closest('div.code').querySelector('button.copy').click();
        setTimeout(() => resolve(text), 100);
    })""")
    assert copied.startswith("amtool silence add") and copied.endswith("env=production")
    assert page.locator("p.status").inner_text() == "Copied to the clipboard"
    context.close()


def test_searching_each_environment_s_alarm_and_alert_name_finds_its_row(browser, example_build, tmp_path: Path) -> None:
    site, build = example_build
    page = browser.new_page(viewport=PHONE)
    page.goto((site / "index.html").as_uri())
    searched = 0
    for env, model in build.models.items():
        # an SLO's window alarms have no row: their tier's composite has (resolve/slos.py)
        names = [(a.name, a.ref) for a in model.alarms() if not getattr(a, "silent", False)] + \
            [(a.alert, a.ref) for g in model.rule_groups for a in g.alerts]
        for name, ref in names:
            page.fill("#filter", name)
            row = page.locator(f"#monitors tbody tr[data-ref='{ref}']")
            assert row.is_visible(), (env, name)
            hit = row.locator(f"details.names li[data-env='{env}']")
            assert hit.is_visible() and "hit" in hit.get_attribute("class"), (env, name)
            assert hit.locator("a").get_attribute("href").endswith(f".html?env={env}")
            searched += 1
    assert searched == 51 + 4 * 16 + 4 * 2 + 4 * 2  # and per environment 2 SLO composites and 2 SLO alerts
    page.fill("#filter", "stock-analysis-api-latency-production")
    assert page.locator("#monitors tbody tr:visible").count() == 1
    _screenshot(page, tmp_path, "site-390-search-alarm-name")


def test_the_search_is_kept_in_the_address_so_a_filtered_view_can_be_shared(browser, example_site: Path) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto((example_site / "index.html").as_uri() + "?q=CredlinkApiErrorRate")
    assert page.locator("#filter").input_value() == "CredlinkApiErrorRate"
    assert page.locator("#monitors tbody tr:visible").count() == 2  # the critical and the warning alert
    assert page.locator("#count").inner_text() == "2 of 33 monitors"
    page.fill("#filter", "ApiDown production")
    assert page.evaluate("location.href").endswith("index.html?q=ApiDown+production")
    page.fill("#filter", "")
    assert page.evaluate("location.href").endswith("index.html")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_axe_finds_no_serious_or_critical_accessibility_violation(browser, example_build, viewport) -> None:
    from axe_playwright_python.sync_playwright import Axe

    site, build = example_build
    axe = Axe()
    page = browser.new_page(viewport=viewport)
    found = {}
    for name, url in _pages(site, build).items():
        page.goto(url)
        violations = axe.run(page).response["violations"]
        found[name] = sorted(f"{v['id']} ({v['impact']})" for v in violations if v["impact"] in ("serious", "critical"))
    assert found == {name: [] for name in found}
