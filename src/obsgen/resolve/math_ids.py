"""The ids a metric-math expression names that nothing defines: an alarm whose expression names a
misspelled id (`100 * erors / calls`) would be refused at apply or, on a dashboard, draw nothing.

Metric math writes functions in upper case (SUM, RATE, ...) and ids starting with a lower-case letter
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html), so every
lower-case word is an id. Quoted text (METRICS("filter")) and Metrics Insights queries (SELECT ...)
may hold any words: they are not checked."""

from __future__ import annotations

import re

_ID = re.compile(r"\b[a-z][a-zA-Z0-9_]*\b", re.ASCII)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_SELECT = re.compile(r"\bselect\b", re.IGNORECASE)


def unknown_ids(expression: str, known: set[str]) -> list[tuple[str, int]]:
    """(word, offset in `expression`) of each lower-case word that is not in `known`, first use only."""
    if _SELECT.search(expression):
        return []
    unquoted = _QUOTED.sub(lambda m: " " * len(m.group()), expression)  # blanks keep the offsets
    found: dict[str, int] = {}
    for match in _ID.finditer(unquoted):
        if match.group() not in known:
            found.setdefault(match.group(), match.start())
    return list(found.items())
