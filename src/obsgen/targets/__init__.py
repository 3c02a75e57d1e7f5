"""Output targets: one module per artifact family, each `render(model) -> Rendered` (base.py).

Adding a target means one new module here, one entry in `targets()` and one test file. A target
reads the resolved model only; it reports what it cannot express as located diagnostics.
"""

from __future__ import annotations

from typing import Callable

from ..model import EnvironmentModel
from . import (alertmanager, budgets, cloudformation, cloudwatch, cloudwatch_dashboards, events, grafana, logs, maintenance,
               prometheus, promtool_tests, routing, sns)
from .base import Rendered

Target = Callable[[EnvironmentModel], Rendered]


def targets() -> list[Target]:
    """Every target, in the order their files are added to a build."""
    return [cloudwatch.render, sns.render, routing.render, prometheus.render, alertmanager.render,
            promtool_tests.render, cloudwatch_dashboards.render, grafana.render, logs.render, events.render,
            budgets.render, maintenance.render, cloudformation.render]
