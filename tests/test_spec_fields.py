"""The value types people write: durations, thresholds, statistics, M of N."""

from __future__ import annotations

import sys

import pytest
from pydantic_core import PydanticCustomError

from obsgen.language.v1.fields import (_http_url, _name, _tag_text, parse_duration, parse_m_of_n, parse_statistic,
                                       parse_threshold)
from obsgen.values import format_duration, is_extended


@pytest.mark.parametrize("text,seconds", [("30s", 30), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("1d", 86400)])
def test_durations_read_as_people_write_them(text, seconds):
    assert parse_duration(text) == seconds
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("bad", [300, "5", "5x", "", "m5", None, True])
def test_a_duration_without_a_unit_is_refused(bad):
    with pytest.raises(PydanticCustomError):
        parse_duration(bad)


@pytest.mark.parametrize("text,comparison,value", [
    ("> 10", "GreaterThanThreshold", 10), (">=0.5", "GreaterThanOrEqualToThreshold", 0.5),
    ("< -1", "LessThanThreshold", -1), ("<= 1e3", "LessThanOrEqualToThreshold", 1000),
    ("outside band 2", "LessThanLowerOrGreaterThanUpperThreshold", 2), ("above band 1.5", "GreaterThanUpperThreshold", 1.5),
    ("below  band 3", "LessThanLowerThreshold", 3),
])
def test_thresholds_read_as_comparisons_or_bands(text, comparison, value):
    threshold = parse_threshold(text)
    assert (threshold.comparison, threshold.value) == (comparison, value)


@pytest.mark.parametrize("bad", [10, "10", "== 10", "> ten", "outside band 0", "band 2"])
def test_an_ambiguous_threshold_is_refused(bad):
    with pytest.raises(PydanticCustomError):
        parse_threshold(bad)


@pytest.mark.parametrize("stat,extended", [("Sum", False), ("Average", False), ("p99", True), ("p99.9", True),
                                            ("tm90", True), ("TM(10%:90%)", True), ("IQM", True)])
def test_statistics_and_percentiles(stat, extended):
    assert parse_statistic(stat) == stat and is_extended(stat) is extended


@pytest.mark.parametrize("bad", ["sum", "p", "p101", "median", 99])
def test_unknown_statistics_are_refused(bad):
    with pytest.raises(PydanticCustomError):
        parse_statistic(bad)


def test_m_of_n():
    assert (parse_m_of_n("2 of 3").datapoints, parse_m_of_n("2 of 3").periods) == (2, 3)


@pytest.mark.parametrize("url", ["https://runbooks.example.com/shop", "http://127.0.0.1:4577", "HTTPS://x.example/a?b=c#d",
                                 "http://[::1]:9093/hook", "https://x.example/%E2%9C%93"])
def test_http_urls_are_accepted(url):
    assert _http_url(url) == url


@pytest.mark.parametrize("url", ["javascript:alert(1)//", "data:text/html,<script>", "file:///etc/passwd",
                                 "ftp://x.example/", "//x.example/a", "https://", "https://x.example/a b",
                                 "https://x.example/)![x](https://evil.example/p.png", "https://x.example/{{ .Value }}",
                                 "https://x.example/<img>", "https://x.example/*a*", "https://x.example/\u2028", 5, None])
def test_other_schemes_and_characters_that_break_out_of_a_link_are_refused(url):
    """Base URLs end up in every AlarmDescription, runbook_url annotation (a Go template),
    Markdown link and Grafana panel."""
    with pytest.raises(PydanticCustomError):
        _http_url(url)


def test_every_url_field_of_the_spec_takes_only_http_urls():
    from pydantic import ValidationError

    from obsgen.language.v1.project import Environment, Runbooks
    from obsgen.language.v1.prometheus import PromMonitor, WebhookReceiver

    attempts = [(Runbooks, {"base_url": "javascript:alert(1)//"}),
                (Environment, {"account": "123456789012", "region": "eu-west-1", "runbooks_base_url": "data:,x"}),
                (Environment, {"account": "123456789012", "region": "eu-west-1", "endpoint": "file:///tmp/x"}),
                (PromMonitor, {"promql": "up == 0", "summary": "Down.", "severity": "high", "dashboard": "javascript:x"}),
                (WebhookReceiver, {"url": "javascript:x"})]
    for model, data in attempts:
        with pytest.raises(ValidationError, match="expected an http:// or https:// URL"):
            model.model_validate(data)


@pytest.mark.parametrize("parse, text", [(parse_duration, "1" * 5000 + "s"), (parse_duration, "1h" + "2" * 16 + "m"),
                                         (parse_m_of_n, "2 of " + "3" * 5000)])
def test_a_count_too_long_to_mean_anything_is_refused_with_a_message(parse, text):
    with pytest.raises(PydanticCustomError) as refused:
        parse(text)
    assert "at most 15 digits" in str(refused.value) and len(str(refused.value)) < 300


@pytest.mark.parametrize("field, text", [
    ("duration", "٣m"), ("duration", "５m"), ("threshold", "> ٥"), ("m of n", "٣ of 5"), ("account", "١٢٣٤٥٦٧٨٩٠١٢"),
])
def test_numbers_are_written_in_ascii_digits(field, text):
    """Python's \\d takes any script's digits, and int() reads them: '٣m' was three minutes. Values AWS
    reads as written (an account id, a cron or at() time, a dashboard's start) would only fail at apply,
    or never; none of them is a typo anyone means, so every number must be ASCII."""
    from pydantic_core import PydanticCustomError

    from obsgen.language.v1 import fields

    parse = {"duration": fields.parse_duration, "threshold": fields.parse_threshold,
             "m of n": fields.parse_m_of_n, "account": fields._account}[field]
    with pytest.raises((PydanticCustomError, ValueError)):
        parse(text)


def test_a_maintenance_time_and_a_dashboard_start_take_ascii_digits_only():
    from obsgen.language.v1.dashboards import START
    from obsgen.language.v1.maintenance import AT_PATTERN

    assert AT_PATTERN.match("2026-05-10T14:00") and not AT_PATTERN.match("٢٠٢٦-05-10T14:00")
    assert START.match("-PT3H") and not START.match("-PT٣H")


def test_tag_text_takes_what_isalnum_and_the_tag_symbols_take_at_every_code_point():
    # The check is one regex; what it means is str.isalnum() or one of _.:/=+-@ and space, character by character.
    symbols = set("_.:/=+-@ ")
    for code in range(sys.maxunicode + 1):
        character = chr(code)
        expected = character.isalnum() or character in symbols
        assert _tag_text(character, 1) is expected, f"U+{code:04X}"
    assert _tag_text("", 1) and _tag_text("Team 4: a/b=c+d-e@f_g.h", 128) and not _tag_text("a" * 129, 128)


@pytest.mark.parametrize("bad", ["Orders", "orders-", "-orders", "a" * 65, "a b", 7, None, ["a"], {"a": 1}])
def test_a_name_found_valid_before_does_not_open_the_door_to_others(bad):
    assert _name("orders") == "orders" and _name("orders") == "orders"  # the second from memory
    with pytest.raises(PydanticCustomError):
        _name(bad)
