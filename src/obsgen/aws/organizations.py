"""The accounts of an AWS Organizations organizational unit, for a matrix's `accounts:` list.

A matrix's expansion is static (language/matrix.py): the spec lists its accounts and a build never
calls AWS. This module is what `obsgen accounts` uses to write that list from an OU, and to check a
matrix's list against its OU (a nightly CI job that fails when an account joined the OU and the spec
does not have it yet). Only the organization's management account, or a delegated administrator,
may call these APIs.
https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsForParent.html
https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListOrganizationalUnitsForParent.html
"""

from __future__ import annotations

from dataclasses import dataclass

from .session import AwsClient

# An account's State (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ...; botocore's organizations model,
# AccountState), which replaces the older Status (read when State is absent); only an ACTIVE account
# can be deployed to. https://docs.aws.amazon.com/organizations/latest/APIReference/API_Account.html
ACTIVE = "ACTIVE"


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    name: str
    status: str
    parent: str  # the OU (or root) it sits directly in


def accounts_under(organizations: AwsClient, parent: str, recursive: bool = True) -> list[Account]:
    """Every account directly in `parent`, and with `recursive` in its child OUs at any depth, by id."""
    found: list[Account] = []
    parents = [parent]
    while parents:
        current = parents.pop()
        for page in organizations.get_paginator("list_accounts_for_parent").paginate(ParentId=current):
            found += [Account(a["Id"], a.get("Name", ""), a.get("State") or a.get("Status", ""), current)
                      for a in page["Accounts"]]
        if recursive:
            for page in organizations.get_paginator("list_organizational_units_for_parent").paginate(ParentId=current):
                parents += [unit["Id"] for unit in page["OrganizationalUnits"]]
    return sorted(found, key=lambda a: a.id)


@dataclass(frozen=True, slots=True)
class Difference:
    """A matrix's `accounts:` against its OU's active accounts."""

    missing: tuple[Account, ...]  # active in the OU, not in the matrix
    extra: tuple[str, ...]  # in the matrix, not active in the OU (moved, suspended or closed)

    @property
    def same(self) -> bool:
        return not self.missing and not self.extra


def compare(listed: list[str], found: list[Account]) -> Difference:
    active = {a.id: a for a in found if a.status == ACTIVE}
    return Difference(tuple(a for account_id, a in sorted(active.items()) if account_id not in listed),
                      tuple(sorted(set(listed) - set(active))))
