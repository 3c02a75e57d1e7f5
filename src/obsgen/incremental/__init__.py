"""The incremental build (issue #22, target 3): after one `obsgen build`, the next compiles again only
the service files that changed, with the services they name or that name them, and takes every other
service's files as generated/ holds them.

    inputs.py    the keys of what a build reads (the project's shared inputs; each service file)
    record.py    what the last build left for the next one, in the render cache
    units.py     a build cut into services: their files, their pieces of the project-wide files
    assemble.py  the project-wide files from every service's pieces
    states.py    a file known unchanged by its lstat

Why a reused file cannot be stale. A service's files are a function of the project's shared inputs, its
own file and guidance folder, and the services it names or that name it (a composite's children; the
pages list a monitor's parents); what the services share in the model (severities, topics and their
regions, subscriptions) is a union of their parts. So the build compiles the changed services C, their
neighbours (A = C and those named by or naming one of C, by the last build's references), with the
neighbours of A, and keeps the files of A; everything else is reused if, in that compile:
- there is no diagnostic and the shared inputs' key is the last build's (anything else: a full build);
- the environments' shared part equals the last build's (then it is the whole project's, as a union);
- a changed service names no service outside A (a new edge would change a reused service's pages);
- no alarm name is another service's, and every service keeps its name;
- no changed service can reach itself through the services composites name (a new cycle of composites,
  an error, may run through services not compiled);
- one service per region where alarms are placed away from home is compiled too, so that the topics made
  there are the whole project's;
- every file of a reused service still has the lstat the last build recorded.
A Jinja tag anywhere in runbooks_src/ (which may include any file there) makes every guidance folder shared.
A project with outputs this cannot cut (units.py) is always built in full. The tests compare every kind
of edit with a clean build (tests/test_incremental_build.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..build import Build
from ..chunks import Content, joined
from ..generated_tree import GENERATED_DIR
from . import record as records
from .inputs import Inputs, scan
from .record import Record, Unit
from .states import Seen, clock, taken, unchanged
from .units import describe, shared_keys

if TYPE_CHECKING:
    from ..render_cache import RenderCache

__all__ = ["Inputs", "Reuse", "Seen", "prepare", "remember", "scan"]

# Past this many services to compile again, a full build costs about the same and is simpler to trust.
_AT_MOST = 0.5
_SMALL = 8  # ... except in a project this small


@dataclass(slots=True)
class Reuse:
    """An incremental build made, not yet in generated/: `build` (its files are those of the services
    compiled again and the project-wide ones; `build.reused` the files taken as they are) and the record
    to leave once it is."""

    build: Build
    record: Record
    compiled: int  # service files compiled again
    of: int  # service files in the project

    def save(self, root: Path, store: RenderCache, seen: Seen) -> None:
        """Once the staging tree is swapped in and the old tree deleted (a file linked between the two
        gets a new ctime when the old link goes): the record of the new tree, with the new lstat of each
        file the build changed (`seen.changed`: written or linked)."""
        generated = root / GENERATED_DIR
        now = clock(root)
        record = self.record
        for unit in record.units.values():
            if not seen.changed.isdisjoint(unit.files) or len(unit.states) == 0:
                unit.states = taken(generated, unit.files, now, unit.states, seen)
        record.global_states = taken(generated, record.globals, now, record.global_states, seen)
        records.write(records.location(store.directory, generated), generated, record)


def prepare(root: Path, store: RenderCache, inputs: Inputs | None = None) -> Reuse | None:
    """The incremental build of the project at `root`, whose inputs are `inputs` (`scan`, before; scanned
    here when None and there is a record), or None when it must be built in full (no record, shared inputs
    changed, too much changed, or anything the reuse cannot prove)."""
    generated = root / GENERATED_DIR
    old = records.read(records.location(store.directory, generated), generated)
    if old is None or (inputs := inputs or scan(root)) is None:
        return None
    if inputs.project_key(u.service for u in old.units.values()) != old.project or set(inputs.files) != set(old.units):
        return None
    changed = {f for f, u in old.units.items() if inputs.unit_key(f, u.service) != u.key
               or not unchanged(generated, u.files, u.states)}
    graph = _Graph(old)
    affected = graph.around(changed)
    compiled = _with_witnesses(old, graph.around(affected)) if changed else set()
    if len(compiled) == len(old.units) or len(compiled) > max(_SMALL, _AT_MOST * len(old.units)):
        return None
    return _reuse(root, store, old, inputs, changed, affected, compiled)


def _reuse(root: Path, store: RenderCache, old: Record, inputs: Inputs, changed: set[str], affected: set[str],
           compiled: set[str]) -> Reuse | None:
    from .. import compiler
    from ..language.load import Only
    from ..runbooks import RUNBOOKS_OUT, SITE_OUT
    from ..runbooks.coverage import summary
    from .assemble import shared_files

    only = Only(frozenset(compiled), frozenset(old.units[f].service for f in old.units if f not in compiled))
    made = compiler.compile_project(root, None, store=store, only=only) if compiled else None
    if made is not None and not _sound(made, old):
        return None
    found = _units(made, inputs, changed, affected) if made is not None else {}
    if found is None:
        return None
    units = {f: found[f] if f in affected else u for f, u in old.units.items()}
    if not _unique_names(units.values()) or _in_a_cycle(units, changed):
        return None
    files: dict[str, Content] = {}
    reused = [rel for f, u in units.items() if f not in affected for rel in u.files]
    if made is not None and made.spec is not None:
        files.update({rel: made.files[rel] for f in affected for rel in units[f].files})
        if set(made.files).difference(*(u.files for u in found.values())) != set(old.globals):
            return None  # a project-wide file more or less than before: what the services share changed
        files.update({rel: made.files[rel] for rel in old.globals})
        files.update(shared_files(made.spec, made.models, list(units.values())))
    elif _same_as_before(root, old):  # nothing changed: the project-wide files are taken as they are too
        reused += old.globals
    else:
        return None
    build = Build(made.spec if made else None, list(old.envs), files={rel: joined(files[rel]) for rel in sorted(files)},
                  outputs=[RUNBOOKS_OUT, SITE_OUT], reused=sorted(reused))
    build.coverage_line = summary(sum(u.covered for u in units.values()), sum(u.total for u in units.values()))
    new = Record(old.project, old.envs, old.shared, old.globals, old.global_states, units)
    return Reuse(build, new, len(compiled), len(units))


def _with_witnesses(old: Record, files: set[str]) -> set[str]:
    """`files` and, for each region and topic where the last build placed alarms outside the home region,
    one service file that placed some there: the compile then makes every such topic (regions.py), and
    if a changed service stopped placing alarms somewhere, the topics differ from the last build's and
    the build is a full one (`_sound`)."""
    found = set(files)
    covered = set().union(*(old.units[f].placed for f in found))
    for f, unit in old.units.items():
        if f not in found and not covered.issuperset(unit.placed):
            found.add(f)
            covered.update(unit.placed)
    return found


class _Graph:
    """The last build's references between service files, both ways."""

    def __init__(self, old: Record) -> None:
        files = {u.service: f for f, u in old.units.items()}
        self.next: dict[str, set[str]] = {f: set() for f in old.units}
        for f, unit in old.units.items():
            for service in unit.refs:
                if (named := files.get(service)) is not None:
                    self.next[f].add(named)
                    self.next[named].add(f)

    def around(self, files: set[str]) -> set[str]:
        """`files` and every file that names one of them or is named by one."""
        return files.union(*(self.next[f] for f in files))


def _sound(made: Build, old: Record) -> bool:
    """Whether the compile of some services can stand for theirs in the whole project (the module's list)."""
    if made.spec is None or shared_keys(made) != old.shared or list(made.envs) != list(old.envs):
        return False  # (equal keys: the same environments, each sharing what the last build's did)
    # a service that took another name moves its guidance folder, its references, its pages
    return all(old.units[s.doc.path].service == s.spec.service for s in made.spec.services)


def _units(made: Build, inputs: Inputs, changed: set[str], affected: set[str]) -> dict[str, Unit] | None:
    """The units of the compiled files; None when a changed service now names a service outside the
    `affected` ones (its pages, reused, would miss the new parent) or a file is no service's."""
    keys = {f: inputs.unit_key(f, s.spec.service) for s in made.spec.services for f in [s.doc.path]} \
        if made.spec is not None else {}
    found = describe(made, keys, changed)
    if found is None:
        return None
    services = {found[f].service for f in affected if f in found}
    if any(not set(u.refs) <= services for f, u in found.items() if f in changed):
        return None
    return found


def _in_a_cycle(units: dict[str, Unit], changed: set[str]) -> bool:
    """Whether a changed service can reach itself through the services composites name: a cycle of
    composites (an error, composite-cycle) would pass there, and its far end may not have been compiled.
    Before this build no cycle existed (its record would not have been written), so a new one runs through
    a changed service."""
    files = {u.service: f for f, u in units.items()}
    for start in changed:
        stack, seen = [start], set()
        while stack:
            for service in units[stack.pop()].refs:
                named = files.get(service)
                if named == start:
                    return True
                if named is not None and named not in seen:
                    seen.add(named)
                    stack.append(named)
    return False


def _unique_names(units: Iterable[Unit]) -> bool:
    """No alarm name of one service is another's in the same account and region (a full build reports it)."""
    seen: set[str] = set()
    for unit in units:
        if not seen.isdisjoint(unit.names):
            return False
        seen.update(unit.names)
    return True


def _same_as_before(root: Path, old: Record) -> bool:
    """Nothing changed at all: the project-wide files must still be as the last build left them."""
    return unchanged(root / GENERATED_DIR, old.globals, old.global_states)


def remember(root: Path, store: RenderCache, build: Build, inputs: Inputs, seen: Seen) -> None:
    """After a full build, once its staging tree is swapped in and the old tree deleted (see `Reuse.save`):
    its record, if the incremental build can take the project apart; otherwise none, so that the next
    build is a full one too. `inputs`: scanned before the build."""
    generated = root / GENERATED_DIR
    where = records.location(store.directory, generated)
    shared = shared_keys(build)
    if shared is None or build.spec is None:
        records.forget(where)
        return
    if set(inputs.files) != {s.doc.path for s in build.spec.services}:  # a file came or went as it was built
        records.forget(where)
        return
    units = describe(build, {s.doc.path: inputs.unit_key(s.doc.path, s.spec.service) for s in build.spec.services})
    if units is None:
        records.forget(where)
        return
    owned = {rel for unit in units.values() for rel in unit.files}
    globals_ = tuple(sorted(rel for rel in build.paths if rel not in owned))
    now = clock(root)
    for unit in units.values():
        unit.states = taken(generated, unit.files, now, seen=seen)
    records.write(where, generated, Record(inputs.project_key(s.spec.service for s in build.spec.services),
                                           tuple(build.envs), shared,
                                           globals_, taken(generated, globals_, now, seen=seen), units))
