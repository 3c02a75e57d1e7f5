"""What every target shares: the `Rendered` value a target returns, the generated-file header, and
stable JSON text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..conventions import GENERATED_HEADER
from ..diagnostics import Diagnostic
from . import jsontext


@dataclass(slots=True)
class Rendered:
    files: dict[str, str]  # path under generated/<env>/ -> content
    diagnostics: list[Diagnostic] = field(default_factory=list)


def header(source: str | None = None) -> str:
    return f"{GENERATED_HEADER}; source: {source}" if source else GENERATED_HEADER


def dump_json(data: Any) -> str:
    """Stable bytes: sorted keys, two-space indent, UTF-8 text, final newline."""
    return jsontext.dumps(data) + "\n"  # = json.dumps(indent=2, sort_keys=True, ensure_ascii=False), faster
