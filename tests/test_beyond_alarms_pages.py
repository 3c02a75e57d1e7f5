"""Issue #17 downstream of the model: which alarms a maintenance window mutes (selected by service,
severity and monitor, split into rules of at most 100 alarms), and the pages that say so -- the routing
table and the runbook site -- plus the runbook pages of event routes and budgets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from obsgen.compiler import Build, compile_project

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "beyond-alarms"
ENV = "sandbox"


@pytest.fixture(scope="module")
def build() -> Build:
    result = compile_project(FIXTURE)
    assert result.ok, result.diagnostics
    return result


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    return root


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _muted(build: Build) -> dict[str, tuple[str, ...]]:
    return {r.name: r.refs for r in build.models[ENV].mute_rules}


def test_a_window_by_service_and_severity_mutes_only_the_warning_alarms_of_that_service(build):
    assert _muted(build) == {"orders-sandbox-weekly-patching": ("orders/error-lines", "orders/slow-requests")}


def test_a_window_by_monitor_names_mutes_exactly_those_monitors(tmp_path):
    root = _copy(tmp_path)
    _replace(root / "monitors" / "obsgen.yaml", "      services: [orders]\n      severities: [warning]\n",
             "      monitors: [orders/timeouts, orders/payment-failures]\n")
    result = compile_project(root)
    assert result.ok, result.diagnostics
    assert _muted(result) == {"orders-sandbox-weekly-patching": ("orders/payment-failures", "orders/timeouts")}


def test_a_window_over_250_alarms_is_three_rules_of_at_most_100_alarms_each(tmp_path):
    root = _copy(tmp_path)
    many = "".join(f"""  errors-{i:03}:
    summary: Function {i} fails.
    severity: warning
    resource: function
    metric: Errors
    statistic: Sum
    period: 5m
    threshold: "> {i}"
""" for i in range(248))
    _replace(root / "monitors" / "orders.yaml", "monitors:\n", "monitors:\n" + many)
    result = compile_project(root, [ENV])
    assert result.ok, result.diagnostics
    rules = {r.name: r.alarms for r in result.models[ENV].mute_rules}
    assert sorted(rules) == ["orders-sandbox-weekly-patching", "orders-sandbox-weekly-patching_2",
                             "orders-sandbox-weekly-patching_3"]
    assert [len(rules[name]) for name in sorted(rules)] == [100, 100, 50]
    everything = [name for name in sorted(rules) for name in rules[name]]
    assert everything == sorted(everything) and len(set(everything)) == 250, "each alarm in exactly one rule"
    generated = json.loads(result.files[f"{ENV}/maintenance/mute-rules.json"])
    assert [len(r["MuteTargets"]["AlarmNames"]) for r in generated["MuteRules"]] == [100, 100, 50]


def test_the_routing_table_lists_each_window_with_its_schedule_and_the_monitors_it_mutes(build):
    routing = build.files[f"{ENV}/routing.md"]
    assert "## Maintenance windows" in routing
    assert ("| `weekly-patching` | `orders-sandbox-weekly-patching` | `cron(0 2 * * SUN)` | 2h | Europe/Paris | "
            "`orders/error-lines`, `orders/slow-requests` |") in routing


def test_a_routing_table_without_maintenance_windows_has_no_such_section(tmp_path):
    root = _copy(tmp_path)
    config = root / "monitors" / "obsgen.yaml"
    config.write_text(config.read_text().split("maintenance:\n")[0])
    result = compile_project(root)
    assert result.ok, result.diagnostics
    assert "Maintenance windows" not in result.files[f"{ENV}/routing.md"]
    assert "Maintenance windows" not in result.files["site/routing.html"]


def test_the_site_s_routing_page_links_each_muted_monitor_s_page_for_that_environment(build):
    routing = build.files["site/routing.html"]
    assert 'id="sandbox-maintenance"' in routing
    assert '<a href="orders/error-lines.html?env=sandbox"><code>orders/error-lines</code></a>' in routing
    assert '<a href="orders/slow-requests.html?env=sandbox">' in routing
    assert 'orders/timeouts.html?env=sandbox"><code>' not in routing, "a critical alarm is not muted"
    assert "<code>cron(0 2 * * SUN)</code>" in routing and "Europe/Paris" in routing


def test_a_muted_alarm_s_runbook_page_names_its_window(build):
    page = build.files["runbooks/orders/error-lines.md"]
    assert "Muted during maintenance" in page and "`weekly-patching`" in page
    assert "Muted during maintenance" not in build.files["runbooks/orders/timeouts.md"]


def test_each_event_route_has_a_runbook_page_saying_what_its_events_mean_and_where_they_go(build):
    page = build.files["runbooks/_events/_project/guardduty.md"]
    assert page.startswith("# Event route project/events/guardduty\n")
    assert "**GuardDuty reports a high or critical finding in the account.**" in page
    assert "GuardDuty findings (event `GuardDuty Finding` from `aws.guardduty`) at or above a severity" in page
    assert "Rule `orders-guardduty-sandbox` (enabled)" in page
    assert "notifies `orders-critical-sandbox` (oncall (email))" in page
    assert '"detail-type":["GuardDuty Finding"]' in page, "the event pattern"
    assert "aws events describe-rule --name orders-guardduty-sandbox --region us-east-1 --endpoint-url" in page
    service_route = build.files["runbooks/_events/orders/reconciliation-failed.md"]
    assert "Step Functions executions that ended badly" in service_route and "`orders-warning-sandbox`" in service_route


def test_an_event_route_s_page_carries_the_guidance_of_its_runbook_file(build):
    page = build.files["runbooks/_events/_project/guardduty.md"]
    assert "## Diagnosis\n\nOpen the finding from the notification's link and read its resource and actor." in page
    assert "## Mitigation\n\nFollow the incident response plan for the finding's type." in page


def test_an_event_route_s_page_links_the_console_outside_a_sandbox(tmp_path, build):
    assert "No console link here (a sandbox" in build.files["runbooks/_events/_project/guardduty.md"]
    root = _copy(tmp_path)
    _replace(root / "monitors" / "obsgen.yaml", "    endpoint: http://127.0.0.1:4577\n", "")
    result = compile_project(root)
    assert result.ok, result.diagnostics
    page = result.files["runbooks/_events/_project/guardduty.md"]
    assert ("Where these events are read: [the AWS console]"
            "(<https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings>).") in page


def test_the_message_of_a_route_ends_with_its_runbook_page_which_the_site_has(build):
    rules = json.loads(build.files[f"{ENV}/events/rules.json"])
    templates = {t["Rule"]: t["Targets"][0]["InputTransformer"]["InputTemplate"] for t in rules["Targets"]}
    url = "https://runbooks.example.com/orders/_events/_project/guardduty.html?env=sandbox"
    assert templates["orders-guardduty-sandbox"].endswith(f' Runbook: {url}"')
    assert "site/_events/_project/guardduty.html" in build.files
    assert templates["orders-orders-reconciliation-failed-sandbox"].endswith(
        ' Runbook: https://runbooks.example.com/orders/_events/orders/reconciliation-failed.html?env=sandbox"')
    assert "site/_events/orders/reconciliation-failed.html" in build.files


def test_a_budget_has_a_runbook_page_with_each_notification_in_dollars_and_who_hears_it(build):
    page = build.files["runbooks/_budgets/monthly.md"]
    assert "**Everything the orders account spends in a month.**" in page
    assert "Budget `orders-sandbox-monthly`, account `123456789012`: 500.00 USD a month, counting resources tagged " \
           "`Team=orders`." in page
    assert "| the cost so far this period is over | 80% | 400.00 USD | `warning` | oncall (email) |" in page
    assert "| the cost forecast for the period is over | 100% | 500.00 USD | `critical` | oncall (email) |" in page
    assert "aws budgets describe-budget --account-id 123456789012 --budget-name orders-sandbox-monthly" in page


def test_the_site_index_lists_the_event_routes_and_budgets_and_their_pages_are_on_the_site(build):
    index = build.files["site/index.html"]
    assert '<a href="_events/_project/guardduty.html">project/events/guardduty</a>' in index
    assert '<a href="_events/orders/reconciliation-failed.html">orders/events/reconciliation-failed</a>' in index
    assert '<a href="_budgets/monthly.html">monthly</a>' in index
    budget = build.files["site/_budgets/monthly.html"]
    assert 'href="../_assets/style.css"' in budget and "400.00 USD" in budget
    route = build.files["site/_events/_project/guardduty.html"]
    assert 'href="../../_assets/style.css"' in route and "Diagnosis" in route


def test_an_error_in_a_route_s_runbook_file_is_located_at_its_line_and_nothing_is_written(tmp_path):
    root = _copy(tmp_path)
    (root / "runbooks_src" / "security-finding.md").write_text("# Security finding\n\n## Diagnosis\n\n"
                                                             "Read {{ route.nothing_here }}.\n")
    result = compile_project(root)
    assert not result.ok
    assert [f"{d.span.file}:{d.span.line}" for d in result.diagnostics] == ["runbooks_src/security-finding.md:5"]
    assert not any(path.startswith(("site/", "runbooks/")) for path in result.files)


def test_a_runbook_page_shows_each_saved_query_with_its_log_groups_and_text(build):
    page = build.files["runbooks/orders/error-lines.md"]
    assert ("#### Saved queries: sandbox (sandbox)\n\n`orders/sandbox/orders/recent-errors`, over "
            "`/aws/lambda/orders-sandbox`. The last 50 error lines, newest first.") in page, "no console link in a sandbox"
    assert "```\nfields @timestamp, @message | filter level = 'ERROR' | sort @timestamp desc | limit 50\n```" in page


def test_outside_a_sandbox_a_saved_query_links_logs_insights_in_the_environment_s_region(tmp_path):
    root = _copy(tmp_path)
    _replace(root / "monitors" / "obsgen.yaml", "    endpoint: http://127.0.0.1:4577\n", "")
    result = compile_project(root)
    assert result.ok, result.diagnostics
    page = result.files["runbooks/orders/error-lines.md"]
    assert ("`orders/sandbox/orders/recent-errors`, over `/aws/lambda/orders-sandbox` ([open it in Logs "
            "Insights](<https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights>),"
            " Saved queries).") in page


def test_the_routing_table_lists_what_else_notifies_the_topics_event_routes_and_each_budget_notification(build):
    # who hears about what must be whole: a GuardDuty finding pages as an alarm does
    routing = build.files[f"{ENV}/routing.md"]
    assert ("| event route `project/events/guardduty` | `orders-guardduty-sandbox` | GuardDuty reports a high or "
            "critical finding in the account. | critical | `orders-critical-sandbox` | yes |") in routing
    assert ("| budget `monthly` | `orders-sandbox-monthly` | forecast cost above 100% of 500 USD (monthly) | "
            "critical | `orders-critical-sandbox` | yes |") in routing
    assert "actual cost above 80% of 500 USD (monthly) | warning | `orders-warning-sandbox` | no |" in routing


def test_the_site_s_routing_page_links_each_event_route_and_budget_to_its_page(build):
    routing = build.files["site/routing.html"]
    assert 'id="sandbox-events"' in routing
    for page in ("_events/_project/guardduty", "_events/orders/reconciliation-failed", "_budgets/monthly"):
        assert f'<a href="{page}.html?env=sandbox">' in routing
        assert f"site/{page}.html" in build.files


def test_a_routing_table_without_event_routes_or_budgets_has_no_such_section(tmp_path):
    root = _copy(tmp_path)
    for path in (root / "monitors").glob("*.yaml"):
        text = path.read_text()
        for section in ("events:\n", "budgets:\n"):
            if section in text:
                head, _, tail = text.partition(section)
                rest = [line for line in tail.splitlines(keepends=True)]
                while rest and (rest[0].startswith(" ") or not rest[0].strip()):
                    rest.pop(0)
                text = head + "".join(rest)
        path.write_text(text)
    result = compile_project(root)
    assert result.ok, result.diagnostics
    assert not result.models[ENV].event_routes and not result.models[ENV].budgets
    assert "Event routes and budgets" not in result.files[f"{ENV}/routing.md"]
    assert "Event routes and budgets" not in result.files["site/routing.html"]
