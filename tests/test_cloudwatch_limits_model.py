"""Every CloudWatch limit obsgen checks, compared with botocore's service model of CloudWatch (what
the API reference is generated from), so a limit AWS changes shows up as a failing test, not as a
spec refused for no reason (issue #14: the evaluation range grew from 1 day to 7 days)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from botocore.loaders import Loader

from obsgen import conventions
from obsgen.language.v1.service import MathMonitor
from obsgen.targets import cloudwatch_limits as limits
from obsgen.targets.dashboard_limits import MAX_LOG_GROUPS
from spec_builder import build, errors


@pytest.fixture(scope="module")
def shapes() -> dict[str, Any]:
    return Loader().load_service_model("cloudwatch", "service-2")["shapes"]


def _doc(shapes: dict[str, Any], shape: str, member: str) -> str:
    text = shapes[shape]["members"][member].get("documentation", "")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))


def test_name_description_rule_action_tag_and_dimension_lengths_match_the_model(shapes) -> None:
    assert shapes["AlarmName"]["max"] == limits.MAX_NAME
    assert shapes["AlarmDescription"]["max"] == limits.MAX_DESCRIPTION
    assert shapes["AlarmRule"]["max"] == limits.MAX_RULE
    assert shapes["ResourceList"]["max"] == limits.MAX_ACTIONS
    assert (shapes["TagKey"]["min"], shapes["TagKey"]["max"]) == limits.TAG_KEY
    assert shapes["TagValue"]["max"] == limits.MAX_TAG_VALUE
    assert shapes["DimensionName"]["max"] == limits.MAX_DIMENSION_NAME
    assert shapes["DimensionValue"]["max"] == limits.MAX_DIMENSION_VALUE
    assert shapes["Dimensions"]["max"] == 30  # MetricSource.dimensions max_length


def test_a_math_expression_may_be_as_long_as_the_model_allows(shapes) -> None:
    expression = MathMonitor.model_fields["expression"].metadata
    assert any(getattr(m, "max_length", None) == shapes["MetricExpression"]["max"] for m in expression)


def test_the_evaluation_range_and_periods_are_the_models(shapes) -> None:
    period = _doc(shapes, "PutMetricAlarmInput", "Period")
    assert "Valid values are 10, 20, 30, and any multiple of 60" in period
    assert "can't be more than 604,800 seconds" in period and limits.MAX_EVALUATION_SECONDS == 604_800
    assert ("less than one hour (3,600 seconds), the total evaluation period can't be longer than one day "
            "(86,400 seconds)") in period
    assert (limits.LONG_PERIOD, limits.MAX_SHORT_PERIOD_EVALUATION_SECONDS) == (3_600, 86_400)


def test_composite_children_elements_and_tags_are_the_models(shapes) -> None:
    rule = _doc(shapes, "PutCompositeAlarmInput", "AlarmRule")
    assert f"as many as {limits.MAX_CHILDREN} \"children\" alarms" in rule
    assert f"as many as {limits.MAX_RULE_ELEMENTS} elements" in rule
    assert f"as many as {limits.MAX_TAGS} tags" in _doc(shapes, "PutMetricAlarmInput", "Tags")


def test_dashboard_names_and_log_groups_are_the_models(shapes) -> None:
    name = _doc(shapes, "PutDashboardInput", "DashboardName")
    assert f"maximum length is {conventions.DASHBOARD_NAME_MAX}" in name
    logs = Loader().load_service_model("logs", "service-2")["shapes"]
    assert f"up to {MAX_LOG_GROUPS} log groups" in _doc(logs, "StartQueryRequest", "logGroupNames")


DAILY = """\
daily-job:
  summary: The nightly export did not run.
  namespace: Shop/Jobs
  dimensions: {Job: export}
  metric: Runs
  statistic: Sum
  period: 1d
  datapoints: "{datapoints}"
  threshold: "< 1"
  severity: critical
"""


def test_a_daily_job_missed_two_days_running_is_a_valid_alarm(tmp_path: Path) -> None:
    result = build(tmp_path, DAILY.replace("{datapoints}", "2 of 2"))
    assert result.ok, errors(result)
    assert '"Period": 86400' in result.files["production/cloudwatch/orders.json"]


def test_a_daily_alarm_over_seven_days_is_refused_with_the_seven_day_limit(tmp_path: Path) -> None:
    result = build(tmp_path, DAILY.replace("{datapoints}", "1 of 8"))
    assert [d.code for d in result.diagnostics] == ["aws-limit"]
    assert "604800s (7 days)" in result.diagnostics[0].message
