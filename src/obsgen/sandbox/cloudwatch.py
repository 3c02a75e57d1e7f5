"""Fill the gaps in moto's CloudWatch emulation that obsgen depends on.

moto (checked against 5.2.1 and 5.2.5) stores alarms in
``CloudWatchBackend.alarms`` and already tells composite alarms apart by a
non-``None`` ``Alarm.rule``, but it has no ``PutCompositeAlarm`` operation and
its ``DescribeAlarms`` ignores ``AlarmTypes``, ``MaxRecords`` and ``NextToken``.
It is also more lenient than AWS in ways that would let obsgen bugs slip
through tests (tags silently merged on update, deletions of alarms that a
composite still depends on, ...).

``install()`` monkeypatches moto's CloudWatch backend and response classes so
that both the in-process ``moto.mock_aws()`` mock and a moto server started in
this process behave like the real API for the operations obsgen uses.

Design notes (read before changing anything):

* Composite alarms are stored as plain moto ``Alarm`` objects with ``rule``
  set, in the same ``alarms`` dict as metric alarms.  That is what moto itself
  expects (see the "re-use this method for composite alarms" comment in
  moto/cloudwatch/responses.py), so SetAlarmState, TagResource and the Resource
  Groups Tagging API (which iterates ``cloudwatch_backend.alarms``) work for
  composites without further patches.  Keep the class name ``Alarm``: moto's
  response serializer strips the ``Alarm`` class-name prefix to map
  ``AlarmName``/``AlarmRule``/``AlarmDescription`` onto ``name``/``rule``/
  ``description``.
* Patches sit on the *response* classes for request validation and on the
  *backend* for state rules, so they apply to every wire protocol moto parses
  (awsJson1_0, which botocore >= 1.38 picks for CloudWatch, and awsQuery, which
  older clients use).  moto cannot parse smithy-rpc-v2-cbor at all.
* Where AWS's exact error text is known it is quoted with its source; where it
  is not, the error *code* is AWS's and the message is ours (marked "approx").

API reference: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
"""

from __future__ import annotations

import base64
import binascii
import functools
import inspect
import re
import threading
from datetime import datetime, timedelta, timezone
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from moto.cloudwatch.exceptions import CloudWatchException, ResourceNotFoundException, ValidationError
from moto.cloudwatch.models import Alarm, CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend
from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse

from . import budgets as moto_budgets, cloudformation as moto_cloudformation, dashboards as moto_dashboards, metric_data
from . import events as moto_events
from . import log_alarms as moto_log_alarms, logs as moto_logs
from . import mute_rules as moto_mute_rules
from . import sns as moto_sns
from .. import metric_math, metric_math_functions
from ..composite_rule import ALARM_RULE_REF, alarm_rule_references

__all__ = ["install", "is_installed", "rule_references", "InvalidNextToken"]

API_DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference"

ALARM_RULE_MAX_LEN = 10240  # PutCompositeAlarm: AlarmRule length 1..10240
MAX_RECORDS_DEFAULT = 50  # DescribeAlarms: MaxRecords default 50 ...
MAX_RECORDS_MAX = 100  # ... valid range 1..100
ALARM_TYPES = ("MetricAlarm", "CompositeAlarm", "LogAlarm")  # AlarmType enum (botocore 1.44.8)
STATE_VALUES = ("OK", "ALARM", "INSUFFICIENT_DATA")
INITIAL_STATE_REASON = "Unchecked: Initial alarm creation"

_MARK = "_obsgen_moto_ext_installed"
_install_lock = threading.Lock()


class InvalidNextToken(CloudWatchException):
    """DescribeAlarms' only modelled error (API_DescribeAlarms.html#API_DescribeAlarms_Errors)."""

    code = "InvalidNextToken"
    message = "The next token specified is invalid."


# --------------------------------------------------------------------------
# AlarmRule parsing
# --------------------------------------------------------------------------

# ALARM("name or ARN"), OK(...), INSUFFICIENT_DATA(...); quotes are optional
# (API_PutCompositeAlarm.html, AlarmRule).  AT_LEAST(...) is not understood.
_RULE_FUNCTION = ALARM_RULE_REF  # the state functions of an AlarmRule, shared with the live-state reader
_RULE_KEYWORDS = frozenset({"AND", "OR", "NOT", "TRUE", "FALSE", "(", ")"})
_RULE_TOKEN = re.compile(r"[()]|[^\s()]+")


rule_references = alarm_rule_references  # kept under moto_ext's public name


def _check_rule_syntax(rule: str) -> None:
    """Reject tokens that are neither state functions nor AND/OR/NOT/TRUE/FALSE/().

    AWS answers e.g. "Error in AlarmRule [Unsupported token ')' at char 1]"
    (quoted in aws/aws-cdk#34662); we match the code and the gist.
    """
    leftover = _RULE_FUNCTION.sub(" TRUE ", rule)
    for token in _RULE_TOKEN.findall(leftover):
        if token not in _RULE_KEYWORDS:
            raise ValidationError(f"Error in AlarmRule [Unsupported token '{token}']")


def _validate_alarm_rule(backend: CloudWatchBackend, rule: str | None) -> None:
    if not rule:
        raise ValidationError("AlarmRule must not be empty")  # approx; min length is 1
    if len(rule) > ALARM_RULE_MAX_LEN:
        # botocore only validates minimum lengths client-side, so this is
        # reachable from boto3.  Message follows AWS's generic constraint text.
        raise ValidationError(
            "1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: "
            f"Member must have length less than or equal to {ALARM_RULE_MAX_LEN}"
        )
    _check_rule_syntax(rule)
    missing = [ref for ref in rule_references(rule) if _resolve_ref(backend, ref) is None]
    if missing:
        # Text as reported from AWS in awsdocs/aws-cloudformation-user-guide#911.
        raise ValidationError(
            f"Could not save the composite alarm as alarms [{', '.join(missing)}] in the alarm rule do not exist"
        )


def _resolve_ref(backend: CloudWatchBackend, ref: str) -> str | None:
    """Name of the existing alarm an AlarmRule reference (name or ARN) points at."""
    if ref in backend.alarms:
        return ref
    return next((a.name for a in backend.alarms.values() if a.alarm_arn == ref), None)


class _AlarmLike(Protocol):
    """What telling metric from composite alarms, sorting and paging need: a moto Alarm, or a _Summary."""

    @property
    def name(self) -> str: ...

    @property
    def rule(self) -> str | None: ...


_Alarms = TypeVar("_Alarms", bound=_AlarmLike)


def is_composite(alarm: _AlarmLike) -> bool:
    return getattr(alarm, "rule", None) is not None


def _children_of(backend: CloudWatchBackend, name: str) -> list[Alarm]:
    alarm = backend.alarms.get(name)
    if alarm is None or alarm.rule is None:  # not a composite
        return []
    names = {_resolve_ref(backend, ref) for ref in rule_references(alarm.rule)}
    return [backend.alarms[n] for n in names if n is not None]


def _parents_of(backend: CloudWatchBackend, name: str) -> list[Alarm]:
    return [
        a
        for a in backend.alarms.values()
        if a.rule is not None and any(_resolve_ref(backend, ref) == name for ref in rule_references(a.rule))
    ]


# --------------------------------------------------------------------------
# Backend patches (state rules)
# --------------------------------------------------------------------------


def _carry_over_state(previous: Alarm, alarm: Alarm) -> None:
    """PutMetricAlarm/PutCompositeAlarm on an existing alarm: "its state is left
    unchanged, but the update completely overwrites the previous configuration"
    (API_PutMetricAlarm.html).  moto would reset the state to OK."""
    for attr in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
        setattr(alarm, attr, getattr(previous, attr))


def _wrap_put_metric_alarm(original: Callable[..., Alarm]) -> Callable[..., Alarm]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def put_metric_alarm(*args: Any, **kwargs: Any) -> Alarm:
        bound = signature.bind(*args, **kwargs)
        backend: CloudWatchBackend = bound.arguments["self"]
        previous = backend.alarms.get(bound.arguments["name"])
        if previous is not None:
            # "If you are using this operation to update an existing alarm, any
            # tags you specify in this parameter are ignored" (PutMetricAlarm
            # and PutCompositeAlarm, Tags).  moto would merge them.
            bound.arguments["tags"] = None
        alarm = original(*bound.args, **bound.kwargs)
        if previous is None:
            # "When this operation creates an alarm, the alarm state is
            # immediately set to INSUFFICIENT_DATA" (moto starts at OK).
            alarm.state_value = "INSUFFICIENT_DATA"
            alarm.state_reason = INITIAL_STATE_REASON
        else:
            _carry_over_state(previous, alarm)
        return alarm

    return put_metric_alarm


_SUPPRESSOR_ATTRS = ("actions_suppressor", "actions_suppressor_wait_period", "actions_suppressor_extension_period")
_METRIC_ONLY_ARGS = (
    "namespace",
    "metric_name",
    "comparison_operator",
    "evaluation_periods",
    "period",
    "threshold",
    "statistic",
)


def _put_composite_alarm(self: CloudWatchBackend, name: str, rule: str, **config: Any) -> Alarm:
    """Backend half of PutCompositeAlarm: a moto Alarm with ``rule`` set.

    Goes through the (wrapped) put_metric_alarm so create/update state and tag
    rules are shared; the metric-only arguments moto requires are left empty.
    """
    _validate_alarm_rule(self, rule)
    suppressor = {attr: config.pop(attr, None) for attr in _SUPPRESSOR_ATTRS}
    # None for each: moto annotates them as required values, yet stores a composite (rule set) without them.
    metric_args: dict[str, Any] = dict.fromkeys(_METRIC_ONLY_ARGS)
    alarm = self.put_metric_alarm(name=name, rule=rule, dimensions=[], **metric_args, **config)
    for attr, value in suppressor.items():
        setattr(alarm, attr, value)
    return alarm


def _check_deletable(backend: CloudWatchBackend, names: list[str]) -> None:
    composites = [n for n in names if is_composite(backend.alarms[n])]
    if len(composites) > 1:
        # "this total can include no more than one composite alarm" (API_DeleteAlarms.html); message approx.
        raise ValidationError(f"You can delete at most one composite alarm per DeleteAlarms call, got {composites}")
    # AWS refuses to delete an alarm that a composite alarm still references and
    # then deletes nothing: "Cannot delete abc,xyz as there are composite
    # alarm(s) depending on them." (cloud-custodian/cloud-custodian#7763,
    # ekristen/aws-nuke#462).  We also count parents deleted in the same call,
    # so callers must delete parents first -- which is always valid on AWS.
    blocked = [n for n in names if _parents_of(backend, n)]
    if blocked:
        pronoun = "it" if len(blocked) == 1 else "them"
        raise ValidationError(
            f"Cannot delete {','.join(blocked)} as there are composite alarm(s) depending on {pronoun}."
        )


def _wrap_delete_alarms(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def delete_alarms(self: CloudWatchBackend, alarm_names: list[str]) -> None:
        # Unknown names are skipped ("the alarms you specify with correct names
        # are still deleted", API_DeleteAlarms.html).
        existing = [n for n in dict.fromkeys(alarm_names) if n in self.alarms]
        moto_log_alarms.check_delete(self, list(dict.fromkeys(alarm_names)))
        _check_deletable(self, existing)
        for name in existing:
            # moto keeps the tags of deleted alarms; a re-created alarm of the
            # same name would then inherit them.  AWS drops them.
            self.tagger.delete_all_tags_for_resource(self.alarms[name].alarm_arn)
        original(self, alarm_names)

    return delete_alarms


# --------------------------------------------------------------------------
# DescribeAlarms
# --------------------------------------------------------------------------


def _matches(alarm: Alarm, names: list[str], prefix: str | None, state: str | None, action_prefix: str | None) -> bool:
    if names and alarm.name not in names:
        return False
    if prefix and not alarm.name.startswith(prefix):
        return False
    if state and alarm.state_value != state:
        return False
    # Like moto (and the API doc's SNS-topic example) only AlarmActions count.
    return not action_prefix or any(a.startswith(action_prefix) for a in alarm.alarm_actions or [])


def _of_types(alarms: Iterable[_Alarms], types: list[str]) -> list[_Alarms]:
    # "If you omit this parameter, only metric alarms are returned, even if
    # composite alarms exist in the account." (API_DescribeAlarms.html, AlarmTypes)
    wanted = set(types or ["MetricAlarm"])
    return [a for a in alarms if _type_of(a) in wanted]


def _type_of(alarm: _AlarmLike) -> str:
    if moto_log_alarms.is_log_alarm(alarm):
        return "LogAlarm"
    return "CompositeAlarm" if is_composite(alarm) else "MetricAlarm"



def _encode_token(last_name: str) -> str:
    return base64.urlsafe_b64encode(b"obsgen1:" + last_name.encode()).decode()


def _decode_token(token: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(token.encode())
    except (binascii.Error, ValueError):
        raise InvalidNextToken() from None
    if not raw.startswith(b"obsgen1:"):
        raise InvalidNextToken()
    return raw[len(b"obsgen1:") :].decode(errors="replace")


def _paginate(alarms: list[_Alarms], max_records: int, next_token: str | None) -> tuple[list[_Alarms], str | None]:
    """Page through alarms sorted by name.

    The token is stateless ("continue after alarm name X"), so it survives
    alarms being created or deleted between pages, as AWS tokens do.
    """
    if next_token:
        after = _decode_token(next_token)
        alarms = [a for a in alarms if a.name > after]
    page = alarms[:max_records]
    more = len(alarms) > max_records
    return page, (_encode_token(page[-1].name) if more else None)


def _check_describe_params(p: dict[str, Any]) -> None:
    max_records = p["max_records"]
    if not 1 <= max_records <= MAX_RECORDS_MAX:
        raise ValidationError(
            f"1 validation error detected: Value '{max_records}' at 'maxRecords' failed to satisfy constraint: "
            f"Member must have value between 1 and {MAX_RECORDS_MAX}"
        )
    bad_types = [t for t in p["types"] if t not in ALARM_TYPES]
    if bad_types:
        raise ValidationError(f"Invalid AlarmTypes {bad_types}; valid values: {list(ALARM_TYPES)}")  # approx
    if p["state"] and p["state"] not in STATE_VALUES:
        raise ValidationError(f"Invalid StateValue '{p['state']}'; valid values: {list(STATE_VALUES)}")  # approx
    if p["names"] and p["prefix"]:
        # "If this parameter is specified, you cannot specify AlarmNames." (AlarmNamePrefix)
        raise ValidationError("AlarmNamePrefix and AlarmNames cannot both be specified")  # approx
    filters = [p["names"], p["prefix"], p["state"], p["action_prefix"]]
    if (p["children_of"] or p["parents_of"]) and (any(filters) or (p["children_of"] and p["parents_of"])):
        # "you cannot specify any other parameters in the request except for
        # MaxRecords and NextToken" (ChildrenOfAlarmName / ParentsOfAlarmName)
        raise ValidationError("ChildrenOfAlarmName/ParentsOfAlarmName cannot be combined with other filters")


def _describe_params(resp: CloudWatchResponse) -> dict[str, Any]:
    return {
        "names": resp._get_param("AlarmNames", []) or [],
        "prefix": resp._get_param("AlarmNamePrefix"),
        "types": resp._get_param("AlarmTypes", []) or [],
        "state": resp._get_param("StateValue"),
        "action_prefix": resp._get_param("ActionPrefix"),
        "children_of": resp._get_param("ChildrenOfAlarmName"),
        "parents_of": resp._get_param("ParentsOfAlarmName"),
        "max_records": int(resp._get_param("MaxRecords") or MAX_RECORDS_DEFAULT),
        "next_token": resp._get_param("NextToken"),
    }


def _related_summaries(backend: CloudWatchBackend, p: dict[str, Any]) -> list[_Summary]:
    """Children/parents lookups return only a few fields (API_DescribeAlarms.html)."""
    fields: tuple[str, ...]
    if p["children_of"]:
        related = _children_of(backend, p["children_of"])
        fields = ("AlarmName", "AlarmArn", "StateValue", "StateUpdatedTimestamp")
    else:
        related = _parents_of(backend, p["parents_of"])
        fields = ("AlarmName", "AlarmArn")
    return [_Summary(a, fields) for a in related]


class _Summary(dict[str, Any]):
    """Selected alarm fields for the serializer, keeping ``name``/``rule`` for sorting and typing."""

    def __init__(self, alarm: Alarm, fields: tuple[str, ...]):
        every = {
            "AlarmName": alarm.name,
            "AlarmArn": alarm.alarm_arn,
            "StateValue": alarm.state_value,
            "StateUpdatedTimestamp": alarm.state_updated_timestamp,
        }
        super().__init__({k: every[k] for k in fields})
        self.name = alarm.name
        self.rule = alarm.rule


def describe_alarms(self: CloudWatchResponse) -> ActionResult:
    """DescribeAlarms with AlarmTypes, MaxRecords/NextToken and combined filters.

    Results are sorted by alarm name and MaxRecords counts metric and
    composite alarms together.  Ref: API_DescribeAlarms.html
    """
    p = _describe_params(self)
    _check_describe_params(p)
    backend = self.cloudwatch_backend
    candidates: list[_AlarmLike]
    if p["children_of"] or p["parents_of"]:
        candidates = list(_related_summaries(backend, p))
        if p["types"]:
            candidates = _of_types(candidates, p["types"])
    else:
        filters = (p["names"], p["prefix"], p["state"], p["action_prefix"])
        candidates = _of_types([a for a in backend.alarms.values() if _matches(a, *filters)], p["types"])
    page, token = _paginate(sorted(candidates, key=lambda a: a.name), p["max_records"], p["next_token"])
    result: dict[str, Any] = {
        "MetricAlarms": [a for a in page if _type_of(a) == "MetricAlarm"],
        "CompositeAlarms": [a for a in page if _type_of(a) == "CompositeAlarm"],
    }
    if "LogAlarm" in p["types"]:
        result["LogAlarms"] = [moto_log_alarms.description(a) for a in page if _type_of(a) == "LogAlarm"]
    if token:
        result["NextToken"] = token
    return ActionResult(result)


# --------------------------------------------------------------------------
# Other response patches (request validation)
# --------------------------------------------------------------------------

# The kinds of an alarm's ids for the argument check: a MetricStat query is one time series and a metric (what
# PERIOD takes), an expression any number or series.
_METRIC = metric_math_functions.METRIC_QUERY
_NUMERIC = metric_math_functions.NUMERIC
_SINGLE_METRIC_PARAMS = ("MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Period", "Dimensions")


def _check_put_metric_alarm(resp: CloudWatchResponse) -> None:
    """The statistic/metric parameter combinations AWS rejects (API_PutMetricAlarm.html)."""
    if resp._get_param("Metrics"):
        # "If you use the Metrics parameter, you cannot include the MetricName,
        # Dimensions, Period, Namespace, Statistic, or ExtendedStatistic
        # parameters".  AWS text e.g. "Statistic should not be set if list of
        # Metrics is set." (aws-cloudformation/cfn-lint#766)
        for param in _SINGLE_METRIC_PARAMS:
            if resp._get_param(param):
                raise ValidationError(f"{param} should not be set if list of Metrics is set.")
        _check_expressions(resp._get_param("Metrics"))
        return
    if not resp._get_param("MetricName"):
        raise ValidationError("MetricName must not be null")  # AWS text, per cfn-lint#771
    has_statistic = bool(resp._get_param("Statistic"))
    if has_statistic == bool(resp._get_param("ExtendedStatistic")):
        # "You must specify either Statistic or ExtendedStatistic, but not both."
        raise ValidationError("Exactly one of Statistic or ExtendedStatistic must be specified")  # approx


def _check_expressions(queries: list[dict[str, Any]]) -> None:
    """Metric math that does not parse, calls a function with the wrong number or sort of arguments, or
    names an id the alarm's Metrics do not define: AWS refuses the alarm ("Metric math syntax and
    functions", using-metric-math.html; the arguments: obsgen/metric_math_functions.py, whose warnings --
    what the page does not list -- pass); moto stores it. Messages approx. Metrics Insights queries
    (SELECT) are not read."""
    ids = {query.get("Id") for query in queries}
    metrics = {query.get("Id") for query in queries if query.get("MetricStat")}
    for query in queries:
        text = query.get("Expression")
        if not text or metric_math.is_insights_query(text):
            continue
        try:
            tree = metric_math.parse(text, options=True)
        except metric_math.ExpressionSyntaxError as problem:
            raise ValidationError(f"Invalid metrics list: the expression of '{query.get('Id')}' is not valid "
                                  f"metric math: {problem}") from None
        unknown = sorted(set(metric_math.references(tree)) - ids - metric_math.BOOLEANS)
        if unknown:
            raise ValidationError(f"Invalid metrics list: the expression of '{query.get('Id')}' names "
                                  f"{', '.join(unknown)}, which no query of the alarm defines")
        for mistake in metric_math_functions.problems(tree, lambda i: _METRIC if i in metrics else _NUMERIC):
            if mistake.fatal:
                raise ValidationError(f"Invalid metrics list: the expression of '{query.get('Id')}' is not valid: "
                                      f"{mistake.message} (at character {mistake.offset + 1})")


def _wrap_response_put_metric_alarm(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def put_metric_alarm(self: CloudWatchResponse) -> Any:
        _check_put_metric_alarm(self)
        answer = original(self)
        # moto drops WarmUpConfiguration; DescribeAlarms returns it (botocore's MetricAlarm shape)
        alarm = self.cloudwatch_backend.alarms[self._get_param("AlarmName")]
        setattr(alarm, "warm_up_configuration", self._get_param("WarmUpConfiguration") or None)  # serialized by name
        return answer

    return put_metric_alarm


def put_composite_alarm(self: CloudWatchResponse) -> ActionResult:
    """PutCompositeAlarm (API_PutCompositeAlarm.html), absent from moto."""
    _put_composite_alarm(  # the backend's put_composite_alarm once installed (moto declares none)
        self.cloudwatch_backend,
        name=self._get_param("AlarmName"),
        rule=self._get_param("AlarmRule"),
        description=self._get_param("AlarmDescription"),
        alarm_actions=self._get_param("AlarmActions", []) or [],
        ok_actions=self._get_param("OKActions", []) or [],
        insufficient_data_actions=self._get_param("InsufficientDataActions", []) or [],
        actions_enabled=self._get_bool_param("ActionsEnabled"),  # None -> moto's default True, like AWS
        tags=self._get_param("Tags", []) or [],
        actions_suppressor=self._get_param("ActionsSuppressor"),
        actions_suppressor_wait_period=self._get_param("ActionsSuppressorWaitPeriod"),
        actions_suppressor_extension_period=self._get_param("ActionsSuppressorExtensionPeriod"),
    )
    return EmptyResult()


def _require_existing_alarm(backend: CloudWatchBackend, arn: str) -> None:
    """ListTagsForResource/UntagResource on a missing alarm ARN fail on AWS with
    ResourceNotFoundException; moto answers with an empty tag list (list) or
    fails even for existing-but-never-tagged alarms (untag)."""
    if ":alarm:" in arn and not any(a.alarm_arn == arn for a in backend.alarms.values()):
        raise ResourceNotFoundException()


def _wrap_list_tags(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def list_tags_for_resource(self: CloudWatchResponse) -> Any:
        _require_existing_alarm(self.cloudwatch_backend, self._get_param("ResourceARN"))
        return original(self)

    return list_tags_for_resource


def _wrap_untag(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def untag_resource(self: CloudWatchResponse) -> Any:
        arn = self._get_param("ResourceARN")
        _require_existing_alarm(self.cloudwatch_backend, arn)
        if ":alarm:" in arn and arn not in self.cloudwatch_backend.tagger.tags:
            return EmptyResult()  # existing alarm without tags: nothing to remove
        return original(self)

    return untag_resource


# --------------------------------------------------------------------------
# Resource Groups Tagging API: GetResources page size
# --------------------------------------------------------------------------

_tags_per_page_given = threading.local()


def _wrap_get_resources_response(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto caps every page at TagsPerPage=100 tags even when the caller only set
    ResourcesPerPage, so 100 alarms with 7 tags each take 8 pages instead of 1.  AWS
    recommends ResourcesPerPage *instead of* TagsPerPage (API_GetResources.html), so the
    tag cap only applies when TagsPerPage is sent."""

    @functools.wraps(original)
    def get_resources(self: ResourceGroupsTaggingAPIResponse) -> Any:
        _tags_per_page_given.value = self._get_param("TagsPerPage") is not None
        try:
            return original(self)
        finally:
            _tags_per_page_given.value = True

    return get_resources


def _wrap_get_resources_backend(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def get_resources(self: ResourceGroupsTaggingAPIBackend, *args: Any, **kwargs: Any) -> Any:
        if not getattr(_tags_per_page_given, "value", True):
            kwargs["tags_per_page"] = 2**31
        return original(self, *args, **kwargs)

    return get_resources


# --------------------------------------------------------------------------
# Installation
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# ListMetrics' RecentlyActive (what `obsgen validate --live` asks)
# --------------------------------------------------------------------------

RECENTLY_ACTIVE = {"PT3H": timedelta(hours=3)}  # API_ListMetrics.html: PT3H "is the only valid value"


class InvalidParameterValue(CloudWatchException):
    code = "InvalidParameterValue"


def _series(datum: Any) -> tuple[str, str, frozenset[tuple[str, str]]]:
    return datum.namespace, datum.name, frozenset((d.name, d.value) for d in datum.dimensions)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)  # moto keeps naive UTC


def _wrap_list_metrics(original: Callable[..., ActionResult]) -> Callable[..., ActionResult]:
    """moto ignores RecentlyActive and lists every metric ever put. AWS accepts only PT3H and then lists
    only the metrics with a data point in the past three hours; a later page (NextToken) is moto's own."""

    @functools.wraps(original)
    def list_metrics(self: CloudWatchResponse) -> ActionResult:
        recently = self._get_param("RecentlyActive")
        if recently is None or self._get_param("NextToken"):
            return original(self)
        if recently not in RECENTLY_ACTIVE:  # approx message; the code is AWS's
            raise InvalidParameterValue(f"The parameter RecentlyActive must be one of: {', '.join(RECENTLY_ACTIVE)}")
        backend = self.cloudwatch_backend
        since = datetime.now(timezone.utc) - RECENTLY_ACTIVE[recently]
        recent = {_series(d) for d in backend.get_all_metrics() if _aware(d.timestamp) >= since}
        listed = backend.get_filtered_metrics(self._get_param("MetricName"), self._get_param("Namespace"),
                                              self._get_params().get("Dimensions", []))
        token, metrics = backend._get_paginated([m for m in listed if _series(m) in recent])
        return ActionResult({"Metrics": metrics, "NextToken": token})

    return list_metrics


def is_installed() -> bool:
    return bool(getattr(CloudWatchResponse, _MARK, False))


def install() -> None:
    """Patch moto's CloudWatch classes in this process.  Idempotent, thread-safe.

    Call it before starting ``moto.mock_aws()`` or a moto server; the patches
    are class-level, so they also apply to backends created earlier.
    """
    with _install_lock:
        if is_installed():
            return
        backend, response = CloudWatchBackend, CloudWatchResponse
        patches: dict[tuple[type, str], Callable[..., Any]] = {
            (backend, "put_metric_alarm"): _wrap_put_metric_alarm(backend.put_metric_alarm),
            (backend, "delete_alarms"): _wrap_delete_alarms(backend.delete_alarms),
            (backend, "put_composite_alarm"): _put_composite_alarm,
            (response, "put_metric_alarm"): _wrap_response_put_metric_alarm(response.put_metric_alarm),
            (response, "put_composite_alarm"): put_composite_alarm,
            (response, "put_log_alarm"): moto_log_alarms.put_log_alarm_response,
            (response, "describe_alarms"): describe_alarms,
            (response, "list_metrics"): _wrap_list_metrics(response.list_metrics),
            (response, "list_tags_for_resource"): _wrap_list_tags(response.list_tags_for_resource),
            (response, "untag_resource"): _wrap_untag(response.untag_resource),
            (ResourceGroupsTaggingAPIResponse, "get_resources"): _wrap_get_resources_response(
                ResourceGroupsTaggingAPIResponse.get_resources),
            (ResourceGroupsTaggingAPIBackend, "get_resources"): _wrap_get_resources_backend(
                ResourceGroupsTaggingAPIBackend.get_resources),
        }
        patches.update(moto_dashboards.patches())
        patches.update(metric_data.patches())
        patches.update(moto_logs.patches())
        patches.update(moto_events.patches())
        patches.update(moto_mute_rules.patches(patches))
        patches.update(moto_budgets.patches())
        patches.update(moto_sns.patches())
        for (cls, attr), replacement in patches.items():
            setattr(cls, attr, replacement)
        moto_cloudformation.install()
        setattr(response, _MARK, True)
