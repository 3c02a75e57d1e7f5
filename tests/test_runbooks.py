"""Runbooks: facts in words, the merge of runbooks_src guidance, coverage, and the site's links."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import boto3
from botocore.validate import ParamValidator
from moto import mock_aws

from obsgen.compiler import compile_project, stale_files, validate, write
from obsgen.runbooks.guidance import split_sections
from obsgen.targets.cloudwatch_limits import ELLIPSIS, MAX_DESCRIPTION

from spec_builder import PROJECT, build, make_project

REPO = Path(__file__).resolve().parent.parent
BASE_URL = "https://runbooks.example.com/stock-analysis"

ERRORS = """\
errors:
  summary: The orders function raises errors.
  description: More than 5 errors in 10 minutes.
  resource: fn
  metric: Errors
  statistic: Sum
  period: 5m
  datapoints: "2 of 2"
  threshold: "> 5"
  missing_data: notBreaching
  severity: critical
  runbook: errors
"""


def page(result, ref: str) -> str:
    return result.files[f"runbooks/{ref}.md"]


# --- facts in words ------------------------------------------------------------------------------

def test_a_metric_alarm_says_when_it_fires_in_words(tmp_path: Path) -> None:
    text = page(build(tmp_path, ERRORS), "orders/errors")
    assert ("| production (PRODUCTION) | `shop-orders-errors-production` | more than 5 `Errors` in 5 minutes, "
            "2 of 2 periods; missing data counts as good |") in text
    assert "- `AWS/Lambda Errors` (`FunctionName=orders-production`), Sum per 5m" in text


def test_averages_percentiles_anomaly_bands_and_metric_math_are_worded_by_kind(tmp_path: Path) -> None:
    result = build(tmp_path, ERRORS + """\
latency:
  summary: Slow.
  resource: fn
  metric: Duration
  statistic: p99
  unit: Milliseconds
  evaluation_periods: 3
  threshold: ">= 1000"
  severity: warning
traffic:
  summary: Unusual traffic.
  resource: fn
  metric: Invocations
  statistic: Sum
  threshold: "outside band 2"
  severity: warning
error-rate:
  summary: Too many errors.
  expression: 100 * errors / calls
  metrics:
    errors: {resource: fn, metric: Errors, statistic: Sum}
    calls: {resource: fn, metric: Invocations, statistic: Sum}
  threshold: "> 5"
  severity: critical
""")
    assert "p99 `Duration` at least 1000 ms over 5 minutes, 3 of 3 periods" in page(result, "orders/latency")
    assert ("sum `Invocations` over 5 minutes goes outside its anomaly detection band (2 standard deviations wide)"
            in page(result, "orders/traffic"))
    math = page(result, "orders/error-rate")
    assert "`100 * errors / calls` is more than 5 over 5 minutes, 1 of 1 period" in math
    assert "- `calls` = `AWS/Lambda Invocations` (`FunctionName=orders-production`), Sum per 5m" in math


def test_a_composite_names_its_children_with_links_and_each_child_links_back(tmp_path: Path) -> None:
    result = build(tmp_path, ERRORS + """\
health:
  summary: Orders are failing.
  rule: errors and not ok(payments/declines)
  severity: critical
""", extra_files={"monitors/payments.yaml": """\
apiVersion: obsgen/v1
kind: Service
service: payments
owner: team-payments
monitors:
  declines:
    summary: Declines.
    namespace: Shop
    metric: Declines
    statistic: Sum
    threshold: "> 1"
    severity: warning
"""})
    health = page(result, "orders/health")
    assert "`orders/errors` is in ALARM and not (`payments/declines` is OK)" in health
    assert "- [orders/errors](errors.md)" in health and "- [payments/declines](../payments/declines.md)" in health
    assert "aws cloudwatch describe-alarms --alarm-names shop-orders-errors-production shop-payments-declines-production" in health
    assert "Part of [orders/health](../orders/health.md)" in page(result, "payments/declines")


def test_commands_carry_the_environment_s_names_dimensions_and_region(tmp_path: Path) -> None:
    text = page(build(tmp_path, ERRORS), "orders/errors")
    assert ("aws cloudwatch describe-alarm-history --alarm-name shop-orders-errors-production "
            "--history-item-type StateUpdate --max-items 10 --region eu-west-1") in text
    assert ("aws cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Errors "
            "--dimensions Name=FunctionName,Value=orders-production --statistics Sum --period 300") in text
    assert "aws logs tail /aws/lambda/orders-production --since 1h --format short --region eu-west-1" in text
    assert ("(<https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
            "#alarmsV2:alarm/shop-orders-errors-production>)") in text
    assert "#dashboards/dashboard/shop-production-orders>)" in text


def test_a_dimension_value_with_shell_syntax_is_quoted_as_one_argument(tmp_path: Path) -> None:
    result = build(tmp_path, """\
queue:
  summary: Old messages.
  namespace: AWS/SQS
  metric: ApproximateAgeOfOldestMessage
  dimensions: {QueueName: "orders $(rm -rf ~) 'x'"}
  threshold: "> 60"
  severity: warning
""")
    assert """--dimensions 'Name=QueueName,Value=orders $(rm -rf ~) '"'"'x'"'"''""" in page(result, "orders/queue")


def test_an_example_promql_page_shows_the_expression_receiver_and_amtool_commands() -> None:
    result = compile_project(REPO)
    text = page(result, "credlink-api/postgres-down")
    assert "```promql\npg_up == 0\n```" in text
    assert "the PromQL expression returns a result for 1 minute" in text
    assert ("amtool alert query --alertmanager.url=\"$ALERTMANAGER_URL\" alertname=PostgresDown service=credlink-api "
            "severity=critical env=production") in text
    assert ("| production (PRODUCTION) | high | 15m | yes | `critical` | slack (slack), pagerduty (pagerduty), "
            "credlink-slack (slack) |") in text


# --- guidance: layout and merge rules ------------------------------------------------------------

def test_sections_are_split_on_level_two_headings_outside_code_blocks() -> None:
    text = "# Title\n\nIntro.\n\n## Meaning\n\nIt means.\n\n```sh\n## not a heading\n```\n\n## + Diagnosis\n\nLook.\n"
    assert split_sections(text) == [("", False, "Intro."), ("Meaning", False, "It means.\n\n```sh\n## not a heading\n```"),
                                    ("Diagnosis", True, "Look.")]


def test_a_longer_fence_is_closed_only_by_a_fence_as_long() -> None:
    text = "## Diagnosis\n\n````md\n```\n## still code\n````\n\n## Mitigation\n\nFix.\n"
    assert [title for title, _, _ in split_sections(text)] == ["Diagnosis", "Mitigation"]


def test_the_monitor_file_replaces_sections_and_a_plus_heading_extends_them(tmp_path: Path) -> None:
    result = build(tmp_path, ERRORS, extra_files={
        "runbooks_src/errors.md": "# Errors\n\n## Diagnosis\n\nShared diagnosis.\n\n## Mitigation\n\nShared fix.\n\n"
                                  "## Escalation\n\nShared escalation.\n",
        "runbooks_src/orders/_service.md": "## + Escalation\n\nCall {{ monitor.owner }}.\n\n## Background\n\nOrders.\n",
        "runbooks_src/orders/errors.md": "## Mitigation\n\nOwn fix for {{ env.production.name }}.\n\n"
                                         "## + Diagnosis\n\nAlso check `{{ env.production.dimension('FunctionName') }}`.\n",
    })
    text = page(result, "orders/errors")
    assert "## Diagnosis\n\nShared diagnosis.\n\nAlso check `orders-production`.\n" in text
    assert "## Mitigation\n\nOwn fix for shop-orders-errors-production.\n" in text and "Shared fix." not in text
    assert "## Escalation\n\nShared escalation.\n\nCall team-orders.\n" in text
    assert "## Background\n\nOrders.\n" in text
    assert ("Generated by obsgen from `monitors/orders.yaml`, `runbooks_src/errors.md`, "
            "`runbooks_src/orders/_service.md`, `runbooks_src/orders/errors.md`") in text


def test_prometheus_template_syntax_stays_literal_in_spec_values_and_raw_blocks() -> None:
    text = page(compile_project(REPO), "credlink-api/api-down")
    assert "{{ $labels.instance }} has not answered a scrape for 1 minute." in text  # the alert's description


def test_a_raw_block_keeps_alertmanager_syntax_in_guidance(tmp_path: Path) -> None:
    result = build(tmp_path, ERRORS, extra_files={
        "runbooks_src/orders/errors.md": "## Diagnosis\n\n{% raw %}`{{ $labels.instance }}`{% endraw %} names the host.\n"})
    assert "## Diagnosis\n\n`{{ $labels.instance }}` names the host.\n" in page(result, "orders/errors")


def test_a_project_page_template_replaces_obsgen_s(tmp_path: Path) -> None:
    result = build(tmp_path, ERRORS, extra_files={
        "runbooks_src/_default.md.j2": "# {{ monitor.ref }} ({{ monitor.owner }})\n\n{{ guidance.text('Mitigation') }}\n",
        "runbooks_src/orders/errors.md": "## Mitigation\n\nRestart it.\n"})
    assert page(result, "orders/errors") == "# orders/errors (team-orders)\n\nRestart it.\n"


def test_validate_reports_an_error_in_the_project_s_page_template_without_making_pages(tmp_path: Path) -> None:
    make_project(tmp_path, ERRORS, extra_files={"runbooks_src/_default.md.j2": "# {{ monitor.nonesuch }}\n"})
    result = validate(tmp_path)
    assert [(d.span.file, d.code) for d in result.diagnostics if d.level.value == "error"] == [
        ("runbooks_src/_default.md.j2", "runbook-template")]
    assert not [f for f in result.files if f.startswith(("runbooks/", "site/"))]


def test_validate_finds_what_build_finds_in_the_runbooks_of_the_example() -> None:
    checked, built = validate(REPO), compile_project(REPO)
    assert checked.coverage is not None and built.coverage is not None
    assert checked.coverage.summary() == built.coverage.summary()
    assert [e.missing for e in checked.coverage.entries] == [e.missing for e in built.coverage.entries]
    assert not [f for f in checked.files if f.startswith(("runbooks/", "site/"))]


def test_the_example_s_page_template_is_obsgen_s_default() -> None:
    packaged = REPO / "src" / "obsgen" / "templates" / "runbook.md.j2"
    assert (REPO / "runbooks_src" / "_default.md.j2").read_text() == packaged.read_text()


def test_a_disabled_monitor_says_so_in_that_environment() -> None:
    text = page(compile_project(REPO), "stock-api/lambda-concurrent-executions")
    assert "| development | disabled in this environment | |" in text
    assert "more than 400 `ConcurrentExecutions`" not in text  # Maximum, not Sum: worded as a level
    assert "| staging | `stock-analysis-lambda-concurrent-executions-staging` | maximum `ConcurrentExecutions` more than 400" in text
    assert "#### development" not in text


# --- coverage ------------------------------------------------------------------------------------

CREDLINK_MONITORS = {
    "api-down", "api-error-rate-critical", "api-error-rate-warning", "api-high-latency", "api-tasks-low",
    "disk-space-low", "instance-high-cpu", "instance-high-memory", "postgres-connections-high", "postgres-down",
    "postgres-replication-lag", "redis-down", "redis-evicting-keys", "redis-memory-high",
    "signing-certificate-expiring", "signing-failures-high",
}
COVERED_EXAMPLE = {f"credlink-api/{m}" for m in CREDLINK_MONITORS} | {
    "stock-analysis-engine/analysis-failure-rate", "stock-analysis-engine/data-quality",
    "stock-api/api-error-rate", "stock-api/api-latency", "stock-api/api-throttle",
    "stock-api/lambda-concurrent-executions", "stock-api/lambda-duration", "stock-api/lambda-error-rate",
    "stock-api/lambda-throttle", "stock-data/dynamo-errors", "stock-data/dynamo-throttle", "stock-system/system-health",
    "stock-api/lambda-timeouts",
    "stock-api/slo-availability-page", "stock-api/slo-availability-ticket",  # runbook: api-errors
    "credlink-api/slo-latency-page", "credlink-api/slo-latency-ticket",
}


def test_coverage_of_the_example_lists_exactly_the_monitors_with_human_diagnosis_and_mitigation() -> None:
    result = compile_project(REPO)
    entries = result.coverage.entries
    assert len(entries) == 29 + 4  # and the tiers of two SLOs: their window alarms have no page
    assert {e.monitor.ref for e in entries if e.covered} == COVERED_EXAMPLE
    assert [e.monitor.ref for e in entries if not e.covered] == []
    assert result.coverage.summary() == "runbooks: 33 of 33 monitor(s) have human-written Diagnosis and Mitigation"
    assert result.coverage.diagnostics(strict=True) == []
    report = result.files["runbooks/COVERAGE.md"]
    assert "| credlink-api | [redis-down](credlink-api/redis-down.md) | yes | - |" in report
    assert ("| credlink-api | [redis-memory-high](credlink-api/redis-memory-high.md) | yes | - | "
            "`runbooks_src/credlink-api/_service.md`, `runbooks_src/credlink-api/redis-memory-high.md` |") in report


def test_a_monitor_without_guidance_warns_at_its_key_and_strict_makes_it_an_error(tmp_path: Path) -> None:
    result = build(tmp_path, ERRORS, extra_files={"runbooks_src/errors.md": "# Errors\n\n## Diagnosis\n\nLook.\n"})
    (warning,) = result.coverage.diagnostics(strict=False)
    assert str(warning) == ("monitors/orders.yaml:8:3: warning: monitor orders/errors has no human-written Mitigation "
                            "in its runbook; write them in runbooks_src/orders/errors.md [runbook-missing-guidance]")
    assert result.coverage.diagnostics(strict=True)[0].level.value == "error"
    assert result.ok  # a warning never fails a build


# --- links: every alarm and alert points at an existing page -------------------------------------

class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _page_for(url: str) -> str:
    assert url.startswith(BASE_URL + "/"), url
    return "site/" + urlparse(url[len(BASE_URL) + 1:]).path


def test_every_alarm_and_alert_of_the_example_links_to_an_existing_page() -> None:
    result = compile_project(REPO)
    urls = []
    for model in result.models.values():
        urls += [a.runbook_url for a in model.alarms()]
        urls += [dict(a.annotations)["runbook_url"] for g in model.rule_groups for a in g.alerts]
    # 13 alarms per environment (one disabled in development), 16 alerts; each SLO adds 10 alarms or 2 alerts
    assert len(urls) == 51 + 4 * 16 + 4 * 10 + 4 * 2
    missing = sorted({u for u in urls if _page_for(u) not in result.files})
    assert missing == []
    routes = [r.runbook_url for model in result.models.values() for r in model.event_routes]
    assert len(routes) == 4 and all(u is not None and _page_for(u) in result.files for u in routes)
    description = result.files["production/cloudwatch/stock-api.json"]
    assert f"Runbook: {BASE_URL}/stock-api/api-error-rate.html" in description


def test_every_relative_link_of_the_site_resolves_to_a_generated_file() -> None:
    result = compile_project(REPO)
    site = {path: text for path, text in result.files.items() if path.startswith("site/") and path.endswith(".html")}
    # runbooks (29 monitors, 4 SLO tiers), the 2 SLOs', the event route's, services, index and routing
    assert len(site) == 33 + 2 + 1 + 5 + 2
    broken = []
    for path, text in site.items():
        parser = _Links()
        parser.feed(text)
        for link in parser.links:
            parsed = urlparse(link)
            if parsed.scheme or link.startswith("#"):
                continue
            target = (Path(path).parent / unquote(parsed.path)).as_posix()
            target = posixpath.normpath(target)  # `../../` from an SLO's page, two levels down
            if target not in result.files:
                broken.append(f"{path}: {link}")
    assert broken == []


def test_an_environment_can_publish_its_runbooks_elsewhere(tmp_path: Path) -> None:
    project = PROJECT.replace("    region: eu-west-1\n", "    region: eu-west-1\n    runbooks_base_url: https://wiki.internal/rb/\n")
    result = build(tmp_path, ERRORS, project=project)
    alarm = result.models["production"].metric_alarms[0]
    assert alarm.runbook_url == "https://wiki.internal/rb/orders/errors.html?env=production"
    assert ("Runbook: https://wiki.internal/rb/orders/errors.html?env=production"
            in result.files["production/cloudwatch/orders.json"])


# --- AlarmDescription within CloudWatch's 1,024 characters ---------------------------------------

def test_a_long_description_is_cut_to_exactly_1024_characters_and_the_runbook_link_survives(tmp_path: Path) -> None:
    long = "Customers see a spinner. " * 60
    result = build(tmp_path, ERRORS.replace("More than 5 errors in 10 minutes.", long))
    description = json.loads(result.files["production/cloudwatch/orders.json"])["MetricAlarms"][0]["AlarmDescription"]
    assert len(description) == MAX_DESCRIPTION
    assert f"{ELLIPSIS}\n\nSeverity: critical (respond within 15m, pages on-call)\n" in description
    assert "\nRunbook: https://runbooks.example.com/orders/errors.html?env=production\n" in description
    assert description.endswith("console edits are reverted.")
    assert long.strip() in page(result, "orders/errors")  # the page keeps the whole text


def test_the_cut_description_is_what_cloudwatch_s_service_model_allows_and_accepts(tmp_path: Path) -> None:
    result = build(tmp_path, ERRORS.replace("More than 5 errors in 10 minutes.", "Spinner. " * 200))
    params = json.loads(result.files["production/cloudwatch/orders.json"])["MetricAlarms"][0]
    cloudwatch = boto3.session.Session().client("cloudwatch", region_name="eu-west-1")
    shape = cloudwatch._service_model.operation_model("PutMetricAlarm").input_shape
    assert shape.members["AlarmDescription"].metadata["max"] == MAX_DESCRIPTION
    assert MAX_DESCRIPTION - 1 <= len(params["AlarmDescription"]) <= MAX_DESCRIPTION  # the cut drops a trailing space
    report = ParamValidator().validate(params, shape)
    assert not report.has_errors(), report.generate_report()
    with mock_aws():
        client = boto3.client("cloudwatch", region_name="eu-west-1")
        client.put_metric_alarm(**params)
        (alarm,) = client.describe_alarms(AlarmNames=[params["AlarmName"]])["MetricAlarms"]
        assert alarm["AlarmDescription"] == params["AlarmDescription"]


def test_a_description_that_fits_is_not_touched(tmp_path: Path) -> None:
    exact = "x" * 500
    result = build(tmp_path, ERRORS.replace("More than 5 errors in 10 minutes.", exact))
    description = json.loads(result.files["production/cloudwatch/orders.json"])["MetricAlarms"][0]["AlarmDescription"]
    assert exact in description and ELLIPSIS not in description


# --- outputs: determinism, --env, --check, escaping ------------------------------------------------

def test_the_site_and_runbooks_are_byte_identical_across_builds_and_carry_no_timestamp() -> None:
    first, second = compile_project(REPO), compile_project(REPO)
    docs = {k: v for k, v in first.files.items() if k.startswith(("site/", "runbooks/"))}
    assert docs == {k: v for k, v in second.files.items() if k.startswith(("site/", "runbooks/"))}
    # (29 monitors, 4 SLO tiers, 2 SLOs, 1 event route) Markdown + COVERAGE.md + pages + services + index/routing
    # + assets
    assert len(docs) == 36 + 1 + 36 + 5 + 2 + 3
    assert not any(re.search(r"20\d\d-\d\d-\d\dT", text) for text in docs.values())


def test_building_one_environment_leaves_the_site_alone_and_check_sees_a_stale_page(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", ERRORS)
    write(root, compile_project(root))
    index = root / "generated" / "site" / "index.html"
    before = index.read_text()
    one = compile_project(root, ["production"])
    assert not any(k.startswith(("site/", "runbooks/")) for k in one.files)
    write(root, one)
    assert index.read_text() == before
    index.write_text(before + "<!-- edited -->")
    (root / "generated" / "site" / "extra.html").write_text("x")
    assert stale_files(root, compile_project(root)) == ["generated/site/index.html", "generated/site/extra.html"]


def test_spec_text_is_escaped_in_every_page(tmp_path: Path) -> None:
    payload = "<script>alert(1)</script>"
    result = build(tmp_path, ERRORS.replace("The orders function raises errors.", f"'{payload}'"),
                   extra_files={"runbooks_src/orders/errors.md": f"## Diagnosis\n\n{payload}\n"})
    for path, text in result.files.items():
        if path.startswith("site/") and path.endswith(".html"):
            assert "<script>alert" not in text, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.files["site/orders/errors.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.files["site/index.html"]


def test_a_broken_runbook_template_fails_the_build_with_no_site(tmp_path: Path) -> None:
    root = tmp_path / "p"
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(REPO / name, root / name)
    (root / "runbooks_src" / "stock-api" / "api-latency.md").write_text("## Diagnosis\n\n{{ monitor.nope }}\n")
    result = compile_project(root)
    assert [str(d) for d in result.diagnostics] == [
        "runbooks_src/stock-api/api-latency.md:3:12: error: template error: MonitorFacts has no attribute 'nope' "
        "[runbook-template]"]
    assert not any(k.startswith("site/") for k in result.files)


FORGERY = "\n## Mitigation\nrm -rf /\n![x](https://evil.example/p.png) <img src=x> [click](javascript:alert(1))"


def _markdown_tokens(text: str) -> list:
    from markdown_it import MarkdownIt

    def walk(tokens):
        for token in tokens:
            yield token
            yield from walk(token.children or [])

    return list(walk(MarkdownIt("commonmark").enable("table").parse(text)))


def test_spec_text_that_looks_like_markdown_is_shown_as_text_not_parsed(tmp_path: Path) -> None:
    """Issue 12 item 4: a summary could forge a `## Mitigation` section or embed an external image."""
    quoted = json.dumps(FORGERY)  # a YAML double-quoted string
    service = (SERVICE_FORGERY.replace("SUMMARY", quoted).replace("DESCRIPTION", quoted))
    result = build(tmp_path, "", extra_files={
        "monitors/orders.yaml": service,
        "runbooks_src/orders/errors.md": "## Diagnosis\n\nThe summary says: {{ monitor.summary }}\n\n"
                                         "## Mitigation\n\nRestart {{ code(monitor.service) }}.\n"})
    assert result.ok, [str(d) for d in result.diagnostics]
    text = page(result, "orders/errors")
    tokens = _markdown_tokens(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert headings == ["What fired", "Diagnosis", "Mitigation", "Escalation", "Meaning", "Impact", "Reference"]
    assert not [t for t in tokens if t.type in ("image", "html_inline", "html_block")]
    links = [(t.attrGet("href"), tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "link_open"]
    hidden = [(href, shown) for href, shown in links  # obsgen's own: console links and links within the page
              if href != shown and not str(href).startswith(("https://eu-west-1.console.aws.amazon.com/", "#"))]
    assert hidden == []  # a URL in spec text is at most an autolink that shows where it goes
    assert ("https://evil.example/p.png", "https://evil.example/p.png") in links
    assert "rm -rf /" in text and "Restart `orders`." in text
    html = result.files["site/orders/errors.html"]
    assert "<img" not in html and "href=\"javascript" not in html
    assert html.count(">Mitigation</h2>") == 1
    assert ('![x](<a href="https://evil.example/p.png">https://evil.example/p.png</a>) &lt;img src=x&gt;'
            in html)  # the text as written


SERVICE_FORGERY = """\
apiVersion: obsgen/v1
kind: Service
service: orders
owner: "team-orders <img src=x>"
description: DESCRIPTION
resources:
  fn: {type: lambda, name: "orders-${env}"}
monitors:
  errors:
    summary: SUMMARY
    description: DESCRIPTION
    resource: fn
    metric: Errors
    statistic: Sum
    threshold: "> 5"
    severity: critical
"""


def test_markdown_helpers_and_guidance_are_written_as_markdown(tmp_path: Path) -> None:
    result = build(tmp_path, ERRORS, extra_files={
        "runbooks_src/orders/errors.md": "## Diagnosis\n\n**Check** the [dashboard](https://example.com) "
                                         "and {{ code('a|b') }}, {{ '*literal*' }}, {{ '*bold*' | safe }}.\n"})
    text = page(result, "orders/errors")
    assert "**Check** the [dashboard](https://example.com) and `a|b`, \\*literal\\*, *bold*." in text
