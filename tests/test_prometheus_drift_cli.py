"""`obsgen drift --prometheus-url`: AWS (the obsgen sandbox) and a real Prometheus, one exit code.

Done-when of issue #4: drift detects a rule changed behind obsgen's back. The AWS side uses the
sandbox fixtures of test_aws_e2e (a subprocess `obsgen sandbox` on a free port).
"""

from __future__ import annotations

import subprocess

import pytest
import yaml

from obsgen.compiler import compile_project, write
from prom_tools import prometheus_server
from test_aws_e2e import env, project, running_sandbox, tool  # noqa: F401 - pytest fixtures

pytestmark = [pytest.mark.slow, pytest.mark.tools]


def test_drift_with_prometheus_url_exits_2_when_a_loaded_rule_was_changed(project, env, running_sandbox, tmp_path):
    root, _ = project
    obsgen = tool("obsgen")

    def run(*args: str, expect: int) -> str:
        done = subprocess.run([obsgen, *args, "-C", str(root)], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == expect, (args, done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        return done.stdout + done.stderr

    run("apply", "--env", "local", "--auto-approve", expect=0)
    write(root, compile_project(root, ["local"]))
    rules = root / "generated" / "local" / "prometheus" / "credlink-api.rules.yaml"
    with prometheus_server(tmp_path / "prom", [rules]) as server:
        clean = run("drift", "--env", "local", "--prometheus-url", server.url, expect=0)
        loaded = sum(len(group["rules"]) for group in yaml.safe_load(rules.read_text())["groups"])
        assert loaded > 20 and f"no drift: {loaded} rule(s) of local" in clean  # the SLO's rules included
        rules.write_text(rules.read_text().replace("expr: pg_up == 0", "expr: pg_up == 0 and on() vector(1)"))
        server.reload()
        drifted = run("drift", "--env", "local", "--prometheus-url", server.url, expect=2)
    assert "changed  alerting  credlink-api/PostgresDown[severity=critical] (expr)" in drifted
    assert "live expr: pg_up == 0 and on () vector(1)" in drifted
