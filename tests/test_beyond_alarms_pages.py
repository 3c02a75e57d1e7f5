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
