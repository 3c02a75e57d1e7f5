"""Build tiny projects in a temp dir: the shared helper of target and resolver tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from obsgen.compiler import Build, compile_project

PROJECT = """\
apiVersion: obsgen/v1
kind: Project
project: shop
naming:
  alarm: "${project}-${service}-${monitor}-${env}"
runbooks:
  base_url: https://runbooks.example.com
severities:
  critical:
    topic: "${project}-critical-${env}"
    response_time: 15m
    pages: true
  warning:
    topic: "${project}-warning-${env}"
    response_time: 4h
channels:
  email:
    type: email
    endpoint: oncall@example.com
    severities: [critical, warning]
environments:
  production:
    account: "123456789012"
    region: eu-west-1
"""

SERVICE_HEAD = """\
apiVersion: obsgen/v1
kind: Service
service: orders
owner: team-orders
resources:
  fn: {type: lambda, name: "orders-${env}"}
monitors:
"""


def make_project(root: Path, monitors: str = "", *, project: str = PROJECT, extra_files: dict[str, str] | None = None,
                 runbooks: tuple[str, ...] = ("errors",)) -> Path:
    (root / "monitors").mkdir(parents=True, exist_ok=True)
    (root / "runbooks_src").mkdir(exist_ok=True)
    (root / "monitors" / "obsgen.yaml").write_text(project)
    if monitors:
        (root / "monitors" / "orders.yaml").write_text(SERVICE_HEAD + textwrap.indent(textwrap.dedent(monitors), "  "))
    for name in runbooks:
        (root / "runbooks_src" / f"{name}.md").write_text(f"# {name}\n")
    for rel, text in (extra_files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def build(root: Path, monitors: str = "", **kwargs) -> Build:
    return compile_project(make_project(root, monitors, **kwargs))


def errors(result: Build) -> list[str]:
    return [str(d) for d in result.diagnostics]
