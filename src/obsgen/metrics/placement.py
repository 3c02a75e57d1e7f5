"""Where a metric is published, for placing the alarms and graphs that read it.

Most AWS metrics are regional: an alarm reads them in its own region. A few are published in one
region only, whatever region the resource is used from, and an alarm anywhere else never has data:
- CloudFront: "you must use the US East (N. Virginia) Region (us-east-1)"
  https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html
- Billing: "Billing metric data is stored in the US East (N. Virginia) Region"
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/monitor_estimated_charges_with_cloudwatch.html
- Route 53 health checks and hosted zones: "US East (N. Virginia)"
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-cloudwatch.html
- WAF web ACLs for CloudFront (those without a `Region` dimension): "For CloudFront, choose the US
  East (N. Virginia) Region" https://docs.aws.amazon.com/waf/latest/developerguide/monitoring-cloudwatch.html
The facts themselves, with those sources, are the catalog's (`regions:` in data/*.yaml); this module
only answers "where" for one metric. REGION_BOUND lists the namespaces that have such metrics, so
that a spec without them does not read the catalog (~23 ms, docs/performance.md) just to learn that
Lambda is regional; tests/test_region_placement.py fails when it and the catalog disagree. (Once the metric
checks read the catalog on every compile, `metrics.checks.published_regions` answers the same.)
"""

from __future__ import annotations

from functools import lru_cache

from .catalog import shipped_catalog

REGION_BOUND = frozenset({"AWS/Billing", "AWS/CloudFront", "AWS/Route53", "AWS/WAFV2"})


@lru_cache(maxsize=4096)
def published_regions(namespace: str, metric: str, dimensions: frozenset[str]) -> tuple[str, ...] | None:
    """The only regions `metric` is published in with these dimension names (sorted); None: every
    region, or not known to the catalog (its checks report an unknown metric). Dimension names that
    match no published set fall back to every publication of the metric (the dimension check reports
    them): a misspelt dimension of a CloudFront metric is still placed in us-east-1."""
    if namespace not in REGION_BOUND:
        return None
    info = shipped_catalog()[0].metric(namespace, metric)
    if info is None:
        return None
    published = info.dimension_sets()
    return info.regions(None, dimensions if dimensions in published else None)
