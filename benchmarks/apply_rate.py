"""Apply's write rate (issue #22, target 7): the first apply of N alarms against the local sandbox.

    .venv/bin/python benchmarks/apply_rate.py                          # 1,000 alarms, unthrottled sandbox
    .venv/bin/python benchmarks/apply_rate.py --old-pacing             # every write at 3 a second, as before
    .venv/bin/python benchmarks/apply_rate.py --throttle aws           # the sandbox throttles at AWS's defaults
    .venv/bin/python benchmarks/apply_rate.py --throttle 20 --alarms 500

A sandbox (moto server over HTTP, `obsgen.sandbox.server.start`) runs in this process; N copies of
one example alarm (tests/test_aws_budget.py's `many_alarms`: N metric alarms, the example's topics,
subscriptions and dashboards) are planned and applied once, as `obsgen apply` does (concurrency 3).
Reports the apply's wall time, write calls and writes/s; the metric alarms' phase on its own
(PutMetricAlarm calls a second, from the first alarm step's start to the last one's end); each
API's pacing (calls, throttles seen, rate reached); and, with --throttle, the sandbox's accepted and
refused calls per API and the alarm phase's share of the PutMetricAlarm quota. `--old-pacing` caps
every API at 3 calls a second (`--max-write-rate 3`), which is what apply did before: one 3-a-second
limiter for every write. A script, not a test: nothing asserts on time.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
    os.environ[name] = value
for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(name, None)

from aws_support import make_log_groups  # noqa: E402
from test_aws_budget import many_alarms  # noqa: E402

from obsgen.aws.pacing import quota  # noqa: E402
from obsgen.aws.resources import Kind  # noqa: E402
from obsgen.aws.session import connect  # noqa: E402
from obsgen.aws.workflow import ApplyOptions, apply, make_plan  # noqa: E402
from obsgen.sandbox import server as sandbox  # noqa: E402
from obsgen.sandbox.throttling import parse_rates  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alarms", type=int, default=1000)
    parser.add_argument("--old-pacing", action="store_true", help="cap every API at 3 calls a second")
    parser.add_argument("--max-write-rate", type=float, default=None)
    parser.add_argument("--throttle", default=None, help="'aws' or calls a second per API")
    parser.add_argument("--concurrency", type=int, default=3)
    args = parser.parse_args()
    cap = 3.0 if args.old_pacing else (args.max_write_rate or math.inf)
    rates = parse_rates(args.throttle) if args.throttle else None

    with sandbox.start(port=0, throttle=rates) as running:
        model = dataclasses.replace(many_alarms(args.alarms), endpoint=running.endpoint_url,
                                    account=sandbox.DEFAULT_ACCOUNT_ID)
        clients = connect(model)
        make_log_groups(clients.client("logs"), model)  # the example's log monitors read these groups
        plan = make_plan(model, clients)
        alarm_times: list[float] = []
        lock = threading.Lock()

        def on_step(step, _status):
            if step[0].kind == Kind.METRIC_ALARM:
                with lock:
                    alarm_times.append(time.perf_counter())

        started = time.perf_counter()
        result = apply(model, clients, plan, ApplyOptions(concurrency=args.concurrency, writes_per_second=cap),
                       on_step=on_step)
        elapsed = time.perf_counter() - started

    print(f"alarms: {args.alarms}; changes: {len(plan.changes)}; pacing: "
          f"{'old (3/s for every write)' if args.old_pacing else f'adaptive, cap {cap:g}/s'}; "
          f"sandbox: {'throttled at ' + str(rates) if rates else 'unthrottled'}; concurrency {args.concurrency}")
    print(f"apply: {elapsed:.1f} s, {result.write_calls} write calls, {result.write_calls / elapsed:.1f} writes/s; "
          f"ok={result.ok} failed={len(result.failed)} not_done={len(result.not_done)}")
    if len(alarm_times) > 1:
        span = alarm_times[-1] - alarm_times[0]
        per_second = (len(alarm_times) - 1) / span
        print(f"metric alarm phase: {len(alarm_times)} PutMetricAlarm in {span:.1f} s = {per_second:.2f}/s "
              f"({per_second / quota('cloudwatch', 'PutMetricAlarm'):.0%} of the documented 3/s quota)")
    for report in result.pacing:
        print(f"  pacing {report.service} {report.operation} {report.region}: {report.calls} calls, "
              f"{report.throttles} throttled attempts, rate at the end {report.rate:.1f}/s")
    throttling = running.throttling
    if throttling is not None:
        for key in sorted(set(throttling.accepted) | set(throttling.refused)):
            print(f"  sandbox {' '.join(key)}: {throttling.accepted[key]} accepted, {throttling.refused[key]} refused")


if __name__ == "__main__":
    main()
