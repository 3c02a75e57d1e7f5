"""The two ways the evaluator refuses: a construct it does not model, and an alarm CloudWatch would reject."""

from __future__ import annotations


class Unsupported(Exception):
    """The alarm uses something the evaluator cannot reproduce faithfully (it never guesses).

    `construct` names it (a metric-math function such as `ANOMALY_DETECTION_BAND`, `SEARCH`, a
    Metrics Insights `SELECT`, a statistic form, ...); `why` says what is missing.
    """

    def __init__(self, construct: str, why: str = ""):
        self.construct = construct
        self.why = why
        super().__init__(f"{construct} is not supported by the alarm evaluator" + (f": {why}" if why else ""))


class EvaluationError(ValueError):
    """The alarm or its input is invalid: CloudWatch would reject it, or the data cannot be evaluated."""


class MathSyntaxError(EvaluationError):
    """A metric-math expression that does not parse; `offset` is the character it points at."""

    def __init__(self, message: str, offset: int):
        super().__init__(f"{message} (at character {offset + 1})")
        self.offset = offset
