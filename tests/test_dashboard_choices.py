"""Dashboards people pay for (issue #14, item 17): a service's own dashboard can be turned off for the
project, a service or an environment, a Prometheus-only service gets none by default, and a declared
dashboard can be limited to some environments."""

from __future__ import annotations

from pathlib import Path

from spec_builder import PROJECT, build, errors

STAGING = """\
  staging:
    account: "210987654321"
    region: eu-west-1
"""
CLOUDWATCH = """\
errors:
  summary: The orders function fails.
  resource: fn
  metric: Errors
  statistic: Sum
  threshold: "> 5"
  severity: critical
"""
PROMETHEUS_ONLY = """\
apiVersion: obsgen/v1
kind: Service
service: queue
owner: team-queue
{dashboard}monitors:
  backlog:
    summary: The queue backs up.
    promql: queue_depth > 100
    severity: warning
"""


def _dashboards(result, env: str = "production") -> list[str]:
    prefix = f"{env}/cloudwatch/dashboards/"
    return sorted(p[len(prefix):-len(".json")] for p in result.files if p.startswith(prefix))


def test_a_prometheus_only_service_gets_no_cloudwatch_dashboard_by_default(tmp_path: Path) -> None:
    result = build(tmp_path, CLOUDWATCH, extra_files={"monitors/queue.yaml": PROMETHEUS_ONLY.format(dashboard="")})
    assert result.ok, errors(result)
    assert _dashboards(result) == ["shop-production-orders"]


def test_a_prometheus_only_service_may_ask_for_its_dashboard(tmp_path: Path) -> None:
    queue = PROMETHEUS_ONLY.format(dashboard="dashboard: true\n")
    result = build(tmp_path, CLOUDWATCH, extra_files={"monitors/queue.yaml": queue})
    assert _dashboards(result) == ["shop-production-orders", "shop-production-queue"]


def test_the_project_can_turn_service_dashboards_off_and_a_service_back_on(tmp_path: Path) -> None:
    project = PROJECT.replace("environments:", "service_dashboards: false\nenvironments:")
    assert _dashboards(build(tmp_path / "off", CLOUDWATCH, project=project)) == []
    queue = PROMETHEUS_ONLY.format(dashboard="dashboard: true\n")
    on = build(tmp_path / "on", CLOUDWATCH, project=project, extra_files={"monitors/queue.yaml": queue})
    assert _dashboards(on) == ["shop-production-queue"]


def test_an_environment_can_turn_every_service_dashboard_off_there(tmp_path: Path) -> None:
    project = PROJECT + STAGING + "    service_dashboards: false\n"
    result = build(tmp_path, CLOUDWATCH, project=project)
    assert result.ok, errors(result)
    assert _dashboards(result, "production") == ["shop-production-orders"]
    assert _dashboards(result, "staging") == []
    assert "#dashboards/dashboard/" not in result.files["runbooks/orders/errors.md"].split("### staging")[1]


DECLARED = """\
dashboards:
  main:
    environments: [{envs}]
    rows:
      - widgets:
          - text: Hello
"""


def test_a_declared_dashboard_can_be_limited_to_some_environments(tmp_path: Path) -> None:
    project = PROJECT + STAGING + DECLARED.format(envs="production")
    result = build(tmp_path, CLOUDWATCH, project=project)
    assert result.ok, errors(result)
    assert "shop-production-main" in _dashboards(result, "production")
    assert "shop-staging-main" not in _dashboards(result, "staging")


def test_a_declared_dashboard_naming_an_unknown_environment_is_an_error(tmp_path: Path) -> None:
    result = build(tmp_path, CLOUDWATCH, project=PROJECT + DECLARED.format(envs="prodution"))
    assert [d.code for d in result.diagnostics] == ["unknown-environment"]
    assert "(did you mean 'production'?)" in result.diagnostics[0].message


def test_a_dashboard_keyed_like_a_service_says_how_to_resolve_it_and_is_fine_once_the_service_has_none(
        tmp_path: Path) -> None:
    declared = DECLARED.format(envs="production").replace("main:", "orders:")
    clash = build(tmp_path / "clash", CLOUDWATCH, project=PROJECT + declared)
    assert "dashboard: false in the service's file" in clash.diagnostics[0].message
    service = "apiVersion: obsgen/v1\nkind: Service\nservice: orders\nowner: team-orders\ndashboard: false\n" \
              "resources:\n  fn: {type: lambda, name: \"orders-${env}\"}\nmonitors:\n" + \
              "".join("  " + line + "\n" for line in CLOUDWATCH.splitlines())
    fine = build(tmp_path / "fine", project=PROJECT + declared, extra_files={"monitors/orders.yaml": service})
    assert fine.ok, errors(fine)
    assert _dashboards(fine) == ["shop-production-orders"]
