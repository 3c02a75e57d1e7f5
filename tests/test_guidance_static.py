"""A runbooks_src file with no `{` is written as it is (GuidanceSource.static) instead of rendered in the
sandbox for every monitor: the same text as the sandbox makes of it, line ends included, and a file
with any Jinja still goes through the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from obsgen.runbooks.guidance import GuidanceSource

STATIC = [
    "# Title\n\n## Diagnosis\n\nLook at the graphs.\n",
    "no final newline",
    "",
    "\n\n",
    "windows\r\nline ends\r\nand a lone\rcarriage return\r",
    "closers alone are text: %} #} }} -%} and } {\n",  # the last `{` makes this one not static
    "## + Mitigation\n\n```\ncode %}\n```\n  indented\t tab \u00e9\n",
]


def _source(tmp_path: Path, text: str) -> GuidanceSource:
    folder = tmp_path / "runbooks_src"
    folder.mkdir()
    (folder / "shared.md").write_bytes(text.encode("utf-8"))
    return GuidanceSource(tmp_path, "packaged {{ monitor }}")


@pytest.mark.parametrize("text", STATIC)
def test_a_file_without_jinja_is_what_the_sandbox_writes(tmp_path: Path, text: str) -> None:
    source = _source(tmp_path, text)
    source.env.start()
    sandboxed = source.env.get_template("shared.md").render({})
    static = source.static("shared.md")
    if "{" in text:
        assert static is None
    else:
        assert static == sandboxed
        assert source.render("shared.md", {}) == sandboxed


def test_a_file_with_jinja_is_rendered(tmp_path: Path) -> None:
    source = _source(tmp_path, "for {{ who }}\n")
    assert source.static("shared.md") is None
    assert source.render("shared.md", {"who": "you"}) == "for you\n"


def test_a_missing_file_is_not_static(tmp_path: Path) -> None:
    assert _source(tmp_path, "x").static("absent.md") is None


def test_guidance_made_of_static_files_alone_is_made_once_and_shared(tmp_path: Path) -> None:
    """Its sections come from the files' text alone, so every monitor they apply to gets the same
    Guidance, and its typed text (a page's cache key) is made once; a template is rendered per monitor."""
    from obsgen.render_cache import typed_text

    folder = tmp_path / "runbooks_src"
    (folder / "api").mkdir(parents=True)
    (folder / "shared.md").write_text("## Diagnosis\n\nLook at the graphs.\n", encoding="utf-8")
    (folder / "api" / "_service.md").write_text("## + Diagnosis\n\nAnd the API's logs.\n", encoding="utf-8")
    (folder / "api" / "errors.md").write_text("## Mitigation\n\nRoll back {{ monitor }}.\n", encoding="utf-8")
    source = GuidanceSource(tmp_path, "packaged {{ monitor }}")
    first = source.guidance("api", "latency", "shared", {"monitor": "latency"})
    second = source.guidance("api", "throttles", "shared", {"monitor": "throttles"})
    assert first is second and first.files == ("runbooks_src/shared.md", "runbooks_src/api/_service.md")
    assert source.typed(first) == source.typed(second) == typed_text(first)
    templated = [source.guidance("api", "errors", "shared", {"monitor": name}) for name in ("errors", "other")]
    assert templated[0] is not templated[1]
    assert [g.text("Mitigation") for g in templated] == ["Roll back errors.", "Roll back other."]
    assert [source.typed(g) for g in templated] == [typed_text(g) for g in templated]
    assert source.guidance("api", "latency", "", {}) is not first  # other layers: other guidance
