"""CloudWatch alarm mute rules, which moto (5.2.5) does not have at all: PutAlarmMuteRule,
GetAlarmMuteRule, ListAlarmMuteRules and DeleteAlarmMuteRule answer NotImplemented there. They are
implemented here as botocore's cloudwatch model (1.44.8) documents them:

* PutAlarmMuteRule "creates or updates" a rule by name ("If you specify a rule name that already
  exists, this operation updates the existing rule"); Name 1..255, Description 0..1024;
  Rule.Schedule.Expression `cron(Minutes Hours Day-of-month Month Day-of-week)` (with `*`, `-`, `,`
  and JAN-DEC / SUN-SAT) or `at(yyyy-MM-ddThh:mm)`; Duration an ISO 8601 duration from PT1M to P15D;
  Timezone a time zone identifier, UTC when absent; MuteTargets.AlarmNames at most 100, each
  "must match existing alarms in your Amazon Web Services account and region"; Tags as on alarms.
  Tags given on an update are applied too (the model does not say they are ignored; the kind brings
  them to the spec's with TagResource / UntagResource anyway).
* GetAlarmMuteRule answers the rule with its ARN, Status (SCHEDULED, ACTIVE, EXPIRED: here SCHEDULED,
  or EXPIRED past ExpireDate), MuteType (RECURRING for cron, ONE_TIME for at) and
  LastUpdatedTimestamp; ResourceNotFoundException for an unknown name.
* ListAlarmMuteRules answers summaries (ARN, Status, MuteType, ExpireDate, LastUpdatedTimestamp),
  never the rule's name or configuration, filtered by AlarmName and Statuses, MaxRecords 1..100
  (default 50) a page in name order, following NextToken.
* DeleteAlarmMuteRule "is idempotent": deleting a rule that does not exist succeeds.
* TagResource / UntagResource / ListTagsForResource take a mute rule's ARN (moto's refuse anything but
  an alarm's); ListTagsForResource on a rule that does not exist is ResourceNotFoundException.

Error codes are the model's where it names one (LimitExceededFault, ResourceNotFoundException), else
CloudWatch's ValidationError, with our messages (marked "approx").
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from moto.cloudwatch.exceptions import ResourceNotFoundException, ValidationError
from moto.cloudwatch.models import CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult, EmptyResult

from . import paging

MAX_TARGETS = 100  # MuteTargetAlarmNameList: max 100
PAGE_DEFAULT, PAGE_MAX = 50, 100  # ListAlarmMuteRules MaxRecords: 1..100, "The default is 50"
MIN_DURATION, MAX_DURATION = 60, 15 * 86400  # "a minimum of 1 minute (PT1M) and maximum of 15 days (P15D)"
_RULES = "_obsgen_mute_rules"
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT"
_CRON_FIELD = r"(\*|[0-9A-Z]+(-[0-9A-Z]+)?(,[0-9A-Z]+(-[0-9A-Z]+)?)*)"
_CRON = re.compile(r"cron\(" + r" ".join([_CRON_FIELD] * 5) + r"\)")
_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2})\)")
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def duration_seconds(text: str) -> int | None:
    """An ISO 8601 duration of days, hours, minutes and seconds in seconds; None if it is not one."""
    match = _DURATION.fullmatch(text or "")
    if not match or text in ("P", "PT") or text.endswith("T"):
        return None
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _rules(backend: CloudWatchBackend) -> dict[str, dict[str, Any]]:
    """name -> rule, kept on the region's backend (reset with it)."""
    found: dict[str, dict[str, Any]] | None = getattr(backend, _RULES, None)
    if found is None:
        found = {}
        setattr(backend, _RULES, found)
    return found


def _invalid(message: str) -> ValidationError:
    return ValidationError(f"{message} (approx)")


def _check_cron_field(value: str, index: int) -> bool:
    low, high = _CRON_RANGES[index]
    for part in value.split(","):
        for bound in part.split("-"):
            if bound == "*":
                continue
            if bound.isascii() and bound.isdigit():
                if not low <= int(bound) <= high:
                    return False
            elif not (index == 3 and re.fullmatch(_MONTHS, bound) or index == 4 and re.fullmatch(_DAYS, bound)):
                return False
    return True


def _check_expression(expression: str) -> str:
    """The rule's MuteType; ValidationError for what the model does not allow."""
    if not 1 <= len(expression or "") <= 256:
        raise _invalid("Expression must be between 1 and 256 characters")
    cron = _CRON.fullmatch(expression)
    if cron:
        fields = expression[5:-1].split(" ")
        if all(_check_cron_field(value, index) for index, value in enumerate(fields)):
            return "RECURRING"
    at = _AT.fullmatch(expression)
    if at:
        try:
            datetime.strptime(at.group(1), "%Y-%m-%dT%H:%M")
            return "ONE_TIME"
        except ValueError:
            pass
    raise _invalid(f"Invalid schedule expression '{expression}': expected cron(Minutes Hours Day-of-month Month "
                   "Day-of-week) or at(yyyy-MM-ddThh:mm)")


def _check_put(backend: CloudWatchBackend, params: dict[str, Any]) -> str:
    name = params.get("Name") or ""
    if not 1 <= len(name) <= 255:
        raise _invalid("Name must be between 1 and 255 characters")
    if len(params.get("Description") or "") > 1024:
        raise _invalid("Description must be at most 1024 characters")
    schedule = (params.get("Rule") or {}).get("Schedule") or {}
    mute_type = _check_expression(schedule.get("Expression", ""))
    seconds = duration_seconds(schedule.get("Duration", ""))
    if seconds is None or not MIN_DURATION <= seconds <= MAX_DURATION:
        raise _invalid(f"Duration '{schedule.get('Duration')}' must be an ISO 8601 duration from PT1M to P15D")
    zone = schedule.get("Timezone")
    if zone is not None:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise _invalid(f"Unknown time zone '{zone}'") from None
    alarms = ((params.get("MuteTargets") or {}).get("AlarmNames")) or []
    if len(alarms) > MAX_TARGETS:
        raise _invalid(f"A mute rule can target at most {MAX_TARGETS} alarms")
    missing = sorted(set(alarms) - set(backend.alarms))
    if missing:
        raise _invalid(f"Alarms do not exist: {', '.join(missing)}")
    return mute_type


def _arn(backend: CloudWatchBackend, name: str) -> str:
    return f"arn:aws:cloudwatch:{backend.region_name}:{backend.account_id}:alarm-mute-rule:{name}"


def _status(rule: dict[str, Any]) -> str:
    expire = rule.get("ExpireDate")
    return "EXPIRED" if expire is not None and expire < datetime.now(timezone.utc) else "SCHEDULED"


PARAMS = ("Name", "Description", "Rule", "MuteTargets", "StartDate", "ExpireDate")


def put_rule(backend: CloudWatchBackend, params: dict[str, Any], tags: list[dict[str, str]]) -> str:
    """Create or replace a rule (PutAlarmMuteRule's parameters), checked as AWS does; its ARN."""
    mute_type = _check_put(backend, params)
    rule = {k: v for k, v in params.items() if k in PARAMS and v is not None}
    for key in ("StartDate", "ExpireDate"):
        if key in rule and isinstance(rule[key], str):
            rule[key] = datetime.fromisoformat(rule[key].replace("Z", "+00:00"))
    rule.update(AlarmMuteRuleArn=_arn(backend, params["Name"]), MuteType=mute_type,
                LastUpdatedTimestamp=datetime.now(timezone.utc))
    _rules(backend)[params["Name"]] = rule
    if tags:
        backend.tagger.tag_resource(rule["AlarmMuteRuleArn"], tags)
    return str(rule["AlarmMuteRuleArn"])


def delete_rule(backend: CloudWatchBackend, name: str) -> None:
    rule = _rules(backend).pop(name, None)
    if rule is not None:
        backend.tagger.delete_all_tags_for_resource(rule["AlarmMuteRuleArn"])


def put_alarm_mute_rule(self: CloudWatchResponse) -> ActionResult:
    put_rule(self.cloudwatch_backend, {key: self._get_param(key) for key in PARAMS}, self._get_param("Tags") or [])
    return EmptyResult()


def get_alarm_mute_rule(self: CloudWatchResponse) -> ActionResult:
    rule = _rules(self.cloudwatch_backend).get(self._get_param("AlarmMuteRuleName"))
    if rule is None:
        raise ResourceNotFoundException()
    return ActionResult({**rule, "Status": _status(rule)})


def _token(offset: int) -> str:
    return paging.token("obsgen-mute", offset)


def _offset(token: str | None) -> int:
    return paging.offset("obsgen-mute", token, lambda: _invalid("The next token specified is invalid"))


def list_alarm_mute_rules(self: CloudWatchResponse) -> ActionResult:
    limit = int(self._get_param("MaxRecords") or PAGE_DEFAULT)
    if not 1 <= limit <= PAGE_MAX:
        raise _invalid("MaxRecords must be between 1 and 100")
    alarm, statuses = self._get_param("AlarmName"), self._get_param("Statuses") or []
    found = [{**rule, "Status": _status(rule)} for _, rule in sorted(_rules(self.cloudwatch_backend).items())
             if alarm is None or alarm in rule.get("MuteTargets", {}).get("AlarmNames", [])]
    found = [rule for rule in found if not statuses or rule["Status"] in statuses]
    start = _offset(self._get_param("NextToken"))
    summaries = [{k: rule[k] for k in ("AlarmMuteRuleArn", "ExpireDate", "Status", "MuteType",
                                       "LastUpdatedTimestamp") if k in rule} for rule in found[start:start + limit]]
    result: dict[str, Any] = {"AlarmMuteRuleSummaries": summaries}
    if start + limit < len(found):
        result["NextToken"] = _token(start + limit)
    return ActionResult(result)


def delete_alarm_mute_rule(self: CloudWatchResponse) -> ActionResult:
    delete_rule(self.cloudwatch_backend, self._get_param("AlarmMuteRuleName"))
    return EmptyResult()


def _mute_rule_of(backend: CloudWatchBackend, arn: str) -> dict[str, Any] | None:
    """The rule an ARN names, ResourceNotFoundException when it names a mute rule that does not exist, None
    when it names something else."""
    if ":alarm-mute-rule:" not in (arn or ""):
        return None
    for rule in _rules(backend).values():
        if rule["AlarmMuteRuleArn"] == arn:
            return rule
    raise ResourceNotFoundException()


def _wrap_tagging(original: Callable[..., Any], operation: str) -> Callable[..., Any]:
    @functools.wraps(original)
    def tagging(self: CloudWatchResponse) -> Any:
        backend = self.cloudwatch_backend
        arn = self._get_param("ResourceARN")
        if _mute_rule_of(backend, arn) is None:
            return original(self)
        if operation == "tag":
            backend.tagger.tag_resource(arn, self._get_param("Tags") or [])
        elif operation == "untag":
            backend.tagger.untag_resource_using_names(arn, self._get_param("TagKeys") or [])
        else:
            tags = backend.tagger.get_tag_dict_for_resource(arn)
            return ActionResult({"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]})
        return EmptyResult()

    return tagging


def patches(earlier: dict[tuple[type, str], Callable[..., Any]]) -> dict[tuple[type, str], Callable[..., Any]]:
    """For cloudwatch.install: the tagging wrappers go around `earlier`'s patches of the same methods
    (alarm ARNs keep their checks)."""
    def current(name: str) -> Callable[..., Any]:
        found: Callable[..., Any] = earlier.get((CloudWatchResponse, name), getattr(CloudWatchResponse, name))
        return found

    return {
        (CloudWatchResponse, "put_alarm_mute_rule"): put_alarm_mute_rule,
        (CloudWatchResponse, "get_alarm_mute_rule"): get_alarm_mute_rule,
        (CloudWatchResponse, "list_alarm_mute_rules"): list_alarm_mute_rules,
        (CloudWatchResponse, "delete_alarm_mute_rule"): delete_alarm_mute_rule,
        (CloudWatchResponse, "tag_resource"): _wrap_tagging(current("tag_resource"), "tag"),
        (CloudWatchResponse, "untag_resource"): _wrap_tagging(current("untag_resource"), "untag"),
        (CloudWatchResponse, "list_tags_for_resource"): _wrap_tagging(current("list_tags_for_resource"), "list"),
    }
