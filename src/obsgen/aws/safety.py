"""Checks that must pass before obsgen writes anything to AWS."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from . import SyncError
from .plan import DELETE, Plan
from .session import IDENTITY_ATTEMPTS, Clients

DEFAULT_MASS_DELETE_SHARE = 0.5


def check_identity(clients: Clients, account: str, region: str, env: str, regions: tuple[str, ...] = ()) -> str:
    """The credentials must belong to the environment's account in its home region and in each of its
    other `regions` (an opt-in region the account has not enabled refuses them), the clients to its
    home region. One GetCallerIdentity per region, through that region's STS endpoint. Returns the
    caller's ARN. https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html"""
    if clients.region != region:
        raise SyncError(f"refusing to touch environment '{env}': it lives in region {region}, "
                        f"but the AWS clients are for {clients.region}")
    arn = ""
    for where in [region, *sorted(set(regions) - {region})]:
        identity = _caller_identity(clients.in_region(where), where)
        if identity["Account"] != account:
            raise SyncError(f"refusing to touch environment '{env}': it lives in account {account}, but the "
                            f"credentials in use belong to account {identity['Account']} "
                            f"({identity.get('Arn', '?')}). Select the right profile (--profile or AWS_PROFILE).")
        arn = arn or identity.get("Arn", "")
    return arn


def _caller_identity(clients: Clients, region: str) -> dict[str, str]:
    where = f" in {region}" if region != clients.session.region_name else ""
    try:
        identity: dict[str, str] = clients.sts.get_caller_identity()
    except (ConnectTimeoutError, ReadTimeoutError, EndpointConnectionError) as exc:
        raise SyncError(f"cannot tell which AWS account these credentials belong to{where}: no answer from STS "
                        f"after {IDENTITY_ATTEMPTS} attempts ({exc}); check the network, the proxy and the "
                        "environment's endpoint") from None
    except (ClientError, BotoCoreError) as exc:
        raise SyncError(f"cannot tell which AWS account these credentials belong to{where}: {exc}") from None
    return identity


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
