"""Context.expand fills each template through a str.format form read once (resolve/context.py, for speed:
docs/performance.md); these check that the form always gives what conventions.expand gives, and that a
template the form cannot take still goes the long way, which reports its problem."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from obsgen.conventions import TemplateError, expand
from obsgen.resolve.context import _Form, _format_form

VARIABLES = {"project": "p{x}", "env": "e$1", "service": "s}", "monitor": "m", "a-b": "AB", "_x": "X"}
# Pieces a template is made of, including those str.format reads specially ({, }, names with . [ ! :).
PIECES = st.sampled_from([*"ab-_${}x0 .[]!:", "${project}", "${env}", "$$", "${a-b}", "${nope}", "${0}", "${a.b}",
                          "${a[0]}", "${a!r}", "${_x}", "${}", "{{", "}}"])


def expanded(template: str) -> str | None:
    try:
        return expand(template, VARIABLES)
    except TemplateError:
        return None


@settings(max_examples=3000)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_a_templates_format_form_expands_to_what_conventions_expand_gives(template: str) -> None:
    form = _format_form(template)
    if form is _Form.LONG_WAY:
        return
    if form is _Form.AS_WRITTEN:
        assert expanded(template) == template
        return
    try:
        assert form.format_map(VARIABLES) == expanded(template)
    except KeyError:  # an unknown variable: Context.expand then goes the long way, which reports it
        assert expanded(template) is None


def test_templates_str_format_would_misread_go_the_long_way() -> None:
    for template in ("${0}", "${a.b}", "${a[0]}", "${a!r}", "${a:>9}", "${}", "x-${unclosed"):
        assert _format_form(template) is _Form.LONG_WAY


def test_braces_and_dollars_around_variables_are_kept_as_written() -> None:
    form = _format_form("{a}-${env}-$$-$x-}")
    assert isinstance(form, str) and _format_form("$$") == "$"
    assert form.format_map({"env": "prod"}) == "{a}-prod-$-$x-}"


# --- what resolve works out once per service or resource reads as when worked out per alarm ---------------

TWO_MONITORS = """\
errors:
  summary: Errors.
  resource: fn
  metric: Errors
  statistic: Sum
  period: 5m
  threshold: "> 1"
  severity: critical
throttles:
  summary: Throttles.
  resource: fn
  metric: Throttles
  statistic: Sum
  period: 5m
  threshold: "> 1"
  severity: warning
"""


def alarm_tags(result, monitor: str) -> dict[str, str]:
    import json
    params = json.loads(result.files["production/cloudwatch/orders.json"])["MetricAlarms"]
    alarm = next(p for p in params if p["AlarmName"].endswith(f"-{monitor}-production"))
    return {t["Key"]: t["Value"] for t in alarm["Tags"]}


def test_service_tags_naming_the_monitor_are_expanded_for_each_alarm(tmp_path) -> None:
    from spec_builder import SERVICE_HEAD, build
    head = SERVICE_HEAD.replace("owner: team-orders\n", "owner: team-orders\ntags:\n  Alarm: \"${service}.${monitor}\"\n"
                                "  Env: \"${env}\"\n")
    result = build(tmp_path, TWO_MONITORS, extra_files={"monitors/orders.yaml": head + "  " + TWO_MONITORS.replace("\n", "\n  ")})
    assert result.ok, result.diagnostics
    assert alarm_tags(result, "errors")["Alarm"] == "orders.errors"
    assert alarm_tags(result, "throttles")["Alarm"] == "orders.throttles"
    assert alarm_tags(result, "throttles")["Env"] == "production"


def test_a_bad_template_shared_by_every_alarm_is_one_error_at_its_place(tmp_path) -> None:
    from spec_builder import PROJECT, SERVICE_HEAD, build, errors
    project = PROJECT.replace("severities:\n", "tags:\n  Owner: \"${monitr}\"\nseverities:\n", 1)
    service = SERVICE_HEAD.replace('name: "orders-${env}"', 'name: "orders-${envv}"')
    result = build(tmp_path, project=project,
                   extra_files={"monitors/orders.yaml": service + "  " + TWO_MONITORS.replace("\n", "\n  ")})
    found = errors(result)
    # The alarms' expansion (the SNS topics' tags read it too, without ${monitor}: "expected one of ...").
    tag = [e for e in found if "${monitr} (did you mean 'monitor'?)" in e]
    name = [e for e in found if "${envv}" in e]
    assert len(tag) == 1 and tag[0].startswith("monitors/obsgen.yaml:9:11: error:"), found
    assert name == ["monitors/orders.yaml:6:36: error: unknown template variable ${envv} (did you mean 'env'?) "
                    "[unknown-variable]"], found
