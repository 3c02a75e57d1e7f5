"""`obsgen import` of N alarms against `plan` of the same alarms (issue #20): API calls and time.

    .venv/bin/python benchmarks/import_budget.py              # 5,000 alarms
    .venv/bin/python benchmarks/import_budget.py --alarms 1000

Against moto in-process (no network): N copies of one example alarm are applied with obsgen, then
`plan` (no changes) and `import` (every alarm of the account) each run once with every API call
counted (botocore's before-parameter-build, as tests/test_aws_budget.py). Reports both call counts by
operation, and the import's time split into reading (moto answering in-process, so a lower bound of
AWS's) and mapping + the two compiles of the verification. A script, not a test: nothing asserts on time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
    os.environ[name] = value
for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(name, None)

from aws_support import CallLog, clients_for  # noqa: E402
from test_aws_budget import many_alarms  # noqa: E402

from obsgen.adopt import Selection, import_project  # noqa: E402
from obsgen.adopt import read as adopt_read  # noqa: E402
from obsgen.aws.workflow import ApplyOptions, apply, make_plan  # noqa: E402
from obsgen.sandbox import cloudwatch as moto_ext  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alarms", type=int, default=5000)
    args = parser.parse_args()
    from moto import mock_aws

    moto_ext.install()
    with mock_aws():
        model = many_alarms(args.alarms)
        clients = clients_for(model)
        assert apply(model, clients, make_plan(model, clients), ApplyOptions(concurrency=4, writes_per_second=None)).ok
        log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.sts)
        assert not make_plan(model, clients).has_changes
        plan_calls = Counter(op for _, op in log.calls)
        log.calls.clear()
        started = time.perf_counter()
        account = adopt_read.read_account(clients, Selection())
        read_s = time.perf_counter() - started
        log.calls.clear()
        started = time.perf_counter()
        imported = import_project(clients, Selection(), "bulk", model.env)
        total_s = time.perf_counter() - started
        import_calls = Counter(op for _, op in log.calls)
    assert imported.alarms == args.alarms == len(account.alarms)
    print(f"{args.alarms} alarms, {len(model.topics)} topics, {len(model.dashboards)} dashboards")
    print(f"plan:   {sum(plan_calls.values())} calls  {dict(sorted(plan_calls.items()))}")
    print(f"import: {sum(import_calls.values())} calls  {dict(sorted(import_calls.items()))}")
    print(f"import: {total_s:.2f} s in all; reading {read_s:.2f} s (moto in-process), "
          f"mapping and the two verifying compiles {total_s - read_s:.2f} s; "
          f"{len(imported.files)} files, {sum(len(t) for t in imported.files.values()) // 1024} KiB")


if __name__ == "__main__":
    main()
