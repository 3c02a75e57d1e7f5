"""The bad-spec corpus: every case under tests/bad_specs/ must fail with exactly its expected diagnostics.

A case is a small project built from `bad_specs/_base/` (a minimal valid project) plus the case's own
files, which replace or add to the base's (see bad_specs/README.md). Hostile files that cannot or should
not be committed (a FIFO, a symlink to /dev/zero, a 4 MiB file, 10,000 nested brackets) are made by
the SETUPS below, keyed by case name; their folder still holds expected.txt.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from obsgen.compiler import compile_project, validate
from obsgen.diagnostics import Level
from obsgen.language.yaml_reader import MAX_FILE_BYTES
from obsgen.runbooks.guidance import MAX_RUNBOOK_BYTES

CORPUS = Path(__file__).parent / "bad_specs"
BASE = CORPUS / "_base"
REMOVE_FILE = "remove.txt"  # base paths (one a line) the case deletes
# A case holding this file is checked by `obsgen validate --strict` (its warnings become errors: routing
# that reaches nobody), without the coverage codes the base project has by design (no runbook guidance).
STRICT_FILE = "validate-strict"
BASE_COVERAGE_CODES = {"runbook-missing-guidance", "runbook-no-base-url", "untested-monitor"}  # + no unit tests
EXPECTED_FILE = "expected.txt"
# Whole-file problems have no line to point at (Span.line == 0); everything else must be located.
FILE_LEVEL_CODES = {"no-spec", "no-project-file", "not-a-file", "unreadable", "too-many-files", "outside-project",
                    "file-extension"}
# A credential as `git credential-store` keeps it (fake): no diagnostic may ever show it.
FAKE_TOKEN_LINE = "https://ci-bot:ghp_0000FAKE0000TOKEN0000ForObsgenTests00@github.com\n"

SERVICE_HEADER = "apiVersion: obsgen/v1\nkind: Service\nservice: hostile\nowner: shop-team\n"


def _too_large(root: Path) -> None:
    filler = "# " + "x" * 98 + "\n"
    count = MAX_FILE_BYTES // len(filler) + 1
    (root / "monitors" / "huge.yaml").write_text(SERVICE_HEADER + filler * count, encoding="utf-8")


def _symlink_dev_zero(root: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    (root / "monitors" / "zero.yaml").symlink_to("/dev/zero")


def _fifo(root: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("os.mkfifo is not available on this platform")
    os.mkfifo(root / "monitors" / "pipe.yaml")


def _deep_nesting(root: Path) -> None:
    depth = 10_000
    (root / "monitors" / "deep.yaml").write_text(
        SERVICE_HEADER + "tags: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")


def _deep_mapping_nesting(root: Path) -> None:
    depth = 10_000
    (root / "monitors" / "deep.yaml").write_text(
        SERVICE_HEADER + "tags: " + "{a: " * depth + "b" + "}" * depth + "\n", encoding="utf-8")


def _control_character(root: Path) -> None:
    """A BEL pasted into a summary (kept out of the repository: it is invisible in most editors)."""
    orders = root / "monitors" / "orders.yaml"
    orders.write_text(orders.read_text(encoding="utf-8").replace("raises errors.", "raises\x07 errors."),
                      encoding="utf-8")


def _string_too_long(root: Path) -> None:
    """A 3 MB description: valid YAML, kept out of the repository for its size."""
    orders = root / "monitors" / "orders.yaml"
    text = orders.read_text(encoding="utf-8")
    orders.write_text(text.replace("    summary: The orders function is slow.\n",
                                   "    summary: The orders function is slow.\n    description: " + "slow " * 600_000 + "\n"),
                      encoding="utf-8")


def _symlink_loop(root: Path) -> None:
    (root / "monitors" / "loop.yaml").symlink_to("loop.yaml")


def _directory_named_yaml(root: Path) -> None:
    (root / "monitors" / "archive.yaml").mkdir()


def _runbook_too_large(root: Path) -> None:
    filler = "Restart the function. " * 4 + "\n"
    (root / "runbooks_src" / "orders.md").write_text("## Diagnosis\n\n" + filler * (MAX_RUNBOOK_BYTES // len(filler) + 1))


def _runbook_fifo(root: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("os.mkfifo is not available on this platform")
    (root / "runbooks_src" / "orders").mkdir()
    os.mkfifo(root / "runbooks_src" / "orders" / "errors.md")


def _outside_file(root: Path) -> Path:
    """A secret next to the project, not in it (~/.git-credentials in the issue's reproduction)."""
    outside = root.parent / "home"
    outside.mkdir(exist_ok=True)
    (outside / ".git-credentials").write_text(FAKE_TOKEN_LINE, encoding="utf-8")
    return outside / ".git-credentials"


def _symlink_out_of_project(root: Path) -> None:
    (root / "monitors" / "creds.yaml").symlink_to(_outside_file(root))


def _spec_file_is_one_string(root: Path) -> None:
    (root / "monitors" / "creds.yaml").write_text(FAKE_TOKEN_LINE, encoding="utf-8")


def _proc_environ() -> Path:
    environ = Path("/proc/self/environ")
    if not environ.exists():
        pytest.skip("no /proc/self/environ on this system")
    return environ


def _runbook_symlink_to_proc(root: Path) -> None:
    (root / "runbooks_src" / "notes.md").symlink_to(_proc_environ())


def _runbook_include_symlink_to_proc(root: Path) -> None:
    (root / "runbooks_src" / "env.md").symlink_to(_proc_environ())


SETUPS: dict[str, Callable[[Path], None]] = {
    "symlink-out-of-project": _symlink_out_of_project,
    "spec-file-is-one-string": _spec_file_is_one_string,
    "runbook-symlink-to-proc": _runbook_symlink_to_proc,
    "runbook-include-symlink-to-proc": _runbook_include_symlink_to_proc,
    "symlink-loop": _symlink_loop,
    "directory-named-yaml": _directory_named_yaml,
    "file-too-large": _too_large,
    "symlink-to-dev-zero": _symlink_dev_zero,
    "fifo-in-monitors": _fifo,
    "nesting-10000-flow": _deep_nesting,
    "nesting-10000-flow-mapping": _deep_mapping_nesting,
    "runbook-too-large": _runbook_too_large,
    "runbook-fifo": _runbook_fifo,
    "control-character": _control_character,
    "string-too-long": _string_too_long,
}


def case_names() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))


def build_case(name: str, root: Path) -> Path:
    """Base project + the case's files (+ its generated hostile file) in `root`."""
    shutil.copytree(BASE, root, dirs_exist_ok=True)
    case = CORPUS / name
    remove = case / REMOVE_FILE
    if remove.exists():
        for line in remove.read_text(encoding="utf-8").split():
            (root / line).unlink()
    for path in sorted(case.rglob("*")):
        rel = path.relative_to(case)
        if path.is_file() and rel.parts[0] in ("monitors", "runbooks_src"):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, root / rel)
    if name in SETUPS:
        SETUPS[name](root)
    return root


def expected_lines(name: str) -> list[str]:
    return (CORPUS / name / EXPECTED_FILE).read_text(encoding="utf-8").splitlines()


def test_corpus_is_big_enough() -> None:
    assert len(case_names()) >= 45
    missing = [n for n in case_names() if not (CORPUS / n / EXPECTED_FILE).is_file()]
    assert missing == []
    assert set(SETUPS) <= set(case_names())


def test_base_project_is_valid(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    build = compile_project(tmp_path)
    assert [str(d) for d in build.diagnostics] == []
    assert build.ok and len(build.models) == 2


@pytest.mark.parametrize("name", case_names())
def test_bad_spec(name: str, tmp_path: Path) -> None:
    root = build_case(name, tmp_path / "project")
    if (CORPUS / name / STRICT_FILE).exists():
        build = validate(root, strict=True)
        build.diagnostics = [d for d in build.diagnostics if d.code not in BASE_COVERAGE_CODES]
    else:
        build = compile_project(root)
    assert not build.ok
    assert [str(d) for d in build.diagnostics] == expected_lines(name)
    for diagnostic in build.diagnostics:
        assert diagnostic.level is Level.ERROR
        assert diagnostic.span.file.startswith(("monitors/", "runbooks_src/"))
        if diagnostic.code not in FILE_LEVEL_CODES:
            assert diagnostic.span.line >= 1 and diagnostic.span.column >= 1, str(diagnostic)
    assert not (root / "generated").exists()


# --- the real command line -----------------------------------------------------------------

CLI_CASES = [
    "yaml-syntax-error",
    "unknown-monitor-key",
    "composite-cycle-3",
    "yaml-alias-bomb",
    "fifo-in-monitors",
    "nesting-10000-flow",
    "missing-project-file",
    "control-character",
    "huge-integer",
]


def _run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # A generous bound only so a hang fails the run instead of blocking it; nothing asserts on time.
    return subprocess.run([sys.executable, "-m", "obsgen", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "OBSGEN_DEBUG": ""})


@pytest.mark.slow
@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_validate(name: str, tmp_path: Path) -> None:
    root = build_case(name, tmp_path / "project")
    result = _run_cli("validate", "-C", str(root), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines[:-1] == expected_lines(name)
    assert lines[-1].endswith("error(s); nothing was written.")
    assert not (root / "generated").exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["duplicate-alarm-name-after-templating", "symlink-to-dev-zero"])
def test_cli_build_leaves_generated_alone(name: str, tmp_path: Path) -> None:
    root = build_case(name, tmp_path / "project")
    sentinel = root / "generated" / "prod" / "cloudwatch" / "orders.json"
    sentinel.parent.mkdir(parents=True)
    sentinel.write_text("{}\n", encoding="utf-8")
    before = sorted(p.relative_to(root).as_posix() for p in (root / "generated").rglob("*"))
    result = _run_cli("build", "-C", str(root), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines()[:-1] == expected_lines(name)
    assert sorted(p.relative_to(root).as_posix() for p in (root / "generated").rglob("*")) == before
    assert sentinel.read_text(encoding="utf-8") == "{}\n"


# --- docs/diagnostics.md stays complete ----------------------------------------------------------

SOURCE = Path(__file__).parent.parent / "src" / "obsgen"
DOCS = Path(__file__).parent.parent / "docs" / "diagnostics.md"
# Calls that take a diagnostic code: error(span, code, ...), warning(...), the YAML builder's
# fail(pos, code, ...), the resolver's fail(doc, loc, code, ...) and _rule_error(origin, offset, code, ...).
_CODE_CALLS = {"error", "warning", "fail", "_rule_error"}


def _emitted_codes() -> dict[str, str]:
    """Every string literal passed as a code, with where it is; pydantic error types are excluded."""
    codes: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in _CODE_CALLS or path.name == "fields.py":  # fields.fail builds pydantic errors
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", arg.value):
                    codes.setdefault(arg.value, f"{path.relative_to(SOURCE.parent)}:{node.lineno}")
    return codes


def test_every_diagnostic_code_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", DOCS.read_text(encoding="utf-8"), re.MULTILINE))
    emitted = _emitted_codes()
    assert len(emitted) >= 30  # the scan itself works
    missing = {code: where for code, where in emitted.items() if code not in documented}
    assert missing == {}, "add a row to docs/diagnostics.md for each of these codes"


def test_corpus_codes_are_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", DOCS.read_text(encoding="utf-8"), re.MULTILINE))
    used = {re.search(r"\[([a-z0-9-]+)\]$", line).group(1) for name in case_names() for line in expected_lines(name)}
    assert used <= documented


def test_more_spec_files_than_the_limit_is_refused_not_truncated(tmp_path, monkeypatch):
    """Reading only the first N files would silently drop monitors: refuse the whole project."""
    from obsgen.language import load as spec_load

    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "monitors", tmp_path / "monitors")
    shutil.copytree(repo / "runbooks_src", tmp_path / "runbooks_src")
    count = len(spec_load.spec_files(tmp_path / "monitors"))
    monkeypatch.setattr(spec_load, "MAX_SPEC_FILES", count - 1)
    result = compile_project(tmp_path)
    assert [str(d) for d in result.diagnostics] == [
        f"monitors/: error: monitors/ holds {count} spec files; obsgen reads at most {count - 1} [too-many-files]"]
