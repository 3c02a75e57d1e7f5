"""An environment can leave out an SLO or one of its tiers (`disabled:`) and change its objective (`overrides:`),
as it can a monitor's (docs/slos.md, "In an environment"). The mistakes are bad-spec cases (tests/bad_specs/slo-*)."""

from __future__ import annotations

import pytest

from obsgen.compiler import Build

from spec_builder import PROJECT, build, errors
from test_slos import API_SERVICE, CHECKOUT_SERVICE

ENVIRONMENTS = """\
  staging:
    account: "123456789012"
    region: eu-west-1
    disabled: [api/slo-availability-page, checkout/slo-latency]
    overrides:
      api/slo-availability: {objective: 99.5%}
  dev:
    account: "123456789012"
    region: eu-west-1
    disabled: [api/slo-availability]
"""

CHECKOUT_TESTS = """\
tests:
  - interval: 1m
    input_series:
      - series: slo:sli_error:ratio_rate5m{sloth_id="checkout-latency"}
        values: "0+0x10"
    alert_rule_test:
      - eval_time: 5m
        alertname: LatencyErrorBudgetBurn
        exp_alerts: []
"""


@pytest.fixture(scope="module")
def three_envs(tmp_path_factory: pytest.TempPathFactory) -> Build:
    result = build(tmp_path_factory.mktemp("slo-envs"), project=PROJECT + ENVIRONMENTS,
                   extra_files={"monitors/api.yaml": API_SERVICE,
                                "monitors/checkout.yaml": CHECKOUT_SERVICE + CHECKOUT_TESTS})
    assert errors(result) == []
    return result


def _alarms(result: Build, env: str) -> list[str]:
    model = result.models[env]
    return sorted(a.monitor for a in [*model.metric_alarms, *model.composite_alarms] if a.service == "api")


def test_an_slo_disabled_in_an_environment_has_no_alarms_there_and_keeps_them_elsewhere(three_envs: Build) -> None:
    assert _alarms(three_envs, "dev") == []
    assert [s.name for s in three_envs.models["dev"].slos if s.service == "api"] == []
    assert "slo-availability-page" in _alarms(three_envs, "production")


def test_a_disabled_page_tier_leaves_the_ticket_tier_alone_and_unsuppressed(three_envs: Build) -> None:
    assert _alarms(three_envs, "staging") == ["slo-availability-ticket", "slo-availability-ticket-1d",
                                              "slo-availability-ticket-2h", "slo-availability-ticket-3d",
                                              "slo-availability-ticket-6h"]
    (ticket,) = three_envs.models["staging"].composite_alarms
    assert "ActionsSuppressor" not in dict(ticket.verbatim)


def test_an_overridden_objective_sets_that_environments_thresholds_only(three_envs: Build) -> None:
    def thresholds(env: str) -> dict[str, float]:
        return {a.monitor: a.threshold.value for a in three_envs.models[env].metric_alarms
                if a.monitor.startswith("slo-availability-ticket")}

    assert thresholds("staging")["slo-availability-ticket-1d"] == pytest.approx(3 * 0.005)
    assert thresholds("production")["slo-availability-ticket-1d"] == pytest.approx(3 * 0.001)
    (staging,) = [s for s in three_envs.models["staging"].slos if s.service == "api"]
    assert staging.objective == pytest.approx(0.995)


def test_a_prometheus_slo_disabled_in_an_environment_has_no_rules_there_and_its_tests_are_left_out(
        three_envs: Build) -> None:
    (group,) = three_envs.models["staging"].rule_groups
    assert {dict(r.labels).get("sloth_slo") for r in group.recording_rules} == {"availability"}
    assert {a.alert for a in group.alerts} == {"AvailabilityErrorBudgetBurn"}
    tested = {case.alertname for test in group.tests for case in test.alert_tests}
    assert tested == {"AvailabilityErrorBudgetBurn"}  # the spec's test of LatencyErrorBudgetBurn is not run here
    (production,) = three_envs.models["production"].rule_groups
    assert "LatencyErrorBudgetBurn" in {case.alertname for test in production.tests for case in test.alert_tests}


def test_the_slo_page_gives_each_environments_objective_and_where_it_is_disabled(three_envs: Build) -> None:
    api = three_envs.files["runbooks/_slos/api/availability.md"]
    assert "99.9% over 30d in production; 99.5% over 30d in staging." in api
    assert "Not in dev: disabled there" in api
    assert "### staging\n\nObjective 99.5% of valid events good over 30d" in api
    assert "Page tier: none." in api.split("### staging")[1]
    assert "Not in staging: disabled there" in three_envs.files["runbooks/_slos/checkout/latency.md"]


def test_a_mistake_in_a_prometheus_slos_override_is_reported_once(tmp_path) -> None:
    project = PROJECT + '    overrides:\n      checkout/slo-latency: {objective: 99.5%, for: 5m}\n'
    result = build(tmp_path, project=project, extra_files={"monitors/checkout.yaml": CHECKOUT_SERVICE})
    assert errors(result) == [
        "monitors/obsgen.yaml:26:48: error: 'for' does not apply to an SLO; override its 'objective', or disable it "
        "or one of its tiers ('checkout/slo-latency-page') with disabled: [bad-override]"]
