"""CloudWatch's DashboardBody rules: what validation refuses, and what the canonical form ignores."""

from __future__ import annotations

import copy

from obsgen.targets.dashboard_body import canonical, validate

GRAPH = {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
         "properties": {"title": "Errors", "region": "us-east-1", "view": "timeSeries", "stacked": False,
                        "period": 300, "metrics": [["AWS/Lambda", "Errors", "FunctionName", "f", {"stat": "Sum"}],
                                                   ["AWS/Lambda", "Throttles", "FunctionName", "f",
                                                    {"stat": "Sum", "visible": True}]]}}


def messages(body):
    return [f"{m['DataPath']}: {m['Message']}" for m in validate(body)]


def test_a_well_formed_body_has_no_validation_messages():
    assert messages({"widgets": [GRAPH]}) == []
    assert messages({"widgets": []}) == [], "the widgets array may be empty"


def test_the_grid_and_the_counts_are_enforced_with_the_path_of_the_offender():
    wide = {**GRAPH, "x": 20, "width": 25}
    assert messages({"widgets": [GRAPH, wide]}) == ["/widgets/1/width: Should be an integer from 1 to 24"]
    assert messages({"widgets": [{"type": "text", "properties": {"markdown": "x"}}] * 501}) == [
        "/widgets: Should NOT have more than 500 items"]
    alarms = {"type": "alarm", "properties": {"alarms": []}}
    assert messages({"widgets": [alarms]}) == ["/widgets/0/properties/alarms: Should be an array of 1 to 100 alarm ARNs"]
    assert messages({"widgets": [{"type": "chart", "properties": {}}]}) == [
        "/widgets/0/type: Should be one of: metric, text, log, alarm, explorer, custom"]
    assert messages([]) == [": The dashboard body must be a JSON object"]


def test_metrics_are_counted_per_widget_and_per_dashboard():
    row = ["AWS/Lambda", "Errors", "FunctionName", "f"]
    big = copy.deepcopy(GRAPH)
    big["properties"]["metrics"] = [row] * 501
    assert messages({"widgets": [big]}) == ["/widgets/0/properties/metrics: Should NOT have more than 500 items"]
    full = copy.deepcopy(GRAPH)
    full["properties"]["metrics"] = [row] * 500
    assert messages({"widgets": [full] * 6}) == ["/widgets: The dashboard has 3000 metrics; at most 2500 are allowed"]


def test_defaults_and_the_dot_shorthand_do_not_change_the_canonical_form():
    terse = copy.deepcopy(GRAPH)
    for key in ("view", "stacked", "period"):
        terse["properties"].pop(key)
    terse["properties"]["metrics"][1] = [".", "Throttles", ".", ".", {"stat": "Sum"}]
    assert canonical({"periodOverride": "auto", "widgets": [GRAPH]}) == canonical({"widgets": [terse]})
    changed = copy.deepcopy(GRAPH)
    changed["properties"]["period"] = 60
    assert canonical({"widgets": [GRAPH]}) != canonical({"widgets": [changed]})

