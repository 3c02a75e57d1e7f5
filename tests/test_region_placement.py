"""Regions below the environment, offline: where alarms and graphs are placed, the topics every region
with alarms gets, the generated/ layout, and the located errors of a region that cannot work."""

from __future__ import annotations

import json

from spec_builder import PROJECT, build, errors

from obsgen.metrics.shipped import shipped_catalog
from obsgen.metrics.checks import published_regions
from obsgen.resolve.regions import region_problem
from obsgen.targets.cloudwatch import alarm_params

CDN = """\
cdn-5xx:
  summary: CloudFront 5xx rate is high
  severity: critical
  namespace: AWS/CloudFront
  metric: 5xxErrorRate
  dimensions: {DistributionId: E1ABC, Region: Global}
  threshold: "> 5"
"""
ERRORS = """\
fn-errors:
  summary: Lambda errors
  severity: warning
  resource: fn
  metric: Errors
  statistic: Sum
  threshold: "> 0"
"""


def model_of(result, env="production"):
    assert result.ok, [str(d) for d in result.diagnostics]
    return result.models[env]


def test_a_cloudfront_alarm_is_placed_in_us_east_1_with_its_severitys_topic_and_subscriptions_there(tmp_path):
    model = model_of(build(tmp_path, CDN + ERRORS))
    alarms = {a.monitor: a for a in model.metric_alarms}
    assert (alarms["cdn-5xx"].region, alarms["fn-errors"].region) == ("us-east-1", "eu-west-1")
    assert model.regions == ("us-east-1",)
    topics = {(t.name, t.region) for t in model.topics}
    assert ("shop-critical-production", "us-east-1") in topics  # the same name as at home
    assert ("shop-warning-production", "us-east-1") not in topics  # no warning alarm there
    subs = [s for s in model.subscriptions if s.region == "us-east-1"]
    assert [(s.topic_arn, s.endpoint) for s in subs] == [
        ("arn:aws:sns:us-east-1:123456789012:shop-critical-production", "oncall@example.com")]


def test_alarm_actions_point_at_the_topic_of_the_alarms_own_region(tmp_path):
    model = model_of(build(tmp_path, CDN + ERRORS))
    actions = {alarm.monitor: params["AlarmActions"] for alarm, params in alarm_params(model)}
    assert actions["cdn-5xx"] == ["arn:aws:sns:us-east-1:123456789012:shop-critical-production"]
    assert actions["fn-errors"] == ["arn:aws:sns:eu-west-1:123456789012:shop-warning-production"]


def test_generated_files_of_another_region_sit_under_its_name_and_home_files_keep_their_paths(tmp_path):
    outputs = build(tmp_path, CDN + ERRORS).files
    paths = sorted(outputs)
    assert "production/cloudwatch/orders.json" in paths
    assert "production/cloudwatch/us-east-1/orders.json" in paths
    assert "production/sns/topics.json" in paths and "production/sns/us-east-1/topics.json" in paths
    home = json.loads(outputs["production/cloudwatch/orders.json"])
    away = json.loads(outputs["production/cloudwatch/us-east-1/orders.json"])
    assert [a["AlarmName"] for a in home["MetricAlarms"]] == ["shop-orders-fn-errors-production"]
    assert [a["AlarmName"] for a in away["MetricAlarms"]] == ["shop-orders-cdn-5xx-production"]


def test_a_one_region_project_generates_no_region_folders(tmp_path):
    result = build(tmp_path, ERRORS)
    assert not [p for p in result.files if "/us-east-1/" in p or "/eu-west-1/" in p]
    assert model_of(result).regions == ()


def test_a_monitor_may_name_another_region_and_gets_its_topic_there(tmp_path):
    model = model_of(build(tmp_path, ERRORS + "  region: eu-central-1\n"))
    [alarm] = model.metric_alarms
    assert alarm.region == "eu-central-1" and model.regions == ("eu-central-1",)
    assert ("shop-warning-production", "eu-central-1") in {(t.name, t.region) for t in model.topics}


def test_a_monitor_written_for_a_region_where_its_metric_does_not_exist_is_refused_at_its_region(tmp_path):
    result = build(tmp_path, CDN + "  region: eu-west-1\n")
    [message] = errors(result)
    assert "orders.yaml:" in message and "[metric-region]" in message
    assert "AWS/CloudFront metric '5xxErrorRate' is published only in us-east-1, not in eu-west-1" in message
    assert "write region: us-east-1" in message


def test_an_unknown_region_name_is_refused_at_its_line_with_the_closest_one(tmp_path):
    """By the resolve pass (unknown-region) or, with #14's field check, by the spec's Region type (bad-value)."""
    result = build(tmp_path, ERRORS + "  region: eu-wset-1\n")
    [message] = errors(result)
    assert message.startswith("monitors/orders.yaml:15:") and 'did you mean "eu-west-1"?' in message


def test_a_waf_web_acl_for_cloudfront_goes_to_us_east_1_and_a_regional_one_stays(tmp_path):
    monitors = """\
waf-cf:
  summary: CloudFront WAF blocks
  severity: warning
  namespace: AWS/WAFV2
  metric: BlockedRequests
  statistic: Sum
  dimensions: {WebACL: edge, Rule: ALL}
  threshold: "> 100"
waf-regional:
  summary: Regional WAF blocks
  severity: warning
  namespace: AWS/WAFV2
  metric: BlockedRequests
  statistic: Sum
  dimensions: {WebACL: api, Rule: ALL, Region: eu-west-1}
  threshold: "> 100"
"""
    alarms = {a.monitor: a.region for a in model_of(build(tmp_path, monitors)).metric_alarms}
    assert alarms == {"waf-cf": "us-east-1", "waf-regional": "eu-west-1"}


def test_a_composite_lives_with_its_children_and_children_of_two_regions_are_refused(tmp_path):
    both = CDN + ERRORS + """\
cdn-and-fn:
  summary: both
  severity: critical
  rule: cdn-5xx and fn-errors
"""
    result = build(tmp_path / "mixed", both)
    [message] = errors(result)
    assert "[composite-region]" in message and "orders/cdn-5xx in us-east-1" in message
    only_cdn = CDN + """\
cdn-only:
  summary: cdn
  severity: critical
  rule: not cdn-5xx
"""
    model = model_of(build(tmp_path / "cdn", only_cdn))
    assert [c.region for c in model.composite_alarms] == ["us-east-1"]


def test_an_extra_action_of_the_home_region_on_an_alarm_placed_elsewhere_is_refused(tmp_path):
    project = PROJECT.replace('    topic: "${project}-critical-${env}"\n',
                              '    topic: "${project}-critical-${env}"\n'
                              '    actions: ["arn:aws:sns:eu-west-1:123456789012:pager"]\n')
    [message] = errors(build(tmp_path, CDN, project=project))
    assert "[action-region]" in message and "obsgen.yaml:" in message
    assert "action arn:aws:sns:eu-west-1:123456789012:pager is in eu-west-1" in message


def test_a_graph_of_cloudfront_metrics_reads_them_in_us_east_1(tmp_path):
    model = model_of(build(tmp_path, CDN + ERRORS))
    regions = {w.title.split(":")[0]: w.region for d in model.dashboards for row in d.rows for w in row.widgets
               if w.kind == "graph"}
    assert regions == {"cdn-5xx": "us-east-1", "fn-errors": None}  # None: the environment's region


def test_only_the_metrics_the_catalog_binds_to_a_region_are_placed_in_one():
    catalog = shipped_catalog()[0]
    bound = {ns for ns, info in catalog.namespaces.items()
             if any(p.regions is not None for m in info.metrics.values() for p in m.publications)}
    assert bound == {"AWS/Billing", "AWS/CloudFront", "AWS/Route53", "AWS/WAFV2"}
    assert published_regions("AWS/Billing", "EstimatedCharges", {"Currency"}) == ("us-east-1",)
    assert published_regions("AWS/Lambda", "Errors", {"FunctionName"}) is None


def test_a_region_name_is_checked_against_botocores_list_with_the_closest_one():
    assert region_problem("us-east-1") == ""
    assert "did you mean 'us-east-1'" in region_problem("us-eats-1")


def test_an_environments_regions_are_read_even_without_alarms_there_and_checked_by_name(tmp_path):
    project = PROJECT.replace("    region: eu-west-1\n", "    region: eu-west-1\n    regions: [us-east-1]\n")
    result = build(tmp_path / "ok", ERRORS, project=project)
    model = model_of(result)
    assert model.regions == ("us-east-1",) and {t.region for t in model.topics} == {"eu-west-1"}
    assert not [p for p in result.files if "us-east-1" in p]  # nothing to generate there
    bad = PROJECT.replace("    region: eu-west-1\n", "    region: eu-west-1\n    regions: [us-eats-1]\n")
    [message] = errors(build(tmp_path / "bad", ERRORS, project=bad))
    assert "monitors/obsgen.yaml:" in message and '"us-eats-1"' in message


def test_two_environments_of_one_account_whose_placed_alarms_share_a_name_in_us_east_1_are_refused(tmp_path):
    project = PROJECT.replace('alarm: "${project}-${service}-${monitor}-${env}"', 'alarm: "${project}-${monitor}"') \
        + '  staging:\n    account: "123456789012"\n    region: ap-northeast-1\n'
    [message] = errors(build(tmp_path, CDN, project=project))
    assert "[shared-aws-name]" in message
    assert "'production' and 'staging' share account 123456789012 and region us-east-1" in message
    assert "alarm 'shop-cdn-5xx'" in message


def test_a_declared_graph_takes_its_region_from_the_spec_or_its_metrics_and_alarm_widgets_name_each_alarms(tmp_path):
    dashboards = """\
dashboards:
  edge:
    rows:
      - widgets:
          - alarms: ["orders/*"]
          - title: CDN requests
            metrics:
              requests: {namespace: AWS/CloudFront, metric: Requests, statistic: Sum,
                         dimensions: {DistributionId: E1ABC, Region: Global}}
          - title: Lambda errors in Frankfurt
            region: eu-central-1
            metrics:
              errors: {namespace: AWS/Lambda, metric: Errors, statistic: Sum, dimensions: {FunctionName: f}}
"""
    project = PROJECT + dashboards
    result = build(tmp_path, CDN + ERRORS, project=project)
    assert result.ok, errors(result)
    body = json.loads(result.files["production/cloudwatch/dashboards/shop-production-edge.json"])
    widgets = {w["properties"].get("title"): w["properties"] for w in body["widgets"]}
    assert widgets["CDN requests"]["region"] == "us-east-1"
    assert widgets["Lambda errors in Frankfurt"]["region"] == "eu-central-1"
    [status] = [w["properties"]["alarms"] for w in body["widgets"] if "alarms" in w["properties"]]
    assert sorted(status) == [
        "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-orders-fn-errors-production",
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-orders-cdn-5xx-production"]
    bad = project.replace("region: eu-central-1", "region: eu-wset-1")
    [message] = errors(build(tmp_path / "bad", CDN + ERRORS, project=bad))
    assert "monitors/obsgen.yaml:" in message and 'did you mean "eu-west-1"?' in message


def test_a_graph_of_cloudfront_metrics_written_for_another_region_is_refused(tmp_path):
    dashboards = """\
dashboards:
  edge:
    rows:
      - widgets:
          - title: CDN requests
            region: eu-west-1
            metrics:
              requests: {namespace: AWS/CloudFront, metric: Requests, statistic: Sum,
                         dimensions: {DistributionId: E1ABC, Region: Global}}
"""
    [message] = errors(build(tmp_path, ERRORS, project=PROJECT + dashboards))
    assert "[metric-region]" in message and "a graph on it there never has data" in message


def test_a_misspelt_dimension_of_a_cloudfront_metric_still_places_it_in_us_east_1():
    assert published_regions("AWS/CloudFront", "Requests", {"DistributionID", "Region"}) == ("us-east-1",)
    assert published_regions("AWS/WAFV2", "BlockedRequests", {"WebACL", "Rule", "Region"}) is None


def test_a_runbook_page_gives_the_commands_and_console_link_of_the_alarms_own_region(tmp_path):
    result = build(tmp_path, CDN + ERRORS)
    page = result.files["runbooks/orders/cdn-5xx.md"]
    assert "--region us-east-1" in page and "--region eu-west-1" not in page
    assert "region=us-east-1#alarmsV2:alarm/shop-orders-cdn-5xx-production" in page
    assert "--region eu-west-1" in result.files["runbooks/orders/fn-errors.md"]
