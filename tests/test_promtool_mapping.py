"""promtool's output mapped back to the spec, on output captured from promtool 2.42 (no tool needed)."""

from __future__ import annotations

from obsgen.prometheus import promtool
from test_prometheus import SERVICE, compile_with

CHECK_OUTPUT = """\
Checking /tmp/x/payments.rules.yaml
  FAILED:
/tmp/x/payments.rules.yaml: 14:11: group "payments", rule 4, "PaymentQueueStuck": could not parse expression: \
1:21: parse error: unexpected <op:>>
"""
TEST_OUTPUT = """\
Unit Testing:  /tmp/x/tests/payments.0.test.yaml
  FAILED:
    alertname: PaymentQueueStuck, time: 5m, 
        exp:[], 
        got:[
            0:
              Labels:{alertname="PaymentQueueStuck", env="production"}
              Annotations:{}
            ]
    expr: "job:payments:rate5m", time: 1h30m,
        exp: {__name__="job:payments:rate5m"} 1E+00
        got: {__name__="job:payments:rate5m"} 0E+00
"""
TESTS = """\
tests:
  - input_series:
      - {series: payment_queue_depth, values: 200x100}
    alert_rule_test:
      - eval_time: 5m
        alertname: PaymentQueueStuck
    promql_expr_test:
      - expr: job:payments:rate5m
        eval_time: 90m
        exp_samples: [{labels: 'job:payments:rate5m', value: 1}]
"""


def test_a_promql_parse_error_points_inside_the_expression_of_its_rule(tmp_path):
    # obsgen's own parser refuses `>>` before promtool runs, so the rule is the same length with `>=`
    # and promtool's output is the one it gave for `>>`.
    result = compile_with(tmp_path, SERVICE.replace("payment_queue_depth > 100", "payment_queue_depth >= 100"))
    group = result.models["production"].rule_groups[0]
    found = [str(d) for d in promtool.rule_errors(group, CHECK_OUTPUT)]
    # the 21st character of `payment_queue_depth >= 100` is the `=`
    assert found == ["monitors/payments.yaml:23:33: error: promtool: could not parse expression: 1:21: "
                     "parse error: unexpected <op:>> [promtool]"]


def test_each_failed_case_is_reported_at_its_place_in_tests(tmp_path):
    result = compile_with(tmp_path, SERVICE + TESTS)
    assert result.ok, [str(d) for d in result.diagnostics]
    test = result.models["production"].rule_groups[0].tests[0]
    found = [str(d) for d in promtool.test_failures(test, TEST_OUTPUT)]
    assert len(found) == 2
    assert found[0].startswith("monitors/payments.yaml:30:9: error: alert test failed: PaymentQueueStuck at 5m: "
                               "exp:[], got:[ 0: Labels:{alertname=\"PaymentQueueStuck\"")
    assert found[1].startswith('monitors/payments.yaml:33:9: error: alert test failed: expr "job:payments:rate5m" '
                               "at 1h30m: exp: {__name__=")


def test_output_that_names_no_case_is_reported_at_the_test_group(tmp_path):
    result = compile_with(tmp_path, SERVICE + TESTS)
    test = result.models["production"].rule_groups[0].tests[0]
    found = [str(d) for d in promtool.test_failures(test, "  FAILED:\n    something odd\n")]
    assert found == ["monitors/payments.yaml:27:5: error: promtool test rules failed: FAILED: something odd "
                     "[test-failed]"]


def test_go_durations_read_as_promtool_prints_them():
    assert promtool.go_duration("1h30m") == 5400
    assert promtool.go_duration("1d") == 86400
    assert promtool.go_duration("0s") == 0
    assert promtool.go_duration("5x") is None


def test_an_error_promtool_ties_to_no_rule_is_reported_at_the_first_rule_without_temp_paths(tmp_path):
    group = compile_with(tmp_path).models["production"].rule_groups[0]
    output = ("Checking /tmp/obsgen-promtool-x/production/payments.rules.yaml\n  FAILED:\n"
              "lint error 1 duplicate rule(s) found.\nMetric: job:payments:rate5m\n")
    found = [str(d) for d in promtool.rule_errors(group, output)]
    assert found == ["monitors/payments.yaml:8:5: error: promtool: lint error 1 duplicate rule(s) found. "
                     "Metric: job:payments:rate5m [promtool]"]
