"""The runbook parts of the command line: coverage in `validate` and `build`, and `obsgen site`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obsgen.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
NO_PROMTOOL = {"OBSGEN_PROMTOOL": "obsgen-runbook-tests-without-promtool"}  # promtool is tested elsewhere


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def run(*args: str):
    return runner.invoke(app, list(args), env=NO_PROMTOOL)


def test_validate_warns_once_per_monitor_without_guidance_and_still_passes(project: Path) -> None:
    result = run("validate", "-C", str(project))
    assert result.exit_code == 0, result.output
    assert "runbook-missing-guidance" not in result.output  # the example covers all 29 monitors
    for name in ("api-error-rate-critical", "redis-memory-high"):
        (project / "runbooks_src" / "credlink-api" / f"{name}.md").unlink()
    result = run("validate", "-C", str(project))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "[runbook-missing-guidance]" in line]
    assert len(warnings) == 2
    assert warnings[0] == ("monitors/credlink-api.yaml:36:3: warning: monitor credlink-api/api-error-rate-critical has "
                           "no human-written Diagnosis or Mitigation in its runbook; write them in "
                           "runbooks_src/credlink-api/api-error-rate-critical.md [runbook-missing-guidance]")


def test_validate_strict_makes_missing_guidance_an_error(project: Path) -> None:
    for name in ("api-error-rate-critical", "api-error-rate-warning", "redis-memory-high"):
        (project / "runbooks_src" / "credlink-api" / f"{name}.md").unlink()
    result = run("validate", "--strict", "-C", str(project))
    assert result.exit_code == 1
    assert sum("error: monitor credlink-api/" in line for line in result.stderr.splitlines()) == 3


def test_validate_strict_passes_when_every_monitor_has_guidance(project: Path) -> None:
    result = run("validate", "--strict", "-C", str(project))
    assert result.exit_code == 0, result.output
    assert "runbook-missing-guidance" not in result.output


def test_validate_warns_when_an_environment_has_no_runbook_base_url_and_strict_fails(project: Path) -> None:
    project_file = project / "monitors" / "obsgen.yaml"
    text = project_file.read_text()
    assert "  base_url: https://runbooks.example.com/stock-analysis\n" in text
    project_file.write_text(text.replace("  base_url: https://runbooks.example.com/stock-analysis\n", "  base_url: null\n"))
    result = run("validate", "-C", str(project))
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.stderr.splitlines() if "[runbook-no-base-url]" in line]
    assert line.startswith("monitors/obsgen.yaml:12:1: warning: no runbook base URL for development, staging, "
                           "production, local: those alarms and alerts carry no link to their runbook page")
    assert run("validate", "--strict", "-C", str(project)).exit_code == 1


def test_build_prints_one_coverage_line_and_writes_the_report_and_site(project: Path) -> None:
    result = run("build", "-C", str(project))
    assert result.exit_code == 0, result.output
    assert "runbook-missing-guidance" not in result.output
    assert ("runbooks: 33 of 33 monitor(s) have human-written Diagnosis and Mitigation "
            "(see generated/runbooks/COVERAGE.md)") in result.stdout
    assert (project / "generated" / "runbooks" / "COVERAGE.md").is_file()
    assert (project / "generated" / "site" / "stock-api" / "api-error-rate.html").is_file()
    assert run("build", "--check", "-C", str(project)).exit_code == 0


def test_site_writes_only_the_site(project: Path) -> None:
    result = run("site", "-C", str(project))
    assert result.exit_code == 0, result.output
    # 4 SLO tier pages, 2 SLO pages, 1 event route page
    assert "wrote 46 files to generated/site/; open generated/site/index.html" in result.stdout
    assert sorted(p.name for p in (project / "generated").iterdir()) == ["site"]
    (project / "generated" / "site" / "stale.html").write_text("old")
    assert run("site", "-C", str(project)).exit_code == 0
    assert not (project / "generated" / "site" / "stale.html").exists()


def test_a_broken_runbook_template_fails_site_and_build_without_writing(project: Path) -> None:
    (project / "runbooks_src" / "api-errors.md").write_text("## Diagnosis\n\n{% for x in %}\n")
    for command in ("site", "build"):
        result = run(command, "-C", str(project))
        assert result.exit_code == 1
        assert result.stderr.splitlines()[0] == ("runbooks_src/api-errors.md:3:1: error: template syntax error: "
                                                 "Expected an expression, got 'end of statement block' [runbook-template]")
        assert "Traceback" not in result.output
        assert not (project / "generated").exists()
