"""Context.expand fills each template through a str.format form read once (resolve/context.py, for speed:
docs/performance.md); these check that the form always gives what conventions.expand gives, and that a
template the form cannot take still goes the long way, which reports its problem."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from obsgen.conventions import TemplateError, expand
from obsgen.resolve.context import _AS_WRITTEN, _LONG_WAY, _format_form

VARIABLES = {"project": "p{x}", "env": "e$1", "service": "s}", "monitor": "m", "a-b": "AB", "_x": "X"}
# Pieces a template is made of, including those str.format reads specially ({, }, names with . [ ! :).
PIECES = st.sampled_from([*"ab-_${}x0 .[]!:", "${project}", "${env}", "$$", "${a-b}", "${nope}", "${0}", "${a.b}",
                          "${a[0]}", "${a!r}", "${_x}", "${}", "{{", "}}"])


def expanded(template: str) -> str | None:
    try:
        return expand(template, VARIABLES)
    except TemplateError:
        return None


@settings(max_examples=3000)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_a_templates_format_form_expands_to_what_conventions_expand_gives(template: str) -> None:
    form = _format_form(template)
    if form is _LONG_WAY:
        return
    if form is _AS_WRITTEN:
        assert expanded(template) == template
        return
    try:
        assert form.format_map(VARIABLES) == expanded(template)
    except KeyError:  # an unknown variable: Context.expand then goes the long way, which reports it
        assert expanded(template) is None


def test_templates_str_format_would_misread_go_the_long_way() -> None:
    for template in ("${0}", "${a.b}", "${a[0]}", "${a!r}", "${a:>9}", "${}", "x-${unclosed"):
        assert _format_form(template) is _LONG_WAY


def test_braces_and_dollars_around_variables_are_kept_as_written() -> None:
    form = _format_form("{a}-${env}-$$-$x-}")
    assert form.format_map({"env": "prod"}) == "{a}-prod-$-$x-}"
