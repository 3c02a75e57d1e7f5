"""An incremental `obsgen build` never serves a stale file (issue #22, target 3).

Written against the CLI's contract only, so that it runs on every build obsgen has had: after each edit,
`obsgen build` in the project (the same cache directory as the builds before it) must leave generated/
exactly as `obsgen build --no-cache` leaves it in a fresh copy of the project's inputs, and `build --check`
must say the same, before the build, as `build --check --no-cache` does. Where every build is a full build
this holds trivially; once builds take only the changed service files from the spec, this suite is what
says they took enough.

When the incremental path is taken, the line `wrote N files to generated/ for ENVS` ends with
` (K of M service files compiled again, the rest reused)`. It is taken only when the last build of this
generated/ with this cache directory was a successful `obsgen build` (no --env) without any diagnostic;
the project file, every runbooks_src/ file outside a service's own directory, the set of spec file paths
and obsgen itself are unchanged; the project uses no SLO, maintenance window, event route, budget,
Prometheus rule, project dashboard, `deploy: cloudformation` or stackset; and the new build has no
diagnostic. `assert_incremental` checks the path was taken (for the plain edits that must take it; a
no-op until `obsgen.incremental` exists), `assert_full` that it was not (where the contract rules it
out). The edits the implementation may serve either way (a service renamed, a composite naming a new
service, a file added) are checked for correctness only.

Each test has its own cache directory (the `cache` fixture), so no test sees another's last build. Edits
follow the build within milliseconds and many keep the file's size ("> 5" -> "> 7", a generated file's byte
flipped), so a record of sizes and modification times alone cannot pass this suite."""

from __future__ import annotations

import difflib
import importlib.util
import os
import random
import re
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional, Union

import pytest
import yaml
from typer.testing import CliRunner, Result

from obsgen.cli import app

from incremental_project import (FEATURES, Spec, copy_inputs, edit_project, edit_service, make_simple,
                                 make_with_feature, monitors, service_file, services, write_spec)

runner = CliRunner()
GENERATED = "generated"
WROTE = re.compile(r"^wrote \d+ files to generated/ for [^\n(]+?"
                   r"(?: \((?P<k>\d+) of (?P<m>\d+) service files compiled again, the rest reused\))?$", re.M)
SIMPLE_SERVICES = 6


# --- running obsgen ------------------------------------------------------------------------------


def obsgen_build(root: Path, *flags: str) -> Result:
    return runner.invoke(app, ["build", "-C", str(root), *flags])


def shown(result: Result) -> str:
    return f"exit {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


def build_ok(root: Path) -> Result:
    """A build that must succeed without a single diagnostic (a warning keeps the incremental path off)."""
    result = obsgen_build(root)
    assert result.exit_code == 0, shown(result)
    assert result.stderr == "", f"the build printed diagnostics:\n{shown(result)}"
    return result


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache directory of the test's own: the incremental record of one test is never another's."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(directory))
    monkeypatch.delenv("OBSGEN_NO_CACHE", raising=False)
    return directory


@pytest.fixture
def simple(tmp_path: Path, cache: Path) -> Path:
    """The simple project, fully built once (its first build: a full one)."""
    root = make_simple(tmp_path / "project")
    assert_full(build_ok(root))
    return root


# --- the oracle ----------------------------------------------------------------------------------

Entry = Union[bytes, tuple[str, str]]


def tree(root: Path) -> dict[str, Entry]:
    """Everything under root/generated: a file's bytes, ("dir", "") for each directory (so an empty one
    counts), ("link", target) for a symbolic link, ("special", mode) for anything else."""
    found: dict[str, Entry] = {}
    base = root / GENERATED

    def walk(directory: Path) -> None:
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            rel = os.path.relpath(entry.path, base)
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                found[rel] = ("link", os.readlink(entry.path))
            elif stat.S_ISDIR(mode):
                found[rel] = ("dir", "")
                walk(Path(entry.path))
            elif stat.S_ISREG(mode):
                found[rel] = Path(entry.path).read_bytes()
            else:
                found[rel] = ("special", oct(mode))

    if base.is_dir():
        walk(base)
    return found


def _difference(got: dict[str, Entry], want: dict[str, Entry], label: str) -> str:
    """What differs, starting with the first file whose bytes differ, as a unified diff."""
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    changed = sorted(p for p in set(got) & set(want) if got[p] != want[p])
    lines = [f"{label}: generated/ is not what a clean build makes"]
    if missing:
        lines.append(f"missing ({len(missing)}): {', '.join(missing[:10])}")
    if extra:
        lines.append(f"extra ({len(extra)}): {', '.join(extra[:10])}")
    if changed:
        lines.append(f"different ({len(changed)}): {', '.join(changed[:10])}")
        first = changed[0]
        old, new = got[first], want[first]
        if isinstance(old, bytes) and isinstance(new, bytes):
            diff = difflib.unified_diff(old.decode(errors="replace").splitlines(),
                                        new.decode(errors="replace").splitlines(),
                                        f"incremental/{first}", f"clean/{first}", lineterm="", n=2)
            lines += list(diff)[:80]
        else:
            lines.append(f"{first}: {old!r:.200} here, {new!r:.200} in the clean build")
    return "\n".join(lines)


def assert_same_as_clean_build(project: Path) -> None:
    """generated/ equals what `obsgen build --no-cache` makes of a fresh copy of the project's inputs:
    the same files, directories and links, with the same bytes."""
    clean = Path(tempfile.mkdtemp(prefix="clean-", dir=project.parent))
    try:
        copy_inputs(project, clean)
        result = obsgen_build(clean, "--no-cache")
        assert result.exit_code == 0, f"the clean build failed:\n{shown(result)}"
        got, want = tree(project), tree(clean)
        assert got == want, _difference(got, want, str(project))
    finally:
        shutil.rmtree(clean)


def check_lines(result: Result) -> list[str]:
    """What `build --check` lists, in a stable order."""
    return sorted(line for line in result.stderr.splitlines() if line.startswith(("stale: ", "leftover: ")))


def assert_check_agrees(project: Path) -> Result:
    """`build --check` (warm: this project's cache) says what `build --check --no-cache` says of the same
    tree: the same exit code and the same stale files, or the same errors."""
    warm = obsgen_build(project, "--check")
    cold = obsgen_build(project, "--check", "--no-cache")
    assert warm.exit_code == cold.exit_code, f"warm:\n{shown(warm)}\ncold:\n{shown(cold)}"
    assert check_lines(warm) == check_lines(cold), f"warm:\n{shown(warm)}\ncold:\n{shown(cold)}"
    if warm.exit_code == 1 and not check_lines(warm):  # errors in the spec: the same ones
        assert warm.stderr == cold.stderr
    return warm


def assert_step(project: Path, *, stale: Optional[bool] = True, clean: bool = True) -> Result:
    """One edit's round: `build --check` before the build agrees with a clean check (and fails, when the edit
    makes something stale), the build succeeds (without diagnostics when `clean`), generated/ equals a clean
    build's, and `build --check` then passes. Returns the build's result."""
    before = assert_check_agrees(project)
    if stale is not None:
        assert (before.exit_code == 1) == stale, shown(before)
        if stale:
            assert check_lines(before), shown(before)
    built = build_ok(project) if clean else obsgen_build(project)
    assert built.exit_code == 0, shown(built)
    assert_same_as_clean_build(project)
    after = obsgen_build(project, "--check")
    assert after.exit_code == 0, f"build --check right after the build:\n{shown(after)}"
    return built


def assert_fails_and_writes_nothing(project: Path, *expected: str) -> None:
    """The build exits 1 naming the problem, generated/ stays byte for byte as it was, and `--check` agrees."""
    before = tree(project)
    assert_check_agrees(project)
    result = obsgen_build(project)
    assert result.exit_code == 1, shown(result)
    assert "nothing was written" in result.stderr, shown(result)
    for text in expected:
        assert text in result.stderr, shown(result)
    assert tree(project) == before, _difference(tree(project), before, "after a failed build")


# --- which path the build took -------------------------------------------------------------------


def _incremental_shipped() -> bool:
    return importlib.util.find_spec("obsgen.incremental") is not None


def _wrote(result: Result) -> re.Match[str]:
    match = WROTE.search(result.stdout)
    assert match is not None, f"no `wrote N files` line:\n{shown(result)}"
    return match


def assert_incremental(result: Result, compiled_again: Union[int, range, None] = None,
                       service_files: int = SIMPLE_SERVICES) -> None:
    """The build took the incremental path: its `wrote` line ends with "(K of M service files compiled
    again, the rest reused)", M the project's service files, K as given (a number, a range) or any.
    Before the incremental build exists (no obsgen.incremental), a line without the suffix passes."""
    match = _wrote(result)
    if match["k"] is None:
        assert not _incremental_shipped(), f"a full build where the incremental path must be taken:\n{shown(result)}"
        return
    k, m = int(match["k"]), int(match["m"])
    assert m == service_files, match[0]
    assert 0 <= k <= m, match[0]
    if isinstance(compiled_again, int):
        assert k == compiled_again, match[0]
    elif compiled_again is not None:
        assert k in compiled_again, f"{match[0]}: expected K in {compiled_again}"


def assert_full(result: Result) -> None:
    """The build was a full one: the contract rules the incremental path out."""
    match = _wrote(result)
    assert match["k"] is None, f"the incremental path where the contract rules it out:\n{shown(result)}"


# --- edits ---------------------------------------------------------------------------------------


def set_field(service: str, monitor: str, key: str, value: Any) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        def change(spec: Spec) -> None:
            if value is None:
                spec["monitors"][monitor].pop(key, None)
            else:
                spec["monitors"][monitor][key] = value
        edit_service(root, service, change)
    return edit


def rename_monitor(root: Path, service: str, old: str, new: str) -> None:
    def change(spec: Spec) -> None:
        spec["monitors"] = {new if name == old else name: body for name, body in spec["monitors"].items()}
    edit_service(root, service, change)


def set_rule(root: Path, service: str, monitor: str, rule: str) -> None:
    edit_service(root, service, lambda spec: spec["monitors"][monitor].update(rule=rule))


def rename_service(root: Path, old: str, new: str) -> None:
    edit_service(root, old, lambda spec: spec.update(service=new))


def guidance(root: Path, rel: str) -> Path:
    """runbooks_src/<rel>.md, its directory made."""
    path = root / "runbooks_src" / f"{rel}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def flip_a_byte(path: Path) -> None:
    """A hand edit that keeps the file's size (an lstat of the same size is no proof of the same bytes)."""
    data = bytearray(path.read_bytes())
    at = data.index(b"svc-")
    data[at + 2:at + 3] = b"x"
    path.write_bytes(bytes(data))


def test_the_simple_project_has_the_shape_the_incremental_path_serves(simple: Path) -> None:
    """Built without a warning (a warning keeps the path off), in two environments, with svc-d's CloudFront
    alarms and their topics in us-east-1, away from the home region."""
    assert services(simple) == sorted(NEIGHBOURHOOD)
    for env in ("staging", "production"):
        assert (simple / GENERATED / env / "sns" / "us-east-1" / "topics.json").is_file()
        assert (simple / GENERATED / env / "cloudwatch" / "us-east-1" / "svc-d.json").is_file()
    assert_same_as_clean_build(simple)
    assert obsgen_build(simple, "--check").exit_code == 0


# --- the plain edits: the incremental path is taken ----------------------------------------------

# What an edit of one service compiles (incremental/__init__.py): the affected services (itself, those whose
# composites name it and those it names: svc-a with svc-b and svc-f, svc-b with svc-a and svc-c, svc-c with
# svc-b, svc-f with svc-a), their own neighbours (whose files are not kept), and one service per region
# where alarms are placed outside the home region (svc-d, for us-east-1), so that the topics there are made.
NEIGHBOURHOOD = {"svc-a": 5, "svc-b": 5, "svc-c": 4, "svc-d": 1, "svc-e": 2, "svc-f": 4}


def edited(service: str) -> range:
    """How many service files an edit of this one compiles again: itself, and at most its neighbourhood."""
    return range(1, NEIGHBOURHOOD[service] + 1)


def guided(service: str) -> range:
    """The same for an edit of its guidance only, which may compile no service file at all."""
    return range(0, NEIGHBOURHOOD[service] + 1)


PLAIN_EDITS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "threshold-of-a-lone-service": ("svc-e", set_field("svc-e", "errors", "threshold", "> 7")),
    "threshold-of-a-named-service": ("svc-a", set_field("svc-a", "errors", "threshold", "> 7")),
    "summary": ("svc-b", set_field("svc-b", "duration", "summary", "svc-b's function takes its time.")),
    "actions-enabled": ("svc-d", set_field("svc-d", "errors", "actions_enabled", False)),
    "missing-data": ("svc-f", set_field("svc-f", "error-rate", "missing_data", "ignore")),
    "datapoints": ("svc-c", set_field("svc-c", "duration", "datapoints", "2 of 3")),
}


@pytest.mark.parametrize("name", PLAIN_EDITS)
def test_a_plain_edit_of_one_service_builds_what_a_clean_build_does(simple: Path, name: str) -> None:
    """An edit inside one service file is served by the incremental path, and the result is exact."""
    service, edit = PLAIN_EDITS[name]
    edit(simple)
    assert_incremental(assert_step(simple), edited(service))


def test_a_severity_change_updates_the_routing_tables_and_the_site_index(simple: Path) -> None:
    set_field("svc-c", "errors", "severity", "critical")(simple)
    stale = check_lines(assert_check_agrees(simple))
    for path in ("staging/routing.md", "production/routing.md", "site/routing.html", "site/index.html"):
        assert f"stale: generated/{path}" in stale, stale
    assert_incremental(assert_step(simple), edited("svc-c"))


def test_renaming_a_monitor_no_other_service_names_is_incremental(simple: Path) -> None:
    rename_monitor(simple, "svc-a", "duration", "slow-invocations")
    assert_incremental(assert_step(simple), edited("svc-a"))
    assert not (simple / GENERATED / "site" / "svc-a" / "duration.html").exists()
    assert (simple / GENERATED / "site" / "svc-a" / "slow-invocations.html").is_file()


@pytest.mark.parametrize("rel, text", [
    ("svc-a/errors", "## Diagnosis\n\nsvc-a logs each error with its job id and trace.\n\n## Mitigation\n\nReplay.\n"),
    ("svc-f/duration", "## Diagnosis\n\nProfile svc-f.\n\n## Mitigation\n\nRaise its memory.\n"),
    ("svc-b/latency", None),
    ("svc-c/_service", "## + Escalation\n\nThe data team owns svc-c; page its lead after an hour.\n"),
], ids=["edit", "add", "delete", "edit-service-wide"])
def test_guidance_in_a_service_s_own_directory_is_incremental(simple: Path, rel: str, text: Optional[str]) -> None:
    path = guidance(simple, rel)
    if text is None:
        path.unlink()
    else:
        path.write_text(text)
    assert_incremental(assert_step(simple), guided(rel.split("/")[0]))


def test_guidance_that_includes_another_service_s_file_follows_its_edits(simple: Path) -> None:
    """A Jinja tag may include any runbooks_src file, so a folder is no longer one service's alone: svc-e's
    page (svc-e names no service and no service names it) shows what svc-b's file says, edit after edit."""
    guidance(simple, "svc-b/errors").write_text("## Diagnosis\n\nFirst look at the queue.\n")
    guidance(simple, "svc-e/errors").write_text('{% include "svc-b/errors.md" %}\n\n## Mitigation\n\nRestart.\n')
    assert_step(simple, stale=True, clean=False)
    for words in ("Then look at the table.", "Look at the logs."):
        guidance(simple, "svc-b/errors").write_text(f"## Diagnosis\n\n{words}\n")
        assert_step(simple, clean=False)
        assert words in (simple / GENERATED / "runbooks" / "svc-e" / "errors.md").read_text()


def test_a_composite_cycle_across_services_fails_as_a_clean_build_does(simple: Path) -> None:
    """svc-b's upstream names svc-a/health; svc-a's health naming svc-b/upstream closes a cycle (an error).
    The incremental build must not write what a full build refuses."""
    set_rule(simple, "svc-a", "health", "errors or svc-b/upstream")
    assert_fails_and_writes_nothing(simple, "composite-cycle")
    set_rule(simple, "svc-a", "health", "errors or error-rate or queue-age")
    assert_step(simple, stale=None)


def test_two_and_three_incremental_builds_in_a_row_each_edit_another_service(simple: Path) -> None:
    for service, key, value in [("svc-a", "threshold", "> 9"), ("svc-c", "summary", "svc-c fails."),
                                ("svc-e", "severity", "critical")]:
        set_field(service, "errors", key, value)(simple)
        assert_incremental(assert_step(simple), edited(service))


def test_an_edit_reverted_gives_back_the_first_tree(simple: Path) -> None:
    first = tree(simple)
    path = service_file(simple, "svc-b")
    original = path.read_bytes()
    set_field("svc-b", "errors", "threshold", "> 8")(simple)
    assert_incremental(assert_step(simple), edited("svc-b"))
    path.write_bytes(original)
    assert_incremental(assert_step(simple), edited("svc-b"))
    assert tree(simple) == first, _difference(tree(simple), first, "reverted")


# --- edits either path may serve: correctness only -----------------------------------------------


def test_renaming_a_monitor_another_service_names_fails_until_that_service_follows(simple: Path) -> None:
    rename_monitor(simple, "svc-a", "health", "healthy")
    set_rule(simple, "svc-a", "healthy", "errors or error-rate or queue-age")
    assert_fails_and_writes_nothing(simple, "monitors/svc-b.yaml:", "monitors/svc-f.yaml:")
    set_rule(simple, "svc-b", "upstream", "health and svc-a/healthy")
    set_rule(simple, "svc-f", "upstream", "svc-a/healthy")
    assert_step(simple)


def test_adding_and_removing_a_monitor(simple: Path) -> None:
    edit_service(simple, "svc-e", lambda spec: spec["monitors"].update({"queue-wait": {
        "summary": "svc-e's messages wait.", "resource": "queue", "metric": "ApproximateAgeOfOldestMessage",
        "statistic": "Maximum", "period": "5m", "threshold": "> 300", "severity": "warning"}}))
    assert_step(simple)
    edit_service(simple, "svc-b", lambda spec: spec["monitors"].pop("duration"))
    assert_step(simple)
    assert "duration" not in monitors(simple, "svc-b")


def test_a_composite_that_starts_and_stops_naming_another_service(simple: Path) -> None:
    set_rule(simple, "svc-e", "health", "errors or backlog or svc-d/health")
    assert_step(simple)
    set_rule(simple, "svc-c", "chain", "health")  # svc-c no longer names svc-b
    assert_step(simple)
    set_rule(simple, "svc-e", "health", "errors or backlog")
    assert_step(simple)


@pytest.mark.parametrize("region, appears", [
    ("us-east-1", "{env}/cloudwatch/us-east-1/svc-a.json"),  # svc-d's CloudFront alarms are there already
    ("us-west-2", "{env}/sns/us-west-2/topics.json"),        # a region of its own: its topics appear too
])
def test_moving_an_alarm_to_another_region_and_back(simple: Path, region: str, appears: str) -> None:
    set_field("svc-a", "duration", "region", region)(simple)
    assert_step(simple)
    for env in ("staging", "production"):
        assert (simple / GENERATED / appears.format(env=env)).is_file()
    set_field("svc-a", "duration", "region", None)(simple)
    assert_step(simple)
    for env in ("staging", "production"):
        assert not (simple / GENERATED / appears.format(env=env)).exists()
    assert (simple / GENERATED / "staging" / "sns" / "us-east-1" / "topics.json").is_file(), "svc-d still there"


def test_a_service_renamed_with_its_guidance_directory(simple: Path) -> None:
    rename_service(simple, "svc-e", "svc-x")
    guidance(simple, "svc-e/health").parent.rename(simple / "runbooks_src" / "svc-x")
    assert_step(simple)
    assert not (simple / GENERATED / "site" / "svc-e").exists()


def test_a_service_renamed_without_its_guidance_directory_fails_until_it_moves(simple: Path) -> None:
    rename_service(simple, "svc-e", "svc-x")
    assert_fails_and_writes_nothing(simple, "runbooks_src/svc-e/health.md:1:1: error:", "[orphan-runbook]")
    guidance(simple, "svc-e/health").parent.rename(simple / "runbooks_src" / "svc-x")
    assert_step(simple)


def test_a_service_without_guidance_renamed(simple: Path) -> None:
    rename_service(simple, "svc-d", "svc-cdn")
    assert_step(simple)


def test_renaming_a_service_others_name_fails_until_they_follow(simple: Path) -> None:
    rename_service(simple, "svc-a", "svc-x")
    guidance(simple, "svc-a/errors").parent.rename(simple / "runbooks_src" / "svc-x")
    assert_fails_and_writes_nothing(simple, "monitors/svc-b.yaml:", "monitors/svc-f.yaml:")
    set_rule(simple, "svc-b", "upstream", "health and svc-x/health")
    set_rule(simple, "svc-f", "upstream", "svc-x/health")
    assert_step(simple)


# --- the set of spec files changes: a full build ---------------------------------------------------


def test_a_new_service_file(simple: Path) -> None:
    spec = yaml.safe_load(service_file(simple, "svc-e").read_text())
    spec.update(service="svc-g", owner="team-g")
    spec["resources"]["fn"]["name"] = "svc-g-${env}"
    write_spec(simple / "monitors" / "svc-g.yaml", spec)
    assert_full(assert_step(simple))
    assert (simple / GENERATED / "site" / "svc-g" / "health.html").is_file()


def test_a_service_file_deleted_with_its_guidance(simple: Path) -> None:
    service_file(simple, "svc-e").unlink()
    shutil.rmtree(simple / "runbooks_src" / "svc-e")
    assert_full(assert_step(simple))
    assert not list((simple / GENERATED).glob("*/cloudwatch/svc-e.json"))


def test_a_service_file_deleted_alone_fails_on_its_guidance(simple: Path) -> None:
    service_file(simple, "svc-e").unlink()
    assert_fails_and_writes_nothing(simple, "[orphan-runbook]")


def test_a_service_file_renamed_with_the_same_content(simple: Path) -> None:
    service_file(simple, "svc-c").rename(simple / "monitors" / "svc-c-tables.yaml")
    assert_full(assert_step(simple, stale=None))  # pages may show where a monitor is defined


# --- inputs outside the service files: a full build ----------------------------------------------


@pytest.mark.parametrize("name", ["tag", "response-time"])
def test_an_edit_of_the_project_file(simple: Path, name: str) -> None:
    if name == "tag":
        edit_project(simple, lambda spec: spec["tags"].update(CostCenter="logistics"))
    else:
        edit_project(simple, lambda spec: spec["severities"]["warning"].update(response_time="8h"))
    assert_full(assert_step(simple))


def test_an_edit_of_shared_guidance(simple: Path) -> None:
    guidance(simple, "lambda").write_text(guidance(simple, "lambda").read_text().replace("Roll back", "Revert"))
    assert_full(assert_step(simple))


def test_after_a_full_build_for_a_project_edit_the_next_plain_edit_is_incremental(simple: Path) -> None:
    edit_project(simple, lambda spec: spec["tags"].update(CostCenter="logistics"))
    assert_full(assert_step(simple))
    set_field("svc-e", "errors", "threshold", "> 6")(simple)
    assert_incremental(assert_step(simple), edited("svc-e"))


def test_a_build_with_a_warning_is_full_and_so_is_the_one_after_it(simple: Path) -> None:
    set_field("svc-e", "errors", "threshold", ">= 0")(simple)  # threshold-always-breached, a warning
    result = assert_step(simple, clean=False)
    assert "[threshold-always-breached]" in result.stderr
    assert_full(result)
    set_field("svc-e", "errors", "threshold", "> 0")(simple)
    assert_full(assert_step(simple))  # no warning now, but the last build had one
    set_field("svc-e", "errors", "threshold", "> 1")(simple)
    assert_incremental(assert_step(simple), edited("svc-e"))


def test_after_a_build_of_one_environment_the_next_build_is_full(simple: Path) -> None:
    set_field("svc-a", "errors", "threshold", "> 8")(simple)
    one = obsgen_build(simple, "--env", "staging")
    assert one.exit_code == 0 and "compiled again" not in one.stdout, shown(one)  # --env never takes the record
    assert_full(assert_step(simple))
    set_field("svc-a", "errors", "threshold", "> 9")(simple)
    assert_incremental(assert_step(simple), edited("svc-a"))


@pytest.mark.parametrize("feature", FEATURES)
def test_a_project_with_a_feature_the_incremental_path_leaves_alone(tmp_path: Path, cache: Path, feature: str) -> None:
    """SLOs, maintenance windows, event routes, budgets, Prometheus rules and project dashboards: every build
    is a full one, and exact."""
    root = make_with_feature(tmp_path / "project", feature)
    assert_full(build_ok(root))
    set_field("svc-a", "errors", "threshold", "> 7")(root)
    assert_full(assert_step(root))
    guidance(root, "svc-a/errors").write_text("## Diagnosis\n\nLook.\n\n## Mitigation\n\nFix.\n")
    assert_full(assert_step(root))
    set_field("svc-e", "errors", "severity", "critical")(root)
    assert_full(assert_step(root))


# --- generated/ changed by hand ------------------------------------------------------------------


@pytest.mark.parametrize("spec_edit", [True, False], ids=["with-a-spec-edit", "alone"])
@pytest.mark.parametrize("rel", ["production/cloudwatch/svc-e.json", "site/svc-e/backlog.html",
                                 "runbooks/COVERAGE.md"])
def test_a_hand_edit_of_a_generated_file_is_reported_and_undone(simple: Path, rel: str, spec_edit: bool) -> None:
    if spec_edit:
        set_field("svc-a", "errors", "threshold", "> 7")(simple)
    flip_a_byte(simple / GENERATED / rel)
    stale = check_lines(assert_check_agrees(simple))
    assert f"stale: generated/{rel}" in stale, stale
    assert_step(simple)


@pytest.mark.parametrize("damage", ["deleted", "extra-file", "extra-link", "empty-directory"])
def test_generated_changed_by_hand_in_a_service_that_did_not_change(simple: Path, damage: str) -> None:
    set_field("svc-a", "errors", "threshold", "> 7")(simple)
    site = simple / GENERATED / "site" / "svc-e"
    if damage == "deleted":
        (site / "backlog.html").unlink()
    elif damage == "extra-file":
        (site / "notes.html").write_text("<p>notes</p>\n")
    elif damage == "extra-link":
        (site / "alias.html").symlink_to("backlog.html")
    else:
        (site / "drafts").mkdir()
    # an empty directory is not reported by `build --check` (a file is); the build removes it all the same
    assert_step(simple, stale=None if damage == "empty-directory" else True)
    assert tree(simple).get("site/svc-e/drafts") is None


# --- the cache damaged ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["incremental", "everything"])
@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_a_damaged_cache_still_gives_the_clean_build(simple: Path, cache: Path, where: str, how: str) -> None:
    set_field("svc-e", "errors", "threshold", "> 7")(simple)
    top = cache / "incremental" if where == "incremental" else cache
    damaged = [path for path in top.rglob("*") if path.is_file()] if top.is_dir() else []
    for path in damaged:
        path.write_bytes(b"\x00garbage{[" * 7 if how == "garbage" else b"")
    if where == "everything":
        assert damaged, "the full build filled the cache"
    assert_step(simple)


# --- errors --------------------------------------------------------------------------------------


def test_an_error_in_the_edited_file_writes_nothing_then_the_fix_builds(simple: Path) -> None:
    set_field("svc-e", "errors", "threshold", "> 7")(simple)
    assert_step(simple)
    set_field("svc-c", "errors", "threshold", 5000)(simple)
    assert_fails_and_writes_nothing(simple, "monitors/svc-c.yaml:", "[bad-value]")
    set_field("svc-c", "errors", "threshold", "> 6")(simple)
    assert_step(simple)


def test_guidance_for_no_monitor_in_a_service_s_directory_writes_nothing(simple: Path) -> None:
    set_field("svc-f", "errors", "threshold", "> 7")(simple)
    guidance(simple, "svc-f/no-such-monitor").write_text("## Diagnosis\n\nNothing.\n")
    assert_fails_and_writes_nothing(simple, "runbooks_src/svc-f/no-such-monitor.md", "[orphan-runbook]")
    guidance(simple, "svc-f/no-such-monitor").unlink()
    assert_step(simple)


# --- a random walk over the edits ----------------------------------------------------------------


def _step_edits() -> dict[str, Callable[[Path, str, int, random.Random], Optional[bool]]]:
    """Each edit takes (project, service, step, rng) and changes the project so that it still builds; it
    returns whether `build --check` must fail before the build (None: either)."""

    def threshold(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        set_field(svc, "errors", "threshold", f"> {10 + step}")(root)
        return True

    def summary(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        set_field(svc, "errors", "summary", f"{svc} raises errors (step {step}).")(root)
        return True

    def severity(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        now = monitors(root, svc)["errors"]["severity"]
        set_field(svc, "errors", "severity", "critical" if now == "warning" else "warning")(root)
        return True

    def actions(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        now = monitors(root, svc)["errors"].get("actions_enabled", True)
        set_field(svc, "errors", "actions_enabled", not now)(root)
        return True

    def add_monitor(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        def change(spec: Spec) -> None:
            body = dict(spec["monitors"]["errors"], threshold=f"> {step}", summary=f"Extra {step}.")
            spec["monitors"][f"extra-{step}"] = body
        edit_service(root, svc, change)
        return True

    def remove_monitor(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        names = [n for n in monitors(root, svc) if n.startswith(("extra-", "watch-"))] or \
            [n for n in ("duration",) if n in monitors(root, svc)]
        if not names:
            return add_monitor(root, svc, step, rng)
        edit_service(root, svc, lambda spec: spec["monitors"].pop(rng.choice(names)))
        return True

    def watch_other(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        other = rng.choice([s for s in services(root) if s != svc])
        edit_service(root, svc, lambda spec: spec["monitors"].update({f"watch-{step}": {
            "summary": f"{other} fails, seen from {svc}.", "rule": f"{other}/errors", "severity": "warning"}}))
        return True

    def region(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        if "duration" not in monitors(root, svc):
            return threshold(root, svc, step, rng)
        now = monitors(root, svc)["duration"].get("region")
        set_field(svc, "duration", "region", None if now else rng.choice(["us-east-1", "us-west-2"]))(root)
        return True

    def own_guidance(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        path = guidance(root, f"{svc}/errors")
        if path.exists() and rng.random() < 0.5:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"## Diagnosis\n\nStep {step}.\n\n## Mitigation\n\nUndo step {step}.\n")
        return True

    def shared_guidance(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        path = guidance(root, "queues")
        path.write_text(path.read_text() + f"\nSeen at step {step}.\n")
        return True

    def project_tag(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        edit_project(root, lambda spec: spec["tags"].update(CostCenter=f"retail-{step}"))
        return True

    def hand_edit(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        flip_a_byte(root / GENERATED / rng.choice(["staging", "production"]) / "cloudwatch" / f"{svc}.json")
        return True

    def page_deleted(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        (root / GENERATED / "site" / svc / "errors.html").unlink()
        return True

    def new_service(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        spec = yaml.safe_load(service_file(root, "svc-e").read_text())
        spec["service"] = f"svc-n{step}"
        spec["monitors"] = {name: body for name, body in spec["monitors"].items() if name in ("errors", "duration")}
        write_spec(root / "monitors" / f"svc-n{step}.yaml", spec)
        return True

    def file_renamed(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        path = service_file(root, svc)
        path.rename(path.with_name(f"{path.stem}-r{step}.yaml"))
        return None

    def cache_damaged(root: Path, svc: str, step: int, rng: random.Random) -> Optional[bool]:
        for path in Path(os.environ["OBSGEN_CACHE_DIR"]).rglob("*"):
            if path.is_file() and rng.random() < 0.5:
                path.write_bytes(b"garbage")
        return threshold(root, svc, step, rng)

    return {f.__name__: f for f in (threshold, summary, severity, actions, add_monitor, remove_monitor, watch_other,
                                    region, own_guidance, shared_guidance, project_tag, hand_edit, page_deleted,
                                    new_service, file_renamed, cache_damaged)}


@pytest.mark.parametrize("seed", range(22, 38))  # between them, every edit of the walk
def test_a_random_sequence_of_edits_always_builds_what_a_clean_build_does(simple: Path, seed: int) -> None:
    rng = random.Random(seed)
    edits = _step_edits()
    done = []
    for step in range(8):
        name = rng.choice(sorted(edits))
        svc = rng.choice(services(simple))
        done.append(f"{name}({svc})")
        stale = edits[name](simple, svc, step, rng)
        try:
            assert_step(simple, stale=stale)
        except AssertionError as exc:
            raise AssertionError(f"after steps {', '.join(done)}:\n{exc}") from None


# --- the oracle's own teeth ----------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["byte", "extra-directory", "link-for-a-file"])
def test_the_oracle_sees_a_stale_byte_an_empty_directory_and_a_link(simple: Path, damage: str) -> None:
    """A tree one byte, one empty directory or one link away from a clean build's is not passed."""
    page = simple / GENERATED / "site" / "svc-e" / "backlog.html"
    if damage == "byte":
        flip_a_byte(page)
    elif damage == "extra-directory":
        (page.parent / "drafts").mkdir()
    else:
        page.unlink()
        page.symlink_to("errors.html")
    with pytest.raises(AssertionError) as failure:
        assert_same_as_clean_build(simple)
    assert "site/svc-e/" in str(failure.value)
    if damage == "byte":
        assert "--- incremental/site/svc-e/backlog.html" in str(failure.value), "the diff of the first file"


class _Printed:
    """What assert_incremental reads of a build's result."""

    def __init__(self, stdout: str) -> None:
        self.stdout, self.stderr, self.exit_code = stdout, "", 0


@pytest.mark.parametrize("shipped", [False, True])
def test_assert_incremental_wants_the_suffix_once_the_incremental_build_exists(monkeypatch: pytest.MonkeyPatch,
                                                                              shipped: bool) -> None:
    monkeypatch.setattr(sys.modules[__name__], "_incremental_shipped", lambda: shipped)
    full = _Printed("wrote 117 files to generated/ for staging, production\n")
    taken = _Printed("wrote 117 files to generated/ for staging, production (1 of 6 service files compiled "
                     "again, the rest reused)\nrunbooks: ...\n")
    assert_incremental(taken, 1)  # type: ignore[arg-type]
    assert_full(full)  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        assert_incremental(taken, 2)  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        assert_full(taken)  # type: ignore[arg-type]
    if shipped:
        with pytest.raises(AssertionError):
            assert_incremental(full)  # type: ignore[arg-type]
    else:
        assert_incremental(full)  # type: ignore[arg-type]
