"""The command line habits of git, Terraform and promtool users (issue 14, item 12): --version,
shell completion, -C before the command, the project found from a subdirectory, help that reads
like help."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obsgen import __version__
from obsgen.cli import app
from obsgen.cli.app import LAZY_COMMANDS

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
runner = CliRunner()
VALID = "spec is valid: 4 environment(s)"


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(ROOT / name, root / name)
    return root


def words(text: str) -> str:
    """The text without rich's box drawing and line wrapping."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", text).split())


def test_version_prints_the_version():
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.stdout.strip()) == (0, __version__)


# --- where the project is -----------------------------------------------------------------------


def test_project_dir_may_be_given_before_the_command(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["-C", str(project), "validate"])
    assert result.exit_code == 0 and VALID in result.stdout
    assert VALID in runner.invoke(app, ["--project-dir", str(project), "validate"]).stdout


def test_a_commands_own_project_dir_wins_over_the_one_before_it(project, tmp_path):
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    result = runner.invoke(app, ["-C", str(elsewhere), "validate", "-C", str(project)])
    assert result.exit_code == 0 and VALID in result.stdout


@pytest.mark.parametrize("below", ["monitors", "runbooks_src", "runbooks_src/deeper"])
def test_the_project_is_found_from_a_directory_below_it(project, monkeypatch, below):
    (project / below).mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(project / below)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0 and VALID in result.stdout


def test_the_search_stops_at_the_top_of_a_git_work_tree(project, monkeypatch):
    checkout = project / "vendor" / "other-repo"  # a checkout inside a directory with monitors/
    (checkout / ".git").mkdir(parents=True)
    (checkout / "src").mkdir()
    monkeypatch.chdir(checkout / "src")
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert f"no monitors/ directory in {checkout / 'src'}" in result.stderr


# --- shell completion ---------------------------------------------------------------------------


def test_the_bash_completion_script_completes_every_command_through_obsgen(project):
    script = runner.invoke(app, ["completion", "bash"]).stdout
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    shell = textwrap_bash(script, "COMP_WORDS=(obsgen ''); COMP_CWORD=1",
                          "COMP_WORDS=(obsgen dr); COMP_CWORD=1",
                          "COMP_WORDS=(obsgen drift --format ''); COMP_CWORD=3")
    done = subprocess.run(["bash", "-c", shell], env=env, cwd=project, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    every, drift, formats = done.stdout.split("--\n")[:3]
    commands = set(every.split())
    assert set(LAZY_COMMANDS) <= commands  # imported only when run, listed all the same
    assert {"validate", "build", "schema", "version", "completion"} <= commands
    assert drift.split() == ["drift"]
    assert formats.split() == ["text", "json", "junit", "markdown", "sarif"]


def textwrap_bash(script: str, *cases: str) -> str:
    """A bash script that loads the completion and prints COMPREPLY for each case, then `--`."""
    lines = [script]
    for case in cases:
        lines += [case, "_obsgen_completion obsgen", 'printf "%s\\n" "${COMPREPLY[@]}" --']
    return "\n".join(lines)


@pytest.mark.parametrize("shell, marker", [("zsh", "#compdef obsgen"), ("fish", "complete --command obsgen")])
def test_zsh_and_fish_get_their_own_script(shell, marker):
    result = runner.invoke(app, ["completion", shell])
    assert result.exit_code == 0
    assert marker in result.stdout and "_OBSGEN_COMPLETE" in result.stdout


def test_an_unknown_shell_is_a_usage_error():
    assert runner.invoke(app, ["completion", "tcsh"]).exit_code == 2


# --- help -----------------------------------------------------------------------------------------


def every_help() -> dict[str, str]:
    names = ["", *sorted({*LAZY_COMMANDS, "validate", "build", "schema", "version", "completion"})]
    return {name: runner.invoke(app, [*name.split(), "--help"], env={"COLUMNS": "200"}).stdout for name in names}


def test_flags_are_not_shown_as_taking_a_value():
    helps = every_help()
    assert all(helps.values())
    assert {name: text for name, text in helps.items() if "<bool>" in text} == {}
    assert "--strict Warnings are errors" in words(helps["validate"])


def test_arguments_are_shown_in_capitals_required_ones_without_braces():
    helps = every_help()
    assert "Usage: obsgen test-alarm [OPTIONS] MONITOR" in helps["test-alarm"]
    assert "Usage: obsgen apply [OPTIONS] [PLAN_FILE]" in helps["apply"]
    assert "Usage: obsgen presets [OPTIONS] [SERVICE]" in helps["presets"]
    usages = [line.strip() for text in helps.values() for line in text.splitlines() if "Usage:" in line]
    assert len(usages) == len(helps) and [u for u in usages if re.search(r"\{|\[[a-z_]+\]", u)] == []


def test_each_option_says_what_it_is_for_in_its_command():
    helps = every_help()
    assert "An environment to test (repeat for more)" in words(helps["test"])
    assert "An environment to build (repeat for more)" in words(helps["build"])
    assert "<list[str]>" not in helps["test"]
    assert "-C DIR" in words(helps[""]) and "as git -C" in words(helps[""])
