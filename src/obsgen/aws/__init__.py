"""Keeping AWS equal to the spec: read live state, plan, apply, detect drift.

Data flow (see docs/aws-sync.md):

    EnvironmentModel --desired--> {address: Resource}
    AWS --live (batched reads)--> LiveState
    desired + live --plan.build_plan--> Plan (a value; render.py shows it, apply.py executes it)

Nothing here prints or exits; errors are `SyncError`s with a message meant for people.
"""

from __future__ import annotations


class SyncError(Exception):
    """A problem the user can act on (wrong account, stale plan, AWS refused ...)."""
