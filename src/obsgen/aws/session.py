"""boto3 clients for one environment: profile, region, endpoint, retry mode.

The endpoint is the environment's `endpoint:` (the local sandbox) or, when unset, whatever
botocore picks itself -- including `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>`
(https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
Throttling is botocore's job: its "adaptive" retry mode adds client-side rate limiting on top of
"standard" exponential backoff (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html).

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

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config

from ..model import EnvironmentModel

SANDBOX_CREDENTIALS = {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}
# A boto3 client. botocore builds its methods from the service model at run time, so they have no
# static types; the typed stubs are separate packages per service (boto3-stubs), not used here.
AwsClient = Any


@dataclass(slots=True)
class Clients:
    """The clients obsgen uses for one environment; `session` builds more on demand (ssm)."""

    session: boto3.Session
    config: Config
    endpoint: str | None
    cloudwatch: AwsClient
    sns: AwsClient
    tagging: AwsClient  # resourcegroupstaggingapi
    sts: AwsClient  # with the identity check's short timeouts (identity_config)
    made: dict[str, AwsClient] = field(default_factory=dict, repr=False)  # client(service), made once each

    def client(self, service: str) -> AwsClient:
        """The client of `service` (logs, events, budgets, ssm, ...), made on first use and kept: a kind's
        read and its writes, and the tests' call log, all see the same one."""
        if service not in self.made:
            self.made[service] = self.session.client(service, endpoint_url=self.endpoint, config=self.config)
        return self.made[service]

    def quick_client(self, service: str) -> AwsClient:
        """For small calls that must not hold a command up (releasing the apply lock): the identity
        check's timeouts. Releasing the lock after a network failure then costs seconds, not a minute."""
        return self.session.client(service, endpoint_url=self.endpoint, config=identity_config())

    @property
    def region(self) -> str:
        region: str = self.session.region_name  # always set: connect() gives the environment's
        return region


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


def retry_config(mode: str = "adaptive", total_attempts: int = ATTEMPTS, connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT) -> Config:
    """`total_attempts` counts the first try (botocore's `max_attempts` would not)."""
    return Config(retries={"mode": mode, "total_max_attempts": total_attempts}, connect_timeout=connect_timeout,
                  read_timeout=read_timeout)


def identity_config() -> Config:
    """For the identity check: fail within seconds when nothing answers (docs/aws-sync.md, "Time limits")."""
    return retry_config("standard", IDENTITY_ATTEMPTS, IDENTITY_CONNECT_TIMEOUT, IDENTITY_READ_TIMEOUT)


def connect(model: EnvironmentModel, profile: str | None = None, config: Config | None = None) -> Clients:
    """Clients for `model`'s account and region. Credentials come from the standard chain;
    a loopback endpoint (the sandbox, which accepts anything) gets dummy ones when none are set."""
    session = boto3.Session(profile_name=profile, region_name=model.region)
    if session.get_credentials() is None and is_loopback(model.endpoint):
        session = boto3.Session(region_name=model.region, **SANDBOX_CREDENTIALS)
    config = config or retry_config()

    def make(service: str) -> AwsClient:
        return session.client(service, endpoint_url=model.endpoint, config=config)

    sts = session.client("sts", endpoint_url=model.endpoint, config=identity_config())
    return Clients(session, config, model.endpoint, make("cloudwatch"), make("sns"),
                   make("resourcegroupstaggingapi"), sts)
