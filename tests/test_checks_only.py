"""`obsgen validate` judges the build without making the texts nobody reads: under
targets.base.checks_only the CloudWatch alarms' and dashboards' JSON files are left empty, and every
diagnostic is the same as a build's."""

from __future__ import annotations

import threading
from pathlib import Path

from obsgen.compiler import compile_project, validate
from obsgen.targets.base import checked_json, checks_only

REPO = Path(__file__).resolve().parents[1]
SKIPPED = ("/cloudwatch/", "/dashboards/")


def test_under_checks_only_the_json_texts_are_not_made_and_the_diagnostics_are_the_same():
    full = compile_project(REPO, pages=False)
    with checks_only():
        judged = compile_project(REPO, pages=False)
    assert [str(d) for d in judged.diagnostics] == [str(d) for d in full.diagnostics]
    left_out = [rel for rel in judged.files if any(part in rel for part in SKIPPED) and rel.endswith(".json")]
    assert len(left_out) > 20 and all(judged.files[rel] == "" for rel in left_out)
    assert all(full.files[rel].startswith("{") for rel in left_out)
    others = [rel for rel in judged.files if rel not in left_out]
    assert others and all(judged.files[rel] == full.files[rel] for rel in others)  # prometheus/, sns/, routing.md


def test_the_switch_ends_with_its_block_and_never_reaches_another_thread():
    seen = []
    with checks_only():
        thread = threading.Thread(target=lambda: seen.append(checked_json({"a": 1})))
        thread.start()
        thread.join()
        assert checked_json({"a": 1}) == ""
    assert seen == ['{\n  "a": 1\n}\n'] and checked_json({"a": 1}) == '{\n  "a": 1\n}\n'
