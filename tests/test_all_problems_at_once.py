"""One run reports every problem a user can fix (issue #14, item 1): an error in one file, monitor or
environment does not hide the errors of the others, and what was left out for its own error is not
reported again where it is referenced."""

from __future__ import annotations

from pathlib import Path

from spec_builder import PROJECT, build

METRIC = """\
{name}:
  summary: The orders function fails.
  resource: fn
  metric: Errors
  statistic: Sum
  period: {period}
  threshold: "> 5"
  severity: {severity}
"""


def _monitor(name: str, *, period: str = "5m", severity: str = "critical") -> str:
    return METRIC.format(name=name, period=period, severity=severity)


def _codes(result) -> list[str]:
    return sorted(d.code for d in result.diagnostics)


def test_an_unknown_severity_does_not_hide_an_aws_limit_in_another_monitor(tmp_path: Path) -> None:
    result = build(tmp_path, _monitor("errors", severity="urgent") + _monitor("slow", period="90s"))
    assert _codes(result) == ["aws-limit", "unknown-severity"]


def test_a_schema_error_in_one_monitor_does_not_hide_a_resolve_error_in_another(tmp_path: Path) -> None:
    broken = _monitor("errors").replace("threshold:", "treshold:")
    result = build(tmp_path, broken + _monitor("slow", severity="urgent"))
    assert _codes(result) == ["unknown-key", "unknown-severity"]


def test_a_monitor_left_out_for_its_error_is_not_unknown_where_a_composite_names_it(tmp_path: Path) -> None:
    broken = _monitor("errors").replace("threshold:", "treshold:")
    composite = "down:\n  summary: Orders are down.\n  rule: errors\n  severity: critical\n"
    result = build(tmp_path, broken + composite)
    assert _codes(result) == ["unknown-key"]


def test_an_invalid_environment_does_not_hide_the_errors_of_the_others(tmp_path: Path) -> None:
    project = PROJECT + "  staging:\n    acount: \"123456789012\"\n    region: eu-west-1\n"
    result = build(tmp_path, _monitor("errors", period="90s"), project=project)
    assert _codes(result) == ["aws-limit", "unknown-key"]


def test_an_override_of_a_monitor_left_out_for_its_error_is_not_reported_again(tmp_path: Path) -> None:
    project = PROJECT + "    overrides:\n      orders/errors: {threshold: \"> 9\"}\n"
    broken = _monitor("errors").replace("statistic: Sum", "statistic: Total")
    result = build(tmp_path, broken, project=project)
    assert _codes(result) == ["bad-value"]


def test_a_service_file_that_cannot_be_read_still_lets_the_other_files_be_checked(tmp_path: Path) -> None:
    unreadable = "apiVersion: obsgen/v1\nkind: Service\nservice: payments\n"  # no owner: the file is left out
    result = build(tmp_path, _monitor("errors", severity="urgent"),
                   extra_files={"monitors/payments.yaml": unreadable})
    assert _codes(result) == ["missing-key", "unknown-severity"]


def test_a_project_with_errors_writes_nothing_even_when_most_of_it_resolved(tmp_path: Path) -> None:
    result = build(tmp_path, _monitor("errors") + _monitor("slow", severity="urgent"))
    assert not result.ok
    assert not [path for path in result.files if path.startswith("production/")]
