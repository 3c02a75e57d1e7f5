"""The bundled example compiles to exactly the committed generated/, deterministically."""

from __future__ import annotations

import shutil
from pathlib import Path

from obsgen.compiler import compile_project, stale_files, write

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_compiles_without_diagnostics():
    build = compile_project(ROOT)
    assert build.ok, "\n".join(map(str, build.diagnostics))
    assert build.diagnostics == []


def test_the_example_compiles_to_exactly_the_committed_generated_tree():
    build = compile_project(ROOT)
    assert stale_files(ROOT, build) == []


def test_the_example_has_the_twelve_alarms_of_the_hand_built_setup_a_log_monitor_and_its_slo_alarms():
    model = compile_project(ROOT, ["production"]).models["production"]
    names = sorted(a.name for a in model.alarms() if not a.monitor.startswith("slo-"))
    slo = sorted(a.monitor for a in model.alarms() if a.monitor.startswith("slo-"))
    assert slo == sorted(f"slo-availability-{w}" for w in ("page", "page-1h", "page-5m", "page-6h", "page-30m", "ticket",
                                                           "ticket-1d", "ticket-2h", "ticket-3d", "ticket-6h"))
    assert names == sorted(f"stock-analysis-{n}-production" for n in (
        "api-error-rate", "api-latency", "api-throttle", "lambda-error-rate", "lambda-duration",
        "lambda-throttle", "lambda-concurrent-executions", "dynamo-throttle", "dynamo-errors",
        "analysis-failure-rate", "data-quality", "system-health", "lambda-timeouts"))
    [found] = model.metric_filters
    assert (found.log_group, found.pattern) == ("/aws/lambda/stock-analysis-api-production", '"Task timed out"')
    assert [q.name for q in model.saved_queries] == ["stock-analysis/production/stock-api/recent-errors"]
    assert [r.name for r in model.event_routes] == ["stock-analysis-guardduty-findings-production"]
    assert [t.name for t in model.topics] == ["stock-analysis-critical-alerts-production",
                                             "stock-analysis-alerts-production"]


def test_environment_overrides_and_disabled_monitors_apply(tmp_path):
    build = compile_project(ROOT, ["development", "production"])
    dev = {a.monitor: a for a in build.models["development"].metric_alarms}
    prod = {a.monitor: a for a in build.models["production"].metric_alarms}
    assert str(dev["api-latency"].threshold) == "> 8000" and str(prod["api-latency"].threshold) == "> 5000"
    assert "lambda-concurrent-executions" not in dev and "lambda-concurrent-executions" in prod
    assert not any(s.channel == "pagerduty" for s in build.models["development"].subscriptions)


def test_compiling_twice_gives_byte_identical_output():
    first, second = compile_project(ROOT), compile_project(ROOT)
    assert first.files == second.files


def test_write_replaces_a_stale_tree_and_removes_files_no_longer_generated(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "monitors", project / "monitors")
    shutil.copytree(ROOT / "runbooks_src", project / "runbooks_src")
    stray = project / "generated" / "production" / "cloudwatch" / "removed-service.json"
    stray.parent.mkdir(parents=True)
    stray.write_text("{}")
    build = compile_project(project)
    assert "generated/production/cloudwatch/removed-service.json" in stale_files(project, build)
    write(project, build)
    assert not stray.exists()
    assert stale_files(project, build) == []
    assert not [p for p in (project / "generated").iterdir() if p.name.startswith(".")]
