"""Issue #19 item 5: each SLO's remaining error budget on its dashboards (CloudWatch and Grafana) and one
runbook page per SLO that says, per environment, what each tier means in numbers."""

from __future__ import annotations

import json

import pytest
import yaml

from obsgen.compiler import Build
from obsgen.evaluator.math_eval import MetricInput, Program

from spec_builder import PROJECT, build, errors

TWO_ENVS = PROJECT + """\
  staging:
    account: "123456789013"
    region: us-west-2
"""

API_SERVICE = """\
apiVersion: obsgen/v1
kind: Service
service: api
owner: team-api
resources:
  gateway: {type: apigateway, name: "shop-api-${env}"}
slos:
  availability:
    summary: "Requests to the *shop* API succeed <b>"
    objective: 99.9%
    window: 30d
    sli:
      bad: {resource: gateway, metric: 5XXError}
      valid: {resource: gateway, metric: Count}
    page: {severity: critical}
    ticket: {severity: warning}
  fast:
    objective: 99%
    window: 28d
    sli:
      latency: {resource: gateway, metric: Latency, slower_than: 500}
    page: {severity: critical}
    ticket: {severity: warning}
"""

CHECKOUT_SERVICE = """\
apiVersion: obsgen/v1
kind: Service
service: checkout
owner: team-checkout
slos:
  latency:
    summary: Checkout answers within half a second.
    objective: 99%
    window: 28d
    sli:
      histogram: {metric: http_request_duration_seconds, selector: 'job="checkout"', slower_than: "0.5"}
    page: {severity: critical}
    ticket: {severity: warning}
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Build:
    made = build(tmp_path_factory.mktemp("slo-pages"), project=TWO_ENVS,
                 extra_files={"monitors/api.yaml": API_SERVICE, "monitors/checkout.yaml": CHECKOUT_SERVICE})
    assert errors(made) == []
    return made


def _widgets(result: Build, env: str = "production") -> list[dict]:
    return json.loads(result.files[f"{env}/cloudwatch/dashboards/shop-{env}-api.json"])["widgets"]


def _budget_widgets(result: Build, slo: str) -> list[dict]:
    return [w["properties"] for w in _widgets(result) if w["type"] == "metric"
            and w["properties"]["title"].startswith(f"SLO {slo}: error budget left")]


# --- CloudWatch dashboard ---------------------------------------------------------------------------


def test_the_dashboard_shows_the_budget_left_over_exactly_the_last_slo_window_as_one_number(result: Build) -> None:
    number, _ = _budget_widgets(result, "availability")
    assert number["view"] == "singleValue"
    assert number["start"] == "-P30D" and number["setPeriodToTimeRange"] is True
    assert number["metrics"][-1][0]["expression"] == "1 - (IF(valid > 0, FILL(bad, 0) / valid, 0)) / 0.001"
    assert [row[-1]["period"] for row in number["metrics"][:2]] == [30 * 86400, 30 * 86400]


def test_the_dashboard_graphs_the_budget_left_day_by_day_since_the_window_began(result: Build) -> None:
    _, graph = _budget_widgets(result, "availability")
    assert graph["start"] == "-P30D" and graph["period"] == 86400 and "setPeriodToTimeRange" not in graph
    assert graph["annotations"]["horizontal"][0]["value"] == 0


def test_a_28_day_latency_slo_reads_its_budget_over_28_days_from_the_percentile_rank(result: Build) -> None:
    number, graph = _budget_widgets(result, "fast")
    assert number["start"] == graph["start"] == "-P28D"
    assert number["metrics"][-1][0]["expression"] == "1 - (IF(requests > 0, 1 - fast / 100, 0)) / 0.01"
    assert [row[-1]["stat"] for row in number["metrics"][:2]] == ["PR(:500)", "SampleCount"]
    assert "RUNNING_SUM((1 - fast / 100) * requests)" in graph["metrics"][-1][0]["expression"]


def _run(widget: dict, points: int, inputs: dict[str, list]) -> list:
    metrics = [MetricInput(row[-1]["id"], row[-1]["period"]) for row in widget["metrics"][:-1]]
    expression = widget["metrics"][-1][0]
    program = Program(metrics, {expression["id"]: expression["expression"]}, expression["id"])
    return program.run([86400.0 * i for i in range(points)], inputs)


def test_half_the_budget_spent_leaves_half_on_both_widgets_by_cloudwatchs_metric_math(result: Build) -> None:
    number, graph = _budget_widgets(result, "availability")
    # 0.05 % of requests failing is half of a 0.1 % budget
    assert _run(number, 1, {"bad": [150.0], "valid": [300_000.0]}) == [pytest.approx(0.5)]
    by_day = _run(graph, 30, {"bad": [5.0] * 30, "valid": [10_000.0] * 30})
    assert by_day[0] == pytest.approx(0.5) and by_day[-1] == pytest.approx(0.5)
    spent = _run(graph, 3, {"bad": [0.0, 20.0, 20.0], "valid": [10_000.0] * 3})  # 40 of 30,000: 133 % of budget
    assert spent == [pytest.approx(1.0), pytest.approx(1 - 20 / 20_000 / 0.001), pytest.approx(1 - 40 / 30_000 / 0.001)]
    assert spent[-1] < 0  # overspent: below the "budget spent" line


# --- Grafana ------------------------------------------------------------------------------------------


def test_the_slos_grafana_row_shows_the_budget_left_from_a_record_its_rule_group_writes(result: Build) -> None:
    dashboard = json.loads(result.files["production/grafana/checkout.json"])
    panels = dashboard["panels"]
    row = next(i for i, p in enumerate(panels) if p["type"] == "row" and p["title"] == "slo-latency")
    budget = panels[row + 1]
    assert budget["title"] == "SLO latency: error budget left over 28d (99%)"
    expr = budget["targets"][0]["expr"]
    assert expr.startswith("slo:period_error_budget_remaining:ratio{")
    assert 'sloth_id="checkout-latency"' in expr
    (group,) = yaml.safe_load(result.files["production/prometheus/checkout.rules.yaml"])["groups"]
    records = {r["record"]: r for r in group["rules"] if "record" in r}
    assert records["slo:period_error_budget_remaining:ratio"]["labels"]["sloth_id"] == "checkout-latency"
    assert "slo:sli_error:ratio_rate28d" in records  # what the remaining budget is read from


# --- runbook pages --------------------------------------------------------------------------------------


def test_each_slo_has_a_runbook_page_with_every_tier_in_numbers_for_a_30_day_window(result: Build) -> None:
    page = result.files["runbooks/_slos/api/availability.md"]
    assert "### production" in page and "### staging" in page
    assert ("2% of the 30d budget spent in 1h: burn rate 14.4, an error ratio above 1.44% (0.0144) over 1h and "
            "over 5m. At this rate the 30d budget is gone in 2d2h.") in page
    assert "| ticket | 10% | 3d | 6h | 1 | 0.001 | 30d |" in page
    assert "the error budget is 0.1% of the valid events of any 30d" in page


def test_a_28_day_slo_page_has_the_28_day_factors(result: Build) -> None:
    page = result.files["runbooks/_slos/api/fast.md"]
    assert "burn rate 13.44, an error ratio above 13.44% (0.1344)" in page
    assert "| ticket | 10% | 1d | 2h | 2.8 | 0.028 | 10d |" in page
    prometheus = result.files["runbooks/_slos/checkout/latency.md"]
    assert "| page | 5% | 6h | 30m | 5.6 | 0.056 | 5d |" in prometheus
    assert "Grafana: import `generated/production/grafana/checkout.json`" in prometheus
    assert "(label `sloth_severity=ticket`)" in prometheus


def test_the_page_links_each_environments_dashboard_in_its_region_and_the_tiers_pages(result: Build) -> None:
    page = result.files["runbooks/_slos/api/availability.md"]
    assert ("https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#dashboards/dashboard/"
            "shop-staging-api") in page
    assert "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/" \
           "shop-production-api" in page
    assert "#alarmsV2:alarm/shop-api-slo-availability-page-production" in page
    assert "[`slo-availability-page`](../../api/slo-availability-page.md)" in page


def test_the_slos_summary_is_escaped_as_on_every_runbook_page(result: Build) -> None:
    page = result.files["runbooks/_slos/api/availability.md"]
    assert r"**Requests to the \*shop\* API succeed \<b>**" in page
    html = result.files["site/_slos/api/availability.html"]
    article = html.split("<article", 1)[1].split("</article>", 1)[0]
    assert "&lt;b&gt;" in article and "<b>" not in article


def test_the_site_index_lists_every_slo_and_its_page_is_laid_out_by_environment(result: Build) -> None:
    index = result.files["site/index.html"]
    assert '<a href="_slos/api/availability.html">api/availability</a>' in index
    assert '<a href="_slos/checkout/latency.html">checkout/latency</a>' in index
    html = result.files["site/_slos/api/availability.html"]
    assert '<section data-env="staging">' in html and '<section data-env="production" class="production">' in html
    assert 'href="../../api/slo-availability-page.html"' in html  # the site links the tier's page
    assert 'href="../../_assets/style.css"' in html
