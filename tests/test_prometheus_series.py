"""`obsgen validate --env ENV --prometheus-url URL`: an alert whose selectors match no series in Prometheus
is a warning at its `promql`. Against a real Prometheus fed by rules that record constant series (skipped
with the reason when the binary is absent, unless OBSGEN_REQUIRE_TOOLS=1), and against a small HTTP stub
that answers `GET /api/v1/series` as https://prometheus.io/docs/prometheus/latest/querying/api/ says,
for what a real server cannot be made to do (refuse one selector, run out of time)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from typer.testing import CliRunner

from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.model import EnvironmentModel
from obsgen.prometheus import http_api, series_presence
from obsgen.prometheus.selectors import selectors
from prom_stub import Stub, serving
from prom_tools import free_port, prometheus_server
from spec_builder import PROJECT, make_project

runner = CliRunner()
HEAD = "apiVersion: obsgen/v1\nkind: Service\nservice: checkout\nowner: team-checkout\n"
SERVICE = HEAD + """\
recording_rules:
  - record: job:checkout_requests:rate5m
    expr: sum by (job) (rate(http_requests_total{job="checkout"}[5m]))
  - record: job:orders:rate5m
    expr: sum(rate(orders_total[5m]))
  - record: queue:depth:max
    expr: max(queue_depth{queue="orders"})
monitors:
  checkout-traffic:
    summary: Checkout gets no requests.
    promql: sum(rate(http_requests_total{job="checkout"}[5m])) < 1
    severity: critical
  checkout-typo:
    summary: Checkout gets no requests (the job misspelt).
    promql: sum(rate(http_requests_total{job="chekout"}[5m])) < 1
    severity: critical
  checkout-gone:
    summary: Checkout's series are gone.
    promql: absent(http_requests_total{job="chekout"})
    severity: warning
  checkout-rate:
    summary: Checkout's recorded rate is low.
    promql: job:checkout_requests:rate5m < 1
    severity: warning
  orders-rate:
    summary: No orders.
    promql: job:orders:rate5m < 1
    severity: warning
"""
# What the Prometheus under test holds: the series the alerts above should find, recorded as constants.
FEED = """\
groups:
  - name: feed
    interval: 1s
    rules:
      - record: http_requests_total
        expr: vector(1)
        labels: {job: checkout}
      - record: queue_depth
        expr: vector(3)
        labels: {queue: orders}
"""
PRESENT = {'http_requests_total{job="checkout"}', 'queue_depth{queue="orders"}'}


def line_of(text: str) -> int:
    return next(i for i, line in enumerate(SERVICE.splitlines(), 1) if text in line)


def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", extra_files={"monitors/checkout.yaml": SERVICE})


def model_of(root: Path) -> EnvironmentModel:
    build = compile_project(root, ["production"])
    assert build.ok, [str(d) for d in build.diagnostics]
    return build.models["production"]


# --- which selectors are asked --------------------------------------------------------------------


def test_selectors_are_printed_as_series_selectors_without_offsets_once_each():
    expr = ('sum(rate(http_requests_total{job="api",code=~"5.."}[5m] offset 1h))'
            ' / sum(rate(http_requests_total{code=~"5..", job="api"}[5m] @ 100))')
    assert [s.text for s in selectors(expr)] == ['http_requests_total{code=~"5..",job="api"}']
    assert [s.text for s in selectors('{__name__="up", job="a\\"b"}')] == ['up{job="a\\"b"}']
    assert [s.text for s in selectors("max_over_time(rate(y[1m])[1h:]) > time() - z")] == ["y", "z"]


def test_selectors_under_absent_are_left_out_and_invalid_promql_has_none():
    assert [s.text for s in selectors('absent(up{job="x"}) or absent_over_time(foo[5m]) or bar')] == ["bar"]
    assert selectors("vector(1)") == ()
    assert selectors("sum(") == ()


def test_a_recorded_series_is_checked_through_its_inputs_and_an_unread_rule_on_its_own(tmp_path):
    rules = {r.name: r for r in series_presence.wanted(model_of(project(tmp_path)))}
    through = {(r.selector.text, r.through) for r in rules["CheckoutRate"].readings}
    assert through == {('http_requests_total{job="checkout"}', "job:checkout_requests:rate5m")}
    assert rules["CheckoutGone"].readings == ()
    assert "job:checkout_requests:rate5m" not in rules and "job:orders:rate5m" not in rules  # read by alerts
    assert rules["queue:depth:max"].kind == "recording rule"
    assert [r.selector.text for r in rules["queue:depth:max"].readings] == ['queue_depth{queue="orders"}']


# --- a stub that answers like the API page (prom_stub.py) -------------------------------------------


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    state = Stub(PRESENT)
    with serving(state) as url:
        yield state, url


def test_each_distinct_selector_is_asked_once_for_the_past_3_hours_with_limit_1(tmp_path, stub):
    state, url = stub
    checked = series_presence.check(model_of(project(tmp_path)), url, timeout=60)
    asked = sorted(query["match[]"][0] for _, query in state.requests)
    assert asked == ['http_requests_total{job="checkout"}', 'http_requests_total{job="chekout"}', "orders_total",
                     'queue_depth{queue="orders"}']
    path, query = state.requests[0]
    assert path == "/api/v1/series" and query["limit"] == ["1"]
    assert float(query["end"][0]) - float(query["start"][0]) == 3 * 3600
    assert checked.presence.requests == 4 and checked.presence.unchecked == []


def test_a_misspelt_label_value_is_one_warning_at_the_alerts_promql(tmp_path, stub):
    _, url = stub
    checked = series_presence.check(model_of(project(tmp_path)), url, timeout=60)
    found = {(d.span.line, d.code): d.message for d in checked.diagnostics}
    typo = found[(line_of('job="chekout"}[5m])) < 1'), "promql-no-series")]
    assert typo.startswith('alert CheckoutTypo reads http_requests_total{job="chekout"}, which matches no series')
    orders = found[(line_of("promql: job:orders:rate5m"), "promql-no-series")]
    assert "reads orders_total (through recorded series job:orders:rate5m)" in orders
    assert len(checked.diagnostics) == 2  # the matching, absent() and recorded-and-present alerts: nothing
    line = line_of('job="chekout"}[5m])) < 1')
    column = SERVICE.splitlines()[line - 1].index("sum(") + 1  # the promql's value
    assert f"monitors/checkout.yaml:{line}:{column}" in {str(d.span) for d in checked.diagnostics}


def test_an_overridden_promql_is_blamed_at_the_override_and_an_slo_once_at_its_sli(tmp_path, stub):
    slo = """\
slos:
  latency:
    summary: Requests are answered within 500 ms.
    objective: 99%
    window: 28d
    sli:
      histogram: {metric: http_request_duration_seconds, selector: 'job="checkout"', slower_than: "0.5"}
    page: {severity: critical}
    ticket: {severity: warning}
"""
    overrides = "    overrides:\n      checkout/checkout-typo: {promql: 'sum(rate(http_requests_total{job=\"chekout2\"}[5m])) < 1'}\n"
    root = make_project(tmp_path / "project", project=PROJECT + overrides,
                        extra_files={"monitors/checkout.yaml": SERVICE + slo})
    _, url = stub
    found = {str(d.span): d.message for d in series_presence.check(model_of(root), url, timeout=60).diagnostics}
    override = f"monitors/obsgen.yaml:{PROJECT.count(chr(10)) + 2}:{overrides.splitlines()[1].index(chr(39)) + 1}"
    assert found[override].startswith('alert CheckoutTypo reads http_requests_total{job="chekout2"},')
    sli_line = (SERVICE + slo).splitlines().index("    sli:") + 1
    at_sli = found[f"monitors/checkout.yaml:{sli_line + 1}:7"]  # the SLI's value: one warning for all its rules
    assert at_sli.startswith("alert LatencyErrorBudgetBurn and recording rules ")
    assert "http_request_duration_seconds_bucket{" in at_sli and "cannot fire on them" in at_sli


def test_a_selector_prometheus_refuses_is_noted_not_reported_and_the_time_limit_leaves_the_rest(stub):
    state, url = stub
    state.refused = {"bad"}
    presence = series_presence.read_presence(url, ["bad", "orders_total"], timeout=60)
    assert presence.failed == {"bad": 'bad_data: invalid parameter "match[]"'}
    assert presence.found == {"orders_total": False}
    ticks = iter([0.0, 1.0, 99.0, 99.0])
    late = series_presence.read_presence(url, ["a", "b"], timeout=10, clock=lambda: next(ticks))
    assert late.found == {"a": False} and late.unchecked == ["b"] and late.requests == 1


def test_no_prometheus_at_the_url_or_a_proxy_page_is_unreachable_without_the_password(stub):
    with pytest.raises(http_api.PrometheusUnreachable, match="Connection refused"):
        series_presence.read_presence(f"http://127.0.0.1:{free_port()}", ["up"], timeout=5)
    _, url = stub
    with pytest.raises(http_api.PrometheusUnreachable, match="HTTP 502") as raised:
        http_api.get(url.replace("http://", "http://user:secret@"), "/elsewhere", timeout=5)
    assert "secret" not in str(raised.value)


def test_a_user_and_password_in_the_url_are_sent_as_basic_authentication(stub):
    state, url = stub
    http_api.get(url.replace("http://", "http://ops:s%40cret@"), "/api/v1/series", [("match[]", "up")], timeout=5)
    assert state.authorizations == ["Basic b3BzOnNAY3JldA=="]  # base64 of ops:s@cret


# --- the command ------------------------------------------------------------------------------------


def validate(root: Path, *args: str):
    return runner.invoke(app, ["validate", "-C", str(root), *args])


def test_validate_with_prometheus_url_warns_and_exits_0(tmp_path, stub):
    _, url = stub
    root = project(tmp_path)
    result = validate(root, "--env", "production", "--prometheus-url", url)
    assert result.exit_code == 0, result.output
    line = line_of('job="chekout"}[5m])) < 1')
    assert f"monitors/checkout.yaml:{line}:" in result.output and "[promql-no-series]" in result.output
    assert "prometheus: 4 selector(s) of 6 rule(s) of production asked" in result.output
    assert "2 warning(s) at rules whose selectors have no series in the past 3 hours" in result.output


def test_validate_reports_an_unreachable_prometheus_as_an_error_after_the_spec_exit_1(tmp_path):
    result = validate(project(tmp_path), "--env", "production", "--prometheus-url",
                      f"http://user:secret@127.0.0.1:{free_port()}")
    assert result.exit_code == 1
    assert "error: Prometheus did not answer, so no series was checked" in result.output
    assert "secret" not in result.output and "Traceback" not in result.output


def test_prometheus_url_needs_env_and_an_http_url_exit_2(tmp_path):
    root = project(tmp_path)
    assert validate(root, "--prometheus-url", "http://127.0.0.1:9").exit_code == 2
    refused = validate(root, "--env", "production", "--prometheus-url", "file:///etc/passwd")
    assert refused.exit_code == 2 and "expected an http:// or https:// URL" in refused.output


# --- a real Prometheus ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.tools
def test_a_real_prometheus_finds_what_it_records_and_not_the_misspelt_job(tmp_path):
    feed = tmp_path / "feed.rules.yaml"
    feed.write_text(FEED)
    root = project(tmp_path)
    with prometheus_server(tmp_path / "prom", [feed]) as server:
        server.evaluated_rules()
        result = validate(root, "--env", "production", "--prometheus-url", server.url)
    assert result.exit_code == 0, result.output
    warned = sorted(int(text.split(":")[1]) for text in result.output.splitlines() if "[promql-no-series]" in text)
    assert warned == [line_of('job="chekout"}[5m])) < 1'), line_of("promql: job:orders:rate5m")]
    assert 'reads http_requests_total{job="chekout"}, which matches no series' in result.output
    assert "2 warning(s) at rules whose selectors have no series" in result.output
