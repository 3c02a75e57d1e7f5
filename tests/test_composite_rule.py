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


# --- rules that are false, or true, whatever their alarms' states ------------------------------------

from obsgen.composite_rule import truth_values  # noqa: E402


def values(text: str) -> frozenset[bool] | None:
    return truth_values(parse(text), lambda ref: ref.target)


@pytest.mark.parametrize("text, expected", [
    ("a and not a", {False}),
    ("a and ok(a)", {False}),  # one alarm, two states at once
    ("ok(a) and insufficient_data(a)", {False}),
    ("(a and b) and not (a or c)", {False}),
    ("a or not a", {True}),
    ("alarm(a) or ok(a) or insufficient_data(a)", {True}),  # every state of a
    ("not a or not ok(a)", {True}),
    ("a", {True, False}),
    ("a and b", {True, False}),
    ("not ok(a) and not insufficient_data(a) and a", {True, False}),  # the same as `a`
    ("not (a and ok(b)) or (ok(a) and b)", {True, False}),
])
def test_the_values_a_rule_can_take(text, expected):
    assert values(text) == frozenset(expected)


def test_a_rule_of_many_alarms_is_decided_without_trying_every_combination():
    many = " or ".join(f"m{n}" for n in range(40))  # 3^40 combinations; the first assignment decides `or`
    assert values(many) == {True, False}
    eight = " or ".join(f"m{n}" for n in range(8))
    assert values(f"({eight}) and not ({eight})") == {False}  # 2^8 branches stay open, not 3^8


def test_past_its_budget_the_search_says_nothing():
    many = " or ".join(f"m{n}" for n in range(40))  # proving it false leaves 2^40 branches open
    assert truth_values(parse(f"({many}) and not ({many})"), lambda ref: ref.target) is None


def test_a_name_and_its_service_form_are_one_alarm():
    assert truth_values(parse("a and not shop/a"), lambda ref: ref.target if "/" in ref.target else f"shop/{ref.target}") \
        == {False}


def test_rules_of_one_shape_are_decided_once_whatever_their_alarms_names():
    from obsgen import composite_rule

    composite_rule._DECIDED.clear()
    for service in range(50):
        assert values(f"s{service}/x or (y and not s{service}/x) or ok(y)") == {True, False}
        assert values(f"s{service}/x and not s{service}/x") == {False}
    assert len(composite_rule._DECIDED) == 2
