"""Spec files' parsed trees from the cache (language/parse_cache.py, issue #22) are the reader's trees
exactly -- every value, type, position and interned string -- so every later diagnostic points at the
same place; a file is served from the cache only when its bytes and the reader are the ones that
stored it, and only a file that read cleanly, without aliases, is ever stored."""

from __future__ import annotations

import hashlib
import math
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.language import parse_cache, yaml_reader
from obsgen.language.load import load_spec
from obsgen.language.yaml_reader import Mapping, Sequence
from obsgen.render_cache import RenderCache

from test_bad_specs import build_case, case_names

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
# Every YAML file of the repository obsgen reads the way it reads spec files: the example, the bad-spec
# corpus, the presets' and the metric catalog's data.
YAML_FILES = sorted(p for folder in ("monitors", "tests/bad_specs", "src/obsgen/presets/data", "src/obsgen/metrics/data")
                    for p in (ROOT / folder).rglob("*.y*ml"))


def interned(text: str) -> bool:
    """Whether `text` is the interned copy (sys.intern of an equal new string gives it back)."""
    return sys.intern("".join(list(text))) is text


def same_tree(a: Any, b: Any, where: str = "", cached: bool = True) -> None:
    """Asserts `b` is `a` as the reader made it: types, values, `start`, `marks`; and that `b`'s keys and short
    strings are interned when it came from the cache (`cached`), as the reader interns them (it leaves some,
    such as `5m`, to its per-file memo)."""
    assert type(a) is type(b), where
    if isinstance(a, (Mapping, Sequence)):
        assert (a.start, a.marks) == (b.start, b.marks), where
        if isinstance(a, Mapping):
            assert list(a) == list(b), where
            assert not cached or all(interned(key) for key in b), f"{where}: keys not interned"
            for key in a:
                same_tree(a[key], b[key], f"{where}/{key}", cached)
        else:
            assert len(a) == len(b), where
            for index, (x, y) in enumerate(zip(a, b)):
                same_tree(x, y, f"{where}/{index}", cached)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where
        if cached and type(b) is str and len(b) <= 48:
            assert interned(b), f"{where}: {b!r} not interned"


def test_every_yaml_file_of_the_repository_comes_back_exactly() -> None:
    stored = 0
    for path in YAML_FILES:
        doc, problems = yaml_reader.load(path.name, path.read_bytes())
        if doc is None or problems or not isinstance(doc.data, Mapping):
            continue  # never stored (a top level that is not a mapping is refused after the reader)
        try:
            text = parse_cache.encode(doc.data)
        except parse_cache.Uncacheable:
            continue
        same_tree(doc.data, parse_cache.decode(text), str(path))
        stored += 1
    assert stored > 250  # the corpus's readable files, the presets, the catalog: all of them kept


def test_the_values_json_must_carry_exactly(tmp_path: Path) -> None:
    source = ('apiVersion: obsgen/v1\nkind: Service\nservice: "odd \\ud7ff \\t values"\n'
              "numbers: [.nan, -.inf, .inf, -0.0, 1e300, 0x1F, 0o17, 12345678901234567890123, 1.0, 7]\n"
              "flags: [yes, no, on, true, False, ~, null, '', \"quoted 5m\", 5m]\n"
              "unicode: \"\\u00e9t\\u00e9 \\u2014 \\U0001F600\"\n"
              "long: " + "x" * 60 + "\nnested: {a: [[{b: c}]], d: {}}\nempty: []\n").encode("utf-8")
    doc, problems = yaml_reader.load("monitors/odd.yaml", source)
    assert doc is not None and problems == []
    same_tree(doc.data, parse_cache.decode(parse_cache.encode(doc.data)))


@pytest.mark.parametrize("source", [
    "a: &shared {x: 1}\nb: *shared\n",  # an alias: one mapping reached twice
    "base: &b {x: {deep: 1}}\nmerged:\n  <<: *b\n  y: 2\n",  # a merge key: the mapping under x shared
    "\"\\0m\": 1\n",  # a key that begins like the positions' member
])
def test_a_tree_json_would_not_give_back_is_never_stored(source: str, tmp_path: Path) -> None:
    store = RenderCache(tmp_path / "cache")
    first = parse_cache.load("monitors/a.yaml", source.encode("utf-8"), store)
    assert first[0] is not None or first[1]  # read (or refused) as the reader does
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*"))
    second = parse_cache.load("monitors/a.yaml", source.encode("utf-8"), RenderCache(tmp_path / "cache"))
    assert (second[1], second[0] is None) == (first[1], first[0] is None)


def test_a_merge_key_of_scalars_is_stored_with_the_positions_it_copied(tmp_path: Path) -> None:
    source = b"base: &b {x: 1, z: two}\nmerged:\n  <<: *b\n  y: 2\n"
    parsed, _ = yaml_reader.load("monitors/a.yaml", source)
    parse_cache.load("monitors/a.yaml", source, RenderCache(tmp_path / "cache"))
    warm = RenderCache(tmp_path / "cache")
    doc, _ = parse_cache.load("monitors/a.yaml", source, warm)
    assert warm.hits == 1 and parsed is not None and doc is not None
    same_tree(parsed.data, doc.data)


def test_a_file_the_reader_refused_is_never_stored_and_refused_again(tmp_path: Path) -> None:
    source = b"apiVersion: obsgen/v1\nkind: Service\nkind: Service\n"  # a duplicate key
    for _ in range(2):
        store = RenderCache(tmp_path / "cache")
        doc, problems = parse_cache.load("monitors/a.yaml", source, store)
        assert doc is None and [p.code for p in problems] == ["duplicate-key"]
        assert store.hits == 0
    assert not (tmp_path / "cache").exists()


def test_a_hit_is_the_same_document_and_other_bytes_or_another_reader_miss(tmp_path: Path, monkeypatch) -> None:
    source = (ROOT / "monitors" / "stock-api.yaml").read_bytes()
    parsed, _ = yaml_reader.load("monitors/stock-api.yaml", source)
    assert parsed is not None
    cold = RenderCache(tmp_path / "cache")
    parse_cache.load("monitors/stock-api.yaml", source, cold)
    assert (cold.hits, cold.misses) == (0, 1)
    warm = RenderCache(tmp_path / "cache")
    doc, problems = parse_cache.load("monitors/renamed.yaml", source, warm)
    assert (warm.hits, warm.misses, problems) == (1, 0, [])
    assert doc is not None and (doc.path, doc.text) == ("monitors/renamed.yaml", parsed.text)
    same_tree(parsed.data, doc.data)
    edited = RenderCache(tmp_path / "cache")
    parse_cache.load("monitors/stock-api.yaml", source.replace(b"threshold", b"threshold ", 1), edited)
    assert edited.hits == 0
    monkeypatch.setattr(parse_cache, "_salt", lambda: "another reader")
    other = RenderCache(tmp_path / "cache")
    parse_cache.load("monitors/stock-api.yaml", source, other)
    assert other.hits == 0


@pytest.mark.parametrize("stored", [b'{"a": 1}', b"[1, 2]", b'{"\\u0000m": [0, 0, [1, 2]], "a": 1}', b"\xff not text",
                                    b'{"\\u0000s": [0, 0, [], [1]]}', b"1e999999", b'{"\\u0000m": [0, 0, [1]], "a": 1}',
                                    b'{"\\u0000m": [0, 0, "1,2"], "a": 1}',
                                    b'{"\\u0000s": [0, 0, "", [1]], "\\u0000m": [0, 0, ""]}'])
def test_an_entry_that_is_not_a_tree_is_a_miss(stored: bytes, tmp_path: Path) -> None:
    source = (ROOT / "monitors" / "stock-api.yaml").read_bytes()
    store = RenderCache(tmp_path / "cache")
    key = store.key(parse_cache.KIND, parse_cache._salt(), hashlib.sha256(source).hexdigest())
    entry = Path(store._path(parse_cache.KIND, key))  # checksummed, so only the tree's own check can refuse it
    entry.parent.mkdir(parents=True)
    entry.write_bytes(hashlib.sha256(stored).hexdigest().encode("ascii") + b"\n" + stored)
    doc, problems = parse_cache.load("monitors/stock-api.yaml", source, store)
    parsed, _ = yaml_reader.load("monitors/stock-api.yaml", source)
    assert problems == [] and doc is not None and parsed is not None
    assert (store.hits, store.misses) == (0, 1)  # parsed again...
    same_tree(parsed.data, doc.data, cached=False)
    assert parse_cache.decode(entry.read_bytes().partition(b"\n")[2]) == doc.data  # ...and stored over it


def test_a_tree_from_the_cache_decodes_its_marks_when_first_read() -> None:
    source = (ROOT / "monitors" / "stock-api.yaml").read_bytes()
    parsed, _ = yaml_reader.load("monitors/stock-api.yaml", source)
    assert parsed is not None
    tree = parse_cache.decode(parse_cache.encode(parsed.data))
    monitors = tree["monitors"]
    assert not hasattr(tree, "_marks") and not hasattr(monitors, "_marks")  # text until a diagnostic reads them
    assert tree.marks == parsed.data.marks and tree.marks is tree.marks  # made once, then kept
    assert not hasattr(monitors, "_marks")  # each container's on its own


def test_every_bad_spec_case_loads_alike_from_a_warm_cache(tmp_path: Path) -> None:
    """The corpus's diagnostics and validated specs, without the cache, filling it, and from it."""
    hits = 0
    for name in case_names():
        root = build_case(name, tmp_path / name)
        warm = RenderCache(tmp_path / "cache")
        runs = [load_spec(root, store=store) for store in (None, RenderCache(tmp_path / "cache"), warm)]
        hits += warm.hits
        (spec, problems), *cached = runs
        for other_spec, other_problems in cached:
            assert [str(p) for p in other_problems] == [str(p) for p in problems], name
            assert (other_spec is None) == (spec is None), name
            if spec is not None and other_spec is not None:
                assert other_spec.project == spec.project and \
                    [s.spec for s in other_spec.services] == [s.spec for s in spec.services], name
                for mine, theirs in zip(spec.services, other_spec.services):
                    same_tree(mine.doc.data, theirs.doc.data, f"{name}: {mine.doc.path}", cached=False)
        shutil.rmtree(root)
    assert hits > 2 * len(case_names())  # each case's project file and most of its services came from the cache


def test_the_example_compiles_alike_from_a_warm_cache(tmp_path: Path) -> None:
    store = RenderCache(tmp_path / "cache")
    clean = compile_project(ROOT)
    compile_project(ROOT, pages=False, store=store)
    warm = RenderCache(tmp_path / "cache")
    cached = compile_project(ROOT, store=warm)
    assert warm.hits and cached.files == clean.files and cached.diagnostics == clean.diagnostics


def test_validate_reads_the_cache_and_never_writes_it(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "monitors", project / "monitors")
    shutil.copytree(ROOT / "runbooks_src", project / "runbooks_src")
    cache = tmp_path / "cache"
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(cache))
    assert runner.invoke(app, ["validate", "-C", str(project)]).exit_code == 0
    assert not cache.exists()
    assert runner.invoke(app, ["build", "--env", "staging", "-C", str(project)]).exit_code == 0
    entries = sorted((cache / parse_cache.KIND).rglob("*"))
    assert entries
    read: list[str] = []
    real_get = RenderCache.get_bytes
    monkeypatch.setattr(RenderCache, "get_bytes", lambda self, kind, key: read.append(kind) or real_get(self, kind, key))
    assert runner.invoke(app, ["validate", "-C", str(project)]).exit_code == 0
    assert read and set(read) == {parse_cache.KIND}
    assert sorted((cache / parse_cache.KIND).rglob("*")) == entries
    read.clear()
    assert runner.invoke(app, ["validate", "--no-cache", "-C", str(project)]).exit_code == 0
    assert read == []


@pytest.mark.parametrize("command", [["validate"], ["build", "--env", "staging"], ["build", "--check"]])
def test_a_cache_directory_inside_the_project_is_never_used(command: list[str], tmp_path: Path, monkeypatch) -> None:
    """A repository could ship entries there made to match its own files' keys: a tree that is not the file's text."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "monitors", project / "monitors")
    shutil.copytree(ROOT / "runbooks_src", project / "runbooks_src")
    cache = project / ".cache" / "obsgen"
    store = RenderCache(cache)
    source = (project / "monitors" / "stock-api.yaml").read_bytes()
    poisoned = (ROOT / "monitors" / "obsgen.yaml").read_bytes()  # a valid tree, but not this file's
    doc, _ = yaml_reader.load("x", poisoned)
    assert doc is not None
    store.put(parse_cache.KIND, store.key(parse_cache.KIND, parse_cache._salt(), hashlib.sha256(source).hexdigest()),
              parse_cache.encode(doc.data))
    entries = sorted(cache.rglob("*"))
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(project / "sub" / ".." / ".cache" / "obsgen"))
    if command == ["build", "--check"]:
        assert runner.invoke(app, ["build", "-C", str(project)], env={"OBSGEN_CACHE_DIR": str(tmp_path / "c")}).exit_code == 0
    result = runner.invoke(app, [*command, "-C", str(project)])
    assert result.exit_code == 0, result.output
    assert "is inside the project, where a repository could ship entries: not used" in result.output
    assert sorted(cache.rglob("*")) == entries  # nothing read into the build, nothing written


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
