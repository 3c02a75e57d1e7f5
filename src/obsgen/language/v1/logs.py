"""Log monitors and saved Logs Insights queries (`monitors:` with `log:`, and `queries:`).

A log monitor counts (or measures) matching log lines and alarms on the count. Two forms:

* `log: {group, pattern}`: a metric filter (PutMetricFilter) publishes a metric from the lines the
  filter pattern matches, and a metric alarm on it (PutMetricAlarm) -- both made from the one monitor;
* `log: {groups, query, aggregate}`: a native log alarm (PutLogAlarm), whose Logs Insights query
  CloudWatch runs on a schedule and compares with the threshold.

A saved query (PutQueryDefinition) is a Logs Insights query with its log groups, for the person on
call: listed on runbook pages and usable by name in dashboard `logs` widgets.
"""


from pydantic import Field

from .fields import Duration, Name, Strict, Unit

# Metric filters: "One metric filter can include as many as three dimensions" (MetricTransformation,
# botocore's logs model); metricValue is at most 100 characters.
MAX_FILTER_DIMENSIONS = 3


class LogFilter(Strict):
    """The metric-filter form: which lines count, and the metric they make."""

    group: str = Field(min_length=1, description="Log group name (templated), e.g. '/aws/lambda/orders-${env}'.")
    pattern: str = Field(description="Filter pattern (CloudWatch Logs syntax), e.g. '{ $.level = \"ERROR\" }' or "
                         "'\"Task timed out\"'; checked when compiling.")
    metric: str | None = Field(default=None, max_length=255, description="Metric name; the alarm's name by default.")
    namespace: str | None = Field(default=None, max_length=255, description="Metric namespace (templated); "
                                  "'${project}/logs' by default.")
    value: str = Field(default="1", min_length=1, max_length=100, description="What a matching line adds: a number, "
                       "or a field it carries ('$.latency' in a JSON pattern, '$bytes' in a space-delimited one).")
    default: float | None = Field(default=None, description="Published for periods with log lines but no match "
                                  "(0 keeps the metric continuous); none by default.")
    dimensions: dict[str, str] = Field(default_factory=dict, max_length=MAX_FILTER_DIMENSIONS,
                                       description="Dimension name -> field ('$.service'): one metric per value; the "
                                       "alarm then watches their sum (a Metrics Insights query).")
    unit: Unit | None = None


class LogQuery(Strict):
    """The native form: a Logs Insights query CloudWatch runs on a schedule (PutLogAlarm)."""

    groups: list[str] = Field(min_length=1, max_length=50, description="Log group names (templated).")
    query: str = Field(min_length=1, max_length=10000, description="The Logs Insights query, e.g. "
                       "'filter level = \"ERROR\"'.")
    aggregate: str = Field(default="count(*)", min_length=1, max_length=2048,
                           description="How the query's results become the value compared with the threshold.")
    schedule: Duration = Field(default=300, description="How often the query runs (a whole number of minutes).")
    window: Duration | None = Field(default=None, description="How far back each run looks; the schedule by default.")
    role: str = Field(min_length=1, description="ARN of the IAM role CloudWatch assumes to run the query (templated).")


class SavedQuery(Strict):
    """A Logs Insights query saved in CloudWatch (PutQueryDefinition), for the person on call."""

    query: str = Field(min_length=1, max_length=9000, description="The Logs Insights query.")
    groups: list[str] = Field(min_length=1, max_length=50, description="Log group names (templated).")
    description: str | None = Field(default=None, description="What it shows; on the runbook pages.")


SavedQueries = dict[Name, SavedQuery]
