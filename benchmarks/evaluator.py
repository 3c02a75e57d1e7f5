"""Alarm evaluator benchmark (issue #16, item 1): datapoints per second over 14 days of 1-minute data.

    .venv/bin/python benchmarks/evaluator.py              # the three alarms below, best of 3 runs
    .venv/bin/python benchmarks/evaluator.py --days 1 --repeat 1
    .venv/bin/python benchmarks/evaluator.py --profile    # cProfile top-15 of the p99 alarm

Scenarios, each evaluated every minute for the whole window (20,160 evaluations for 14 days):
- p99: a single-metric alarm, ExtendedStatistic p99, 5-minute period, 2 of 3 datapoints, with 1 and
  with 60 raw values a minute (a latency metric of a busy API);
- math: `100 * FILL(errors, 0) / requests` over two metrics (Sum, 5 minutes), and the same alarm on
  `RATE(requests)`, which is evaluated once per evaluation over its own range;
- composite: the three metric alarms plus `ALARM(p99) OR (ALARM(math) AND NOT ALARM(rate))` with an
  ActionsSuppressor, everything through `evaluate_alarms`.
"Datapoints" are the raw values read (a 60-a-minute metric counts 60 a minute). Shared machines
are noisy, so nothing here asserts on time: it prints figures for docs/performance.md.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from typing import Callable

from obsgen.evaluator import (
    AlarmSpec, CompositeSpec, ExpressionQuery, Metric, MetricQuery, Samples, Suppressor, evaluate_alarms,
    evaluate_composite_alarm, evaluate_metric_alarm, parse_alarm_rule,
)

START = 1_700_006_400  # midnight UTC
LATENCY, ERRORS, REQUESTS = Metric.of("App", "Latency"), Metric.of("App", "Errors"), Metric.of("App", "Requests")


def series(days: int, per_minute: int, mean: float, seed: int, gaps: float = 0.02) -> Samples:
    """`per_minute` values a minute from a day before START, with `gaps` of the minutes missing."""
    rnd = random.Random(seed)
    points = []
    for minute in range(-1440, days * 1440):
        if rnd.random() < gaps:
            continue
        base = START + minute * 60
        points += [(base + rnd.random() * 60, rnd.expovariate(1 / mean)) for _ in range(per_minute)]
    return Samples(points)


def p99_alarm() -> AlarmSpec:
    return AlarmSpec("p99", "GreaterThanThreshold", 400.0, evaluation_periods=3, datapoints_to_alarm=2,
                     metric=LATENCY, statistic="p99", period=300)


def math_alarm(name: str, expression: str) -> AlarmSpec:
    return AlarmSpec(name, "GreaterThanThreshold", 5.0, evaluation_periods=3, datapoints_to_alarm=2,
                     treat_missing_data="notBreaching",
                     queries=(MetricQuery("errors", ERRORS, "Sum", 300), MetricQuery("requests", REQUESTS, "Sum", 300),
                              ExpressionQuery("e", expression)))


def best(repeat: int, run: Callable[[], object]) -> float:
    """The best CPU time of `repeat` runs: on a shared machine, wall time measures the neighbours too."""
    times = []
    for _ in range(repeat):
        began = time.process_time()
        run()
        times.append(time.process_time() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    end = START + args.days * 86400
    evaluations = args.days * 1440 + 1

    print(f"generating {args.days} days of 1-minute data ...")
    latency_1 = series(args.days, 1, 100.0, seed=1)
    latency_60 = series(args.days, 60, 100.0, seed=2)
    errors, requests = series(args.days, 1, 2.0, seed=3, gaps=0.3), series(args.days, 1, 100.0, seed=4)

    if args.profile:
        cProfile.runctx("evaluate_metric_alarm(p99_alarm(), {LATENCY: latency_60}, START, end)", globals(), locals(), "/tmp/evaluator.prof")
        pstats.Stats("/tmp/evaluator.prof").sort_stats("cumulative").print_stats(15)
        return

    rate = math_alarm("rate", "RATE(requests)")
    error_rate = math_alarm("math", "100 * FILL(errors, 0) / requests")
    composite = CompositeSpec("health", parse_alarm_rule('ALARM("p99") OR (ALARM("math") AND NOT ALARM("rate"))'),
                              suppressor=Suppressor("rate", 60, 120))
    two = {ERRORS: errors, REQUESTS: requests}
    everything = {LATENCY: latency_60, **two}
    scenarios = [
        ("p99, 1 value/min", len(latency_1), lambda: evaluate_metric_alarm(p99_alarm(), {LATENCY: latency_1}, START, end)),
        ("p99, 60 values/min", len(latency_60), lambda: evaluate_metric_alarm(p99_alarm(), {LATENCY: latency_60}, START, end)),
        ("math 100*FILL(e,0)/r", len(errors) + len(requests), lambda: evaluate_metric_alarm(error_rate, two, START, end)),
        ("math RATE(r)", len(errors) + len(requests), lambda: evaluate_metric_alarm(rate, two, START, end)),
        ("composite + 3 children", sum(map(len, everything.values())),
         lambda: evaluate_alarms([p99_alarm(), error_rate, rate, composite], everything, START, end)),
    ]
    print(f"{args.days} days, {evaluations:,} evaluations per alarm, best CPU time of {args.repeat}\n")
    print(f"{'scenario':<26}{'datapoints':>12}{'cpu s':>10}{'datapoints/s':>16}{'evaluations/s':>16}")
    for name, datapoints, run in scenarios:
        seconds = best(args.repeat, run)
        print(f"{name:<26}{datapoints:>12,}{seconds:>10.3f}{datapoints / seconds:>16,.0f}{evaluations / seconds:>16,.0f}")
    out = evaluate_alarms([p99_alarm(), error_rate, rate, composite], everything, START, end)
    timelines = {name: r.timeline for name, r in out.results.items()}
    changes = sum(len(timelines[n].transitions) for n in ("p99", "math", "rate"))
    seconds = best(args.repeat, lambda: evaluate_composite_alarm(composite, timelines, START, end))
    print(f"{'composite alone':<26}{changes:>12,}{seconds:>10.3f}{changes / seconds:>16,.0f}  (child transitions/s)")
    print("\ntransitions: " + ", ".join(f"{n} {len(r.timeline.transitions)}" for n, r in out.results.items()))


if __name__ == "__main__":
    main()
