"""The site's page layout as obsgen made it before #22, on markdown-it-py's token stream: the reference
`obsgen.runbooks.markdown.page_html` (HTML from markdown-it-pyrs, laid out by reading that HTML) must
equal, byte for byte (tests/test_markdown.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

from markdown_it import MarkdownIt

from obsgen.runbooks.markdown import Env, Page, slug
from markdown_it.token import Token

_RELATIVE_MD = re.compile(r"^(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^?#]*)\.md(#.*)?$")


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def link_open(self: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        if match := _RELATIVE_MD.match(href):
            token.attrSet("href", f"{match.group(1)}.html{match.group(2) or ''}")
        html: str = self.renderToken(tokens, idx, options, env)
        return html

    def focusable(kind: str) -> Any:
        """A code block scrolls sideways on a phone: focusable, so a keyboard can scroll it too (WCAG 2.1.1)."""
        default = rules[kind]

        def render(self: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
            return str(default(tokens, idx, options, env)).replace("<pre>", '<pre tabindex="0">', 1)

        return render

    rules: dict[str, Any] = md.renderer.rules  # type: ignore[attr-defined]  # RendererHTML's, not in the protocol
    md.add_render_rule("link_open", link_open)
    for kind in ("fence", "code_block"):
        md.add_render_rule(kind, focusable(kind))
    return md


_MD = _renderer()


def page_html(text: str, envs: tuple[Env, ...]) -> Page:
    """A runbook page's Markdown as HTML with heading ids, scrolling tables and environment sections."""
    return _page_html(text, envs)


def _page_html(text: str, envs: tuple[Env, ...]) -> Page:
    tokens = _MD.parse(text)
    by_title = {e.title: e for e in envs}
    sections = _name_headings(tokens)
    _mark_rows(tokens, by_title)
    tokens = _wrap(tokens, by_title)
    return Page(_MD.renderer.render(tokens, _MD.options, {}), sections)


def _text(inline: Token) -> str:
    """What a heading or cell shows: its text and code, without Markdown syntax."""
    return "".join(c.content for c in inline.children or () if c.type in ("text", "code_inline")).strip()


def _name_headings(tokens: list[Token]) -> tuple[tuple[str, str], ...]:
    seen: dict[str, int] = {}
    sections = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = _text(tokens[index + 1])
        base = slug(text)
        seen[base] = seen.get(base, 0) + 1
        anchor = base if seen[base] == 1 else f"{base}-{seen[base] - 1}"
        token.attrSet("id", anchor)
        if token.level == 0 and (token.tag == "h2" or text == "Commands"):
            sections.append((anchor, text))
    return tuple(sections)


def _env_of(text: str, by_title: dict[str, Env]) -> Env | None:
    """`production (PRODUCTION)` or `Commands: production (PRODUCTION)` -> that environment."""
    return by_title.get(text) or by_title.get(text.rpartition(": ")[2]) if text else None


def _mark_rows(tokens: list[Token], by_title: dict[str, Env]) -> None:
    """A table row whose first cell names an environment carries `data-env` (the script lifts it)."""
    for index, token in enumerate(tokens):
        if token.type == "tr_open" and tokens[index + 1].type == "td_open":
            if env := _env_of(_text(tokens[index + 2]), by_title):
                token.attrSet("data-env", env.name)
                if env.production:
                    token.attrSet("class", "production")


def _html(content: str) -> Token:
    token = Token("html_block", "", 0)
    token.content = content
    return token


def _wrap(tokens: list[Token], by_title: dict[str, Env]) -> list[Token]:
    """Tables in scrolling regions; each environment's heading and what follows it (up to a heading of
    its level or above) in a section; consecutive environment sections in one group."""
    out: list[Token] = []
    section: int | None = None  # the heading level of the open environment section
    grouped = False
    heading = ""  # the text of the last heading, to name a table's region
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0:
            level = int(token.tag[1])
            env = _env_of(_text(tokens[index + 1]), by_title)
            heading = _text(tokens[index + 1])
            if section is not None and level <= section:
                out.append(_html("</section>\n"))
                section = None
                if env is None and grouped:
                    out.append(_html("</div>\n"))
                    grouped = False
            if env is not None:
                if not grouped:
                    out.append(_html('<div class="envs" data-envs>\n'))
                    grouped = True
                marks = ' class="production"' if env.production else ""
                out.append(_html(f'<section data-env="{escape(env.name)}"{marks}>\n'))
                section = level
            elif grouped and section is None:
                out.append(_html("</div>\n"))
                grouped = False
        if token.type == "hr" and token.level == 0 and grouped:  # the page's footer is no environment's
            out.append(_html("</section>\n</div>\n" if section is not None else "</div>\n"))
            section, grouped = None, False
        if token.type == "table_open":
            out.append(_html(f'<div class="table" role="region" tabindex="0" aria-label="{escape(heading or "Table")}">\n'))
        out.append(token)
        if token.type == "table_close":
            out.append(_html("</div>\n"))
    if section is not None:
        out.append(_html("</section>\n"))
    if grouped:
        out.append(_html("</div>\n"))
    return out
