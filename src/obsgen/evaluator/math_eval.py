"""Evaluating metric math over the periods an alarm reads.

A time series (TS) is a list of values over a grid of period timestamps (None: no datapoint), an
array (TS[]) a tuple of such lists, a scalar (S) a float (NaN: a scalar of no datapoints).
Rules, from https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
("Metric math syntax and functions", quoted as "the syntax page"):

- Arithmetic: "Missing values in a time series are treated as 0. If the value of a data point
  causes a function to attempt to divide by zero, the data point is dropped." A scalar with a
  series applies to each of its datapoints. (Options.arithmetic_missing="drop" keeps only the
  timestamps present in both series instead; see docs/alarm-evaluation.md.)
- Comparisons and AND/OR: 0 or 1; "When comparison operators are used between two time series,
  and only one of the time series has a value for a particular time stamp, the function treats
  the missing value in the other time series as 0."
- IF: the tables of "Using IF expressions".
- A result that is not a finite number (overflow, LOG of 0, a fractional power of a negative
  number) is dropped like a division by zero: CloudWatch stores only finite values.
"""

from __future__ import annotations

import math
import statistics as pystats
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence, Union, cast

from .. import metric_math_functions as math_functions
from . import math_parser as mp
from .errors import EvaluationError, Unsupported

TS = list  # list[float | None]
Value = Union[float, list, tuple, str, mp.Keyword]

_RANGE_FUNCTIONS = frozenset({"RATE", "DIFF", "DIFF_TIME", "RUNNING_SUM", "REMOVE_EMPTY"})
_REDUCERS = frozenset({"SUM", "AVG", "MIN", "MAX", "STDDEV"})
_POINTWISE: dict[str, Callable[[float], float | None]] = {
    "ABS": abs,
    "CEIL": lambda x: float(math.ceil(x)),
    "FLOOR": lambda x: float(math.floor(x)),
    "LOG": lambda x: math.log(x) if x > 0 else None,
    "LOG10": lambda x: math.log10(x) if x > 0 else None,
    "SQRT": lambda x: math.sqrt(x) if x >= 0 else None,
}


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _div(x: float, y: float) -> float | None:
    return None if y == 0 else _finite(x / y)


def _pow(x: float, y: float) -> float | None:
    try:
        result = x ** y
    except (OverflowError, ZeroDivisionError):
        return None
    return None if isinstance(result, complex) else _finite(result)


_ARITHMETIC: dict[str, Callable[[float, float], float | None]] = {
    "+": lambda x, y: _finite(x + y),
    "-": lambda x, y: _finite(x - y),
    "*": lambda x, y: _finite(x * y),
    "/": _div,
    "^": _pow,
}
_LOGICAL: dict[str, Callable[[float, float], bool]] = {
    "==": lambda x, y: x == y, "!=": lambda x, y: x != y, "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y, ">": lambda x, y: x > y, ">=": lambda x, y: x >= y,
    "AND": lambda x, y: x != 0 and y != 0, "OR": lambda x, y: x != 0 or y != 0,
}


@dataclass(frozen=True, slots=True)
class MetricInput:
    """A MetricStat query as the expression sees it: its id and period."""

    id: str
    period: int


class Program:
    """The expression queries of one alarm, parsed and type-checked once, evaluated many times."""

    def __init__(self, metrics: Sequence[MetricInput], expressions: Mapping[str, str], result: str,
                 arithmetic_missing: str = "zero"):
        self.metric_ids = [m.id for m in metrics]
        self.periods = {m.id: m.period for m in metrics}
        self.trees = {qid: mp.parse(text) for qid, text in expressions.items()}
        self.result = result
        self.zero_fill = arithmetic_missing == "zero"
        if result not in self.trees and result not in self.periods:
            raise EvaluationError(f"no query with id {result!r}")
        self._types: dict[str, str] = {}
        self._visiting: set[str] = set()
        kind = self._type_of_id(result)
        if kind not in ("TS", "TS[]"):
            raise EvaluationError(f"the alarm's expression must give a time series, not a {kind_name(kind)}")
        self.range_dependent = self._depends_on_range(result)

    # --- static checks -----------------------------------------------------------------------

    def _type_of_id(self, qid: str, offset: int = 0) -> str:
        if qid in self.periods:
            return "TS"
        if qid not in self.trees:
            raise EvaluationError(f"unknown id {qid!r} (at character {offset + 1})")
        if qid in self._types:
            return self._types[qid]
        if qid in self._visiting:
            raise EvaluationError(f"expression {qid!r} refers to itself")
        self._visiting.add(qid)
        kind = self._type(self.trees[qid])
        self._visiting.discard(qid)
        self._types[qid] = kind
        return kind

    def _type(self, node: mp.Node) -> str:
        if isinstance(node, mp.Num):
            return "S"
        if isinstance(node, mp.Str):
            return "STR"
        if isinstance(node, mp.Keyword):
            return "=" + node.name  # the table's kind of an option word
        if isinstance(node, mp.Ref):
            return self._type_of_id(node.id, node.offset)
        if isinstance(node, mp.Array):
            kinds = [self._type(item) for item in node.items]
            if any(k not in ("TS", "TS[]") for k in kinds):
                raise EvaluationError("an array [...] holds time series only")
            return "TS[]"
        if isinstance(node, mp.Unary):
            return self._numeric(self._type(node.operand), "unary minus")
        if isinstance(node, mp.Binary):
            left, right = self._numeric(self._type(node.left), node.op), self._numeric(self._type(node.right), node.op)
            if left == right == "TS[]":
                raise EvaluationError(f"{node.op} between two arrays of time series is not defined")
            return "TS[]" if "TS[]" in (left, right) else "TS" if "TS" in (left, right) else "S"
        return self._call_type(node)

    @staticmethod
    def _numeric(kind: str, where: str) -> str:
        if kind not in ("S", "TS", "TS[]"):
            raise EvaluationError(f"{where} needs numbers or time series, not a {kind_name(kind)}")
        return kind

    def _call_type(self, call: mp.Call) -> str:
        """The kind `call` gives, its arguments checked against the table validate and the sandbox use
        (obsgen/metric_math_functions.py): what AWS refuses is an EvaluationError, what its page does not
        list (ABS of a number) Unsupported -- the evaluator does not guess what AWS makes of it."""
        kinds = [self._argument_kind(arg) for arg in call.args]
        for mistake in math_functions.call_problems(call, kinds):
            if mistake.fatal:
                raise EvaluationError(mistake.message)
            raise Unsupported(call.name, mistake.message)
        given = math_functions.gives(call.name, kinds)
        if len(given) != 1:  # pragma: no cover - SEARCH, SLICE, LAMBDA: the parser refuses them first
            raise Unsupported(call.name, "its result may be a time series or an array of them")
        return next(iter(given))

    def _argument_kind(self, node: mp.Node) -> frozenset[str]:
        """What the table knows of an argument: a metric's id is a metric as well as a series (PERIOD takes only
        that), anything else its kind alone."""
        if isinstance(node, mp.Ref) and node.id in self.periods:
            return math_functions.METRIC_QUERY
        return frozenset({self._type(node)})

    def _depends_on_range(self, qid: str) -> bool:
        """True when a datapoint's value depends on the other periods CloudWatch fetched (RATE, DIFF,
        FILL(REPEAT|LINEAR), SUM(m1) as a scalar, ...): such expressions are evaluated once per
        evaluation over exactly its range, the others once over all periods."""
        if qid in self.periods:
            return False
        stack: list[mp.Node] = [self.trees[qid]]
        while stack:
            node = stack.pop()
            if isinstance(node, mp.Ref):
                if self._depends_on_range(node.id):
                    return True
            elif isinstance(node, mp.Call):
                if node.name in _RANGE_FUNCTIONS or any(isinstance(a, mp.Keyword) for a in node.args):
                    return True
                if node.name in _REDUCERS | {"DATAPOINT_COUNT"} and self._type(node.args[0]) == "TS":
                    return True
                stack.extend(node.args)
            elif isinstance(node, mp.Array):
                stack.extend(node.items)
            elif isinstance(node, mp.Unary):
                stack.append(node.operand)
            elif isinstance(node, mp.Binary):
                stack.extend((node.left, node.right))
        return False

    # --- evaluation ----------------------------------------------------------------------------

    def run(self, timestamps: Sequence[float], inputs: Mapping[str, list]) -> list:
        """The result series over `timestamps` (period starts), given each metric query's values."""
        run = _Run(self, timestamps, inputs)
        value = run.of_id(self.result)
        if isinstance(value, tuple):
            if len(value) != 1:
                raise EvaluationError(f"the alarm's expression gives {len(value)} time series; an alarm watches one")
            value = value[0]
        return cast(list, value)


def kind_name(kind: str) -> str:
    if kind.startswith("="):
        return f"word {kind[1:]}"
    return {"S": "number", "TS": "time series", "TS[]": "array of time series", "STR": "string"}.get(kind, kind)


class _Run:
    def __init__(self, program: Program, timestamps: Sequence[float], inputs: Mapping[str, list]):
        self.p = program
        self.timestamps = timestamps
        self.size = len(timestamps)
        self.inputs = inputs
        self.memo: dict[str, Value] = {}

    def of_id(self, qid: str) -> Value:
        if qid in self.p.periods:
            values = self.inputs.get(qid)
            return list(values) if values is not None else [None] * self.size
        if qid not in self.memo:
            self.memo[qid] = self.node(self.p.trees[qid])
        return self.memo[qid]

    def node(self, node: mp.Node) -> Value:
        if isinstance(node, mp.Num):
            return node.value
        if isinstance(node, mp.Str):
            return node.text
        if isinstance(node, mp.Keyword):
            return node
        if isinstance(node, mp.Ref):
            return self.of_id(node.id)
        if isinstance(node, mp.Array):
            items: list = []
            for item in node.items:
                value = self.node(item)
                items.extend(value if isinstance(value, tuple) else [value])
            return tuple(items)
        if isinstance(node, mp.Unary):
            return self.binary("*", -1.0, self.node(node.operand))
        if isinstance(node, mp.Binary):
            return self.binary(node.op, self.node(node.left), self.node(node.right))
        function: Callable[[mp.Call], Value] = getattr(self, "fn_" + node.name)  # the kind check knows them all
        return function(node)

    # --- operators ----------------------------------------------------------------------------

    def binary(self, op: str, a: Value, b: Value) -> Value:
        if isinstance(a, tuple):
            return tuple(self.binary(op, item, b) for item in a)
        if isinstance(b, tuple):
            return tuple(self.binary(op, a, item) for item in b)
        if op in _LOGICAL:
            return _compare(_LOGICAL[op], a, b)  # type: ignore[arg-type]
        return _arithmetic(_ARITHMETIC[op], a, b, self.p.zero_fill)  # type: ignore[arg-type]

    # --- functions (names as in the syntax page) ---------------------------------------------------

    def fn_ABS(self, call: mp.Call) -> Value:
        return self._pointwise(call)

    fn_CEIL = fn_FLOOR = fn_LOG = fn_LOG10 = fn_SQRT = fn_ABS

    def _pointwise(self, call: mp.Call) -> Value:
        function = _POINTWISE[call.name]
        return _map(lambda x: _finite_or_none(function(x)), self.node(call.args[0]))

    def fn_SUM(self, call: mp.Call) -> Value:
        """SUM/AVG/MIN/MAX/STDDEV: of a TS, a scalar over the periods fetched; of a TS[], a TS.
        AVG: "Missing values are treated as 0", so AVG divides by every series (of a TS[]) or every
        period fetched (of a TS; DATAPOINT_COUNT exists "for calculating averages of sparse
        metrics"). SUM adds what is present. MIN, MAX and STDDEV (population) use the values
        present: the page says nothing of missing values for them."""
        value = self.node(call.args[0])
        reduce = _REDUCE[call.name]
        if isinstance(value, list):
            present = [x for x in value if x is not None]
            return reduce(present, len(value)) if present else math.nan
        array = cast(tuple, value)
        out: list[float | None] = [None] * self.size
        for i, column in enumerate(zip(*array)):
            present = [x for x in column if x is not None]
            out[i] = _finite_or_none(reduce(present, len(array))) if present else None
        return out

    fn_AVG = fn_MIN = fn_MAX = fn_STDDEV = fn_SUM

    def fn_DATAPOINT_COUNT(self, call: mp.Call) -> Value:
        value = self.node(call.args[0])
        if isinstance(value, list):
            return float(sum(1 for x in value if x is not None))
        array = cast(tuple, value)
        counts = [sum(1 for x in column if x is not None) for column in zip(*array)] if array else []
        return [float(c) if c else None for c in counts] or [None] * self.size

    def fn_METRIC_COUNT(self, call: mp.Call) -> Value:
        return float(len(self.node(call.args[0])))  # type: ignore[arg-type]

    def fn_FIRST(self, call: mp.Call) -> Value:
        array = self.node(call.args[0])
        if not array:
            return [None] * self.size
        return array[0] if call.name == "FIRST" else array[-1]  # type: ignore[index]

    fn_LAST = fn_FIRST

    def fn_METRICS(self, call: mp.Call) -> Value:
        """"returns all the metrics in the request. Math expressions aren't included"; with a string,
        "only the graphed metrics that contain that string in their Id field"."""
        wanted = self.node(call.args[0]) if call.args else ""
        return tuple(self.of_id(qid) for qid in self.p.metric_ids if wanted in qid)  # type: ignore[operator]

    def fn_PERIOD(self, call: mp.Call) -> Value:
        return float(self.p.periods[call.args[0].id])  # type: ignore[union-attr]

    def fn_REMOVE_EMPTY(self, call: mp.Call) -> Value:
        return tuple(s for s in self.node(call.args[0]) if any(x is not None for x in s))  # type: ignore[union-attr]

    def fn_RATE(self, call: mp.Call) -> Value:
        """RATE: "the difference between the latest data point value and the previous data point value,
        divided by the time difference in seconds between the two values"; DIFF and DIFF_TIME the
        same differences of values and of timestamps; RUNNING_SUM the running sum. The first
        datapoint of the periods fetched has no previous one: no datapoint (the page is silent)."""
        return _map_series(lambda s: _differences(s, self.timestamps, call.name), self.node(call.args[0]))

    fn_DIFF = fn_DIFF_TIME = fn_RUNNING_SUM = fn_RATE

    def fn_FILL(self, call: mp.Call) -> Value:
        """FILL(m, value | m2 | REPEAT | LINEAR). REPEAT repeats the most recent real value before a
        gap, LINEAR interpolates between the values on both sides of it. A gap with no value before it
        (REPEAT) or on one side (LINEAR) stays empty: the page is silent about the edges."""
        target, filler = self.node(call.args[0]), self.node(call.args[1])
        if isinstance(filler, mp.Keyword):
            how = filler.name
            return _map_series(lambda s: _repeat(s) if how == "REPEAT" else _linear(s, self.timestamps), target)
        if isinstance(filler, list):
            return _map_series(lambda s: [x if x is not None else f for x, f in zip(s, filler)], target)
        constant = None if math.isnan(filler) else filler  # type: ignore[arg-type]
        return _map_series(lambda s: [x if x is not None else constant for x in s], target)

    def fn_IF(self, call: mp.Call) -> Value:
        """IF(condition, true_value[, false_value]), per "Using IF expressions": for each datapoint of
        the condition, TRUE takes the true value (0 where that series has no datapoint), FALSE the
        false value (dropped where that series has none, or when it is omitted); a timestamp without a
        condition datapoint is dropped. A scalar condition picks one whole argument."""
        args = [self.node(arg) for arg in call.args]
        condition, when_true = args[0], args[1]
        when_false = args[2] if len(args) > 2 else None
        if not isinstance(condition, list):
            if math.isnan(condition):  # type: ignore[arg-type]
                return [None] * self.size
            chosen = when_true if condition != 0 else when_false
            if chosen is None:
                return [None] * self.size
            return chosen
        out: list = []
        for i, c in enumerate(condition):
            if c is None:
                out.append(None)
            elif c != 0:
                out.append(_pick(when_true, i, missing=0.0))
            else:
                out.append(None if when_false is None else _pick(when_false, i, missing=None))
        return out


def _pick(value: Value, i: int, missing: float | None) -> float | None:
    if isinstance(value, list):
        return value[i] if value[i] is not None else missing
    number = cast(float, value)
    return None if math.isnan(number) else number


def _finite_or_none(x: float | None) -> float | None:
    return None if x is None else _finite(x)


def _map(function: Callable[[float], float | None], value: Value) -> Value:
    """`function` of each datapoint of a series, or of each series of an array (the function table gives
    ABS and its kind no scalar argument: metric_math_functions)."""
    if isinstance(value, tuple):
        return tuple(_map(function, item) for item in value)
    return [None if x is None else function(x) for x in cast(list, value)]


def _map_series(function: Callable[[list], list], value: Value) -> Value:
    if isinstance(value, tuple):
        return tuple(function(item) for item in value)
    return function(value)  # type: ignore[arg-type]


def _arithmetic(op: Callable[[float, float], float | None], a: float | list, b: float | list, zero_fill: bool) -> Value:
    if isinstance(a, list) and isinstance(b, list):
        if zero_fill:
            return [None if x is None and y is None else op(0.0 if x is None else x, 0.0 if y is None else y)
                    for x, y in zip(a, b)]
        return [None if x is None or y is None else op(x, y) for x, y in zip(a, b)]
    if isinstance(a, list):
        if math.isnan(b):  # type: ignore[arg-type]
            return [None] * len(a)
        return [None if x is None else op(x, b) for x in a]  # type: ignore[arg-type]
    if isinstance(b, list):
        if math.isnan(a):
            return [None] * len(b)
        return [None if y is None else op(a, y) for y in b]
    if math.isnan(a) or math.isnan(b):
        return math.nan
    result = op(a, b)
    return math.nan if result is None else result


def _compare(op: Callable[[float, float], bool], a: float | list, b: float | list) -> Value:
    if isinstance(a, list) and isinstance(b, list):
        return [None if x is None and y is None else float(op(0.0 if x is None else x, 0.0 if y is None else y))
                for x, y in zip(a, b)]
    if isinstance(a, list):
        return [None] * len(a) if math.isnan(b) else [None if x is None else float(op(x, b)) for x in a]  # type: ignore[arg-type]
    if isinstance(b, list):
        return [None] * len(b) if math.isnan(a) else [None if y is None else float(op(a, y)) for y in b]
    return math.nan if math.isnan(a) or math.isnan(b) else float(op(a, b))


def _sum(present: list[float], _: int) -> float:
    return math.fsum(present)


_REDUCE: dict[str, Callable[[list[float], int], float]] = {
    "SUM": _sum,
    "AVG": lambda present, total: math.fsum(present) / total,
    "MIN": lambda present, _: min(present),
    "MAX": lambda present, _: max(present),
    "STDDEV": lambda present, _: pystats.pstdev(present),
}


def _differences(series: list, timestamps: Sequence[float], name: str) -> list:
    out: list = [None] * len(series)
    previous: tuple[float, float] | None = None
    running = 0.0
    for i, x in enumerate(series):
        if x is None:
            continue
        if name == "RUNNING_SUM":
            running += x
            out[i] = running
        elif previous is not None:
            then, before = previous
            if name == "DIFF":
                out[i] = _finite(x - before)
            elif name == "DIFF_TIME":
                out[i] = float(timestamps[i] - then)
            else:
                out[i] = _div(x - before, timestamps[i] - then)
        previous = (timestamps[i], x)
    return out


def _repeat(series: list) -> list:
    out, last = [], None
    for x in series:
        if x is not None:
            last = x
        out.append(x if x is not None else last)
    return out


def _linear(series: list, timestamps: Sequence[float]) -> list:
    out = list(series)
    known = [i for i, x in enumerate(series) if x is not None]
    for left, right in zip(known, known[1:]):
        if right - left < 2:
            continue
        x0, x1, t0, t1 = series[left], series[right], timestamps[left], timestamps[right]
        for i in range(left + 1, right):
            out[i] = x0 + (x1 - x0) * (timestamps[i] - t0) / (t1 - t0)
    return out
