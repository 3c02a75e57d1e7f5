"""Diagnostics are reported once each, in their own order: file, line, column, code, message."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from obsgen.diagnostics import Diagnostic, Level, Span, unique_sorted

# Few distinct values, so that equal files, lines, codes and messages (and duplicates) are common.
spans = st.builds(Span, st.sampled_from(["a.yaml", "b.yaml", "monitors/a.yaml", ""]),
                  st.integers(0, 3), st.integers(0, 3))
diagnostics = st.builds(Diagnostic, spans, st.sampled_from(["bad-value", "aws-limit", "unknown-key"]),
                        st.sampled_from(["x", "y", "x y", ""]), st.sampled_from(list(Level)))


@given(st.lists(diagnostics, max_size=40))
def test_unique_sorted_is_the_dataclass_order_without_repeats(found: list[Diagnostic]) -> None:
    ordered = unique_sorted(found)
    assert ordered == sorted(set(found))  # the order Diagnostic's own __lt__ gives
    assert len(ordered) == len(set(found)) and all(a < b for a, b in zip(ordered, ordered[1:]))
