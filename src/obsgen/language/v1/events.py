"""Event routes (`events:` in a service file or the project file): an EventBridge rule whose matching
events reach a severity's SNS topic as a readable message.

The rule's event pattern is written in YAML (`pattern:`), or made by a shorthand for a common source:
GuardDuty findings at or above a severity, Security Hub findings by severity label, AWS Health issues
of the services the spec uses, failed Step Functions executions, Glue job runs and Batch jobs.
EventBridge Scheduler has no shorthand: it sends no event when a schedule's target fails (only
CloudTrail API events, https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-scheduler.html);
its failures go to the schedule's dead-letter queue and the AWS/Scheduler metrics, which a metric
monitor can alarm on.
"""


from typing import Any, Literal

from pydantic import Field, model_validator

from .fields import Name, Strict, Tags, empty_list

SecurityHubLabel = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"]
HealthCategory = Literal["issue", "accountNotification", "scheduledChange", "investigation"]
SHORTHANDS = ("guardduty", "securityhub", "health", "stepfunctions", "glue", "batch")
ExecutionStatus = Literal["FAILED", "TIMED_OUT", "ABORTED"]
GlueState = Literal["FAILED", "TIMEOUT", "ERROR"]


def _default_labels() -> list[SecurityHubLabel]:
    return ["CRITICAL", "HIGH"]


def _default_categories() -> list[HealthCategory]:
    return ["issue"]


def _default_statuses() -> list[ExecutionStatus]:
    return ["FAILED", "TIMED_OUT", "ABORTED"]


def _default_states() -> list[GlueState]:
    return ["FAILED", "TIMEOUT", "ERROR"]


class GuardDutySource(Strict):
    """GuardDuty findings whose severity is at least `min_severity` (GuardDuty: 7.0-8.9 high, 9.0-10.0 critical)."""

    min_severity: float = Field(default=7.0, ge=0, le=10)


class SecurityHubSource(Strict):
    """Security Hub findings (imported) of these severity labels."""

    labels: list[SecurityHubLabel] = Field(default_factory=_default_labels, min_length=1)


class HealthSource(Strict):
    """AWS Health events about the services this spec uses (from its resources), or the ones listed."""

    services: Literal["used"] | list[str] = Field(default="used", description="'used', or AWS Health service "
                                                  "codes such as LAMBDA, DYNAMODB.")
    categories: list[HealthCategory] = Field(default_factory=_default_categories, min_length=1)


class StepFunctionsSource(Strict):
    """Step Functions executions that failed, timed out or were aborted."""

    state_machines: list[str] = Field(default_factory=empty_list, description="State machine ARNs (templated); every "
                                      "state machine by default.")
    statuses: list[ExecutionStatus] = Field(default_factory=_default_statuses, min_length=1)


class GlueSource(Strict):
    """Glue job runs that failed, timed out or stopped with an error."""

    jobs: list[str] = Field(default_factory=empty_list, description="Job names (templated); every job by default.")
    states: list[GlueState] = Field(default_factory=_default_states, min_length=1)


class BatchSource(Strict):
    """Batch jobs that failed."""

    queues: list[str] = Field(default_factory=empty_list, description="Job queue ARNs (templated); every queue by default.")


class EventRoute(Strict):
    """An EventBridge rule -> the severity's topic, with a message a person can read."""

    summary: str = Field(min_length=1, description="One static sentence: what the event means.")
    description: str | None = None
    severity: Name
    runbook: Name | None = Field(default=None, description="A page of runbooks_src/ (without .md).")
    tags: Tags = Field(default_factory=dict)
    enabled: bool = Field(default=True, description="false: the rule exists but is DISABLED.")
    pattern: dict[str, Any] | None = Field(default=None, description="An EventBridge event pattern, written in YAML.")
    message: str | None = Field(default=None, max_length=2000, description="With `pattern:`: the message, where "
                                "<name> stands for a field of `fields:`.")
    fields: dict[str, str] = Field(default_factory=dict, max_length=100, description="With `pattern:`: name -> JSON "
                                   "path in the event, e.g. id: $.detail.id (InputPathsMap).")
    guardduty: GuardDutySource | None = None
    securityhub: SecurityHubSource | None = None
    health: HealthSource | None = None
    stepfunctions: StepFunctionsSource | None = None
    glue: GlueSource | None = None
    batch: BatchSource | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "EventRoute":
        given = [name for name in ("pattern", *SHORTHANDS) if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("an event route has exactly one of pattern, " + ", ".join(SHORTHANDS)
                             + (f"; found {' and '.join(given)}" if given else ""))
        if (self.message is not None or self.fields) and self.pattern is None:
            raise ValueError("'message' and 'fields' go with 'pattern:'; a shorthand writes its own message")
        return self

    @property
    def source(self) -> str:
        """The shorthand used, or 'pattern'."""
        return next(name for name in ("pattern", *SHORTHANDS) if getattr(self, name) is not None)


EventRoutes = dict[Name, EventRoute]
