"""obsgen next to the AWS CDK for the same CloudWatch alarms (issue #22, target 5).

    .venv/bin/python benchmarks/cdk_compare.py                    # 1,000 and 10,000 alarms, 3 rounds
    .venv/bin/python benchmarks/cdk_compare.py --services 100 --repeat 5
    .venv/bin/python benchmarks/cdk_compare.py --baseline ../base/.venv/bin/obsgen   # an older obsgen too

Set up once (Node 20+; the versions are pinned in benchmarks/cdk/package-lock.json):

    (cd benchmarks/cdk && npm ci)

For each size it generates benchmarks/compile.py's synthetic project (10 alarms a service: 8 metric
alarms, 2 composites), builds it with obsgen, and gives the CloudWatch parameters obsgen generated
(generated/<env>/cloudwatch/*.json) to the CDK app in benchmarks/cdk/app.js, which makes each alarm a
CfnAlarm / CfnCompositeAlarm with the same properties. Before timing, it checks that the CDK's
templates hold exactly those properties, alarm for alarm, so both tools do equivalent work.

Then, in interleaved rounds (every command once a round, so load on this shared machine lands on
all alike), each command runs as its own process:
- `cdk synth`:       the CDK CLI (`node_modules/.bin/cdk synth -q`), which runs `node app.js` as
                     cdk.json says and reads the cloud assembly back: what a CDK user runs, and what
                     the target is measured against;
- `node app.js`:     the CDK app alone (its `app.synth()`), without the CLI's own start-up and checks:
                     the least the CDK can spend, shown for reference;
- `obsgen build --env ENV`: one environment's alarms, dashboards, rules (no runbooks or site), in the
                     project whose generated/ also holds the site and runbooks of the full build (each
                     build swaps in a whole new tree, so it carries them over: 21,000 hard links and
                     1,000 directories at 10,000 alarms);
- `build --env, no site`: the same in a copy only ever built per environment (generated/ holds
                     env0/ and the schema file), as a pipeline that never builds the site has it;
- `obsgen build --full`: everything (runbooks and the site too), every service compiled;
- `obsgen build`:    the same with nothing changed since the last build: the incremental build, which
                     compiles nothing (docs/incremental-builds.md).
- `build --env, cold cache`: `build --env ENV --no-cache` in the first project: every spec file parsed
                     (the other rows read the files parsed before from the user's cache, as a user's
                     second build does; a fresh CI machine's first build is this row).
The figure is CPU seconds, user + system of the process and every child it waited for (wait4), best
of the rounds; ratios are taken within one run. Targets: `cdk synth` / `build --env` >= 20x, `cdk
synth` / `build` >= 5x. `--baseline` runs another obsgen's two builds in the same rounds, on its own
copy of the project, for before/after figures. Without node or the CDK packages it says why and exits 0: this is a script
for docs/performance.md, never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CDK_DIR = HERE / "cdk"
OBSGEN = Path(sys.executable).with_name("obsgen")
sys.path.insert(0, str(HERE))
from compile import generate  # noqa: E402  (benchmarks/ is scripts, not a package)

ENV = "env0"
# The CDK CLI asks the network for notices and reports telemetry unless told not to; neither is synth work.
CDK_ENV = {"CDK_DISABLE_CLI_TELEMETRY": "true", "CDK_DISABLE_VERSION_CHECK": "1"}


@dataclass
class Figures:
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)


def missing_tools() -> str | None:
    """Why the CDK side cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    for package in ("aws-cdk-lib", "constructs", "aws-cdk"):
        if not (CDK_DIR / "node_modules" / package / "package.json").is_file():
            return f"{package} is not installed: run `npm ci` in {CDK_DIR}"
    return None


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """CPU (user + sys, children included) and wall seconds of one process; output discarded."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors,
                                env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(argv)} exited {code}:\n{errors.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def cdk_commands(cloudwatch: Path, out: Path) -> dict[str, tuple[list[str], Path, dict[str, str]]]:
    env = {**CDK_ENV, "OBSGEN_CLOUDWATCH": str(cloudwatch)}
    cli = str(CDK_DIR / "node_modules" / "aws-cdk" / "bin" / "cdk")
    return {
        "cdk synth": (["node", cli, "synth", "-q", "--no-notices", "--no-version-reporting",
                       "--output", str(out / "cdk.out")], CDK_DIR, env),
        "node app.js": (["node", str(CDK_DIR / "app.js")], out, env),
    }


def check_equivalent(cloudwatch: Path, assembly: Path) -> int:
    """Every alarm obsgen generated is one resource of the CDK's templates with the same properties."""
    expected = {}
    for path in sorted(cloudwatch.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for kind, params in [("AWS::CloudWatch::Alarm", a) for a in doc.get("MetricAlarms", [])] + \
                            [("AWS::CloudWatch::CompositeAlarm", a) for a in doc.get("CompositeAlarms", [])]:
            expected[params["AlarmName"]] = (kind, _tags_sorted(params))
    found = {}
    for template in sorted(assembly.glob("*.template.json")):
        for resource in json.loads(template.read_text(encoding="utf-8"))["Resources"].values():
            found[resource["Properties"]["AlarmName"]] = (resource["Type"], _tags_sorted(resource["Properties"]))
    if found != expected:
        differ = sorted(name for name in expected.keys() | found.keys() if found.get(name) != expected.get(name))
        raise SystemExit(f"the CDK's templates differ from obsgen's parameters for {len(differ)} alarms, "
                         f"e.g. {differ[:3]}")
    return len(found)


def _tags_sorted(properties: dict) -> dict:
    """The CDK renders tags in its own order (a tag manager sorts them); AWS keeps them as a set."""
    return {**properties, "Tags": sorted(properties.get("Tags", []), key=lambda tag: tag["Key"])}


def measure(services: int, repeat: int, tmp: Path, baseline: Path | None) -> None:
    root = tmp / f"project-{services}"
    alarms = generate(root, services, envs=1)
    env_only = tmp / f"env-only-{services}"  # a project only ever built per environment: no site in generated/
    shutil.copytree(root, env_only, symlinks=True)
    run([str(OBSGEN), "build", "--env", ENV], env_only)
    run([str(OBSGEN), "build"], root)  # generated/ complete: the CDK reads its CloudWatch parameters
    cloudwatch = root / "generated" / ENV / "cloudwatch"
    cdk = cdk_commands(cloudwatch, tmp)
    run(*cdk["node app.js"][:2], env=cdk["node app.js"][2])
    checked = check_equivalent(cloudwatch, tmp / "cdk.out")
    commands = {**cdk,
                "obsgen build --env": ([str(OBSGEN), "build", "--env", ENV], root, {}),
                "build --env, no site": ([str(OBSGEN), "build", "--env", ENV], env_only, {}),
                "build --env, cold cache": ([str(OBSGEN), "build", "--env", ENV, "--no-cache"], root, {}),
                "obsgen build --full": ([str(OBSGEN), "build", "--full"], root, {}),
                "obsgen build": ([str(OBSGEN), "build"], root, {})}  # nothing changed: the incremental build
    if baseline is not None:
        other = tmp / f"baseline-{services}"
        shutil.copytree(root, other, symlinks=True)
        run([str(baseline), "build"], other)
        commands |= {"baseline build --env": ([str(baseline), "build", "--env", ENV], other, {}),
                     "baseline build": ([str(baseline), "build"], other, {})}
    figures = {name: Figures() for name in commands}
    for _ in range(repeat):
        for name, (argv, cwd, env) in commands.items():
            cpu, wall = run(argv, cwd, env)
            figures[name].cpu.append(cpu)
            figures[name].wall.append(wall)
    print(f"\n{alarms:,} alarms ({services} services; {checked:,} alarms checked equal in the CDK's templates), "
          f"best of {repeat} rounds:")
    for name, fig in figures.items():
        print(f"  {name:<24} CPU {min(fig.cpu):7.2f} s   wall {min(fig.wall):7.2f} s")
    best = {name: min(fig.cpu) for name, fig in figures.items()}
    for cdk_name in cdk:
        for ours, target in (("obsgen build --env", 20), ("build --env, no site", 20),
                             ("build --env, cold cache", 20), ("obsgen build --full", 5), ("obsgen build", 5),
                             ("baseline build --env", 20), ("baseline build", 5)):
            if ours not in best:
                continue
            ratio = best[cdk_name] / best[ours]
            verdict = "" if cdk_name != "cdk synth" else f"  (target >= {target}x: {'met' if ratio >= target else 'NOT met'})"
            print(f"  {cdk_name} / {ours:<23} {ratio:6.2f}x less CPU{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", default="100,1000", help="comma-separated sizes (10 alarms a service)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another obsgen executable to compare with")
    args = parser.parse_args()
    why = missing_tools()
    if why:
        print(f"skipped: {why}")
        return
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    versions = {p: json.loads((CDK_DIR / "node_modules" / p / "package.json").read_text())["version"]
                for p in ("aws-cdk-lib", "aws-cdk", "constructs")}
    print(f"obsgen vs AWS CDK: Python {sys.version.split()[0]}, node {node}, "
          + ", ".join(f"{p} {v}" for p, v in versions.items()))
    with tempfile.TemporaryDirectory(prefix="obsgen-cdk-") as tmp:
        for services in (int(s) for s in args.services.split(",")):
            measure(services, args.repeat, Path(tmp), args.baseline.resolve() if args.baseline else None)


if __name__ == "__main__":
    main()
