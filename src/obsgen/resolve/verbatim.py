"""API parameters a monitor sends as written (`cloudwatch:`, which `obsgen import` writes where obsgen
would render an adopted alarm otherwise) that obsgen's own checks cannot see. Actions written there
bypass the severity's routing and `validate`'s reach check; `Metrics` bypasses the metric catalog's
checks, the alarm tests and the dashboards' graphs, which all read the monitor's own metric;
`AlarmRule` bypasses the composite checks. Each such monitor is reported once (a warning; an error
with `validate --strict`) so that an adopted alarm that could never page, or never fire, is looked
at. An empty AlarmActions on an alarm whose actions are enabled notifies nobody: said so, in the same
warning, since an adopted account may hold such alarms on purpose (graphs only) and the import must
still validate."""

from __future__ import annotations

from ..diagnostics import Diagnostic, error, warning
from ..model import EnvironmentModel

UNCHECKED = {  # parameter -> what obsgen no longer checks for it
    "AlarmActions": "its routing", "OKActions": "its routing", "InsufficientDataActions": "its routing",
    "Metrics": "the metric checks, alarm tests and dashboard graphs", "AlarmRule": "the composite rule checks",
}


def unchecked(models: dict[str, EnvironmentModel], strict: bool) -> list[Diagnostic]:
    found: dict[str, Diagnostic] = {}
    for model in models.values():
        for alarm in model.alarms():
            given = dict(alarm.verbatim)
            keys = [key for key in UNCHECKED if key in given]
            if not keys or alarm.ref in found:
                continue
            span, make = alarm.origin.span("cloudwatch"), error if strict else warning
            if "AlarmActions" in given and not given["AlarmActions"] and alarm.actions_enabled:
                found[alarm.ref] = make(span, "verbatim-unchecked",
                                        f"monitor {alarm.ref} sends an empty AlarmActions as written: its alarm "
                                        "notifies nobody; remove AlarmActions from cloudwatch: to use its severity's topic")
                continue
            checks = sorted({UNCHECKED[key] for key in keys})
            found[alarm.ref] = make(
                span, "verbatim-unchecked",
                f"monitor {alarm.ref} sends {', '.join(keys)} as written (cloudwatch:): obsgen does not check "
                f"{' or '.join(checks)} for them; replace them with the monitor's own fields when you can")
    return list(found.values())
