"""Value types of the spec language: durations, thresholds, statistics, names.

Each is written the way people write it (`5m`, `"> 10"`, `p99`) and parsed once, at
validation time, into a typed value. Errors raised here become located diagnostics.
"""


import difflib
import functools
import gzip
import importlib.util
import inspect
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, TypeGuard, TypeVar, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, Tag, Discriminator, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from ... import regions
from ...diagnostics import shown
from ...values import STATISTICS, MofN, Threshold, format_duration


class Strict(BaseModel):
    """Base of every spec model: unknown keys are errors, values are not coerced across kinds."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False, strict=True)


F = TypeVar("F", bound=Callable[..., Any])


def inspected_once(func: F) -> F:
    """`func` with its signature worked out now (`__signature__`, which `inspect.signature` then returns
    as it is). pydantic inspects a validator's or serializer's signature for every field whose type uses
    it, ~300 fields in all: without this, ~8 ms of importing the spec's models."""
    func.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]
    return func


@inspected_once
def empty_list() -> list[Any]:
    """`default_factory=list`, which pydantic inspects for a parameter: the signature of the builtin
    `list` is parsed from its text (~0.1 ms, the first ~1.5 ms), a function's is read (~5 us)."""
    return []


def found_text(value: Any) -> str:
    """A value as "found ..." in a message shows it: escaped onto one line and cut (diagnostics.shown)."""
    if isinstance(value, str):
        return f'"{shown(value)}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def fail(code: str, expected: str, value: Any) -> PydanticCustomError:
    return PydanticCustomError(code, "expected {expected}, found {found}", {"expected": expected, "found": found_text(value)})


# --- names -------------------------------------------------------------------------------

NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$"
_NAME = re.compile(NAME_PATTERN)


# Names repeat (a monitor's or resource's key in every service, a severity on every monitor): ~34,000 are
# validated at 10,000 monitors, and each one found valid is remembered (at most _REMEMBERED_NAMES of them).
_VALID_NAMES: set[str] = set()
_REMEMBERED_NAMES = 8192


@inspected_once
def _name(value: Any) -> str:
    if type(value) is str and value in _VALID_NAMES:  # type first: a list or dict cannot be looked up
        return value
    if not isinstance(value, str) or not _NAME.match(value):
        raise fail("name", "a name of lowercase letters, digits and dashes (at most 64 characters)", value)
    if len(_VALID_NAMES) < _REMEMBERED_NAMES and type(value) is str:  # a str subclass is checked every time
        _VALID_NAMES.add(value)
    return value


# Services, monitors, severities, channels, environments, resources: they appear in AWS names,
# URLs and Prometheus labels, so one conservative alphabet serves all of them.
Name = Annotated[str, BeforeValidator(_name), WithJsonSchema({"type": "string", "pattern": NAME_PATTERN})]

# Severities may be uppercase (`P1`, the README's example): a severity name reaches only places that
# take it. SNS topic names (through ${severity}: "upper- and lowercase ASCII letters, numbers,
# underscores, and hyphens", https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html), tag
# values (the obsgen:severity tag), Prometheus label values (any UTF-8 string,
# https://prometheus.io/docs/concepts/data_model/) and Alertmanager receiver names (any string).
SEVERITY_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?$"
_SEVERITY = re.compile(SEVERITY_PATTERN)


@inspected_once
def _severity_name(value: Any) -> str:
    if not isinstance(value, str) or not _SEVERITY.match(value):
        raise fail("name", "a severity name of letters, digits and dashes (at most 64 characters)", value)
    return value


SeverityName = Annotated[str, BeforeValidator(_severity_name),
                         WithJsonSchema({"type": "string", "pattern": SEVERITY_PATTERN})]
# A reference to a severity (a monitor's `severity:`, a channel's `severities:`) is checked against the
# severities defined, not against the pattern: a wrong name is then one error, where it is defined.
SeverityRef = Annotated[str, Field(min_length=1, max_length=64)]

# `vars:` names are only ever read back by templates as ${name}, which take any name without '}':
# letters of either case, digits, '_' and '-' (e.g. ${team_channel}), starting with a letter or '_'.
VAR_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
_VAR = re.compile(VAR_PATTERN)


@inspected_once
def _var_name(value: Any) -> str:
    if not isinstance(value, str) or not _VAR.match(value):
        raise fail("name", "a variable name of letters, digits, '_' and '-', starting with a letter or '_' "
                   "(at most 64 characters)", value)
    return value


VarName = Annotated[str, BeforeValidator(_var_name), WithJsonSchema({"type": "string", "pattern": VAR_PATTERN})]


# --- durations ----------------------------------------------------------------------------

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", re.ASCII)
# Past 15 digits a count is no period anyone means, and past 4,300 Python cannot even read it (int()).
MAX_COUNT_DIGITS = 15
DURATION_PATTERN = r"^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"


# A spec writes the same few texts again and again (`5m` and `"> 0"` in thousands of monitors): the parsers of
# text below remember what each text gave (never an error: that raises), which saves ~3% of a 10,000-alarm
# compile (docs/performance.md). What they return is immutable (an int, a frozen Threshold or MofN).
_REMEMBERED = 4096


@inspected_once
def parse_duration(value: Any) -> int:
    """`90s`, `5m`, `1h30m`, `1d` -> seconds. Bare numbers are refused: the unit is never obvious."""
    if isinstance(value, str):
        return _duration(value)
    raise fail("duration", 'a duration such as "30s", "5m", "1h" or "1h30m"', value)


@functools.lru_cache(maxsize=_REMEMBERED)
def _duration(value: str) -> int:
    match = _DURATION.match(value.strip())
    if match and any(len(g or "") > MAX_COUNT_DIGITS for g in match.groups()):
        raise fail("duration", f'a duration of at most {MAX_COUNT_DIGITS} digits per unit, such as "30s" or "1h30m"',
                   value)
    if match and any(match.groups()):
        days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    raise fail("duration", 'a duration such as "30s", "5m", "1h" or "1h30m"', value)


Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    PlainSerializer(inspected_once(format_duration)),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["5m", "1h"]}),
]


# --- thresholds ---------------------------------------------------------------------------

_STATIC = re.compile(r"^(>=|<=|>|<)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)$", re.ASCII)
_BAND = re.compile(r"^(outside|above|below)\s+band\s+(\d+(?:\.\d*)?|\.\d+)$", re.ASCII)
THRESHOLD_PATTERN = r"^((>=|<=|>|<) *-?[0-9.eE+-]+|(outside|above|below) band [0-9.]+)$"


@inspected_once
def parse_threshold(value: Any) -> Threshold:
    if isinstance(value, Threshold):
        return value
    if isinstance(value, str):
        return _threshold(value)
    raise fail("threshold", 'a comparison such as "> 10" or "<= 0.5", or a band such as "outside band 2"', value)


@functools.lru_cache(maxsize=_REMEMBERED)
def _threshold(value: str) -> Threshold:
    text = " ".join(value.split())
    if (match := _STATIC.match(text)) and math.isfinite(number := float(match.group(2))):
        return Threshold(match.group(1), number)
    if match:  # "> 1e999" is a float infinity, which JSON (and so CloudWatch) cannot carry
        raise fail("threshold", "a finite number", value)
    if (match := _BAND.match(text)) and 0 < (width := float(match.group(2))) < math.inf:
        return Threshold(match.group(1), width)
    raise fail("threshold", 'a comparison such as "> 10" or "<= 0.5", or a band such as "outside band 2"', value)


ThresholdField = Annotated[
    Threshold,
    BeforeValidator(parse_threshold),
    PlainSerializer(str),
    WithJsonSchema({"type": "string", "pattern": THRESHOLD_PATTERN, "examples": ["> 10", "outside band 2"]}),
]


# --- percentages (SLO objectives and budget shares) ----------------------------------------

_SLO_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")
SLO_PERCENT_PATTERN = r"^ *[0-9]+(\.[0-9]+)? *% *$"


@inspected_once
def parse_slo_percent(value: Any) -> float:
    """`99.9%` or 99.9 -> 99.9 (a percentage, whatever its range: resolve/slos.py says what is allowed)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and (match := _SLO_PERCENT.match(value)):
        return float(match.group(1))
    raise fail("percent", 'a percentage such as "99.9%" (or the number 99.9)', value)


SloPercent = Annotated[float, BeforeValidator(parse_slo_percent),
                    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": SLO_PERCENT_PATTERN}],
                                    "examples": ["99.9%", 99.5]})]


# --- statistics ---------------------------------------------------------------------------

# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
_EXTENDED = re.compile(
    r"^(?:(?:p|tm|wm|tc|ts)(?:100|\d{1,2}(?:\.\d{1,10})?)"
    r"|IQM"
    r"|(?:TM|WM|TC|TS|PR)\((?:\d+(?:\.\d+)?%?)?:(?:\d+(?:\.\d+)?%?)?\))$"
)
STATISTIC_PATTERN = r"^(SampleCount|Average|Sum|Minimum|Maximum|(p|tm|wm|tc|ts)[0-9.]+|IQM|(TM|WM|TC|TS|PR)\(.*\))$"


@inspected_once
def parse_statistic(value: Any) -> str:
    if isinstance(value, str) and (value in STATISTICS or _EXTENDED.match(value)):
        return value
    raise fail("statistic", "one of Sum, Average, Minimum, Maximum, SampleCount, or a percentile such as p99", value)


Statistic = Annotated[
    str, BeforeValidator(parse_statistic), WithJsonSchema({"type": "string", "pattern": STATISTIC_PATTERN})
]


# --- "M of N" datapoints ------------------------------------------------------------------

_M_OF_N = re.compile(r"^(\d+)\s+of\s+(\d+)$", re.ASCII)


@inspected_once
def parse_m_of_n(value: Any) -> MofN:
    if isinstance(value, MofN):
        return value
    if isinstance(value, str):
        return _m_of_n(value)
    raise fail("datapoints", 'datapoints to alarm out of evaluation periods, both at least 1, such as "2 of 3"', value)


@functools.lru_cache(maxsize=_REMEMBERED)
def _m_of_n(value: str) -> MofN:
    if (match := _M_OF_N.match(value.strip())):
        if max(len(match.group(1)), len(match.group(2))) > MAX_COUNT_DIGITS:
            raise fail("datapoints", f'datapoints to alarm out of evaluation periods, numbers of at most '
                       f'{MAX_COUNT_DIGITS} digits, such as "2 of 3"', value)
        datapoints, periods = int(match.group(1)), int(match.group(2))
        if datapoints >= 1 and periods >= 1:  # CloudWatch: both at least 1; M > N is an aws-limit error
            return MofN(datapoints, periods)
    raise fail("datapoints", 'datapoints to alarm out of evaluation periods, both at least 1, such as "2 of 3"', value)


MofNField = Annotated[
    MofN, BeforeValidator(parse_m_of_n), PlainSerializer(str),
    WithJsonSchema({"type": "string", "pattern": r"^\s*0*[1-9][0-9]*\s+of\s+0*[1-9][0-9]*\s*$"}),
]


# --- secrets ------------------------------------------------------------------------------


class SecretRef(Strict):
    """A value read at apply time, never written to generated/ nor printed."""

    env: str | None = Field(default=None, description="Name of an environment variable holding the value.")
    ssm: str | None = Field(default=None, description="Name of an SSM SecureString parameter holding the value.")

    @model_validator(mode="after")
    def _exactly_one(self) -> "SecretRef":
        if (self.env is None) == (self.ssm is None):
            raise PydanticCustomError("secret", "a secret reference names exactly one of 'env' or 'ssm'")
        return self

    @property
    def reference(self) -> str:
        """CloudFormation-style dynamic reference, the placeholder written to generated/."""
        return f"{{{{resolve:env:{self.env}}}}}" if self.env else f"{{{{resolve:ssm:{self.ssm}}}}}"


def _endpoint_kind(value: Any) -> str:
    return "SecretRef" if isinstance(value, dict) else "Str"


Endpoint = Annotated[
    Union[Annotated[str, Tag("Str")], Annotated[SecretRef, Tag("SecretRef")]],
    Discriminator(_endpoint_kind),
]


# --- units ----------------------------------------------------------------------------------


@functools.cache
def cloudwatch_units() -> tuple[str, ...]:
    """CloudWatch's StandardUnit values, from botocore's service model.

    The model's data file is read directly: importing botocore to load it costs ~0.2 s, reading
    the file ~20 ms, and only specs that write a `unit:` pay it.
    """
    found = importlib.util.find_spec("botocore")
    if found is None or found.origin is None:
        raise ModuleNotFoundError("botocore, which obsgen needs, is not installed", name="botocore")
    data = Path(found.origin).parent / "data" / "cloudwatch"
    model = max(data.iterdir()) / "service-2.json.gz"
    raw = gzip.decompress(model.read_bytes()) if model.exists() else model.with_suffix("").read_bytes()
    return tuple(standard_units(raw.decode("utf-8")))


_SHAPE = re.compile(r'"StandardUnit"\s*:\s*\{')


def standard_units(model: str) -> list[str]:
    """The enum of a CloudWatch service model's StandardUnit shape. Its definition (`"StandardUnit": {`)
    is decoded alone: parsing the whole model (360 KB) took ~1.5 ms of every build that checks a
    unit. Anything else under that name (no `enum`) means the whole model is parsed."""
    found = _SHAPE.search(model)
    shape: Any = json.JSONDecoder().raw_decode(model, found.end() - 1)[0] if found is not None else None
    if not (isinstance(shape, dict) and isinstance(shape.get("enum"), list)):
        shape = json.loads(model)["shapes"]["StandardUnit"]
    return [str(unit) for unit in shape["enum"]]


@inspected_once
def _unit(value: Any) -> str:
    if isinstance(value, str) and value in cloudwatch_units():
        return value
    close = difflib.get_close_matches(value, cloudwatch_units(), n=1) if isinstance(value, str) else []
    examples = f"'{close[0]}'" if close else "Milliseconds, Count, Percent or Bytes/Second"
    expected = f"a CloudWatch unit such as {examples}"
    raise fail("unit", expected, value)


# language/jsonschema.py replaces the marker by a reference to one enum, read from botocore's model
# when the schema is written (not when this module is imported).
UNIT_MARKER = "x-obsgen-unit"
Unit = Annotated[str, BeforeValidator(_unit), WithJsonSchema({"type": "string", UNIT_MARKER: True})]


# --- tags ---------------------------------------------------------------------------------
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Tag.html: keys 1-128,
# values 0-256 characters of letters, digits, spaces and _.:/=+-@; "aws:" is reserved for AWS.

# Letters and digits of any script (str.isalnum) and _.:/=+-@ and space. In a str pattern, \w is exactly a
# character for which str.isalnum() holds, or '_' (tests/test_spec_fields.py checks every code point): one
# regex call instead of a generator over the characters.
_TAG_CHARACTERS = re.compile(r"[\w.:/=+\-@ ]*")


def _tag_text(value: Any, limit: int) -> TypeGuard[str]:
    return isinstance(value, str) and len(value) <= limit and _TAG_CHARACTERS.fullmatch(value) is not None


@inspected_once
def _tag_key(value: Any) -> str:
    if _tag_text(value, 128) and value and not value.lower().startswith("aws:"):
        return value
    raise fail("tag", "a tag key of 1-128 letters, digits, spaces or _.:/=+-@, not starting with 'aws:'", value)


# A value may hold template variables (`Environment: ${env}`), expanded when resolving; the expanded value
# is held to AWS's rules by targets/cloudwatch_limits.
_TEMPLATE_PARTS = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$\$")


@inspected_once
def _tag_value(value: Any) -> str:
    if isinstance(value, str) and _tag_text(_TEMPLATE_PARTS.sub("", value), 256):
        return value
    raise fail("tag", "a tag value of at most 256 letters, digits, spaces or _.:/=+-@ (and ${variables})", value)


# For editors: ASCII punctuation other than _.:/=+-@ and control characters are refused (the check
# above also refuses letters that are not alphanumeric in other scripts: beyond a portable pattern).
_TAG_TEXT = r"[^!\"#$%&'()*,;<>?\[\\\]^`{|}~\x00-\x1f\x7f]"
TagKey = Annotated[str, BeforeValidator(_tag_key),
                   WithJsonSchema({"type": "string", "pattern": f"^(?![aA][wW][sS]:){_TAG_TEXT}{{1,128}}$"})]
TagValue = Annotated[str, BeforeValidator(_tag_value),
                     WithJsonSchema({"type": "string", "pattern": f"^{_TAG_TEXT}{{0,256}}$"})]
Tags = dict[TagKey, TagValue]

# The PutMetricAlarm / PutCompositeAlarm parameters a monitor may carry verbatim (`cloudwatch:`): what an alarm
# made elsewhere has and obsgen would write differently (`obsgen import`, docs/adopting.md). Not Tags (`tags:`).
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
# Every parameter but Tags: what obsgen cannot say in its own words (a statistic it does not know, a metric
# math query set of another shape) is kept as written rather than left out. `null` removes one obsgen writes.
VERBATIM_PARAMS = ("AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions",
                   "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions",
                   "Period", "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator",
                   "TreatMissingData", "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId", "AlarmRule",
                   "ActionsSuppressor", "ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod")
VERBATIM_DESCRIPTION = ("API parameters kept as written, over obsgen's own (an adopted alarm's name, description, "
                        "actions, metric ids): AlarmName is a template, the others are sent as they are.")
Verbatim = dict[Literal[VERBATIM_PARAMS], Any]  # type: ignore[valid-type]


# --- misc ---------------------------------------------------------------------------------

MissingData = Literal["breaching", "notBreaching", "ignore", "missing"]
ApiVersion = Literal["obsgen/v1"]


@inspected_once
def _account(value: Any) -> str:
    # An unquoted 12-digit id reads as a number; ids with leading zeros then lose them.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12:
        value = f"{value:012d}"
    if isinstance(value, str) and re.fullmatch(r"\d{12}", value, re.ASCII):
        return value
    raise fail("account", 'a 12-digit AWS account id in quotes, such as "123456789012"', value)


AccountId = Annotated[str, BeforeValidator(_account), WithJsonSchema({"type": "string", "pattern": r"^\d{12}$"})]

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$", re.ASCII)


@inspected_once
def _region(value: Any) -> str:
    """A region botocore knows (regions.py): `eu-west-9` has the form of one, but AWS has none such."""
    if isinstance(value, str) and value in regions.known_regions():  # eusc-de-east-1 too
        return value
    if isinstance(value, str) and _REGION.match(value):
        close = regions.closest(value)
        hint = f'(did you mean "{close}"?)' if close else 'such as "eu-west-1"'
        raise fail("region", f"an AWS region botocore knows {hint}", value)
    raise fail("region", 'an AWS region such as "eu-west-1"', value)


REGION_MARKER = "x-obsgen-region"  # language/jsonschema.py: one enum of the regions botocore knows
Region = Annotated[str, BeforeValidator(_region), WithJsonSchema({"type": "string", REGION_MARKER: True})]


# --- URLs -----------------------------------------------------------------------------------

# An http(s) URL whose every character is safe where obsgen writes URLs: AlarmDescription text,
# Prometheus annotations (themselves Go templates: no `{`), Markdown links in runbooks and Grafana
# text panels (no spaces, `()`, `<>`, quotes, `*`), YAML and JSON. `javascript:`, `data:` or `file:`
# links would reach every alarm, alert and runbook page.
HTTP_URL_PATTERN = r"^[hH][tT][tT][pP][sS]?://[^\s\"'<>(){}|\\^`*]+$"
_HTTP_URL = re.compile(HTTP_URL_PATTERN)


@inspected_once
def _http_url(value: Any) -> str:
    if isinstance(value, str) and _HTTP_URL.match(value) and value.isprintable():
        return value
    raise fail("url", "an http:// or https:// URL without spaces, quotes, <>, (), {}, *, | or backslashes", value)


HttpUrl = Annotated[str, BeforeValidator(_http_url), WithJsonSchema({"type": "string", "pattern": HTTP_URL_PATTERN})]


# --- percentages (budget notifications) ---------------------------------------------------------

MAX_PERCENT = 1_000_000  # Notification.Threshold: "The maximum limit for your threshold is 1,000,000% above the
# budgeted amount" (botocore's budgets model)
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$", re.ASCII)


@inspected_once
def _percent(value: Any) -> float:
    if isinstance(value, str) and (match := _PERCENT.match(value)):
        number = float(match.group(1))
        if 0 < number <= MAX_PERCENT:
            return number
    raise fail("percent", f'a share of the budget such as "80%" (more than 0, at most {MAX_PERCENT:,}%)', value)


Percent = Annotated[float, BeforeValidator(_percent), WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?%$"})]
