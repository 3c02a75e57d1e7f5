"""Which files obsgen reads from a project, and what it refuses to read or show (issue 12, items 1 and minor).

The error lines themselves are in the bad-spec corpus (`symlink-out-of-project`, `runbook-symlink-to-proc`,
`runbook-include-symlink-to-proc`, `spec-file-is-one-string`, `uppercase-yaml-extension`); these tests
check what the corpus cannot: nothing secret reaches any output, and what is still read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from obsgen.compiler import compile_project
from obsgen.presets.catalog import load_catalog
from obsgen.language import load as spec_load

BASE = Path(__file__).parent / "bad_specs" / "_base"
TOKEN = "ghp_0000FAKE0000TOKEN0000ForObsgenTests00"
ENV_SECRET = "obsgen-test-secret-5d1c"


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    return root


def _obsgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OBSGEN_DEBUG": "", "SECRET_FOR_THE_TEST": ENV_SECRET}
    return subprocess.run([sys.executable, "-m", "obsgen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def _everything_written(root: Path) -> str:
    generated = root / "generated"
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in generated.rglob("*") if p.is_file()) \
        if generated.exists() else ""


@pytest.mark.slow
def test_a_symlinked_credentials_file_is_refused_and_its_token_never_printed(tmp_path):
    root = _project(tmp_path)
    (tmp_path / "credentials").write_text(f"https://ci-bot:{TOKEN}@github.com\n", encoding="utf-8")
    (root / "monitors" / "creds.yaml").symlink_to(tmp_path / "credentials")
    for command in (["validate"], ["validate", "--format", "json"], ["build"]):
        result = _obsgen(*command, "-C", str(root), cwd=tmp_path)
        assert result.returncode == 1
        assert "[outside-project]" in result.stderr or '"outside-project"' in result.stdout
        assert TOKEN not in result.stdout + result.stderr
    assert not (root / "generated").exists()


@pytest.mark.slow
def test_a_runbook_symlinked_to_the_process_environment_publishes_nothing(tmp_path):
    if not Path("/proc/self/environ").exists():
        pytest.skip("no /proc/self/environ on this system")
    root = _project(tmp_path)
    (root / "runbooks_src" / "notes.md").symlink_to("/proc/self/environ")
    orders = root / "monitors" / "orders.yaml"
    orders.write_text(orders.read_text(encoding="utf-8").replace("runbook: orders", "runbook: notes"), encoding="utf-8")
    (root / "runbooks_src" / "orders.md").write_text('## Diagnosis\n\n{% include "notes.md" %}\n', encoding="utf-8")
    result = _obsgen("build", "-C", str(root), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith("runbooks_src/notes.md: error: ")
    assert "[outside-project]" in result.stderr
    assert len(result.stderr.splitlines()) == 2  # the file's error and the count: nothing about the include
    assert ENV_SECRET not in result.stdout + result.stderr + _everything_written(root)


def test_a_symlink_that_stays_inside_the_project_is_read(tmp_path):
    root = _project(tmp_path)
    shared = root / "shared"
    shared.mkdir()
    (root / "monitors" / "orders.yaml").rename(shared / "orders.yaml")
    (root / "monitors" / "orders.yaml").symlink_to(Path("..") / "shared" / "orders.yaml")
    (root / "runbooks_src" / "orders.md").rename(shared / "orders.md")
    (root / "runbooks_src" / "orders.md").symlink_to(shared / "orders.md")
    build = compile_project(root)
    assert [str(d) for d in build.diagnostics if d.level.value == "error"] == []
    assert "What to do when orders fail." in build.files["runbooks/orders/errors.md"]


def test_a_file_that_reads_more_than_its_size_is_refused_as_virtual(monkeypatch):
    """Beyond /proc, /sys and /dev: any filesystem whose files report size 0 and then read data."""
    environ = Path("/proc/self/environ")
    if not environ.exists() or os.stat(environ).st_size != 0:
        pytest.skip("needs Linux procfs, where /proc/self/environ reports a size of 0")
    monkeypatch.setattr(spec_load, "VIRTUAL_ROOTS", ())
    problems = []
    assert spec_load.read_limited(environ, "environ", problems, Path("/")) is None
    assert [(p.code, p.message) for p in problems] == [
        ("not-a-file", "the file says it holds 0 bytes but reads more: a virtual file (procfs, sysfs); refusing to read it")]


def test_a_file_under_proc_is_refused_even_inside_the_given_root():
    environ = Path("/proc/self/environ")
    if not environ.exists():
        pytest.skip("no /proc on this system")
    problems = []
    assert spec_load.read_limited(environ, "environ", problems, Path("/")) is None
    assert [p.code for p in problems] == ["not-a-file"]


def test_hidden_files_and_directories_under_monitors_are_not_read(tmp_path):
    root = _project(tmp_path)
    for hidden in ("monitors/.git/x.yaml", "monitors/.hidden/a.yaml", "monitors/.backup.yaml",
                   "monitors/team/.old/orders.yaml", "runbooks_src/.drafts/orders.md", "runbooks_src/.wip.md"):
        (root / hidden).parent.mkdir(parents=True, exist_ok=True)
        (root / hidden).write_text("not: [valid\n{{ broken\n", encoding="utf-8")
    build = compile_project(root)
    assert [str(d) for d in build.diagnostics if d.level.value == "error"] == []
    assert build.ok


def test_spec_files_are_found_in_subfolders(tmp_path):
    root = _project(tmp_path)
    (root / "monitors" / "team").mkdir()
    (root / "monitors" / "orders.yaml").rename(root / "monitors" / "team" / "orders.yml")
    assert [p.relative_to(root).as_posix() for p in spec_load.spec_files(root / "monitors")] == [
        "monitors/obsgen.yaml", "monitors/team/orders.yml"]
    assert compile_project(root).ok


def test_a_preset_file_that_is_one_string_is_refused_without_showing_it(tmp_path):
    (tmp_path / "leak.yaml").write_text(f"https://ci-bot:{TOKEN}@github.com\n", encoding="utf-8")
    _, problems = load_catalog(tmp_path)
    assert [str(p) for p in problems] == [
        "presets/leak.yaml:1:1: error: expected a mapping at the top level, found a string [bad-value]"]


def test_a_preset_file_symlinked_out_of_its_directory_is_refused(tmp_path):
    (tmp_path / "outside.yaml").write_text("apiVersion: x\n", encoding="utf-8")
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "lambda.yaml").symlink_to(tmp_path / "outside.yaml")
    _, problems = load_catalog(tmp_path / "presets")
    assert [p.code for p in problems] == ["outside-project"]


@pytest.mark.parametrize("folder", ["monitors", "runbooks_src"])
def test_a_folder_symlinked_out_of_the_project_is_one_error_not_one_per_file(tmp_path, folder):
    root = _project(tmp_path)
    (root / folder).rename(tmp_path / "elsewhere")
    (root / folder).symlink_to(tmp_path / "elsewhere")
    assert [str(d) for d in compile_project(root).diagnostics] == [
        f"{folder}/: error: the folder's real path (symlinks followed) is outside the project; obsgen reads only "
        "files inside the project directory, so a symlink must point inside it [outside-project]"]


def test_real_paths_found_from_their_folder_are_what_realpath_gives(tmp_path):
    """load_spec's RealPaths takes a shortcut through each folder's real path; the result must be realpath's,
    for a file, a symlinked file, a file in a symlinked folder, and a link that leads nowhere."""
    root = tmp_path / "project"
    (root / "monitors" / "team").mkdir(parents=True)
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "b.yaml").write_text("b: 1\n")
    (root / "monitors" / "a.yaml").write_text("a: 1\n")
    (root / "monitors" / "link.yaml").symlink_to(root / "elsewhere" / "b.yaml")
    (root / "monitors" / "folder").symlink_to(root / "elsewhere")
    (root / "monitors" / "gone.yaml").symlink_to(root / "nowhere.yaml")
    real = spec_load.RealPaths(root)
    for rel in ("a.yaml", "link.yaml", "folder/b.yaml", "team/../a.yaml"):
        path = root / "monitors" / rel
        assert real.of(path) == (os.path.realpath(path, strict=True), os.stat(path).st_mode)
    with pytest.raises(FileNotFoundError):
        real.of(root / "monitors" / "gone.yaml")
