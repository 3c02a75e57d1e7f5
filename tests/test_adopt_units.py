"""The pieces of `obsgen import` that need no AWS: names, rules, ownership."""

from __future__ import annotations

import pytest

from obsgen import composite_rule
from obsgen.adopt.names import spec_name, template, unique, without_env
from obsgen.adopt.ownership import other_owner
from obsgen.adopt.rules import Untranslatable, translate


def test_the_environment_becomes_a_variable_only_where_it_is_a_word_of_its_own():
    assert template("orders-prod-errors", "prod") == "orders-${env}-errors"
    assert template("production-errors", "prod") == "production-errors"
    assert template("cost $5 prod", "prod") == "cost $$5 ${env}"
    assert without_env("orders-prod-errors", "prod") == "orders-errors"


def test_aws_names_become_spec_names_and_stay_apart():
    assert spec_name("Orders API 5XX (High)") == "orders-api-5xx-high"
    assert spec_name("HighCPUUtilization") == "high-cpuutilization"
    long_a, long_b = spec_name("x" * 80 + "a"), spec_name("x" * 80 + "b")
    assert len(long_a) <= 64 and long_a != long_b
    taken: set[str] = set()
    assert [unique("errors", taken) for _ in range(3)] == ["errors", "errors-2", "errors-3"]


def test_an_alarm_rule_reads_back_as_obsgen_s_rule_language():
    refs = {"a-prod": "api/errors", "b": "latency", "c": "db/ok"}
    text = translate('ALARM("a-prod") AND (OK(b) OR NOT INSUFFICIENT_DATA("arn:aws:cloudwatch:us-east-1:1:alarm:c"))',
                     refs.get)
    assert text == "api/errors and (ok(latency) or not insufficient_data(db/ok))"
    composite_rule.parse(text)  # obsgen's parser reads it


def test_rules_obsgen_cannot_say_are_refused_with_the_reason():
    with pytest.raises(Untranslatable, match="TRUE"):
        translate('ALARM("a") OR TRUE', {"a": "a"}.get)
    with pytest.raises(Untranslatable, match="not imported"):
        translate('ALARM("elsewhere")', {}.get)


def test_cloudformation_and_terraform_ownership_is_recognised_from_tags():
    stack = other_owner({"aws:cloudformation:stack-name": "orders", "aws:cloudformation:logical-id": "ErrorsAlarm"})
    assert stack is not None and stack.tool == "CloudFormation" and "ErrorsAlarm" in stack.detail
    terraform = other_owner({"ManagedBy": "Terraform"})
    assert terraform is not None and terraform.tool == "Terraform"
    assert other_owner({"terraform:workspace": "prod"}).tool == "Terraform"
    assert other_owner({"team": "orders"}) is None and other_owner(None) is None


def test_only_parentheses_around_the_whole_rule_are_dropped():
    refs = {"a": "a", "b": "b", "c": "c"}.get
    assert translate('(ALARM(a) OR ALARM(b)) AND (ALARM(b) OR ALARM(c))', refs) == "(a or b) and (b or c)"
    assert translate('OK(a) OR OK(b)', refs) == "ok(a) or ok(b)"
    assert translate('ALARM(a)', refs) == "a"
