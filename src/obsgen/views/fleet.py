"""Several environments at once (aws/fleet.py): each one's heading, and the one summary table."""

from __future__ import annotations

from collections import Counter

from ..aws.fleet import Outcome

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
