"""Markdown -> HTML for the site: CommonMark plus tables, raw HTML off.

The renderer is markdown-it-pyrs, the Rust port of markdown-it, where it is installed (its wheels
stop at CPython 3.12), else markdown-it-py: the same parsing rules and the same HTML
(tests/test_markdown.py compares the two on every page of the example and on hostile text), but the
Rust one at about a thirteenth of the cost -- on the benchmark's 10,000 runbook pages,
markdown-it-py's rendering was most of a full build (docs/performance.md). Raw HTML is off (neither
`html_block` nor `html_inline`), so a `<script>` in a spec string or a runbooks_src file is shown as
text; markdown-it also refuses `javascript:`, `vbscript:` and `data:` (except images) link targets.

markdown-it-pyrs gives HTML, not a token stream one can edit and render again, so what a phone needs
is added to that HTML (`page_html`): relative links to `.md` pages become links to their `.html`
pages (so one set of links works in both outputs), code blocks can take the keyboard's focus, an
id on every heading (the jump links), each
table inside a region that scrolls sideways by itself, and each environment's part of the page (a
heading that names an environment, `### production (PRODUCTION)` or `#### Commands: staging`, with
what follows it) inside a `<section data-env>`, so that the site's script can put the environment
the alarm came from first. Reading that HTML with regular expressions is sound here because, with
raw HTML off, every `<` the renderer writes outside its own tags is escaped (`&lt;`): each tag found
is markup markdown-it made. The only markup added is obsgen's own, around escaped text.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Callable, Final

from ..render_cache import RenderCache, source_digest

_RELATIVE_MD = re.compile(r"^(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^?#]*)\.md(#.*)?$")
_HREF = re.compile(r'<a href="([^"]*)"')
# The tags the page's layout is decided by; a heading's or a row's first cell's content comes along.
_TAG = re.compile(r"<h([1-6])>(.*?)</h\1>|<tr>\n<td[^>]*>(.*?)</td>|<(/?)(blockquote|ul|ol)[ >]|<hr />|<table>|</table>\n",
                  re.S)
_MARKUP = re.compile(r"<[^>]*>|\n")


# markdown-it-py's "commonmark" preset with `html: False` plus `table`, rule by rule
# (https://github.com/markdown-it/markdown-it/blob/master/lib/presets/commonmark.mjs).
_RUST_RULES: Final = ("blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "reference",
               "autolink", "backticks", "emphasis", "entity", "escape", "image", "link", "newline", "table")


def rust_renderer() -> Callable[[str], str] | None:
    try:
        from markdown_it_pyrs import MarkdownIt
    except ImportError:
        return None
    md = MarkdownIt("zero")
    md.enable_many(list(_RUST_RULES))
    render: Callable[[str], str] = md.render
    return render


def python_renderer() -> Callable[[str], str]:
    from markdown_it import MarkdownIt

    render: Callable[[str], str] = MarkdownIt("commonmark", {"html": False}).enable("table").render
    return render


def _renderer_name() -> str:
    """Which renderer, which release, which options: part of every cached page's key."""
    if rust_renderer() is not None:
        import markdown_it_pyrs

        return f"markdown-it-pyrs {getattr(markdown_it_pyrs, '__version__', '?')} zero+{','.join(_RUST_RULES)}"
    import markdown_it

    return f"markdown-it-py {markdown_it.__version__} commonmark+table html=False"


_RENDER = rust_renderer() or python_renderer()
_KIND = "page-html"  # the cache's name for this render (render_cache.py)


@dataclass(frozen=True, slots=True)
class Env:
    """What the page knows of an environment: the heading text that names it (`EnvFacts.title`)."""

    name: str
    title: str
    production: bool


@dataclass(frozen=True, slots=True)
class Page:
    html: str
    sections: tuple[tuple[str, str], ...]  # (id, text) of each level-two heading and of Commands: the jump links


def page_html(text: str, envs: tuple[Env, ...], store: RenderCache | None = None) -> Page:
    """A runbook page's Markdown as HTML with heading ids, scrolling tables and environment sections.
    With `store`, looked up there first and stored there when made (a pure render of `text` and
    `envs`: the key holds both, the renderer and this module's source: render_cache.py)."""
    if store is None:
        return _page_html(text, envs)
    key = store.key(_KIND, salt(), text, json.dumps([[e.name, e.title, e.production] for e in envs]))
    if (kept := store.get(_KIND, key)) is not None and (page := _loaded(kept)) is not None:
        return page
    page = _page_html(text, envs)
    store.put(_KIND, key, json.dumps({"html": page.html, "sections": page.sections}, ensure_ascii=False))
    return page


@cache
def salt() -> str:
    """The code a cached page comes from: the renderer and this module (its layout pass)."""
    return f"{_renderer_name()} {source_digest(Path(__file__))}"


def _loaded(kept: str) -> Page | None:
    """A cached page back as a Page; None when the entry is not one (then it is made again)."""
    try:
        value = json.loads(kept)
        sections = tuple((str(i), str(t)) for i, t in value["sections"])
        return Page(value["html"], sections) if isinstance(value["html"], str) else None
    except (ValueError, TypeError, KeyError):
        return None


@lru_cache(maxsize=512)
def _page_html(text: str, envs: tuple[Env, ...]) -> Page:
    """Pure, so cached: most pages do not change between the compiles of one process (`validate`
    then `build`, the property tests). 512 pages hold the example's many times over; 4,096 held 42 MiB
    of a large project's Markdown and HTML through its whole build (docs/performance.md)."""
    return layout(_RENDER(text), envs)


def layout(rendered: str, envs: tuple[Env, ...]) -> Page:
    """What a phone needs, added to markdown-it's HTML of a page."""
    # A code block scrolls sideways on a phone: focusable, so a keyboard can scroll it too (WCAG 2.1.1).
    linked = _HREF.sub(_html_link, rendered).replace("<pre>", '<pre tabindex="0">')
    pass_ = _Layout({e.title: e for e in envs})
    return Page(pass_.apply(linked), tuple(pass_.sections))


def _html_link(match: re.Match[str]) -> str:
    # The attribute is escaped (&amp; &quot; &lt; &gt;), which changes no character the pattern reads.
    href = match.group(1)
    if relative := _RELATIVE_MD.match(href):
        href = f"{relative.group(1)}.html{relative.group(2) or ''}"
    return f'<a href="{href}"'


def _attr(value: str) -> str:
    """An attribute value escaped as markdown-it escapes its own (`'` left as it is)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _text(inner_html: str) -> str:
    """What a heading or cell shows: its text and code, without markup or line breaks."""
    if "<" not in inner_html and "&" not in inner_html and "\n" not in inner_html:  # plain words: most of them
        return inner_html.strip()
    return html.unescape(_MARKUP.sub("", inner_html)).strip()


_NOT_IN_SLUG = re.compile(r"[^a-z0-9_ -]")


def slug(text: str) -> str:
    """`Commands: production (PRODUCTION)` -> `commands-production-production`, as wikis (GitHub) make them."""
    return _NOT_IN_SLUG.sub("", text.lower()).strip().replace(" ", "-") or "section"


class _Layout:
    """One pass over the rendered page: ids, environment sections, table regions, marked rows."""

    def __init__(self, by_title: dict[str, Env]):
        self.by_title = by_title
        self.sections: list[tuple[str, str]] = []  # the jump links
        self.seen: dict[str, int] = {}  # heading slugs so far, to number repeats
        self.depth = 0  # open blockquotes and lists: a heading inside one is not a section of the page
        self.section: int | None = None  # the heading level of the open environment section
        self.grouped = False  # inside the group of consecutive environment sections
        self.heading = ""  # the text of the last top-level heading, to name a table's region

    def apply(self, rendered: str) -> str:
        out: list[str] = []
        position = 0
        for match in _TAG.finditer(rendered):
            out.append(rendered[position:match.start()])
            out.append(self._tag(match))
            position = match.end()
        out.append(rendered[position:])
        out.append(self._close_all())
        return "".join(out)

    def _tag(self, match: re.Match[str]) -> str:
        whole = match.group(0)
        if match.group(1):
            return self._heading(int(match.group(1)), match.group(2))
        if whole.startswith("<tr>"):
            return self._row(whole, match.group(3))
        if match.group(5):
            self.depth += -1 if match.group(4) else 1
            return whole
        if whole == "<hr />":
            return self._close_all() + whole if self.depth == 0 else whole
        if whole == "<table>":
            return f'<div class="table" role="region" tabindex="0" aria-label="{html.escape(self.heading or "Table")}">\n{whole}'
        return whole + "</div>\n"  # </table>\n

    def _heading(self, level: int, inner: str) -> str:
        text = _text(inner)
        base = slug(text)
        self.seen[base] = self.seen.get(base, 0) + 1
        anchor = base if self.seen[base] == 1 else f"{base}-{self.seen[base] - 1}"
        tag = f'<h{level} id="{_attr(anchor)}">{inner}</h{level}>'
        if self.depth:
            return tag
        if level == 2 or text == "Commands":
            self.sections.append((anchor, text))
        return self._open(level, text) + tag

    def _open(self, level: int, text: str) -> str:
        """What goes before a top-level heading: the end of the environment section it closes, the
        start of the one it opens."""
        env = self._env(text)
        self.heading = text
        before = []
        if self.section is not None and level <= self.section:
            before.append("</section>\n")
            self.section = None
            if env is None and self.grouped:
                before.append("</div>\n")
                self.grouped = False
        if env is not None:
            if not self.grouped:
                before.append('<div class="envs" data-envs>\n')
                self.grouped = True
            marks = ' class="production"' if env.production else ""
            before.append(f'<section data-env="{html.escape(env.name)}"{marks}>\n')
            self.section = level
        elif self.grouped and self.section is None:
            before.append("</div>\n")
            self.grouped = False
        return "".join(before)

    def _row(self, whole: str, cell: str) -> str:
        """A table row whose first cell names an environment carries `data-env` (the script lifts it)."""
        env = self._env(_text(cell))
        if env is None:
            return whole
        marks = ' class="production"' if env.production else ""
        return f'<tr data-env="{_attr(env.name)}"{marks}>' + whole[len("<tr>"):]

    def _env(self, text: str) -> Env | None:
        """`production (PRODUCTION)` or `Commands: production (PRODUCTION)` -> that environment."""
        return self.by_title.get(text) or self.by_title.get(text.rpartition(": ")[2]) if text else None

    def _close_all(self) -> str:
        """The page's end, or its footer (a top-level rule), is no environment's."""
        closing = ("</section>\n" if self.section is not None else "") + ("</div>\n" if self.grouped else "")
        self.section, self.grouped = None, False
        return closing
