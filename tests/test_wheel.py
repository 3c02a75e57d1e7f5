"""The package people install: the wheel carries everything obsgen needs, installs into a clean venv
from the lock, and compiles the example from there; its runtime is lean (no moto without the
[sandbox] extra) and offline commands import neither boto3 nor moto.

Needs `uv` (the Makefile puts it on PATH from .tools/bin); skipped with a reason without it unless
OBSGEN_REQUIRE_TOOLS=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from obsgen import __version__
from test_startup import NOT_IMPORTED

REPO = Path(__file__).resolve().parent.parent
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "src")
EXAMPLE = ("monitors", "runbooks_src", "generated")
OFFLINE_COMMANDS = (["validate"], ["build", "--check"], ["build", "--env", "production"], ["schema"], ["presets"],
                    ["--version"])
HEAVY_MODULES = ("boto3", "botocore", "moto")

pytestmark = [pytest.mark.slow, pytest.mark.tools]


def _uv() -> str:
    found = shutil.which("uv") or shutil.which("uv", path=str(REPO / ".tools" / "bin"))
    if found is None:
        message = "uv is not installed (`make install` puts it in .tools/bin)"
        if os.environ.get("OBSGEN_REQUIRE_TOOLS") == "1":
            pytest.fail(message + "; OBSGEN_REQUIRE_TOOLS=1 makes it mandatory")
        pytest.skip(message)
    return found


def _run(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


class Installed:
    def __init__(self, root: Path, wheel: Path, venv: Path, example: Path):
        self.root, self.wheel, self.venv, self.example = root, wheel, venv, example
        self.python = venv / "bin" / "python"
        self.obsgen = venv / "bin" / "obsgen"

    def obsgen_run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.obsgen), *args], cwd=self.example, capture_output=True, text=True,
                              timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel built from a copy of the sources (so the repo is not written to), installed with
    its locked runtime dependencies, and a copy of the example project to run it on."""
    uv = _uv()
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy2
        copy(REPO / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                            if (REPO / name).is_dir() else {}))
    _run(uv, "build", "--wheel", "--out-dir", root / "dist", source)
    wheel = next((root / "dist").glob("obsgen-*.whl"))
    requirements = root / "runtime.txt"
    exported = _run(uv, "export", "--frozen", "--no-emit-project", "--no-header", "--format", "requirements-txt",
                    cwd=REPO)
    requirements.write_text(exported.stdout, encoding="utf-8")
    venv = root / "venv"
    _run(uv, "venv", "--quiet", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    _run(uv, "pip", "install", "--quiet", "--python", python, "--require-hashes", "-r", requirements)
    _run(uv, "pip", "install", "--quiet", "--python", python, "--no-deps", wheel)
    example = root / "example"
    for name in EXAMPLE:
        shutil.copytree(REPO / name, example / name)
    return Installed(root, wheel, venv, example)


def test_the_wheel_carries_templates_preset_data_site_assets_and_the_licence(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    package_files = {p.relative_to(REPO / "src").as_posix() for p in (REPO / "src" / "obsgen").rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts}
    assert package_files <= names, sorted(package_files - names)
    assert not [n for n in names if n.startswith("tests/") or "/tests/" in n]
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    assert f"{dist_info}/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(installed.wheel).read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert "Provides-Extra: sandbox" in metadata


def test_the_installed_package_validates_and_checks_the_example(installed: Installed) -> None:
    validated = installed.obsgen_run("validate")
    assert validated.returncode == 0, validated.stderr
    assert "spec is valid" in validated.stdout
    checked = installed.obsgen_run("build", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "up to date" in checked.stdout


def test_python_dash_m_and_dash_dash_version_print_the_version(installed: Installed) -> None:
    for command in ([str(installed.python), "-m", "obsgen", "--version"], [str(installed.obsgen), "--version"]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and result.stdout.strip() == __version__


def test_without_the_sandbox_extra_there_is_no_moto_and_the_sandbox_says_how_to_get_it(installed: Installed) -> None:
    listed = _run(_uv(), "pip", "list", "--python", installed.python, "--format", "freeze").stdout
    names = {line.split("==")[0].lower() for line in listed.splitlines()}
    assert "moto" not in names and "flask" not in names and "boto3" in names
    result = installed.obsgen_run("sandbox", "--port", "0")
    assert result.returncode == 2
    assert "pip install 'obsgen[sandbox]'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", OFFLINE_COMMANDS, ids=" ".join)
def test_offline_commands_import_neither_boto3_nor_moto(installed: Installed, command: list[str]) -> None:
    result = subprocess.run([str(installed.python), "-X", "importtime", "-m", "obsgen", *command],
                            cwd=installed.example, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    unwanted = set(HEAVY_MODULES) | NOT_IMPORTED.get(tuple(command), set())  # each command's own list (start-up)
    assert not imported & unwanted, sorted(imported & unwanted)
