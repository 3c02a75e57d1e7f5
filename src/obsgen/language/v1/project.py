"""The project file, `monitors/obsgen.yaml`: environments, severities, channels, naming."""


from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from ...diagnostics import shown

from .budgets import Budgets
from .dashboards import Dashboards
from .events import EventRoutes
from .fields import (AccountId, ApiVersion, Duration, Endpoint, HttpUrl, MissingData, MofNField, Name, Region, SeverityName, SeverityRef, SloPercent, Strict, Tags,
                     ThresholdField, VarName, Verbatim, empty_list, inspected_once)
from .maintenance import Maintenance
from .presets import ProjectPresets
from .prometheus import AlertmanagerChannel, ProjectPrometheus


# The top-level names generated/ keeps for itself (runbooks.RUNBOOKS_OUT, runbooks.SITE_OUT): an
# environment's directory is generated/<env>/, so an environment named like one would share it (the
# schema file and obsgen's work directories have dots in their names, which no environment name has).
GENERATED_OWN_NAMES = ("runbooks", "site")


@inspected_once
def _not_generated_own_name(value: str) -> str:
    if value in GENERATED_OWN_NAMES:  # reported at the key, as a bad-name (spec/errors.py)
        own = " and ".join(f"'{name}'" for name in GENERATED_OWN_NAMES)
        raise ValueError(f"expected an environment name other than {own}, which name generated/'s runbooks and "
                         f'runbook site directories, found "{value}"')
    return value


@inspected_once
def _no_matrix_variable(value: Any) -> Any:
    """`prod-${region}` under `environments:` is meant as a matrix: say so, rather than "invalid name"."""
    if isinstance(value, str) and "${" in value:
        raise PydanticCustomError("matrix_variable", "'{name}' uses a template variable, but only a matrix's name "
                                  "may (${account}, ${region}): define it under `matrices:` with its `accounts:` "
                                  "and `regions:`", {"name": shown(value)})
    return value


EnvironmentName = Annotated[Name, BeforeValidator(_no_matrix_variable), AfterValidator(_not_generated_own_name)]


class Naming(Strict):
    """Templates for AWS names. Variables: ${project} ${env} ${service} ${monitor} ${account} ${region}
    and the environment's own `vars`."""

    alarm: str = Field(default="${project}-${service}-${monitor}-${env}", description="CloudWatch alarm name template.")


class Severity(Strict):
    """A severity level of the user's own set (critical/warning, P1..P3, ...)."""

    description: str | None = Field(default=None, description="Shown in routing tables and alarm descriptions.")
    topic: str = Field(description="SNS topic name template, e.g. '${project}-critical-alerts-${env}'.")
    topic_display_name: str | None = Field(default=None, max_length=100, description="The topic's DisplayName "
                                           "(default: the project's name and the description); '' for none.")
    response_time: Duration = Field(description="How fast a human must respond, e.g. 15m.")
    pages: bool = Field(default=False, description="Whether this severity wakes someone up.")
    notify_ok: bool = Field(default=True, description="Also notify the topic when the alarm returns to OK.")
    actions: list[str] = Field(default_factory=empty_list, description="Extra ARNs (templated) to call in ALARM state, "
                               "e.g. another team's topic or an SSM OpsCenter action.")
    prometheus: str | None = Field(default=None, description="Value of the Prometheus `severity` label (defaults to the severity's name).")


# SNS subscription protocols, plus `chatbot` (AWS Chatbot's https endpoint; `endpoint` holds the
# Chatbot channel configuration ARN, for the routing table).
ChannelKind = Literal["email", "email-json", "sms", "https", "http", "lambda", "sqs", "chatbot"]


class Channel(Strict):
    """Where notifications go: an SNS subscription on the topic of each listed severity (`type` +
    `endpoint`), an Alertmanager receiver (`alertmanager`), or both.
    PagerDuty is an `https` endpoint; Slack is a `lambda` (SNS -> Lambda) or `chatbot`."""

    type: ChannelKind | None = Field(default=None, description="SNS protocol; omit for an Alertmanager-only channel.")
    endpoint: Endpoint | None = Field(default=None, description="Address, URL or ARN; or {env: VAR} / {ssm: /param} for secrets.")
    severities: list[SeverityRef] = Field(min_length=1, description="Severities this channel receives.")
    description: str | None = None
    alertmanager: AlertmanagerChannel | None = Field(default=None, description="The Alertmanager receiver form.")

    @model_validator(mode="after")
    def _some_route(self) -> "Channel":
        if (self.type is None) != (self.endpoint is None):
            raise ValueError("an SNS channel needs both 'type' and 'endpoint'")
        if self.type is None and self.alertmanager is None:
            raise ValueError("a channel needs 'type' and 'endpoint' (SNS), 'alertmanager', or both")
        return self


class ChannelOverride(Strict):
    endpoint: Endpoint | None = None
    severities: list[SeverityRef] | None = None
    enabled: bool = True


class MonitorOverride(Strict):
    """Per-environment changes to one monitor. Only what is written changes."""

    threshold: ThresholdField | None = None
    period: Duration | None = None
    evaluation_periods: int | None = Field(default=None, ge=1)
    datapoints_to_alarm: int | None = Field(default=None, ge=1)
    datapoints: MofNField | None = None
    severity: SeverityRef | None = None
    missing_data: MissingData | None = None
    actions_enabled: bool | None = None
    for_: Duration | None = Field(default=None, alias="for", description="Prometheus monitors: how long the condition must hold.")
    promql: str | None = Field(default=None, description="Prometheus monitors: replaces the PromQL expression.")
    cloudwatch: Verbatim | None = Field(default=None, description="Verbatim API parameters for this environment, "
                                        "over the monitor's own `cloudwatch:` (key by key).")
    objective: SloPercent | None = Field(default=None, description="SLOs ('service/slo-<name>') only: the objective "
                                         "in this environment, e.g. 99.5%.")


class EnvironmentSettings(Strict):
    """What an environment holds besides where it is (account and region): an environment's own
    settings, a matrix's settings for every environment it makes, and a matrix's per-account and
    per-region overrides (matrix.py: only the fields written there change)."""

    endpoint: HttpUrl | None = Field(default=None, description="AWS endpoint URL for local emulators (e.g. the obsgen sandbox).")
    role_arn: str | None = Field(default=None, description="An IAM role plan, apply and drift assume (with the "
                                 "credentials in use) to reach this environment's account, e.g. "
                                 "'arn:aws:iam::${account}:role/obsgen-deployer' in a matrix; a template of "
                                 "${project}, ${env}, ${account} and ${region}.")
    production: bool | None = Field(default=None, description="Whether this environment is production; the runbook "
                                    "site marks it. Default: its name is production, prod or prd, or starts or ends "
                                    "with one of them and a '-' (prod-eu, eu-prod).")
    service_dashboards: bool = Field(default=True, description="false: no service gets its own dashboard in this "
                                     "environment (each dashboard is billed monthly past CloudWatch's free few).")
    vars: dict[VarName, str] = Field(default_factory=dict, description="Extra template variables.")
    disabled: list[str] = Field(default_factory=empty_list, description="Monitors ('service/monitor'), SLOs "
                                "('service/slo-<name>') and SLO tiers ('service/slo-<name>-page', '-ticket') not "
                                "deployed here.")
    overrides: dict[str, MonitorOverride] = Field(default_factory=dict, description="Keyed by 'service/monitor', or "
                                                  "'service/slo-<name>' for an SLO's objective.")
    channels: dict[Name, ChannelOverride] = Field(default_factory=dict)
    runbooks_base_url: HttpUrl | None = Field(default=None, description="Where this environment's alarms link to the "
                                          "runbook site; overrides runbooks.base_url.")
    deploy: Literal["api", "cloudformation"] = Field(default="api", description="How this environment reaches AWS: "
                                                     "api (obsgen apply calls the CloudWatch and SNS APIs) or "
                                                     "cloudformation (obsgen writes templates under "
                                                     "generated/<env>/cloudformation/ for a pipeline to deploy; apply "
                                                     "refuses, drift still compares AWS with the spec). "
                                                     "docs/organisations.md.")


class Environment(EnvironmentSettings):
    account: AccountId
    region: Region
    regions: list[Region] = Field(default_factory=empty_list, description="Other regions plan, apply and drift read even "
                                  "when no monitor is placed there: keep a region here while removing its last "
                                  "monitor, so that apply deletes what obsgen owns there.")


# An AWS Organizations organizational unit id (or the root's), as the Organizations API writes it:
# https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsForParent.html (ParentId)
OU_PATTERN = r"^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$"


# A matrix's name for editors: an environment name in which ${account} and ${region} may stand
# (language/matrix.py checks the expanded names themselves).
MATRIX_NAME_PATTERN = r"^([a-z0-9-]|\$\{(account|region)\})+$"


class EnvironmentMatrix(EnvironmentSettings):
    """One environment definition over accounts x regions (language/matrix.py expands it): its key is
    the environments' name template, of ${account} and ${region}, e.g. 'prod-${account}-${region}'."""

    accounts: list[AccountId] = Field(min_length=1, description="The accounts (12-digit ids, quoted); "
                                      "`obsgen accounts --ou ID` lists an organizational unit's.")
    regions: list[Region] = Field(min_length=1, description="The regions: each is the home region of one "
                                  "environment per account.")
    organizational_unit: Annotated[str, Field(pattern=OU_PATTERN)] | None = Field(
        default=None, description="The OU (or root) `accounts` mirrors, for `obsgen accounts --ou` and the reader; "
        "the expansion itself reads only `accounts` (docs/organisations.md).")
    per_account: dict[AccountId, EnvironmentSettings] = Field(default_factory=dict, description="Settings for "
                                                             "one account's environments, over the matrix's own.")
    per_region: dict[Region, EnvironmentSettings] = Field(default_factory=dict, description="Settings for one "
                                                         "region's environments, over the matrix's and per_account's.")


class Runbooks(Strict):
    base_url: HttpUrl | None = Field(default=None, description="Root URL of the published runbook site (http or https).")


OrganizationalUnitId = Annotated[str, Field(pattern=OU_PATTERN)]


class StackSetTargets(Strict):
    accounts: list[AccountId] = Field(default_factory=empty_list, description="Accounts (self-managed permissions).")
    organizational_units: list[OrganizationalUnitId] = Field(
        default_factory=empty_list, description="Organizational unit or root ids (service-managed permissions): every "
                                          "account in them, and with auto_deployment every account added later.")


class StackSet(Strict):
    environment: Name = Field(description="The environment whose CloudFormation template is the baseline "
                                          "(it must have deploy: cloudformation and fit one stack).")
    permission_model: Literal["service-managed", "self-managed"] = Field(
        default="service-managed", description="service-managed: Organizations and OUs; self-managed: accounts "
                                               "with the StackSet administration and execution roles.")
    targets: StackSetTargets
    regions: list[Region] = Field(min_length=1, description="The regions of every target account.")
    auto_deployment: bool = Field(default=True, description="service-managed: deploy to accounts that join the "
                                                            "OUs later, remove from those that leave.")
    failure_tolerance: int = Field(default=0, ge=0, description="FailureToleranceCount: failed accounts per "
                                                                "region before CloudFormation stops the operation.")
    max_concurrency: int = Field(default=1, ge=1, description="MaxConcurrentCount: accounts deployed at once "
                                                              "per region.")

    @model_validator(mode="after")
    def _targets_fit_permissions(self) -> "StackSet":
        if self.permission_model == "self-managed" and (not self.targets.accounts or self.targets.organizational_units):
            raise ValueError("a self-managed StackSet targets accounts (targets.accounts), not organizational units")
        if self.permission_model == "service-managed" and not self.targets.organizational_units:
            raise ValueError("a service-managed StackSet targets organizational units (targets.organizational_units)")
        return self


class ProjectSpec(Strict):
    apiVersion: ApiVersion
    kind: Literal["Project"]
    project: Name
    description: str | None = None
    naming: Naming = Field(default_factory=Naming)
    runbooks: Runbooks = Field(default_factory=Runbooks)
    tags: Tags = Field(default_factory=dict, description="Tags on every AWS resource obsgen creates.")
    severities: dict[SeverityName, Severity] = Field(min_length=1)
    channels: dict[Name, Channel] = Field(default_factory=dict)
    environments: dict[EnvironmentName, Environment] = Field(
        default_factory=dict, json_schema_extra={"propertyNames": {"not": {"enum": list(GENERATED_OWN_NAMES)}}})
    matrices: dict[str, EnvironmentMatrix] = Field(default_factory=dict, json_schema_extra={"propertyNames": {
        "pattern": MATRIX_NAME_PATTERN}}, description="Environments over "
                                                   "accounts x regions, keyed by their name template "
                                                   "('prod-${account}-${region}'); docs/organisations.md.")
    prometheus: ProjectPrometheus = Field(default_factory=ProjectPrometheus, description="Rule groups and Alertmanager routing.")
    service_dashboards: bool = Field(default=True, description="Whether each service with CloudWatch monitors (or SLOs) gets "
                                     "its own dashboard (a service file's `dashboard:` decides for itself).")
    dashboards: Dashboards = Field(default_factory=dict, description="Cross-service dashboards; references name "
                                   "their service ('service/monitor', 'service/resource').")
    stacksets: dict[Name, StackSet] = Field(default_factory=dict, description="CloudFormation StackSets that roll "
                                            "an environment's template out to many accounts and regions "
                                            "(obsgen stackset plan/apply; docs/organisations.md).")
    presets: ProjectPresets = Field(default_factory=ProjectPresets, description="Severities of preset alarms.")
    events: EventRoutes = Field(default_factory=dict, description="EventBridge rules of the whole project "
                                "(security findings, AWS Health) -> a severity's topic.")
    budgets: Budgets = Field(default_factory=dict, description="Cost budgets notifying a severity's topic.")
    maintenance: Maintenance = Field(default_factory=dict, description="Maintenance windows: alarms muted on a "
                                     "schedule (CloudWatch alarm mute rules).")

    def runbook_base_url(self, env: str) -> str | None:
        """Where environment `env`'s alarms link to the runbook site: its own base URL, else the project's."""
        return self.environments[env].runbooks_base_url or self.runbooks.base_url
