"""End to end for dashboards: `obsgen sandbox` over HTTP, the `obsgen` CLI, and the `aws` CLI editing a
dashboard by hand (and owning one obsgen must leave alone)."""

from __future__ import annotations

import json
import subprocess

import pytest
from test_aws_e2e import env, project, running_sandbox, tool  # noqa: F401  (fixtures)

from obsgen.compiler import compile_project

pytestmark = [pytest.mark.slow, pytest.mark.tools]
FOREIGN = '{"widgets":[{"type":"text","x":0,"y":0,"width":6,"height":2,"properties":{"markdown":"mine"}}]}'


def test_apply_puts_dashboards_drift_sees_a_hand_edit_and_apply_restores_it(project, env, running_sandbox):
    root, _ = project
    obsgen, aws_cli = tool("obsgen"), tool("aws")

    def run(*args: str, expect: int) -> str:
        done = subprocess.run([obsgen, *args, "-C", str(root)], env=env, capture_output=True, text=True,
                              input="", timeout=120)
        assert done.returncode == expect, (args, done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        return done.stdout + done.stderr

    def aws(*args: str) -> dict:
        done = subprocess.run([aws_cli, "cloudwatch", *args, "--endpoint-url", running_sandbox, "--output", "json"],
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout or "{}")

    aws("put-dashboard", "--dashboard-name", "ops-hand-made", "--dashboard-body", FOREIGN)
    run("apply", "--env", "local", "--auto-approve", expect=0)
    build = compile_project(root, ["local"])
    names = sorted(d.name for d in build.models["local"].dashboards)
    listed = aws("list-dashboards")["DashboardEntries"]
    assert sorted(e["DashboardName"] for e in listed) == sorted([*names, "ops-hand-made"])

    name = "stock-analysis-local-main"
    live = aws("get-dashboard", "--dashboard-name", name)
    assert json.loads(live["DashboardBody"]) == json.loads(build.files[f"local/cloudwatch/dashboards/{name}.json"])

    body = json.loads(live["DashboardBody"])
    body["widgets"][2]["width"] = 12  # someone widened a graph in the console
    aws("put-dashboard", "--dashboard-name", name, "--dashboard-body", json.dumps(body))
    report = json.loads(run("drift", "--env", "local", "--format", "json", expect=2))
    assert [(i["address"], i["status"], [f["field"] for f in i["fields"]]) for i in report["items"]] == [
        (f"dashboard.{name}", "changed", ["widget 002.width"])]

    assert "1 change(s), 1 write call(s)" in run("apply", "--env", "local", "--auto-approve", expect=0)
    assert "No drift" in run("drift", "--env", "local", expect=0)
    assert json.loads(aws("get-dashboard", "--dashboard-name", name)["DashboardBody"])["widgets"][2]["width"] == 8
    assert aws("get-dashboard", "--dashboard-name", "ops-hand-made")["DashboardBody"] == FOREIGN
