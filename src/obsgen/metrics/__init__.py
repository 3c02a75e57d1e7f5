"""The metric catalog: which CloudWatch metrics AWS publishes, with which dimensions, where.

`catalog` reads the data files (`data/<namespace>.yaml`), `resource_types` reads
`data/resource-types.yaml`, `checks` tells whether a metric as an alarm reads it can have data, and
`reference` renders docs/resource-types.md and docs/metrics-catalog.md (`python -m obsgen.metrics`).
"""
