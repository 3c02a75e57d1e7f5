"""The fast JSON writer must produce json.dumps(indent=2, sort_keys=True, ensure_ascii=False) byte for byte."""

from __future__ import annotations

import enum
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from obsgen.targets import jsontext


def reference(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                         | st.dictionaries(st.text(), inner, max_size=4), max_leaves=40)


@given(documents)
def test_same_text_as_json_dumps(data: Any) -> None:
    assert jsontext.dumps(data) == reference(data)
    assert jsontext.python_dumps(data) == reference(data)  # the path taken for what orjson writes otherwise


@given(st.recursive(st.floats(allow_nan=True) | st.floats(min_value=-1e-3, max_value=1e-3) | st.none(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
                    max_leaves=20))
def test_floats_small_or_not_finite_are_written_as_python_writes_them(data: Any) -> None:
    assert jsontext.dumps(data) == reference(data)


class Color(str, enum.Enum):
    RED = "red"


def test_unusual_values_match_json_too() -> None:
    for data in ({1: "a", 2: "b"}, {None: 1}, {"k": Color.RED}, [True, 1, 1.5, float("nan"), float("-inf")],
                 {"nested": [{}, [], {"a": []}]}, "\u2028 \x00 é \"quoted\"", {Color.RED: 1},
                 [1e-05, -2e-09, 0.0001, 1e16, 2 ** 70, "\ud800"], {"a": [None, float("nan")]}, {"k": "1e-05"}):
        assert jsontext.dumps(data) == reference(data)


def test_errors_are_json_errors() -> None:
    for data in ({"a": object()}, {1: "a", "b": 2}):
        try:
            reference(data)
        except TypeError as expected:
            try:
                jsontext.dumps(data)
            except TypeError as found:
                assert str(found) == str(expected)
            else:
                raise AssertionError("no error")


def test_tiny_floats_among_names_with_e_dash_are_still_found() -> None:
    # The cheap scan for `0.0000` and a digit before `e-` runs before the regex: names full of `e-`
    # (queue-age, table-throttles) must neither hide a tiny float nor send a document to the slow path.
    for data in ({"AlarmName": "svc-queue-age", "Threshold": 2e-05}, {"a": "queue-age", "b": [{"c": -3.5e-07}]},
                 {"Name": "x1e-5", "Value": 1.5}, {"Label": "table-throttles", "Threshold": 0.0001},
                 [{"name": "e-"}, 1e-300], {"k": "0.00001 and 9e-9"}):
        assert jsontext.dumps(data) == reference(data)


@given(st.lists(st.sampled_from(['": ', "\n  ", "e-", "e", "-", "0.0000", "0.", ".", "1", "9", "٣", "²", "a", " "]),
                max_size=16).map("".join))
def test_the_scan_before_the_float_regex_never_misses_what_the_regex_finds(text: str) -> None:
    if jsontext._PYTHON_ONLY_FLOAT.search(text):
        assert jsontext._may_hold_tiny_float(text)
