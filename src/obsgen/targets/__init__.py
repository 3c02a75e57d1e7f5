"""Output targets: one module per artifact family, each `render(model) -> Rendered`.

Adding a target means one new module here, one entry in TARGETS and one test file. A target
reads the resolved model only; it reports what it cannot express as diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from . import jsontext
from ..conventions import GENERATED_HEADER
from ..diagnostics import Diagnostic
from ..model import EnvironmentModel


@dataclass(slots=True)
class Rendered:
    files: dict[str, str]  # path under generated/<env>/ -> content
    diagnostics: list[Diagnostic] = field(default_factory=list)


def header(source: str | None = None) -> str:
    return f"{GENERATED_HEADER}; source: {source}" if source else GENERATED_HEADER


def dump_json(data: Any) -> str:
    """Stable bytes: sorted keys, two-space indent, UTF-8 text, final newline."""
    return jsontext.dumps(data) + "\n"  # = json.dumps(indent=2, sort_keys=True, ensure_ascii=False), faster


def _targets() -> list[Callable[[EnvironmentModel], Rendered]]:
    from . import alertmanager, cloudwatch, prometheus, promtool_tests, routing, sns
    from . import cloudwatch_dashboards, grafana

    return [cloudwatch.render, sns.render, routing.render, prometheus.render, alertmanager.render,
            promtool_tests.render,
            cloudwatch_dashboards.render, grafana.render]


TARGETS = _targets
