"""Read `monitors/` into validated spec objects, collecting every problem with its location."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from . import parse_cache, yaml_reader
from ..diagnostics import Diagnostic, Span, error, shown
from ..progress import Progress, counted, silent
from ..render_cache import RenderCache
from .yaml_reader import Document, Loc, Mapping
from .errors import diagnostics_from
from .matrix import expand_matrices
from .salvage import Broken, Salvaged, revalidate, written_name
from .v1.project import ProjectSpec
from .v1.service import ServiceSpec
from .v1.slos import OPENSLO_API_VERSION, OPENSLO_FOLDER


MONITORS_DIR = "monitors"
RUNBOOKS_DIR = "runbooks_src"
PROJECT_FILE = "obsgen.yaml"
API_VERSION = "obsgen/v1"
MAX_SPEC_FILES = 10_000
SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class PresetUse:
    """`lambda.duration`, used at monitors/api.yaml:12:5 (the resource's `preset:` or its override)."""

    preset: str  # "<service>.<alarm>"
    source: str  # the AWS documentation the alarm's values come from
    loc: Loc  # in the service file: ("resources", r, "presets", alarm) or ("resources", r, "preset"[, i])
    span: Span
    spans: frozenset[Span] = frozenset()  # the use and every value written in its override: blamed later
    # The resource whose AWS name fills the preset's summary ("The {resource} Lambda function ..."), in each
    # environment (resolve/cloudwatch.py); None when the override wrote its own summary.
    resource: str | None = None

    @property
    def alarm(self) -> str:
        """The alarm's name in its preset file: `duration` of `lambda.duration`."""
        return self.preset.split(".", 1)[1]

    def note(self) -> str:
        return f"from preset {self.preset}, used at {self.span}"


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    spec: ServiceSpec
    doc: Document
    # SLOs read from OpenSLO documents (language/openslo.py): their own documents, shaped {"slos": {name: ...}}
    # with the OpenSLO file's positions, so that a problem found later points into the OpenSLO file.
    slo_docs: dict[str, Document] = field(default_factory=dict)

    def slo_doc(self, name: str) -> Document:
        """The document that defines SLO `name`: the service file, or the OpenSLO file it came from."""
        return self.slo_docs.get(name, self.doc)


@dataclass(slots=True)
class SpecSet:
    """The whole validated spec of a project, with the parsed documents kept for locating errors."""

    root: Path
    project: ProjectSpec
    project_doc: Document
    services: list[ServiceEntry]
    runbooks: dict[str, Path] = field(default_factory=dict)  # runbook name -> file
    preset_uses: dict[str, PresetUse] = field(default_factory=dict)  # 'service/monitor' -> its preset
    broken: Broken = field(default_factory=Broken)  # what failed validation and was left out (salvage.py)
    # Where each environment is defined: ("environments", name), or ("matrices", template) for one a
    # matrix made (matrix.py); problems about an environment point there.
    env_sources: dict[str, Loc] = field(default_factory=dict)
    # The project's other services, whose files were not read (`load_spec(only=...)`): nothing may call them unknown
    elsewhere: frozenset[str] = frozenset()

    def env_loc(self, env: str) -> Loc:
        return self.env_sources.get(env, ("environments", env))

    def service(self, name: str) -> ServiceEntry | None:
        return next((s for s in self.services if s.spec.service == name), None)


@dataclass(frozen=True, slots=True)
class Only:
    """Read only these service files (paths under the project) besides the project file; `elsewhere`
    names the services of the files left unread (the incremental build's compile, incremental/)."""

    files: frozenset[str]
    elsewhere: frozenset[str]


def load_spec(root: Path, progress: Progress = silent, store: RenderCache | None = None,
              only: Only | None = None) -> tuple[SpecSet | None, list[Diagnostic]]:
    """Load and validate every spec file under `root/monitors`, collecting every problem. With `store`,
    a file whose bytes read cleanly before is not parsed again (parse_cache.py).

    The SpecSet comes back whenever the project file could be read, even when files or entries
    failed: it then holds what is valid (the rest is in `SpecSet.broken`, salvage.py) so that the
    later passes can check it too, and the problems say the spec must not be built."""
    problems: list[Diagnostic] = []
    monitors = root / MONITORS_DIR
    if not monitors.is_dir():
        return None, [error(Span(MONITORS_DIR + "/"), "no-spec", f"no {MONITORS_DIR}/ directory in {root}")]
    if outside := folder_outside(monitors, root):
        return None, [outside]
    project_path = monitors / PROJECT_FILE
    if not project_path.is_file():
        problems.append(error(Span(f"{MONITORS_DIR}/{PROJECT_FILE}"), "no-project-file",
                              f"the project file {MONITORS_DIR}/{PROJECT_FILE} is missing"))
    everything = visible_entries(monitors)
    problems += _miscased_extensions(root, everything)
    files = [p for p in everything if p.suffix in SPEC_SUFFIXES]
    if len(files) > MAX_SPEC_FILES:  # refuse rather than silently read only some of them
        return None, problems + [error(Span(MONITORS_DIR + "/"), "too-many-files",
                                       f"{MONITORS_DIR}/ holds {len(files):,} spec files; obsgen reads at most "
                                       f"{MAX_SPEC_FILES:,}")]
    project: tuple[ProjectSpec, Document] | None = None
    services: list[ServiceEntry] = []
    broken = Broken()
    openslo_dir = monitors / OPENSLO_FOLDER
    # Path.is_relative_to on the text (a file's path and the folder's are both made from monitors/'s): it made
    # two Paths and raised an exception per file outside the folder.
    inside_openslo = os.path.normcase(os.path.join(openslo_dir, ""))
    in_openslo = {p: os.path.normcase(p).startswith(inside_openslo) for p in files}
    openslo_files = [p for p in files if in_openslo[p]]
    files = [p for p in files if not in_openslo[p]]
    if only is not None:  # the others' names are known, as those of files that failed are: never "unknown"
        files = [p for p in files if p == project_path or _relative(p, root) in only.files]
        broken.services.update(only.elsewhere)
    real = RealPaths(root)
    for path in counted(files, "reading spec files", progress):
        rel = _relative(path, root)
        is_project = path == project_path
        model = ProjectSpec if is_project else ServiceSpec
        salvaged = Salvaged()
        loaded = load_model(path, rel, model, problems, root, precheck=_check_header, salvaged=salvaged, real=real,
                            store=store)
        if loaded is None:
            if not is_project:  # the name it gives itself, and the one its file suggests
                broken.services.update(n for n in (salvaged.failed_name, path.stem) if n)
            continue
        if is_project:
            project = loaded
            _note_dropped(broken, salvaged.dropped, None)
        else:
            services.append(ServiceEntry(*loaded))
            _note_dropped(broken, salvaged.dropped, loaded[0].service)
            if salvaged.bad_names:
                broken.incomplete.add(loaded[0].service)
    duplicates = _duplicate_services(services)
    problems += duplicates
    if duplicates:  # each file's span is looked up only then
        spans = {d.span for d in duplicates}
        services = [s for s in services if s.doc.span(("service",)) not in spans]
    if openslo_files:
        services = _with_openslo(root, openslo_files, services, broken, problems)
    if project is None:
        return None, problems
    runbooks = {p.stem: p for p in sorted((root / RUNBOOKS_DIR).glob("*.md"))} if (root / RUNBOOKS_DIR).is_dir() else {}
    expansion = expand_matrices(*project)
    problems += expansion.problems
    return SpecSet(root, expansion.project, project[1], services, runbooks, broken=broken,
                   env_sources=expansion.sources, elsewhere=only.elsewhere if only else frozenset()), problems


def _with_openslo(root: Path, paths: list[Path], services: list[ServiceEntry], broken: Broken,
                  problems: list[Diagnostic]) -> list[ServiceEntry]:
    """The services with the SLOs of the OpenSLO files under monitors/openslo/ added to their `slos:`
    (language/openslo.py, imported only for them), after the service file's own."""
    from . import openslo

    contents = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        if (data := read_limited(path, rel, problems, root)) is not None:
            contents.append((rel, data))
    translated, found = openslo.read(contents)
    problems += found
    by_name = {entry.spec.service: entry for entry in services}
    for slo in translated:
        entry = by_name.get(slo.service)
        if entry is None:
            if slo.service not in broken.services:  # a service file that failed is reported already
                known = ", ".join(sorted(by_name)) or "none"
                problems.append(error(slo.service_span, "unknown-service",
                                      f"unknown service '{shown(slo.service)}': spec.service names an obsgen service "
                                      f"of {MONITORS_DIR}/ (known: {shown(known, 200)})"))
            continue
        if slo.name in entry.spec.slos:
            where = entry.slo_doc(slo.name).span(("slos", slo.name), at_key=True)
            problems.append(error(slo.doc.span(("slos", slo.name), at_key=True), "openslo-invalid",
                                  f"service '{entry.spec.service}' already has an SLO '{slo.name}' ({where}); "
                                  "rename one of them"))
            continue
        by_name[slo.service] = replace(entry, spec=entry.spec.model_copy(update={"slos": {**entry.spec.slos, slo.name: slo.slo}}),
                                       slo_docs={**entry.slo_docs, slo.name: slo.doc})
    return [by_name[entry.spec.service] for entry in services]


def _relative(path: Path, root: Path) -> str:
    """path.relative_to(root).as_posix(), cut from the text of a path that starts with the root's (a path
    os.walk found under it): the Path methods cost ~3 us a file."""
    text, base = os.fspath(path), os.path.join(root, "")
    if text.startswith(base):  # not for a root of "." (Path("./monitors") is "monitors"): relative_to
        return text[len(base):].replace(os.sep, "/")
    return path.relative_to(root).as_posix()


def _note_dropped(broken: Broken, dropped: list[tuple[str, str]], service: str | None) -> None:
    """Remember the entries salvage left out, by the names references use."""
    for section, name in dropped:
        if service is None:
            named = {"environments": broken.environments, "severities": broken.severities,
                     "channels": broken.channels}.get(section)
        else:
            name = f"{service}/{name}"
            named = {"monitors": broken.monitors, "resources": broken.resources}.get(section)
        if named is not None:
            named.add(name)


def spec_files(monitors: Path) -> list[Path]:
    """Every `*.yaml` and `*.yml` under monitors/, at any depth, hidden ones left out."""
    return [p for p in visible_entries(monitors) if p.suffix in SPEC_SUFFIXES]


def visible_entries(folder: Path) -> list[Path]:
    """Everything under `folder` (files and directories; a directory named `x.yaml` is reported as
    not a file), sorted, without hidden files and directories (`.git/`, `.x.yaml`: a tool's or an
    editor's, never a spec). Symlinked directories are not entered, as with Path.rglob."""
    found = []
    for parent, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(parent, name) for name in [*dirs, *files] if not name.startswith(".")]
    return sorted(found)


def _miscased_extensions(root: Path, files: list[Path]) -> list[Diagnostic]:
    """`orders.YAML` is meant as a spec file, but only lowercase extensions are read: silently leaving
    it out would deploy without its monitors (and delete those it had), so it is an error."""
    return [error(Span(p.relative_to(root).as_posix()), "file-extension",
                  f"obsgen reads only files ending in .yaml or .yml (lowercase), so this one would be left out; "
                  f"rename it to {p.stem}{p.suffix.lower()}")
            for p in files if p.suffix.lower() in SPEC_SUFFIXES and p.suffix not in SPEC_SUFFIXES]


def load_model(path: Path, rel: str, model: type[BaseModel], problems: list[Diagnostic], root: Path,
               precheck: Callable[[Document, type[BaseModel]], list[Diagnostic]] | None = None,
               salvaged: Salvaged | None = None, real: RealPaths | None = None,
               store: RenderCache | None = None) -> tuple[Any, Document] | None:
    """A YAML file of `root` read within the limits (read_limited, yaml_reader) and validated as `model`;
    None, with the problems appended, when any step fails. `precheck` may refuse the document before
    validation; a top level that is not a mapping is refused without showing it (it may be a whole
    file that is not YAML at all, a secret that a symlink brought in). With `salvaged`, a document with
    invalid entries still comes back validated without them (salvage.py), the problems appended and
    what was left out noted in `salvaged`."""
    text = read_limited(path, rel, problems, root, real)
    if text is None:
        return None
    doc, found = parse_cache.load(rel, text, store)
    problems += found
    if doc is None:
        return None
    refused = precheck(doc, model) if precheck else []
    if not refused and not isinstance(doc.data, Mapping):
        refused = [error(doc.span(()), "bad-value", f"expected a mapping at the top level, found {kind_of(doc.data)}")]
    if refused:
        problems += refused
        return None
    try:
        return model.model_validate(doc.data), doc
    except ValidationError as exc:
        problems += diagnostics_from(exc, doc, model)
        if salvaged is None:
            return None
        valid = revalidate(doc.data, model, exc, salvaged)
        if valid is None:
            salvaged.failed_name = written_name(doc.data, "service")
            return None
        return valid, doc


def read_limited(path: Path, rel: str, problems: list[Diagnostic], root: Path, real: RealPaths | None = None) -> bytes | None:
    """Read a regular file of bounded size whose real path (symlinks followed) lies inside `root`.

    Refused, not read: a FIFO, device or directory (`not-a-file`: reading /dev/zero never ends, a FIFO
    blocks), a file whose real path leaves the project (`outside-project`: `ln -s ~/.git-credentials
    monitors/x.yaml` in a pull request must not make CI publish or print it), and a virtual file of
    procfs or sysfs (`not-a-file`: /proc/self/environ says it is a regular file of 0 bytes, then reads
    the whole environment). `real` finds real paths for the caller that reads many files of `root` (load_spec)."""
    real = real or RealPaths(root)
    try:
        real_path, kind = real.of(path)
    except OSError as exc:
        problems.append(error(Span(rel), "unreadable", f"cannot read file: {exc.strerror}"))
        return None
    if not stat.S_ISREG(kind):
        problems.append(error(Span(rel), "not-a-file", "not a regular file; refusing to read it"))
        return None
    if not real.holds(real_path):
        problems.append(error(Span(rel), "outside-project",
                              "the file's real path (symlinks followed) is outside the project; obsgen reads only "
                              "files inside the project directory, so a symlink must point inside it"))
        return None
    if _top_folder(real_path) in VIRTUAL_ROOTS:
        problems.append(error(Span(rel), "not-a-file", "a virtual or device file (/proc, /sys, /dev); refusing to read it"))
        return None
    return _read_regular(real_path, rel, problems)


class RealPaths:
    """Real paths (symlinks followed) of files of one project, as os.path.realpath(path, strict=True) gives them
    with the file's mode (os.stat), for reading 1,000 spec files: the project's real path found once, and a file
    that is not a symlink found from its folder's real path (found once per folder) with one lstat, where
    realpath made one per part of the path and stat one more (~1% of a 10,000-alarm compile). Strings, not
    Paths: making and comparing a Path per file cost as much again."""

    def __init__(self, root: Path) -> None:
        self.root = os.path.realpath(root)
        # What a real path inside the project starts with, the root itself aside; normcase: Windows ignores case.
        self.inside = os.path.normcase(os.path.join(self.root, ""))
        self.folders: dict[str, str] = {}

    def of(self, path: Path) -> tuple[str, int]:
        """The file's real path and mode; OSError when it does not exist or cannot be looked at."""
        info = os.lstat(path)
        folder, name = os.path.split(path)
        if stat.S_ISLNK(info.st_mode) or name in ("", ".", ".."):
            found = os.path.realpath(path, strict=True)
            return found, os.stat(found).st_mode
        if folder not in self.folders:
            self.folders[folder] = os.path.realpath(folder or ".", strict=True)
        return os.path.join(self.folders[folder], name), info.st_mode

    def holds(self, real_path: str) -> bool:
        """Whether a real path lies inside the project: Path.is_relative_to of the two."""
        return real_path == self.root or os.path.normcase(real_path).startswith(self.inside)


def _top_folder(real_path: str) -> str:
    """The first folder of an absolute path under its root (`proc` of /proc/self/environ): Path(real_path).parts[1],
    or "" for the root itself."""
    return os.path.splitdrive(real_path)[1].lstrip(os.sep).split(os.sep, 1)[0]


def folder_outside(folder: Path, root: Path) -> Diagnostic | None:
    """One error for a folder (monitors/, runbooks_src/) that is a symlink out of the project, rather
    than one per file in it."""
    if Path(os.path.realpath(folder)).is_relative_to(Path(os.path.realpath(root))):
        return None
    return error(Span(folder.relative_to(root).as_posix() + "/"), "outside-project",
                 "the folder's real path (symlinks followed) is outside the project; obsgen reads only files "
                 "inside the project directory, so a symlink must point inside it")


# Linux's procfs and sysfs (files that report a size of 0 and read anything) and device nodes; a
# project that lives under them is not a project. The size check in _read_regular covers other mounts.
VIRTUAL_ROOTS = ("proc", "sys", "dev")
# O_NONBLOCK: a FIFO swapped in after the stat above must not block the open; O_NOFOLLOW: nor may a
# symlink swapped in for the resolved path be followed (both absent on Windows, where neither applies).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _read_regular(real: str, rel: str, problems: list[Diagnostic]) -> bytes | None:
    try:
        handle = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        problems.append(error(Span(rel), "unreadable", f"cannot read file: {exc.strerror}"))
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            problems.append(error(Span(rel), "not-a-file", "not a regular file; refusing to read it"))
            return None
        # One byte more than the file says it holds (or than the limit) shows both a virtual file and one too
        # large; asking for the limit's 4 MiB each time cost a 4 MiB buffer per file (~2% of a compile).
        data = _read_up_to(handle, min(info.st_size, yaml_reader.MAX_FILE_BYTES) + 1)
    except OSError as exc:
        problems.append(error(Span(rel), "unreadable", f"cannot read file: {exc.strerror}"))
        return None
    finally:
        os.close(handle)
    if len(data) > info.st_size:  # a regular file never holds more than its size: a virtual one can
        problems.append(error(Span(rel), "not-a-file",
                              f"the file says it holds {info.st_size:,} bytes but reads more: a virtual file "
                              "(procfs, sysfs); refusing to read it"))
        return None
    return data


def _read_up_to(handle: int, size: int) -> bytes:
    """`size` bytes of the open file, fewer at its end: what a buffered file's read(size) gives, without
    building one (open() of the descriptor, its isatty and fstat: half the cost of reading a spec file)."""
    parts = []
    while size > 0 and (chunk := os.read(handle, size)):
        parts.append(chunk)
        size -= len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _check_header(doc: Document, model: type[BaseModel]) -> list[Diagnostic]:
    """apiVersion and kind first: a wrong kind would otherwise drown in unknown-key errors."""
    data = doc.data
    if not isinstance(data, Mapping):
        return [error(doc.span(()), "bad-value",
                      f"expected a mapping with apiVersion and kind at the top level, found {kind_of(data)}")]
    kind = "Project" if model is ProjectSpec else "Service"
    version = data.get("apiVersion")
    if version == OPENSLO_API_VERSION:
        return [error(doc.span(("apiVersion",)), "bad-api-version",
                      f"an OpenSLO document; obsgen reads OpenSLO files under {MONITORS_DIR}/{OPENSLO_FOLDER}/, so move "
                      "this file there")]
    if version is not None and version != API_VERSION:
        return [error(doc.span(("apiVersion",)), "bad-api-version",
                      f"unsupported apiVersion '{shown(version)}'; this obsgen reads {API_VERSION}")]
    found = data.get("kind")
    if found is not None and found != kind:
        where = f"{MONITORS_DIR}/{PROJECT_FILE}" if kind == "Project" else f"files other than {MONITORS_DIR}/{PROJECT_FILE}"
        return [error(doc.span(("kind",)), "bad-kind", f"expected kind '{kind}' in {where}, found '{shown(found)}'")]
    return []


def kind_of(value: Any) -> str:
    """What a whole document is, never what it says: a file that is one bare scalar is most likely not
    a spec at all (a token, a password file), and its text must not end up in a CI log."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "nothing (null)"
    return "a list" if isinstance(value, list) else "a mapping"


def _duplicate_services(services: list[ServiceEntry]) -> list[Diagnostic]:
    seen: dict[str, ServiceEntry] = {}
    problems = []
    for entry in services:
        name = entry.spec.service
        if name in seen:
            problems.append(error(entry.doc.span(("service",)), "duplicate-service",
                                  f"service '{name}' is already defined in {seen[name].doc.path}"))
        else:
            seen[name] = entry
    return problems
