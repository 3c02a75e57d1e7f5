"""Preset summaries name the real resource (issue #14, item 4): "The orders-production Lambda
function is returning errors.", not "The function Lambda function ...": the first line of the
alarm mail and of the runbook page."""

from __future__ import annotations

from pathlib import Path

from spec_builder import PROJECT, build, errors

WITH_PRESETS = PROJECT.replace("environments:", "presets:\n  severities: {critical: critical, warning: warning}\nenvironments:")
TWO_ENVS = WITH_PRESETS + """\
  staging:
    account: "210987654321"
    region: eu-west-1
"""


def _service(name: str, override: str = "") -> dict[str, str]:
    return {"monitors/orders.yaml": f"""\
apiVersion: obsgen/v1
kind: Service
service: orders
owner: team-orders
resources:
  function:
    type: lambda
    name: "{name}"
    preset: [errors]
    params: {{max_errors: 5}}
{override}"""}


def _first_line(result, env: str) -> str:
    text = result.files[f"{env}/cloudwatch/orders.json"]
    return text.split('"AlarmDescription": "', 1)[1].split("\\n", 1)[0]


def test_a_preset_summary_names_the_resource_by_its_aws_name_in_each_environment(tmp_path: Path) -> None:
    result = build(tmp_path, project=TWO_ENVS, extra_files=_service("orders-${env}"))
    assert result.ok, errors(result)
    assert _first_line(result, "production").startswith("The orders-production Lambda function")
    assert _first_line(result, "staging").startswith("The orders-staging Lambda function")
    assert "The function Lambda function" not in result.files["production/cloudwatch/orders.json"]


def test_a_resource_name_with_spaces_is_quoted_so_the_sentence_still_reads(tmp_path: Path) -> None:
    result = build(tmp_path, project=WITH_PRESETS, extra_files=_service("Orders API ${env}"))
    assert result.ok, errors(result)
    assert _first_line(result, "production").startswith("The 'Orders API production' Lambda function")


def test_the_runbook_page_shows_the_name_with_the_environment_as_a_placeholder(tmp_path: Path) -> None:
    result = build(tmp_path, project=TWO_ENVS, extra_files=_service("orders-${env}"))
    page = result.files["runbooks/orders/function-errors.md"]
    assert "**The orders-\\<env> Lambda function" in page  # Markdown escapes the "<"


def test_a_summary_written_in_the_override_is_kept_as_written(tmp_path: Path) -> None:
    override = "    presets:\n      errors: {summary: Orders cannot be placed.}\n"
    result = build(tmp_path, project=WITH_PRESETS, extra_files=_service("orders-${env}", override))
    assert result.ok, errors(result)
    assert _first_line(result, "production") == "Orders cannot be placed."
