"""A backtest report read back from its JSON (`obsgen backtest --format json --out FILE`), for
`obsgen site --backtest FILE`. The file is input like any other: every field is checked for its type
and size, and anything else is a one-line error naming the field."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from .report import AlarmReport, BacktestReport, Suggestion

FORMAT_VERSION = 1
MAX_BYTES = 16 * 1024 * 1024  # a 1,000-alarm, 14-day report is well under 1 MiB
MAX_TEXT = 1024  # characters of any text field


class ReportFileError(ValueError):
    """The file is not a backtest report obsgen wrote."""


def load(text: str) -> BacktestReport:
    if len(text) > MAX_BYTES:
        raise ReportFileError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB: not a backtest report")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ReportFileError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise ReportFileError(f"not a backtest report of format_version {FORMAT_VERSION} "
                              "(write one with `obsgen backtest --format json --out FILE`)")
    alarms = _field(data, "alarms", list)
    report = BacktestReport(_text(data, "env"), _time(data, "start"), _time(data, "end"),
                            _field(data, "get_metric_data_calls", int), _field(data, "metric_queries", int))
    report.alarms = [_alarm(item, index) for index, item in enumerate(alarms)]
    if report.end <= report.start:
        raise ReportFileError("'end' must be after 'start'")
    return report


def _alarm(item: Any, index: int) -> AlarmReport:
    if not isinstance(item, dict):
        raise ReportFileError(f"alarms[{index}] must be an object")
    where = f"alarms[{index}]."
    suggestion = item.get("suggestion")
    parsed = None
    if suggestion is not None:
        if not isinstance(suggestion, dict) or suggestion.get("comparison") not in (">", ">=", "<", "<="):
            raise ReportFileError(f"{where}suggestion must be an object with a comparison >, >=, < or <=")
        parsed = Suggestion(suggestion["comparison"], float(_field(suggestion, "threshold", (int, float), where)),
                            _field(suggestion, "fires", int, where), _field(suggestion, "target", int, where))
    notes = _field(item, "notes", list, where)
    return AlarmReport(
        _text(item, "monitor", where), _text(item, "alarm", where), _text(item, "kind", where),
        _text(item, "threshold", where), bool(_field(item, "pages", bool, where)),
        fire_times=tuple(_epoch(t, f"{where}fire_times") for t in _field(item, "fire_times", list, where)),
        time_in_alarm=_field(item, "time_in_alarm_seconds", int, where),
        longest_alarm=_field(item, "longest_alarm_seconds", int, where),
        state_changes=_field(item, "state_changes", int, where),
        datapoints_expected=_field(item, "datapoints_expected", int, where),
        datapoints_missing=_field(item, "datapoints_missing", int, where),
        period=_field(item, "period_seconds", int, where), suggestion=parsed,
        unsupported=(item.get("unsupported") or "")[:MAX_TEXT] if isinstance(item.get("unsupported") or "", str) else "",
        notes=tuple(str(n)[:MAX_TEXT] for n in notes))


def _field(data: dict[str, Any], key: str, kind: Any, where: str = "") -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ReportFileError(f"'{where}{key}' is missing or has the wrong type")
    return value


def _text(data: dict[str, Any], key: str, where: str = "") -> str:
    value: str = _field(data, key, str, where)
    if len(value) > MAX_TEXT:
        raise ReportFileError(f"'{where}{key}' is longer than {MAX_TEXT} characters")
    return value


def _epoch(value: Any, where: str) -> int:
    if not isinstance(value, str):
        raise ReportFileError(f"'{where}' holds a time that is not a string")
    try:
        return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())
    except ValueError:
        raise ReportFileError(f"'{where}' holds '{value[:40]}', not a time like 2026-11-30T12:00:00Z") from None


def _time(data: dict[str, Any], key: str) -> int:
    return _epoch(data.get(key), key)
