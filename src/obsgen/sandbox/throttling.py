"""The sandbox answering like a throttled AWS account: a token bucket per (account, service, API, region).

moto accepts every call at any rate, so apply's adaptive pacing (obsgen/aws/pacing.py) could
never be seen adapting against it. With throttling on (`obsgen sandbox --throttle`, or
`--throttle-rate N`), each CloudWatch and SNS API of each region gets a bucket holding one
second's worth of calls and refilled at its rate, in each account (AWS's quotas are per account and
region; the account is moto's for the request's access key, so AssumeRole credentials count against
the assumed account, as an organisation's environments do); a call that finds it empty is answered
the way AWS answers it, and never reaches moto:

* CloudWatch (JSON protocol, awsQueryCompatible): HTTP 400, `__type` Throttling and the
  `x-amzn-query-error: Throttling;Sender` header botocore reads the query-compatible code from
  ("Throttling" is CloudWatch's code for it, as in its classic query API);
* SNS (query protocol): HTTP 400 with an XML ErrorResponse whose code is ThrottlingException
  ("An error occurred (ThrottlingException) when calling the Subscribe operation: Rate exceeded",
  https://repost.aws/knowledge-center/sns-throttling-exception-errors).

`rates`: "aws" for each API's documented default (pacing.QUOTAS; APIs the table does not list are
not throttled), or one number of calls a second for every CloudWatch and SNS API. Other services
(STS, SSM, the tagging API) are never throttled. `accepted` and `refused` count calls per (service,
API, region), all accounts together, for tests and benchmarks.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time
from collections import Counter
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from moto.iam.models import get_account_id_from

from ..aws.pacing import QUOTAS

Rates = float | str  # a number of calls a second, or "aws"
THROTTLED_SERVICES = {"monitoring": "cloudwatch", "sns": "sns"}  # SigV4 signing name -> service id
_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def parse_rates(text: str) -> Rates:
    """`--throttle-rate` / OBSGEN_SANDBOX_THROTTLE: "aws" or a positive number of calls a second."""
    if text.strip().lower() == "aws":
        return "aws"
    try:
        rate = float(text)
    except ValueError:
        raise ValueError(f"a throttle rate is 'aws' or a number of calls a second, not {text!r}") from None
    if not rate > 0 or rate == float("inf"):
        raise ValueError(f"a throttle rate must be a positive number of calls a second, not {text!r}")
    return rate


class _Bucket:
    def __init__(self, rate: float, clock: Callable[[], float]):
        self.rate = rate
        self.capacity = max(1.0, rate)  # one second's worth of calls
        self.tokens = self.capacity
        self.stamp = clock()

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class ThrottlingApp:
    """WSGI middleware in front of moto's application."""

    def __init__(self, app: WsgiApp, rates: Rates, clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.rates = rates
        self.clock = clock  # read on every request (tests step it per request instead of waiting)
        self._buckets: dict[tuple[str, str, str, str], _Bucket] = {}  # (account, service, API, region)
        self._lock = threading.Lock()
        self.accepted: Counter[tuple[str, str, str]] = Counter()
        self.refused: Counter[tuple[str, str, str]] = Counter()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        found = self._api(environ)
        if found is not None and not self._admit(_account_of(environ, found[0]), found[1]):
            return self._refuse(found[1][0], start_response)
        return self.app(environ, start_response)

    def rate_of(self, service: str, operation: str) -> float | None:
        if self.rates == "aws":
            return QUOTAS.get((service, operation))
        return float(self.rates)

    def _admit(self, account: str, key: tuple[str, str, str]) -> bool:
        rate = self.rate_of(key[0], key[1])
        if rate is None:
            return True
        with self._lock:
            bucket = self._buckets.get((account, *key))
            if bucket is None:
                bucket = self._buckets[(account, *key)] = _Bucket(rate, self.clock)
            admitted = bucket.take(self.clock())
            (self.accepted if admitted else self.refused)[key] += 1
        return admitted

    @staticmethod
    def _api(environ: dict[str, Any]) -> tuple[str, tuple[str, str, str]] | None:
        """(access key id, (service id, API, region)) of a CloudWatch or SNS request; None for anything else."""
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if scope is None or scope.group(3) not in THROTTLED_SERVICES:
            return None
        access_key, service, region = scope.group(1), THROTTLED_SERVICES[scope.group(3)], scope.group(2)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:  # JSON protocol: "GraniteServiceVersion20100801.PutMetricAlarm"
            return access_key, (service, target.rsplit(".", 1)[-1], region)
        path = environ.get("PATH_INFO", "")
        if "/operation/" in path:  # smithy-rpc-v2-cbor: /service/<name>/operation/<API>
            return access_key, (service, path.rsplit("/", 1)[-1], region)
        body = _read_body(environ)  # query protocol: Action=... in the form body
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        return (access_key, (service, action, region)) if action else None

    @staticmethod
    def _refuse(service: str, start_response: StartResponse) -> list[bytes]:
        if service == "sns":
            body = ("<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type>"
                    "<Code>ThrottlingException</Code><Message>Rate exceeded</Message></Error>"
                    "<RequestId>obsgen-sandbox-throttle</RequestId></ErrorResponse>").encode()
            headers = [("Content-Type", "text/xml")]
        else:
            body = json.dumps({"__type": "Throttling", "message": "Rate exceeded"}).encode()
            headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-query-error", "Throttling;Sender")]
        start_response("400 Bad Request", [*headers, ("Content-Length", str(len(body)))])
        return [body]


def _account_of(environ: dict[str, Any], access_key: str) -> str:
    """The account moto serves the request in, found the way moto's BaseResponse.get_current_account does."""
    return os.environ.get("MOTO_ACCOUNT_ID") or environ.get("HTTP_X_MOTO_ACCOUNT_ID") or get_account_id_from(access_key)


def _read_body(environ: dict[str, Any]) -> bytes:
    """The request body, put back so that moto reads it too."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body
