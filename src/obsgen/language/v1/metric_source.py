"""A CloudWatch metric as the spec names it, shared by monitors (`service.py`) and SLIs (`slos.py`)."""


from pydantic import Field

from .fields import Name, Statistic, Strict, Unit


class MetricSource(Strict):
    """One CloudWatch metric: by resource + metric name, or by namespace + metric + dimensions."""

    resource: Name | None = None
    namespace: str | None = None
    metric: str = Field(min_length=1, max_length=255)
    dimensions: dict[str, str] = Field(default_factory=dict, max_length=30)
    statistic: Statistic = "Average"
    unit: Unit | None = None
