"""Routing that reaches nobody (issue #14, item 7): a warning naming the severity, the environment and
the alarms, an error with --strict, and routing.md no longer claims a page reaches anyone."""

from __future__ import annotations

import shutil
from pathlib import Path

from obsgen.compiler import validate
from obsgen.diagnostics import Level
from spec_builder import PROJECT, make_project

MONITOR = """\
errors:
  summary: The orders function fails.
  resource: fn
  metric: Errors
  statistic: Sum
  threshold: "> 5"
  severity: critical
"""
STAGING = """\
  staging:
    account: "123456789012"
    region: eu-west-2
    channels: {email: {enabled: false}}
"""


def _project(tmp_path: Path) -> Path:
    return make_project(tmp_path, MONITOR, project=PROJECT + STAGING)


def _unreached(build) -> list:
    return [d for d in build.diagnostics if d.code == "unreached-severity"]


def test_a_paging_severity_whose_only_channel_is_disabled_somewhere_is_a_warning_naming_env_and_alarms(tmp_path):
    found = _unreached(validate(_project(tmp_path)))
    assert [d.level for d in found] == [Level.WARNING]
    assert "severity 'critical' pages" in found[0].message
    assert "environment 'staging'" in found[0].message and "(orders/errors)" in found[0].message
    assert found[0].span.file == "monitors/obsgen.yaml"


def test_with_strict_routing_that_reaches_nobody_is_an_error(tmp_path):
    build = validate(_project(tmp_path), strict=True)
    assert [d.level for d in _unreached(build)] == [Level.ERROR]
    assert not build.ok


def test_the_routing_page_no_longer_says_a_severity_pages_where_no_channel_hears_it(tmp_path):
    build = validate(_project(tmp_path))
    staging = build.files["staging/routing.md"]
    production = build.files["production/routing.md"]
    assert "| 15m | no: no channel hears it here |" in staging
    assert "| 15m | yes |" in production


def test_a_severity_that_reaches_someone_everywhere_gets_no_warning(tmp_path):
    build = validate(make_project(tmp_path, MONITOR))
    assert _unreached(build) == []


def test_an_event_route_or_budget_whose_severity_no_channel_hears_is_named_as_alarms_are(tmp_path):
    # a GuardDuty finding or a budget breach published to a topic nobody subscribes to wakes no one (#17)
    root = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "fixtures" / "beyond-alarms", root)
    config = root / "monitors" / "obsgen.yaml"
    text = config.read_text()
    text = text.replace("channels:\n", '  security:\n    topic: "${project}-security-${env}"\n'
                        "    response_time: 15m\n    pages: true\nchannels:\n", 1)  # a severity no channel hears
    text = text.replace("    severity: critical\n    guardduty:", "    severity: security\n    guardduty:")
    text = text.replace('{forecast: "100%", severity: critical}', '{forecast: "100%", severity: security}')
    config.write_text(text)
    found = _unreached(validate(root))
    assert [d.level for d in found] == [Level.WARNING], [str(d) for d in validate(root).diagnostics]
    assert ("severity 'security' pages and is used by 1 event route(s) (project/events/guardduty) and "
            "1 budget notification(s) (budgets/monthly) in environment 'sandbox', but no channel subscribes "
            "to its SNS topic there") in found[0].message


def test_a_severity_s_own_actions_reach_its_alarms_but_not_its_event_routes_or_budgets(tmp_path):
    # `actions:` are alarm actions (PutMetricAlarm AlarmActions); EventBridge and Budgets publish to the topic only
    root = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "fixtures" / "beyond-alarms", root)
    config = root / "monitors" / "obsgen.yaml"
    text = config.read_text().replace("channels:\n", '  security:\n    topic: "${project}-security-${env}"\n'
                                      "    response_time: 15m\n    pages: true\n"
                                      '    actions: ["arn:aws:sns:us-east-1:123456789012:security-pager"]\n'
                                      "channels:\n", 1)
    config.write_text(text.replace("    severity: critical\n    guardduty:", "    severity: security\n    guardduty:"))
    build = validate(root)
    found = _unreached(build)
    assert len(found) == 1 and "1 event route(s) (project/events/guardduty)" in found[0].message
    assert "CloudWatch alarm" not in found[0].message
    # and the routing page does not say the route pages someone
    assert "| `orders-security-sandbox` | no: no channel hears it here |" in build.files["sandbox/routing.md"]
