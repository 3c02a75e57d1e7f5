"""Several environments at once (issue #21): `obsgen apply --env 'bench-*'` of N environments x M alarms
against the sandbox, sequential (`--parallel 1`) against parallel, in one run.

    .venv/bin/python benchmarks/fleet_apply.py                      # 8 environments x 60 alarms
    .venv/bin/python benchmarks/fleet_apply.py --envs 20 --alarms 500 --parallel 20   # the issue's size
    .venv/bin/python benchmarks/fleet_apply.py --envs 20 --alarms 500 --parallel 20 --throttle-rate 30

The project is made here: one service of M alarms, and a matrix `bench-${account}` over N accounts in
one region, each reached by AssumeRole (the sandbox keeps one set of resources per account). Three
applies, each of a fresh sandbox (reset between them), each `obsgen apply` its own process:
- sequential:  `--parallel 1`, the N environments one after another;
- parallel:    `--parallel P`, the N environments in N accounts: nothing shares a quota;
- shared:      `--parallel P`, the same N environments put in 2 accounts of one region (plain
               environments): at most 2 run at once, whatever P says, since two environments of one
               account and region never write together (aws/fleet.py).
The figure is wall time (what a user waits for). Without `--throttle-rate` the sandbox accepts every
call and apply's pacing (aws/pacing.py) speeds up to what the sandbox and this machine sustain, so the
ratio is bound by CPU. With `--throttle-rate N` each account and region of the sandbox accepts N calls a
second per CloudWatch and SNS API and answers Throttling above it (sandbox/throttling.py), as a real
organisation's accounts do: an environment's apply is then mostly waiting for its own account's
quota, which is what running environments of different accounts at once saves. Nothing here asserts
on time: it prints figures for docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OBSGEN = Path(sys.executable).with_name("obsgen")
sys.path.insert(0, str(REPO / "src"))

from obsgen.sandbox import server as sandbox  # noqa: E402 -- after the path above

PROJECT = """\
apiVersion: obsgen/v1
kind: Project
project: bench
severities:
  high:
    topic: "${{project}}-high-${{env}}"
    response_time: 15m
channels:
  oncall:
    type: email
    endpoint: oncall@example.com
    severities: [high]
"""
MATRIX = """\
matrices:
  bench-${{account}}:
    accounts: [{accounts}]
    regions: [eu-west-1]
    endpoint: {endpoint}
    role_arn: "arn:aws:iam::${{account}}:role/obsgen-deployer"
"""
PLAIN = """\
    account: "{account}"
    region: eu-west-1
    endpoint: {endpoint}
    role_arn: "arn:aws:iam::{account}:role/obsgen-deployer"
"""


def account(index: int) -> str:
    return f"{100000000000 + index:012d}"


def service(alarms: int) -> str:
    lines = ["apiVersion: obsgen/v1", "kind: Service", "service: api", "owner: bench-team", "dashboard: false",
             "resources:", "  fn:", "    type: lambda", '    name: "api-${env}"', "monitors:"]
    for i in range(alarms):
        lines += [f"  errors-{i}:", f"    summary: Errors above {i + 1}.", "    resource: fn", "    metric: Errors",
                  "    statistic: Sum", "    period: 5m", f'    threshold: "> {i + 1}"', "    severity: high"]
    return "\n".join(lines) + "\n"


def make_project(root: Path, envs: int, alarms: int, endpoint: str, shared: bool) -> None:
    (root / "monitors").mkdir(parents=True, exist_ok=True)
    if shared:  # the same names, in 2 accounts of one region
        environments = "environments:\n" + "".join(
            f"  bench-{account(i)}:\n" + PLAIN.format(account=account(i % 2), endpoint=endpoint) for i in range(envs))
    else:
        environments = MATRIX.format(accounts=", ".join(f'"{account(i)}"' for i in range(envs)), endpoint=endpoint)
    (root / "monitors" / "obsgen.yaml").write_text(PROJECT.format() + environments, encoding="utf-8")
    (root / "monitors" / "api.yaml").write_text(service(alarms), encoding="utf-8")


def apply(root: Path, parallel: int) -> float:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    start = time.perf_counter()
    done = subprocess.run([str(OBSGEN), "apply", "--env", "bench-*", "--auto-approve", "--parallel", str(parallel),
                           "-C", str(root)], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"apply exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    summary = done.stdout[done.stdout.rindex("\nenvironment "):].strip().splitlines()[-1]
    print(f"    {summary}", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", type=int, default=8)
    parser.add_argument("--alarms", type=int, default=60)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--throttle-rate", type=float, default=None,
                        help="calls a second per API, account and region the sandbox accepts (default: all)")
    args = parser.parse_args()
    figures: dict[str, float] = {}
    with sandbox.start(port=0, throttle=args.throttle_rate) as running, tempfile.TemporaryDirectory() as tmp:
        for name, parallel, shared in (("sequential", 1, False), ("parallel", args.parallel, False),
                                       ("shared", args.parallel, True)):
            running.reset()
            root = Path(tmp, name)
            make_project(root, args.envs, args.alarms, running.endpoint_url, shared)
            print(f"{name}: apply of {args.envs} environments x {args.alarms} alarms, --parallel {parallel}", flush=True)
            figures[name] = apply(root, parallel)
            print(f"    {figures[name]:.1f} s wall", flush=True)
    quota = f"{args.throttle_rate:g} calls/s per API, account and region" if args.throttle_rate else "no quota"
    print(f"\n{args.envs} environments x {args.alarms} alarms, sandbox {quota} (wall seconds):")
    print(f"| sequential (--parallel 1) | parallel (--parallel {args.parallel}), {args.envs} accounts | "
          f"ratio | parallel, 2 accounts of one region | ratio |")
    print("|---|---|---|---|---|")
    seq = figures["sequential"]
    print(f"| {seq:.1f} | {figures['parallel']:.1f} | {seq / figures['parallel']:.2f}x | {figures['shared']:.1f} | "
          f"{seq / figures['shared']:.2f}x |")


if __name__ == "__main__":
    main()
