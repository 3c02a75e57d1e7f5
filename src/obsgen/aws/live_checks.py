"""`obsgen validate --env ENV --live`: what only the account knows, every check in one run.

Each check reads through the environment's clients under one deadline and judges what it read: alarms whose
metric the account has not published in the past 3 hours (metric_presence.py), deployed alarms stuck for
a day in INSUFFICIENT_DATA or ALARM (alarm_states.py), topics that reach nobody
(live_reach.py, reach_findings.py), log monitors that cannot match (live_logs.py). A check returns located
diagnostics, notes (reads the account refused: what was not checked and the permission it needs) and
summary lines (what was read, at what cost). An AWS error that is not a refusal stops the run with
`LiveCheckFailed`, saying which reads failed; the CLI shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, ContextManager

from botocore.exceptions import BotoCoreError, ClientError

from ..diagnostics import Diagnostic
from ..model import EnvironmentModel
from . import alarm_states, live_logs, live_reach, metric_presence, reach_findings
from .deadline import Deadline
from . import SyncError
from .session import Clients


class LiveCheckFailed(Exception):
    """A read failed for another reason than a refusal: the message says which."""


@dataclass(slots=True)
class LiveOutcome:
    problems: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)


Waiting = Callable[[str], ContextManager[object]]  # what the caller shows while a check waits for AWS


def run(model: EnvironmentModel, clients: Clients, deadline: Deadline, waiting: Waiting) -> LiveOutcome:
    outcome = LiveOutcome()
    for doing, failing, check in CHECKS:
        if check is _logs and not model.metric_filters:
            continue  # no log monitor: no call made, no summary line
        try:
            with waiting(doing.format(env=model.env)):
                check(model, clients, deadline, outcome)
        except SyncError as exc:
            raise LiveCheckFailed(str(exc)) from None
        except (ClientError, BotoCoreError) as exc:
            raise LiveCheckFailed(f"{failing}: {exc}") from None
    return outcome


def _metrics(model: EnvironmentModel, clients: Clients, deadline: Deadline, outcome: LiveOutcome) -> None:
    presence = metric_presence.read_presence(model, clients, deadline)
    problems = metric_presence.missing_metrics(model, presence)
    outcome.problems += problems
    outcome.summaries.append(metric_presence.summary(model, presence, problems))


def _states(model: EnvironmentModel, clients: Clients, deadline: Deadline, outcome: LiveOutcome) -> None:
    states = alarm_states.read_states(model, clients, deadline)
    problems = alarm_states.findings(model, states)
    outcome.problems += problems
    outcome.summaries.append(alarm_states.summary(model, states, problems))


def _reach(model: EnvironmentModel, clients: Clients, deadline: Deadline, outcome: LiveOutcome) -> None:
    reach = live_reach.read_reach(model, clients, deadline)
    outcome.problems += reach_findings.findings(model, reach)
    outcome.notes += reach.notes
    outcome.summaries.append(reach_findings.summary(model, reach))


def _logs(model: EnvironmentModel, clients: Clients, deadline: Deadline, outcome: LiveOutcome) -> None:
    reading = live_logs.read_logs(model, clients, deadline)
    problems = live_logs.findings(model, reading)
    outcome.problems += problems
    outcome.notes += live_logs.notes(reading)
    outcome.summaries.append(live_logs.summary(model, reading, problems))


# (what the wait is for, what a failure names, the check), in the order they run
CHECKS: tuple[tuple[str, str, Callable[[EnvironmentModel, Clients, Deadline, LiveOutcome], None]], ...] = (
    ("listing {env}'s metrics", "ListMetrics", _metrics),
    ("reading {env}'s alarm states", "DescribeAlarms", _states),
    ("reading {env}'s alarm topics", "reading the alarms' topics", _reach),
    ("sampling {env}'s log groups", "CloudWatch Logs", _logs),
)
