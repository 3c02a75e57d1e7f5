"""What is wrong with a metric-math expression, before AWS sees it: its syntax, the functions it calls,
their arguments and the ids it names. An alarm whose expression does not parse (`100 * errors / (calls`),
calls a function with the wrong arguments (`FILL(errors)`) or names a misspelled id (`100 * erors / calls`)
is refused at apply; on a dashboard the graph draws nothing.

Metric math writes functions in upper case (SUM, RATE, ...) and ids starting with a lower-case letter
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html), so every
lower-case word is an id. Quoted text (METRICS("filter")) and Metrics Insights queries (SELECT ...)
may hold any words: they are not checked, and a SELECT query is left to AWS entirely."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Collection

from ..diagnostics import Diagnostic, Span, error, shown, warning
from ..language.errors import did_you_mean
from ..metric_math import BOOLEANS, check, parse
from ..metric_math_functions import ANY, METRIC_QUERY, NUMERIC, SIGNATURES, Kind, problems

_ID = re.compile(r"\b[a-z][a-zA-Z0-9_]*\b", re.ASCII)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_SELECT = re.compile(r"\bselect\b", re.IGNORECASE)

# The functions of "Metric math syntax and functions" (the page above, its table "Functions supported
# for metric math"), plus those the page added later: LAMBDA ("Query metrics from other data sources"),
# DB_PERF_INSIGHTS (Performance Insights counters) and SQRT; each with its arguments in
# metric_math_functions.SIGNATURES, which cites them. AWS adds functions, so a name outside this list is
# a warning, not an error: AWS refuses the expression at apply if it has no such function.
FUNCTIONS = frozenset(SIGNATURES)


@dataclass(frozen=True)
class ExpressionProblem:
    """One finding, at `offset` in the expression; `fatal`: an error, else a warning."""

    code: str
    message: str
    offset: int
    fatal: bool = True


def expression_problems(expression: str, known: set[str], ids_are: str,
                        metrics: Collection[str] = ()) -> list[ExpressionProblem]:
    """Everything to report about `expression`, whose ids must be in `known` (`ids_are` says what they
    are, for the message: "one of this monitor's metrics"); those in `metrics` are metrics (one time
    series each), the others expressions."""
    if _SELECT.search(expression):
        return []
    syntax, calls = check(expression)
    found = [] if syntax is None else [ExpressionProblem(
        "bad-math-expression", f"expression is not valid metric math: {syntax.reason}", syntax.offset)]
    for name, offset in calls:
        if name not in FUNCTIONS:
            found.append(ExpressionProblem(
                "unknown-math-function", f"'{shown(name)}' is not one of CloudWatch's metric-math functions"
                f"{did_you_mean(name, sorted(FUNCTIONS))}; AWS refuses an expression calling a function it does "
                "not have", offset, fatal=False))
    if syntax is None:
        found += _argument_problems(expression, frozenset(metrics), frozenset(known))
    for word, offset in unknown_ids(expression, known):
        found.append(ExpressionProblem("unknown-metric-id", f"expression names '{shown(word)}', which is not "
                                       f"{ids_are}{did_you_mean(word, sorted(known))}", offset))
    return found


def diagnostics(expression: str, known: set[str], ids_are: str, at: Callable[[int], Span],
                metrics: Collection[str] = ()) -> list[Diagnostic]:
    """`expression_problems` as diagnostics, each at `at(offset)`: the character in the spec file."""
    return [(error if p.fatal else warning)(at(p.offset), p.code, p.message)
            for p in expression_problems(expression, known, ids_are, metrics)]


@functools.lru_cache(maxsize=4096)
def _argument_problems(expression: str, metrics: frozenset[str], known: frozenset[str]) -> tuple[ExpressionProblem, ...]:
    """Calls with the wrong number or kind of arguments (metric_math_functions); `expression` parses.
    Remembered: a project repeats its expressions, with the same ids, in every service and environment."""
    def kind_of(word: str) -> Kind:
        # A metric is one time series (and a metric: PERIOD's); an expression's result may be any number or
        # series; an unknown id is unknown-metric-id's, and fits anywhere.
        return METRIC_QUERY if word in metrics else NUMERIC if word in known else ANY

    return tuple(ExpressionProblem("bad-math-arguments" if p.fatal else "unexpected-math-argument", p.message,
                                   p.offset, p.fatal)
                 for p in problems(parse(expression, options=True), kind_of))


def unknown_ids(expression: str, known: set[str]) -> list[tuple[str, int]]:
    """(word, offset in `expression`) of each lower-case word that is not in `known`, first use only."""
    if _SELECT.search(expression):
        return []
    unquoted = _QUOTED.sub(lambda m: " " * len(m.group()), expression)  # blanks keep the offsets
    found: dict[str, int] = {}
    for match in _ID.finditer(unquoted):
        if match.group() not in known and match.group() not in BOOLEANS:
            found.setdefault(match.group(), match.start())
    return list(found.items())
