"""The compile pipeline: load spec -> resolve per environment -> render targets -> artifacts.

`write` replaces `generated/` only when the whole build is free of errors, so a bad spec never
leaves a half-written tree behind, and replaces it in one atomic swap (`generated_tree`; what an
interrupted build had moved out of it, the next one puts back), so an interrupted build never does
either. `obsgen build` hands `compile_project` a sink that writes each
file into the staging tree as it is rendered (and `build --check` one that compares it), so the
build never holds all of generated/ in memory; the swap still comes only after the last check.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .build import Build
from .chunks import Content, Named, as_bytes, encoded
from .diagnostics import Diagnostic, error, has_errors, merge_environments, unique_sorted
from .generated_manifest import Manifest
from .generated_tree import GENERATED_DIR, Staging, holds, replace
from .presets.expand import expand_presets
from .presets.origin import annotate
from . import runbooks
from .alarm_tests import cases as alarm_test_cases
from .resolve import check_shared_names, resolve
from .language.load import Only, SpecSet, load_spec
from .progress import Progress, counted, silent
from .render_cache import RenderCache
from .language.matrix import GLOB_CHARACTERS, select
from .prometheus import promtool
from .targets import targets
from .targets.base import checks_only


def validate(root: Path, strict: bool = False, progress: Progress = silent, store: RenderCache | None = None) -> Build:
    """`obsgen validate`: every environment compiled, the rules checked by promtool (when installed:
    otherwise a note says so), routing that reaches nobody (resolve/reach.py) and the runbooks'
    coverage -- a monitor without human Diagnosis and Mitigation, an environment whose alarms cannot
    link to their page -- as warnings, errors when `strict`; with `strict`, also a warning per monitor
    without a unit test. `progress` hears how far the compile has got (progress.py). With `store`, spec
    files parsed before are read from that cache (language/parse_cache.py)."""
    # What only validate reports is imported by validate: `obsgen build` never loads these checks.
    from .alarm_tests import coverage as alarm_test_coverage
    from .resolve.reach import unreached
    from .resolve.verbatim import unchecked
    from .runbooks.coverage import unlinked

    with checks_only():  # nothing is written: the alarms' and dashboards' JSON texts are not made
        build = compile_project(root, pages=False, progress=progress, store=store)
    check_rules(build)
    if build.spec is not None:
        build.diagnostics = merge_environments(build.diagnostics + unreached(build.spec, build.models, strict)
                                               + unchecked(build.models, strict))
    if build.coverage is not None and build.spec is not None:
        notes = {ref: use.note() for ref, use in build.spec.preset_uses.items()}
        found = build.coverage.diagnostics(strict, notes) + unlinked(build.spec, strict)
        if strict:  # a warning per untested monitor only then; the summary line is the CLI's
            found += alarm_test_coverage.coverage(build.spec).diagnostics(strict)
        build.diagnostics = unique_sorted(build.diagnostics + found)
    return build


def check_rules(build: Build) -> None:
    """promtool's verdict on the Prometheus rules: what validate reports, build must not write."""
    note = promtool.check_promql(build)
    if note is not None:
        build.notes.append(note)


def compile_project(root: Path, envs: list[str] | None = None, pages: bool = True,
                    progress: Progress = silent, sink: Callable[[str, Content], None] | None = None,
                    store: RenderCache | None = None, only: Only | None = None) -> Build:
    """Compile `envs` (all when None). Never raises on bad input: problems come back as diagnostics.
    Without `pages` (validate, which writes nothing), the runbooks are checked and measured but no page
    or site file is made, and the JSON Schema file is left out (it depends on obsgen alone).
    `progress` hears each step: the spec files read, the environments compiled, the runbook pages
    and the site's pages made. With `sink`, each rendered file goes there as soon as it is made
    (`Build.add`), not into `files`: a sink that writes must keep it from generated/ until the build is
    known to be free of errors (`generated_tree.Staging`). With `store`, pure renders are looked up in
    (and, when it is writable, added to) that cache: render_cache.py; the output is the same bytes. So are
    the spec files' parsed trees (language/parse_cache.py). With `only`, the project file and those
    service files alone are read, as if the others were not there but their names are known (the
    incremental build's compile of a few services, incremental/)."""
    with _gc_paused():
        return _compile(root, envs, pages, progress, sink, store, only)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A compile allocates millions of objects that all stay alive until it ends (documents, specs,
    models, artifacts) and makes next to no reference cycles, so CPython's cyclic collector only
    rescans an ever larger live heap: about a third of the compile time on a 10,000-alarm project
    (docs/performance.md). Reference counting still frees everything else as usual; the collector
    runs again as soon as the compile returns.

    On the way out, what the compile left alive is frozen (gc.freeze: kept out of every collection):
    re-enabled on an unscanned heap, the collector's first young collection traversed all of it, ~0.1 s
    of a 10,000-alarm compile, and the build's writing then rescanned it again. Garbage among it
    is still freed by reference counting; a cycle waits for the next compile, which unfreezes the
    last one's objects into the oldest generation, so a long-running process (the tests) stays bounded."""
    was_enabled = gc.isenabled()
    gc.disable()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _compile(root: Path, envs: list[str] | None, pages: bool, progress: Progress,
             sink: Callable[[str, Content], None] | None, store: RenderCache | None, only: Only | None = None) -> Build:
    """Every pass runs on whatever could be read, even after errors (a bad file, a bad entry, an
    environment that does not resolve): one run reports every problem a user can fix, and the
    errors alone keep the build from being written (issue #14)."""
    spec, problems = load_spec(root, progress, store, only)
    if spec is None:
        return Build(None, envs or [], diagnostics=unique_sorted(problems))
    problems += expand_presets(spec)  # presets become plain monitors here
    known = list(spec.project.environments)
    selected = _named(envs, known) if envs else known
    unknown = [e for e in selected if e not in known and e not in spec.broken.environments]
    if unknown:
        span = spec.project_doc.span(("environments",), at_key=True)
        message = f"unknown environment(s) {', '.join(unknown)}; the project defines {', '.join(known)}"
        return Build(spec, selected, diagnostics=unique_sorted([*problems, error(span, "unknown-environment", message)]))
    selected = [e for e in selected if e in known]
    build = Build(spec, selected, sink=sink)
    if pages:  # validate, which writes nothing, does not import the schema's module
        from .language.jsonschema import SCHEMA_FILE, schema_text
        build.add(SCHEMA_FILE, schema_text(store))
    for env in counted(selected, "compiling environments", progress):
        _compile_env(spec, env, build)
    if not has_errors(problems):  # after a file's error, a test naming what it defined would only echo it
        for model in build.models.values():
            build.diagnostics += alarm_test_cases.check(spec, model)
    build.diagnostics += check_shared_names(spec, build.models)
    if envs is None and build.ok and not problems:  # one runbook site for all environments: `build --env X`
        _add_runbooks(spec, build, pages, progress, store)  # leaves it alone
    # Problems found while reading and expanding presets already say which preset they are about.
    build.diagnostics = merge_environments([*problems, *annotate(build.diagnostics, spec.preset_uses.values())])
    return build


def _named(envs: list[str], known: list[str]) -> list[str]:
    """`--env` names in the order given, each glob (`prod-*`: a matrix's environments) replaced by the
    environments it matches in the spec's order; a glob that matches none stays, to be reported."""
    named: dict[str, None] = {}
    for pattern in envs:
        matches = select([pattern], known)[0] if GLOB_CHARACTERS & set(pattern) else []
        named.update(dict.fromkeys(matches or [pattern]))
    return list(named)


def _add_runbooks(spec: SpecSet, build: Build, pages: bool, progress: Progress, store: RenderCache | None) -> None:
    """The runbooks and the site become part of the build and of the outputs it owns."""
    # Streamed only into a sink: an in-memory build keeps no runbook file when a template is broken.
    result = runbooks.render(spec, build.models, output=pages, progress=progress,
                             sink=build.add if build.sink else None, store=store)
    build.diagnostics += result.diagnostics
    for rel, content in result.files.items():
        build.add(rel, content)
    build.coverage = result.coverage if not result.diagnostics else None
    build.index_blocks, build.coverage_blocks = result.index_blocks, result.coverage_blocks
    build.outputs += [runbooks.RUNBOOKS_OUT, runbooks.SITE_OUT]


def _compile_env(spec: SpecSet, env: str, build: Build) -> None:
    """One environment resolved and rendered. An environment with errors is still rendered, for the
    targets' own checks (AWS limits), unless a name is still an unexpanded template; its model is
    not kept (nothing downstream builds from it) and its files are never written."""
    model, problems = resolve(spec, env)
    build.diagnostics += problems
    if model is None or any(p.code in TEMPLATE_CODES for p in problems):
        return
    failed = has_errors(problems)  # a warning (a statistic AWS calls meaningless) does not stop the environment
    if not failed:
        build.models[env] = model
    for render in targets():
        rendered = render(model)
        build.diagnostics += rendered.diagnostics
        if not failed:
            for path, content in rendered.files.items():
                build.add(f"{env}/{path}", content)
            build.blocks.setdefault(env, {}).update(rendered.blocks)


# A template that did not expand leaves `${...}` in AWS names: every name check would fail on it again.
TEMPLATE_CODES = frozenset({"unknown-variable", "bad-template"})


def _owned_paths(build: Build) -> set[str]:
    """The top-level entries of generated/ this build replaces (`obsgen site`: only site/)."""
    return {*build.envs, *build.outputs, *(rel.split("/", 1)[0] for rel in build.paths)}


class Comparison:
    """`build --check`'s sink: each rendered file compared with generated/ as it is made, so the
    check holds no more of the build in memory than `obsgen build` does (a `Chunks` page is compared
    a block at a time, never held whole). With `manifest` (read, never written), a `Named` file the
    last build recorded, unchanged since, is known by its lstat alone (generated_manifest.py)."""

    def __init__(self, root: Path, manifest: Manifest | None = None) -> None:
        self.base = root / GENERATED_DIR
        self.differing: list[str] = []  # paths under generated/
        self._manifest = manifest

    def add(self, rel: str, content: Content) -> None:
        if isinstance(content, Named) and self._known(rel, content):
            return
        if _differs(self.base / rel, content):
            self.differing.append(rel)

    def _known(self, rel: str, content: Named) -> bool:
        if self._manifest is None:
            return False
        try:
            info = os.lstat(self.base / rel)
        except OSError:  # compared as any file (and found missing)
            return False
        return self._manifest.knows(rel, info, content.identity)


def _differs(path: Path, content: Content) -> bool:
    if isinstance(content, Named):
        content = content.make()
    if isinstance(content, (str, bytes)):  # the staging tree's own test: a link is never the file
        return not holds(str(path), as_bytes(content))
    if path.is_symlink() or not path.is_file():
        return True
    with path.open("rb") as current:  # the rest of the page is not rendered once a block differs
        return any(current.read(len(block)) != block for block in encoded(content)) or current.read(1) != b""


def stale_files(root: Path, build: Build, progress: Progress = silent, compared: Comparison | None = None) -> list[str]:
    """Paths under generated/ that differ from, are missing from, or are extra to this build (with
    `compared`, the files the build sent there are judged by it). Links are never followed: a link
    where the build has a file is stale, and so is any extra link."""
    base = root / GENERATED_DIR
    differing = [rel for rel, content in counted(sorted(build.files.items()), "comparing files", progress)
                 if _differs(base / rel, content)]
    stale = [f"{GENERATED_DIR}/{rel}" for rel in sorted([*differing, *(compared.differing if compared else [])])]
    expected = set(build.paths)
    for top in [*build.envs, *build.outputs]:
        stale += [f"{GENERATED_DIR}/{rel}" for rel in _entries(str(base), top) if rel not in expected]
    return stale


def _entries(base: str, top: str) -> list[str]:
    """Files and links under `top` of `base`, by their paths under `base` (a link to a directory is an entry,
    not descended into). One scandir per directory, the types from the listing, strings rather than Paths:
    23,000 Paths were 0.15 s of `build --check` at 10,000 monitors."""
    path = os.path.join(base, top)
    if os.path.islink(path) or not os.path.isdir(path):
        return [top] if os.path.islink(path) else []
    found = []
    cut = len(base) + 1
    pending = [path]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    found.append(entry.path[cut:].replace(os.sep, "/"))
    return sorted(found, key=lambda rel: rel.split("/"))  # as Paths sort: part by part


def write(root: Path, build: Build, progress: Progress = silent, staging: Staging | None = None) -> list[str]:
    """Replace generated/ with this build in one atomic swap (entries the build does not own are
    kept); returns the files written. With `staging`, the tree the build's sink has been writing
    (`compile_project(sink=staging.add)`) gets the rest and is swapped in. Raises OutputError when
    generated/ is unsafe to replace."""
    if not build.ok:
        raise ValueError("refusing to write a build that has errors")
    if staging is None:
        replace(root, build.files, _owned_paths(build), progress)
    else:
        for rel, content in build.files.items():
            staging.add(rel, content)
        for rel in build.reused:
            staging.keep(rel)
        staging.commit(_owned_paths(build))
    return sorted(f"{GENERATED_DIR}/{rel}" for rel in build.paths)
