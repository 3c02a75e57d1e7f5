"""`obsgen validate --env ENV --prometheus-url URL`: a rate()-like range under twice the interval its
series is sampled at is a warning at the rule's expression. The intervals are the server's (GET
/api/v1/status/config): a real Prometheus started with chosen ones (skipped with the reason when the
binary is absent, unless OBSGEN_REQUIRE_TOOLS=1), and the API stub (prom_stub.py) answering with the
same configuration, for what a real server cannot be made to do (answer one path and not the other)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from typer.testing import CliRunner

from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.model import EnvironmentModel
from obsgen.prometheus import rate_ranges, scrape_config
from obsgen.prometheus.rate_ranges import range_uses
from prom_stub import Stub, serving
from prom_tools import free_port, prometheus_server
from spec_builder import make_project

runner = CliRunner()
# The Prometheus of these tests: every 30s by default, job "api" every 15s, job "batch" every 2m, rules
# (and subqueries without a step) every 15s.
SCRAPE_CONFIGS = [{"job_name": "api", "scrape_interval": "15s", "static_configs": [{"targets": ["127.0.0.1:9"]}]},
                  {"job_name": "batch", "scrape_interval": "2m", "static_configs": [{"targets": ["127.0.0.1:9"]}]}]
# What Prometheus 2.42 answers at /api/v1/status/config for that file (trimmed to what is read).
CONFIG = """\
global:
  scrape_interval: 30s
  scrape_timeout: 10s
  evaluation_interval: 15s
scrape_configs:
- job_name: api
  honor_timestamps: true
  scrape_interval: 15s
  static_configs:
  - targets:
    - 127.0.0.1:9
- job_name: batch
  scrape_interval: 2m
  scrape_timeout: 10s
"""
SERVICE = """\
apiVersion: obsgen/v1
kind: Service
service: shop
owner: team-shop
prometheus:
  interval: 30s
recording_rules:
  - record: job:api_requests:rate30s
    expr: sum by (job) (rate(http_requests_total{job="api"}[30s]))
  - record: job:batch_runs:rate2m
    expr: sum(rate(batch_runs_total{job="batch"}[2m]))
monitors:
  api-idle:
    summary: The API gets no requests.
    promql: sum(rate(http_requests_total{job="api"}[30s])) < 1
    severity: critical
  orders-burst:
    summary: Too many orders.
    promql: rate(orders_total[45s]) > 5
    severity: warning
  orders-increase:
    summary: Too many orders in a minute.
    promql: increase(orders_total[1m]) > 300
    severity: warning
  batch-stalled:
    summary: The batch runs nothing.
    promql: rate(batch_runs_total{job="batch"}[3m]) < 0.01
    severity: warning
  queue-growing:
    summary: The queue grows.
    promql: deriv(queue_depth{job="queue"}[30s]) > 0
    severity: warning
  api-trend:
    summary: API traffic falls.
    promql: deriv(job:api_requests:rate30s[45s]) < 0
    severity: warning
  api-jumpy:
    summary: API traffic jumps.
    promql: max_over_time(deriv(sum(http_requests_total)[5m:1m])[1h:]) > 10 and rate(sum(up)[1m:1m]) > 0
    severity: warning
  api-smooth:
    summary: API traffic, smoothed.
    promql: rate(sum(http_requests_total)[20s:]) > 100
    severity: warning
"""


def line_of(text: str) -> int:
    return next(i for i, line in enumerate(SERVICE.splitlines(), 1) if text in line)


def value_at(text: str, key: str) -> str:
    """`monitors/shop.yaml:L:C` of the value of `key:` on the line holding `text`."""
    line = line_of(text)
    return f"monitors/shop.yaml:{line}:{SERVICE.splitlines()[line - 1].index(key + ': ') + len(key) + 3}"


# Where a warning is expected, and not: 2x or more of the right interval passes.
WARNED = {value_at("rate(orders_total[45s])", "promql"),  # 45s < 2 x the global 30s
          value_at('{job="batch"}[3m]', "promql"),  # 3m < 2 x batch's 2m (2 x the global 30s would pass it)
          value_at('{job="queue"}[30s]', "promql"),  # no job "queue": the global 30s
          value_at("job:api_requests:rate30s[45s]", "promql"),  # recorded every 30s by group shop
          value_at("[1m:1m]", "promql"),  # a subquery's step of 1m
          value_at("[20s:]", "promql"),  # the evaluation interval of 15s, the default step
          value_at('{job="batch"}[2m]))', "expr")}  # a recording rule's own


def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", extra_files={"monitors/shop.yaml": SERVICE})


def model_of(root: Path) -> EnvironmentModel:
    build = compile_project(root, ["production"])
    assert build.ok, [str(d) for d in build.diagnostics]
    return build.models["production"]


def validate(root: Path, *args: str):
    return runner.invoke(app, ["validate", "-C", str(root), *args])


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    state = Stub(set(), config=CONFIG)
    with serving(state) as url:
        yield state, url


# --- which ranges, which intervals ------------------------------------------------------------------


def test_range_vectors_under_the_functions_needing_two_samples_are_found_with_their_job_and_step():
    uses = range_uses('rate(x{job="a",code="5"}[1m] offset 5m) / irate((y[30s])) + avg_over_time(z[10s])'
                      " + predict_linear(d[1h], 60) + deriv(sum(q)[5m:]) + max_over_time(delta(g[2m])[1h:1m])")
    assert [(u.function, u.text, u.range, u.job, u.subquery, u.step) for u in uses] == [
        ("rate", 'x{code="5",job="a"}[1m]', 60, "a", False, None),
        ("irate", "y[30s]", 30, None, False, None),
        ("predict_linear", "d[1h]", 3600, None, False, None),
        ("deriv", "sum(q)[5m:]", 300, None, True, None),
        ("delta", "g[2m]", 120, None, False, None)]
    assert range_uses('rate(x{job=~"a"}[1m])')[0].job is None  # only `job="..."` names one job
    assert range_uses("rate(x[1m]") == () and range_uses("sum(x)") == ()


def test_the_loaded_configuration_gives_the_global_intervals_and_each_jobs_own():
    intervals = scrape_config.parse(CONFIG, "http://prometheus:9090")
    assert (intervals.scrape, intervals.evaluation, intervals.jobs) == (30, 15, {"api": 15, "batch": 120})
    assert scrape_config.parse("global: {scrape_interval: 1m}\n", "u").evaluation == 60  # the default, if absent
    # Prometheus fills in every default: without global.scrape_interval the text is not a scraping
    # Prometheus's (Mimir's own configuration, say), and no interval is guessed
    for broken in ("- a list\n", "global: {scrape_interval: often}\n", "a: [unclosed\n", "global: {}\n",
                   "target: all\nserver: {http_listen_port: 8080}\n"):
        with pytest.raises(scrape_config.UnreadableConfig):
            scrape_config.parse(broken, "u")


# --- against the stub --------------------------------------------------------------------------------


def test_a_range_under_twice_its_interval_is_a_warning_at_the_rules_expression_and_2x_is_not(tmp_path, stub):
    state, url = stub
    checked = rate_ranges.check(model_of(project(tmp_path)), url, timeout=60)
    assert state.requests[0][0] == "/api/v1/status/config"
    assert {str(d.span) for d in checked.diagnostics} == WARNED
    assert len(checked.diagnostics) == len(WARNED) and checked.checked == 11
    assert {d.code for d in checked.diagnostics} == {"promql-range-too-short"}


def test_the_message_names_the_function_the_range_the_interval_used_and_what_to_write(tmp_path, stub):
    _, url = stub
    found = {str(d.span): d.message for d in rate_ranges.check(model_of(project(tmp_path)), url, 60).diagnostics}
    batch = found[value_at('{job="batch"}[3m]', "promql")]
    assert batch == (f'alert BatchStalled reads rate(batch_runs_total{{job="batch"}}[3m]), whose 3m range is '
                     f'under twice the scrape_interval of job "batch" (2m) in Prometheus at {url} (GET '
                     "/api/v1/status/config): "
                     "rate() needs two samples in its range and this one holds one sample at some evaluations, when "
                     "it returns nothing: the alert fires late or not at all; write a range of 4m or more (8m also "
                     "survives a missed sample)")
    assert "twice the global scrape_interval (30s; its configuration has no job \"queue\")" in \
        found[value_at('{job="queue"}[30s]', "promql")]
    assert "at most one sample at nearly every evaluation" in found[value_at('{job="queue"}[30s]', "promql")]
    assert "twice the evaluation interval of rule group shop, which records it (30s): deriv()" in \
        found[value_at("job:api_requests:rate30s[45s]", "promql")]
    subquery = found[value_at("[1m:1m]", "promql")]
    assert "rate(sum(up)[1m:1m]), whose 1m range is under twice the subquery's step (1m):" in subquery
    assert subquery.endswith("write a range of 2m or more")  # no server interval, no missed scrape
    assert "twice the global evaluation_interval, the step of a subquery without one (15s) in Prometheus" in \
        found[value_at("[20s:]", "promql")]
    assert found[value_at('{job="batch"}[2m]))', "expr")].startswith("recording rule job:batch_runs:rate2m reads ")


def test_validate_warns_and_exits_0_and_a_prometheus_that_hides_its_configuration_is_a_note(tmp_path, stub):
    state, url = stub
    root = project(tmp_path)
    result = validate(root, "--env", "production", "--prometheus-url", url)
    assert result.exit_code == 0, result.output
    assert result.output.count("[promql-range-too-short]") == len(WARNED)
    assert (f"prometheus: 11 range(s) under rate() and the like in the rules of production compared with the "
            f"intervals of {url} (global scrape_interval 30s, 2 job(s)); 7 warning(s) at ranges under twice the "
            "interval") in result.output
    state.config = None  # the series API answers, the configuration is a proxy's 502 page
    hidden = validate(root, "--env", "production", "--prometheus-url", url)
    # Thanos and Mimir publish no configuration: the series check stands, the ranges are a note
    assert hidden.exit_code == 0 and "[promql-range-too-short]" not in hidden.output, hidden.output
    assert "note: Prometheus did not give its configuration (/api/v1/status/config), so no range was checked: " \
           "http://127.0.0.1:" in hidden.output and "HTTP 502" in hidden.output
    assert "selector(s) of" in hidden.output  # the series check's summary line


def test_no_prometheus_at_the_url_is_the_series_checks_error_and_no_range_is_asked(tmp_path):
    result = validate(project(tmp_path), "--env", "production", "--prometheus-url",
                      f"http://user:secret@127.0.0.1:{free_port()}")
    assert result.exit_code == 1 and "error: Prometheus did not answer, so no series was checked" in result.output
    assert "range" not in result.output and "secret" not in result.output


# --- a real Prometheus ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.tools
def test_a_real_prometheus_gives_its_intervals_and_the_short_ranges_are_warned(tmp_path):
    root = project(tmp_path)
    with prometheus_server(tmp_path / "prom", [], scrape_interval="30s", scrape_configs=SCRAPE_CONFIGS) as server:
        intervals = scrape_config.read(server.url, timeout=10)
        result = validate(root, "--env", "production", "--prometheus-url", server.url)
    assert (intervals.scrape, intervals.evaluation, intervals.jobs) == (30, 15, {"api": 15, "batch": 120})
    assert result.exit_code == 0, result.output
    warned = {text.split(": warning")[0] for text in result.output.splitlines() if "[promql-range-too-short]" in text}
    assert warned == WARNED
    assert "(global scrape_interval 30s, 2 job(s)); 7 warning(s)" in result.output
