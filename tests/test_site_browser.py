"""The runbook site in a real browser: headless Chromium (Debian's `chromium`) driven by playwright.

The site is opened from disk (file://), as a responder would open a downloaded copy: the index
filter works, a monitor link leads to its runbook, and a `<script>` written in the spec is shown as
text and never runs. Screenshots go to the test's tmp dir and to test-artifacts/ for humans.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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
def example_site(tmp_path_factory) -> Path:
    """The example project, built into a temp dir (the committed generated/site is checked elsewhere)."""
    root = tmp_path_factory.mktemp("example")
    for folder in ("monitors", "runbooks_src"):
        shutil.copytree(REPO / folder, root / folder)
    build = compile_project(root)
    assert build.ok, [str(d) for d in build.diagnostics]
    write(root, build)
    return root / "generated" / "site"


def test_the_index_filters_and_links_to_a_runbook(browser, example_site: Path, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((example_site / "index.html").as_uri())
    rows = page.locator("#monitors tbody tr")
    assert rows.count() == 28
    assert page.locator("#count").inner_text() == "28 of 28 monitors"

    page.fill("#filter", "stock-api")
    assert page.locator("#monitors tbody tr:visible").count() == 7
    page.fill("#filter", "throttle high")  # every word must match: the three High throttle alarms
    visible = page.locator("#monitors tbody tr:visible")
    assert visible.count() == 3
    assert page.locator("#count").inner_text() == "3 of 28 monitors"
    assert visible.locator("td:nth-child(2)").all_inner_texts() == ["api-throttle", "lambda-throttle", "dynamo-throttle"]
    _screenshot(page, tmp_path, "site-index-filtered")

    page.fill("#filter", "written credlink")  # every credlink-api monitor has human guidance
    assert page.locator("#monitors tbody tr:visible").count() == 16
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

    page.click("nav >> text=stock-api")
    assert page.url.endswith("/_services/stock-api.html")
    assert page.locator("tbody tr").count() == 7
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
