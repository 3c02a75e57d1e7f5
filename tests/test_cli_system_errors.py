"""What the system refuses for ordinary reasons is said as such, naming the path and what to do, with
exit 1; out-of-range options are usage errors (exit 2); "internal error" is kept for bugs (issue 12,
item 17). Every case runs through the command line's entry point, `obsgen.cli.main`."""

from __future__ import annotations

import builtins
import errno
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from obsgen import cli, compiler
from obsgen.cli.common import describe_os_error

CORPUS_BASE = Path(__file__).parent / "bad_specs" / "_base"


def obsgen(capsys, *args: str) -> tuple[int, str, str]:
    """Run the console script's entry point in this process (so the system can be faked)."""
    old_argv = sys.argv
    sys.argv = ["obsgen", *args]
    try:
        with pytest.raises(SystemExit) as ended:
            cli.main()
    finally:
        sys.argv = old_argv
    captured = capsys.readouterr()
    return ended.value.code, captured.out, captured.err


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(CORPUS_BASE, root)
    return root


@pytest.fixture(autouse=True)
def no_debug(monkeypatch):
    monkeypatch.delenv("OBSGEN_DEBUG", raising=False)


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def refuse_writes(monkeypatch, code: int) -> None:
    """Every file write fails as a full (ENOSPC) or read-only (EROFS) disk would make it fail."""
    def refused(self: pathlib.Path, *args, **kwargs):
        raise OSError(code, os.strerror(code), str(self))
    monkeypatch.setattr(pathlib.Path, "write_bytes", refused)
    monkeypatch.setattr(pathlib.Path, "write_text", refused)
    real_open = builtins.open

    def refused_open(file, mode="r", *args, **kwargs):  # the staging tree writes with open(path, "wb")
        if any(letter in mode for letter in "wxa+"):
            raise OSError(code, os.strerror(code), str(file))
        return real_open(file, mode, *args, **kwargs)
    monkeypatch.setattr(builtins, "open", refused_open)
    if code == errno.EROFS:
        monkeypatch.setattr(pathlib.Path, "mkdir", refused)
        monkeypatch.setattr(os, "makedirs", lambda path, *args, **kwargs: refused(pathlib.Path(path)))


def test_a_full_disk_names_the_file_says_what_to_do_and_leaves_generated_as_it_was(project, capsys, monkeypatch):
    assert obsgen(capsys, "build", "-C", str(project))[0] == 0
    before = tree(project / "generated")
    (project / "monitors" / "orders.yaml").write_text(
        (project / "monitors" / "orders.yaml").read_text().replace('"> 5"', '"> 6"'))
    refuse_writes(monkeypatch, errno.ENOSPC)
    code, _, err = obsgen(capsys, "build", "-C", str(project))
    assert code == 1
    assert err.startswith(f"error: {project}/.obsgen/")
    assert err.rstrip().endswith(": no space left on device (ENOSPC); free some space on that disk and run again")
    assert "internal error" not in err
    assert tree(project / "generated") == before
    assert not (project / ".obsgen").exists()


def test_a_read_only_disk_says_so(project, capsys, monkeypatch):
    refuse_writes(monkeypatch, errno.EROFS)
    code, _, err = obsgen(capsys, "build", "-C", str(project))
    assert code == 1
    assert err == (f"error: {project}/.obsgen: read-only file system (EROFS); the file system is mounted "
                   "read-only: run obsgen where it can write\n")
    assert not (project / "generated").exists()


def test_a_real_full_disk_is_reported_the_same_way(project, capsys, tmp_path):
    """A 256 KiB tmpfs, when this test may mount one (root, a kernel that allows it)."""
    disk = tmp_path / "tiny-disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip() or 'not permitted'}")
    try:
        root = disk / "project"
        shutil.copytree(project, root)
        (root / "filler").write_bytes(b"\0" * (os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize - 16384))
        code, _, err = obsgen(capsys, "build", "-C", str(root))
        assert code == 1
        assert "no space left on device (ENOSPC); free some space on that disk and run again" in err
        assert err.startswith(f"error: {root}/.obsgen") and "internal error" not in err
        assert not (root / "generated").exists() and not (root / ".obsgen").exists()
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_real_read_only_disk_is_reported_the_same_way(project, capsys, tmp_path):
    """A tmpfs remounted read-only, when this test may mount one."""
    disk = tmp_path / "read-only-disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip() or 'not permitted'}")
    try:
        root = disk / "project"
        shutil.copytree(project, root)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        code, _, err = obsgen(capsys, "build", "-C", str(root))
        assert code == 1
        assert err == (f"error: {root}/.obsgen: read-only file system (EROFS); the file system is mounted "
                       "read-only: run obsgen where it can write\n")
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_an_unreadable_monitors_directory_names_the_path(project, capsys, monkeypatch):
    """As `chmod 000 monitors` does for anyone but root: the directory is there, nothing in it can be
    listed or looked at."""
    monitors = str(project / "monitors")
    real_stat, real_scandir = os.stat, os.scandir

    def denied(path) -> OSError:
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))

    def fake_stat(path, *args, **kwargs):
        if os.fspath(path).startswith(monitors + os.sep):
            raise denied(path)
        return real_stat(path, *args, **kwargs)

    def fake_scandir(path="."):
        if os.fspath(path) == monitors:
            raise denied(path)
        return real_scandir(path)

    monkeypatch.setattr(os, "stat", fake_stat)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    code, _, err = obsgen(capsys, "validate", "-C", str(project))
    assert code == 1
    assert err == (f"error: {monitors}/obsgen.yaml: permission denied (EACCES); check the permissions of this "
                   "path and of the directories above it\n")


def _as_a_user(project: Path, *args: str) -> tuple[int, str]:
    """The real command run by someone chmod can refuse: this process when it is not root, else the
    same interpreter as `nobody` (setpriv, util-linux), on a copy of the project nobody may enter.
    (root reads and writes whatever the permissions say.)"""
    if os.geteuid() != 0:
        result = subprocess.run([sys.executable, "-m", "obsgen", *args], capture_output=True, text=True, timeout=120)
        return result.returncode, result.stderr
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux) to drop to an unprivileged user")
    nobody = 65534
    for path in [project, *project.rglob("*")]:
        os.chown(path, nobody, nobody, follow_symlinks=False)
    for parent in project.parents:  # an enterable path down to the copy (see user_project)
        if parent == Path(parent.anchor):
            break
        if not os.stat(parent).st_mode & 0o001:
            pytest.fail(f"{parent} cannot be entered by others: use the user_project fixture")
    command = [setpriv, f"--reuid={nobody}", f"--regid={nobody}", "--clear-groups", sys.executable, "-m", "obsgen",
               *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/")
    return result.returncode, result.stderr


@pytest.fixture
def user_project():
    """The corpus project outside pytest's temporary root: another pytest starting on the same machine
    makes /tmp/pytest-of-<user> 0700 again, which would stop `nobody` before it reaches the project."""
    holder = Path(tempfile.mkdtemp(prefix="obsgen-as-user-"))
    os.chmod(holder, 0o711)
    root = holder / "project"
    shutil.copytree(CORPUS_BASE, root)
    try:
        yield root
    finally:
        os.chmod(root, 0o755)
        shutil.rmtree(holder, ignore_errors=True)


def test_a_really_unreadable_monitors_directory_names_the_path(user_project):
    project = user_project
    os.chmod(project / "monitors", 0)
    try:
        code, err = _as_a_user(project, "validate", "-C", str(project))
    finally:
        os.chmod(project / "monitors", 0o755)
    assert code == 1, err
    assert "permission denied (EACCES); check the permissions" in err and str(project / "monitors") in err


def test_a_really_read_only_project_names_the_path(user_project):
    project = user_project
    os.chmod(project, 0o555)
    try:
        code, err = _as_a_user(project, "build", "-C", str(project))
    finally:
        os.chmod(project, 0o755)
    assert code == 1, err
    assert err.startswith(f"error: {project}/.obsgen: permission denied (EACCES)"), err


def test_a_file_where_generated_should_be_is_located(project, capsys):
    (project / "generated").write_text("x\n")
    code, _, err = obsgen(capsys, "build", "-C", str(project))
    assert code == 1
    assert err.splitlines() == [
        "generated: error: generated is a file, not a directory; obsgen keeps its output in generated/: move or "
        "delete the file [generated-not-a-directory]", "1 error(s); nothing was written."]


def test_plan_out_into_a_missing_directory_is_refused_before_aws_is_asked(project, capsys, tmp_path):
    code, _, err = obsgen(capsys, "plan", "--env", "prod", "-C", str(project), "--out",
                          str(tmp_path / "no-such-dir" / "plan.json"))
    assert code == 2  # a usage error, before any credentials or endpoint are looked at
    assert "Invalid value for '--out'" in err and "create it first" in err and "internal error" not in err


def test_schema_out_into_a_missing_directory_is_a_usage_error(capsys, tmp_path):
    code, _, err = obsgen(capsys, "schema", "--out", str(tmp_path / "missing" / "schema.json"))
    assert code == 2 and "create it first" in err


@pytest.mark.parametrize("args", [["sandbox", "--port", "99999"], ["sandbox", "--port", "-1"],
                                  ["test-alarm", "orders/errors", "--env", "prod", "--hold", "1e300"],
                                  ["test-alarm", "orders/errors", "--env", "prod", "--hold", "nan"],
                                  ["test-alarm", "orders/errors", "--env", "prod", "--hold", "-5"]])
def test_out_of_range_options_are_usage_errors(args, capsys):
    code, _, err = obsgen(capsys, *args)
    assert code == 2
    assert "Invalid value for '--" in err and "internal error" not in err


def test_a_port_already_in_use_is_not_an_internal_error(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code, _, err = obsgen(capsys, "sandbox", "--port", str(taken.getsockname()[1]))
    assert code == 1
    assert "internal error" not in err and "error:" in err


def test_a_bug_is_still_an_internal_error(project, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("oops")
    monkeypatch.setattr(compiler, "compile_project", broken)  # cli/build.py calls it through the module
    code, _, err = obsgen(capsys, "build", "-C", str(project))
    assert code == 1
    assert err.startswith("internal error: KeyError: 'oops' (a bug in obsgen")


def test_an_os_error_without_an_errno_is_an_internal_error(project, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("something odd")
    monkeypatch.setattr(compiler, "compile_project", broken)  # cli/build.py calls it through the module
    code, _, err = obsgen(capsys, "build", "-C", str(project))
    assert code == 1 and err.startswith("internal error: OSError: something odd")


def test_describe_os_error_names_both_paths_of_a_rename():
    exc = OSError(errno.EXDEV, os.strerror(errno.EXDEV), "/a/generated", None, "/b/.obsgen/staging-1")
    assert describe_os_error(exc) == "/a/generated -> /b/.obsgen/staging-1: invalid cross-device link (EXDEV)"
