"""Runbook content for the responder who was paged (issue #18): the link names the environment, commands
are scoped to it, production and sandboxes are told apart, and nothing on the page is noise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from obsgen.runbooks.facts import is_production, is_sandbox
from obsgen.runbooks.guidance import split_sections

from spec_builder import PROJECT, build

ERRORS = """\
errors:
  summary: The orders function raises errors.
  resource: fn
  metric: Errors
  statistic: Sum
  threshold: "> 5"
  severity: critical
"""

SANDBOX = PROJECT + """\
  local:
    account: "123456789012"
    region: eu-west-1
    endpoint: http://127.0.0.1:4577
"""

PAYMENTS = """\
apiVersion: obsgen/v1
kind: Service
service: payments
owner: team-pay
monitors:
  error-rate-critical:
    alert: PaymentErrorRate
    summary: Payments fail.
    description: "{{ $value | humanizePercentage }} of payments on {{ $labels.instance }} fail."
    promql: job:payment_errors:ratio5m > 0.05
    severity: critical
  error-rate-warning:
    alert: PaymentErrorRate
    summary: Some payments fail.
    promql: job:payment_errors:ratio5m > 0.01
    severity: warning
"""

TWO_ENVS = PROJECT + """\
  staging:
    account: "123456789013"
    region: eu-west-1
"""


def page(result, ref: str) -> str:
    assert result.ok, [str(d) for d in result.diagnostics]
    return result.files[f"runbooks/{ref}.md"]


# --- the link from the alarm -------------------------------------------------------------------------

def test_the_alarm_and_the_alert_link_to_their_runbook_with_their_environment_selected(tmp_path: Path) -> None:
    result = build(tmp_path, ERRORS, project=TWO_ENVS, extra_files={"monitors/payments.yaml": PAYMENTS})
    assert result.ok, [str(d) for d in result.diagnostics]
    assert result.models["staging"].metric_alarms[0].runbook_url == \
        "https://runbooks.example.com/orders/errors.html?env=staging"
    alert = result.models["production"].rule_groups[0].alerts[0]
    assert dict(alert.annotations)["runbook_url"] == \
        "https://runbooks.example.com/payments/error-rate-critical.html?env=production"


# --- commands scoped to the environment they are shown for -------------------------------------------

def test_amtool_commands_match_the_alert_s_environment_service_and_severity(tmp_path: Path) -> None:
    result = build(tmp_path, "", project=TWO_ENVS, extra_files={"monitors/payments.yaml": PAYMENTS})
    text = page(result, "payments/error-rate-critical")
    silences = re.findall(r"^amtool silence add .*$", text, re.M)
    assert len(silences) == 2
    for env in ("production", "staging"):
        assert (f"amtool silence add --alertmanager.url=\"$ALERTMANAGER_URL\" --duration=1h --comment='investigating' "
                f"alertname=PaymentErrorRate service=payments severity=critical env={env}") in silences
    assert all(" env=" in line for line in re.findall(r"^amtool .*$", text, re.M))


def test_a_command_the_same_in_every_environment_is_shown_once(tmp_path: Path) -> None:
    result = build(tmp_path, "", project=TWO_ENVS, extra_files={"monitors/payments.yaml": PAYMENTS})
    text = page(result, "payments/error-rate-warning")
    assert text.count("promtool query instant") == 1
    assert "Evaluate the alert's expression now, the same in every environment:" in text
    assert text.count("```promql\njob:payment_errors:ratio5m > 0.01\n```") == 1
    assert text.count("amtool alert query") == 2  # one per environment: each names its env


def test_a_sandbox_environment_has_no_aws_console_links_and_its_commands_name_its_endpoint(tmp_path: Path) -> None:
    text = page(build(tmp_path, ERRORS, project=SANDBOX), "orders/errors")
    local = text[text.index("### local (sandbox)"):text.index("## Diagnosis")]
    assert "console.aws.amazon.com" not in local
    assert "console.aws.amazon.com" in text[:text.index("### local (sandbox)")]  # production keeps its links
    commands = text[text.index("#### Commands: local (sandbox)"):]
    assert "--region eu-west-1 --endpoint-url http://127.0.0.1:4577" in commands
    assert "console.aws.amazon.com" not in commands
    site = build(tmp_path / "again", ERRORS, project=SANDBOX).files["site/_services/orders.html"]
    assert "orders dashboard in production (PRODUCTION)" in site and "in local" not in site


@pytest.mark.parametrize(("endpoint", "sandbox"), [
    (None, False), ("http://127.0.0.1:4577", True), ("http://localhost:4566", True), ("http://[::1]:4577", True),
    ("http://localstack:4566", True), ("https://monitoring.us-east-1.amazonaws.com", False),
    ("https://monitoring-fips.us-gov-west-1.amazonaws.com", False), ("https://monitoring.cn-north-1.amazonaws.com.cn", False),
    ("https://monitoring.us-east-1.api.aws", False), ("https://amazonaws.com.evil.example", True),
])
def test_an_endpoint_outside_aws_s_domains_is_a_sandbox(endpoint: str | None, sandbox: bool) -> None:
    assert is_sandbox(endpoint) is sandbox


# --- production is marked ----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "flag", "production"), [
    ("production", None, True), ("prod", None, True), ("prd", None, True), ("prod-eu", None, True),
    ("eu-prod", None, True), ("staging", None, False), ("product-demo", None, False), ("preprod", None, False),
    ("live", True, True), ("prod", False, False),
])
def test_production_is_the_environment_s_flag_or_else_its_name(name: str, flag: bool | None, production: bool) -> None:
    assert is_production(name, flag) is production


def test_production_is_marked_wherever_several_environments_are_shown(tmp_path: Path) -> None:
    project = TWO_ENVS.replace("  staging:\n", "  staging:\n    production: false\n").replace(
        "  production:\n", "  production:\n    production: true\n")
    result = build(tmp_path, ERRORS, project=project)
    text = page(result, "orders/errors")
    assert "### production (PRODUCTION)" in text and "### staging\n" in text
    assert "| production (PRODUCTION) | `shop-orders-errors-production` |" in text
    assert '<h2 id="production">production (PRODUCTION)</h2>' in result.files["site/routing.html"]
    assert 'class="env production">production (PRODUCTION)</span>' in result.files["site/index.html"]


# --- nothing on the page is noise ----------------------------------------------------------------------

def test_the_facts_have_no_empty_table_header(tmp_path: Path) -> None:
    text = page(build(tmp_path, ERRORS), "orders/errors")
    assert "| | |" not in text
    assert "- **Owner:** team-orders" in text


def test_a_prometheus_description_is_shown_as_a_template_marked_as_such(tmp_path: Path) -> None:
    result = build(tmp_path, "", extra_files={"monitors/payments.yaml": PAYMENTS})
    text = page(result, "payments/error-rate-critical")
    assert ("Alert description, a Prometheus template filled in with the alert's labels and value when it fires: "
            "`{{ $value | humanizePercentage }} of payments on {{ $labels.instance }} fail.`") in text
    assert "\n{{ $value" not in text  # never as if it were the message


def test_the_routing_page_of_a_project_without_prometheus_has_no_alertmanager_columns(tmp_path: Path) -> None:
    routing = build(tmp_path, ERRORS).files["site/routing.html"]
    assert "Alertmanager" not in routing and "SNS topic" in routing
    assert ">none<" not in routing


def test_the_routing_page_of_a_prometheus_only_project_has_no_sns_columns(tmp_path: Path) -> None:
    routing = build(tmp_path, "", extra_files={"monitors/payments.yaml": PAYMENTS}).files["site/routing.html"]
    assert "SNS" not in routing and "Alertmanager receiver" in routing


# --- setext headings in runbooks_src/ --------------------------------------------------------------------

def test_setext_headings_start_sections_and_an_underlined_title_is_dropped() -> None:
    text = "API errors\n==========\n\nIntro.\n\nDiagnosis\n---------\n\nLook.\n\nMitigation\n---\n\nFix.\n"
    assert split_sections(text) == [("", False, "Intro."), ("Diagnosis", False, "Look."), ("Mitigation", False, "Fix.")]


def test_a_setext_section_is_guidance_on_the_page(tmp_path: Path) -> None:
    result = build(tmp_path, ERRORS, extra_files={
        "runbooks_src/orders/errors.md": "Diagnosis\n---------\n\nRead the logs.\n\nMitigation\n----------\n\nRoll back.\n"})
    text = page(result, "orders/errors")
    assert "## Diagnosis\n\nRead the logs.\n" in text and "## Mitigation\n\nRoll back.\n" in text
    assert "No guidance written yet: add a `## Diagnosis`" not in text
    assert result.coverage.entries[0].covered


def test_a_heading_inside_a_list_or_a_quote_is_no_section() -> None:
    text = "## Diagnosis\n\n> ## quoted\n\n- ## listed\n\n## Mitigation\n\nFix.\n"
    assert [title for title, _, _ in split_sections(text)] == ["Diagnosis", "Mitigation"]
