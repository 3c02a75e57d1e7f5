"""Names the docs promise (issue #14, item 3b): severities like P1..P3, `vars:` names with '_', and a
wrong name reported once, where it is defined."""

from __future__ import annotations

from pathlib import Path

from spec_builder import PROJECT, build, errors

MONITOR = """\
errors:
  summary: The orders function fails.
  resource: fn
  metric: Errors
  statistic: Sum
  threshold: "> 5"
  severity: {severity}
"""


def _with_severities(critical: str, warning: str) -> str:
    return PROJECT.replace("  critical:", f"  {critical}:").replace("  warning:", f"  {warning}:").replace(
        "severities: [critical, warning]", f"severities: [{critical}, {warning}]")


def test_uppercase_severity_names_like_p1_are_accepted(tmp_path: Path) -> None:
    result = build(tmp_path, MONITOR.format(severity="P1"), project=_with_severities("P1", "P2"))
    assert result.ok, errors(result)
    assert "Severity: P1 (respond within 15m" in result.files["production/cloudwatch/orders.json"]


def test_a_severity_differing_only_in_case_gets_a_did_you_mean(tmp_path: Path) -> None:
    result = build(tmp_path, MONITOR.format(severity="Critical"))
    assert errors(result) == ["monitors/orders.yaml:14:15: error: unknown severity 'Critical' (did you mean "
                              "'critical'?) [unknown-severity]"]


def test_an_invalid_severity_name_is_reported_once_at_its_definition_not_at_each_reference(tmp_path: Path) -> None:
    project = _with_severities("p_1", "warning")
    result = build(tmp_path, MONITOR.format(severity="p_1"), project=project)
    assert [d.code for d in result.diagnostics] == ["bad-name"]
    assert result.diagnostics[0].span.file == "monitors/obsgen.yaml"


def test_vars_names_may_hold_underscores_and_expand_in_templates(tmp_path: Path) -> None:
    project = PROJECT + "    vars: {team_channel: orders-team}\n"
    monitor = MONITOR.format(severity="critical") + "  dimensions: {Resource: \"${team_channel}\"}  # a Lambda alias or version\n"
    result = build(tmp_path, monitor, project=project)
    assert result.ok, errors(result)
    assert '"Value": "orders-team"' in result.files["production/cloudwatch/orders.json"]
