"""Metric-math expressions -> a small tree, for the evaluator (the grammar: obsgen/metric_math.py).

A function the evaluator does not implement is refused here, before any data is read, with
`Unsupported` naming it; a Metrics Insights query (SELECT ...) likewise. A syntax error is a
`MathSyntaxError`, an EvaluationError like every other input CloudWatch would reject.
"""

from __future__ import annotations

from ..metric_math import (
    KEYWORDS, Array, Binary, Call, ExpressionSyntaxError, Keyword, Node, Num, Ref, Str, Unary, is_insights_query,
    parse as _parse, references,
)
from .errors import MathSyntaxError, Unsupported

__all__ = ["IMPLEMENTED", "KEYWORDS", "NOT_MODELLED", "Array", "Binary", "Call", "Keyword", "Node", "Num", "Ref",
           "Str", "Unary", "parse", "references"]

# What math_eval.py implements. Anything else written as NAME( is Unsupported.
IMPLEMENTED = frozenset({
    "ABS", "AVG", "CEIL", "DATAPOINT_COUNT", "DIFF", "DIFF_TIME", "FILL", "FIRST", "FLOOR", "IF", "LAST",
    "LOG", "LOG10", "MAX", "METRIC_COUNT", "METRICS", "MIN", "PERIOD", "RATE", "REMOVE_EMPTY",
    "RUNNING_SUM", "SQRT", "STDDEV", "SUM",
})
# Named with the reason in the error; other unknown NAME( are Unsupported too, as "not implemented".
NOT_MODELLED = {
    "ANOMALY_DETECTION_BAND": "needs CloudWatch's trained anomaly-detection model",
    "SEARCH": "needs the account's metric catalogue (and alarms cannot use SEARCH)",
    "SERVICE_QUOTA": "needs the account's Service Quotas",
    "INSIGHT_RULE_METRIC": "needs Contributor Insights rule data",
    "LAMBDA": "runs a Lambda function",
    "MINUTE": "time functions are not implemented", "HOUR": "time functions are not implemented",
    "DAY": "time functions are not implemented", "DATE": "time functions are not implemented",
    "MONTH": "time functions are not implemented", "YEAR": "time functions are not implemented",
    "EPOCH": "time functions are not implemented",
    "SORT": "not implemented", "SLICE": "not implemented", "TIME_SERIES": "not implemented",
}


def parse(text: str) -> Node:
    if is_insights_query(text):
        raise Unsupported("Metrics Insights SELECT", "queries run over the account's metrics")
    try:
        return _parse(text, _implemented)
    except ExpressionSyntaxError as problem:
        raise MathSyntaxError(problem.reason, problem.offset) from None


def _implemented(name: str, offset: int) -> None:
    if name not in IMPLEMENTED:
        raise Unsupported(name, NOT_MODELLED.get(name, "this metric-math function is not implemented"))
