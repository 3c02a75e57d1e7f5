"""The CI examples people copy: obsgen is installed from a pinned source, never by its bare name
(the name is not published on any index; whoever registers it would run code with the job's role)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO / "examples" / "github-actions").glob("*.yml"))
# `pip install obsgen`, `pip install -U "obsgen[sandbox]"`: a name looked up on an index. `obsgen @ git+…` is not.
BARE_INSTALL = re.compile(r"pip install\s+(-\S+\s+)*['\"]?obsgen(\[[^\]]*\])?(?!\s*@)['\"]?(\s|$)")


def _run_steps(workflow: Path) -> list[dict]:
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    return [step for job in data["jobs"].values() for step in job["steps"] if "run" in step]


def test_there_are_workflow_examples_to_check() -> None:
    assert WORKFLOWS


def test_no_example_workflow_installs_obsgen_by_its_bare_name() -> None:
    for workflow in WORKFLOWS:
        for step in _run_steps(workflow):
            assert not BARE_INSTALL.search(step["run"]), f"{workflow.name}: {step['run']}"


def test_example_workflows_install_obsgen_from_a_full_commit_sha() -> None:
    for workflow in WORKFLOWS:
        installs = [s for s in _run_steps(workflow) if "pip install" in s["run"] and "obsgen" in s["run"]]
        assert installs, f"{workflow.name} installs obsgen somewhere"
        for step in installs:
            assert "git+" in step["run"] and "@${OBSGEN_COMMIT}" in step["run"]
            assert re.fullmatch(r"[0-9a-f]{40}", step["env"]["OBSGEN_COMMIT"])
