"""Which monitors have a unit test: an `alarm:` test (CloudWatch) or a promtool `alert_rule_test`."""

from __future__ import annotations

from dataclasses import dataclass

from .. import conventions
from ..diagnostics import Diagnostic, Span, warning
from ..language.load import SpecSet
from ..language.v1.prometheus import PromMonitor, PromTestGroup


@dataclass(frozen=True, slots=True)
class Coverage:
    cloudwatch: tuple[int, int]  # (tested, all)
    prometheus: tuple[int, int]
    untested: tuple[tuple[str, Span | None], ...]  # 'service/monitor' and its key in the spec (None: not located)

    def summary(self) -> str:
        tested = self.cloudwatch[0] + self.prometheus[0]
        total = self.cloudwatch[1] + self.prometheus[1]
        return (f"tests: {tested} of {total} monitor(s) have a unit test (CloudWatch {self.cloudwatch[0]} of "
                f"{self.cloudwatch[1]}, Prometheus {self.prometheus[0]} of {self.prometheus[1]})")

    def diagnostics(self, strict: bool) -> list[Diagnostic]:
        """A warning per untested monitor, only when `strict` (otherwise the summary line says it)."""
        if not strict:
            return []
        return [warning(span or Span(""), "untested-monitor", f"monitor '{ref}' has no unit test (`tests:` in its "
                        "service file)") for ref, span in self.untested]


def coverage(spec: SpecSet, located: bool = True) -> Coverage:
    """The counts, and each untested monitor, at its key in the spec when `located` (what the warnings
    of `validate --strict` need; the summary line does not: 10,000 spans are 0.05 s)."""
    counts = {"cloudwatch": [0, 0], "prometheus": [0, 0]}
    untested: list[tuple[str, Span | None]] = []
    for entry in sorted(spec.services, key=lambda e: e.spec.service):
        tested = {t.alarm for _, t in entry.spec.alarm_tests}
        alerts = {case.alertname for group in entry.spec.tests if isinstance(group, PromTestGroup)
                  for case in group.alert_rule_test}
        for name, monitor in entry.spec.monitors.items():
            if isinstance(monitor, PromMonitor):
                kind = "prometheus"
                done = bool({name, monitor.alert or conventions.camel_case(name)} & alerts)
            else:
                kind, done = "cloudwatch", name in tested
            counts[kind][1] += 1
            counts[kind][0] += done
            if not done:
                ref = conventions.monitor_ref(entry.spec.service, name)
                use = spec.preset_uses.get(ref)  # a preset's monitor is written where the preset is used
                span = (use.span if use else entry.doc.span(("monitors", name), at_key=True)) if located else None
                untested.append((ref, span))
    return Coverage((counts["cloudwatch"][0], counts["cloudwatch"][1]),
                    (counts["prometheus"][0], counts["prometheus"][1]), tuple(untested))
