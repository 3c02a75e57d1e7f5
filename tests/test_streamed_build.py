"""`obsgen build` writes each file into the staging tree as it is rendered, and `build --check` compares
each one as it is rendered, instead of holding the whole generated/ in memory (issue #22, target 8):
the same files, the same verdicts, and still nothing written when the build fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obsgen import compiler
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
    streamed = compile_project(ROOT, sink=sent.__setitem__)
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


@pytest.mark.parametrize("items", [0, 3, 9_999, 10_000, 30_001])
def test_a_page_joined_a_batch_of_chunks_at_a_time_is_the_text_render_makes(items):
    from jinja2 import Environment

    from obsgen.runbooks.site import render_joined

    template = Environment(autoescape=True).from_string("<ul>{% for i in items %}<li>{{ i }} &amp; {{ '<' }}…</li>{% endfor %}</ul>")
    assert render_joined(template, items=range(items)) == template.render(items=range(items))
