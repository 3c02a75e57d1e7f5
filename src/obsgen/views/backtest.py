"""`obsgen backtest` output: text, JSON and Markdown (a pull-request comment). Formatting only."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from ..backtest import AlarmReport, BacktestReport
from ..values import format_duration, number_text

FORMAT_VERSION = 1


def when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _days(report: BacktestReport) -> str:
    return f"{number_text(round(report.days, 2))} day(s)"


def verdict(report: BacktestReport, alarm: AlarmReport) -> str:
    """One line of what the alarm would have done."""
    if alarm.unsupported:
        return f"not replayed: {alarm.unsupported}"
    if alarm.dead:
        return "DEAD: not one datapoint in the window for any metric it reads"
    parts = [f"fired {alarm.fires} time(s)"]
    if alarm.time_in_alarm:
        parts.append(f"{format_duration(alarm.time_in_alarm)} in ALARM (longest {format_duration(alarm.longest_alarm)})")
    parts.append(f"{report.flaps_per_day(alarm):.2f} state changes/day")
    if alarm.kind != "composite":
        parts.append(f"{alarm.datapoints_missing} of {alarm.datapoints_expected} datapoints missing")
    return ", ".join(parts)


def suggestion_text(alarm: AlarmReport) -> str:
    s = alarm.suggestion
    if s is None:
        return ""
    return (f"threshold {s.comparison} {number_text(s.threshold)} would have fired {s.fires} time(s) "
            f"(target: at most {s.target}; now {alarm.threshold})")


def text(report: BacktestReport) -> str:
    lines = [f"backtest of {report.env}: {when(report.start)} to {when(report.end)} ({_days(report)}, "
             f"{report.queries} metric queries in {report.calls} GetMetricData call(s))"]
    for alarm in report.alarms:
        lines.append(f"{alarm.ref} ({alarm.name}): {verdict(report, alarm)}")
        if alarm.suggestion is not None:
            lines.append(f"    suggestion: {suggestion_text(alarm)}")
        lines += [f"    note: {n}" for n in alarm.notes]
    lines.append(f"in all: {report.total_fires} fire(s), {report.total_pages} of them paging")
    return "\n".join(lines) + "\n"


def as_json(report: BacktestReport) -> str:
    return json.dumps({
        "format_version": FORMAT_VERSION,
        "env": report.env, "start": _iso(report.start), "end": _iso(report.end), "days": round(report.days, 4),
        "get_metric_data_calls": report.calls, "metric_queries": report.queries,
        "fires": report.total_fires, "pages": report.total_pages,
        "alarms": [{
            "monitor": a.ref, "alarm": a.name, "kind": a.kind, "threshold": a.threshold, "pages": a.pages,
            "fires": a.fires, "fire_times": [_iso(t) for t in a.fire_times],
            "time_in_alarm_seconds": a.time_in_alarm, "longest_alarm_seconds": a.longest_alarm,
            "state_changes": a.state_changes, "flaps_per_day": round(report.flaps_per_day(a), 4),
            "datapoints_expected": a.datapoints_expected, "datapoints_missing": a.datapoints_missing,
            "dead": a.dead, "period_seconds": a.period, "unsupported": a.unsupported or None, "notes": list(a.notes),
            "suggestion": None if a.suggestion is None else {
                "comparison": a.suggestion.comparison, "threshold": a.suggestion.threshold,
                "fires": a.suggestion.fires, "target": a.suggestion.target},
        } for a in report.alarms],
    }, indent=2, sort_keys=False) + "\n"


def _cell(value: str) -> str:
    """Inert in a Markdown table: no pipes, no HTML, no line breaks from names or notes."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "&#124;")
            .replace("\n", " ").replace("`", "'"))


def markdown(report: BacktestReport) -> str:
    """For a pull-request comment: the headline first ("would have paged 14 times last week")."""
    lines = [f"### obsgen backtest: `{_cell(report.env)}`, {_days(report)} to {when(report.end)}", "",
             f"With these alarms, **{report.env} would have paged {report.total_pages} time(s)** "
             f"(fired {report.total_fires} time(s) in all) over the last {_days(report)}.", "",
             "| alarm | fired | time in ALARM | longest | state changes/day | datapoints missing | note |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for a in report.alarms:
        note = ("not replayed: " + a.unsupported) if a.unsupported else "**dead alarm**: no data" if a.dead \
            else ("suggestion: " + suggestion_text(a)) if a.suggestion else ""
        missing = f"{a.datapoints_missing} of {a.datapoints_expected}" if a.kind != "composite" else "-"
        lines.append(f"| `{_cell(a.ref)}` | {a.fires} | {format_duration(a.time_in_alarm)} | "
                     f"{format_duration(a.longest_alarm)} | {report.flaps_per_day(a):.2f} | {missing} | {_cell(note)} |")
    lines += ["", f"<sub>{report.calls} GetMetricData call(s); suggestions are never applied.</sub>"]
    return "\n".join(lines) + "\n"


FORMATS = {"text": text, "json": as_json, "markdown": markdown}
