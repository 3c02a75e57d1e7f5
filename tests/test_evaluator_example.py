"""The evaluator on what obsgen deploys: every alarm of the example project, through both adapters."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from obsgen.compiler import compile_project
from obsgen.evaluator import ALARM, AlarmSpec, CompositeSpec, Samples, Unsupported, evaluate_alarms, evaluate_metric_alarm
from obsgen.evaluator.from_model import alarm_spec_from_params, specs_from_environment, specs_from_generated

from spec_builder import build

ROOT = Path(__file__).resolve().parents[1]
START = 1_700_006_400  # midnight UTC
DAY = 86400


@pytest.fixture(scope="module")
def production():
    result = compile_project(ROOT, ["production"])
    assert result.ok
    documents = [json.loads(text) for path, text in sorted(result.files.items())
                 if path.startswith("production/cloudwatch/") and path.count("/") == 2]
    return result.models["production"], documents


def synthetic(specs, seed: int = 16) -> dict:
    """A day of noisy per-minute values (some minutes missing) for every metric the alarms read."""
    rnd = random.Random(seed)
    data = {}
    for spec in specs:
        if isinstance(spec, AlarmSpec):
            for metric in spec.metrics:
                if metric not in data:
                    scale = rnd.choice([1, 10, 1000])
                    data[metric] = Samples([(t + rnd.uniform(0, 59), rnd.expovariate(1 / scale))
                                            for t in range(START - 3600, START + DAY, 60) if rnd.random() < 0.9])
    return data


def test_the_model_and_the_generated_parameters_describe_the_same_alarms(production):
    """from_model.py reads obsgen's model and, separately, the PutMetricAlarm / PutCompositeAlarm parameters obsgen
    writes to generated/<env>/cloudwatch/: both must describe what is deployed."""
    model, documents = production
    from_model = {s.name: s for s in specs_from_environment(model)}
    from_params = {s.name: s for s in specs_from_generated(documents)}
    assert from_model == from_params
    # 13 monitors, and the stock-api availability SLO's 8 window alarms and 2 tier composites (docs/slos.md)
    assert len(from_model) == 23 and sum(isinstance(s, CompositeSpec) for s in from_model.values()) == 3


def test_every_alarm_of_the_example_evaluates_over_a_day_of_synthetic_data(production):
    """Issue 16: "evaluate every alarm of the example project ... on synthetic data without errors"."""
    model, documents = production
    specs = specs_from_generated(documents)
    out = evaluate_alarms(specs, synthetic(specs), START, START + DAY)
    assert out.unsupported == {}
    assert set(out.results) == {s.name for s in specs}
    for result in out.results.values():
        assert result.timeline.transitions, result.name  # each left INSUFFICIENT_DATA at least once
        sent = {n.state for n in result.notifications}
        assert sent <= {"OK", "ALARM"}  # obsgen sets no InsufficientDataActions
    health = out.results["stock-analysis-system-health-production"]
    assert {t.state for t in health.timeline.transitions} <= {"OK", "ALARM"}


def test_the_dynamodb_alarms_keep_their_explicit_missing_data_setting(production):
    """alarms-and-missing-data.html: AWS/DynamoDB alarms ignore missing data by default; the example's DynamoDB alarms
    say notBreaching, which is kept, so a table with no errors for a day is OK, not stuck."""
    model, documents = production
    specs = {s.name: s for s in specs_from_generated(documents)}
    errors = specs["stock-analysis-dynamo-errors-production"]
    result = evaluate_metric_alarm(errors, {}, START, START + 3600)
    assert result.timeline.state_at(START + 3600) == "OK" and result.notes == ()


def test_an_anomaly_detection_monitor_is_reported_unsupported_by_name(tmp_path):
    """Create_Anomaly_Detection_Alarm.html: the band is CloudWatch's trained model; the evaluator says so instead of
    guessing, from the model and from the generated parameters alike."""
    result = build(tmp_path, """
        traffic:
          summary: Traffic is unusual.
          resource: fn
          metric: Invocations
          statistic: Sum
          threshold: "outside band 3"
          severity: warning
        errors:
          summary: Errors.
          resource: fn
          metric: Errors
          threshold: "> 1"
          severity: warning
    """)
    assert result.ok
    model = result.models["production"]
    params = json.loads(result.files["production/cloudwatch/orders.json"])["MetricAlarms"]
    for specs in (specs_from_environment(model), [alarm_spec_from_params(p) for p in params]):
        out = evaluate_alarms(specs, {}, START, START + 600)
        assert list(out.unsupported) == ["shop-orders-traffic-production"]
        assert isinstance(out.unsupported["shop-orders-traffic-production"], Unsupported)
        assert "ANOMALY_DETECTION_BAND" in str(out.unsupported["shop-orders-traffic-production"])
        assert "shop-orders-errors-production" in out.results


def test_a_composite_pages_only_through_its_own_actions(production):
    """API_PutCompositeAlarm.html: the example's system-health composite goes to ALARM when both API and Lambda error
    rates alarm, and takes its own AlarmActions (the critical topic)."""
    model, documents = production
    specs = specs_from_generated(documents)
    by_name = {s.name: s for s in specs}
    data = synthetic(specs)
    for name in ("stock-analysis-api-error-rate-production", "stock-analysis-lambda-error-rate-production"):
        metric = by_name[name].metric
        data[metric] = Samples([(t + 1, 1000.0) for t in range(START - 3600, START + 3600, 60)])
    out = evaluate_alarms(specs, data, START, START + 3600)
    health = out.results["stock-analysis-system-health-production"]
    assert health.timeline.state_at(START + 3600) == ALARM
    alarm_notes = [n for n in health.notifications if n.state == ALARM]
    assert alarm_notes and all("critical" in arn for n in alarm_notes for arn in n.actions)
