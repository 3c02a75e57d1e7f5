"""Secret notification endpoints: `{{resolve:env:NAME}}` and `{{resolve:ssm:/name}}`.

generated/ and saved plans hold only the placeholder. The value is looked up when obsgen talks
to AWS (plan needs it to compare with the live subscription, apply to subscribe), kept in memory,
and redacted wherever anything is shown. SSM parameters are read with decryption
(https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from typing import Any, Callable, Mapping
from urllib.parse import urlparse

from botocore.exceptions import ClientError

from . import SyncError
from .desired import SUBSCRIPTION, Resource

PLACEHOLDER = re.compile(r"^\{\{resolve:(env|ssm):([^}]+)\}\}$")
_URL_PROTOCOLS = ("http", "https")


def is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.match(value))


class Resolver:
    """Looks placeholders up in the environment or SSM Parameter Store; caches what it found."""

    def __init__(self, environ: Mapping[str, str] | None = None, ssm: Callable[[], Any] | None = None):
        self._environ = os.environ if environ is None else environ
        self._ssm = ssm
        self._cache: dict[str, str] = {}

    def __call__(self, placeholder: str) -> str:
        if placeholder not in self._cache:
            self._cache[placeholder] = self._lookup(placeholder)
        return self._cache[placeholder]

    def _lookup(self, placeholder: str) -> str:
        match = PLACEHOLDER.match(placeholder)
        if not match:
            raise SyncError(f"not a secret reference: {placeholder}")
        source, name = match.groups()
        if source == "env":
            if not self._environ.get(name):
                raise SyncError(f"secret endpoint {placeholder}: environment variable {name} is not set")
            return self._environ[name]
        if self._ssm is None:
            raise SyncError(f"secret endpoint {placeholder}: no SSM client available")
        try:
            return self._ssm().get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except ClientError as exc:
            raise SyncError(f"secret endpoint {placeholder}: SSM said {exc.response['Error']['Code']}") from None


def resolve_desired(desired: dict[str, Resource], resolve: Callable[[str], str]) -> dict[str, Resource]:
    """Desired resources with secret endpoints replaced by their values (names keep the placeholder)."""
    result = {}
    for key, resource in desired.items():
        if resource.kind == SUBSCRIPTION and resource.secret:
            params = {**resource.params, "Endpoint": resolve(resource.params["Endpoint"])}
            resource = dataclasses.replace(resource, params=params)
        result[key] = resource
    return result


def redact_endpoint(protocol: str, endpoint: str) -> str:
    """URLs may embed keys (PagerDuty, Slack): show the host and a short digest only."""
    if protocol not in _URL_PROTOCOLS or is_placeholder(endpoint):
        return endpoint
    digest = hashlib.sha256(endpoint.encode()).hexdigest()[:8]
    return f"{urlparse(endpoint).scheme}://{urlparse(endpoint).hostname}/…(redacted {digest})"
