"""The cache of rendered pages (render_cache.py, issue #22 target 3) can never serve a stale page: a
build that reads it after any kind of input changed -- a spec file, runbooks_src guidance, a preset,
obsgen's own version -- writes exactly what a clean build writes, byte for byte. `build --check` only
reads it; `--no-cache` and OBSGEN_NO_CACHE neither read nor write it."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import obsgen
from obsgen.chunks import joined
from obsgen.cli import app
from obsgen.compiler import compile_project, write
from obsgen.presets import catalog as preset_catalog
from obsgen.presets import expand
from obsgen.language import jsonschema
from obsgen.render_cache import MAX_AGE_DAYS, RenderCache, default_directory, package_digest

ROOT = Path(__file__).resolve().parents[1]
KIND = "page-html"
runner = CliRunner()

QUEUE_SERVICE = """apiVersion: obsgen/v1
kind: Service
service: orders-queue
owner: platform-team
description: The orders queue, watched with AWS's recommended alarms only.
resources:
  queue:
    type: sqs
    name: "orders-${env}"
    preset: recommended
    params:
      max_age: 10m
      dead_letter_queue: "orders-dlq-${env}"
      max_visible: 1000
      max_in_flight: 5000
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The example, plus a service whose monitors come from a preset untouched (so a preset's text
    reaches the pages)."""
    root = tmp_path / "project"
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(ROOT / name, root / name)
    (root / "monitors" / "orders-queue.yaml").write_text(QUEUE_SERVICE, encoding="utf-8")
    return root


def built(root: Path, store: RenderCache | None) -> dict[str, str]:
    """Every file of a full build, as `obsgen build` streams them."""
    files: dict[str, str] = {}
    build = compile_project(root, sink=lambda rel, content: files.__setitem__(rel, joined(content)), store=store)
    assert build.ok, build.diagnostics
    return {**files, **build.files}


def entries(directory: Path) -> list[Path]:
    """The cached values of every kind."""
    return sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith("."))


def edit_a_spec_file(root: Path) -> None:
    path = root / "monitors" / "stock-api.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('threshold: "> 5"', 'threshold: "> 7"', 1), encoding="utf-8")


def edit_the_project_description(root: Path) -> None:
    path = root / "monitors" / "obsgen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("description: Stock analysis API", "description: The stock API"),
                    encoding="utf-8")


def edit_the_guidance(root: Path) -> None:
    with (root / "runbooks_src" / "lambda-errors.md").open("a", encoding="utf-8") as page:
        page.write("\n## Diagnosis\n\nCheck the *new* deploy first: `aws lambda list-versions-by-function`.\n")


def edit_a_preset(root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = tmp_path / "presets"
    shutil.copytree(preset_catalog.DATA_DIR, data)
    sqs = data / "sqs.yaml"
    sqs.write_text(sqs.read_text(encoding="utf-8").replace("Messages wait too long", "Messages sit too long"),
                   encoding="utf-8")
    catalog, problems = preset_catalog.load_catalog(data)
    monkeypatch.setattr(expand, "shipped_catalog", lambda: (catalog, tuple(problems)))


@pytest.mark.parametrize("change", ["spec file", "project description", "guidance", "preset"])
def test_a_build_from_a_warm_cache_after_a_change_equals_a_clean_build(project, tmp_path, monkeypatch, change):
    store = RenderCache(tmp_path / "cache")
    before = built(project, store)
    if change == "spec file":
        edit_a_spec_file(project)
    elif change == "project description":
        edit_the_project_description(project)
    elif change == "guidance":
        edit_the_guidance(project)
    else:
        edit_a_preset(project, monkeypatch, tmp_path)
    warm = RenderCache(tmp_path / "cache")
    after = built(project, warm)
    clean = built(project, None)
    assert after == clean
    changed = [rel for rel in clean if rel.startswith("site/") and before.get(rel) != clean[rel]]
    assert changed  # the change reached the site's pages...
    assert warm.hits and warm.misses  # ...which were made again, while the others came from the cache


def test_a_second_build_takes_every_page_from_the_cache_and_writes_the_same_bytes(project, tmp_path):
    first = RenderCache(tmp_path / "cache")
    clean = built(project, first)
    assert first.hits == 0 and first.misses == len(entries(tmp_path / "cache")) > 0
    second = RenderCache(tmp_path / "cache")
    assert built(project, second) == clean
    assert second.misses == 0 and second.hits == first.misses


def test_another_obsgen_version_never_reads_what_this_one_cached(project, tmp_path, monkeypatch):
    built(project, RenderCache(tmp_path / "cache"))
    for entry in entries(tmp_path / "cache"):  # were any of these read, the pages would say so
        value = '{"html": "<p>STALE</p>", "sections": []}' if entry.parent.parent.name == KIND else "<p>STALE</p>"
        entry.write_text(f"{hashlib.sha256(value.encode()).hexdigest()}\n{value}", encoding="utf-8")
    monkeypatch.setattr(obsgen, "__version__", obsgen.__version__ + ".post1")
    other = RenderCache(tmp_path / "cache")
    assert built(project, other) == built(project, None)
    assert other.hits == 0


def test_a_damaged_entry_is_made_again(project, tmp_path):
    clean = built(project, RenderCache(tmp_path / "cache"))
    damaged = entries(tmp_path / "cache")
    damaged[0].write_bytes(b"\xff\xfe not json")
    damaged[1].write_text(damaged[1].read_text(encoding="utf-8").replace("<", "[", 1), encoding="utf-8")
    damaged[2].write_text("", encoding="utf-8")
    store = RenderCache(tmp_path / "cache")
    assert built(project, store) == clean
    assert store.misses == 3
    assert RenderCache(tmp_path / "cache").get(damaged[2].parent.parent.name, damaged[2].parent.name + damaged[2].name)


def test_a_monitors_pages_come_from_one_entry_and_a_malformed_one_is_made_again(project, tmp_path):
    clean = built(project, RenderCache(tmp_path / "cache"))
    pairs = entries(tmp_path / "cache" / "monitor-pages")
    assert pairs and not (tmp_path / "cache" / "runbook-page").exists()  # a build streams: pages come in pairs
    for entry, text in zip(pairs, ["no length line", "99999999\ntoo short", "x\n", "\u00b2\nx"]):
        data = text.encode("utf-8")  # checksummed, so only the pair's own check can refuse it
        entry.write_bytes(hashlib.sha256(data).hexdigest().encode("ascii") + b"\n" + data)
    malformed = [entry.read_bytes() for entry in pairs[:4]]
    assert built(project, RenderCache(tmp_path / "cache")) == clean
    assert all(entry.read_bytes() not in malformed for entry in pairs[:4])  # made again and stored over them


def test_a_pair_entry_splits_at_the_markdowns_length_in_bytes(project, tmp_path):
    """A hit hands the sink the stored UTF-8 bytes: text outside ASCII before the split (more bytes than
    characters) must still give each page exactly its own bytes."""
    path = project / "monitors" / "orders-queue.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "description: The orders queue,", "description: \u00c9t\u00e9 \u2014 the orders queue \u2713,"), encoding="utf-8")
    clean = built(project, None)
    assert any("\u2014" in text for rel, text in clean.items() if rel.startswith("runbooks/orders-queue/"))
    store = RenderCache(tmp_path / "cache")
    assert built(project, store) == clean  # cold: fills the cache
    warm = RenderCache(tmp_path / "cache")
    assert built(project, warm) == clean
    assert warm.hits > 0 and warm.misses == 0


def test_a_read_only_cache_serves_pages_but_stores_none(project, tmp_path):
    clean = built(project, None)
    store = RenderCache(tmp_path / "cache", writable=False)
    assert built(project, store) == clean
    assert store.misses > 0 and not (tmp_path / "cache").exists()


def test_build_fills_the_cache_check_only_reads_it_and_no_cache_turns_it_off(project, tmp_path, monkeypatch):
    cache = tmp_path / "cli-cache"
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(cache))
    assert runner.invoke(app, ["build", "--no-cache", "-C", str(project)]).exit_code == 0
    assert not cache.exists()
    assert runner.invoke(app, ["build", "--check", "-C", str(project)]).exit_code == 0
    assert not cache.exists()  # --check writes nothing, the cache included
    monkeypatch.setenv("OBSGEN_NO_CACHE", "1")
    assert runner.invoke(app, ["build", "-C", str(project)]).exit_code == 0
    assert not cache.exists()
    monkeypatch.delenv("OBSGEN_NO_CACHE")
    assert runner.invoke(app, ["build", "-C", str(project)]).exit_code == 0
    filled = entries(cache)
    assert filled
    stamps = {p: p.stat().st_mtime_ns for p in filled}
    assert runner.invoke(app, ["build", "--check", "-C", str(project)]).exit_code == 0
    assert {p: p.stat().st_mtime_ns for p in entries(cache)} == stamps


def test_the_cache_lives_in_the_users_cache_directory_not_in_the_project():
    assert default_directory({"OBSGEN_CACHE_DIR": "/x/y"}) == Path("/x/y")
    assert default_directory({"XDG_CACHE_HOME": "/var/cache/me"}) == Path("/var/cache/me/obsgen")
    assert default_directory({"XDG_CACHE_HOME": "relative"}) == Path.home() / ".cache" / "obsgen"
    assert default_directory({}) == Path.home() / ".cache" / "obsgen"


def test_a_sweep_removes_entries_no_build_used_for_weeks_once_a_day(tmp_path):
    store = RenderCache(tmp_path)
    old, fresh = store.key(KIND, "", "old page"), store.key(KIND, "", "fresh page")
    store.put(KIND, old, "<p>old</p>")
    store.put(KIND, fresh, "<p>fresh</p>")
    weeks_ago = time.time() - (MAX_AGE_DAYS + 1) * 86_400
    os.utime(tmp_path / KIND / old[:2] / old[2:], (weeks_ago, weeks_ago))
    assert store.sweep(KIND) == 1
    assert store.get(KIND, old) is None and store.get(KIND, fresh) == "<p>fresh</p>"
    store.put(KIND, old, "<p>old</p>")
    os.utime(tmp_path / KIND / old[:2] / old[2:], (weeks_ago, weeks_ago))
    assert RenderCache(tmp_path).sweep(KIND) == 0  # swept today already


def test_a_hit_on_an_entry_older_than_a_day_keeps_it_from_the_sweep(tmp_path):
    store = RenderCache(tmp_path)
    key = store.key(KIND, "", "page")
    store.put(KIND, key, "<p>page</p>")
    weeks_ago = time.time() - (MAX_AGE_DAYS + 1) * 86_400
    os.utime(tmp_path / KIND / key[:2] / key[2:], (weeks_ago, weeks_ago))
    assert RenderCache(tmp_path).get(KIND, key) == "<p>page</p>"
    assert RenderCache(tmp_path).sweep(KIND) == 0
    assert RenderCache(tmp_path).get(KIND, key) == "<p>page</p>"


def test_keys_differ_for_every_input_and_for_the_renderer():
    store = RenderCache(Path("/nonexistent"))
    keys = {store.key(KIND, "renderer 1", "text", "envs"), store.key(KIND, "renderer 2", "text", "envs"),
            store.key(KIND, "renderer 1", "text!", "envs"), store.key(KIND, "renderer 1", "text", "envs!"),
            store.key(KIND, "renderer 1", "tex", "tenvs"), store.key("other", "renderer 1", "text", "envs")}
    assert len(keys) == 6


def test_the_example_builds_the_same_with_the_cache(tmp_path):
    for name in ("monitors", "runbooks_src", "generated"):
        shutil.copytree(ROOT / name, tmp_path / name)
    write(tmp_path, compile_project(tmp_path, store=RenderCache(tmp_path / "cache")))
    write(tmp_path, compile_project(tmp_path, store=RenderCache(tmp_path / "cache")))
    assert runner.invoke(app, ["build", "--check", "--no-cache", "-C", str(tmp_path)]).exit_code == 0


def test_the_schema_comes_from_the_cache_only_for_the_same_package(project, tmp_path, monkeypatch):
    store = RenderCache(tmp_path / "cache")
    clean = jsonschema.schema_text()
    assert jsonschema.schema_text(store) == clean == jsonschema.schema_text(RenderCache(tmp_path / "cache"))
    [entry] = entries(tmp_path / "cache")
    entry.write_text(f"{hashlib.sha256(b'{}').hexdigest()}\n{{}}", encoding="utf-8")
    assert jsonschema.schema_text(RenderCache(tmp_path / "cache")) == "{}"  # what the cache holds is served...
    monkeypatch.setattr(jsonschema, "package_digest", lambda: "an edited checkout")
    assert jsonschema.schema_text(RenderCache(tmp_path / "cache")) == clean  # ...to the same package only


def test_the_package_digest_changes_with_any_file_of_the_package(tmp_path):
    package = tmp_path / "obsgen"
    shutil.copytree(Path(obsgen.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = package_digest(package)
    assert before == package_digest(Path(obsgen.__file__).parent)
    (package / "presets" / "data" / "sqs.yaml").write_text("changed\n", encoding="utf-8")
    assert package_digest.__wrapped__(package) != before


def test_a_sweep_looks_at_every_kind(tmp_path):
    store = RenderCache(tmp_path)
    weeks_ago = time.time() - (MAX_AGE_DAYS + 1) * 86_400
    for kind in ("site-page", "schema"):
        key = store.key(kind, "", "old")
        store.put(kind, key, "old")
        os.utime(tmp_path / kind / key[:2] / key[2:], (weeks_ago, weeks_ago))
    assert store.sweep_all() == 2 and entries(tmp_path) == []
    assert RenderCache(tmp_path / "absent").sweep_all() == 0


def test_typed_text_tells_markdown_from_plain_text_and_refuses_what_is_not_data():
    from typing import NamedTuple

    from obsgen.render_cache import typed_text
    from obsgen.runbooks.wording import Markdown

    assert typed_text(Markdown("*x*")) != typed_text("*x*")  # the same repr, rendered differently
    assert typed_text(("a", "b")) != typed_text(("ab",)) != typed_text(["a", "b"])
    assert typed_text({"a": 1}) != typed_text({"a": 1.0}) != typed_text({"a": True})
    assert typed_text(Path("x").parts) == typed_text(("x",))

    class Pair(NamedTuple):
        a: int
        b: int

    with pytest.raises(TypeError):
        typed_text(Pair(1, 2))
    with pytest.raises(TypeError):
        typed_text({1, 2})


def test_a_projects_own_page_template_is_never_cached(project, tmp_path):
    packaged = (Path(obsgen.__file__).parent / "templates" / "runbook.md.j2").read_text(encoding="utf-8")
    (project / "runbooks_src" / "_default.md.j2").write_text(packaged + "\nOur own footer.\n", encoding="utf-8")
    store = RenderCache(tmp_path / "cache")
    assert built(project, store) == built(project, None)
    assert not (tmp_path / "cache" / "runbook-page").exists()
    assert not (tmp_path / "cache" / "monitor-pages").exists()
    assert "Our own footer." in built(project, RenderCache(tmp_path / "cache"))["runbooks/stock-api/lambda-error-rate.md"]


def test_typed_text_is_the_same_for_equal_values_and_differs_for_any_other():
    from dataclasses import dataclass

    from obsgen.render_cache import typed_text
    from obsgen.runbooks.wording import Markdown

    @dataclass(frozen=True)
    class Row:
        a: object
        b: object = ""

    made = "".join(["ab", "c"])  # equal to "abc", another object (not interned)
    assert typed_text(Row(("abc", "abc"))) == typed_text(Row((made, "abc")))  # whatever objects are shared
    assert typed_text(Row(0.0)) != typed_text(Row(-0.0)) != typed_text(Row(0)) != typed_text(Row(False))
    assert typed_text(Row(("a",))) != typed_text(Row("a")) != typed_text(Row(Markdown("a")))
    assert typed_text(Row(("a", "b"))) != typed_text(Row((("a", "b"),)))
    assert typed_text(Row("a", "b")) != typed_text(Row("b", "a")) != typed_text(Row("ab"))
    assert typed_text(Row("\ud800")) != typed_text(Row("\udc00"))  # lone surrogates are text too
    deep: object = ()
    for _ in range(5000):
        deep = (deep,)
    with pytest.raises(TypeError):
        typed_text(deep)


def test_a_key_after_shared_parts_is_the_same_key():
    store = RenderCache(Path("/nonexistent"))
    assert store.key_after(("kind", "salt", "a", "b"), "c", "d") == store.key("kind", "salt", "a", "b", "c", "d")
    assert store.key_after(("kind", "salt", "a"), "b", "c", "d") == store.key("kind", "salt", "a", "b", "c", "d")
    assert store.key_after(("kind", "salt", "a"), "bc") != store.key("kind", "salt", "a", "b", "c")


def service_pages(root: Path, store: RenderCache) -> dict[str, str]:
    """The name each service page comes `Named` by (chunks.Named: what the manifest of generated/ matches)."""
    from obsgen.chunks import Named

    names: dict[str, str] = {}

    def sink(rel: str, content: object) -> None:
        if rel.startswith("site/_services/"):
            assert isinstance(content, Named)
            names[rel] = content.identity
            assert joined(content) == clean[rel]

    clean = built(root, None)
    compile_project(root, sink=sink, store=store)
    assert names
    return names


@pytest.mark.parametrize("change", ["owner", "service description", "a monitor's summary", "project description",
                                    "the code"])
def test_a_service_page_has_another_name_when_anything_it_shows_changes(project, tmp_path, monkeypatch, change):
    from obsgen.runbooks import site

    store = RenderCache(tmp_path / "cache")
    before = service_pages(project, store)
    assert service_pages(project, store) == before
    spec = project / "monitors" / "stock-api.yaml"
    text = spec.read_text(encoding="utf-8")
    if change == "owner":
        spec.write_text(text.replace("owner: platform-team", "owner: api-team", 1), encoding="utf-8")
    elif change == "service description":
        spec.write_text(text.replace("description: Public REST API", "description: The public REST API", 1),
                        encoding="utf-8")
    elif change == "a monitor's summary":
        spec.write_text(text.replace("API Gateway is throttling requests.", "API Gateway throttles requests.", 1),
                        encoding="utf-8")
    elif change == "project description":
        edit_the_project_description(project)
    else:
        monkeypatch.setattr(site, "service_salt", lambda: "other code")
    after = service_pages(project, store)
    changed = {rel for rel in before if after[rel] != before[rel]}
    if change == "project description" or change == "the code":
        assert changed == set(before)
    else:
        assert changed == {"site/_services/stock-api.html"}
