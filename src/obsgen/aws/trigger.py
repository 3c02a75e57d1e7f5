"""`obsgen test-alarm`: put one managed alarm into ALARM so its notifications can be checked.

SetAlarmState changes the state until the next evaluation; obsgen restores the previous state
itself afterwards (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html).
"""

from __future__ import annotations

import time
from typing import Callable

from botocore.exceptions import BotoCoreError, ClientError

from ..conventions import TAG_ENV, TAG_PROJECT
from ..model import Alarm, EnvironmentModel
from . import SyncError
from .apply import describe_error
from .session import Clients

REASON = "obsgen test-alarm: checking that notifications reach the right people"


def find_alarm(model: EnvironmentModel, monitor: str) -> Alarm:
    """`service/monitor`, or a bare monitor name when it is unique, or the alarm name."""
    alarms = model.alarms()
    hits = [a for a in alarms if monitor in (a.ref, a.name)] or [a for a in alarms if a.monitor == monitor]
    if len(hits) != 1:
        known = ", ".join(a.ref for a in alarms[:10])
        problem = "is ambiguous" if hits else "is not a monitor of this environment"
        raise SyncError(f"'{monitor}' {problem}; use service/monitor (e.g. {known})")
    return hits[0]


def test_alarm(model: EnvironmentModel, clients: Clients, alarm: Alarm, hold_seconds: float = 0.0,
               sleep: Callable[[float], None] = time.sleep) -> tuple[str, str]:
    """ALARM, wait `hold_seconds`, restore. Returns (previous state, state set). Only owned alarms."""
    cw = clients.client("cloudwatch", alarm.region)  # the alarm's own region (a CloudFront alarm: us-east-1)
    try:
        found = cw.describe_alarms(AlarmNames=[alarm.name], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        live = (found["MetricAlarms"] + found["CompositeAlarms"])
        if not live:
            raise SyncError(f"alarm {alarm.name} does not exist in AWS; run `obsgen apply --env {model.env}` first")
        tags = {t["Key"]: t["Value"] for t in cw.list_tags_for_resource(ResourceARN=live[0]["AlarmArn"])["Tags"]}
        if tags.get(TAG_PROJECT) != model.project or tags.get(TAG_ENV) != model.env:
            raise SyncError(f"alarm {alarm.name} is not managed by obsgen; not touching it")
        previous = live[0]["StateValue"]
        try:  # an interrupt (Ctrl-C, or SIGTERM/SIGHUP as the CLI raises them) still restores
            cw.set_alarm_state(AlarmName=alarm.name, StateValue="ALARM", StateReason=REASON)
            sleep(hold_seconds)
        finally:
            cw.set_alarm_state(AlarmName=alarm.name, StateValue=previous, StateReason=f"{REASON} (restored)")
    except (ClientError, BotoCoreError) as exc:
        raise SyncError(f"test-alarm {alarm.name}: {describe_error(exc)}") from None
    return previous, "ALARM"
