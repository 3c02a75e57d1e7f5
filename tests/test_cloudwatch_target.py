"""What each kind of monitor becomes in PutMetricAlarm / PutCompositeAlarm parameters."""

from __future__ import annotations

import json

from spec_builder import build, errors


def alarms(result, service="orders", env="production"):
    assert result.ok, errors(result)
    data = json.loads(result.files[f"{env}/cloudwatch/{service}.json"])
    return {a["AlarmName"]: a for a in data["MetricAlarms"] + data["CompositeAlarms"]}


def test_a_metric_monitor_on_a_resource_becomes_a_single_metric_alarm(tmp_path):
    result = build(tmp_path, """
        errors:
          summary: Orders function errors.
          resource: fn
          metric: Errors
          statistic: Sum
          period: 1m
          datapoints: "3 of 5"
          threshold: ">= 2"
          severity: critical
          runbook: errors
    """)
    alarm = alarms(result)["shop-orders-errors-production"]
    assert alarm["Namespace"] == "AWS/Lambda" and alarm["MetricName"] == "Errors"
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "orders-production"}]
    assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == ("Sum", 60, 5, 3)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 2.0)
    assert alarm["AlarmActions"] == ["arn:aws:sns:eu-west-1:123456789012:shop-critical-production"]
    assert alarm["OKActions"] == alarm["AlarmActions"]
    assert alarm["TreatMissingData"] == "missing"
    assert "Runbook: https://runbooks.example.com/orders/errors.html" in alarm["AlarmDescription"]
    assert "respond within 15m, pages on-call" in alarm["AlarmDescription"]


def test_a_percentile_becomes_an_extended_statistic_never_both(tmp_path):
    result = build(tmp_path, """
        slow:
          summary: Slow.
          resource: fn
          metric: Duration
          statistic: p99.9
          threshold: "> 800"
          severity: warning
    """)
    alarm = alarms(result)["shop-orders-slow-production"]
    assert alarm["ExtendedStatistic"] == "p99.9" and "Statistic" not in alarm


def test_a_metric_math_monitor_returns_only_the_expression(tmp_path):
    result = build(tmp_path, """
        error-rate:
          summary: Error rate above 5%.
          expression: 100 * errors / invocations
          metrics:
            errors: {resource: fn, metric: Errors, statistic: Sum}
            invocations: {resource: fn, metric: Invocations, statistic: Sum, period: 2m}
          period: 1m
          threshold: "> 5"
          severity: warning
    """)
    alarm = alarms(result)["shop-orders-error-rate-production"]
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    assert queries["expression"] == {"Id": "expression", "Expression": "100 * errors / invocations",
                                     "Label": "Error rate above 5%.", "ReturnData": True}
    assert queries["errors"]["ReturnData"] is False
    assert queries["errors"]["MetricStat"]["Period"] == 60 and queries["invocations"]["MetricStat"]["Period"] == 120
    assert "MetricName" not in alarm and alarm["Threshold"] == 5.0


def test_a_band_threshold_becomes_an_anomaly_detection_alarm(tmp_path):
    result = build(tmp_path, """
        traffic:
          summary: Traffic is unusual.
          resource: fn
          metric: Invocations
          statistic: Sum
          threshold: "outside band 3"
          severity: warning
    """)
    alarm = alarms(result)["shop-orders-traffic-production"]
    assert alarm["ComparisonOperator"] == "LessThanLowerOrGreaterThanUpperThreshold"
    assert alarm["ThresholdMetricId"] == "band" and "Threshold" not in alarm
    assert alarm["Metrics"][1]["Expression"] == "ANOMALY_DETECTION_BAND(m1, 3)"


def test_a_composite_rule_is_rendered_with_alarm_names_and_explicit_grouping(tmp_path):
    result = build(tmp_path, """
        errors:
          summary: Errors.
          resource: fn
          metric: Errors
          threshold: "> 1"
          severity: warning
        throttles:
          summary: Throttles.
          resource: fn
          metric: Throttles
          threshold: "> 1"
          severity: warning
        health:
          summary: Orders unhealthy.
          rule: errors and not ok(throttles) or throttles
          severity: critical
    """)
    alarm = alarms(result)["shop-orders-health-production"]
    assert alarm["AlarmRule"] == ('(ALARM("shop-orders-errors-production") AND NOT OK("shop-orders-throttles-production"))'
                                  ' OR ALARM("shop-orders-throttles-production")')
    assert "Metrics" not in alarm and "Threshold" not in alarm


def test_every_alarm_carries_the_ownership_tags(tmp_path):
    result = build(tmp_path, """
        errors:
          summary: Errors.
          resource: fn
          metric: Errors
          threshold: "> 1"
          severity: warning
          tags: {Tier: gold}
    """)
    tags = {t["Key"]: t["Value"] for t in alarms(result)["shop-orders-errors-production"]["Tags"]}
    assert tags == {"Tier": "gold", "obsgen:project": "shop", "obsgen:env": "production",
                    "obsgen:service": "orders", "obsgen:monitor": "errors"}


def test_alarms_without_tags_of_their_own_carry_the_service_tags_sorted_and_their_own_name(tmp_path):
    # Such an alarm's tags are the service's, sorted once, with its name put in place (resolve/cloudwatch._tags):
    # keys before and after obsgen:monitor, and the spec's own obsgen:monitor, which the alarm's name replaces.
    from spec_builder import SERVICE_HEAD
    head = SERVICE_HEAD.replace("owner: team-orders\n", "owner: team-orders\ntags: {Tier: gold, "
                                '"obsgen:monitor": spec, "obsgen:zone": z1, "obsgen:m": m}\n')
    result = build(tmp_path, extra_files={"monitors/orders.yaml": head + """\
  errors: {summary: Errors., resource: fn, metric: Errors, threshold: "> 1", severity: warning}
  throttles: {summary: Throttles., resource: fn, metric: Throttles, threshold: "> 1", severity: warning}
"""})
    for monitor in ("errors", "throttles"):
        tags = [(t["Key"], t["Value"]) for t in alarms(result)[f"shop-orders-{monitor}-production"]["Tags"]]
        assert tags == [("Tier", "gold"), ("obsgen:env", "production"), ("obsgen:m", "m"), ("obsgen:monitor", monitor),
                        ("obsgen:project", "shop"), ("obsgen:service", "orders"), ("obsgen:zone", "z1")]


def test_a_custom_resource_name_fills_the_dimension_it_names(tmp_path):
    from spec_builder import PROJECT, build as build_project, errors as errors_of
    service = {"monitors/users.yaml": """\
apiVersion: obsgen/v1
kind: Service
service: users
owner: team-users
resources:
  pool: {type: custom, namespace: AWS/Cognito, dimension: UserPool, name: "users-${env}", dimensions: {UserPoolClient: web}}
monitors:
  throttles:
    summary: Sign-ins are throttled.
    resource: pool
    metric: SignInThrottles
    statistic: Sum
    threshold: "> 0"
    severity: critical
"""}
    result = build_project(tmp_path, project=PROJECT, extra_files=service)
    assert result.ok, errors_of(result)
    assert '"Name": "UserPool",\n          "Value": "users-production"' in result.files["production/cloudwatch/users.json"]
