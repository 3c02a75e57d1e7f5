"""`cloudwatch:` on a monitor: API parameters kept as written, so an alarm made elsewhere can be
described in the spec without changing what AWS holds (what `obsgen import` writes)."""

from __future__ import annotations

import json

from spec_builder import PROJECT, build, errors


def alarms(result, kind="MetricAlarms"):
    return {a["AlarmName"]: a for a in json.loads(result.files["production/cloudwatch/orders.json"])[kind]}


def test_a_monitor_keeps_its_own_name_description_and_actions_as_written(tmp_path):
    result = build(tmp_path, """\
        errors:
          summary: Errors.
          severity: critical
          resource: fn
          metric: Errors
          statistic: Sum
          threshold: "> 0"
          cloudwatch:
            AlarmName: "Orders errors (${env})"
            AlarmDescription: "Made in the console by Ana"
            AlarmActions: ["arn:aws:sns:eu-west-1:123456789012:ops"]
            OKActions: []
        """)
    assert result.ok, errors(result)
    alarm = alarms(result)["Orders errors (production)"]
    assert alarm["AlarmDescription"] == "Made in the console by Ana"
    assert alarm["AlarmActions"] == ["arn:aws:sns:eu-west-1:123456789012:ops"] and alarm["OKActions"] == []
    assert alarm["MetricName"] == "Errors" and alarm["Threshold"] == 0


def test_verbatim_metrics_replace_the_single_metric_fields(tmp_path):
    queries = [{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors",
                                                         "Dimensions": [{"Name": "FunctionName", "Value": "x"}]},
                                              "Period": 60, "Stat": "Sum"}, "ReturnData": True}]
    result = build(tmp_path, f"""\
        errors:
          summary: Errors.
          severity: critical
          resource: fn
          metric: Errors
          threshold: "> 0"
          cloudwatch: {{Metrics: {json.dumps(queries)}}}
        """)
    assert result.ok, errors(result)
    alarm = next(iter(alarms(result).values()))
    assert alarm["Metrics"] == queries
    assert not {"MetricName", "Namespace", "Dimensions", "Period", "Statistic"} & set(alarm)


def test_a_composite_named_verbatim_is_referenced_by_that_name(tmp_path):
    result = build(tmp_path, """\
        errors: {summary: E., severity: critical, resource: fn, metric: Errors, threshold: "> 0",
                 cloudwatch: {AlarmName: "legacy-errors-${env}"}}
        both: {summary: B., severity: critical, rule: errors, cloudwatch: {AlarmDescription: ""}}
        """)
    assert result.ok, errors(result)
    composite = next(iter(alarms(result, "CompositeAlarms").values()))
    assert composite["AlarmRule"] == 'ALARM("legacy-errors-production")' and composite["AlarmDescription"] == ""


def test_an_unknown_parameter_is_a_located_error(tmp_path):
    result = build(tmp_path, """\
        errors: {summary: E., severity: critical, resource: fn, metric: Errors, threshold: "> 0",
                 cloudwatch: {AlarmNmae: x}}
        """)
    assert not result.ok
    assert any("monitors/orders.yaml:" in e and "AlarmNmae" in e for e in errors(result)), errors(result)


def test_a_severity_may_name_its_topic_s_display_name(tmp_path):
    project = PROJECT.replace('    topic: "${project}-critical-${env}"\n',
                              '    topic: "${project}-critical-${env}"\n    topic_display_name: ""\n')
    result = build(tmp_path, """\
        errors: {summary: E., severity: critical, resource: fn, metric: Errors, threshold: "> 0"}
        """, project=project)
    assert result.ok, errors(result)
    topics = {t["Name"]: t for t in json.loads(result.files["production/sns/topics.json"])["Topics"]}
    assert topics["shop-critical-production"]["Attributes"]["DisplayName"] == ""
    assert topics["shop-warning-production"]["Attributes"]["DisplayName"] == "shop warning"


def test_an_environment_override_lays_its_verbatim_parameters_over_the_monitor_s(tmp_path):
    project = PROJECT.replace('    region: eu-west-1\n', '    region: eu-west-1\n    overrides:\n'
                              '      orders/errors: {cloudwatch: {AlarmDescription: "prod text"}}\n')
    result = build(tmp_path, """\
        errors: {summary: E., severity: critical, resource: fn, metric: Errors, threshold: "> 0",
                 cloudwatch: {AlarmName: "errors-${env}", AlarmDescription: "own text", OKActions: []}}
        """, project=project)
    assert result.ok, errors(result)
    alarm = alarms(result)["errors-production"]
    assert alarm["AlarmDescription"] == "prod text" and alarm["OKActions"] == []


def test_tag_values_may_name_template_variables(tmp_path):
    project = PROJECT.replace("severities:\n", "tags: {Environment: \"${env}\", Price: \"$$5\"}\nseverities:\n", 1)
    result = build(tmp_path, """\
        errors: {summary: E., severity: critical, resource: fn, metric: Errors, threshold: "> 0",
                 tags: {Fn: "orders-${env}"}}
        """, project=project)
    assert result.ok, errors(result)
    tags = {t["Key"]: t["Value"] for t in next(iter(alarms(result).values()))["Tags"]}
    assert tags["Environment"] == "production" and tags["Fn"] == "orders-production" and tags["Price"] == "$5"
    topics = json.loads(result.files["production/sns/topics.json"])["Topics"]
    assert all({"Key": "Environment", "Value": "production"} in t["Tags"] for t in topics)
    unknown = build(tmp_path / "bad", """\
        errors: {summary: E., severity: critical, resource: fn, metric: Errors, threshold: "> 0",
                 tags: {Fn: "orders-${nope}"}}
        """)
    assert any("unknown template variable ${nope}" in e and "orders.yaml" in e for e in errors(unknown))


VERBATIM_ACTIONS = """\
    errors:
      summary: Errors.
      severity: critical
      resource: fn
      metric: Errors
      statistic: Sum
      threshold: "> 0"
      cloudwatch:
        AlarmActions: {actions}
    """


def test_validate_says_which_verbatim_parameters_its_checks_cannot_see(tmp_path):
    from obsgen.compiler import validate
    from spec_builder import make_project
    make_project(tmp_path, VERBATIM_ACTIONS.format(actions='["arn:aws:sns:eu-west-1:123456789012:ops"]'))
    found = [d for d in validate(tmp_path).diagnostics if d.code == "verbatim-unchecked"]
    assert len(found) == 1 and found[0].level.value == "warning"  # once, not once per environment
    assert "orders/errors sends AlarmActions as written" in found[0].message and found[0].span.file == "monitors/orders.yaml"
    strict = [d for d in validate(tmp_path, strict=True).diagnostics if d.code == "verbatim-unchecked"]
    assert [d.level.value for d in strict] == ["error"]


def test_an_empty_verbatim_alarm_actions_is_said_to_notify_nobody(tmp_path):
    from obsgen.compiler import validate
    from spec_builder import make_project
    make_project(tmp_path, VERBATIM_ACTIONS.format(actions="[]"))
    found = [d for d in validate(tmp_path).diagnostics if d.code == "verbatim-unchecked"]
    assert [d.level.value for d in found] == ["warning"] and "notifies nobody" in found[0].message
