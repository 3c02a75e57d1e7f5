"""When a monitor fires, in words a responder reads at 3 a.m.: "more than 10 5XXError in 10 minutes, 2 of 2 periods".

The phrases are Markdown: names, metrics and expressions from the spec are code spans (`code`), so
no character they hold can turn into Markdown (or HTML) structure. They are `Markdown` values; any
other string a runbook template writes is spec text and is escaped as text first (`as_text`).
"""

from __future__ import annotations

import re

from ..composite_rule import AllOf, AnyOf, Not, Ref, Rule
from ..model import CompositeAlarm, LogAlarm, MetricAlarm, MetricFilter, MetricStat, PrometheusAlert
from ..values import format_duration, number_text

COMPARISON_WORDS = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most"}
BAND_WORDS = {"outside": "goes outside", "above": "goes above", "below": "goes below"}
UNIT_SUFFIX = {"Milliseconds": " ms", "Seconds": " s", "Microseconds": " µs", "Percent": "%", "Count": "",
               "Bytes": " bytes", "Kilobytes": " KB", "Megabytes": " MB", "Gigabytes": " GB"}
MISSING_DATA_WORDS = {
    "notBreaching": "missing data counts as good",
    "breaching": "missing data counts as bad",
    "ignore": "missing data keeps the alarm in its current state",
    "missing": "with no data at all the alarm goes to INSUFFICIENT_DATA",
}
STATE_WORDS = {"ALARM": "is in ALARM", "OK": "is OK", "INSUFFICIENT_DATA": "has insufficient data"}


class Markdown(str):
    """Text that is Markdown already: obsgen's own phrases and code spans, and the guidance people write
    in runbooks_src/. The runbook templates write it as it is; they escape any other string (`as_text`),
    the way an HTML template escapes every value that is not marked safe."""

    __slots__ = ()


# Every character that can start inline structure: code spans, emphasis, links and images (`[`),
# autolinks, HTML and entities (`<`, `&`), GFM tables and strikethrough, hard breaks (`\`).
_INLINE = re.compile(r"([\\`*_\[\]<&|~])")
# What makes a line a block of its own, after any indentation: headings, quotes, list items, setext
# underlines and thematic breaks (`#`, `>`, `-`, `+`, `=`; `*` and `_` are escaped anywhere),
# ordered lists (`1.` or `1)` then a space or the end of the line; `2.5` is a number).
_BLOCK_START = re.compile(r"^([ \t]*)(?:([#>+=-])|(\d{1,9})([.)])(?=[ \t]|$))")


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MAY_NEED_ESCAPING = re.compile(r"[\\`*_\[\]<&|~\r\n]|^[ \t]*(?:[#>+=-]|\d{1,9}[.)](?:[ \t]|$))|https?://", re.I)
# A web address in spec text (a preset's AWS documentation page) becomes an autolink, `<https://...>`:
# its text is its target, and escaping its `_` would break it as a link in wikis. No trailing punctuation.
_URL = re.compile(r"https?://[^\s<>\x00-\x1f\x7f]*[^\s<>\x00-\x1f\x7f.,;:!?'\")\]]", re.I)


def _escaped_line(line: str) -> str:
    parts, end = [], 0
    for url in _URL.finditer(line):
        parts += [_INLINE.sub(r"\\\1", line[end:url.start()]), f"<{url.group()}>"]
        end = url.end()
    return _BLOCK_START.sub(_block_start, "".join(parts) + _INLINE.sub(r"\\\1", line[end:]))


def _block_start(match: re.Match[str]) -> str:
    indent, marker, digits, dot = match.groups()
    return f"{indent}\\{marker}" if marker else f"{indent}{digits}\\{dot}"


def as_text(text: str) -> Markdown:
    """Spec text (a summary, a description) as Markdown that shows exactly that text: no heading, list,
    image, HTML or link whose text hides its target can come out of it (CommonMark: any ASCII
    punctuation may be backslash-escaped); an http(s) address becomes an autolink showing itself.
    Line breaks (CommonMark's: LF, CR LF, CR) become LF; spaces are kept (an indented line may still read
    as a code block: text, shown as is)."""
    text = str(text)
    if not _MAY_NEED_ESCAPING.search(text):  # most names and sentences: nothing to do
        return Markdown(text)
    return Markdown("\n".join(_escaped_line(line) for line in _LINE_BREAK.split(text)))


def code(text: str) -> Markdown:
    """A Markdown code span that holds any text: the fence is longer than any run of backticks inside."""
    text = " ".join(str(text).split())  # a code span cannot span paragraphs; line breaks read as spaces anyway
    if "`" not in text:  # most names: one backtick each side (a page writes ~35 of them; 345,000 a big build)
        return Markdown(f"`{text}`" if text else "`  `")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return Markdown(f"{fence}{pad}{text}{pad}{fence}")


def period_words(seconds: int) -> str:
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}s" if count != 1 else f"1 {unit}"
    return format_duration(seconds)  # unreachable: every period is a whole number of seconds


def _value(alarm: MetricAlarm, stat: MetricStat | None) -> str:
    unit = alarm.unit or (stat.unit if stat else None)
    return f"{number_text(alarm.threshold.value)}{UNIT_SUFFIX.get(unit, f' {unit}') if unit else ''}"


def _evaluation(alarm: MetricAlarm) -> str:
    periods = alarm.evaluation_periods
    points = alarm.datapoints_to_alarm or periods
    text = f"{points} of {periods} period{'s' if periods != 1 else ''}"
    return f"{text}; {MISSING_DATA_WORDS.get(alarm.missing_data, alarm.missing_data)}"


def alarm_condition(alarm: MetricAlarm) -> Markdown:
    """The whole condition of a metric, anomaly-band or metric-math alarm."""
    period = period_words(alarm.period)
    comparison = COMPARISON_WORDS.get(alarm.threshold.operator, alarm.threshold.operator)
    if alarm.expression is not None and not alarm.queries:  # a Metrics Insights query
        what = f"{code(alarm.expression)} is {comparison} {_value(alarm, None)} over {period}"
    elif alarm.expression is not None:
        what = f"{code(alarm.expression)} is {comparison} {_value(alarm, None)} over {period}"
    elif alarm.threshold.is_band:
        stat = alarm.single_metric()
        what = (f"{_statistic(stat.statistic)} {code(stat.metric)} over {period} "
                f"{BAND_WORDS[alarm.threshold.operator]} its anomaly detection band "
                f"({number_text(alarm.threshold.value)} standard deviations wide)")
    else:
        stat = alarm.single_metric()
        what = _static(stat, comparison, _value(alarm, stat), period)
    return Markdown(f"{what}, {_evaluation(alarm)}")


def log_filter_condition(alarm: MetricAlarm, found: MetricFilter) -> Markdown:
    """A log monitor counting lines: "more than 5 lines of `/aws/lambda/x` match the filter pattern in
    5 minutes"; one measuring a field (value `$.latency`) reads like any metric alarm."""
    if found.value != "1" or found.dimensions or alarm.metric is None or alarm.metric.statistic != "Sum":
        return alarm_condition(alarm)
    comparison = COMPARISON_WORDS.get(alarm.threshold.operator, alarm.threshold.operator)
    value = number_text(alarm.threshold.value)
    return Markdown(f"{comparison} {value} lines of {code(found.log_group)} match the filter pattern in "
                    f"{period_words(alarm.period)}, {_evaluation(alarm)}")


def log_alarm_condition(alarm: LogAlarm) -> Markdown:
    """A native log alarm: its query's aggregate compared with the threshold, M of the last N runs."""
    comparison = COMPARISON_WORDS.get(alarm.threshold.operator, alarm.threshold.operator)
    runs = alarm.results_to_evaluate
    return Markdown(f"{code(alarm.aggregation)} of the Logs Insights query is {comparison} "
                    f"{number_text(alarm.threshold.value)} in {alarm.results_to_alarm} of the last {runs} "
                    f"run{'s' if runs != 1 else ''} (every {period_words(alarm.schedule)}, over the last "
                    f"{period_words(alarm.window)}); {MISSING_DATA_WORDS.get(alarm.missing_data, alarm.missing_data)}")


def _static(stat: MetricStat, comparison: str, value: str, period: str) -> str:
    if stat.statistic == "Sum":
        return f"{comparison} {value} {code(stat.metric)} in {period}"
    if stat.statistic == "SampleCount":
        return f"{comparison} {value} data points of {code(stat.metric)} in {period}"
    return f"{_statistic(stat.statistic)} {code(stat.metric)} {comparison} {value} over {period}"


def _statistic(statistic: str) -> str:
    return {"Average": "average", "Maximum": "maximum", "Minimum": "minimum", "Sum": "sum",
            "SampleCount": "number of data points of"}.get(statistic, statistic)


def metric_text(stat: MetricStat) -> Markdown:
    """`AWS/Lambda Errors` (FunctionName=orders-prod), Sum per 5m"""
    dimensions = ", ".join(f"{k}={v}" for k, v in stat.dimensions)
    where = f" ({code(dimensions)})" if dimensions else ""
    return Markdown(f"{code(stat.namespace + ' ' + stat.metric)}{where}, {stat.statistic} per {format_duration(stat.period)}")


def metrics(alarm: MetricAlarm | CompositeAlarm | LogAlarm) -> tuple[Markdown, ...]:
    """The metrics an alarm reads, one line each; for metric math, `id = metric`."""
    if isinstance(alarm, (CompositeAlarm, LogAlarm)):
        return ()
    if alarm.metric is not None:
        return (metric_text(alarm.metric),)
    return tuple(Markdown(f"{code(mid)} = {metric_text(stat)}") for mid, stat in alarm.queries)


def composite_condition(alarm: CompositeAlarm) -> Markdown:
    """`stock-api/api-throttle` is in ALARM or (... and ...): children by monitor (each has its own page)."""

    def words(rule: Rule, nested: bool) -> str:
        if isinstance(rule, Ref):
            return f"{code(alarm.qualify(rule.target))} {STATE_WORDS[rule.state]}"
        if isinstance(rule, Not):
            return f"not ({words(rule.operand, False)})"
        joiner = " and " if isinstance(rule, AllOf) else " or "
        text = joiner.join(words(op, True) for op in rule.operands)
        return f"({text})" if nested else text

    assert isinstance(alarm.rule, (Ref, Not, AllOf, AnyOf))
    return Markdown(words(alarm.rule, False))


def prometheus_condition(alert: PrometheusAlert) -> Markdown:
    held = f" for {period_words(alert.for_)}" if alert.for_ else ""
    return Markdown(f"the PromQL expression returns a result{held}; one alert per series it returns")
