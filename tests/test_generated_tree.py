"""generated/ is replaced as a whole or not at all: an interrupted build leaves the complete old tree,
the complete new one, or (killed between moving an unchanged directory into the new tree and the
swap) the old tree that the next build's recovery completes; the next build removes what it left
behind, and obsgen never reads or writes through a link leaving the project (issue 12, items 10 and
11; issue 22: unchanged directories moved, not their files linked)."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obsgen import generated_tree
from obsgen.cli import app
from obsgen.compiler import compile_project, stale_files, write
from obsgen.generated_tree import OutputError, leftovers

CORPUS_BASE = Path(__file__).parent / "bad_specs" / "_base"
DRIVER = Path(__file__).parent / "interrupt_build.py"
STAGING_ENV = '  staging:\n    account: "123456789012"\n    region: us-east-1\n'
runner = CliRunner()


def obsgen(*args: str):
    return runner.invoke(app, list(args))


def snapshot(base: Path) -> dict[str, object] | None:
    """Every entry under `base`: file bytes, link targets, directories; None when base is absent."""
    if not os.path.lexists(base):
        return None
    tree: dict[str, object] = {}
    for folder, dirs, files in os.walk(base):
        for name in dirs + files:
            path = Path(folder, name)
            rel = path.relative_to(base).as_posix()
            if path.is_symlink():
                tree[rel] = f"-> {os.readlink(path)}"
            elif path.is_dir():
                tree[rel] = "<dir>"
            else:
                tree[rel] = path.read_bytes()
    return tree


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Three environments, the runbooks and the site built; plus a file of the team's own and a link
    inside the project in generated/, which every build must keep."""
    root = tmp_path / "project"
    shutil.copytree(CORPUS_BASE, root)
    with (root / "monitors" / "obsgen.yaml").open("a", encoding="utf-8") as spec:
        spec.write(STAGING_ENV)
    write(root, compile_project(root))
    (root / "generated" / "README.md").write_text("Our notes on generated/.\n", encoding="utf-8")
    (root / "generated" / "latest").symlink_to("prod")
    (root / "generated" / "prod" / "removed-by-the-next-build.json").write_text("{}\n", encoding="utf-8")
    return root


def change_the_spec(root: Path) -> None:
    service = root / "monitors" / "orders.yaml"
    service.write_text(service.read_text(encoding="utf-8").replace('threshold: "> 5"', 'threshold: "> 7"'),
                       encoding="utf-8")


def expected_after_build(root: Path, tmp_path: Path, *args: str) -> dict[str, object]:
    """What an uninterrupted `obsgen build ARGS` makes of this project's generated/."""
    copy = tmp_path / "uninterrupted"
    shutil.copytree(root, copy, symlinks=True)
    assert obsgen("build", "-C", str(copy), *args).exit_code == 0
    tree = snapshot(copy / "generated")
    assert tree is not None
    return tree


def interrupted(root: Path, at: int, signal_name: str, mode: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(DRIVER), str(at), signal_name, mode, "--", "build", "-C", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OBSGEN_DEBUG": ""})


def steps_of(root: Path, tmp_path: Path, mode: str, *args: str) -> int:
    copy = tmp_path / "counted"
    shutil.copytree(root, copy, symlinks=True)
    done = interrupted(copy, 0, "KILL", mode, *args)
    assert done.returncode == 0, done.stderr
    return int(re.search(r"steps: (\d+)", done.stderr)[1])


def entries_outside_generated(root: Path) -> set[str]:
    return {name for name in os.listdir(root) if name != "generated"}


def assert_interrupting_every_step_leaves_a_whole_tree(project: Path, tmp_path: Path, signal_name: str,
                                                       mode: str, *args: str) -> None:
    change_the_spec(project)
    old, new = snapshot(project / "generated"), expected_after_build(project, tmp_path, *args)
    assert old != new
    around = entries_outside_generated(project)
    steps = steps_of(project, tmp_path, mode, *args)
    assert steps >= 7
    for at in range(1, steps + 1):
        root = tmp_path / f"{signal_name}-{mode}-{at}"
        shutil.copytree(project, root, symlinks=True)
        run = interrupted(root, at, signal_name, mode, *args)
        assert run.returncode == (-9 if signal_name == "KILL" else 130), (at, run.stderr)
        assert "Traceback" not in run.stderr and "internal error" not in run.stderr
        after = snapshot(root / "generated")
        left = leftovers(root)
        if mode == "fallback" and after is None:  # between the fallback's two renames: the next run puts it back
            assert [p for p in left if p.startswith(".obsgen/previous-")], at
        elif after not in (old, new):  # unchanged directories moved out, not swapped yet: the journal says which
            assert [p for p in left if p.startswith(".obsgen/journal-")], at
        check = obsgen("build", "--check", "-C", str(root), *args)
        if left:
            assert check.exit_code == 1 and all(f"leftover: {path}" in check.stderr for path in left), at
        generated_tree.recover(root)  # what the next build does first (in place: the journal names inodes)
        assert snapshot(root / "generated") in (old, new), f"a mixed tree after an interruption at step {at} of {steps}"
        assert obsgen("build", "-C", str(root), *args).exit_code == 0
        assert snapshot(root / "generated") == new, at
        assert entries_outside_generated(root) == around, f"leftovers after the next build (step {at})"
        assert obsgen("build", "--check", "-C", str(root), *args).exit_code == 0


@pytest.mark.slow
def test_kill_9_at_any_step_of_a_full_build_leaves_the_whole_old_or_new_tree(project, tmp_path):
    assert_interrupting_every_step_leaves_a_whole_tree(project, tmp_path, "KILL", "exchange")


@pytest.mark.slow
def test_kill_9_at_any_step_of_a_one_environment_build_keeps_the_other_environments_and_the_site(project, tmp_path):
    assert_interrupting_every_step_leaves_a_whole_tree(project, tmp_path, "KILL", "exchange", "--env", "prod")


@pytest.mark.slow
def test_ctrl_c_at_any_step_loses_no_environment(project, tmp_path):
    assert_interrupting_every_step_leaves_a_whole_tree(project, tmp_path, "INT", "exchange")


@pytest.mark.slow
def test_without_rename_exchange_every_interruption_is_recovered_by_the_next_build(project, tmp_path):
    assert_interrupting_every_step_leaves_a_whole_tree(project, tmp_path, "KILL", "fallback")


@pytest.mark.skipif(generated_tree._renameat2() is None, reason="renameat2 is Linux-only")
def test_the_exchange_swaps_two_directories(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one").write_text("1")
    (tmp_path / "b").mkdir()
    assert generated_tree.exchange(tmp_path / "a", tmp_path / "b")
    assert os.listdir(tmp_path / "a") == [] and os.listdir(tmp_path / "b") == ["one"]


# --- what a build keeps, and what it cleans ----------------------------------------------------------


def test_a_one_environment_build_keeps_everything_else_byte_for_byte(project, tmp_path):
    before = snapshot(project / "generated")
    change_the_spec(project)
    assert obsgen("build", "--env", "prod", "-C", str(project)).exit_code == 0
    after = snapshot(project / "generated")
    untouched = {rel: v for rel, v in before.items() if not rel.startswith("prod/") and rel != "prod"}
    assert {rel: after[rel] for rel in untouched} == untouched
    assert "prod/removed-by-the-next-build.json" not in after
    assert before["prod/cloudwatch/orders.json"] != after["prod/cloudwatch/orders.json"]


def test_a_rebuild_links_unchanged_files_and_writes_only_what_changed(project):
    base = project / "generated"
    before = {p.relative_to(base).as_posix(): os.stat(p) for p in base.rglob("*") if p.is_file()}
    change_the_spec(project)
    assert obsgen("build", "-C", str(project)).exit_code == 0
    after = {p.relative_to(base).as_posix(): os.stat(p) for p in base.rglob("*") if p.is_file()}
    kept = {rel for rel in after if rel in before and after[rel].st_ino == before[rel].st_ino}
    rewritten = set(after) - kept
    assert "prod/cloudwatch/orders.json" in rewritten  # its threshold changed
    assert "obsgen.schema.json" in kept and "README.md" in kept
    assert all(after[rel].st_mtime_ns == before[rel].st_mtime_ns for rel in kept)
    assert len(kept) > len(rewritten)
    assert not stale_files(project, compile_project(project))


def test_the_site_command_keeps_the_schema_and_the_environments(project):
    before = snapshot(project / "generated")
    assert obsgen("site", "-C", str(project)).exit_code == 0
    assert snapshot(project / "generated") == before


def test_a_build_keeps_the_mode_of_generated_and_leaves_no_work_directory(project):
    os.chmod(project / "generated", 0o750)
    assert obsgen("build", "-C", str(project)).exit_code == 0
    assert (project / "generated").stat().st_mode & 0o777 == 0o750
    assert not (project / ".obsgen").exists()


def test_the_next_build_removes_what_obsgen_0_1_left_in_generated(project):
    base = project / "generated"
    (base / ".obsgen-abc123" / "prod").mkdir(parents=True)
    os.rename(base / "dev", base / ".old-dev-4242")  # killed between its two renames: dev was missing
    check = obsgen("build", "--check", "-C", str(project))
    assert check.exit_code == 1
    assert "leftover: generated/.obsgen-abc123" in check.stderr and "leftover: generated/.old-dev-4242" in check.stderr
    assert obsgen("build", "--env", "prod", "-C", str(project)).exit_code == 0
    assert sorted(n for n in os.listdir(base) if n.startswith(".")) == []
    assert (base / "dev" / "routing.md").is_file()  # put back, though this build did not own dev


def test_a_killed_build_leaves_nothing_git_would_list(project, tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "spec"]):
        subprocess.run([git, *args], cwd=project, check=True, env=env)
    change_the_spec(project)
    killed = interrupted(project, 4, "KILL", "exchange")  # after half of the new tree is written
    assert killed.returncode == -9
    assert leftovers(project)
    status = subprocess.run([git, "status", "--porcelain", "--untracked-files=all"], cwd=project,
                            capture_output=True, text=True, check=True).stdout
    assert status.splitlines() == [" M monitors/orders.yaml"]


def test_the_repository_ignores_the_work_directory_and_old_leftovers():
    ignored = (Path(__file__).parents[1] / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"/.obsgen/", "/generated/.obsgen-*/", "/generated/.old-*/"} <= set(ignored)


def test_a_second_build_while_one_is_writing_is_refused(project):
    fd = os.open(project, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as the first build holds it while it writes
        result = obsgen("build", "-C", str(project))
    finally:
        os.close(fd)
    assert result.exit_code == 1
    assert "generated: error: another obsgen is writing generated/ in this project" in result.stderr


# --- links and files that are not files --------------------------------------------------------------


def test_generated_as_a_link_out_of_the_project_is_refused_and_nothing_there_is_touched(project, tmp_path):
    outside = tmp_path / "outside"
    (outside / "prod").mkdir(parents=True)
    (outside / "prod" / "precious.txt").write_text("keep me\n", encoding="utf-8")
    shutil.rmtree(project / "generated")
    (project / "generated").symlink_to(outside)
    for args in (["build"], ["build", "--check"]):
        result = obsgen(*args, "-C", str(project))
        assert result.exit_code == 1
        assert result.stderr.startswith(f"generated: error: generated is a symbolic link (to {outside}); ")
        assert "[generated-symlink]" in result.stderr
    assert snapshot(outside) == {"prod": "<dir>", "prod/precious.txt": b"keep me\n"}
    with pytest.raises(OutputError):
        write(project, compile_project(project))
    assert snapshot(outside) == {"prod": "<dir>", "prod/precious.txt": b"keep me\n"}


def test_a_link_inside_generated_that_leaves_the_project_is_refused(project, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("token\n", encoding="utf-8")
    link = project / "generated" / "prod" / "routing.md"
    link.unlink()
    link.symlink_to(secret)
    result = obsgen("build", "--check", "-C", str(project))
    assert result.exit_code == 1
    assert (f"generated/prod/routing.md: error: a symbolic link to {secret}, outside the project; obsgen never "
            "reads or writes through it: remove the link [generated-symlink]") in result.stderr
    assert obsgen("build", "-C", str(project)).exit_code == 1
    assert secret.read_text(encoding="utf-8") == "token\n" and link.is_symlink()


@pytest.mark.parametrize("args", [["build"], ["build", "--env", "prod"]])
def test_a_build_looks_through_generated_once_before_writing(project, monkeypatch, args):
    # The CLI checks generated/ to report its problems with the spec's; the staging tree trusts that check
    # rather than walking the whole tree (23,000 files at 10,000 monitors) a second time.
    walks = []
    real = generated_tree._odd_entries
    monkeypatch.setattr(generated_tree, "_odd_entries", lambda top, owned=None: walks.append(top) or real(top, owned))
    assert obsgen(*args, "-C", str(project)).exit_code == 0
    assert walks == [project / "generated"]
    os.mkfifo(project / "generated" / "README.pipe")  # and that one walk still finds what it must refuse
    result = obsgen(*args, "-C", str(project))
    assert result.exit_code == 1 and "[generated-special-file]" in result.stderr


def test_a_build_of_one_environment_reads_only_its_directory(project):
    """`build --env prod` moves every other top-level directory whole (one rename, no link followed), so what
    lies in them is not its business; in its own it is refused as ever."""
    assert obsgen("build", "-C", str(project)).exit_code == 0
    os.mkfifo(project / "generated" / "dev" / "notes.pipe")
    assert obsgen("build", "--env", "prod", "-C", str(project)).exit_code == 0
    assert (project / "generated" / "dev" / "notes.pipe").exists()  # carried over untouched
    assert obsgen("build", "--env", "dev", "-C", str(project)).exit_code == 1
    result = obsgen("build", "--env", "p*", "-C", str(project))  # a glob reads what it may name
    assert result.exit_code == 0, result.stderr
    assert obsgen("build", "--env", "d*", "-C", str(project)).exit_code == 1


def test_a_link_where_a_file_belongs_is_stale_not_followed(project):
    link = project / "generated" / "dev" / "routing.md"
    shutil.copy(link, project / "copy-of-routing.md")
    link.unlink()
    link.symlink_to(project / "copy-of-routing.md")  # the right bytes, inside the project, but a link
    assert "generated/dev/routing.md" in stale_files(project, compile_project(project))


def test_a_file_where_generated_should_be_is_a_clear_error(project):
    shutil.rmtree(project / "generated")
    (project / "generated").write_text("not a directory\n", encoding="utf-8")
    result = obsgen("build", "-C", str(project))
    assert result.exit_code == 1
    assert ("generated: error: generated is a file, not a directory; obsgen keeps its output in generated/: "
            "move or delete the file [generated-not-a-directory]") in result.stderr
    assert (project / "generated").read_text(encoding="utf-8") == "not a directory\n"


def test_a_fifo_in_generated_is_refused(project):
    os.mkfifo(project / "generated" / "README.pipe")
    result = obsgen("build", "-C", str(project))
    assert result.exit_code == 1
    assert "generated/README.pipe: error: not a regular file or directory" in result.stderr
    assert "[generated-special-file]" in result.stderr


# --- item 11: generated/'s own names are not environment names ---------------------------------------


@pytest.mark.parametrize("name", ["site", "runbooks"])
def test_an_environment_named_like_a_directory_of_generated_is_a_located_error(project, name):
    spec = project / "monitors" / "obsgen.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("  staging:", f"  {name}:"), encoding="utf-8")
    before = snapshot(project / "generated")
    result = obsgen("build", "--env", name, "-C", str(project))
    assert result.exit_code == 1
    line = spec.read_text(encoding="utf-8").splitlines().index(f"  {name}:") + 1
    assert result.stderr.startswith(f"monitors/obsgen.yaml:{line}:3: error: environments.{name}: invalid name: "
                                    "expected an environment name other than 'runbooks' and 'site'")
    assert snapshot(project / "generated") == before


def test_the_reserved_names_are_the_ones_the_runbooks_use():
    from obsgen.runbooks import RUNBOOKS_OUT, SITE_OUT
    from obsgen.language.v1.project import GENERATED_OWN_NAMES

    assert set(GENERATED_OWN_NAMES) == {RUNBOOKS_OUT, SITE_OUT}


# --- issue 22: unchanged directories are moved into the new tree, not rebuilt file by file ----------

KILLER = """
import os, signal, sys
from obsgen import generated_tree
from obsgen.cli import main

where, count = sys.argv[1], int(sys.argv[2])
calls = 0

def killing(function):
    def wrapper(*args, **kwargs):
        global calls
        calls += 1
        if calls == count:
            os.kill(os.getpid(), signal.SIGKILL)
        return function(*args, **kwargs)
    return wrapper

if where == "move":  # before the COUNT-th directory moved into the new tree
    generated_tree.Staging._move = killing(generated_tree.Staging._move)
else:  # after the swap, before the journal is deleted
    generated_tree._forget = killing(generated_tree._forget)
sys.argv = ["obsgen", *sys.argv[3:]]
main()
"""


def listing(base: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under `base` with its inode (a link: its target; links are recreated, not kept)."""
    found: dict[str, tuple[object, ...]] = {}
    for folder, dirs, files in os.walk(base):
        for name in dirs + files:
            path = Path(folder, name)
            rel = path.relative_to(base).as_posix()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            else:
                info = path.stat()
                found[rel] = ("dir", info.st_ino) if path.is_dir() else ("file", info.st_ino, path.read_bytes())
    return found


def kept(before: dict[str, tuple[object, ...]], after: dict[str, tuple[object, ...]]) -> set[str]:
    """The entries present in both with the same inode."""
    return {rel for rel, entry in after.items() if before.get(rel) == entry}


def killed(root: Path, where: str, count: int, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", KILLER, where, str(count), "build", "-C", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env={**os.environ, "OBSGEN_DEBUG": ""})


@pytest.fixture
def built(project: Path) -> Path:
    """The project built once more: generated/ holds exactly what the spec makes, plus the README and link."""
    assert obsgen("build", "-C", str(project)).exit_code == 0
    return project


def test_a_rebuild_with_nothing_changed_keeps_every_directory_and_file_and_leaves_nothing(built):
    before = listing(built / "generated")
    assert obsgen("build", "-C", str(built)).exit_code == 0
    assert listing(built / "generated") == before  # directories too: moved whole, not made again
    assert not (built / ".obsgen").exists()


def test_a_one_file_change_moves_the_unchanged_directories_and_rebuilds_its_own(built):
    before = listing(built / "generated")
    change_the_spec(built)
    assert obsgen("build", "-C", str(built)).exit_code == 0
    after = listing(built / "generated")
    same = kept(before, after)
    assert {"prod/sns", "prod/sns/topics.json", "site/_assets", "site/_services", "runbooks/orders/health.md",
            "site/orders/latency.html", "obsgen.schema.json", "README.md"} <= same
    assert not {"prod", "prod/cloudwatch", "prod/cloudwatch/orders.json", "runbooks/orders",
                "runbooks/orders/errors.md", "site/orders"} & same
    assert set(after) == set(before) and not (built / ".obsgen").exists()
    assert not stale_files(built, compile_project(built))


def test_a_file_the_spec_no_longer_makes_goes_and_its_directory_is_made_again(built):
    before = listing(built / "generated")
    service = built / "monitors" / "orders.yaml"
    text = service.read_text(encoding="utf-8")
    service.write_text(text[:text.index("  health:")], encoding="utf-8")
    assert obsgen("build", "-C", str(built)).exit_code == 0
    after = listing(built / "generated")
    assert "runbooks/orders/health.md" not in after and "site/orders/health.html" not in after
    assert "runbooks/orders" in after and "runbooks/orders" not in kept(before, after)
    assert not stale_files(built, compile_project(built))


def test_what_someone_added_to_an_owned_directory_goes_and_the_rest_stays_linked(built):
    base = built / "generated"
    (base / "site" / "_assets" / "ours.css").write_text("body {}\n", encoding="utf-8")
    (base / "site" / "_assets" / "again.js").symlink_to("filter.js")
    (base / "site" / "empty" / "inside").mkdir(parents=True)
    (base / "runbooks" / "orders" / "notes.md").write_text("ours\n", encoding="utf-8")
    before = listing(base)
    assert obsgen("build", "-C", str(built)).exit_code == 0
    after = listing(base)
    assert not {"site/_assets/ours.css", "site/_assets/again.js", "site/empty", "runbooks/orders/notes.md"} & set(after)
    same = kept(before, after)
    assert {"site/_assets/filter.js", "runbooks/orders/errors.md", "site/_services", "site/orders"} <= same
    assert not {"site", "site/_assets", "runbooks", "runbooks/orders"} & same
    assert not stale_files(built, compile_project(built))


def test_a_one_environment_build_moves_the_other_entries_whole(built):
    before = listing(built / "generated")
    change_the_spec(built)
    assert obsgen("build", "--env", "prod", "-C", str(built)).exit_code == 0
    after = listing(built / "generated")
    others = {rel for rel in before if rel.split("/")[0] in ("dev", "staging", "site", "runbooks", "README.md")}
    assert others <= kept(before, after)
    assert after["latest"] == ("link", "prod") and "prod/cloudwatch" not in kept(before, after)


def test_a_kill_between_the_moves_and_the_swap_is_undone_by_the_next_build(built, tmp_path):
    before = listing(built / "generated")
    change_the_spec(built)
    expected = expected_after_build(built, tmp_path)
    run = killed(built, "move", 3)
    assert run.returncode == -9, run.stderr
    assert snapshot(built / "generated") != snapshot(tmp_path / "uninterrupted" / "generated")
    assert len(listing(built / "generated")) < len(before)  # two directories are in the new tree
    assert [path for path in leftovers(built) if path.startswith(".obsgen/journal-")]
    check = obsgen("build", "--check", "-C", str(built))
    assert check.exit_code == 1 and "leftover: .obsgen/journal-" in check.stderr
    generated_tree.recover(built)  # what the next build does first
    assert listing(built / "generated") == before and not leftovers(built)
    assert obsgen("build", "-C", str(built)).exit_code == 0
    assert snapshot(built / "generated") == expected and not (built / ".obsgen").exists()


def test_a_kill_after_the_swap_before_the_journal_goes_keeps_the_new_tree(built, tmp_path):
    change_the_spec(built)
    expected = expected_after_build(built, tmp_path)
    run = killed(built, "forget", 1)
    assert run.returncode == -9, run.stderr
    new = listing(built / "generated")
    assert snapshot(built / "generated") == expected
    assert [path for path in leftovers(built) if path.startswith(".obsgen/journal-")]
    generated_tree.recover(built)
    assert listing(built / "generated") == new and not leftovers(built)
    assert obsgen("build", "-C", str(built)).exit_code == 0
    assert listing(built / "generated") == new and not (built / ".obsgen").exists()


def test_an_interruption_at_the_swap_puts_the_moved_directories_back_at_once(built, monkeypatch):
    before = listing(built / "generated")
    change_the_spec(built)

    def interrupted_exchange(first: Path, second: Path) -> bool:
        assert "prod/sns" not in listing(second)  # moved into the new tree already
        raise KeyboardInterrupt

    monkeypatch.setattr(generated_tree, "exchange", interrupted_exchange)
    with pytest.raises(KeyboardInterrupt):
        write(built, compile_project(built))
    assert listing(built / "generated") == before and not (built / ".obsgen").exists()


def test_without_the_exchange_the_two_renames_keep_the_moved_directories(built, tmp_path, monkeypatch):
    before = listing(built / "generated")
    change_the_spec(built)
    expected = expected_after_build(built, tmp_path)
    monkeypatch.setattr(generated_tree, "exchange", lambda first, second: False)
    assert obsgen("build", "-C", str(built)).exit_code == 0
    assert snapshot(built / "generated") == expected and not (built / ".obsgen").exists()
    assert {"prod/sns", "site/_assets"} <= kept(before, listing(built / "generated"))


def test_a_directory_that_cannot_be_renamed_is_linked_file_by_file(built, monkeypatch):
    before = listing(built / "generated")
    rename = os.rename

    def across_filesystems(source, target, *args, **kwargs):
        if "/generated/" in str(source):  # as if generated/'s directories were another filesystem
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(source))
        return rename(source, target, *args, **kwargs)

    monkeypatch.setattr(generated_tree.os, "rename", across_filesystems)
    assert obsgen("build", "-C", str(built)).exit_code == 0
    after = listing(built / "generated")
    assert {rel for rel, entry in before.items() if entry[0] == "file"} <= kept(before, after)
    assert "site/_assets" not in kept(before, after) and not (built / ".obsgen").exists()


def test_an_unchanged_file_removed_during_the_build_stops_it_before_anything_moves(built, monkeypatch):
    gone = built / "generated" / "site" / "_assets" / "filter.js"
    commit = generated_tree.Staging.commit

    def removing_first(staging, owned):
        gone.unlink()  # as someone would while the build renders: noted unchanged, never written
        commit(staging, owned)

    monkeypatch.setattr(generated_tree.Staging, "commit", removing_first)
    expected = listing(built / "generated")
    del expected["site/_assets/filter.js"]
    with pytest.raises(FileNotFoundError) as raised:
        write(built, compile_project(built))
    assert raised.value.filename == str(gone)
    assert listing(built / "generated") == expected and not (built / ".obsgen").exists()
