"""CloudWatch Logs filter patterns are checked when compiling (filter_pattern.py).

Valid patterns are the examples of "Filter pattern syntax for metric filters, subscription filters,
filter log events and Live Tail"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html); each error
points at the character where the pattern goes wrong, so a diagnostic can be located inside the spec.
"""

from __future__ import annotations

import pytest

from obsgen import filter_pattern
from obsgen.filter_pattern import Compare, Junction, PatternSyntaxError, Term, insights_query, parse

AWS_EXAMPLES = [
    "",
    "ERROR",
    "ERROR Exception",
    "?ERROR ?WARN",
    "ERROR -Exiting",
    '"Task timed out"',
    '"ERROR" "Exception"',
    "%ERROR%",
    '{ $.eventType = "UpdateTrail" }',
    "{ $.sourceIPAddress != 123.123.* }",
    '{ $.arrayKey[0] = "value" }',
    '{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }',
    '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }',
    "{ $.bandwidth > 75 }",
    "{ $.latency <= 500.5 }",
    "{ $.errorCode = * }",
    '{ $.eventName = "Create*" }',
    "{ $.SomeObject IS NULL }",
    "{ $.SomeOtherObject NOT EXISTS }",
    "{ $.ThisFlag IS TRUE }",
    "{ $.ThisFlag IS FALSE }",
    "{ $.message = %ERROR [0-9]+% }",
    '[ip, user, username, timestamp, request = "*html*", status_code = 4*, bytes]',
    "[ip, user, username, timestamp, request, status_code = 4* || status_code = 5*, bytes]",
    "[..., status_code = 404, size > 1000]",
    "[ip, user, ..., status_code = 4* && bytes > 1000, bytes]",
]


@pytest.mark.parametrize("pattern", AWS_EXAMPLES)
def test_every_example_of_the_aws_syntax_page_parses(pattern):
    assert parse(pattern).kind in ("all", "terms", "json", "space")


def test_an_empty_pattern_matches_every_event():
    assert parse("   ").kind == "all"


def test_unstructured_terms_keep_their_prefix_and_lose_their_quotes():
    pattern = parse('ERROR ?WARN -Exiting "Task timed out" %fail.*%')
    assert pattern.kind == "terms"
    assert pattern.terms == (Term("", "ERROR"), Term("?", "WARN"), Term("-", "Exiting"),
                             Term("", "Task timed out"), Term("", "fail.*", regex=True))


def test_in_a_json_pattern_and_binds_tighter_than_or():
    pattern = parse("{ $.a = 1 || $.b = 2 && $.c = 3 }")
    assert pattern.tree == Junction("||", (Compare("$.a", "=", "1", "number"),
                                           Junction("&&", (Compare("$.b", "=", "2", "number"),
                                                           Compare("$.c", "=", "3", "number")))))
    assert pattern.selectors == {"$.a", "$.b", "$.c"}


def test_a_json_pattern_names_the_selectors_a_metric_value_may_read():
    pattern = parse("{ $.latency > 2000 && $.customer = * }")
    assert pattern.names("$.latency") and pattern.names("$.customer")
    assert not pattern.names("$.other")


def test_a_space_delimited_pattern_names_its_fields_with_a_dollar():
    pattern = parse("[ip, user, ..., status_code = 4*, bytes]")
    assert pattern.fields == ("ip", "user", "status_code", "bytes")
    assert pattern.names("$bytes") and not pattern.names("bytes") and not pattern.names("$size")


def test_a_space_delimited_pattern_keeps_its_layout_and_conditions():
    """What matching an event needs (the sandbox's TestMetricFilter): fields in order with '...', and each
    field's conditions, `&&` binding tighter than `||` as in JSON patterns."""
    pattern = parse('[ip, ..., status = 4* || status = 5* && bytes > 1000, bytes]')
    assert pattern.layout == ("ip", "...", "status", "bytes")
    assert pattern.tree == Junction("||", (Compare("status", "=", "4*", "string"),
                                           Junction("&&", (Compare("status", "=", "5*", "string"),
                                                           Compare("bytes", ">", "1000", "number")))))
    two = parse('[a = "x y", b = %ab+%]').tree
    assert two == Junction("&&", (Compare("a", "=", "x y", "string"), Compare("b", "=", "ab+", "regex")))
    assert parse("[a, b]").tree is None


def test_unstructured_terms_extract_no_field():
    assert not parse("ERROR").names("$.level")


def _error(pattern: str) -> tuple[str, int]:
    with pytest.raises(PatternSyntaxError) as caught:
        parse(pattern)
    return str(caught.value), caught.value.offset


@pytest.mark.parametrize("pattern,offset,words", [
    ('{ $.level = "ERROR" ', 20, "closing the JSON pattern"),
    ("{ level = 1 }", 2, "property selector"),
    ('{ $.level == "ERROR" }', 10, "'==' is not an operator"),
    ('{ $.latency > "500" }', 14, "strings compare with = or != only"),
    ("{ $.x IS MAYBE }", 9, "IS NULL or IS TRUE or IS FALSE"),
    ("{ $.x NOT THERE }", 10, "NOT EXISTS"),
    ("{ $.x }", 6, "expected a comparison"),
    ("{ $. = 1 }", 4, "property name after '.'"),
    ("{ $[0] = 1 }", 3, "array index must follow a property"),
    ("{ $.a[x] = 1 }", 6, "array index such as [0]"),
    ("{ $.user = a@b }", 12, "must be written in double quotes"),
    ("{ ($.a = 1 }", 11, "')' closing '('"),
    ("{ $.a = 1 } trailing", 12, "after the end of the pattern"),
    ("{}", 1, "property selector"),
    ('"Task timed out', 0, "never closed"),
    ("ERROR: failed", 5, "the term 'ERROR:' holds characters other than"),
    ("-", 1, "the term '-' holds characters other than"),
    ("%abc(d)%", 4, "'(' is not supported"),
    ("%%", 0, "an empty regular expression"),
    ("%open", 0, "never closed with '%'"),
    ("[]", 1, "names at least one field"),
    ("[ip user]", 4, "comparison (=, !=, <, >, <=, >=) after a field name (or ',' or ']' to end it)"),
    ("[ip, ip]", 5, "declared twice"),
    ("[ip, status = 4* || code = 5*]", 20, "which the pattern does not declare"),
    ("[ip, status >]", 13, "a value to compare the field with"),
    ("[ip, name > abc]", 12, "strings compare with = or != only"),
])
def test_a_syntax_error_points_at_the_character_where_the_pattern_goes_wrong(pattern, offset, words):
    message, found = _error(pattern)
    assert words in message
    assert found == offset


def test_a_pattern_longer_than_the_api_allows_is_refused():
    message, offset = _error("A" * (filter_pattern.MAX_LENGTH + 1))
    assert "at most 1024 characters" in message and offset == 1024


def test_is_selector_accepts_selectors_and_refuses_anything_else():
    assert filter_pattern.is_selector("$.a[0].b")
    assert not filter_pattern.is_selector("$.a b")
    assert not filter_pattern.is_selector("latency")


@pytest.mark.parametrize("pattern,query", [
    ("", "fields @timestamp, @message, @logStream | sort @timestamp desc | limit 50"),
    ('ERROR -Exiting ?"a b" ?c', 'fields @timestamp, @message, @logStream | filter @message like "ERROR" and '
     '@message not like "Exiting" and (@message like "a b" or @message like "c") | sort @timestamp desc | limit 50'),
    ('{ $.level = "ERROR" && ($.latency > 5 || $.user.id NOT EXISTS) }',
     'fields @timestamp, @message, @logStream | filter level = "ERROR" and (latency > 5 or not ispresent(user.id)) '
     '| sort @timestamp desc | limit 50'),
    ("{ $.name = Create* }", 'fields @timestamp, @message, @logStream | filter name like /^Create.*$/ '
     '| sort @timestamp desc | limit 50'),
    ("{ $.users[0].id = * }", "fields @timestamp, @message, @logStream | filter ispresent(users.0.id) "
     "| sort @timestamp desc | limit 50"),
])
def test_a_pattern_becomes_a_logs_insights_query_for_the_lines_it_matches(pattern, query):
    assert insights_query(parse(pattern)) == query


def test_a_space_delimited_pattern_has_no_logs_insights_query():
    assert insights_query(parse("[ip, user]")) is None
