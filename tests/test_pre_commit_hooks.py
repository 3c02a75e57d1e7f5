"""The pre-commit hooks run whenever one of obsgen's inputs changes (issue 14, item 15): a broken
runbook template in runbooks_src/ was "Skipped"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from obsgen.generated_tree import GENERATED_DIR
from obsgen.language.load import MONITORS_DIR, RUNBOOKS_DIR

HOOKS = {hook["id"]: hook for hook in yaml.safe_load(
    (Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
# What each hook reads: the spec and the runbook sources; build --check also the tree it compares.
INPUTS = {"obsgen-validate": (MONITORS_DIR, RUNBOOKS_DIR), "obsgen-drift": (MONITORS_DIR, RUNBOOKS_DIR),
          "obsgen-build-check": (MONITORS_DIR, RUNBOOKS_DIR, GENERATED_DIR)}
# Files of each input directory, at any depth, in a project at the repository's root or below it.
EXAMPLES = {MONITORS_DIR: ["orders.yaml", "team/payments.yml", "orders.YAML"],
            RUNBOOKS_DIR: ["orders.md", "_partials/header.md", "macros.j2"],
            GENERATED_DIR: ["production/routing.md", "site/index.html"]}


def runs_on(hook: str, path: str) -> bool:
    """pre-commit's own test: `re.search` of the hook's `files` pattern on the repository path."""
    return re.search(HOOKS[hook].get("files", ""), path) is not None


def test_every_hook_has_its_inputs_listed():
    assert set(HOOKS) == set(INPUTS)


@pytest.mark.parametrize("hook", sorted(INPUTS))
@pytest.mark.parametrize("prefix", ["", "infra/monitoring/"])
def test_a_hook_runs_when_any_of_its_inputs_changes(hook, prefix):
    missed = [prefix + directory + "/" + name for directory in INPUTS[hook] for name in EXAMPLES[directory]
              if not runs_on(hook, prefix + directory + "/" + name)]
    assert missed == []


@pytest.mark.parametrize("hook", sorted(INPUTS))
def test_a_hook_is_skipped_for_files_that_are_no_input(hook):
    for path in ("src/app.py", "README.md", "docs/monitors.md", "my_monitors/x.yaml", "runbooks/orders.md"):
        assert not runs_on(hook, path), path
    if GENERATED_DIR not in INPUTS[hook]:
        assert not runs_on(hook, "generated/production/routing.md")
