"""Re-measure the fault figures of docs/aws-sync.md ("Time limits", "When an apply stops midway").

    .venv/bin/python scripts/measure_faults.py [--skip-midway]

1. `obsgen plan` against an endpoint that accepts connections and never answers, and against one
   that never accepts them (a full accept queue): seconds until it gives up.
2. An apply whose writes are all refused (AccessDenied) from the third PutMetricAlarm on, 3 in
   flight, at the default 3 writes a second: how many writes are still sent after the first refusal.
3. `obsgen apply` whose network goes silent in the middle (after the lock, topics, subscriptions
   and two alarms), default timeouts and --timeout: seconds until it exits.

Uses the sandbox (a thread of this process) and the helpers of tests/aws_support.py. Timings
depend on the machine only through process start-up; the rest is the timeouts themselves.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from aws_support import REPO, SilentProxy, example_model  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402

from obsgen.sandbox import server as sandbox  # noqa: E402
from obsgen.aws.session import connect  # noqa: E402
from obsgen.aws.workflow import ApplyOptions, apply, make_plan  # noqa: E402

OBSGEN = str(Path(sys.executable).with_name("obsgen"))
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, "AWS_ACCESS_KEY_ID": "testing",
       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}


def project(endpoint: str) -> str:
    root = tempfile.mkdtemp(prefix="obsgen-faults-")
    shutil.copytree(REPO / "monitors", f"{root}/monitors")
    shutil.copytree(REPO / "runbooks_src", f"{root}/runbooks_src")
    config = Path(root, "monitors", "obsgen.yaml")
    config.write_text(config.read_text().replace("http://127.0.0.1:4577", endpoint))
    return root


def timed(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    start = time.monotonic()
    done = subprocess.run([OBSGEN, *args], env=ENV, capture_output=True, text=True, timeout=1800)
    return time.monotonic() - start, done


def plan_against_silent_endpoints() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        seconds, done = timed("plan", "--env", "local", "-C", project(f"http://127.0.0.1:{silent.getsockname()[1]}"))
        print(f"plan, endpoint accepts and never answers: exit {done.returncode} after {seconds:.1f} s")
    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    fillers = [socket.socket() for _ in range(8)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(full.getsockname())
    seconds, done = timed("plan", "--env", "local", "-C", project(f"http://127.0.0.1:{full.getsockname()[1]}"))
    print(f"plan, endpoint never accepts: exit {done.returncode} after {seconds:.1f} s")
    for filler in fillers:
        filler.close()
    full.close()


def writes_after_the_first_refusal(running: sandbox.Sandbox) -> None:
    running.reset()
    import dataclasses

    model = dataclasses.replace(example_model("local"), endpoint=running.endpoint_url)
    os.environ.update({k: v for k, v in ENV.items() if k.startswith("AWS_")})
    clients = connect(model)
    plan = make_plan(model, clients)
    first_refused = sum(1 for c in plan.changes if c.kind in ("topic", "subscription")) + 2
    sent = []

    def refuse(request, event_name, **_):
        operation = event_name.rsplit(".", 1)[-1]
        if operation.startswith(("Describe", "Get", "List")):
            return None
        sent.append(operation)
        if len(sent) <= first_refused:
            return None
        xml = event_name.split(".")[1] == "sns"  # SNS speaks the query protocol, CloudWatch JSON
        body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>measured</Message>"
                b"</Error></ErrorResponse>") if xml else b'{"__type": "AccessDenied", "message": "measured"}'

        class Raw:
            def stream(self, **_):
                yield body
        headers = {"Content-Type": "text/xml"} if xml else \
            {"Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": "AccessDenied;Sender"}
        return AWSResponse(request.url, 403, headers, Raw())

    for client in (clients.cloudwatch, clients.sns):
        client.meta.events.register_first("before-send", refuse)
    result = apply(model, clients, plan, ApplyOptions(concurrency=3))
    print(f"AccessDenied from write {first_refused + 1} of {len(plan.changes)}: {len(sent) - first_refused - 1} "
          f"write(s) sent after the first refusal; {len(result.failed)} failed, {len(result.not_done)} not done")


def apply_whose_network_goes_silent(running: sandbox.Sandbox) -> None:
    running.reset()
    model = example_model("local")
    proxy = SilentProxy(running.endpoint_url)
    root = project(proxy.url)
    proxy.silent_after(1 + len(model.topics) + len(model.subscriptions) + 2)
    seconds, done = timed("apply", "--env", "local", "--auto-approve", "-C", root)
    print(f"apply, network silent after {1 + len(model.topics) + len(model.subscriptions) + 2} writes: exit "
          f"{done.returncode} after {seconds:.1f} s; calls held: {proxy.held}")
    proxy.close()


def main() -> None:
    plan_against_silent_endpoints()
    with sandbox.start(port=0) as running:
        writes_after_the_first_refusal(running)
        if "--skip-midway" not in sys.argv:
            apply_whose_network_goes_silent(running)


if __name__ == "__main__":
    main()
