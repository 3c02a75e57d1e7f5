"""Secret notification endpoints: `{{resolve:env:NAME}}` and `{{resolve:ssm:/name}}`.

generated/ and saved plans hold only the placeholder. The value is looked up when obsgen talks
to AWS (plan needs it to compare with the live subscription, apply to subscribe), kept in memory,
and redacted wherever anything is shown. SSM parameters are read with decryption
(https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html).

What may be shown of a live subscription: its endpoint only when that very endpoint is written
literally in the spec (it is in monitors/ and generated/ anyway). Any other endpoint -- a secret's
old value after a rotation, a channel removed from the spec, one added by hand -- may be a secret,
whatever its protocol (a phone number, an email address, a URL with a key in its host or path), so
it is shown as `(redacted, subscription 1a2b3c4d)`: the first characters of the subscription's own
id, which AWS assigns and which say nothing about the endpoint (a digest of the endpoint would:
phone numbers and email addresses are few enough to guess).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from typing import Callable, Iterable, Mapping
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from . import SyncError
from .resources import Resource
from .session import AwsClient

PLACEHOLDER = re.compile(r"^\{\{resolve:(env|ssm):([^}]+)\}\}$")
_MIN_SCRUBBED = 6  # parts of a secret shorter than this are not scrubbed on their own (too common a text)


def is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.match(value))


class Resolver:
    """Looks placeholders up in the environment or SSM Parameter Store; caches what it found."""

    def __init__(self, environ: Mapping[str, str] | None = None, ssm: Callable[[], AwsClient] | None = None):
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
            value: str = self._ssm().get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
            return value
        except ClientError as exc:
            raise SyncError(f"secret endpoint {placeholder}: SSM said {exc.response['Error']['Code']}") from None


def resolve_desired(desired: dict[str, Resource], resolve: Callable[[str], str]) -> dict[str, Resource]:
    """Desired resources with their secrets' values in place of the placeholders (`secret` and the
    resource's name keep the placeholder)."""
    result = {}
    for key, resource in desired.items():
        if resource.secret and resource.secret_field:
            params = {**resource.params, resource.secret_field: resolve(resource.secret)}
            resource = dataclasses.replace(resource, params=params)
        result[key] = resource
    return result


def shown_endpoint(endpoint: str, subscription_arn: str, literal: bool) -> str:
    """How a live subscription's endpoint is shown (in its address too): as it is when the spec
    writes it literally, else redacted. `subscription_arn` is AWS's (or "PendingConfirmation")."""
    if literal:
        return endpoint
    subscription_id = subscription_arn.rsplit(":", 1)[-1] if subscription_arn.count(":") >= 6 else ""
    if subscription_id:
        return f"(redacted, subscription {subscription_id[:8]})"
    # Unconfirmed: no id yet. Such subscriptions are never updated or deleted, so never shown; a
    # digest keeps their addresses apart (in the live state only) and is all this is used for.
    return f"(redacted, unconfirmed {hashlib.sha256(endpoint.encode()).hexdigest()[:8]})"


class Redactor:
    """Replaces every secret it was told about in a text (AWS error messages may echo endpoints,
    whole or in parts: a URL's host, its path)."""

    def __init__(self) -> None:
        self._shown: dict[str, str] = {}

    def add(self, secret: str, shown: str) -> None:
        for part in _parts(secret):
            self._shown.setdefault(part, shown)

    def add_all(self, pairs: Iterable[tuple[str, str]]) -> None:
        for secret, shown in pairs:
            self.add(secret, shown)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._shown, key=len, reverse=True):  # whole values before their parts
            text = text.replace(secret, self._shown[secret])
        return text


def _parts(secret: str) -> list[str]:
    """The value, and for a URL its host and its path-and-query (each may carry a key on its own)."""
    parts = [secret]
    if "://" in secret:
        url = urlsplit(secret)
        parts += [url.netloc, url.hostname or "", url.path + (f"?{url.query}" if url.query else "")]
    return [p for p in dict.fromkeys(parts) if len(p) >= _MIN_SCRUBBED]
