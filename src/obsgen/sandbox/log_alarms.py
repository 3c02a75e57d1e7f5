"""CloudWatch native log alarms, which moto (5.2.5) does not have: PutLogAlarm answers NotImplemented
and DescribeAlarms knows no LogAlarms. Implemented as botocore's cloudwatch model (1.44.8) documents
them:

* PutLogAlarm "creates or updates a log alarm" by name; required AlarmName (1..255),
  ScheduledQueryConfiguration (QueryString at most 10,000 characters, LogGroupIdentifiers 1..50,
  ScheduledQueryRoleARN, ScheduleConfiguration with ScheduleExpression 1..256 and StartTimeOffset
  1..2592000, EndTimeOffset "non-negative and less than StartTimeOffset", AggregationExpression
  1..2048), QueryResultsToEvaluate 1..100, QueryResultsToAlarm at least 1 and "less than or equal to
  QueryResultsToEvaluate", Threshold, ComparisonOperator (the four single-threshold operators the
  parameter's documentation lists); ActionLogLineCount 0..50 and ActionLogLineRoleArn "Required when
  ActionLogLineCount is greater than 0"; at most 5 actions of each state (ResourceList max 5).
  A name held by a metric or composite alarm is ResourceConflict ("the request conflicts with the
  current state of the alarm", the operation's modelled error). Tags apply when the call creates
  the alarm and are ignored on an update, as PutMetricAlarm's.
* The alarm is kept in moto's `alarms` dict as an `Alarm` with a `log_alarm` attribute (its
  description), so tagging, the Resource Groups Tagging API scan and SetAlarmState work as for the
  other alarms; DescribeAlarms answers it under LogAlarms for AlarmTypes ["LogAlarm"] only, with
  ScheduledQueryConfiguration.QueryARN filled in ("populated in DescribeAlarms responses").
* DeleteAlarms refuses a log alarm named with any other alarm ("Log alarms cannot be batch
  deleted", API_DeleteAlarms.html).

Error codes are the model's; messages are ours (marked "approx").
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.cloudwatch.exceptions import CloudWatchException, ValidationError
from moto.cloudwatch.models import Alarm, CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult, EmptyResult

LOG_ALARM = "log_alarm"  # the attribute that makes a moto Alarm a log alarm
PARAMS = ("AlarmName", "AlarmDescription", "ScheduledQueryConfiguration", "ActionLogLineCount", "ActionLogLineRoleArn",
          "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions", "QueryResultsToEvaluate",
          "QueryResultsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData", "WarmUpConfiguration",
          "ActionConfiguration")
OPERATORS = ("GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold")
MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
MAX_ACTIONS = 5  # ResourceList: max 5
MAX_RESULTS = 100  # QueryResultsToEvaluate: "Valid range is 1 through 100"
MAX_LOG_LINES = 50  # ActionLogLineCount: "Valid range is 0 through 50"
MAX_LOG_GROUPS = 50  # LogGroupIdentifiers: "between 1 and 50 entries"
MAX_OFFSET = 2592000  # StartTimeOffset: 1..2592000


class ResourceConflict(CloudWatchException):
    code = "ResourceConflict"  # PutLogAlarm's modelled error, HTTP 409


def _invalid(message: str) -> ValidationError:
    return ValidationError(f"{message} (approx)")


def is_log_alarm(alarm: Any) -> bool:
    return getattr(alarm, LOG_ALARM, None) is not None


def _check_length(name: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise _invalid(f"{name} must be between {low} and {high} characters")


def _check_query(query: dict[str, Any]) -> None:
    for key in ("QueryString", "ScheduledQueryRoleARN", "ScheduleConfiguration", "AggregationExpression"):
        if query.get(key) is None:
            raise _invalid(f"ScheduledQueryConfiguration.{key} is required")
    _check_length("QueryString", query["QueryString"], 0, 10000)
    _check_length("AggregationExpression", query["AggregationExpression"], 1, 2048)
    groups = query.get("LogGroupIdentifiers") or []
    if not 1 <= len(groups) <= MAX_LOG_GROUPS:
        raise _invalid(f"LogGroupIdentifiers must hold between 1 and {MAX_LOG_GROUPS} entries")
    schedule = query["ScheduleConfiguration"]
    _check_length("ScheduleExpression", schedule.get("ScheduleExpression"), 1, 256)
    start, end = int(schedule.get("StartTimeOffset") or 0), schedule.get("EndTimeOffset")
    if not 1 <= start <= MAX_OFFSET:
        raise _invalid(f"StartTimeOffset must be between 1 and {MAX_OFFSET}")
    if end is not None and not 0 <= int(end) < start:
        raise _invalid("EndTimeOffset must be non-negative and less than StartTimeOffset")


def check_put(backend: CloudWatchBackend, params: dict[str, Any]) -> None:
    """ValidationError or ResourceConflict for what AWS refuses (the module docstring)."""
    for key in ("AlarmName", "ScheduledQueryConfiguration", "QueryResultsToEvaluate", "QueryResultsToAlarm",
                "Threshold", "ComparisonOperator"):
        if params.get(key) is None:
            raise _invalid(f"{key} is required")
    _check_length("AlarmName", params["AlarmName"], 1, 255)
    _check_length("AlarmDescription", params.get("AlarmDescription") or "", 0, 1024)
    _check_query(params["ScheduledQueryConfiguration"])
    evaluate, alarm = int(params["QueryResultsToEvaluate"]), int(params["QueryResultsToAlarm"])
    if not 1 <= evaluate <= MAX_RESULTS:
        raise _invalid(f"QueryResultsToEvaluate must be between 1 and {MAX_RESULTS}")
    if not 1 <= alarm <= evaluate:
        raise _invalid("QueryResultsToAlarm must be between 1 and QueryResultsToEvaluate")
    if params["ComparisonOperator"] not in OPERATORS:
        raise _invalid(f"ComparisonOperator must be one of {', '.join(OPERATORS)}")
    if params.get("TreatMissingData") not in (None, *MISSING_DATA):
        raise _invalid(f"TreatMissingData must be one of {', '.join(MISSING_DATA)}")
    lines = int(params.get("ActionLogLineCount") or 0)
    if not 0 <= lines <= MAX_LOG_LINES:
        raise _invalid(f"ActionLogLineCount must be between 0 and {MAX_LOG_LINES}")
    if lines and not params.get("ActionLogLineRoleArn"):
        raise _invalid("ActionLogLineRoleArn is required when ActionLogLineCount is greater than 0")
    for key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        if len(params.get(key) or []) > MAX_ACTIONS:
            raise _invalid(f"{key} may hold at most {MAX_ACTIONS} actions")
    existing = backend.alarms.get(params["AlarmName"])
    if existing is not None and not is_log_alarm(existing):
        raise ResourceConflict(f"An alarm named {params['AlarmName']} exists and is not a log alarm (approx)")


def put_log_alarm(backend: CloudWatchBackend, params: dict[str, Any], tags: list[dict[str, str]]) -> Alarm:
    """Create or replace a log alarm, checked as AWS does; a new alarm gets `tags`."""
    check_put(backend, params)
    name = params["AlarmName"]
    previous = backend.alarms.get(name)
    alarm = Alarm(backend.account_id, backend.region_name, name, "", "", None, params["ComparisonOperator"],
                  int(params["QueryResultsToEvaluate"]), int(params["QueryResultsToAlarm"]), 0,
                  float(params["Threshold"]), "", None, params.get("AlarmDescription") or "", [],
                  params.get("AlarmActions") or [], params.get("OKActions") or [],
                  params.get("InsufficientDataActions") or [], None, params.get("ActionsEnabled", True),
                  params.get("TreatMissingData"), None, None, None)
    described = {k: v for k, v in params.items() if k in PARAMS and v is not None}
    query = dict(described["ScheduledQueryConfiguration"])
    query["QueryARN"] = (f"arn:aws:logs:{backend.region_name}:{backend.account_id}:scheduled-query:"
                         f"cloudwatch-alarm-{name}")
    described.update(ScheduledQueryConfiguration=query, AlarmArn=alarm.alarm_arn,
                     AlarmConfigurationUpdatedTimestamp=datetime.now(timezone.utc))
    setattr(alarm, LOG_ALARM, described)
    if previous is not None:  # an update keeps the alarm's state and ignores the tags
        alarm.state_value, alarm.state_reason = previous.state_value, previous.state_reason
    backend.alarms[name] = alarm
    if previous is None and tags:
        backend.tagger.tag_resource(alarm.alarm_arn, tags)
    return alarm


def description(alarm: Any) -> dict[str, Any]:
    """A LogAlarm as DescribeAlarms answers it (`alarm`: a moto Alarm put by put_log_alarm)."""
    described: dict[str, Any] = getattr(alarm, LOG_ALARM)
    return {**described, "StateValue": alarm.state_value, "StateReason": alarm.state_reason,
            "StateUpdatedTimestamp": alarm.state_updated_timestamp}


def check_delete(backend: CloudWatchBackend, names: list[str]) -> None:
    """"Log alarms cannot be batch deleted" (API_DeleteAlarms.html): one a call."""
    logs = [n for n in names if n in backend.alarms and is_log_alarm(backend.alarms[n])]
    if logs and len(names) > 1:
        raise _invalid(f"Log alarms cannot be batch deleted: {', '.join(logs)}")


def put_log_alarm_response(self: CloudWatchResponse) -> ActionResult:
    params = {key: self._get_param(key) for key in PARAMS}
    put_log_alarm(self.cloudwatch_backend, params, self._get_param("Tags") or [])
    return EmptyResult()
