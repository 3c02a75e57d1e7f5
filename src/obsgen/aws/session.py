"""boto3 clients for one environment: profile, regions, endpoint, retry mode.

An environment has a home region and may place resources in others (a CloudFront alarm lives in
us-east-1); `Clients` makes one client per (service, region) the first time it is asked for it and
keeps it, so a new AWS service or a new region needs no change here. boto3 clients are
thread-safe once made, but making one is not (a Session is not thread-safe), so creation holds a
lock: apply's workers ask for their region's clients concurrently.
https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#multithreading-or-multiprocessing-with-clients

The endpoint is the environment's `endpoint:` (the local sandbox) or, when unset, whatever
botocore picks itself -- including `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>`
(https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
Throttling: botocore's "standard" retry mode retries a throttled call with exponential backoff
(https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html); the rate itself is
obsgen's job (pacing.py: a bucket per API and region that adapts to throttling). Not botocore's
"adaptive" mode: its client-side limiter is one per client, so a throttled PutMetricAlarm would
slow that client's PutDashboard calls too, and two limiters on one call fight each other.

Timeouts are short because a call that gets no answer is usually a network that will not answer
at all (a black-holed endpoint, a VPN gone down), and botocore retries a timeout like a throttle:
with its defaults (60 s read timeout) a silent endpoint held `plan` for minutes with no output.
The identity check, the first call of every command, fails fastest: 2 attempts with 3 s to
connect and 5 s to answer (GetCallerIdentity is a small, unthrottled-in-practice call). Other
calls get 5 attempts, 5 s to connect, 10 s to answer (CloudWatch and SNS answer in well under a
second; the attempts are there for throttling). Worst cases and measured figures: docs/aws-sync.md.
https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html
"""

from __future__ import annotations

import dataclasses
import ipaddress
import threading
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlparse

import boto3
from botocore.config import Config

from ..model import EnvironmentModel

SANDBOX_CREDENTIALS = {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}
# A boto3 client. botocore builds its methods from the service model at run time, so they have no
# static types; the typed stubs are separate packages per service (boto3-stubs), not used here.
AwsClient = Any


Handler = Callable[..., Any]  # a botocore event handler (client.meta.events.register)


@dataclass(slots=True)
class _Pool:
    """The clients made so far, shared by every region's view of one environment's `Clients`."""

    made: dict[tuple[str, str, bool], AwsClient] = field(default_factory=dict)  # (service, region, quick)
    handlers: list[tuple[str, Handler]] = field(default_factory=list)  # registered on every client
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(slots=True)
class Clients:
    """The clients of one environment, made on first use and cached per (service, region).

    `region` is the region this view's shortcuts (`cloudwatch`, `sns`, `tagging`, `sts`, and
    `client(service)` without a region) talk to: the home region for what `connect` returns,
    another one for `in_region(r)`, which shares the same cache."""

    session: boto3.Session
    config: Config
    endpoint: str | None
    region: str
    _pool: _Pool = field(default_factory=_Pool, repr=False)

    def client(self, service: str, region: str | None = None) -> AwsClient:
        return self._get(service, region or self.region, quick=False)

    def quick_client(self, service: str, region: str | None = None) -> AwsClient:
        """For small calls that must not hold a command up (the identity check, releasing the apply
        lock): short timeouts. Releasing the lock after a network failure then costs seconds, not a minute."""
        return self._get(service, region or self.region, quick=True)

    def in_region(self, region: str) -> Clients:
        """The same environment's clients with `region` as the default (one cache for all regions)."""
        return self if region == self.region else dataclasses.replace(self, region=region)

    def register(self, event: str, handler: Handler) -> None:
        """`handler` on every client, made already or later (the CLI's waiting note, tests' call logs)."""
        with self._pool.lock:
            self._pool.handlers.append((event, handler))
            clients = list(self._pool.made.values())
        for client in clients:
            client.meta.events.register(event, handler)

    def unregister(self, event: str, handler: Handler) -> None:
        with self._pool.lock:
            self._pool.handlers.remove((event, handler))
            clients = list(self._pool.made.values())
        for client in clients:
            client.meta.events.unregister(event, handler)

    @property
    def cloudwatch(self) -> AwsClient:
        return self.client("cloudwatch")

    @property
    def sns(self) -> AwsClient:
        return self.client("sns")

    @property
    def tagging(self) -> AwsClient:
        return self.client("resourcegroupstaggingapi")

    @property
    def sts(self) -> AwsClient:
        """With the identity check's short timeouts (identity_config)."""
        return self.quick_client("sts")

    def _get(self, service: str, region: str, quick: bool) -> AwsClient:
        key = (service, region, quick)
        with self._pool.lock:
            client = self._pool.made.get(key)
            if client is None:
                config = identity_config() if quick else self.config
                client = self.session.client(service, region_name=region, endpoint_url=self.endpoint, config=config)
                for event, handler in self._pool.handlers:
                    client.meta.events.register(event, handler)
                self._pool.made[key] = client
            return client


def is_loopback(endpoint: str | None) -> bool:
    host = urlparse(endpoint or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS = 5, 10, 5  # every call but the identity check
IDENTITY_CONNECT_TIMEOUT, IDENTITY_READ_TIMEOUT, IDENTITY_ATTEMPTS = 3, 5, 2  # STS GetCallerIdentity


def retry_config(mode: str = "standard", total_attempts: int = ATTEMPTS, connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT) -> Config:
    """`total_attempts` counts the first try (botocore's `max_attempts` would not)."""
    return Config(retries={"mode": mode, "total_max_attempts": total_attempts}, connect_timeout=connect_timeout,
                  read_timeout=read_timeout)


def identity_config() -> Config:
    """For the identity check: fail within seconds when nothing answers (docs/aws-sync.md, "Time limits")."""
    return retry_config("standard", IDENTITY_ATTEMPTS, IDENTITY_CONNECT_TIMEOUT, IDENTITY_READ_TIMEOUT)


def connect(model: EnvironmentModel, profile: str | None = None, config: Config | None = None) -> Clients:
    """Clients for `model`'s account, its home region by default. Credentials come from the standard
    chain; a loopback endpoint (the sandbox, which accepts anything) gets dummy ones when none are set."""
    session = boto3.Session(profile_name=profile, region_name=model.region)
    if session.get_credentials() is None and is_loopback(model.endpoint):
        session = boto3.Session(region_name=model.region, **SANDBOX_CREDENTIALS)
    if model.role_arn is not None:
        session = assumed(session, model.role_arn, f"obsgen-{model.env}", model.endpoint)
    return Clients(session, config or retry_config(), model.endpoint, model.region)


def assumed(session: boto3.Session, role_arn: str, name: str, endpoint: str | None) -> boto3.Session:
    """A session with the credentials of `role_arn`, assumed with `session`'s: how one machine reaches
    many accounts of an organisation (the role trusts the caller's account). The credentials last
    AssumeRole's default hour, as long as apply's default time limit; the session name (at most 64
    characters: letters, digits and +=,.@-) says in CloudTrail which environment obsgen worked on.
    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"""
    sts = session.client("sts", endpoint_url=endpoint, config=identity_config())
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=name[:64])["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name=session.region_name)
