"""Several environments at once (aws/fleet.py): each one's heading, the one summary table, and JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..aws.fleet import Outcome
from ..aws.planfile import plan_dict
from .drift import drift_json

COLUMNS = ("environment", "account", "region", "changes", "result", "duration")


def heading(outcome: Outcome) -> str:
    """The line above an environment's own output, so that each reads as one block."""
    return f"== {outcome.env} (account {outcome.account}, {outcome.region}) =="


def summary_text(outcomes: list[Outcome], seconds: float) -> str:
    """A table (one row per environment, in the spec's order), why each failure failed, and the totals."""
    rows = [COLUMNS] + [(o.env, o.account, o.region, str(o.changes), o.result, f"{o.seconds:.1f}s") for o in outcomes]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    right = {3, 5}  # numbers align right
    lines = ["  ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             .rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += [f"{o.env}: {o.result}: {o.error}" for o in outcomes if o.error]
    counts = Counter(o.result for o in outcomes)
    totals = ", ".join(f"{n} {result}" for result, n in sorted(counts.items()))
    lines.append(f"{len(outcomes)} environment(s): {totals}; {seconds:.1f}s in all")
    return "\n".join(lines) + "\n"


ENVIRONMENTS_FORMAT_VERSION = 1


def outcomes_json(command: str, outcomes: list[Outcome], exit_code: int) -> str:
    """`plan`/`drift --format json` over several environments (docs/schemas/environments.schema.json): each
    environment's result, and its plan or drift report in the single-environment JSON form."""
    data = {"format_version": ENVIRONMENTS_FORMAT_VERSION, "command": command, "exit_code": exit_code,
            "environments": [_outcome(o) for o in outcomes]}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _outcome(outcome: Outcome) -> dict[str, Any]:
    entry: dict[str, Any] = {"env": outcome.env, "account": outcome.account, "region": outcome.region,
                             "result": outcome.result, "changes": outcome.changes,
                             "seconds": round(outcome.seconds, 3), "error": outcome.error or None}
    if outcome.plan is not None:
        entry["plan"] = plan_dict(outcome.plan)
    if outcome.drift is not None:
        entry["drift"] = json.loads(drift_json(outcome.drift))
    return entry
