"""Preset alarms go through plan / apply / drift like hand-written ones (moto in-process)."""

from __future__ import annotations

import dataclasses

import pytest
from aws_support import REPO, CallLog, aws_env, clients_for, in_process  # noqa: F401

from obsgen.aws.drift import drift_report
from obsgen.aws.plan import CREATE
from obsgen.aws.workflow import ApplyOptions, apply, make_plan
from obsgen.compiler import compile_project

pytestmark = pytest.mark.usefixtures("aws_env")


def test_the_presets_example_applies_and_then_shows_no_drift():
    build = compile_project(REPO / "examples" / "presets")
    model = dataclasses.replace(build.models["prod"], endpoint=None)  # moto's account; its region (eu-west-1) kept,
    # since the topics' ARNs name it and a topic's policy is written to the topic of that ARN
    clients = clients_for(model)
    log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.sts)
    plan = make_plan(model, clients)
    assert sum(1 for c in plan.changes if c.action == CREATE and c.address.startswith("metric_alarm.")) == 64
    result = apply(model, clients, plan, ApplyOptions(concurrency=1, writes_per_second=None))
    assert result.ok, (result.failed, result.not_done)
    assert log.problems == [], "requests that botocore's service model rejects"
    assert drift_report(make_plan(model, clients)).in_sync
