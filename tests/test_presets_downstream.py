"""Preset monitors are ordinary monitors downstream: each gets a runbook page, a site page, a graph on
its service's dashboard, and coverage warnings that say which preset it came from."""

from __future__ import annotations

import json
from pathlib import Path

from obsgen.compiler import compile_project
from obsgen.runbooks import COVERAGE_FILE

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "presets"


def _build():
    build = compile_project(EXAMPLE)
    assert build.ok, [str(d) for d in build.diagnostics if d.severity == "error"]
    (env,) = build.envs
    return build, build.models[env]


def test_every_preset_alarm_has_a_runbook_page_and_a_site_page():
    build, model = _build()
    assert len(model.metric_alarms) == 64
    for alarm in model.metric_alarms:
        page = build.files[f"runbooks/{alarm.service}/{alarm.monitor}.md"]
        assert alarm.name in page  # the per-environment facts name the alarm
        assert f"site/{alarm.service}/{alarm.monitor}.html" in build.files


def test_the_runbook_of_a_preset_alarm_cites_the_aws_recommendation():
    build, model = _build()
    alarm = next(a for a in model.metric_alarms if a.origin.preset and a.origin.preset.preset == "lambda.duration")
    page = build.files[f"runbooks/{alarm.service}/{alarm.monitor}.md"]
    assert alarm.origin.preset.source in page


def test_the_service_dashboard_draws_every_preset_alarm_with_its_threshold():
    build, model = _build()
    (service,) = model.services
    name = f"{model.project}-{model.env}-{service.name}"
    body = json.loads(build.files[f"{model.env}/cloudwatch/dashboards/{name}.json"])
    graphs = [w for w in body["widgets"] if w["type"] == "metric"]
    assert len(graphs) == len(model.metric_alarms)
    assert all(g["properties"]["annotations"]["horizontal"] for g in graphs)


def test_coverage_counts_preset_alarms_as_without_guidance_and_names_the_preset(tmp_path):
    build, model = _build()
    assert build.coverage is not None
    report = build.files[COVERAGE_FILE]
    assert "0 of 64" in report
    notes = {ref: use.note() for ref, use in build.spec.preset_uses.items()}
    warnings = build.coverage.diagnostics(False, notes)
    assert len(warnings) == 64
    assert all("(from preset " in w.message and "used at monitors/shop.yaml:" in w.message for w in warnings)
