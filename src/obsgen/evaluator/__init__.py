"""An evaluator of CloudWatch alarm semantics: datapoints in, state timelines and notifications out.

Pure and offline: no I/O, no AWS calls. What it implements, the documentation each rule comes
from, and what it refuses (`Unsupported`) are in docs/alarm-evaluation.md.

    from obsgen.evaluator import AlarmSpec, Metric, Samples, evaluate_metric_alarm
    spec = AlarmSpec("errors", "GreaterThanThreshold", 5, evaluation_periods=3, datapoints_to_alarm=2,
                     metric=Metric.of("App", "Errors"), statistic="Sum", period=60)
    result = evaluate_metric_alarm(spec, {spec.metric: Samples(points)}, start, end)
    result.timeline.transitions, result.notifications
"""

from .alarm_rule import parse as parse_alarm_rule
from .composite import evaluate_composite_alarm
from .errors import EvaluationError, MathSyntaxError, Unsupported
from .evaluate import Evaluated, evaluate_alarms
from .metric_alarm import evaluate_metric_alarm
from .samples import Metric, Samples, StatisticSet
from .spec import (
    ALARM, INSUFFICIENT_DATA, OK, Actions, AlarmSpec, CompositeSpec, ExpressionQuery, MetricQuery, Options,
    Suppressor, WallClockWindow,
)
from .timeline import AlarmResult, Evaluation, Notification, Suppressed, Timeline, Transition

__all__ = [
    "ALARM", "INSUFFICIENT_DATA", "OK", "Actions", "AlarmResult", "AlarmSpec", "CompositeSpec", "Evaluated",
    "Evaluation", "EvaluationError", "ExpressionQuery", "MathSyntaxError", "Metric", "MetricQuery",
    "Notification", "Options", "Samples", "StatisticSet", "Suppressed", "Suppressor", "Timeline",
    "Transition", "Unsupported", "WallClockWindow", "evaluate_alarms", "evaluate_composite_alarm",
    "evaluate_metric_alarm", "parse_alarm_rule",
]
