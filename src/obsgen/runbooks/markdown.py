"""Markdown -> HTML for the site, with markdown-it-py (CommonMark plus tables).

Raw HTML is off: a `<script>` in a spec string or a runbooks_src file is shown as text. markdown-it
also refuses `javascript:`, `vbscript:` and `data:` (except images) link targets. Relative links to
`.md` pages become links to their `.html` pages, so one set of links works in both outputs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt

_RELATIVE_MD = re.compile(r"^(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^?#]*)\.md(#.*)?$")


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def link_open(self: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        if match := _RELATIVE_MD.match(href):
            token.attrSet("href", f"{match.group(1)}.html{match.group(2) or ''}")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _renderer()


@lru_cache(maxsize=4096)
def to_html(text: str) -> str:
    """Pure, so cached: parsing is most of a site's build time, and most pages do not change between
    the compiles of one process (`validate` then `build`, the property tests)."""
    return _MD.render(text)
