"""Service-level objectives, `slos:` in a service file: an objective over a window and its SLI, the
ratio of bad (or good) events to valid events, read from CloudWatch metrics or from PromQL.

Each SLO compiles to multi-window, multi-burn-rate alerts (docs/slos.md): CloudWatch metric-math
alarms and composites for a CloudWatch SLI, recording rules and alerts in Sloth's shape for a
Prometheus one. What the values mean is checked when resolving (`resolve/slos.py`), so every
mistake gets its own code and place; here are the shapes.
"""


from typing import Annotated, Any, Union

from pydantic import Discriminator, Field, Tag

from .fields import Duration, Name, SeverityRef, SloPercent, Strict
from .metric_source import MetricSource

# OpenSLO documents (language/openslo.py translates them into these models): their apiVersion and the
# folder of monitors/ they are read from. Named here, beside what they become, so that the loader sorts
# files and recognises a misplaced OpenSLO document without importing the translator, which only a
# project with monitors/openslo/ needs (docs/performance.md, "Start-up").
OPENSLO_API_VERSION = "openslo/v1"
OPENSLO_FOLDER = "openslo"  # monitors/openslo/: every YAML file there is read as OpenSLO (several documents a file)


class Burn(Strict):
    """One alert condition: `budget` of the error budget spent within `window` (the long window; the
    short one is 1/12 of it)."""

    budget: SloPercent = Field(description='The share of the SLO window\'s error budget, e.g. "2%".')
    window: Duration = Field(description="The long window, e.g. 1h; its short window is 1/12 of it.")


class Tier(Strict):
    """The page or the ticket tier: who hears it, and when (the workbook's conditions by default)."""

    severity: SeverityRef = Field(description="One of the project's severities.")
    enabled: bool = True
    burns: list[Burn] | None = Field(default=None, min_length=1, max_length=4,
                                     description="Alert conditions (default: the SRE workbook's: page 2% in 1h or "
                                     "5% in 6h; ticket 10% in 1d or 10% in 3d).")


class EventMetric(MetricSource):
    """A count of events from CloudWatch (statistic Sum unless said otherwise)."""

    statistic: Annotated[str, Field(description="Usually Sum (SampleCount for a latency metric's requests).")] = "Sum"


class LatencyMetric(MetricSource):
    """A latency metric: requests slower than `slower_than` (in the metric's unit) are bad, read with
    CloudWatch's percentile-rank statistic PR(:X); the valid events are its SampleCount."""

    statistic: Annotated[str, Field(description="Not used: the SLI reads PR(:slower_than) and SampleCount.")] = "Average"
    slower_than: float = Field(gt=0, description="The threshold, in the metric's unit (e.g. 500 for 500 ms).")


class CloudWatchSli(Strict):
    """Bad (or good) events over valid events, each a CloudWatch metric; or a latency metric."""

    bad: EventMetric | None = None
    good: EventMetric | None = None
    valid: EventMetric | None = Field(default=None, description="Every event that counts (e.g. requests).")
    latency: LatencyMetric | None = None


class HistogramSli(Strict):
    """Requests slower than `slower_than` from a Prometheus histogram: `<metric>_bucket{le=...}` and `<metric>_count`."""

    metric: str = Field(min_length=1, description="The histogram's name, e.g. http_request_duration_seconds.")
    selector: str = Field(default="", description='Label matchers, e.g. job="checkout" (no braces).')
    slower_than: str = Field(min_length=1, description='The bucket boundary, exactly as its `le` label reads, e.g. "0.5".')


class PromSli(Strict):
    """Error and total event rates as PromQL with a `${window}` placeholder (as Sloth's users write them),
    or a histogram."""

    errors: str | None = Field(default=None, min_length=1, description="e.g. sum(rate(http_requests_total{code=~\"5..\"}[${window}]))")
    total: str | None = Field(default=None, min_length=1, description="e.g. sum(rate(http_requests_total[${window}]))")
    histogram: HistogramSli | None = None


def _sli_kind(value: Any) -> str:
    prom = isinstance(value, dict) and ({"errors", "total", "histogram"} & set(value))
    return "PromSli" if prom else "CloudWatchSli"


Sli = Annotated[
    Union[Annotated[CloudWatchSli, Tag("CloudWatchSli")], Annotated[PromSli, Tag("PromSli")]],
    Discriminator(_sli_kind),
]


class Slo(Strict):
    """One service-level objective and the burn-rate alerts that guard its error budget."""

    summary: str | None = Field(default=None, min_length=1, description="What the objective promises, in one sentence.")
    description: str | None = None
    objective: SloPercent = Field(description='The share of valid events that must be good, e.g. "99.9%".')
    window: Duration = Field(default=30 * 86400, description="The SLO window, a whole number of days (default 30d).")
    sli: Sli
    page: Tier | None = Field(default=None, description="The fast-burn tier (leave out for none).")
    ticket: Tier | None = Field(default=None, description="The slow-burn tier (leave out for none).")
    runbook: Name | None = Field(default=None, description="A page of runbooks_src/ (without .md).")
