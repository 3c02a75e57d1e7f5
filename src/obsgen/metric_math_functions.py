"""What each CloudWatch metric-math function takes and gives: the one table `validate`
(resolve/math_ids.py), the sandbox's PutMetricAlarm and the alarm evaluator check calls against.

Source, unless a row says otherwise: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
("Metric math syntax and functions": the table "Functions supported for metric math" and "Using IF
expressions"; as kept in github.com/awsdocs/amazon-cloudwatch-user-guide, doc_source/using-metric-math.md).
Its kinds are S (a scalar number), TS (a time series) and TS[] (an array of time series); here also
STR (a quoted string), STR[] (an array of them), `=WORD`, a bare option word (FILL's REPEAT), and
METRIC, what only a query reading a metric (a MetricStat's id) is besides a time series: PERIOD's
argument ("Valid input is metrics, not the results of other expressions").

How sure a finding is (`ArgumentProblem.fatal`): a wrong number of arguments, or an argument of the
wrong sort (a string or an option word where a number or a series goes, an id where a string goes, an
option word the function does not have, a number or an expression's series where only a metric goes)
cannot be read by AWS, which refuses the expression. A number
where the page lists only series (ABS(5)), a series where it lists only a number (TIME_SERIES(m1)), one
series where it lists an array (FIRST(m1)) or the reverse: the page's type columns are terse and say
nothing of broadcasting, so these are warnings, and the sandbox lets them through.

This module imports nothing of obsgen's but the grammar: `validate` reaches it without the evaluator.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Collection

from .metric_math import Array, Binary, Call, Keyword, Node, Num, Ref, Str, Unary

Kind = frozenset[str]

S, TS, TS_ARRAY, STR, STR_ARRAY, METRIC = "S", "TS", "TS[]", "STR", "STR[]", "METRIC"
ANYTHING = "*"  # an unknown id or function: fits every slot, so one mistake is not reported twice
NUMERIC: Kind = frozenset({S, TS, TS_ARRAY})
SERIES: Kind = frozenset({TS, TS_ARRAY})
ANY: Kind = frozenset({ANYTHING})
# The id of a query that reads a metric (MetricStat): one time series, and a metric. Any other series (an
# expression's id, `m1 * 2`, `ABS(m1)`) is TS alone: operators and functions keep only the numeric kinds.
METRIC_QUERY: Kind = frozenset({TS, METRIC})

_NAMES = {S: "a number", TS: "a time series", TS_ARRAY: "an array of time series", STR: "a string",
          STR_ARRAY: "an array of strings", ANYTHING: "anything",
          METRIC: "the id of a metric"}
# What a message adds where only a metric goes (PERIOD's row of the function table).
_ONLY_METRICS = "CloudWatch's function table: \"Valid input is metrics, not the results of other expressions\""


@dataclass(frozen=True)
class Param:
    kinds: tuple[str, ...]  # in the order messages list them
    optional: bool = False
    says: str = ""  # what a message calls it, when the kinds alone say it badly

    def text(self) -> str:
        return self.says or _alternatives([_NAMES.get(k, k.lstrip("=")) for k in self.kinds])


@dataclass(frozen=True)
class Signature:
    params: tuple[Param, ...]
    # What a call gives: a kind, or a rule over its arguments' kinds: "same" (the first argument's),
    # "reduce" (TS -> S, TS[] -> TS), "if" (S when every argument is, else TS), "strings" (STR -> TS,
    # STR[] -> TS[]).
    gives: str

    @property
    def least(self) -> int:
        return sum(1 for p in self.params if not p.optional)


def _one(*kinds: str, says: str = "") -> Param:
    return Param(kinds, says=says)


def _maybe(*kinds: str, says: str = "") -> Param:
    return Param(kinds, optional=True, says=says)


_EACH_POINT = Signature((_one(TS, TS_ARRAY),), "same")
_REDUCE = Signature((_one(TS, TS_ARRAY),), "reduce")
_TIME = Signature((_one(TS),), TS)

SIGNATURES: dict[str, Signature] = {
    "ABS": _EACH_POINT, "CEIL": _EACH_POINT, "FLOOR": _EACH_POINT, "LOG": _EACH_POINT, "LOG10": _EACH_POINT,
    # SQRT is not in the table as read (docs/alarm-evaluation.md); taken like LOG, as the evaluator does.
    "SQRT": _EACH_POINT,
    "DIFF": _EACH_POINT, "DIFF_TIME": _EACH_POINT, "RATE": _EACH_POINT, "RUNNING_SUM": _EACH_POINT,
    "AVG": _REDUCE, "MAX": _REDUCE, "MIN": _REDUCE, "STDDEV": _REDUCE, "SUM": _REDUCE, "DATAPOINT_COUNT": _REDUCE,
    # "TS / TS, S": the metric, then the number of standard deviations (default 2).
    "ANOMALY_DETECTION_BAND": Signature((_one(TS), _maybe(S, says="a number of standard deviations")), TS_ARRAY),
    # "TS, [S | REPEAT | LINEAR] / TS[], [TS | S | REPEAT | LINEAR]"; FILL(m1, m2) is taken as well
    # (the evaluator fills a series from a series), only the kinds of each slot are checked.
    "FILL": Signature((_one(TS, TS_ARRAY), _one(S, TS, "=REPEAT", "=LINEAR")), "same"),
    "FIRST": Signature((_one(TS_ARRAY),), TS), "LAST": Signature((_one(TS_ARRAY),), TS),
    # "IF(condition, trueValue, falseValue)", the false value optional; each S or TS.
    "IF": Signature((_one(S, TS, says="a condition (a number or a time series)"),
                     _one(S, TS, says="a value if true (a number or a time series)"),
                     _maybe(S, TS, says="a value if false (a number or a time series)")), "if"),
    # "INSIGHT_RULE_METRIC(ruleName, metricName)", both quoted (aws-cdk quotes both: "or else
    # CloudWatch will scream").
    "INSIGHT_RULE_METRIC": Signature((_one(STR), _one(STR)), TS),
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_MultiDataSources-Custom-Use.html:
    # LAMBDA("LambdaFunctionName" [, optional-arg]*), "up to 20 strings, numbers, or Booleans"; it
    # "returns a list of time series". A Boolean (`true`) reads as an id: any kind passes.
    "LAMBDA": Signature((_one(STR),) + (_maybe(ANYTHING, says="a string, a number or a Boolean"),) * 20,
                        "TS|TS[]"),
    "METRIC_COUNT": Signature((_one(TS_ARRAY),), S),
    "METRICS": Signature((_maybe(STR),), TS_ARRAY),
    "MINUTE": _TIME, "HOUR": _TIME, "DAY": _TIME, "DATE": _TIME, "MONTH": _TIME, "YEAR": _TIME, "EPOCH": _TIME,
    # "Returns the period of the metric in seconds. Valid input is metrics, not the results of other
    # expressions": a query's id that reads a metric; a number or any other series is refused (the array
    # METRICS() gives, of metrics, only warned about: one series where the page lists an array).
    "PERIOD": Signature((_one(METRIC),), S),
    "REMOVE_EMPTY": Signature((_one(TS_ARRAY),), TS_ARRAY),
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html:
    # SEARCH(' {Namespace, DimensionName1, ...} SearchTerm', 'Statistic', Period); the page's own
    # examples leave the period out. "Returns one or more time series".
    "SEARCH": Signature((_one(STR), _one(STR), _maybe(S)), "TS|TS[]"),
    "SERVICE_QUOTA": Signature((_one(TS),), TS),
    # "(TS[], S, S) or (TS[], S)"; gives "TS[] TS".
    "SLICE": Signature((_one(TS_ARRAY), _one(S), _maybe(S)), "TS|TS[]"),
    # "(TS[], FUNCTION, SORT_ORDER) (TS[], FUNCTION, SORT_ORDER, S)": "The function you use can be AVG,
    # MIN, MAX, or SUM. The sort order can be either ASC ... or DESC"; then an optional limit.
    "SORT": Signature((_one(TS_ARRAY), _one("=AVG", "=MIN", "=MAX", "=SUM"), _one("=ASC", "=DESC"), _maybe(S)),
                      TS_ARRAY),
    "TIME_SERIES": Signature((_one(S),), TS),
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.Cloudwatch.html
    # ("Querying other Performance Insights counter metrics in CloudWatch") and CloudWatch's "Create an
    # alarm on Performance Insights counter metrics from an AWS database": DB_PERF_INSIGHTS('RDS',
    # 'db-ABCDEFGHIJKLMNOPQRSTUVWXY1', 'os.cpuUtilization.user.avg') (the service, e.g. 'RDS'; the
    # database's resource id; the counter), the counter also as an array of them, one series each
    # (the corpus of tests/test_metric_math_checks.py).
    "DB_PERF_INSIGHTS": Signature((_one(STR), _one(STR), _one(STR, STR_ARRAY)), "strings"),
}


@dataclass(frozen=True)
class ArgumentProblem:
    """A call whose arguments AWS refuses (`fatal`) or its page does not list (a warning), at `offset`."""

    message: str
    offset: int
    fatal: bool


def takes(name: str) -> str:
    """What `name` takes, for a message: "FILL takes 2 arguments: a time series or ...; then a number, ..."."""
    signature = SIGNATURES[name]
    most, least = len(signature.params), signature.least
    count = f"{least} argument{'s' if least != 1 else ''}" if most == least else (
        f"{least} or {most} argument{'s' if most != 1 else ''}" if most == least + 1 else f"{least} to {most} arguments")
    return f"{name} takes {count}: {_params_text(signature.params)}"


def _params_text(params: tuple[Param, ...]) -> str:
    parts: list[str] = []
    index = 0
    while index < len(params):
        param, run = params[index], 1
        while param.optional and index + run < len(params) and params[index + run] == param:
            run += 1  # LAMBDA's 20 optional arguments are said once
        text = param.text() if run == 1 else f"up to {run} of {param.text()}"
        parts.append(("" if not parts else "then ") + ("optionally " if param.optional and run == 1 else "") + text)
        index += run
    return "; ".join(parts)


def _alternatives(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def describe(kind: Kind) -> str:
    """"a number", "a time series or an array of time series", "the word AVG"."""
    order = [S, TS, TS_ARRAY, STR, STR_ARRAY, ANYTHING]
    names = [_NAMES[k] for k in order if k in kind] + [f"the word {k[1:]}" for k in sorted(kind) if k.startswith("=")]
    return _alternatives(names)


def fits(found: Kind, allowed: Collection[str]) -> bool:
    return ANYTHING in found or ANYTHING in allowed or not found.isdisjoint(allowed)


def call_problems(call: Call, kinds: list[Kind]) -> list[ArgumentProblem]:
    """What is wrong with `call` (a function of SIGNATURES) given its arguments' `kinds`."""
    signature = SIGNATURES[call.name]
    if not signature.least <= len(kinds) <= len(signature.params):
        given = f"{len(kinds)} argument{'s' if len(kinds) != 1 else ''}"
        return [ArgumentProblem(f"{call.name} is given {given}; {takes(call.name)}", call.offset, True)]
    found: list[ArgumentProblem] = []
    for index, (kind, param) in enumerate(zip(kinds, signature.params)):
        if fits(kind, param.kinds):
            continue
        fatal = _fatal(kind, param)
        offset = call.arg_offsets[index] if index < len(call.arg_offsets) else call.offset
        what = describe(kind)
        if METRIC in param.kinds:  # an id that is not a metric's is an expression's: say which
            argument = call.args[index]
            what = f"'{argument.id}', an expression" if isinstance(argument, Ref) else what
        message = f"argument {index + 1} of {call.name} is {what}, not {param.text()} ({takes(call.name)})"
        if METRIC in param.kinds:
            message += f"; {_ONLY_METRICS}"
        if not fatal:
            message += "; CloudWatch's function table lists no other, so AWS may refuse it"
        found.append(ArgumentProblem(message, offset, fatal))
    return found


def _fatal(kind: Kind, param: Param) -> bool:
    """Whether AWS cannot read `kind` in `param`'s slot; numbers and series in the wrong shape only are not:
    the page's columns may be terser than AWS is. Where only a metric goes, a number or a series that may be
    an expression's result is the page's own "not the results of other expressions"."""
    if METRIC in param.kinds:
        return not kind.isdisjoint({S, TS}) or kind.isdisjoint(NUMERIC)
    return kind.isdisjoint(NUMERIC) or NUMERIC.isdisjoint(param.kinds)


def gives(name: str, kinds: list[Kind]) -> Kind:
    """The kind a call of `name` gives, its arguments being of `kinds` (each narrowed to what its slot takes)."""
    signature = SIGNATURES[name]
    narrowed = [_narrow(kind, param) for kind, param in zip(kinds, signature.params)]
    rule = signature.gives
    if rule == "same":
        return narrowed[0]
    if rule == "reduce":
        return frozenset({S if k == TS else TS for k in narrowed[0]})
    if rule == "if":
        if all(k == {S} for k in narrowed):
            return frozenset({S})
        return frozenset({TS}) if any(S not in k for k in narrowed) else frozenset({S, TS})
    if rule == "strings":
        return frozenset({TS if k == STR else TS_ARRAY for k in narrowed[2]})
    return frozenset(rule.split("|"))


def _narrow(kind: Kind, param: Param) -> Kind:
    """What of `kind` the slot takes; all the slot takes when nothing is known (or nothing fits: already
    reported, and the call's result is then the best guess)."""
    if ANYTHING in param.kinds:
        return kind
    common = kind & frozenset(param.kinds)
    return common or frozenset(param.kinds)


def problems(tree: Node, kind_of_id: Callable[[str], Kind]) -> list[ArgumentProblem]:
    """Every call in `tree` whose arguments do not fit SIGNATURES, ids being of `kind_of_id(id)`.
    A function not in SIGNATURES is not checked (`unknown-math-function` is the caller's)."""
    found: list[ArgumentProblem] = []
    _kind(tree, kind_of_id, found)
    return found


def _kind(node: Node, kind_of_id: Callable[[str], Kind], found: list[ArgumentProblem]) -> Kind:
    if isinstance(node, Num):
        return frozenset({S})
    if isinstance(node, Str):
        return frozenset({STR})
    if isinstance(node, Keyword):
        return frozenset({"=" + node.name})
    if isinstance(node, Ref):
        return kind_of_id(node.id)
    if isinstance(node, Array):
        items = [_kind(item, kind_of_id, found) for item in node.items]
        if items and all(k == {STR} for k in items):
            return frozenset({STR_ARRAY})
        return frozenset({TS_ARRAY, STR_ARRAY}) if any(ANYTHING in k for k in items) else frozenset({TS_ARRAY})
    if isinstance(node, Unary):
        return _kind(node.operand, kind_of_id, found) & NUMERIC or ANY
    if isinstance(node, Binary):
        return _combined(_kind(node.left, kind_of_id, found), _kind(node.right, kind_of_id, found))
    kinds = [_kind(arg, kind_of_id, found) for arg in node.args]
    if node.name not in SIGNATURES:
        return ANY
    found.extend(call_problems(node, kinds))
    signature = SIGNATURES[node.name]
    counted = signature.least <= len(kinds) <= len(signature.params)
    return gives(node.name, kinds) if counted else _everything(node.name)


def _combined(left: Kind, right: Kind) -> Kind:
    """An operator's result: "S, S S, TS TS, TS S, TS[] TS, TS[]" (the arithmetic table); operators are not
    checked here, so an odd operand gives ANY."""
    left, right = left & NUMERIC, right & NUMERIC
    if not left or not right:
        return ANY
    return frozenset(TS_ARRAY if TS_ARRAY in (a, b) else TS if TS in (a, b) else S for a in left for b in right)


@functools.lru_cache(maxsize=None)
def _everything(name: str) -> Kind:
    """Every kind `name` can give: the result of a call whose arguments could not be counted."""
    signature = SIGNATURES[name]
    if signature.gives in ("same", "reduce", "if", "strings"):
        return {"same": SERIES, "reduce": frozenset({S, TS}), "if": frozenset({S, TS}),
                "strings": SERIES}[signature.gives]
    return frozenset(signature.gives.split("|"))
