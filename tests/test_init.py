"""`obsgen init`: a new project that validates and builds at once, whose README commands work, and
that never overwrites anything."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from obsgen.cli import app

runner = CliRunner()
SCAFFOLD = ["monitors/obsgen.yaml", "monitors/app.yaml", "runbooks_src/app/_service.md",
            ".pre-commit-config.yaml", ".github/workflows/obsgen.yml", "README.md"]


def run(*args: str):
    return runner.invoke(app, list(args))


def obsgen_bin() -> str:
    return str(Path(sys.executable).with_name("obsgen"))


def shell_blocks(readme: str, heading: str) -> list[str]:
    """The commands of the ```sh block under `## heading`, without their comments."""
    section = readme.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, f"no sh block under {heading}"
    return [line.split("  #", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_init_writes_a_project_that_validates_strictly_and_builds(tmp_path):
    created = run("init", str(tmp_path / "shop"))
    assert created.exit_code == 0, created.output
    project = tmp_path / "shop"
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == sorted(SCAFFOLD)
    assert run("validate", "--strict", "-C", str(project)).exit_code == 0
    built = run("build", "-C", str(project))
    assert built.exit_code == 0, built.output
    assert run("build", "--check", "-C", str(project)).exit_code == 0
    assert sorted(p.name for p in (project / "generated").iterdir() if p.is_dir()) == [
        "development", "production", "runbooks", "site", "staging"]


def test_the_project_file_carries_the_schema_modeline_the_environments_and_a_preset(tmp_path):
    assert run("init", str(tmp_path), "--env", "dev", "--env", "prod", "--project", "billing",
               "--account", "210987654321", "--region", "eu-west-1").exit_code == 0
    project_file = (tmp_path / "monitors/obsgen.yaml").read_text()
    assert project_file.startswith("# yaml-language-server: $schema=../generated/obsgen.schema.json\n")
    spec = yaml.safe_load(project_file)
    assert spec["project"] == "billing"
    assert spec["environments"] == {"dev": {"account": "210987654321", "region": "eu-west-1"},
                                    "prod": {"account": "210987654321", "region": "eu-west-1"}}
    assert set(spec["severities"]) == {"critical", "warning"} and spec["channels"]["oncall-email"]["type"] == "email"
    service = yaml.safe_load((tmp_path / "monitors/app.yaml").read_text())
    assert service["resources"]["function"]["preset"] == "recommended"


def test_the_readme_commands_and_the_pre_commit_hooks_run_in_the_new_project(tmp_path):
    assert run("init", str(tmp_path)).exit_code == 0
    readme = (tmp_path / "README.md").read_text()
    commands = shell_blocks(readme, "Every day")
    assert commands[0] == "obsgen validate" and "obsgen build --check" in commands
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert [h["id"] for h in hooks] == ["obsgen-validate", "obsgen-build-check"]
    for command in [*commands, *(h["entry"] for h in hooks)]:
        argv = shlex.split(command)
        assert argv[0] == "obsgen"
        done = subprocess.run([obsgen_bin(), *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    for command in shell_blocks(readme, "Against AWS"):  # need an account: here only their spelling is checked
        assert run(*shlex.split(command)[1:], "--help").exit_code == 0, command


def test_the_ci_workflow_validates_and_checks_generated(tmp_path):
    assert run("init", str(tmp_path)).exit_code == 0
    workflow = yaml.safe_load((tmp_path / ".github/workflows/obsgen.yml").read_text())
    steps = [step.get("run", "") for step in workflow["jobs"]["check"]["steps"]]
    assert "obsgen validate" in steps and "obsgen build --check" in steps


def test_init_refuses_to_overwrite_and_then_writes_nothing_at_all(tmp_path):
    (tmp_path / "README.md").write_text("ours\n")
    (tmp_path / "monitors").mkdir()
    (tmp_path / "monitors/app.yaml").write_text("ours too\n")
    refused = run("init", str(tmp_path))
    assert refused.exit_code == 1
    assert f"{tmp_path / 'README.md'} exists" in refused.stderr
    assert f"{tmp_path / 'monitors/app.yaml'} exists" in refused.stderr
    assert "nothing was written" in refused.stderr
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["README.md", "monitors",
                                                                                 "monitors/app.yaml"]
    assert (tmp_path / "README.md").read_text() == "ours\n"


def test_init_refuses_a_link_where_a_file_would_go(tmp_path):
    (tmp_path / "README.md").symlink_to(tmp_path / "elsewhere.md")  # dangling: exists() alone would miss it
    refused = run("init", str(tmp_path))
    assert refused.exit_code == 1 and "README.md exists" in refused.stderr
    assert not (tmp_path / "monitors").exists()


def test_names_the_spec_would_reject_are_refused_before_anything_is_written(tmp_path):
    refused = run("init", str(tmp_path / "new"), "--env", "Prod", "--env", "site", "--account", "12")
    assert refused.exit_code == 2
    assert "environment name 'Prod'" in refused.stderr
    assert "'site' is taken by generated/site/" in refused.stderr
    assert "account '12' must be 12 digits" in refused.stderr
    assert not (tmp_path / "new").exists()
