"""OpenSLO v1 input (issue 19 item 6, docs/slos.md "OpenSLO input"): SLO, SLI, AlertPolicy and AlertCondition
documents under monitors/openslo/ compile exactly as the equivalent `slos:` does, and what obsgen does not
read is a located `openslo-unsupported` error."""

from __future__ import annotations

from pathlib import Path

import pytest

from obsgen.language import yaml_reader
from obsgen.language.openslo import read

from spec_builder import build, errors

# --- CloudWatch: one SLO, written both ways ----------------------------------------------------------

API_HEAD = """\
apiVersion: obsgen/v1
kind: Service
service: api
owner: team-api
"""

API_SLOS = API_HEAD + """\
slos:
  availability:
    summary: Requests to the shop API succeed.
    description: The share of API requests answered without a server error.
    objective: 99.9%
    window: 30d
    sli:
      bad: {namespace: AWS/ApiGateway, metric: 5XXError, statistic: Sum, dimensions: {ApiName: "shop-api-${env}"}}
      valid: {namespace: AWS/ApiGateway, metric: Count, statistic: Sum, dimensions: {ApiName: "shop-api-${env}"}}
    page: {severity: critical}
    ticket: {severity: warning}
"""

# The workbook's four conditions (page 14.4 over 1h and 6 over 6h; ticket 3 over 1d and 1 over 3d), as OpenSLO
# writes them: burn-rate thresholds, not budget shares. An SLI by reference, a policy inline, conditions both ways.
API_OPENSLO = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: api-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        type: CloudWatch
        spec:
          namespace: AWS/ApiGateway
          metricName: 5XXError
          stat: Sum
          dimensions:
            - {name: ApiName, value: "shop-api-${env}"}
    total:
      metricSource:
        type: CloudWatch
        spec:
          namespace: AWS/ApiGateway
          metricName: Count
          stat: Sum
          dimensions:
            - {name: ApiName, value: "shop-api-${env}"}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
  displayName: Requests to the shop API succeed.
spec:
  description: The share of API requests answered without a server error.
  service: api
  indicatorRef: api-errors
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Good requests
      target: 0.999
  alertPolicies:
    - fast-burn
    - kind: AlertPolicy
      metadata: {name: slow-burn}
      spec:
        conditions:
          - conditionRef: ticket-1d
          - conditionRef: ticket-3d
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: fast-burn
spec:
  alertWhenBreaching: true
  conditions:
    - kind: AlertCondition
      metadata: {name: page-1h}
      spec:
        severity: critical
        condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}
    - kind: AlertCondition
      metadata: {name: page-6h}
      spec:
        severity: critical
        condition: {kind: burnrate, op: gte, threshold: 6, lookbackWindow: 6h, alertAfter: 30m}
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: ticket-1d
spec:
  severity: warning
  condition: {kind: burnrate, op: gte, threshold: 3, lookbackWindow: 1d}
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: ticket-3d
spec:
  severity: warning
  condition: {kind: burnrate, op: gte, threshold: 1, lookbackWindow: 3d}
"""


def _named_source_as(files: dict[str, str], openslo_file: str, service_file: str) -> dict[str, str]:
    """The files with the OpenSLO file's name where they name the file an alarm or runbook page comes from
    ("Managed by obsgen (monitors/openslo/api.yaml)", "edit those"): the one difference there must be."""
    assert any(openslo_file in text for text in files.values())
    return {path: text.replace(openslo_file, service_file) for path, text in files.items()}


def test_an_openslo_slo_generates_exactly_what_the_same_slo_written_in_slos_does(tmp_path: Path) -> None:
    written = build(tmp_path / "slos", extra_files={"monitors/api.yaml": API_SLOS})
    openslo = build(tmp_path / "openslo", extra_files={"monitors/api.yaml": API_HEAD,
                                                       "monitors/openslo/api.yaml": API_OPENSLO})
    assert errors(written) == [] and errors(openslo) == []
    assert any("slo-availability-page" in text for text in written.files.values())
    assert _named_source_as(openslo.files, "monitors/openslo/api.yaml", "monitors/api.yaml") == written.files


# --- Prometheus ---------------------------------------------------------------------------------------

CHECKOUT_HEAD = """\
apiVersion: obsgen/v1
kind: Service
service: checkout
owner: team-checkout
"""

CHECKOUT_SLOS = CHECKOUT_HEAD + """\
slos:
  availability:
    objective: 99.5%
    window: 28d
    sli:
      errors: (sum(rate(http_requests_total{job="checkout"}[${window}]))) - (sum(rate(http_requests_total{job="checkout", code!~"5.."}[${window}])))
      total: sum(rate(http_requests_total{job="checkout"}[${window}]))
    ticket: {severity: warning, burns: [{budget: 10%, window: 1d}]}
"""

# 4w is 28 days; good events become errors as total minus good; a lone ticket condition (2.8 over 1d of 28d).
CHECKOUT_OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: checkout
  indicator:
    metadata: {name: checkout-availability}
    spec:
      ratioMetric:
        good:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(rate(http_requests_total{job="checkout", code!~"5.."}[${window}]))'}
        total:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(rate(http_requests_total{job="checkout"}[${window}]))'}
  timeWindow: [{duration: 4w, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{targetPercent: 99.5}]
  alertPolicies:
    - kind: AlertPolicy
      metadata: {name: slow}
      spec:
        conditions:
          - kind: AlertCondition
            metadata: {name: ticket-1d}
            spec:
              severity: warning
              condition: {kind: burnrate, op: gt, threshold: 2.8, lookbackWindow: 1d, alertAfter: 2h}
"""


def test_a_prometheus_openslo_slo_with_good_events_generates_what_its_slos_twin_does(tmp_path: Path) -> None:
    written = build(tmp_path / "slos", extra_files={"monitors/checkout.yaml": CHECKOUT_SLOS})
    openslo = build(tmp_path / "openslo", extra_files={"monitors/checkout.yaml": CHECKOUT_HEAD,
                                                       "monitors/openslo/checkout.yaml": CHECKOUT_OPENSLO})
    assert errors(written) == [] and errors(openslo) == []
    assert "production/prometheus/checkout.rules.yaml" in written.files
    assert _named_source_as(openslo.files, "monitors/openslo/checkout.yaml", "monitors/checkout.yaml") == written.files


# --- a CloudWatch latency SLI: thresholdMetric, and the objective's op: lte and value -----------------------

LATENCY_SLOS = API_HEAD + """\
slos:
  latency:
    objective: 99%
    sli:
      latency: {namespace: AWS/ApiGateway, metric: Latency, dimensions: {ApiName: "shop-api-${env}"}, slower_than: 500}
    page: {severity: critical}
"""

# Requests at or under 500 ms are good (op: lte), 99 % of them; the workbook's page conditions for 30 days.
LATENCY_OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: latency
spec:
  service: api
  indicator:
    metadata: {name: api-latency}
    spec:
      thresholdMetric:
        metricSource:
          type: CloudWatch
          spec:
            namespace: AWS/ApiGateway
            metricName: Latency
            stat: p99
            dimensions: [{name: ApiName, value: "shop-api-${env}"}]
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{op: lte, value: 500, target: 0.99}]
  alertPolicies:
    - kind: AlertPolicy
      metadata: {name: fast}
      spec:
        conditions:
          - kind: AlertCondition
            metadata: {name: page-1h}
            spec:
              severity: critical
              condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h}
          - kind: AlertCondition
            metadata: {name: page-6h}
            spec:
              severity: critical
              condition: {kind: burnrate, op: gte, threshold: 6, lookbackWindow: 6h}
"""


def test_a_cloudwatch_threshold_metric_with_op_lte_is_a_latency_slo_generating_what_its_slos_twin_does(
        tmp_path: Path) -> None:
    written = build(tmp_path / "slos", extra_files={"monitors/api.yaml": LATENCY_SLOS})
    openslo = build(tmp_path / "openslo", extra_files={"monitors/api.yaml": API_HEAD,
                                                       "monitors/openslo/api.yaml": LATENCY_OPENSLO})
    assert errors(written) == [] and errors(openslo) == []
    assert any('"PR(:500)"' in text for text in written.files.values())
    assert _named_source_as(openslo.files, "monitors/openslo/api.yaml", "monitors/api.yaml") == written.files


def _latency_problems(old: str, new: str) -> list[str]:
    assert old in LATENCY_OPENSLO
    return [str(d) for d in read([("monitors/openslo/x.yaml", LATENCY_OPENSLO.replace(old, new, 1).encode())])[1]]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("{op: lte, value: 500, target: 0.99}", "{op: gte, value: 500, target: 0.99}",
     "monitors/openslo/x.yaml:20:21: error: op gte: obsgen's latency SLI counts a request at or under the value as "
     "good (CloudWatch's PR(:value) counts <= value); write op: lte [openslo-unsupported]"),
    ("{op: lte, value: 500, target: 0.99}", "{target: 0.99}",
     "monitors/openslo/x.yaml:20:16: error: a thresholdMetric SLI needs its objective's op: lte and value, the latency "
     "at or under which a request is good (e.g. value: 500 for 500 ms) [openslo-invalid]"),
    ("value: 500,", "value: -5,",
     "monitors/openslo/x.yaml:20:33: error: value is the latency threshold, a number above 0 in the metric's unit "
     "(e.g. 500 for 500 ms) [openslo-invalid]"),
    ("          type: CloudWatch\n          spec:\n            namespace: AWS/ApiGateway\n"
     "            metricName: Latency\n            stat: p99\n"
     "            dimensions: [{name: ApiName, value: \"shop-api-${env}\"}]",
     "          type: Prometheus\n          spec: {query: 'histogram_quantile(0.99, rate(x_bucket[5m]))'}",
     "monitors/openslo/x.yaml:12:17: error: a Prometheus thresholdMetric reads a latency, not events: write a "
     "ratioMetric with the histogram's bucket as good, sum(rate(<histogram>_bucket{le=\"0.5\"}[${window}])), and "
     "its count as total, sum(rate(<histogram>_count[${window}])) [openslo-unsupported]"),
])
def test_a_latency_objective_obsgen_cannot_read_is_one_located_error(old: str, new: str, expected: str) -> None:
    assert _latency_problems(old, new) == [expected]


def test_op_and_value_on_a_ratio_slis_objective_say_they_belong_to_a_threshold_metric() -> None:
    assert _problems(_changed("      target: 0.999", "      op: lte\n      value: 5\n      target: 0.999")) == [
        "monitors/openslo/x.yaml:42:7: error: op and value belong to a thresholdMetric SLI (a CloudWatch latency "
        "metric); a ratioMetric SLI's objective is its target alone: leave op and value out [openslo-unsupported]"]


# --- what obsgen does not read ---------------------------------------------------------------------------


def _problems(text: str) -> list[str]:
    return [str(d) for d in read([("monitors/openslo/x.yaml", text.encode())])[1]]


def _changed(old: str, new: str) -> str:
    assert old in API_OPENSLO
    return API_OPENSLO.replace(old, new, 1)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("      isRolling: true", "      isRolling: false",
     "monitors/openslo/x.yaml:38:18: error: obsgen's SLO windows are rolling: write isRolling: true (calendar-aligned "
     "windows are not supported) [openslo-unsupported]"),
    ("budgetingMethod: Occurrences", "budgetingMethod: Timeslices",
     "monitors/openslo/x.yaml:39:20: error: budgetingMethod Timeslices: obsgen counts events; write budgetingMethod: "
     "Occurrences [openslo-unsupported]"),
    ("    - duration: 30d", "    - duration: 1M",
     "monitors/openslo/x.yaml:37:17: error: 1M is a calendar duration (months, quarters, years are not a fixed "
     "length); write days or weeks, e.g. 30d or 4w [openslo-unsupported]"),
    ("  ratioMetric:\n", "  thresholdMetric: {}\n  ratioMetric:\n",
     "monitors/openslo/x.yaml:6:3: error: an SLI has one of ratioMetric or thresholdMetric, not both "
     "[openslo-invalid]"),
    ("        type: CloudWatch", "        type: Datadog",
     "monitors/openslo/x.yaml:10:15: error: metricSource type 'Datadog' is not supported: obsgen reads Prometheus "
     "(spec.query) or CloudWatch (spec.namespace, metricName, stat, dimensions) [openslo-unsupported]"),
    ("  alertWhenBreaching: true", "  notificationTargets: [{targetRef: pager}]",
     "monitors/openslo/x.yaml:57:3: error: notification targets are not supported: obsgen routes alerts by severity "
     "(routing: in obsgen.yaml) [openslo-unsupported]"),
    ("lookbackWindow: 1h, alertAfter: 5m", "lookbackWindow: 1h, alertAfter: 10m",
     "monitors/openslo/x.yaml:63:95: error: alertAfter 10m: obsgen's condition also needs the burn over a short "
     "window of 1/12 of lookbackWindow; write alertAfter: 5m or leave it out [openslo-unsupported]"),
])
def test_each_construct_obsgen_does_not_read_is_one_located_error_saying_what_to_write(old: str, new: str,
                                                                                        expected: str) -> None:
    assert _problems(_changed(old, new)) == [expected]


def test_an_openslo_document_outside_monitors_openslo_is_told_to_move(tmp_path: Path) -> None:
    result = build(tmp_path, extra_files={"monitors/api.yaml": API_HEAD, "monitors/slo.yaml": API_OPENSLO.split("---")[0]})
    assert errors(result) == ["monitors/slo.yaml:1:13: error: an OpenSLO document; obsgen reads OpenSLO files under "
                              "monitors/openslo/, so move this file there [bad-api-version]"]


def test_a_problem_found_after_translation_points_into_the_openslo_file(tmp_path: Path) -> None:
    result = build(tmp_path, extra_files={"monitors/api.yaml": API_HEAD,
                                          "monitors/openslo/api.yaml": API_OPENSLO.replace("severity: warning", "severity: low")})
    assert errors(result) == ["monitors/openslo/api.yaml:75:13: error: unknown severity 'low'; expected one of: "
                              "critical, warning [unknown-severity]"]


def test_an_slo_of_a_service_that_does_not_exist_is_an_unknown_service(tmp_path: Path) -> None:
    result = build(tmp_path, extra_files={"monitors/openslo/api.yaml": API_OPENSLO})
    assert [e.split(": error: ")[0] for e in errors(result)] == ["monitors/openslo/api.yaml:34:12"]
    assert errors(result)[0].endswith("[unknown-service]")


def test_the_reader_reads_every_document_of_a_multi_document_file_at_its_own_lines() -> None:
    docs, problems = yaml_reader.load_all("x.yaml", "a: 1\n---\nb: &x 2\nc: *x\n---\n")
    assert problems == []
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2, "c": 2}]
    assert str(docs[1].span(("c",))) == "x.yaml:4:4"


def test_a_single_document_spec_file_still_refuses_a_second_document() -> None:
    assert [d.code for d in yaml_reader.load("x.yaml", "a: 1\n---\nb: 2\n")[1]] == ["multiple-documents"]
