"""`obsgen import` reads no more than `plan` does for the same alarms: the same batched readers
(GetResources and DescribeAlarms 100 a call, SNS per topic), no GetDashboard, one GetCallerIdentity;
and it never writes. Counted as tests/test_aws_budget.py counts plan's calls."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from aws_support import CallLog, aws_env, clients_for  # noqa: F401
from test_aws_budget import many_alarms

from obsgen.adopt import Selection, import_project
from obsgen.aws.workflow import ApplyOptions, apply, make_plan

N = 1000
pytestmark = pytest.mark.usefixtures("aws_env")


def test_importing_1000_alarms_costs_at_most_plan_s_reads_and_writes_nothing():
    model = many_alarms(N)
    clients = clients_for(model)
    assert apply(model, clients, make_plan(model, clients), ApplyOptions(concurrency=4, writes_per_second=None)).ok

    plan_log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.sts)
    assert not make_plan(model, clients).has_changes
    import_log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.sts)
    plan_calls = list(plan_log.calls)
    imported = import_project(clients, Selection(), "bulk", model.env)

    assert imported.alarms == N
    calls = import_log.calls
    by_op = Counter(op for _, op in calls)
    pages = math.ceil(N / 100)
    assert by_op["DescribeAlarms"] == pages
    assert by_op["GetResources"] == math.ceil((N + len(model.topics)) / 100)
    notified = {a.severity.topic_arn for a in model.metric_alarms}  # the topics the alarms name: read; others not
    assert by_op["GetTopicAttributes"] == by_op["ListSubscriptionsByTopic"] == len(notified)
    assert by_op["GetDashboard"] == len(model.dashboards) and by_op["GetCallerIdentity"] == 1  # to declare them
    assert len(calls) <= len(plan_calls), (by_op, Counter(op for _, op in plan_calls))
    assert import_log.writes() == [] and import_log.problems == []
