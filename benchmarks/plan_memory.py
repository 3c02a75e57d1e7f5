"""Peak memory and printing time of a first plan of N alarms (issue #22, target 8).

    .venv/bin/python benchmarks/plan_memory.py                   # 10,000 and 20,000 alarms
    .venv/bin/python benchmarks/plan_memory.py --alarms 50000
    .venv/bin/python benchmarks/plan_memory.py --alarms 50000 --ways streamed compact

Each measurement runs in a fresh process (the method of benchmarks/compile.py: ru_maxrss of a
subprocess): N copies of one example alarm (tests/test_aws_budget.py's `many_alarms`) are planned
against moto in-process with nothing in the account (a first plan: N creations), and the plan's
text is printed to /dev/null the way `obsgen plan` prints it to a pipe -- "whole": one rich Text of
the whole plan (before), "streamed": cli/aws.py `_show_plan_text` (now: a change at a time, as
its plain text off a terminal), "compact": the same with `obsgen plan --compact` (a creation is its
address only). Reports the RSS before printing (the plan itself), the peak, and
the printing time. A script, not a test: nothing asserts on time or memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(alarms: int, way: str) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        os.environ[name] = value
    from moto import mock_aws
    from rich.console import Console

    from aws_support import clients_for
    from obsgen.cli import aws as cli_aws
    from obsgen.aws.workflow import make_plan
    from obsgen.sandbox import cloudwatch as moto_ext
    from obsgen.views.plan import plan_parts, plan_text
    from test_aws_budget import many_alarms

    moto_ext.install()
    with mock_aws():
        model = many_alarms(alarms)
        plan = make_plan(model, clients_for(model))
    del model
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(os.devnull, "w", encoding="utf-8") as sink:
        cli_aws.out = Console(file=sink, highlight=False, soft_wrap=True, emoji=False, markup=False)
        started = time.perf_counter()
        if way == "whole":
            cli_aws._show(plan_text(plan))  # what `obsgen plan` did before
        else:
            cli_aws._show_plan_text(plan, compact=way == "compact")  # what it does now (`--compact`)
        printing = time.perf_counter() - started
    size = sum(len(part.plain) for part in plan_parts(plan, compact=way == "compact"))
    print(json.dumps({"alarms": alarms, "way": way, "changes": len(plan.changes), "text_mb": size / 1e6,
                      "rss_before_mib": before_kib / 1024,
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "printing_s": printing}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alarms", type=int, nargs="*", default=[10000, 20000])
    parser.add_argument("--ways", nargs="*", default=["whole", "streamed"])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(int(args.child[0]), args.child[1])
        return
    for alarms in args.alarms:
        for way in args.ways:
            answer = subprocess.run([sys.executable, __file__, "--child", str(alarms), way], check=True,
                                    capture_output=True, text=True)
            row = json.loads(answer.stdout.strip().splitlines()[-1])
            print(f"{row['alarms']:>6} alarms, {row['way']:>8}: plan text {row['text_mb']:.1f} MB; RSS with the plan "
                  f"{row['rss_before_mib']:.0f} MiB, peak {row['peak_mib']:.0f} MiB; printing {row['printing_s']:.1f} s")


if __name__ == "__main__":
    main()
