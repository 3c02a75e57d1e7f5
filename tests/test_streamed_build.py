"""`obsgen build` writes each file into the staging tree as it is rendered, and `build --check` compares
each one as it is rendered, instead of holding the whole generated/ in memory (issue #22, target 8):
the same files, the same verdicts, and still nothing written when the build fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obsgen import chunks, compiler
from obsgen.chunks import Chunks, Content, encoded, joined
from obsgen.cli import app
from obsgen.compiler import Comparison, compile_project, stale_files, write
from obsgen.diagnostics import Span, error
from obsgen.generated_tree import WORK_DIR, Staging

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("monitors", "runbooks_src", "generated"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def tree(base: Path) -> dict[str, bytes]:
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def test_a_build_with_a_sink_sends_it_every_file_and_keeps_only_promtools_input():
    in_memory = compile_project(ROOT)
    sent: dict[str, str] = {}
    streamed = compile_project(ROOT, sink=lambda rel, content: sent.__setitem__(rel, joined(content)))
    assert {**sent, **streamed.files} == in_memory.files
    assert sorted(streamed.paths) == sorted(in_memory.files)
    assert sent and all("/prometheus/" in rel for rel in streamed.files)
    assert not any("/prometheus/" in rel for rel in sent)


def test_the_tree_staged_while_compiling_becomes_generated(project):
    shutil.rmtree(project / "generated" / "production")
    with Staging(project) as staging:
        build = compile_project(project, sink=staging.add)
        written = write(project, build, staging=staging)
    assert len(written) == len(compile_project(ROOT).files)
    assert tree(project / "generated") == tree(ROOT / "generated")
    assert not (project / WORK_DIR).exists()


def test_leaving_the_staging_tree_without_commit_leaves_generated_as_it_was(project):
    before = tree(project / "generated")
    with pytest.raises(RuntimeError):
        with Staging(project) as staging:
            staging.add("production/routing.md", "half a build\n")
            raise RuntimeError("the compile failed after its first files")
    assert tree(project / "generated") == before
    assert not (project / WORK_DIR).exists()


def test_an_error_found_after_the_files_were_staged_writes_nothing(project, monkeypatch):
    (project / "generated" / "production" / "routing.md").write_text("edited by hand\n")
    before = tree(project / "generated")

    def promtool_rejects_a_rule(build):
        build.diagnostics.append(error(Span("monitors/stock-api.yaml", 1, 1), "promtool", "a rule promtool rejects"))

    monkeypatch.setattr(compiler, "check_rules", promtool_rejects_a_rule)
    result = CliRunner().invoke(app, ["build", "-C", str(project)])
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr
    assert tree(project / "generated") == before
    assert not (project / WORK_DIR).exists()


def test_comparing_each_file_as_it_is_rendered_finds_what_comparing_the_whole_build_finds(project):
    (project / "generated" / "production" / "routing.md").write_text("edited by hand\n")
    (project / "generated" / "staging" / "cloudwatch" / "stock-api.json").unlink()
    (project / "generated" / "development" / "extra.json").write_text("{}\n")
    compared = Comparison(project)
    streamed = compile_project(project, sink=compared.add)
    assert stale_files(project, streamed, compared=compared) == stale_files(project, compile_project(project)) == [
        "generated/production/routing.md", "generated/staging/cloudwatch/stock-api.json",
        "generated/development/extra.json"]


@pytest.mark.parametrize("page", ["site/index.html", "runbooks/COVERAGE.md"])
def test_a_page_of_a_line_per_monitor_reaches_the_sink_in_pieces_that_join_into_the_page_an_in_memory_build_keeps(page):
    pieces: dict[str, list[str]] = {}

    def sink(rel: str, content: Content) -> None:
        pieces[rel] = [content] if isinstance(content, str) else list(content)

    compile_project(ROOT, sink=sink)
    assert len(pieces[page]) > 5
    assert "".join(pieces[page]) == compile_project(ROOT).files[page]


TEXT = "<li>caf\u00e9 \u2014 \U0001f6a8 &amp; plain</li>\n"  # one, two, three and four UTF-8 bytes a character


def pieces_of(text: str, size: int) -> Chunks:
    return Chunks(text[i:i + size] for i in range(0, len(text), size))


@pytest.mark.parametrize("pieces", [0, 1, 7, 500])
def test_the_blocks_of_a_page_in_pieces_are_its_utf8_bytes(monkeypatch, pieces):
    monkeypatch.setattr(chunks, "BLOCK_CHARACTERS", 64)
    text = TEXT * pieces
    blocks = list(encoded(pieces_of(text, 5)))
    assert b"".join(blocks) == text.encode("utf-8")
    assert len(blocks) == -(-len(text) // 65)  # 13 pieces of 5 characters reach 64


def test_a_page_in_pieces_is_staged_block_by_block_as_its_text(project, monkeypatch):
    monkeypatch.setattr(chunks, "BLOCK_CHARACTERS", 64)
    text = TEXT * 1000
    with Staging(project) as staging:
        staging.add("site/big.html", pieces_of(text, 7))
        assert (staging.tree / "site" / "big.html").read_bytes() == text.encode("utf-8")
        staging.commit({"site"})
    assert (project / "generated" / "site" / "big.html").read_text(encoding="utf-8") == text


@pytest.mark.parametrize("now, linked", [(TEXT * 1000, True), (TEXT * 999, False), (TEXT * 1001, False),
                                         (TEXT * 500 + TEXT.upper() + TEXT * 499, False)])
def test_a_page_in_pieces_equal_to_the_current_file_is_linked_to_it_and_any_other_is_written(
        project, monkeypatch, now, linked):
    monkeypatch.setattr(chunks, "BLOCK_CHARACTERS", 64)
    current = project / "generated" / "site" / "big.html"
    current.write_text(TEXT * 1000, encoding="utf-8")
    inode = current.stat().st_ino
    with Staging(project) as staging:
        staging.add("site/big.html", pieces_of(now, 7))
        # an equal page is only noted (the commit moves or links it); no spare file is left either way
        assert sorted(p.relative_to(staging.tree).as_posix() for p in staging.tree.rglob("*")) == (
            [] if linked else ["site", "site/big.html"])
        staging.commit({"site"})
    assert current.read_text(encoding="utf-8") == now
    assert (current.stat().st_ino == inode) is linked


def test_a_page_in_pieces_where_generated_has_a_link_to_the_same_text_is_written_as_a_file(project, monkeypatch):
    monkeypatch.setattr(chunks, "BLOCK_CHARACTERS", 64)
    (project / "same.html").write_text(TEXT * 100, encoding="utf-8")
    (project / "generated" / "site" / "big.html").symlink_to(project / "same.html")
    with Staging(project) as staging:
        staging.add("site/big.html", pieces_of(TEXT * 100, 7))
        staged = staging.tree / "site" / "big.html"
        assert not staged.is_symlink() and not staged.samefile(project / "same.html")
        assert staged.read_text(encoding="utf-8") == TEXT * 100


@pytest.mark.parametrize("now, stale", [(TEXT * 1000, False), (TEXT * 999, True), (TEXT * 1001, True),
                                        (TEXT * 500 + TEXT.upper() + TEXT * 499, True), ("", True)])
def test_build_check_compares_a_page_in_pieces_with_the_file_on_disk(project, monkeypatch, now, stale):
    monkeypatch.setattr(chunks, "BLOCK_CHARACTERS", 64)
    (project / "generated" / "site" / "big.html").write_text(TEXT * 1000, encoding="utf-8")
    compared = Comparison(project)
    compared.add("site/big.html", pieces_of(now, 7))
    compared.add("site/absent.html", pieces_of(now, 7))
    assert compared.differing == (["site/big.html", "site/absent.html"] if stale else ["site/absent.html"])


@pytest.mark.parametrize("page", ["site/index.html", "runbooks/COVERAGE.md"])
def test_build_check_finds_a_page_in_pieces_edited_on_disk_stale_and_writes_nothing(project, page):
    edited = project / "generated" / page
    edited.write_bytes(edited.read_bytes() + b"\n")
    before = tree(project / "generated")
    result = CliRunner().invoke(app, ["build", "--check", "--no-cache", "-C", str(project)])
    assert result.exit_code == 1
    assert f"stale: generated/{page}" in result.stderr.splitlines()
    assert tree(project / "generated") == before
    assert not (project / WORK_DIR).exists()
