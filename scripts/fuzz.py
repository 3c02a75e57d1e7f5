#!/usr/bin/env python3
"""Fuzz obsgen: damaged copies of the example project through `obsgen validate`, each bounded in time.

    .venv/bin/python scripts/fuzz.py --runs 4000 --seed 1 [--save fuzz-findings/] [--promtool]

The cases and the checks are those of tests/test_fuzz.py (tests/fuzzing.py, tests/mutators.py), run longer:
every case is judged (internal errors, hangs, crashes, unlocated errors, diagnostics not on one line, exit
codes; long diagnostics and columns past the end of their line are noted), and the run ends with the figures
by kind, with one example of each distinct finding. `--save DIR` writes a reproducer per distinct finding:
the files that differ from the example project and what was found (`cp -r monitors runbooks_src` into an
empty directory, copy the saved files over them, run `obsgen validate -C` there). The same seed gives the
same cases. Exit status: 1 when any failing finding was seen.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fuzzing import FAILING_KINDS, NOTE_KINDS, TIMEOUT, BoundedRunner, Case, Finding, Outcome, mutate_project  # noqa: E402


def signature(finding: Finding) -> str:
    """What makes two findings the same problem: the kind and the detail without its numbers and values."""
    detail = finding.detail
    located = re.match(r"(\w+)/\S*?:\d+:\d+: \w+: .* \[([a-z0-9-]+)\]$", detail)
    if located:  # a diagnostic: its code and its file's folder
        return f"{finding.kind} [{located[2]}] in {located[1]}/"
    return f"{finding.kind}: " + re.sub(r"\d+", "N", re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", detail))[:160]


def save(directory: Path, index: int, case: Case, outcome: Outcome) -> Path:
    folder = directory / f"{index:03d}-{outcome.findings[0].kind}"
    for rel, content in case.files.items():  # the case as kept: only the files that differ from the example
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    report = ["edits: " + "; ".join(case.edits), *map(str, outcome.findings)]
    (folder / "FINDING.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per case before it is a hang")
    parser.add_argument("--save", type=Path, help="write one reproducer per distinct finding here")
    parser.add_argument("--promtool", action="store_true", help="let validate run promtool (slower)")
    args = parser.parse_args()

    cases = 0
    exits: Counter[str] = Counter()
    families: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()  # cases with at least one finding of the kind
    distinct: dict[str, tuple[Case, Outcome]] = {}
    counts: Counter[str] = Counter()
    slowest: tuple[float, Case | None] = (0.0, None)
    started = time.monotonic()

    with BoundedRunner(args.timeout, args.promtool) as runner:
        @seed(args.seed)
        @settings(max_examples=args.runs, deadline=None, database=None, derandomize=False,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(data=st.data())
        def one(data: st.DataObject) -> None:
            nonlocal cases, slowest
            case = mutate_project(data.draw)
            outcome = runner.run(case.files)
            cases += 1
            if outcome.exit_code is not None and outcome.seconds > slowest[0]:
                slowest = (outcome.seconds, Case(case.changed(), case.edits))
            families.update({e.split(": ", 1)[1] for e in case.edits})
            ending = next((f.kind for f in outcome.findings if f.kind in ("internal-error", "hang", "crash")), None)
            exits[ending or f"exit {outcome.exit_code}"] += 1
            by_kind.update({f.kind for f in outcome.findings})
            for finding in outcome.findings:
                key = signature(finding)
                counts[key] += 1
                distinct.setdefault(key, (Case(case.changed(), case.edits), outcome))
            if cases % 100 == 0:
                print(f"{cases} cases, {time.monotonic() - started:.0f} s, findings: {dict(by_kind) or 'none'}",
                      file=sys.stderr, flush=True)

        one()

    elapsed = time.monotonic() - started
    print(f"\n{cases} cases (seed {args.seed}, {args.timeout:g} s per case, promtool "
          f"{'on' if args.promtool else 'off'}) in {elapsed:.0f} s")
    if slowest[1] is not None:
        where = f" -> {save(args.save, 0, slowest[1], Outcome([Finding('slowest', f'{slowest[0]:.1f} s')]))}" if args.save else ""
        print(f"slowest case that answered: {slowest[0]:.1f} s ({'; '.join(slowest[1].edits)}){where}")
    print("outcomes: " + ", ".join(f"{k}: {v}" for k, v in sorted(exits.items())))
    print("edits (cases touching each family): " + ", ".join(f"{k}: {v}" for k, v in sorted(families.items())))
    print("\n| kind | cases |\n|---|---|")
    for kind in (*FAILING_KINDS, *NOTE_KINDS):
        print(f"| {kind} | {by_kind[kind]} |")
    if distinct:
        print("\ndistinct findings (occurrences, one example each):")
        for index, (key, (case, outcome)) in enumerate(sorted(distinct.items()), 1):
            example = next(f for f in outcome.findings if signature(f) == key)
            where = f" -> {save(args.save, index, case, outcome)}" if args.save else ""
            print(f"- {counts[key]} x {key}\n    {example}\n    edits: {'; '.join(case.edits)}{where}")
    return 1 if any(by_kind[kind] for kind in FAILING_KINDS) else 0


if __name__ == "__main__":
    sys.exit(main())
