"""Pacing AWS calls at each API's quota, and adapting to what the account really allows.

AWS throttles per API, per account and region: PutMetricAlarm has its own quota, PutDashboard
another, SNS's CreateTopic a third. So apply paces each (service, API, region) on its own token
bucket (`AdaptiveRate`), starting at the API's documented default quota (QUOTAS, below, with the
page each figure comes from), and adapts it the way TCP adapts its window (AIMD):

* while the bucket is what holds calls back and AWS accepts them, the rate grows -- doubling each
  second at first ("slow start": an account whose quota was raised, or the local sandbox, is not
  held at the default), by a small step a second once AWS has throttled once (additive increase);
* a throttling answer (THROTTLING_CODES, botocore's list) cuts the rate: by half the first time
  (the end of slow start), by BACKOFF after that (multiplicative decrease), at most once per
  DECREASE_GAP seconds, so that one burst of refusals counts once.

So a throttled account converges on its quota instead of failing, and a raised quota is used. The
throttled call itself is retried by botocore (session.py: standard retry mode, 5 attempts, with
backoff); obsgen's pacer is the only client-side rate limiter, so the two do not fight.

`ceiling` (`--max-write-rate`) caps every API's rate; the rates start at min(quota, ceiling).
`Pacer` holds the buckets and learns of throttling from every attempt botocore makes (the
`response-received` event fires once per attempt, retries included).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CLOUDWATCH_QUOTAS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html"
SNS_QUOTAS = "https://docs.aws.amazon.com/general/latest/gr/sns.html"  # "Amazon SNS API throttling"

# Documented default rates (calls a second, per account and region) of the APIs obsgen calls. A
# figure that is too high costs a throttled call and a halving; one that is too low, a few seconds
# of climbing: the pacer corrects both. Services are botocore's hyphenated service ids.
QUOTAS: dict[tuple[str, str], float] = {
    # CLOUDWATCH_QUOTAS: "PutMetricAlarm: 3 TPS"; DeleteAlarms, SetAlarmState and the other alarm
    # operations "3 transactions per second (TPS)" each; "DescribeAlarms: 9 TPS"; the dashboard
    # operations (DeleteDashboards, GetDashboard, ListDashboards, PutDashboard) 10 TPS each.
    ("cloudwatch", "PutMetricAlarm"): 3.0,
    ("cloudwatch", "PutCompositeAlarm"): 3.0,  # as PutMetricAlarm (issue #22's reading of the page)
    ("cloudwatch", "DeleteAlarms"): 3.0,
    ("cloudwatch", "SetAlarmState"): 3.0,
    ("cloudwatch", "DescribeAlarms"): 9.0,
    ("cloudwatch", "PutDashboard"): 10.0,
    ("cloudwatch", "GetDashboard"): 10.0,
    ("cloudwatch", "ListDashboards"): 10.0,
    ("cloudwatch", "DeleteDashboards"): 10.0,
    # SNS_QUOTAS, "API throttling": per-API rates per region; these are the lower figures the table
    # gives for most regions (us-east-1 and a few others allow more, which the pacer finds).
    ("sns", "CreateTopic"): 9.0,
    ("sns", "DeleteTopic"): 9.0,
    ("sns", "SetTopicAttributes"): 9.0,
    ("sns", "Subscribe"): 20.0,
    ("sns", "Unsubscribe"): 20.0,
    ("sns", "TagResource"): 10.0,
    ("sns", "UntagResource"): 10.0,
}
# An API the table does not list (CloudWatch's TagResource/UntagResource have no figure of their
# own on the page): the alarm writes' 3 a second, the most conservative figure above.
DEFAULT_QUOTA = 3.0

# botocore/retries/standard.py, ThrottledRetryableChecker._THROTTLED_ERROR_CODES (the codes
# botocore itself treats as throttling), minus those that are not about the request rate.
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled", "SlowDown",
    "EC2ThrottledException",
    "Throttled",  # SNS's modelled ThrottledException (botocore's sns model: code "Throttled", HTTP 429)
})

BACKOFF = 0.85  # multiplicative decrease after the first throttle: the rate saws between 85 % and 100 %
STEP_SHARE = 0.05  # additive increase: 5 % of the API's quota per second of paced calls
DECREASE_GAP = 1.0  # seconds: throttles closer together than this are one congestion event
MIN_RATE = 0.2  # calls a second: a throttling storm slows an API to this, never to a stop


def quota(service: str, operation: str) -> float:
    """The documented default rate of `operation` (DEFAULT_QUOTA when the pages give none)."""
    return QUOTAS.get((service, operation), DEFAULT_QUOTA)


class AdaptiveRate:
    """One API's token bucket in one region: `acquire` before each call, `throttled` when AWS says so.

    Calls are spaced 1/rate apart across threads (a bucket of one token: no bursts, which AWS's own
    buckets would punish at the quota)."""

    def __init__(self, start: float, ceiling: float = math.inf, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.rate = min(start, ceiling)
        self.ceiling = ceiling
        self._step = max(start * STEP_SHARE, 0.05)
        self._probing = True  # slow start, until the first throttle
        self._next = 0.0
        self._last_decrease = -math.inf
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self.calls = 0
        self.throttles = 0

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            if slot > now:  # the bucket holds this call back: AWS could take more, if it accepts
                self._grow()
            self._next = slot + 1.0 / self.rate
            self.calls += 1
        if slot > now:
            self._sleep(slot - now)

    def throttled(self) -> None:
        with self._lock:
            self.throttles += 1
            now = self._clock()
            if now - self._last_decrease < DECREASE_GAP:
                return
            self._last_decrease = now
            self.rate = max(MIN_RATE, self.rate * (0.5 if self._probing else BACKOFF))
            self._probing = False
            self._next = now + 1.0 / self.rate  # the next call waits one new interval

    def _grow(self) -> None:
        """One call's share of the growth: +1 a call doubles the rate each second while probing;
        +step/rate a call adds `step` a second."""
        gain = 1.0 if self._probing else self._step / self.rate
        self.rate = min(self.ceiling, self.rate + gain)


@dataclass(frozen=True, slots=True)
class RateReport:
    """What one API's pacing came to, for benchmarks and the docs."""

    service: str
    operation: str
    region: str
    calls: int
    throttles: int
    rate: float  # calls a second at the end


class Pacer:
    """The buckets of one command, per (service, API, region), made on first use.

    `ceiling`: no API faster than this many calls a second (the user's override; math.inf: none)."""

    def __init__(self, ceiling: float = math.inf, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.ceiling = ceiling
        self._clock, self._sleep = clock, sleep
        self._buckets: dict[tuple[str, str, str], AdaptiveRate] = {}
        self._lock = threading.Lock()

    def bucket(self, service: str, operation: str, region: str) -> AdaptiveRate:
        key = (service, operation, region)
        with self._lock:
            found = self._buckets.get(key)
            if found is None:
                found = self._buckets[key] = AdaptiveRate(quota(service, operation), self.ceiling,
                                                          self._clock, self._sleep)
            return found

    def acquire(self, method: Callable[..., Any]) -> None:
        """Wait for `method`'s turn (a boto3 client method: its client names the API and region)."""
        self.bucket(*api_of(method)).acquire()

    def on_response(self, event_name: str = "", parsed_response: Any = None, context: Any = None,
                    **_: Any) -> None:
        """botocore's `response-received` handler: one call per attempt (Clients.register)."""
        code = parsed_response.get("Error", {}).get("Code") if isinstance(parsed_response, dict) else None
        if code not in THROTTLING_CODES:
            return
        service, operation = (event_name.split(".", 2) + ["", ""])[1:3]  # response-received.<service>.<API>
        region = (context or {}).get("client_region") or ""
        self.bucket(service, operation, region).throttled()

    def report(self) -> list[RateReport]:
        with self._lock:
            items = sorted(self._buckets.items())
        return [RateReport(s, o, r, b.calls, b.throttles, b.rate) for (s, o, r), b in items]


def api_of(method: Callable[..., Any]) -> tuple[str, str, str]:
    """(service id, API name, region) of a bound boto3 client method."""
    meta = method.__self__.meta  # type: ignore[attr-defined]  # botocore builds client methods at run time
    return (meta.service_model.service_id.hyphenize(), meta.method_to_api_mapping[method.__name__],
            meta.region_name or "")


def in_parallel(work: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """`work(item)` for every item on up to `workers` daemon threads; the results in the items'
    order, or the first exception raised (the others finish what they started, and start nothing
    new). Daemon threads, as apply's: a call that never answers cannot keep the process alive
    past the command's deadline (deadline.py), which a concurrent.futures pool would (it joins its
    threads at exit)."""
    results: list[Any] = [None] * len(items)
    errors: list[BaseException] = []
    queue = iter(range(len(items)))
    take = threading.Lock()

    def worker() -> None:
        while not errors:
            with take:
                index = next(queue, None)
            if index is None:
                return
            try:
                results[index] = work(items[index])
            except BaseException as exc:  # noqa: BLE001 - handed back to the calling thread
                errors.append(exc)

    threads = [threading.Thread(target=worker, name=f"obsgen-read-{i}", daemon=True)
               for i in range(max(1, min(workers, len(items))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
