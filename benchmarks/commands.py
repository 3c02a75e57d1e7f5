"""What users wait for (issue #22): obsgen's commands as a user runs them, side by side.

    .venv/bin/python benchmarks/commands.py --project /tmp/big      # a project made by compile.py --keep
    .venv/bin/python benchmarks/commands.py --project /tmp/big --repeat 5 --only build-env,build
    .venv/bin/python benchmarks/commands.py --project /tmp/big --baseline ../base/.venv/bin/obsgen

Each command runs as its own process (`obsgen ...`, start-up included, exactly what a user or a
pre-commit hook pays) on a private copy of the project, in rounds: every round runs every command
once, in the same order, so a burst of load on this shared machine lands on all of them alike.
The figure is the CPU the process used (user + system, from wait4), best of the rounds; wall time
is shown beside it, and the process's peak RSS (wait4's ru_maxrss: that one child's own high-water
mark, which getrusage(RUSAGE_CHILDREN) would mix with every earlier child's), the highest of the
rounds, against issue #22's 500 MB for `build --env` of 50,000 alarms and the full build of 30,000
monitors (`compile.py --services 5000 --keep DIR`, `--services 3000`). Ratios are taken between commands of the same run. With `--baseline`, another
obsgen (an older checkout's venv) runs every command too, right after this one, on its own copy of
the project, for before/after figures from the same minutes. Nothing here asserts on
time: it prints figures for docs/performance.md.

Commands (`--only` picks some):
- version:      `obsgen --version`
- validate-ex:  `obsgen validate` of the example project (the repository's own monitors/)
- build-env:    `obsgen build --env ENV` (one environment's alarms, no runbooks or site)
- build:        `obsgen build --full` (everything compiled: every environment, runbooks and the site)
- build-again:  `obsgen build` again with nothing changed (the incremental build: nothing compiled)
- check:        `obsgen build --check --full` on an up-to-date generated/
- check-again:  `obsgen build --check` on an up-to-date generated/ (incremental: what a pre-commit hook pays)
- validate:     `obsgen validate`
- touch-build:  one service file changed (a comment), then `obsgen build`
- edit-build:   one service's threshold changed (its alarms, dashboard and ~10 runbook pages change), then `obsgen build`
- edit-check:   one service's threshold changed, then `obsgen build --check` (which finds generated/ stale: exit 1)
- build-env-cold, validate-cold: `build --env ENV` and `validate` without the cache (OBSGEN_NO_CACHE=1): every
                spec file parsed, as on a fresh CI machine (an obsgen before the parse cache ignores it in validate)

An obsgen without the incremental build (a baseline older than it) runs `build` and `build --check` without
`--full`: every build of it is a full one.

Each obsgen gets its own, initially empty, cache of rendered pages (OBSGEN_CACHE_DIR, render_cache.py),
filled by the first build before the rounds, as a user's is after their first build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
OBSGEN = Path(sys.executable).with_name("obsgen")


TARGET_MB = 500  # peak RSS, issue #22 target 8


@dataclass
class Figures:
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)  # MiB

    def best(self) -> float:
        return min(self.cpu)


def run(args: list[str], cwd: Path, obsgen: Path = OBSGEN, cache: Path | None = None,
        allowed: tuple[int, ...] = (0,), cold: bool = False) -> tuple[float, float, float]:
    """CPU (user + sys) and wall seconds, and peak RSS in MiB, of one `obsgen` process; its output is
    discarded. `cache`: its OBSGEN_CACHE_DIR; `allowed`: the exit codes that are not a failure; `cold`:
    OBSGEN_NO_CACHE=1."""
    env = {**os.environ, **({"OBSGEN_CACHE_DIR": str(cache)} if cache else {}), **({"OBSGEN_NO_CACHE": "1"} if cold else {})}
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: validate may warn for pages
        start = time.perf_counter()
        proc = subprocess.Popen([str(obsgen), *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in allowed:
            errors.seek(0)
            raise SystemExit(f"{obsgen} {' '.join(args)} exited {code}:\n{errors.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024  # KiB on Linux


def project_env(project: Path) -> str:
    """The first environment the project defines (in monitors/obsgen.yaml)."""
    import yaml

    spec = yaml.safe_load((project / "monitors" / "obsgen.yaml").read_text(encoding="utf-8"))
    return next(iter(spec["environments"]))


def first_env(project: Path) -> str:
    generated = project / "generated"
    envs = sorted(p.name for p in generated.iterdir() if p.is_dir() and p.name not in ("runbooks", "site"))
    if not envs:
        raise SystemExit(f"{project}: build it once first (no generated/<env>/)")
    return envs[0]


def touch_service(project: Path) -> None:
    """Change one service file's bytes (a comment), as a user editing one service would."""
    target = sorted((project / "monitors").glob("*.yaml"))[-1]
    with target.open("a", encoding="utf-8") as out:
        out.write(f"# edited {time.perf_counter_ns()}\n")


def edit_service(project: Path) -> None:
    """Change one service's first threshold, toggling between two values, so every edit changes the
    output: that service's alarms and dashboard, and the runbook pages that state the threshold."""
    target = sorted((project / "monitors").glob("*.yaml"))[-1]
    text = target.read_text(encoding="utf-8")
    old, new = ('threshold: "> 10"', 'threshold: "> 11"') if 'threshold: "> 10"' in text else \
        ('threshold: "> 11"', 'threshold: "> 10"')
    if old not in text:
        raise SystemExit(f"{target}: no 'threshold: \"> 10\"' to edit (a project made by compile.py?)")
    target.write_text(text.replace(old, new, 1), encoding="utf-8")


def commands(project: Path, example: Path, env: str) -> dict[str, tuple[list[str], Path, Callable[[], None]]]:
    nothing: Callable[[], None] = lambda: None
    return {
        "version": (["--version"], project, nothing),
        "validate-ex": (["validate"], example, nothing),
        "build-env": (["build", "--env", env], project, nothing),
        "build": (["build", "--full"], project, nothing),
        "build-again": (["build"], project, nothing),
        "check": (["build", "--check", "--full"], project, nothing),
        "check-again": (["build", "--check"], project, nothing),
        "validate": (["validate"], project, nothing),
        "touch-build": (["build"], project, lambda: touch_service(project)),
        "edit-check": (["build", "--check"], project, lambda: edit_service(project)),
        "edit-build": (["build"], project, lambda: edit_service(project)),
        "build-env-cold": (["build", "--env", env], project, nothing),
        "validate-cold": (["validate"], project, nothing),
    }


COLD = ("build-env-cold", "validate-cold")  # run with OBSGEN_NO_CACHE=1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated command names")
    parser.add_argument("--baseline", type=Path, action="append", default=[],
                        help="another obsgen executable to compare with (repeat for several)")
    args = parser.parse_args()
    tools = {"this": OBSGEN, **{("baseline" if i == 0 else f"baseline{i + 1}"): b.resolve()
                                for i, b in enumerate(args.baseline)}}

    with tempfile.TemporaryDirectory(prefix="obsgen-commands-") as tmp:
        tables = {}
        for tool, obsgen in tools.items():
            project, example = Path(tmp) / tool / "project", Path(tmp) / tool / "example"
            shutil.copytree(args.project, project, symlinks=True)
            for part in ("monitors", "runbooks_src", "generated"):
                shutil.copytree(REPO / part, example / part, symlinks=True)
            # generated/ complete and current before the first round; one environment's build is enough
            # when only `build --env` is measured (a full build of 50,000 monitors takes minutes)
            one_env = args.only and set(args.only.split(",")) <= {"version", "validate-ex", "build-env"}
            cache = Path(tmp) / tool / "cache"
            run(["build", "--env", project_env(project)] if one_env else ["build"], project, obsgen, cache)
            run(["build"], example, obsgen, cache)
            tables[tool] = commands(project, example, first_env(project))
        knows_full = {tool: "--full" in subprocess.run([str(obsgen), "build", "--help"], capture_output=True,
                                                     text=True, env={**os.environ, "COLUMNS": "200"}).stdout
                      for tool, obsgen in tools.items()}
        chosen = [name for name in tables["this"] if not args.only or name in args.only.split(",")]
        figures = {(tool, name): Figures() for tool in tools for name in chosen}
        for _ in range(args.repeat):
            for name in chosen:
                for tool, obsgen in tools.items():
                    argv, cwd, before = tables[tool][name]
                    if not knows_full[tool]:
                        argv = [a for a in argv if a != "--full"]
                    before()
                    stale_is_expected = (0, 1) if name == "edit-check" else (0,)
                    cpu, wall, rss = run(argv, cwd, obsgen, Path(tmp) / tool / "cache", stale_is_expected, name in COLD)
                    figures[tool, name].cpu.append(cpu)
                    figures[tool, name].wall.append(wall)
                    figures[tool, name].rss.append(rss)

    print(f"obsgen commands: {args.project} ({args.repeat} rounds), Python {sys.version.split()[0]}")
    for tool in tools:
        print(f"-- {tool}: {tools[tool]}")
        for name in chosen:
            fig = figures[tool, name]
            peak = max(fig.rss)
            verdict = f" ({peak * 2**20 / 1e6:.0f} MB, target <= {TARGET_MB} MB)" if name in ("build-env", "build") else ""
            print(f"{name:<12} CPU best {fig.best():7.2f} s   wall best {min(fig.wall):7.2f} s   "
                  f"peak RSS {peak:6.0f} MiB{verdict}")
        for a, b, target in (("build", "build-env", "target <= 2x"), ("validate", "build-env", "target <= 1.2x"),
                             ("check", "build", ""), ("edit-build", "build-env", ""), ("edit-build", "version", ""),
                             ("build-again", "version", ""), ("check-again", "version", ""), ("edit-check", "version", "")):
            if (tool, a) in figures and (tool, b) in figures:
                ratio = figures[tool, a].best() / figures[tool, b].best()
                print(f"{a} / {b}{'':<{20 - len(a) - len(b)}} {ratio:5.2f}x {target}")
    for tool in list(tools)[1:]:  # the same command, this obsgen against each baseline, same rounds
        print(f"-- this / {tool}, CPU best (wall best)")
        for name in chosen:
            ours, theirs = figures["this", name], figures[tool, name]
            print(f"{name:<12} {ours.best() / theirs.best():5.2f}x ({min(ours.wall) / min(theirs.wall):5.2f}x)")


if __name__ == "__main__":
    main()
