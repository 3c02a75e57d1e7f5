"""GetMetricData calls for backtesting 1,000 alarms over 14 days (issue #16, item 3).

    .venv/bin/python benchmarks/backtest_calls.py            # plan + a real read against in-process moto
    .venv/bin/python benchmarks/backtest_calls.py --plan-only

The alarms: 600 single-metric alarms with 5-minute periods, 300 with 1-minute periods, and 100
metric-math alarms over two metrics each (5 minutes): 1,100 metric queries. `aws/history.plan_calls`
cuts them into calls of at most 500 queries and 100,800 datapoints; the read then runs those calls
against moto with obsgen's GetMetricData (sandbox/metric_data.py), unpaced, counting the HTTP calls
botocore makes (NextToken pages included). The pacing at default quotas is computed, not slept:
the time a real account would take at READ_RATE calls/s and READ_DPS datapoints/s. Nothing asserts
on time; the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter

from obsgen.aws.history import (MAX_DATAPOINTS_PER_CALL, MAX_QUERIES_PER_CALL, READ_DPS, READ_RATE, Pacer, Query,
                                plan_calls, read_history)
from obsgen.evaluator import Metric

DAY = 86400


def queries() -> list[Query]:
    out = [Query(Metric.of("AWS/Lambda", "Errors", {"FunctionName": f"fn-{i}"}), "Sum", 300) for i in range(600)]
    out += [Query(Metric.of("AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": f"q-{i}"}), "Maximum", 60)
            for i in range(300)]
    for i in range(100):
        out += [Query(Metric.of("AWS/ApiGateway", name, {"ApiName": f"api-{i}"}), "Sum", 300)
                for name in ("5XXError", "Count")]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--plan-only", action="store_true")
    args = parser.parse_args()
    wanted = queries()
    end = int(time.time()) // 3600 * 3600
    start = end - args.days * DAY
    calls = plan_calls(wanted, start, end)
    print(f"{len(wanted)} queries ({', '.join(f'{n} at {p}s' for p, n in sorted(Counter(q.period for q in wanted).items()))}), "
          f"{args.days} days: {len(calls)} GetMetricData calls planned")
    for period in sorted({c.queries[0].period for c in calls}):
        mine = [c for c in calls if c.queries[0].period == period]
        group = sum(1 for q in wanted if q.period == period)
        slices = len({(c.start, c.end) for c in mine})
        biggest = max(len(c.queries) * math.ceil((c.end - c.start) / period) for c in mine)
        print(f"  period {period}s: {group} queries, {slices} time slice(s), {len(mine)} calls "
              f"(ceil({group}/{MAX_QUERIES_PER_CALL}) = {math.ceil(group / MAX_QUERIES_PER_CALL)} group(s) of queries, "
              f"one call per slice of a group; largest call {biggest:,} datapoints of {MAX_DATAPOINTS_PER_CALL:,})")
    datapoints = sum(len(c.queries) * math.ceil((c.end - c.start) / c.queries[0].period) for c in calls)
    paced = max(len(calls) / READ_RATE, datapoints / READ_DPS)
    print(f"  at most {datapoints:,} datapoints; paced at {READ_RATE:g} calls/s and {READ_DPS:,.0f} datapoints/s "
          f"(half the 50 TPS and 180,000 DPS quotas): {paced:.0f} s")
    if args.plan_only:
        return
    import boto3
    from moto import mock_aws

    from obsgen.aws.session import Clients
    from obsgen.sandbox import cloudwatch

    cloudwatch.install()
    with mock_aws():
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        cw = session.client("cloudwatch")
        sent = Counter()
        clients = Clients(session, cw.meta.config, None, "us-east-1")
        clients.register("before-send.cloudwatch.*", lambda **kw: sent.update([kw["event_name"]]))
        began = time.perf_counter()
        history = read_history(clients, wanted, start, end, Pacer(None, None))
        took = time.perf_counter() - began
    print(f"read against moto (no data, unpaced): {history.calls} calls made, {sum(sent.values())} HTTP requests, "
          f"{took:.1f} s")


if __name__ == "__main__":
    main()
