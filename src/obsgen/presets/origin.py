"""Where a preset monitor comes from, for error messages and for the targets that cite sources."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from ..diagnostics import Diagnostic, Span
from ..language.load import PresetUse, SpecSet
from ..model import Origin

__all__ = ["PresetUse", "annotate", "locate"]


def locate(spec: SpecSet, ref: str, origin: Origin) -> Origin:
    """A preset monitor's origin: its use in the resource, since no `monitors:` entry exists."""
    use = spec.preset_uses.get(ref)
    return origin if use is None else replace(origin, loc=use.loc, preset=use)


def annotate(diagnostics: Iterable[Diagnostic], uses: Iterable[PresetUse]) -> list[Diagnostic]:
    """Add "from preset X, used at F:L:C" to problems found later (resolve, targets) at a preset's use."""
    by_span: dict[Span, list[PresetUse]] = {}
    for use in uses:
        for span in use.spans | {use.span}:
            by_span.setdefault(span, []).append(use)
    result = []
    for item in diagnostics:
        found = by_span.get(item.span)
        if found and "from preset" not in item.message:
            names = ", ".join(sorted(u.preset for u in found))
            item = replace(item, message=f"{item.message} (from preset {names}, used at {found[0].span})")
        result.append(item)
    return result
