"""Where a preset monitor comes from, for error messages and for the targets that cite sources."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable

from ..diagnostics import Diagnostic, Span

if TYPE_CHECKING:
    from ..model import Origin
    from ..language.load import SpecSet


@dataclass(frozen=True, slots=True)
class PresetUse:
    """`lambda.duration`, used at monitors/api.yaml:12:5 (the resource's `preset:` or its override)."""

    preset: str  # "<service>.<alarm>"
    source: str  # the AWS documentation the alarm's values come from
    loc: tuple  # in the service file: ("resources", r, "presets", alarm) or ("resources", r, "preset"[, i])
    span: Span
    spans: frozenset[Span] = frozenset()  # the use and every value written in its override: blamed later

    @property
    def alarm(self) -> str:
        """The alarm's name in its preset file: `duration` of `lambda.duration`."""
        return self.preset.split(".", 1)[1]

    def note(self) -> str:
        return f"from preset {self.preset}, used at {self.span}"


def locate(spec: "SpecSet", ref: str, origin: "Origin") -> "Origin":
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
