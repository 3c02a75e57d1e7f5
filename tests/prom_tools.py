"""The real Prometheus tools for tests: promtool, amtool, and a throwaway Prometheus server.

A missing tool skips the test with the reason shown, unless OBSGEN_REQUIRE_TOOLS=1 (CI), where it fails.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from obsgen.prometheus import promtool

STARTUP_LIMIT = 120  # seconds to wait (startup, reload, first rule evaluation); a wait, not an assertion


def require(tool: str) -> str:
    path = promtool.find(tool)
    if path is None:
        message = f"{tool} is not installed (Debian: apt-get install prometheus prometheus-alertmanager)"
        if os.environ.get("OBSGEN_REQUIRE_TOOLS") == "1":
            pytest.fail(message + "; OBSGEN_REQUIRE_TOOLS=1 makes it mandatory")
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


class Server:
    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process = process
        self.url = url
        self.log = log

    def rules(self) -> list[dict]:
        return get_json(self.url + "/api/v1/rules")["data"]["groups"]

    def reload(self) -> None:
        """SIGHUP makes Prometheus re-read its config and rule files; its log says when it has."""
        done = "Completed loading of configuration file"
        before = self.log.read_text(errors="replace").count(done)
        self.process.send_signal(signal.SIGHUP)
        _wait(lambda: self.log.read_text(errors="replace").count(done) > before, self, "config reload")

    def evaluated_rules(self) -> list[dict]:
        """The rule groups once every rule has been evaluated at least once (health is no longer 'unknown')."""
        _wait(lambda: all(r["health"] != "unknown" for g in self.rules() for r in g["rules"]), self, "rule evaluation")
        return self.rules()


def _wait(ready, server: Server, what: str) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"Prometheus {what} did not complete; log:\n{server.log.read_text(errors='replace')[-4000:]}")


@contextmanager
def prometheus_server(workdir: Path, rule_files: list[Path], *, scrape_interval: str | None = None,
                      scrape_configs: list[dict] | None = None) -> Iterator[Server]:
    """Prometheus on 127.0.0.1 (a free port, storage in workdir) loading `rule_files`, with the global
    `scrape_interval` and `scrape_configs` given (JSON, which YAML reads); stopped on exit."""
    binary = require("prometheus")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = workdir / "prometheus.yml"
    config.write_text("global:\n  evaluation_interval: 15s\n"
                      + (f"  scrape_interval: {scrape_interval}\n" if scrape_interval else "")
                      + (f"scrape_configs: {json.dumps(scrape_configs)}\n" if scrape_configs else "")
                      + "rule_files:\n" + "".join(f"  - {json.dumps(str(p))}\n" for p in rule_files))
    log = workdir / "prometheus.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait(lambda: urllib.request.urlopen(server.url + "/-/ready", timeout=2).status == 200, server, "startup")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
