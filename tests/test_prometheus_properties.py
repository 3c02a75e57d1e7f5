"""Whatever text people write in a valid spec, the Prometheus artifacts stay valid for promtool and amtool."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obsgen.prometheus import promtool
from prom_tools import require
from spec_builder import PROJECT, build

NAMES = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
LABELS = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: not n.startswith("__") and n not in ("severity", "service", "team", "env"))
# Any printable text except template braces (those are PromQL templates, checked elsewhere).
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="{}"), min_size=1,
               max_size=40).filter(lambda t: t.strip())
MONITOR = st.fixed_dictionaries({
    "summary": TEXT, "description": TEXT, "severity": st.sampled_from(["critical", "warning"]),
    "promql": st.sampled_from(["up == 0", 'sum by (job) (rate(x{a="b"}[5m])) > 0.5',
                               "histogram_quantile(0.9,\n  sum by (le) (rate(h_bucket[5m]))) > 1"]),
    "for": st.sampled_from(["0s", "30s", "5m", "1h30m", "1d"]),
    "labels": st.dictionaries(LABELS, TEXT, max_size=3),
})


@settings(max_examples=25, deadline=None)
@given(monitors=st.dictionaries(NAMES, MONITOR, min_size=1, max_size=4))
def test_generated_rules_and_routing_pass_the_real_tools(monitors):
    tool, amtool = require("promtool"), require("amtool")
    service = {"apiVersion": "obsgen/v1", "kind": "Service", "service": "svc", "owner": "team: a/b 'c'",
               "monitors": monitors}
    project = PROJECT.replace("    severities: [critical, warning]\n", "    severities: [critical, warning]\n"
                              "    alertmanager: {slack: {channel: \"#a 'b'\", api_url_file: /s}}\n")
    root = Path(tempfile.mkdtemp(prefix="obsgen-prop-"))
    try:
        result = build(root, project=project, extra_files={"monitors/svc.yaml": json.dumps(service, ensure_ascii=False)})
        assert result.ok, [str(d) for d in result.diagnostics]
        rules = root / "svc.rules.yaml"
        rules.write_text(result.files["production/prometheus/svc.rules.yaml"])
        checked = promtool.check_rules(tool, [rules])
        assert checked.ok, checked.output
        loaded = yaml.safe_load(rules.read_text())["groups"][0]["rules"]
        assert {r["annotations"]["summary"] for r in loaded} == {m["summary"] for m in monitors.values()}
        config = root / "alertmanager.yml"
        config.write_text(result.files["production/alertmanager/alertmanager.yml"])
        assert promtool.amtool_check(amtool, config).ok
    finally:
        shutil.rmtree(root, ignore_errors=True)
