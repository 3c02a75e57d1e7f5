"""Split a PromQL alert expression into what to graph and the threshold it is compared with:
`job:http_error_ratio:rate5m > 0.05` -> (`job:http_error_ratio:rate5m`, `>`, 0.05).

Only a comparison at the top level (outside parentheses, braces, brackets and strings) with a
number on its right counts; anything else is graphed whole, without a threshold line.
Operators: https://prometheus.io/docs/prometheus/latest/querying/operators/#comparison-binary-operators
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_OPERATORS = ("==", "!=", ">=", "<=", ">", "<")
_NUMBER = re.compile(r"^\s*(?:bool\s+)?([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:#.*)?$")
_OPEN, _CLOSE = "([{", ")]}"


@dataclass(frozen=True, slots=True)
class SplitAlert:
    query: str  # the left-hand side
    operator: str
    value: float
    text: str  # the number as written


def split_threshold(expr: str) -> SplitAlert | None:
    for position, operator in reversed(_top_level_operators(expr)):
        match = _NUMBER.match(expr[position + len(operator):])
        if match and math.isfinite(value := float(match.group(1))):
            query = expr[:position].strip()
            return SplitAlert(query, operator, value, match.group(1)) if query else None
    return None


def _top_level_operators(expr: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    depth, quote, index = 0, "", 0
    while index < len(expr):
        char = expr[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char == "#":  # a comment runs to the end of the line
            newline = expr.find("\n", index)
            index = len(expr) if newline < 0 else newline
            continue
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif depth == 0:
            operator = next((op for op in _OPERATORS if expr.startswith(op, index)), None)
            if operator and not expr.startswith("=~", index) and not expr.startswith("!~", index):
                found.append((index, operator))
                index += len(operator)
                continue
        index += 1
    return found
