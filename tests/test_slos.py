"""SLOs (issue 19): the burn-rate policy's numbers, and what one SLO compiles to on each backend.

The CloudWatch half is proven with the offline alarm evaluator on the generated PutMetricAlarm /
PutCompositeAlarm parameters: a fast burn pages (and the ticket stays suppressed), a slow burn opens
only a ticket. The Prometheus half runs promtool on the generated rules and tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import ParamValidator

from obsgen.compiler import Build
from obsgen.evaluator import ALARM, Metric, Samples, evaluate_alarms
from obsgen.evaluator.from_model import specs_from_environment, specs_from_generated
from obsgen.slo_policy import WORKBOOK, Burn

from aws_support import aws_env  # noqa: F401 (a fixture)
from spec_builder import PROJECT, build, errors

DAY = 86_400
HOUR = 3_600

# --- the policy, by hand -------------------------------------------------------------------------

# f = p * P / L, worked out on paper: p the budget share, P the SLO window, L the long window.
#   30d = 720h: 0.02*720/1 = 14.4   0.05*720/6 = 6     0.10*30/1 = 3     0.10*30/3 = 1
#   28d = 672h: 0.02*672/1 = 13.44  0.05*672/6 = 5.6   0.10*28/1 = 2.8   0.10*28/3 = 0.9333...
#    7d = 168h: 0.02*168/1 = 3.36   0.05*168/6 = 1.4   0.10*7/1  = 0.7   0.10*7/3  = 0.2333...
FACTORS_BY_HAND = {
    30: (14.4, 6.0, 3.0, 1.0),
    28: (13.44, 5.6, 2.8, 0.9333333333),
    7: (3.36, 1.4, 0.7, 0.2333333333),
}


@pytest.mark.parametrize("days", sorted(FACTORS_BY_HAND))
def test_the_workbook_factors_match_the_table_worked_out_by_hand(days: int) -> None:
    burns = [b for tier in WORKBOOK for b in tier.burns]
    assert [b.factor(days * DAY) for b in burns] == pytest.approx(FACTORS_BY_HAND[days], abs=1e-9)


def test_the_workbook_policy_is_page_1h_and_6h_ticket_1d_and_3d_with_short_windows_of_a_twelfth() -> None:
    assert [(t.name, [(b.budget, b.long, b.short) for b in t.burns]) for t in WORKBOOK] == [
        ("page", [(0.02, HOUR, 300), (0.05, 6 * HOUR, 1800)]),
        ("ticket", [(0.10, DAY, 2 * HOUR), (0.10, 3 * DAY, 6 * HOUR)]),
    ]


def test_a_999_objective_over_30_days_alerts_above_these_error_ratios() -> None:
    burns = [b for tier in WORKBOOK for b in tier.burns]
    assert [b.threshold(30 * DAY, 0.999) for b in burns] == pytest.approx([0.0144, 0.006, 0.003, 0.001])


def test_the_fastest_page_burn_spends_a_30_day_budget_in_about_two_days() -> None:
    assert Burn(0.02, HOUR).exhausts_in(30 * DAY) == pytest.approx(50 * HOUR)


# --- CloudWatch ----------------------------------------------------------------------------------

API_SERVICE = """\
apiVersion: obsgen/v1
kind: Service
service: api
owner: team-api
resources:
  gateway: {type: apigateway, name: "shop-api-${env}"}
slos:
  availability:
    summary: Requests to the shop API succeed.
    objective: 99.9%
    sli:
      bad: {resource: gateway, metric: 5XXError}
      valid: {resource: gateway, metric: Count}
    page: {severity: critical}
    ticket: {severity: warning}
"""

ERRORS = Metric.of("AWS/ApiGateway", "5XXError", {"ApiName": "shop-api-production"})
REQUESTS = Metric.of("AWS/ApiGateway", "Count", {"ApiName": "shop-api-production"})
START = 1_700_006_400  # midnight UTC
STEP = 300  # one datapoint of traffic every 5 minutes


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Build:
    # us-east-1, moto's in-process region: the applied alarms are where the sync's test reads them
    result = build(tmp_path_factory.mktemp("slo"), project=PROJECT.replace("eu-west-1", "us-east-1"),
                   extra_files={"monitors/api.yaml": API_SERVICE})
    assert errors(result) == []
    return result


def _documents(result: Build) -> list[dict]:
    return [json.loads(text) for path, text in sorted(result.files.items())
            if path.startswith("production/cloudwatch/") and path.endswith(".json") and path.count("/") == 2]


def test_an_slo_compiles_to_two_window_alarms_per_burn_and_one_composite_per_tier(compiled: Build) -> None:
    (document,) = _documents(compiled)
    windows = sorted(a["AlarmName"] for a in document["MetricAlarms"])
    assert windows == sorted(f"shop-api-slo-availability-{w}-production" for w in
                             ("page-1h", "page-5m", "page-6h", "page-30m",
                              "ticket-1d", "ticket-2h", "ticket-3d", "ticket-6h"))
    composites = {c["AlarmName"]: c for c in document["CompositeAlarms"]}
    page = composites["shop-api-slo-availability-page-production"]
    assert page["AlarmRule"] == ('(ALARM("shop-api-slo-availability-page-1h-production") AND '
                                 'ALARM("shop-api-slo-availability-page-5m-production")) OR '
                                 '(ALARM("shop-api-slo-availability-page-6h-production") AND '
                                 'ALARM("shop-api-slo-availability-page-30m-production"))')
    assert page["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:shop-critical-production"]
    ticket = composites["shop-api-slo-availability-ticket-production"]
    assert (ticket["ActionsSuppressor"], ticket["ActionsSuppressorWaitPeriod"],
            ticket["ActionsSuppressorExtensionPeriod"]) == (page["AlarmName"], 300, 6 * HOUR)


def test_a_window_alarm_is_the_guarded_error_ratio_over_one_period_of_the_window_and_notifies_nobody(compiled: Build) -> None:
    (document,) = _documents(compiled)
    alarm = next(a for a in document["MetricAlarms"] if a["AlarmName"] == "shop-api-slo-availability-ticket-3d-production")
    assert (alarm["AlarmActions"], alarm["OKActions"]) == ([], [])
    assert (alarm["EvaluationPeriods"], alarm["Threshold"], alarm["TreatMissingData"]) == (1, 0.001, "notBreaching")
    assert [q["MetricStat"]["Period"] for q in alarm["Metrics"] if "MetricStat" in q] == [3 * DAY, 3 * DAY]
    assert alarm["Metrics"][-1]["Expression"] == "IF(valid > 0, FILL(bad, 0) / valid, 0)"


def test_every_generated_parameter_set_is_valid_for_botocore(compiled: Build) -> None:
    model = botocore.session.get_session().get_service_model("cloudwatch")
    (document,) = _documents(compiled)
    for operation, key in (("PutMetricAlarm", "MetricAlarms"), ("PutCompositeAlarm", "CompositeAlarms")):
        shape = model.operation_model(operation).input_shape
        for params in document[key]:
            report = ParamValidator().validate(params, shape)
            assert not report.has_errors(), report.generate_report()


def test_the_model_and_the_parameters_give_the_evaluator_the_same_alarms(compiled: Build) -> None:
    from_model = {s.name: s for s in specs_from_environment(compiled.models["production"])}
    assert from_model == {s.name: s for s in specs_from_generated(_documents(compiled))}


def _traffic(error_ratio, start: int, end: int) -> dict[Metric, Samples]:
    """1,000 requests every 5 minutes from three days before `start`; error_ratio(t) of them fail."""
    times = range(start - 3 * DAY, end, STEP)
    return {REQUESTS: Samples([(t, 1000.0) for t in times]),
            ERRORS: Samples([(t, 1000.0 * error_ratio(t)) for t in times])}


def _alarms_notified(compiled: Build, error_ratio, hours: int) -> tuple[set[str], set[str]]:
    end = START + hours * HOUR
    out = evaluate_alarms(specs_from_generated(_documents(compiled)), _traffic(error_ratio, START, end), START, end)
    assert out.unsupported == {}
    notified = {n.alarm for r in out.results.values() for n in r.notifications if n.state == ALARM}
    suppressed = {s.alarm for r in out.results.values() for s in r.suppressed}
    return notified, suppressed


def test_a_fast_burn_pages_and_the_ticket_it_also_trips_stays_suppressed(compiled: Build) -> None:
    # Half the requests fail for an hour: 500 x the budget's rate. Ten hours: the ticket's 6h short window clears
    # (8h) before the suppression's extension, 6h after the page clears (about 3h), ends.
    notified, suppressed = _alarms_notified(compiled, lambda t: 0.5 if START + HOUR <= t < START + 2 * HOUR else 0.0, 10)
    assert notified == {"shop-api-slo-availability-page-production"}
    assert suppressed == {"shop-api-slo-availability-ticket-production"}


def test_a_slow_burn_opens_a_ticket_and_never_pages(compiled: Build) -> None:
    # 0.5% of requests fail: 5 x the budget's rate, above the ticket's 3 and below the page's 6. Begun 14 hours
    # before the evaluation starts, the 1-day ratio crosses 0.003 (after 14.4 hours) within it.
    notified, _ = _alarms_notified(compiled, lambda t: 0.005 if t >= START - 14 * HOUR else 0.0, 3)
    assert notified == {"shop-api-slo-availability-ticket-production"}


def test_steady_traffic_within_the_budget_notifies_nobody(compiled: Build) -> None:
    notified, _ = _alarms_notified(compiled, lambda t: 0.0009, 3)
    assert notified == set()


# --- applied to AWS (moto in-process with obsgen's gap-fillers; every request checked by botocore) -------


def test_an_applied_slo_is_in_sync_and_aws_holds_its_suppressor(compiled: Build, aws_env: None) -> None:
    from aws_support import CallLog, clients_for, in_process

    from obsgen.aws.drift import drift_report
    from obsgen.aws.workflow import ApplyOptions, apply, make_plan

    model = in_process(compiled.models["production"])
    clients = clients_for(model)
    log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.sts)
    plan = make_plan(model, clients)
    result = apply(model, clients, plan, ApplyOptions(concurrency=1, writes_per_second=None))
    assert result.ok, (result.failed, result.not_done)
    again = make_plan(model, clients)
    assert not again.has_changes and drift_report(again).in_sync
    assert log.problems == []
    ticket = next(c for c in model.composite_alarms if c.monitor == "slo-availability-ticket")
    live = clients.cloudwatch.describe_alarms(AlarmNames=[ticket.name], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    assert live[0]["ActionsSuppressor"] == "shop-api-slo-availability-page-production"


# --- Prometheus ----------------------------------------------------------------------------------

CHECKOUT_SERVICE = """\
apiVersion: obsgen/v1
kind: Service
service: checkout
owner: team-checkout
slos:
  latency:
    objective: 99%
    window: 28d
    sli:
      histogram: {metric: http_request_duration_seconds, selector: 'job="checkout"', slower_than: "0.5"}
    page: {severity: critical}
    ticket: {severity: warning}
  availability:
    objective: 99.9%
    sli:
      errors: sum(rate(http_requests_total{job="checkout", code=~"5.."}[${window}]))
      total: sum(rate(http_requests_total{job="checkout"}[${window}]))
    ticket: {severity: warning}
"""


@pytest.fixture(scope="module")
def prometheus_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    result = build(tmp_path_factory.mktemp("slo-prom"), extra_files={"monitors/checkout.yaml": CHECKOUT_SERVICE})
    assert errors(result) == []
    return result


def _rules(result: Build) -> list[dict]:
    import yaml

    (group,) = yaml.safe_load(result.files["production/prometheus/checkout.rules.yaml"])["groups"]
    return group["rules"]


def test_a_prometheus_slo_records_sloths_series_with_sloths_labels(prometheus_build: Build) -> None:
    rules = [r for r in _rules(prometheus_build) if r.get("labels", {}).get("sloth_slo") == "latency"]
    ratios = [r["record"] for r in rules if r["record"].startswith("slo:sli_error:")]
    assert ratios == [f"slo:sli_error:ratio_rate{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "28d")]
    assert rules[0]["labels"] == {"sloth_id": "checkout-latency", "sloth_service": "checkout", "sloth_slo": "latency",
                                  "sloth_window": "5m"}
    assert [r["record"] for r in rules if not r["record"].startswith("slo:sli_error:")] == [
        "slo:objective:ratio", "slo:error_budget:ratio", "slo:time_period:days", "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio", "slo:period_error_budget_remaining:ratio", "sloth_slo_info"]
    period = next(r for r in _rules(prometheus_build) if r["record" if "record" in r else "alert"] ==
                  "slo:sli_error:ratio_rate28d")
    # Sloth writes sloth_window alone (the others come from the 5m series, with the same values): obsgen writes them
    # too, or two SLOs of one window in one group would be duplicate rules to promtool (tests/test_slo_tests.py)
    assert period["labels"] == {"sloth_id": "checkout-latency", "sloth_service": "checkout", "sloth_slo": "latency",
                                "sloth_window": "28d"}


def test_both_tiers_alert_under_one_name_told_apart_by_sloth_severity(prometheus_build: Build) -> None:
    alerts = [r for r in _rules(prometheus_build) if r.get("alert") == "LatencyErrorBudgetBurn"]
    assert [(a["labels"]["sloth_severity"], a["labels"]["severity"]) for a in alerts] == [("page", "critical"),
                                                                                          ("ticket", "warning")]
    assert "slo:sli_error:ratio_rate5m" in alerts[0]["expr"] and "(13.44 * 0.01)" in alerts[0]["expr"]


def test_the_generated_rules_pass_promtool_check(prometheus_build: Build, tmp_path: Path) -> None:
    import subprocess

    from prom_tools import require

    path = tmp_path / "checkout.rules.yaml"
    path.write_text(prometheus_build.files["production/prometheus/checkout.rules.yaml"], encoding="utf-8")
    result = subprocess.run([require("promtool"), "check", "rules", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_generated_page_ticket_and_quiet_tests_of_each_slo_pass_promtool(prometheus_build: Build) -> None:
    from prom_tools import require

    from obsgen.prometheus.promtool import run_tests

    (group,) = prometheus_build.models["production"].rule_groups
    cases = [[dict(a.labels)["sloth_severity"] for a in t.alert_tests[0].exp_alerts] for t in group.tests]
    # the histogram SLO's three cases, then the ticket-only errors/total SLO's two (tests/test_slo_tests.py)
    assert cases == [["page", "ticket"], ["ticket"], [], ["ticket"], []]
    report = run_tests(prometheus_build, require("promtool"))
    assert (report.ran, report.failures) == (5, [])


def test_prometheus_drift_reads_a_range_and_an_empty_grouping_as_prometheus_reprints_them() -> None:
    """Prometheus prints `[28d]` as `[4w]` and `group_left` as `group_left ()`: an SLO's rules must not look
    drifted after a reload (found with the example's 28-day latency SLO against a real Prometheus)."""
    from obsgen.prometheus.drift import normalize_expr

    written = 'sum_over_time(r{a="28d"}[28d])\n/ on(a) group_left\nx[1h:5m]'
    printed = 'sum_over_time(r{a="28d"}[4w]) / on (a) group_left () x[60m:300s]'
    assert normalize_expr(written) == normalize_expr(printed)
    assert normalize_expr("r[28d]") != normalize_expr("r[30d]")


def test_the_service_dashboard_has_a_section_per_slo_with_its_numbers_and_each_window_against_its_threshold(
        compiled: Build) -> None:
    body = json.loads(compiled.files["production/cloudwatch/dashboards/shop-production-api.json"])
    texts = [w["properties"]["markdown"] for w in body["widgets"] if w["type"] == "text"]
    section = next(t for t in texts if t.startswith("### SLO availability: 99.9% over 30d"))
    assert "| page | 1h and 5m | 14.4 | 0.0144 | 2d2h |" in section  # 30 days / 14.4 = 50 hours
    assert "| ticket | 3d and 6h | 1 | 0.001 | 30d |" in section
    graphs = [w["properties"] for w in body["widgets"] if w["type"] == "metric"
              and not w["properties"]["title"].startswith("SLO availability: error budget left")]  # test_slo_pages.py
    assert [g["title"] for g in graphs][:2] == ["slo-availability-page-1h: > 0.0144", "slo-availability-page-5m: > 0.0144"]
    assert graphs[0]["annotations"]["horizontal"][0]["value"] == 0.0144


def test_good_events_and_a_latency_metric_are_ratios_cloudwatch_computes_too(tmp_path: Path) -> None:
    service = API_SERVICE.replace("""      bad: {resource: gateway, metric: 5XXError}
      valid: {resource: gateway, metric: Count}""", """      latency: {resource: gateway, metric: Latency, slower_than: 500}""") + """\
  served:
    objective: 99%
    sli:
      good: {resource: gateway, metric: Count}
      valid: {namespace: Shop, metric: Requests, dimensions: {Api: "shop-api-${env}"}}
    ticket: {severity: warning}
"""
    result = build(tmp_path, extra_files={"monitors/api.yaml": service})
    assert errors(result) == []
    (document,) = _documents(result)
    by_name = {a["AlarmName"]: a for a in document["MetricAlarms"]}
    latency = by_name["shop-api-slo-availability-page-5m-production"]["Metrics"]
    assert [q["MetricStat"]["Stat"] for q in latency[:2]] == ["PR(:500)", "SampleCount"]
    assert latency[-1]["Expression"] == "IF(requests > 0, 1 - fast / 100, 0)"
    served = by_name["shop-api-slo-served-ticket-1d-production"]
    assert served["Metrics"][-1]["Expression"] == "IF(valid > 0, 1 - FILL(good, 0) / valid, 0)"
    assert served["Threshold"] == pytest.approx(3 * 0.01)
    shape = botocore.session.get_session().get_service_model("cloudwatch").operation_model("PutMetricAlarm").input_shape
    assert all(not ParamValidator().validate(a, shape).has_errors() for a in document["MetricAlarms"])
