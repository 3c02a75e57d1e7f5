"""`obsgen backtest`: how an environment's alarms would have behaved over their metrics' recent
history (docs/alarm-evaluation.md, "Backtest"). `report` holds the values (no AWS); `run` reads
CloudWatch (aws/history.py) and replays the evaluator."""

from .report import AlarmReport, BacktestReport, Suggestion

__all__ = ["AlarmReport", "BacktestReport", "Suggestion"]
