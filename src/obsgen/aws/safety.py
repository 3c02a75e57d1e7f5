"""Checks that must pass before obsgen writes anything to AWS."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from . import SyncError
from .plan import DELETE, Plan
from .session import IDENTITY_ATTEMPTS, Clients

DEFAULT_MASS_DELETE_SHARE = 0.5


def check_identity(clients: Clients, account: str, region: str, env: str) -> str:
    """The credentials must belong to the environment's account, the clients to its region.
    Returns the caller's ARN. https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"""
    try:
        identity = clients.sts.get_caller_identity()
    except (ConnectTimeoutError, ReadTimeoutError, EndpointConnectionError) as exc:
        raise SyncError(f"cannot tell which AWS account these credentials belong to: no answer from STS "
                        f"after {IDENTITY_ATTEMPTS} attempts ({exc}); check the network, the proxy and the "
                        "environment's endpoint") from None
    except (ClientError, BotoCoreError) as exc:
        raise SyncError(f"cannot tell which AWS account these credentials belong to: {exc}") from None
    if identity["Account"] != account:
        raise SyncError(f"refusing to touch environment '{env}': it lives in account {account}, but the "
                        f"credentials in use belong to account {identity['Account']} ({identity.get('Arn', '?')}). "
                        "Select the right profile (--profile or AWS_PROFILE).")
    if clients.region != region:
        raise SyncError(f"refusing to touch environment '{env}': it lives in region {region}, "
                        f"but the AWS clients are for {clients.region}")
    arn: str = identity.get("Arn", "")
    return arn


def check_conflicts(plan: Plan) -> None:
    if plan.conflicts:
        names = ", ".join(c.address for c in plan.conflicts[:5])
        more = f" and {len(plan.conflicts) - 5} more" if len(plan.conflicts) > 5 else ""
        raise SyncError(f"{len(plan.conflicts)} conflict(s) with resources obsgen does not manage: {names}{more}; "
                        "nothing was changed (use --adopt to take them over)")


def check_mass_delete(plan: Plan, share: float = DEFAULT_MASS_DELETE_SHARE, allowed: bool = False) -> None:
    """A typo in the spec (or the wrong --project-dir) must not wipe an environment's alarms."""
    deletes = plan.count(DELETE)
    if allowed or not deletes or not plan.managed or deletes / plan.managed <= share:
        return
    raise SyncError(f"the plan deletes {deletes} of the {plan.managed} resources obsgen manages in "
                    f"'{plan.env}' (more than {share:.0%}); re-run with --allow-mass-delete if that is intended")
