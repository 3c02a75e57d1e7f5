"""Start-up (issue #22, target 4): what a short obsgen command costs before and around its work.

    .venv/bin/python benchmarks/startup.py                  # best of 15
    .venv/bin/python benchmarks/startup.py --repeat 30
    .venv/bin/python benchmarks/startup.py --baseline ../base/.venv/bin/obsgen

Each case runs as its own process, in rounds (every round runs every case once, so a burst of load
on this shared machine lands on all of them alike); the figures are the best wall and CPU (user +
system, from wait4) of the rounds. `python -c pass` is the floor (the interpreter alone), and the
bare imports of typer and rich show what the command-line layer costs before obsgen imports
anything of its own. A last run of each case under `python -X importtime` counts the modules it
imports and sums their own import times (importtime's figures are inflated by its own
measuring: compare them with each other, not with the wall times). With `--baseline`, another
obsgen (an older checkout's venv) runs the obsgen cases too, in the same rounds. Nothing here
asserts on time: it prints figures for docs/performance.md.

Every case runs twice over: with bytecode caches, as an installed obsgen runs (pip compiles them at
install, and Python writes them on first import otherwise; here they go to a private
PYTHONPYCACHEPREFIX that a first round fills), and as this sandbox runs: PYTHONDONTWRITEBYTECODE=1, so
only the caches already on disk are read: the stdlib's, and the venv's packages' where `make install`
compiled them (it does since issue #22; before, every command compiled each module it imported from
source, every time: a half to two thirds of its time), never obsgen's own (an editable install).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OBSGEN = Path(sys.executable).with_name("obsgen")

FLOORS = {
    "python -c pass": ["-c", "pass"],
    "import typer": ["-c", "import typer"],
    "import typer, rich.console": ["-c", "import typer, rich.console"],
}
COMMANDS = {
    "obsgen --version": ["--version"],
    "obsgen version": ["version"],
    "obsgen --help": ["--help"],
    "obsgen validate --help": ["validate", "--help"],
    "obsgen validate (example)": ["validate"],
    "obsgen build --check (example)": ["build", "--check"],
    "obsgen build --env production (example)": ["build", "--env", "production"],
}


def measure(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process; it must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    errors = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}:\n{errors.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def imports(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, float]:
    """Modules imported and the sum of their own import times (s), from `python -X importtime`."""
    done = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, check=True)
    own = [int(line.split("|")[0].split(":")[1]) for line in done.stderr.splitlines()
           if line.startswith("import time:") and not line.rstrip().endswith("package")]
    return len(own), sum(own) / 1e6


def python_of(obsgen: Path) -> Path:
    """The interpreter of an obsgen console script (its #! line), so it can run under -X importtime."""
    first = obsgen.read_text(encoding="utf-8").splitlines()[0]
    return Path(first.removeprefix("#!").strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--baseline", type=Path, help="another obsgen executable to compare with")
    args = parser.parse_args()
    tools = {"this": OBSGEN, **({"baseline": args.baseline.resolve()} if args.baseline else {})}

    with tempfile.TemporaryDirectory(prefix="obsgen-startup-") as tmp:
        cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        # Only the caches on disk: the stdlib's (from the Python install) and what `make install` compiled.
        compiling = {k: v for k, v in cached.items() if k != "PYTHONPYCACHEPREFIX"} | {"PYTHONDONTWRITEBYTECODE": "1"}
        cases: dict[str, tuple[list[str], Path]] = {
            name: ([sys.executable, *argv], Path(tmp)) for name, argv in FLOORS.items()}
        for tool, obsgen in tools.items():
            example = Path(tmp) / tool
            for part in ("monitors", "runbooks_src", "generated"):
                shutil.copytree(REPO / part, example / part, symlinks=True)
            measure([str(obsgen), "build"], example, compiling)  # generated/ current for build --check
            for name, argv in COMMANDS.items():
                label = name if tool == "this" else f"{name} [baseline]"
                cases[label] = ([str(python_of(obsgen)), str(obsgen), *argv], example)
        for argv, cwd in cases.values():  # fills the bytecode caches
            measure(argv, cwd, cached)
        envs = {"with bytecode caches": cached, "PYTHONDONTWRITEBYTECODE=1, the venvs as installed": compiling}
        best = {(mode, name): [float("inf"), float("inf")] for mode in envs for name in cases}
        for _ in range(args.repeat):
            for mode, env in envs.items():
                for name, (argv, cwd) in cases.items():
                    wall, cpu = measure(argv, cwd, env)
                    best[mode, name] = [min(best[mode, name][0], wall), min(best[mode, name][1], cpu)]
        counts = {(mode, name): imports(argv, cwd, env) for mode, env in envs.items()
                  for name, (argv, cwd) in cases.items()}

    print(f"start-up, best of {args.repeat} rounds, Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f}")
    for mode in envs:
        print(f"-- {mode}")
        print(f"{'case':<42} {'wall s':>7} {'CPU s':>7} {'modules':>8} {'import s':>9}")
        for name in cases:
            count, seconds = counts[mode, name]
            wall, cpu = best[mode, name]
            print(f"{name:<42} {wall:7.3f} {cpu:7.3f} {count:8d} {seconds:9.3f}")

if __name__ == "__main__":
    main()
