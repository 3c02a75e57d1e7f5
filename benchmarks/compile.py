"""Compile benchmark (issue #2, item 9): how long obsgen takes on a big project, next to a bare YAML parse.

    .venv/bin/python benchmarks/compile.py                  # 1,000 services x 10 monitors, 1 environment
    .venv/bin/python benchmarks/compile.py --envs 3         # the same spec compiled for 3 environments
    .venv/bin/python benchmarks/compile.py --profile        # cProfile top-20 of one compile
    .venv/bin/python benchmarks/compile.py --keep /tmp/big  # also leave the generated project there

It generates a synthetic project into a temporary directory, then reports:
- compile: `compile_project(root, envs)`, everything in memory (spec load, validation, resolve, render);
- write: `compiler.write` of that build to generated/, timed separately;
- parse: `yaml.load(text, Loader=yaml.CSafeLoader)` over the same files (text already in memory),
  i.e. the least any YAML-based tool must spend, and the ratio compile / parse;
- memory: tracemalloc's peak during one compile (tracemalloc slows Python down, so it is never on
  while timing) and ru_maxrss of a fresh subprocess that only imports obsgen and compiles (RSS of
  a subprocess that only imports is shown too, as the baseline).
Each timing is repeated (`--repeat`, default 5); best and median are shown. Targets: compile
<= 2x parse, <= 2 s for 10,000 alarms on one core, <= 500 MB. This is a script, not a test:
shared machines are noisy, so nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable

import yaml

from obsgen.compiler import compile_project, write

TARGET_RATIO = 2.0
TARGET_SECONDS = 2.0
TARGET_MB = 500
RUNBOOKS = ("api-errors", "api-latency", "lambda-errors", "lambda-performance", "throttling",
            "dynamodb", "queue-backlog", "error-budget", "service-health", "dependencies")


# --- the synthetic project -----------------------------------------------------------------

def project_yaml(envs: int, services: int) -> str:
    lines = [
        "apiVersion: obsgen/v1", "kind: Project", "project: bench",
        "description: Synthetic project for benchmarks/compile.py.",
        "naming:", '  alarm: "${project}-${service}-${monitor}-${env}"',
        "runbooks:", "  base_url: https://runbooks.example.com/bench",
        "tags:", "  Project: bench", "  CostCenter: platform",
        "severities:",
        "  critical:", "    description: Critical", '    topic: "${project}-critical-${env}"',
        "    response_time: 15m", "    pages: true",
        "  warning:", "    description: Warning", '    topic: "${project}-warning-${env}"', "    response_time: 1h",
        "  info:", "    description: Informational", '    topic: "${project}-info-${env}"',
        "    response_time: 1d", "    notify_ok: false",
        "channels:",
        "  oncall-email:", "    type: email", "    endpoint: alerts@example.com",
        "    severities: [critical, warning]",
        "  slack:", "    type: lambda",
        '    endpoint: "arn:aws:lambda:${region}:${account}:function:bench-slack-${env}"',
        "    severities: [critical, warning, info]",
        "  pagerduty:", "    type: https", "    endpoint: {env: BENCH_PAGERDUTY_URL}", "    severities: [critical]",
        "environments:",
    ]
    for index in range(envs):
        lines += [f"  env{index}:", f'    account: "{100000000000 + index}"', "    region: eu-west-1"]
        if index > 0:  # later environments look like dev/staging: some overrides, one disabled monitor
            last = f"svc-{services - 1:04d}"  # a service that exists whatever --services is
            lines += [f"    disabled: [{last}/queue-age]", "    overrides:"]
            lines += [f'      svc-{s:04d}/lambda-duration: {{threshold: "> {20000 + index}"}}'
                      for s in range(0, services, 50)]
            lines += [f"      {last}/lambda-errors: {{evaluation_periods: 4}}",
                      "    channels:", "      pagerduty: {enabled: false}"]
    return "\n".join(lines) + "\n"


def service_yaml(index: int) -> str:
    """One service: 4 resources, 10 monitors (7 single-metric incl. p99 / "M of N" / band, 1 math, 2 composites)."""
    name = f"svc-{index:04d}"
    runbook = RUNBOOKS[index % len(RUNBOOKS)]
    queue = (f"  queue-age:\n    summary: Messages wait too long in the queue.\n    resource: queue\n"
             f"    metric: ApproximateAgeOfOldestMessage\n    statistic: Maximum\n    period: 5m\n"
             f'    threshold: "> 600"\n    severity: warning\n    runbook: queue-backlog\n')
    if index % 5 == 0:  # every fifth service watches its queue with an anomaly-detection band instead
        queue = queue.replace('"> 600"', '"outside band 2"')
    upstream = f"svc-{index - 1:04d}/health or " if index else ""
    return f"""\
# Synthetic service {index} for benchmarks/compile.py.
apiVersion: obsgen/v1
kind: Service
service: {name}
owner: team-{index % 40}
description: Synthetic service number {index}; API Gateway, Lambda, DynamoDB and SQS.
tags:
  Team: team-{index % 40}
  Tier: "{index % 3}"

resources:
  api:
    type: apigateway
    name: "{name}-api-${{env}}"
  function:
    type: lambda
    name: "{name}-handler-${{env}}"
  table:
    type: dynamodb
    name: "{name}-table-${{env}}"
  queue:
    type: sqs
    name: "{name}-queue-${{env}}"

monitors:
  api-5xx:
    summary: API Gateway returns 5XX errors.
    description: More than 10 server errors in 5 minutes; clients see failures.
    resource: api
    metric: 5XXError
    statistic: Sum
    period: 5m
    threshold: "> 10"
    missing_data: notBreaching
    severity: critical
    runbook: api-errors
    tags:
      Signal: errors

  api-latency-p99:
    summary: API p99 latency is above 2 seconds.
    resource: api
    metric: Latency
    statistic: p99
    unit: Milliseconds
    period: 5m
    evaluation_periods: 3
    threshold: "> 2000"
    severity: warning
    runbook: api-latency
    tags:
      Signal: latency

  lambda-errors:
    summary: The handler raises errors.
    resource: function
    metric: Errors
    statistic: Sum
    period: 1m
    datapoints: "3 of 5"
    threshold: "> 5"
    missing_data: notBreaching
    severity: critical
    runbook: lambda-errors

  lambda-duration:
    summary: The handler runs close to its timeout.
    resource: function
    metric: Duration
    unit: Milliseconds
    period: 5m
    datapoints: "2 of 3"
    threshold: "> 25000"
    severity: warning
    runbook: lambda-performance

  lambda-throttles:
    summary: The handler is throttled.
    resource: function
    metric: Throttles
    statistic: Sum
    period: 5m
    threshold: "> 0"
    missing_data: notBreaching
    severity: warning
    runbook: throttling

  table-throttles:
    summary: DynamoDB throttles reads.
    resource: table
    metric: ReadThrottleEvents
    statistic: Sum
    period: 5m
    threshold: "> 0"
    severity: info
    runbook: dynamodb
    actions_enabled: false

{queue}
  error-rate:
    summary: More than 5% of invocations fail.
    expression: 100 * errors / invocations
    metrics:
      errors: {{resource: function, metric: Errors, statistic: Sum}}
      invocations: {{resource: function, metric: Invocations, statistic: Sum}}
    period: 5m
    threshold: "> 5"
    missing_data: ignore
    severity: warning
    runbook: error-budget

  health:
    summary: The service is unhealthy.
    rule: api-5xx or (lambda-errors and not lambda-throttles)
    severity: critical
    runbook: {runbook}

  degraded:
    summary: The service or its upstream is degraded.
    rule: {upstream}api-latency-p99 or error-rate or ok(health)
    severity: info
    runbook: dependencies
"""


def generate(root: Path, services: int, envs: int) -> int:
    """Write the project under `root`; returns the number of alarms per environment."""
    (root / "monitors").mkdir(parents=True)
    (root / "runbooks_src").mkdir()
    (root / "monitors" / "obsgen.yaml").write_text(project_yaml(envs, services), encoding="utf-8")
    for index in range(services):
        (root / "monitors" / f"svc-{index:04d}.yaml").write_text(service_yaml(index), encoding="utf-8")
    for name in RUNBOOKS:
        (root / "runbooks_src" / f"{name}.md").write_text(f"# {name}\n\nWhat to check first.\n", encoding="utf-8")
    return services * 10


# --- measuring ------------------------------------------------------------------------------

class Timings:
    """Wall-clock and CPU seconds of repeated runs. CPU time is what one core spent: on a shared,
    busy machine it moves less than wall time, which also counts waiting for a core."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(self, fn: Callable[[], object]) -> None:
        gc.collect()  # start every run from the same heap state
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)


def timed(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, Timings]:
    """Runs are interleaved (a, b, c, a, b, c, ...) so load from other users hits all of them alike."""
    results = {name: Timings() for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            results[name].run(fn)
    return results


def parse_all(texts: list[str]) -> None:
    for text in texts:
        yaml.load(text, Loader=yaml.CSafeLoader)


def child_rss(root: Path, env_names: list[str], compile_too: bool) -> tuple[float, float]:
    """Peak RSS (MiB) of a fresh interpreter that imports obsgen and, if asked, compiles the project:
    (ru_maxrss, VmHWM). Linux carries ru_maxrss over fork + exec, so it is at least the parent's
    RSS at the time of the fork (call this early, while the parent is small); VmHWM belongs to the
    new process image only."""
    code = ("import resource, sys\nfrom pathlib import Path\nfrom obsgen.compiler import compile_project\n"
            + ("b = compile_project(Path(sys.argv[1]), sys.argv[2:])\nassert b.ok, b.diagnostics[:5]\n" if compile_too else "")
            + "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')] or [0]\n"
            + "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, hwm[0])\n")
    out = subprocess.run([sys.executable, "-c", code, str(root), *env_names], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"the compile subprocess failed:\n{out.stderr}")
    maxrss, hwm = out.stdout.split()
    return int(maxrss) / 1024, int(hwm) / 1024  # both in KiB on Linux


def tracemalloc_peak(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def profile(fn: Callable[[], object], sort: str) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(20)
    return out.getvalue()


def summary(label: str, t: Timings) -> str:
    return (f"{label:<28} best {min(t.wall):7.3f} s   median {statistics.median(t.wall):7.3f} s   "
            f"(CPU best {min(t.cpu):.3f} s, {len(t.wall)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--envs", type=int, default=1, help="environments defined and compiled")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile top-20 of one compile")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumulative, ...)")
    parser.add_argument("--keep", type=Path, help="generate the project here (must not exist) and keep it")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="obsgen-bench-") as tmp:
        root = args.keep or Path(tmp) / "project"
        alarms = generate(root, args.services, args.envs)
        env_names = [f"env{i}" for i in range(args.envs)]
        files = sorted((root / "monitors").glob("*.yaml"))
        texts = [p.read_text(encoding="utf-8") for p in files]
        size_mb = sum(len(t) for t in texts) / 2**20
        print(f"obsgen compile benchmark: {args.services} services, {alarms:,} alarms per environment, "
              f"{args.envs} environment(s), {len(files)} files, {size_mb:.1f} MiB of YAML")
        print(f"Python {platform.python_version()} ({platform.python_implementation()}), PyYAML {yaml.__version__} "
              f"(libyaml {yaml.__with_libyaml__}), {platform.machine()}, {platform.system()}")

        # Before anything big is allocated here: see child_rss.
        rss_base = child_rss(root, env_names, compile_too=False)
        rss = child_rss(root, env_names, compile_too=True)
        build = compile_project(root, env_names)  # warm-up; also checks the project is valid
        if not build.ok:
            sys.exit("synthetic project is invalid:\n" + "\n".join(map(str, build.diagnostics[:20])))
        if args.profile:
            print(profile(lambda: compile_project(root, env_names), args.sort))
            return

        runs = timed({"compile": lambda: compile_project(root, env_names),
                      "parse": lambda: parse_all(texts),
                      "write": lambda: write(root, build)}, args.repeat)
        peak = tracemalloc_peak(lambda: compile_project(root, env_names))
        comp, parse = runs["compile"], runs["parse"]
        print(summary("compile (in memory)", comp))
        print(summary("write generated/", runs["write"]))
        print(summary("parse (yaml CSafeLoader)", parse))
        print(f"{'ratio compile / parse':<28} best {min(comp.wall) / min(parse.wall):7.2f}x   median "
              f"{statistics.median(comp.wall) / statistics.median(parse.wall):7.2f}x   "
              f"(CPU best {min(comp.cpu) / min(parse.cpu):.2f}x) (target <= {TARGET_RATIO:g}x)")
        per_10k = 10_000 / (alarms * args.envs)
        print(f"{'compile per 10,000 alarms':<28} best {min(comp.wall) * per_10k:7.3f} s   "
              f"(CPU best {min(comp.cpu) * per_10k:.3f} s; single-threaded) (target <= {TARGET_SECONDS:g} s)")
        print(f"{'memory':<28} tracemalloc peak {peak:.0f} MiB; fresh process: ru_maxrss {rss[0]:.0f} MiB, "
              f"VmHWM {rss[1]:.0f} MiB (import only: {rss_base[0]:.0f} / {rss_base[1]:.0f} MiB) "
              f"(target <= {TARGET_MB} MB)")
        print(f"{'output':<28} {len(build.files)} files, {sum(len(c) for c in build.files.values()) / 2**20:.1f} MiB")
        if args.json:
            print(json.dumps({"services": args.services, "envs": args.envs, "alarms": alarms,
                              "compile": comp.wall, "compile_cpu": comp.cpu, "parse": parse.wall,
                              "parse_cpu": parse.cpu, "write": runs["write"].wall, "tracemalloc_peak_mib": peak,
                              "maxrss_mib": rss[0], "vmhwm_mib": rss[1], "import_only_mib": rss_base}))


if __name__ == "__main__":
    main()
