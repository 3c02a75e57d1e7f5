"""The site's Markdown: markdown-it-pyrs (Rust) and markdown-it-py give the same HTML, and the page
layout read from that HTML equals the layout obsgen made before on markdown-it-py's token stream
(tests/markdown_reference.py), byte for byte, on every runbook page of the example, on what people
write in runbooks_src/, on hostile text and on random Markdown."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import markdown_reference
from obsgen.runbooks import markdown
from obsgen.runbooks.markdown import Env, page_html
from obsgen.runbooks.wording import code

REPO = Path(__file__).resolve().parent.parent
ENVS = (Env("development", "development", False), Env("production", "production (PRODUCTION)", True),
        Env("stag'ing", "stag'ing", False))

HOSTILE = [
    "[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "[x](vbscript:x)", "![i](data:image/png;base64,AAA)",
    "[d](data:text/html;base64,AA)", "<script>alert(1)</script>", "a <img src=x onerror=alert(1)> b",
    "<!-- comment -->", "`<b>`", "| a | b |\n|---|:-:|\n| <i> | x |", "&lt; &amp; &#x26; &copy; &quot;",
    "Setext\nheading\n---", "- list\n  # heading in a list\n", "> # quoted heading", "line  \nbreak",
    "[a](<b c>)", '[a](foo.md#x "title")', "[a](../svc/m.md)", "[a](m.md?x=1)", "[a](https://x/y.md)",
    "autolink <http://x.y/z?a&b>", "**bold** _em_", "    code\n", "~~~py\nx\n~~~\n", "[ref]\n\n[ref]: r.md 'b'",
    "![alt *x*](i.png)", "\\*not em\\*", "1. a\n2. b\n\n- c\n- d", "foo\\\nbar", "| a |\n|---|\n| `x\\|y` |",
    "## production (PRODUCTION)\n\ntext\n\n## Next", "### staging\n---\n", "## <h2>&\"'</h2>",
    "## Commands\n\n#### Commands: production (PRODUCTION)\n\n```sh\nx\n```\n\n---\n\nfooter",
    "| Environment | x |\n|---|---|\n| production (PRODUCTION) | 1 |\n| development | 2 |\n|  | 3 |",
    "- item\n\n  | a |\n  |---|\n  | production (PRODUCTION) |\n", "## A\n## A\n## a!\n", "# \n## `code` *em*",
]
FRAGMENTS = st.sampled_from([
    "## production (PRODUCTION)", "## development", "### stag'ing", "#### Commands: production (PRODUCTION)",
    "## Commands", "## Mitigation", "# Title", "---", "***", "text [link](page.md#a) and `code`", "- item",
    "  - nested ## x", "> quote", "> ## quoted", "| Environment | Value |\n|---|---|\n| production (PRODUCTION) | 1 |",
    "| a |\n|:-|\n| development |", "```\n## not a heading\n```", "<b>raw</b>", "1. first", "Heading\n===",
    "", "    indented", "&amp; \\# escaped", "![img](x.png)", "a  \nb",
])


def _pages() -> list[str]:
    found = sorted((REPO / "generated" / "runbooks").rglob("*.md")) + sorted((REPO / "runbooks_src").rglob("*.md"))
    assert len(found) > 30, "the example's runbook pages are the main corpus"
    return [path.read_text(encoding="utf-8") for path in found]


def _same_layout(text: str, render: Callable[[str], str]) -> None:
    expected = markdown_reference.page_html(text, ENVS)
    actual = markdown.layout(render(text), ENVS)
    assert actual.html == expected.html
    assert actual.sections == expected.sections


@pytest.mark.parametrize("text", _pages() + HOSTILE)
def test_the_page_layout_equals_the_token_stream_layout(text: str) -> None:
    _same_layout(text, markdown.python_renderer())
    assert page_html(text, ENVS) == markdown_reference.page_html(text, ENVS)  # whichever renderer is installed


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=12), st.sampled_from(["\n\n", "\n"]))
def test_random_pages_are_laid_out_alike(parts: list[str], joint: str) -> None:
    """Layout only, on markdown-it-py's HTML: the two renderers part on some odd nestings that random
    joins make (a table right after a lazy blockquote line: docs/runbooks.md), never on the corpus."""
    _same_layout(joint.join(parts), markdown.python_renderer())


def test_the_rust_renderer_writes_what_markdown_it_py_writes() -> None:
    rust = markdown.rust_renderer()
    if rust is None:
        pytest.skip("markdown-it-pyrs is not installed (CPython 3.13+): obsgen renders with markdown-it-py")
    python = markdown.python_renderer()
    for text in _pages() + HOSTILE:
        assert rust(text) == python(text)


def test_hostile_text_stays_text() -> None:
    page = page_html("<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n## <img src=x onerror=y>", ENVS)
    assert "<script>" not in page.html and "<img" not in page.html
    assert "javascript:" not in page.html.replace("[x](javascript:alert(1))", "")
    assert '<h2 id="img-srcx-onerrory">&lt;img src=x onerror=y&gt;</h2>' in page.html


def _code_span_as_before(text: str) -> str:
    """wording.code before its fast path for text without backticks: the fence one longer than any run."""
    text = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{'`' * (longest + 1)}{pad}{text}{pad}{'`' * (longest + 1)}"


@given(st.text(alphabet=st.sampled_from("a `\n\t|*<&"), max_size=12) | st.sampled_from(["", " ", "\n", "x", "`"]))
def test_code_spans_are_the_same_with_or_without_backticks_inside(text: str) -> None:
    assert code(text) == _code_span_as_before(text)
