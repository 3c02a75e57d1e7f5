"""Start-up (issue #22, target 4): each command imports what it uses and nothing else. Short commands
(`--version`, `--help`) import none of obsgen's compiler, and offline ones none of AWS's libraries.
Checked through `python -X importtime -m obsgen ...` in a child process, which lists every module a
command imports; the times benchmarks/startup.py measures are never asserted here.
"""

from __future__ import annotations

import gc
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from obsgen.cli import app
from obsgen.cli.app import COMMANDS

ROOT = Path(__file__).resolve().parents[1]

AWS = {"boto3", "botocore", "moto", "obsgen.aws", "obsgen.sandbox", "obsgen.cli.aws"}
COMPILER = {"obsgen.compiler", "obsgen.language", "obsgen.model", "obsgen.resolve", "obsgen.targets",
            "obsgen.runbooks", "yaml", "jinja2"}
PAGE_RENDERING = {"markdown_it_pyrs", "obsgen.runbooks.site", "obsgen.runbooks.markdown"}
# The runbooks' machinery: guidance (Jinja, markdown-it), the facts pages are made of, coverage.
RUNBOOKS = {"jinja2", "markdown_it", "obsgen.runbooks.guidance", "obsgen.runbooks.facts", "obsgen.runbooks.page",
            "obsgen.runbooks.coverage"}
# What only some projects (OpenSLO files) or some output formats (SARIF, JSON, JUnit) need.
UNUSED_BY_THE_EXAMPLE = {"obsgen.language.openslo", "obsgen.views.sarif", "obsgen.views.diagnostics"}
# What each command must not import (tests/test_wheel.py checks the installed wheel against it too).
NOT_IMPORTED = {
    ("--version",): AWS | COMPILER | PAGE_RENDERING | {"pydantic", "rich", "obsgen.cli.common"},
    ("version",): AWS | COMPILER | PAGE_RENDERING | {"rich"},
    ("--help",): AWS | COMPILER | PAGE_RENDERING | {"obsgen.cli.build", "obsgen.cli.test", "obsgen.cli.adopt"},
    # Prometheus is asked only with --prometheus-url: a plain validate imports no HTTP client of obsgen's.
    ("validate",): AWS | PAGE_RENDERING | UNUSED_BY_THE_EXAMPLE | {"obsgen.cli.test", "obsgen.cli.runbooks",
                                                                   "obsgen.language.jsonschema",
                                                                   "obsgen.prometheus.http_api",
                                                                   "obsgen.prometheus.series_presence",
                                                                   "obsgen.prometheus.selectors",
                                                                   "obsgen.prometheus.rate_ranges",
                                                                   "obsgen.prometheus.scrape_config"},
    # Every page and the site made and compared; a backtest page is `obsgen site --backtest`'s alone.
    # A command's help needs its options alone (rich draws typer's help with markdown-it).
    ("build", "--help"): AWS | COMPILER | PAGE_RENDERING | (RUNBOOKS - {"markdown_it"}),
    ("build", "--check"): AWS | UNUSED_BY_THE_EXAMPLE | {"obsgen.backtest", "obsgen.views.backtest"},
    # One environment's files: no runbook is made, so nothing of the runbooks' is imported.
    # The metric catalog comes from its index (metrics/shipped.py), without the data files' schema; piped
    # and without warnings, its one line is written without rich (cli.common.print_line).
    ("build", "--env", "production"): AWS | PAGE_RENDERING | RUNBOOKS | UNUSED_BY_THE_EXAMPLE
    | {"obsgen.resolve.reach", "obsgen.resolve.verbatim", "obsgen.alarm_tests.coverage", "obsgen.metrics.schema",
       "rich"},
    ("schema",): AWS | PAGE_RENDERING | {"obsgen.compiler", "jinja2"},
}


def imported_by(*args: str, cwd: Path) -> set[str]:
    """Every module `obsgen ARGS` imports, as `-X importtime` lists them; the command must succeed. Piped,
    as CI runs it: without the variables that make rich treat a pipe as a terminal."""
    environ = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "obsgen", *args], cwd=cwd, env=environ,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("example")
    for part in ("monitors", "runbooks_src", "generated"):
        shutil.copytree(ROOT / part, root / part)
    return root


@pytest.mark.parametrize("command", list(NOT_IMPORTED), ids=" ".join)
def test_a_command_imports_only_what_it_uses(example: Path, command: tuple[str, ...]) -> None:
    imported = imported_by(*command, cwd=example)
    assert "obsgen.cli" in imported  # the listing is real: the entry point's own package is in it
    assert sorted(imported & NOT_IMPORTED[command]) == []


def test_the_version_flag_and_command_print_the_version_only(example: Path) -> None:
    for args in (["--version"], ["version"]):
        result = subprocess.run([sys.executable, "-m", "obsgen", *args], cwd=example, capture_output=True,
                                text=True, timeout=60)
        assert (result.returncode, result.stdout, result.stderr) == (0, "0.1.0\n", "")


def test_help_lists_each_command_with_its_own_summary_without_importing_it() -> None:
    """`obsgen --help` reads the summaries from cli/app.py's COMMANDS; each must be the first paragraph of
    the command's own help, as typer would show it after importing the command."""
    for module in sorted({module for module, _ in COMMANDS.values()}):
        __import__(f"obsgen.cli.{module}")
    group = typer.main.get_command(app)
    registered = getattr(group, "commands", {})
    assert list(registered) and set(registered) == set(COMMANDS)
    for name, (_, summary) in COMMANDS.items():
        own = inspect.cleandoc(registered[name].help or "").split("\n\n")[0]
        assert (name, summary) == (name, own)


def test_help_is_the_same_before_and_after_the_commands_are_imported() -> None:
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom obsgen.cli import app\n"
            "first = CliRunner().invoke(app, ['--help'], env={'COLUMNS': '120'}).stdout\n"
            "print('obsgen.cli.build' in sys.modules, 'obsgen.cli.aws' in sys.modules)\n"
            "import obsgen.cli.build, obsgen.cli.about, obsgen.cli.aws, obsgen.cli.test\n"
            "import obsgen.cli.runbooks, obsgen.cli.presets, obsgen.cli.init, obsgen.cli.adopt\n"
            "second = CliRunner().invoke(app, ['--help'], env={'COLUMNS': '120'}).stdout\n"
            "print(first == second, 'validate' in first, 'import' in first)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True", "True", "True"]


def test_validate_of_a_project_whose_guidance_is_plain_text_imports_no_jinja(tmp_path: Path) -> None:
    """Jinja is loaded by the first runbooks_src template rendered (runbooks/guidance_jinja.py): guidance
    without a '{' is used as it is, so such a project's validate never needs it (50 ms of start-up)."""
    shutil.copytree(ROOT / "tests" / "bad_specs" / "_base", tmp_path / "project")
    project = tmp_path / "project"
    texts = [p.read_text(encoding="utf-8") for p in (project / "runbooks_src").rglob("*.md")]
    assert texts and not any("{" in text for text in texts)  # the premise: plain-text guidance
    assert "jinja2" not in imported_by("validate", cwd=project)
    (project / "runbooks_src" / "orders.md").write_text("## Diagnosis\nLook at {{ monitor.service }}.\n",
                                                       encoding="utf-8")
    assert "jinja2" in imported_by("validate", cwd=project)  # the listing is real: a template loads it


def test_a_build_of_a_project_that_names_no_preset_imports_no_data_files_schema(tmp_path: Path) -> None:
    """The preset files' schema comes with the files, read for the first resource with `preset:`; the metric
    catalog's, only when its index is out of date (metrics/shipped.py): ~10 ms of pydantic models."""
    shutil.copytree(ROOT / "tests" / "bad_specs" / "_base", tmp_path / "project")
    project = tmp_path / "project"
    assert not any("preset" in p.read_text(encoding="utf-8") for p in (project / "monitors").glob("*.yaml"))
    imported = imported_by("build", "--env", "prod", cwd=project)
    assert "obsgen.presets.catalog" in imported  # the listing is real: the expansion ran
    assert sorted(imported & {"obsgen.presets.schema", "obsgen.metrics.schema"}) == []



def test_the_collector_is_paused_around_imports_and_restored() -> None:
    """cli/collector.py: `paused` (typer's import, the compiler's) turns the collector off inside and back as
    it was after, and what was made inside is frozen (kept out of later collections)."""
    from obsgen.cli import collector

    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            with collector.paused():
                assert not gc.isenabled()
                made = [[] for _ in range(10)]
            assert gc.isenabled() is enabled and gc.get_freeze_count() >= len(made)
        finally:
            gc.enable()
            gc.unfreeze()


def test_main_pauses_the_collector_until_the_command_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only `main()` pauses (a test invoking the app keeps the collector as it was), and the app's callback,
    which typer runs before every command, resumes it."""
    from typer.testing import CliRunner

    from obsgen import cli
    from obsgen.cli import collector

    seen = []
    monkeypatch.setattr(cli, "app", lambda: seen.append(gc.isenabled()))
    try:
        cli.main()
        assert seen == [False] and not gc.isenabled()
        collector.resume()
        assert gc.isenabled()
        collector.resume()  # nothing to resume: the collector stays as it is
        gc.disable()
        collector.resume()
        assert not gc.isenabled()
        gc.enable()
        assert CliRunner().invoke(app, ["version"]).exit_code == 0 and gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
