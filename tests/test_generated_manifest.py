"""The manifest of generated/ (generated_manifest.py, issue #22 targets 1 and 3) lets a build know an
unchanged page by its lstat alone, and is never believed over the file: a page changed by hand (even
to the same size, its mtime put back), replaced, or written in the same tick of the clock as the
build started is read; a page whose inputs changed has another name and is made again; a damaged,
missing or foreign manifest means every page is read. Every build here writes what a clean build
writes, byte for byte."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obsgen.chunks import Named
from obsgen.cli import app
from obsgen.compiler import compile_project, write
from obsgen.generated_manifest import Manifest, location
from obsgen.generated_tree import Staging
from obsgen.render_cache import RenderCache

ROOT = Path(__file__).resolve().parents[1]
PAGE = "runbooks/stock-api/lambda-error-rate.md"
HTML = "site/stock-api/lambda-error-rate.html"
runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(ROOT / name, root / name)
    return root


def build(root: Path, cache: Path, env: list[str] | None = None) -> Manifest:
    """What `obsgen build` does with the cache at `cache`; returns the manifest it used."""
    manifest = Manifest(location(cache, root / "generated"), root / "generated")
    with Staging(root, manifest) as staging:
        result = compile_project(root, env, sink=staging.add, store=RenderCache(cache))
        assert result.ok, result.diagnostics
        write(root, result, staging=staging)
    return manifest


def tree(root: Path) -> dict[str, bytes]:
    base = root / "generated"
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def clean(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """generated/ as a build without cache or manifest makes it from scratch."""
    other = tmp_path / "clean"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(root / "monitors", other / "monitors")
    shutil.copytree(root / "runbooks_src", other / "runbooks_src")
    with Staging(other) as staging:
        result = compile_project(other, sink=staging.add)
        write(other, result, staging=staging)
    return tree(other)


def pages(root: Path) -> int:
    """The files a build hands over `Named`: each monitor's two pages and each service's page."""
    return sum(1 for rel in tree(root) if rel.count("/") == 2 and (
        rel.startswith(("runbooks/", "site/")) and "/_" not in rel or rel.startswith("site/_services/")))


def test_a_page_is_known_by_its_lstat_once_a_build_has_read_it(project, tmp_path):
    cache = tmp_path / "cache"
    assert build(project, cache).known == 0  # written: nothing recorded yet
    assert build(project, cache).known == 0  # read and found equal: recorded
    path = location(cache, project / "generated")
    written = path.stat().st_mtime_ns
    third = build(project, cache)
    assert third.known == pages(project) > 0  # known by lstat alone, neither made nor read
    assert tree(project) == clean(project, tmp_path)
    assert path.stat().st_mtime_ns == written  # the same records: not written again...
    os.utime(path, (time.time() - 2 * 86_400, time.time() - 2 * 86_400))
    assert build(project, cache).known == pages(project)
    assert path.stat().st_mtime > time.time() - 3_600  # ...unless it is old enough for the cache's sweep


def test_a_page_edited_by_hand_to_the_same_size_and_mtime_is_found_and_made_again(project, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(cache))
    for _ in range(2):
        assert runner.invoke(app, ["build", "-C", str(project)]).exit_code == 0
    expected = tree(project)
    for rel in (PAGE, HTML):
        path = project / "generated" / rel
        before = path.stat()
        data = path.read_bytes()
        path.write_bytes(data.replace(b"Lambda", b"LAMBDA", 1))
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # only the ctime tells
        after = path.stat()
        assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    check = runner.invoke(app, ["build", "--check", "-C", str(project)])
    assert check.exit_code == 1
    assert f"stale: generated/{PAGE}" in check.stderr and f"stale: generated/{HTML}" in check.stderr
    assert runner.invoke(app, ["build", "-C", str(project)]).exit_code == 0
    assert tree(project) == expected
    assert runner.invoke(app, ["build", "--check", "-C", str(project)]).exit_code == 0


def test_a_page_replaced_by_another_file_is_read(project, tmp_path):
    cache = tmp_path / "cache"
    build(project, cache)
    build(project, cache)
    path = project / "generated" / PAGE
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(data.replace(b"Lambda", b"LAMBDA", 1))
    assert build(project, cache).known == pages(project) - 1
    assert tree(project) == clean(project, tmp_path)


def test_a_page_whose_inputs_changed_is_made_again(project, tmp_path):
    cache = tmp_path / "cache"
    build(project, cache)
    build(project, cache)
    spec = project / "monitors" / "stock-api.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace('threshold: "> 5"', 'threshold: "> 7"', 1), encoding="utf-8")
    before = tree(project)
    manifest = build(project, cache)
    after = tree(project)
    assert 0 < manifest.known < pages(project)
    assert [rel for rel in after if after[rel] != before.get(rel) and rel.startswith("site/stock-api/")]
    assert after == clean(project, tmp_path)


@pytest.mark.parametrize("damage", ["missing", "not json", "truncated", "another tree", "another format",
                                    "entries of another shape"])
def test_a_manifest_that_cannot_be_believed_means_every_page_is_read(project, tmp_path, damage):
    cache = tmp_path / "cache"
    build(project, cache)
    build(project, cache)
    path = location(cache, project / "generated")
    record = json.loads(path.read_text(encoding="utf-8"))
    if damage == "missing":
        path.unlink()
    elif damage == "not json":
        path.write_bytes(b"\xff\xfe not json")
    elif damage == "truncated":
        path.write_text(path.read_text(encoding="utf-8")[:100], encoding="utf-8")
    elif damage == "another tree":
        path.write_text(json.dumps({**record, "generated": "/elsewhere/generated"}), encoding="utf-8")
    elif damage == "another format":
        path.write_text(json.dumps({**record, "format": 0}), encoding="utf-8")
    else:
        path.write_text(json.dumps({**record, "files": {rel: entry.split() for rel, entry in record["files"].items()}}),
                        encoding="utf-8")
    assert build(project, cache).known == 0
    assert tree(project) == clean(project, tmp_path)


def test_what_changed_since_the_build_started_is_not_recorded(tmp_path):
    """Racily clean: a file whose ctime or mtime is not older than the stamp (made at the build's start)
    could still change within the same tick of the clock without its lstat showing it."""
    path = tmp_path / "file"
    path.write_text("x", encoding="utf-8")
    manifest = Manifest(tmp_path / "manifest", tmp_path)
    manifest.start(os.lstat(path))  # the stamp in the same tick as the file
    manifest.saw("file", os.lstat(path), "name")
    manifest.save(set())
    assert json.loads((tmp_path / "manifest").read_text(encoding="utf-8"))["files"] == {}
    info = os.lstat(path)
    os.utime(path, ns=(info.st_atime_ns, info.st_ctime_ns + 10**9))  # an mtime in the future
    stamp = tmp_path / "stamp"
    stamp.mkdir()
    later = Manifest(tmp_path / "manifest", tmp_path)
    later.start(os.lstat(stamp))
    later.saw("file", os.lstat(path), "name")
    later.save(set())
    assert json.loads((tmp_path / "manifest").read_text(encoding="utf-8"))["files"] == {}


def test_a_record_matches_only_the_same_text_and_every_field_of_the_lstat(tmp_path):
    path = tmp_path / "file"
    path.write_text("x", encoding="utf-8")
    info = os.lstat(path)
    stamp = tmp_path / "stamp"
    os.utime(path, ns=(info.st_atime_ns - 10**9, info.st_mtime_ns - 10**9))
    stamp.mkdir()
    while os.lstat(stamp).st_ctime_ns <= os.lstat(path).st_ctime_ns:  # a coarse clock: wait for its next tick
        stamp.rmdir()
        stamp.mkdir()
    first = Manifest(tmp_path / "manifest", tmp_path)
    first.start(os.lstat(stamp))
    info = os.lstat(path)
    first.saw("file", info, "name")
    first.save(set())
    values = list(info)
    fields = {"st_dev": 2, "st_ino": 1, "st_size": 6}
    for field, index in fields.items():
        changed = values.copy()
        changed[index] += 1
        other = os.stat_result(changed, {})
        assert not Manifest(tmp_path / "manifest", tmp_path).knows("file", _with_ns(other, info), "name"), field
    for field in ("st_mtime_ns", "st_ctime_ns"):
        other = _with_ns(info, info, **{field: getattr(info, field) + 1})
        assert not Manifest(tmp_path / "manifest", tmp_path).knows("file", other, "name"), field
    assert not Manifest(tmp_path / "manifest", tmp_path).knows("file", info, "another name")
    assert not Manifest(tmp_path / "manifest", tmp_path).knows("other", info, "name")
    assert Manifest(tmp_path / "manifest", tmp_path).knows("file", info, "name")


def _with_ns(base: os.stat_result, ns: os.stat_result, **changed: int) -> os.stat_result:
    """`base` with the nanosecond times of `ns` (os.stat_result takes them as keyword fields), some changed."""
    times = {f: changed.get(f, getattr(ns, f)) for f in ("st_atime_ns", "st_mtime_ns", "st_ctime_ns")}
    return os.stat_result(tuple(base)[:10], times)


def test_build_env_keeps_what_the_manifest_knows_of_the_runbooks_and_the_site(project, tmp_path):
    cache = tmp_path / "cache"
    build(project, cache)
    build(project, cache)
    build(project, cache, ["development"])
    assert build(project, cache).known == pages(project)


def test_no_cache_and_build_env_neither_read_nor_write_a_manifest_and_check_only_reads_it(project, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(cache))
    for _ in range(2):
        assert runner.invoke(app, ["build", "-C", str(project)]).exit_code == 0
    path = location(cache, project / "generated")
    stamp = path.stat().st_mtime_ns
    assert runner.invoke(app, ["build", "--check", "-C", str(project)]).exit_code == 0
    assert runner.invoke(app, ["build", "--no-cache", "-C", str(project)]).exit_code == 0
    assert runner.invoke(app, ["build", "--env", "development", "-C", str(project)]).exit_code == 0  # makes no page
    assert path.stat().st_mtime_ns == stamp
    assert Manifest(path, project / "generated").knows(PAGE, os.lstat(project / "generated" / PAGE),
                                                        json.loads(path.read_text(encoding="utf-8"))["files"][PAGE].split()[0])


def test_a_named_text_is_made_only_when_a_sink_asks_for_it(project, tmp_path):
    """Without a manifest every page is made, read from the cache or rendered, as before."""
    made: list[str] = []
    seen: dict[str, bytes | str] = {}

    def sink(rel: str, content: object) -> None:
        if isinstance(content, Named):
            made.append(rel)
            seen[rel] = content.make()

    compile_project(project, sink=sink, store=RenderCache(tmp_path / "cache"))
    assert PAGE in made and HTML in made
    assert all(seen.values())
