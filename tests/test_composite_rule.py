"""The composite rule language: precedence, states, and located syntax errors."""

from __future__ import annotations

import pytest

from obsgen.composite_rule import RuleSyntaxError, parse, refs, render


def cw(text):
    return render(parse(text), lambda ref: ref.target)


def test_and_binds_tighter_than_or_and_groups_are_explicit():
    assert cw("a or b and c") == 'ALARM("a") OR (ALARM("b") AND ALARM("c"))'
    assert cw("(a or b) and c") == '(ALARM("a") OR ALARM("b")) AND ALARM("c")'


def test_not_and_states():
    assert cw("not ok(a) and insufficient_data(svc/b)") == 'NOT OK("a") AND INSUFFICIENT_DATA("svc/b")'
    assert cw("NOT (a OR b)") == 'NOT (ALARM("a") OR ALARM("b"))'


def test_refs_are_listed_with_their_offsets():
    assert [(r.target, r.offset) for r in refs(parse("a or (svc/b and not c)"))] == [("a", 0), ("svc/b", 6), ("c", 20)]


@pytest.mark.parametrize("text,offset", [("a or", 4), ("a and and b", 6), ("(a or b", 7), ("a b", 2), ("a & b", 2)])
def test_syntax_errors_carry_the_offset(text, offset):
    with pytest.raises(RuleSyntaxError) as info:
        parse(text)
    assert info.value.offset == offset


def test_absurd_nesting_is_refused():
    with pytest.raises(RuleSyntaxError):
        parse("(" * 100 + "a" + ")" * 100)


def test_an_alarm_rule_counts_its_children_true_false_and_grouping_parentheses_as_cloudwatch_does():
    from obsgen.composite_rule import alarm_rule_elements
    assert alarm_rule_elements('ALARM("a") AND (OK("b") OR TRUE)') == 5
    assert alarm_rule_elements('ALARM("a(b)")') == 1
