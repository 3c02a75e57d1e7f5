"""PromQL parsed in-process (issue 14, item 8): a syntax error is a located error with or without
promtool, pointed at the character at fault in the spec."""

from __future__ import annotations

import time

import pytest
from typer.testing import CliRunner

from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.conventions import expand, template_offset
from obsgen.prometheus import promtool
from obsgen.prometheus.promql import syntax_error
from spec_builder import PROJECT, make_project
from test_prometheus import SERVICE, located

runner = CliRunner()
EXAMPLE = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_the_issues_expression_fails_validate_without_promtool(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSGEN_PROMTOOL", str(tmp_path / "no-promtool-here"))  # pre-commit's hook environment
    root = tmp_path / "project"
    make_project(root, project=PROJECT, extra_files={"monitors/payments.yaml": SERVICE.replace(
        "payment_queue_depth > 100", "sum(rate(payment_queue_depth[5m]) > 0.05")})
    result = runner.invoke(app, ["validate", "-C", str(root)])
    assert result.exit_code == 1
    # `    promql: ` is 12 characters; column 16 is the `(` after `sum`, the one never closed
    assert result.stderr.splitlines()[0] == ("monitors/payments.yaml:23:16: error: invalid PromQL: unclosed left "
                                             "parenthesis: this '(' is never closed [promql]")


@pytest.mark.parametrize(("expr", "offset", "message"), [
    ("sum(rate(x[5m])) > > 1", 19, "unexpected '>'"),
    ("sum by job (x)", 7, "unexpected identifier 'job'"),
    ("up bar", 3, "unexpected identifier 'bar'"),
    ("x +", 3, "unexpected end of the expression: it stops too early"),
    ("rate(x[5m]", 4, "unclosed left parenthesis: this '(' is never closed"),
    ("x / nosuchfn(y)", 4, "unknown function with name 'nosuchfn'"),
    ("1 + rate(x)", 4, "expected type matrix in call to function 'rate', got vector"),
    ("x)", 1, "unexpected right parenthesis ')'"),
])
def test_a_syntax_error_is_placed_on_the_character_at_fault(expr, offset, message):
    problem = syntax_error(expr)
    assert problem is not None
    assert (problem.offset, problem.message) == (offset, message)


@pytest.mark.parametrize("expr", [
    "job:payment_errors:rate5m / job:payments:rate5m > 0.05",
    'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) > 1',
    "holt_winters(x[10m], 0.5, 0.5) > 1",  # Prometheus 2's name, which promtool 2.x still takes
    "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > 0.5 # a comment",
    "absent(up{job=\"api\"})",
])
def test_valid_promql_has_no_syntax_error(expr):
    assert syntax_error(expr) is None


def test_a_character_a_template_variable_gave_is_blamed_on_its_dollar_brace():
    template = 'x{env="${env}"} >> ${limit}'
    variables = {"env": "production", "limit": "5"}
    expanded = expand(template, variables)
    assert template_offset(template, variables, expanded.index(">>") + 1) == template.index(">>") + 1
    assert template_offset(template, variables, expanded.index("production") + 3) == template.index("${env}")
    assert template_offset(template, variables, len(expanded) - 1) == template.index("${limit}")


def test_an_error_after_a_template_is_located_in_the_spec(tmp_path):
    service = SERVICE.replace("payment_queue_depth > 100", 'payment_queue_depth{env="${env}"} >> 100')
    # `    promql: ` is 12 characters; the second `>` is the 36th of the expression as written
    assert located(tmp_path, service) == ["monitors/payments.yaml:23:48: error: invalid PromQL: unexpected '>' [promql]"]


def test_recording_rules_and_expression_tests_are_parsed_too(tmp_path):
    service = SERVICE.replace("expr: sum by (job) (rate(payments_total[5m]))",
                              "expr: sum by (job) (rate(payments_total[5m])") + """\
tests:
  - input_series:
      - {series: payment_queue_depth, values: 200x100}
    promql_expr_test:
      - expr: job:payments:rate5m[
        eval_time: 90m
        exp_samples: [{labels: 'job:payments:rate5m', value: 1}]
"""
    found = located(tmp_path, service)
    assert found == [
        "monitors/payments.yaml:11:24: error: invalid PromQL: unclosed left parenthesis: this '(' is never closed [promql]",
        # the second recording rule's `(` before `rate`, and just past the `[` the test's expression ends with
        "monitors/payments.yaml:30:35: error: invalid PromQL: unexpected end of input inside brackets [promql]",
    ]


def test_without_promtool_the_note_says_the_syntax_was_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSGEN_PROMTOOL", str(tmp_path / "no-promtool-here"))
    build = compile_project(EXAMPLE)
    assert promtool.check_promql(build) == promtool.PROMTOOL_MISSING
    assert "syntax was checked in-process" in promtool.PROMTOOL_MISSING


def test_the_example_projects_rules_all_parse():
    build = compile_project(EXAMPLE)
    exprs = {rule.expr for model in build.models.values() for group in model.rule_groups
             for rule in (*group.alerts, *group.recording_rules)}
    assert len(exprs) >= 20
    assert [e for e in exprs if syntax_error(e) is not None] == []
