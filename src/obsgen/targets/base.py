"""What every target shares: the `Rendered` value a target returns, the generated-file header, and
stable JSON text."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from ..conventions import GENERATED_HEADER
from ..diagnostics import Diagnostic
from . import jsontext


@dataclass(slots=True)
class Rendered:
    files: dict[str, str]  # path under generated/<env>/ -> content
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # a project-wide file's rows of each service, by file (routing.md), kept by the incremental build
    blocks: dict[str, dict[str, str]] = field(default_factory=dict)


def header(source: str | None = None) -> str:
    return f"{GENERATED_HEADER}; source: {source}" if source else GENERATED_HEADER


# While set (`obsgen validate`, which writes nothing), the targets whose JSON files only carry what their
# checks already judged leave the text out: 0.045 s of the CloudWatch alarms' files and 0.03 s of the
# dashboards' at 10,000 alarms, a sixth of validate's work beyond `build --env`. A ContextVar: a thread of
# its own (the fleet's) starts unset and makes every file.
_CHECKS_ONLY: ContextVar[bool] = ContextVar("obsgen_targets_checks_only", default=False)


@contextmanager
def checks_only() -> Iterator[None]:
    """Within it, `checked_json` makes no text: the build is judged, never written."""
    token = _CHECKS_ONLY.set(True)
    try:
        yield
    finally:
        _CHECKS_ONLY.reset(token)


def checked_json(data: Any) -> str:
    """`dump_json(data)`, or "" under `checks_only`: for a file whose text no check reads (the limits are
    checked on the parameters and bodies, not on their JSON)."""
    return "" if _CHECKS_ONLY.get() else dump_json(data)


def dump_json(data: Any) -> str:
    """Stable bytes: sorted keys, two-space indent, UTF-8 text, final newline."""
    return jsontext.dumps(data) + "\n"  # = json.dumps(indent=2, sort_keys=True, ensure_ascii=False), faster
