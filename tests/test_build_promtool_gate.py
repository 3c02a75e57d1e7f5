"""`build` and `build --check` refuse rules promtool rejects, as `validate` does (issue 12, item 12)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from obsgen.prometheus import promtool
from obsgen.cli import app
from obsgen.compiler import compile_project, write
from prom_tools import require
from spec_builder import PROJECT, make_project
from test_prometheus import SERVICE

runner = CliRunner()
# Valid PromQL for obsgen's own parser (promql-parser knows Prometheus 3's functions) that promtool
# refuses: sort_by_label is unknown to promtool 2.x, and experimental (off by default) in 3.x.
BROKEN = SERVICE.replace("payment_queue_depth > 100", 'sort_by_label(payment_queue_depth, "queue") > 100')
EXPECTED = re.compile(r"monitors/payments\.yaml:23:\d+: error: promtool: could not parse expression: 1:1: "
                      r".*sort_by_label.* \(in production\) \[promtool\]")


def promtool_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if EXPECTED.fullmatch(line)]


def project_with(root: Path, service: str) -> Path:
    make_project(root, project=PROJECT, extra_files={"monitors/payments.yaml": service})
    return root


def test_build_refuses_rules_promtool_rejects_and_writes_nothing(tmp_path):
    require("promtool")
    root = project_with(tmp_path, BROKEN)
    result = runner.invoke(app, ["build", "-C", str(root)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and promtool_lines(lines[0]) and lines[1] == "1 error(s); nothing was written."
    assert not (root / "generated").exists()


def test_build_check_fails_on_rules_promtool_rejects_though_they_match_the_spec(tmp_path):
    require("promtool")
    root = project_with(tmp_path, BROKEN)
    write(root, compile_project(root))  # what obsgen wrote before promtool gated build
    result = runner.invoke(app, ["build", "--check", "-C", str(root)])
    assert result.exit_code == 1
    assert len(promtool_lines(result.stderr)) == 1


def test_a_one_environment_build_checks_that_environments_rules(tmp_path):
    require("promtool")
    root = project_with(tmp_path, BROKEN)
    result = runner.invoke(app, ["build", "--env", "production", "-C", str(root)])
    assert result.exit_code == 1 and len(promtool_lines(result.stderr)) == 1


def test_without_promtool_build_writes_and_notes_that_promql_was_not_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSGEN_PROMTOOL", str(tmp_path / "no-promtool-here"))
    root = project_with(tmp_path, SERVICE)
    result = runner.invoke(app, ["build", "-C", str(root)])
    assert result.exit_code == 0, result.output
    assert f"note: {promtool.PROMTOOL_MISSING}" in result.stderr
    assert (root / "generated" / "production" / "prometheus" / "payments.rules.yaml").is_file()


def test_the_library_step_returns_the_note_instead_of_printing_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OBSGEN_PROMTOOL", str(tmp_path / "no-promtool-here"))
    build = compile_project(project_with(tmp_path, BROKEN))
    assert promtool.check_promql(build) == promtool.PROMTOOL_MISSING
    assert build.ok
    assert capsys.readouterr() == ("", "")


def test_the_library_step_adds_promtools_findings_to_the_build(tmp_path):
    require("promtool")
    build = compile_project(project_with(tmp_path, BROKEN))
    assert promtool.check_promql(build) is None
    assert len(build.diagnostics) == 1 and promtool_lines(str(build.diagnostics[0]))
    assert not build.ok
