"""The promtool tests generated for every Prometheus SLO (docs/slos.md, "Generated promtool tests"): counters made
up for `errors`/`total` queries of the form `sum(rate(<selector>[${window}]))`, and the recorded SLI ratios fed
to a test-only copy of the rule group for any other query; all of them pass the real promtool."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from obsgen.compiler import Build
from obsgen.resolve.slo_tests import counter_feed

from spec_builder import build, errors

ERRORS = 'sum(rate(http_requests_total{job="checkout", code=~"5.."}[5m]))'
TOTAL = 'sum(rate(http_requests_total{job="checkout"}[5m]))'


def _series(errors_query: str, total_query: str, ratio: float = 0.25) -> dict[str, str]:
    feed = counter_feed(errors_query, total_query)
    assert feed is not None
    return dict(feed(ratio, 70))


def test_sloths_usual_queries_get_a_bad_event_counter_both_select_and_a_good_one_only_total_selects() -> None:
    assert _series(ERRORS, TOTAL) == {'http_requests_total{code="500", job="checkout"}': "0+25000x70",
                                      'http_requests_total{job="checkout"}': "0+75000x70"}


def test_a_negative_matcher_for_errors_gets_a_good_event_value_it_refuses() -> None:
    series = _series('sum(rate(http_requests_total{code!~"2..|3.."}[5m]))', "sum(rate(http_requests_total[5m]))")
    assert series == {"http_requests_total": "0+25000x70", 'http_requests_total{code="200"}': "0+75000x70"}


def test_errors_and_requests_of_two_metrics_get_one_counter_each_the_total_one_counting_every_event() -> None:
    series = _series('sum(increase(http_errors_total{job="checkout"}[5m]))',
                     'sum(increase(http_requests_total{job="checkout"}[5m]))')
    assert series == {'http_errors_total{job="checkout"}': "0+25000x70",
                      'http_requests_total{job="checkout"}': "0+100000x70"}


def test_errors_written_as_all_minus_good_events_feed_the_good_counter_at_the_complementary_rate() -> None:
    good = 'sum(rate(http_requests_total{job="checkout", code!~"5.."}[5m]))'
    assert _series(f"({TOTAL}) - ({good})", TOTAL) == {'http_requests_total{job="checkout"}': "0+75000x70",
                                                      'http_requests_total{code="500", job="checkout"}': "0+25000x70"}


def test_a_histogram_written_as_its_count_minus_its_fast_bucket_feeds_both() -> None:
    count = "sum(rate(http_request_duration_seconds_count[5m]))"
    fast = 'sum(rate(http_request_duration_seconds_bucket{le="0.5"}[5m]))'
    assert _series(f"({count}) - ({fast})", count) == {
        'http_request_duration_seconds_bucket{le="0.5"}': "0+75000x70",
        "http_request_duration_seconds_count": "0+100000x70"}


@pytest.mark.parametrize("errors_query", [
    f'(sum(rate(http_requests_total{{job="other"}}[5m]))) - ({ERRORS})',  # all minus good, but not total's all
    f"{ERRORS} or vector(0)",  # arithmetic and set operations have no inverse
    'sum by (code) (rate(http_requests_total{code=~"5.."}[5m]))',  # a grouping: several ratios, not one
    'sum(rate(http_requests_total{code=~"5.."}[5m] offset 1h))',
    'sum(rate(http_requests_total{code=~"zz[0-9]{5}q"}[5m]))',  # no value obsgen tries matches
])
def test_queries_obsgen_cannot_satisfy_get_no_made_up_counters(errors_query: str) -> None:
    assert counter_feed(errors_query, TOTAL) is None


SERVICE = """\
apiVersion: obsgen/v1
kind: Service
service: checkout
owner: team-checkout
slos:
  availability:
    objective: 99.9%
    sli:
      errors: sum(rate(http_requests_total{job="checkout", code=~"5.."}[${window}]))
      total: sum(rate(http_requests_total{job="checkout"}[${window}]))
    page: {severity: critical}
    ticket: {severity: warning}
  payments:
    objective: 99%
    window: 7d
    sli:
      errors: sum(increase(payment_failures_total[${window}]))
      total: sum(increase(payments_total[${window}]))
    ticket: {severity: warning}
  fast:
    objective: 99%
    sli:
      errors: (sum(rate(http_request_duration_seconds_count{job="checkout"}[${window}]))) - (sum(rate(http_request_duration_seconds_bucket{job="checkout", le="0.25"}[${window}])))
      total: sum(rate(http_request_duration_seconds_count{job="checkout"}[${window}]))
    page: {severity: critical}
  answers:
    objective: 99.5%
    sli:
      errors: (sum(rate(http_requests_total{job="checkout", code=~"5.."}[${window}])) or vector(0))
      total: sum(rate(http_requests_total{job="checkout"}[${window}]))
    page: {severity: critical}
    ticket: {severity: warning}
"""


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Build:
    result = build(tmp_path_factory.mktemp("slo-tests"), extra_files={"monitors/checkout.yaml": SERVICE})
    assert errors(result) == []
    return result


def _cases(result: Build, path: str) -> list[tuple[str, list[str]]]:
    """Each test group of a generated test file: the alert it checks and the tiers it expects to fire."""
    body = yaml.safe_load(result.files[f"production/prometheus/tests/{path}"])
    return [(case["alertname"], [alert["exp_labels"]["sloth_severity"] for alert in case["exp_alerts"]])
            for group in body["tests"] for case in group["alert_rule_test"]]


def test_every_errors_total_slo_gets_a_page_a_ticket_only_and_a_quiet_case(checkout: Build) -> None:
    assert _cases(checkout, "checkout.test.yaml") == [
        ("AvailabilityErrorBudgetBurn", ["page", "ticket"]), ("AvailabilityErrorBudgetBurn", ["ticket"]),
        ("AvailabilityErrorBudgetBurn", []),
        ("PaymentsErrorBudgetBurn", ["ticket"]), ("PaymentsErrorBudgetBurn", []),
        ("FastErrorBudgetBurn", ["page"]), ("FastErrorBudgetBurn", [])]
    assert _cases(checkout, "checkout.slo-ratios.test.yaml") == [
        ("AnswersErrorBudgetBurn", ["page", "ticket"]), ("AnswersErrorBudgetBurn", ["ticket"]),
        ("AnswersErrorBudgetBurn", [])]


def test_the_test_file_says_which_groups_are_generated_and_what_their_made_up_counters_prove(checkout: Build) -> None:
    head = checkout.files["production/prometheus/tests/checkout.test.yaml"].splitlines()[1]
    assert head.startswith("# The last 7 test groups are generated for the SLOs' alerts (AvailabilityErrorBudgetBurn, "
                           "FastErrorBudgetBurn, PaymentsErrorBudgetBurn)")
    assert "not that the queries select the right series in production" in head


def test_a_query_obsgen_cannot_feed_is_tested_on_its_recorded_ratios_without_the_rules_that_record_them(
        checkout: Build) -> None:
    test_file = checkout.files["production/prometheus/tests/checkout.slo-ratios.test.yaml"]
    assert "they test the alerts and their thresholds, not the queries" in test_file
    assert yaml.safe_load(test_file)["rule_files"] == ["checkout.slo-ratios.rules.yaml"]
    fed = {s["series"].split("{")[0] for s in yaml.safe_load(test_file)["tests"][0]["input_series"]}
    assert fed == {f"slo:sli_error:ratio_rate{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")}
    (group,) = yaml.safe_load(checkout.files["production/prometheus/tests/checkout.slo-ratios.rules.yaml"])["groups"]
    (deployed,) = yaml.safe_load(checkout.files["production/prometheus/checkout.rules.yaml"])["groups"]
    recorded = [(r["record"], r.get("labels", {}).get("sloth_slo")) for r in group["rules"] if "record" in r]
    assert ("slo:sli_error:ratio_rate1h", "answers") not in recorded
    assert ("slo:sli_error:ratio_rate1h", "availability") in recorded  # only the fed SLO's rules are left out
    assert [r for r in group["rules"] if "alert" in r] == [r for r in deployed["rules"] if "alert" in r]
    assert len(group["rules"]) == len(deployed["rules"]) - 7


def test_slos_of_one_window_in_one_service_pass_promtools_check_and_lint(checkout: Build, tmp_path) -> None:
    """Three 30-day SLOs: their period ratios (slo:sli_error:ratio_rate30d) were one rule to promtool's lint
    ("duplicate rule(s) found"), which made `obsgen build` refuse the service."""
    from prom_tools import require

    from obsgen.prometheus.promtool import check_rules

    path = tmp_path / "checkout.rules.yaml"
    path.write_text(checkout.files["production/prometheus/checkout.rules.yaml"], encoding="utf-8")
    run = check_rules(require("promtool"), [path])
    assert run.ok, run.output


def test_the_generated_tests_of_every_slo_pass_the_real_promtool(checkout: Build) -> None:
    from prom_tools import require

    from obsgen.prometheus.promtool import run_tests

    report = run_tests(checkout, require("promtool"))
    assert (report.ran, report.failures) == (10, [])


def test_the_made_up_counters_go_through_the_real_queries_so_a_query_reading_other_codes_fails(
        checkout: Build) -> None:
    from prom_tools import require

    from obsgen.prometheus.promtool import run_tests

    path = "production/prometheus/checkout.rules.yaml"
    files = {**checkout.files, path: checkout.files[path].replace('code=~"5.."', 'code=~"4.."')}
    report = run_tests(dataclasses.replace(checkout, files=files), require("promtool"))
    assert report.failures and all("AvailabilityErrorBudgetBurn at 1h" in f.message and "AnswersErrorBudgetBurn"
                                   not in f.message for f in report.failures)


OWN_TEST = """\
tests:
  - interval: 1m
    input_series:
      - series: http_requests_total{job="checkout", code="500"}
        values: "0+5x70"
      - series: http_requests_total{job="checkout", code="200"}
        values: "0+995x70"
    alert_rule_test:
      - eval_time: 1h
        alertname: PaymentsErrorBudgetBurn
        exp_alerts: []
      - eval_time: 1h
        alertname: AvailabilityErrorBudgetBurn
        exp_alerts:
          - exp_labels: {severity: warning, sloth_id: checkout-availability, sloth_service: checkout,
                         sloth_slo: availability, sloth_window: 2h}
"""


def test_a_services_own_test_of_an_slo_alert_resolves_and_passes_promtool(tmp_path) -> None:
    """0.5% errors: above the ticket's 0.3% (3 x 0.1% over 1d and 2h), under the page's 0.6%. The spec's tests were
    resolved before the SLO alerts existed, so naming one was an unknown-alert error."""
    from prom_tools import require

    from obsgen.prometheus.promtool import run_tests

    result = build(tmp_path, extra_files={"monitors/checkout.yaml": SERVICE + OWN_TEST})
    assert errors(result) == []
    report = run_tests(result, require("promtool"))
    assert (report.ran, report.failures) == (11, [])
