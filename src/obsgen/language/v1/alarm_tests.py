"""CloudWatch alarm unit tests in service files: `tests:` items with `alarm:` (docs/alarm-evaluation.md).

They sit in the same `tests:` list as promtool's groups and are told apart by one key: a CloudWatch
test names the monitor it tests with `alarm:`, a promtool group never has that key (and has
`input_series`). The notation follows promtool's so people who know it read it without a manual:
https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/ (`series` values in
the expanding notation `0+10x30`, `_` for a missing sample), with expectations at times:

    tests:
      - alarm: dynamo-throttle
        name: throttled writes for ten minutes page
        interval: 1m                       # step of the values (default 1m)
        series:
          reads: "0x60"                    # a metric id of the monitor, ...
          writes: "_x10 3x10 0x40"         # ... 'monitor', 'monitor.id', 'service/monitor[.id]' or 'resource.Metric'
          # or explicit times:  writes: {"10m": 3, "11m": 3}
        expect:
          at 9m: state OK
          at 15m: OK -> ALARM, notifies [high]
          at 30m: ALARM -> OK

This module holds the spec models and parses the notation into values; `obsgen.alarm_tests` runs them.
"""


import math
import re
from dataclasses import dataclass
from typing import Annotated, Union

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from ...diagnostics import shown
from .fields import DURATION_PATTERN, Duration, Name, Strict, parse_duration, inspected_once

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
# promtool's expanding notation (unit_testing_rules.md, "series"): 'a+bxn' is a, a+b, ..., a+n*b
# (n+1 values), 'axn' is a repeated n+1 times, '_' a missing sample and '_xn' n missing samples.
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_TERM = re.compile(rf"^(?:(?P<missing>_)(?:x(?P<missing_n>\d+))?|(?P<a>{_NUMBER})(?:(?P<op>[-+])(?P<b>{_NUMBER}))?(?:x(?P<n>\d+))?)$")
MAX_VALUES = 100_000  # per series: two months of minutes; more is a typo (1x1000000000) that would exhaust memory
# A test covers at most 31 days from its start: the evaluator evaluates every minute up to the last
# value or expectation, so `at 99999d` would otherwise run for hours.
MAX_SPAN = 31 * 86400
_AT = re.compile(r"^at\s+(\S+)$")
_TRANSITION = re.compile(r"^(?P<from>[A-Z_]+)\s*->\s*(?P<to>[A-Z_]+)(?:\s*,\s*notifies\s*\[(?P<notifies>[^\]]*)\])?$")
_DURATION_TEXT = re.compile(DURATION_PATTERN)
_STATE = re.compile(r"^state\s+(?P<state>[A-Z_]+)$")


def expand_values(text: str) -> list[float | None]:
    """'1 2 _ 0+5x3' -> [1, 2, None, 0, 5, 10, 15]. Raises ValueError naming the bad term."""
    values: list[float | None] = []
    for term in text.split():
        match = _TERM.match(term)
        if match is None:
            raise ValueError(f"'{shown(term)}' is not a value: write a number, '_' (missing), 'a+bxn', 'a-bxn', "
                             "'axn' or '_xn' (promtool's notation)")
        if match["missing"]:
            count = int(match["missing_n"] or 1)
            new: list[float | None] = [None] * min(count, MAX_VALUES + 1)
        else:
            a, n = float(match["a"]), int(match["n"] or 0)
            step = float(match["b"] or 0) * (-1 if match["op"] == "-" else 1)
            if n > MAX_VALUES:
                raise ValueError(f"'{shown(term)}' makes more than {MAX_VALUES:,} values")
            new = [a + i * step for i in range(n + 1)]
            if not all(math.isfinite(v) for v in new if v is not None):
                raise ValueError(f"'{shown(term)}' makes a value that is not a finite number")
        values += new
        if len(values) > MAX_VALUES:
            raise ValueError(f"a series holds at most {MAX_VALUES:,} values")
    if not values:
        raise ValueError("a series needs at least one value")
    return values


@inspected_once
def _check_series(given: object) -> object:
    """One error for a bad series, whatever its form (a union would report one per member)."""
    if isinstance(given, str):
        expand_values(given)
        return given
    if not isinstance(given, dict):
        raise ValueError("a series is a string of values ('0+10x30 _ 5') or a mapping of times to values")
    if not given:
        raise ValueError("a series needs at least one value")
    for key, value in given.items():
        if not isinstance(key, str):
            raise ValueError(f"'{shown(key)}' is not a time: write a duration such as '12m'")
        _within_span(parse_duration(key), key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value)):
            raise ValueError(f"the value at {shown(key)} must be a finite number or null (missing)")
    return given


@inspected_once
def _check_at(key: str) -> str:
    parse_at(key)
    return key


@inspected_once
def _check_outcome(value: str) -> str:
    parse_outcome(0, value)
    return value


# The schema says what the parser accepts, so an editor flags '0+1x' or a time 'soon' as it is typed:
# the notation's terms (_TERM without its named groups), and durations as keys of the mapping form.
_TERM_TEXT = rf"(?:_(?:x\d+)?|{_NUMBER}(?:[-+]{_NUMBER})?(?:x\d+)?)"
SERIES_PATTERN = rf"^\s*{_TERM_TEXT}(?:\s+{_TERM_TEXT})*\s*$"
_SERIES_SCHEMA = {"anyOf": [
    {"type": "string", "pattern": SERIES_PATTERN},
    {"type": "object", "minProperties": 1, "propertyNames": {"pattern": DURATION_PATTERN},
     "additionalProperties": {"type": ["number", "null"]}},
]}
Series = Annotated[Union[str, dict[str, Union[float, int, None]]], BeforeValidator(_check_series),
                   WithJsonSchema(_SERIES_SCHEMA)]
AtKey = Annotated[str, AfterValidator(_check_at)]
Outcome = Annotated[str, AfterValidator(_check_outcome)]


@dataclass(frozen=True, slots=True)
class Expectation:
    """`at 12m: state ALARM` (state only) or `at 12m: OK -> ALARM, notifies [high]`."""

    at: int  # seconds after the series start
    state: str
    previous: str | None = None  # a transition: the state it leaves
    notifies: tuple[str, ...] | None = None  # severities whose topic is notified; None: not checked

    @property
    def text(self) -> str:
        if self.previous is None:
            return f"state {self.state}"
        told = "" if self.notifies is None else f", notifies [{', '.join(self.notifies)}]"
        return f"{self.previous} -> {self.state}{told}"


def parse_expectation(key: str, value: str) -> Expectation:
    """('at 12m', 'OK -> ALARM, notifies [high]') -> Expectation. Raises ValueError."""
    return parse_outcome(parse_at(key), value)


def parse_at(key: str) -> int:
    match = _AT.match(key.strip())
    if match is None or not _DURATION_TEXT.match(match.group(1)):
        raise ValueError(f"'{shown(key)}' must be 'at <time>' with a duration from the series start, e.g. 'at 12m'")
    return _within_span(parse_duration(match.group(1)), key)


def _within_span(seconds: int, what: str) -> int:
    if seconds > MAX_SPAN:
        raise ValueError(f"'{shown(what)}' is more than 31 days after the start: a test covers at most 31 days")
    return seconds


def parse_outcome(at: int, value: str) -> Expectation:
    text = value.strip()
    if (found := _STATE.match(text)) is not None:
        return Expectation(at, _state(found["state"]))
    if (found := _TRANSITION.match(text)) is not None:
        notifies = None
        if found["notifies"] is not None:
            notifies = tuple(sorted(n.strip() for n in found["notifies"].split(",") if n.strip()))
        return Expectation(at, _state(found["to"]), _state(found["from"]), notifies)
    raise ValueError(f"'{shown(value)}' must be 'state <STATE>' or '<STATE> -> <STATE>' with an optional "
                     "', notifies [severity, ...]' (states: OK, ALARM, INSUFFICIENT_DATA)")


def _state(text: str) -> str:
    if text not in STATES:
        raise ValueError(f"'{shown(text)}' is not an alarm state (OK, ALARM, INSUFFICIENT_DATA)")
    return text


class AlarmTest(Strict):
    """A unit test of one CloudWatch monitor of this service, evaluated offline (docs/alarm-evaluation.md)."""

    alarm: Name = Field(description="The monitor under test (metric, math or composite) of this service.")
    name: str | None = Field(default=None, min_length=1, description="What the test shows, for reports.")
    interval: Duration = Field(default=60, description="Time between two values of a series.")
    environments: list[Name] | None = Field(default=None, min_length=1,
                                            description="Run only in these environments (default: every one).")
    series: dict[str, Series] = Field(
        min_length=1, description="Input per metric: a metric id of the monitor, 'monitor', 'monitor.id', "
        "'service/monitor[.id]' or 'resource.Metric'; values in promtool's notation ('0+10x30', '_' missing) "
        "from time 0, or a mapping of times to values.")
    expect: dict[AtKey, Outcome] = Field(
        min_length=1, description="'at <time>': 'state <STATE>' or '<STATE> -> <STATE>[, notifies [severity, ...]]'.",
        json_schema_extra={"propertyNames": {"pattern": r"^at\s+(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"}})

    @field_validator("interval")
    @classmethod
    def _interval(cls, interval: int) -> int:
        if interval <= 0:
            raise ValueError("interval must be above 0s")
        return _within_span(interval, "interval")

    @model_validator(mode="after")
    def _series_within_span(self) -> "AlarmTest":
        for key, given in self.series.items():
            if isinstance(given, str) and (len(expand_values(given)) - 1) * self.interval > MAX_SPAN:
                raise ValueError(f"series '{shown(key)}' runs past 31 days at {self.interval}s a value: "
                                 "a test covers at most 31 days")
        return self

    def expectations(self) -> list[Expectation]:
        return [parse_expectation(k, v) for k, v in self.expect.items()]

    def points(self, key: str) -> list[tuple[int, float]]:
        """The series `key` as (seconds after start, value), missing samples left out."""
        given = self.series[key]
        if isinstance(given, str):
            return [(i * self.interval, v) for i, v in enumerate(expand_values(given)) if v is not None]
        return sorted((parse_duration(t), float(v)) for t, v in given.items() if v is not None)


__all__ = ["AlarmTest", "Expectation", "expand_values", "parse_expectation", "STATES"]
