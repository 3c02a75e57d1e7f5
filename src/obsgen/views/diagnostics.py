"""Diagnostics as text (one line each: `file:line:column: level: message [code]`) and JSON."""

from __future__ import annotations

import json
from typing import Iterable

from ..diagnostics import Diagnostic


def render_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(str(d) for d in diagnostics)


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    items = [
        {
            "file": d.span.file,
            "line": d.span.line,
            "column": d.span.column,
            "level": d.level.value,
            "code": d.code,
            "message": d.message,
        }
        for d in diagnostics
    ]
    return json.dumps({"version": 1, "diagnostics": items}, indent=2, sort_keys=True)
