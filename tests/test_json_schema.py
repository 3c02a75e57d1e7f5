"""The published JSON Schema (generated/obsgen.schema.json, what editors check specs with) agrees with
obsgen (issue #14, item 16): it accepts every valid example, rejects every bad-spec case it can
express, and its own defaults are valid. Checked with a real validator (jsonschema, Draft 2020-12),
on the YAML as obsgen reads it (YAML 1.2: `yes` is a string, as in yaml-language-server)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest

from obsgen.compiler import compile_project
from obsgen.language.jsonschema import schema
from obsgen.language.load import load_spec
from obsgen.language.yaml_reader import load as read_yaml
from test_bad_specs import SETUPS, STRICT_FILE, CORPUS, build_case, case_names

REPO = Path(__file__).parent.parent
VALID_FILES = sorted([*(REPO / "monitors").glob("*.yaml"), *(REPO / "examples").glob("*/monitors/*.yaml"),
                      *(CORPUS / "_base" / "monitors").glob("*.yaml")])
# Codes of the schema stage: a case whose every diagnostic is one of them, found while loading,
# is a case the schema can express.
SCHEMA_CODES = {"unknown-key", "missing-key", "bad-value", "bad-name", "bad-api-version", "bad-kind"}
# ... except these, with the reason a JSON Schema cannot say it:
NOT_EXPRESSIBLE = {
    "project-kind-in-service-file": "which kind a file must have depends on its file name (obsgen.yaml or not)",
    "threshold-infinite": "whether a number written in text overflows to infinity is beyond a pattern",
    # Expressible (a oneOf of `required` sets), but the generated schema does not say them yet: both are
    # exactly-one-of rules checked by a model validator, which pydantic's schema leaves out (#17's follow-up).
    "event-route-two-sources": "exactly one of pattern, guardduty, securityhub, ... is a model validator's rule",
    "maintenance-cron-and-at": "exactly one of cron and at is a model validator's rule",
    "monitor-warm-up-out-of-range": "a duration is text ('3d', '30s'); its length in minutes is beyond a pattern",
}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema())
    return jsonschema.Draft202012Validator(schema())


def _data(path: Path) -> Any:
    doc, problems = read_yaml(path.name, path.read_bytes())
    assert doc is not None, problems
    return doc.data


def test_the_valid_examples_are_many_enough_to_mean_something() -> None:
    assert len(VALID_FILES) >= 8


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_valid_example_is_valid_under_the_schema(path: Path, validator) -> None:
    assert [e.message for e in validator.iter_errors(_data(path))] == []


def _expressible() -> Iterator[str]:
    for name in case_names():
        if name in SETUPS or (CORPUS / name / STRICT_FILE).exists() or name in NOT_EXPRESSIBLE:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            root = build_case(name, Path(tmp) / "project")
            _, loading = load_spec(root)
            found = compile_project(root).diagnostics
            if loading and {d.code for d in found} <= SCHEMA_CODES and set(map(str, loading)) == set(map(str, found)):
                yield name


EXPRESSIBLE = list(_expressible())


def test_most_schema_stage_cases_are_checked_against_the_schema() -> None:
    assert len(EXPRESSIBLE) >= 30


@pytest.mark.parametrize("name", EXPRESSIBLE)
def test_the_schema_rejects_every_bad_spec_it_can_express(name: str, validator, tmp_path: Path) -> None:
    root = build_case(name, tmp_path / "project")
    verdicts = []
    for path in sorted((root / "monitors").glob("*.yaml")):
        doc, problems = read_yaml(path.name, path.read_bytes())
        verdicts.append(bool(problems) or doc is None or not validator.is_valid(doc.data))
    assert any(verdicts), f"the schema accepts every file of bad-spec case {name}"


def _defaults(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    if isinstance(node, dict):
        if "default" in node:
            yield path, node
        for key, value in node.items():
            yield from _defaults(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _defaults(value, path + (index,))


DEFAULTS = list(_defaults(schema()))


def test_there_are_defaults_to_check() -> None:
    assert len(DEFAULTS) >= 20


@pytest.mark.parametrize("path,node", DEFAULTS, ids=lambda v: "/".join(map(str, v)) if isinstance(v, tuple) else "")
def test_every_default_is_valid_under_its_own_schema(path, node) -> None:
    own = {k: v for k, v in node.items() if k != "default"} | {"$defs": schema()["$defs"]}
    assert [e.message for e in jsonschema.Draft202012Validator(own).iter_errors(node["default"])] == []


def test_the_schema_lets_a_native_log_alarm_keep_only_its_name_as_written(validator) -> None:
    # resolve refuses the others (bad-spec case log-alarm-verbatim-parameter); the schema offered every
    # PutMetricAlarm parameter there before, which an editor would then suggest
    path = CORPUS / "log-alarm-verbatim-parameter" / "monitors" / "orders.yaml"
    spec = _data(path)
    assert not validator.is_valid(spec)
    del spec["monitors"]["payment-failures"]["cloudwatch"]["AlarmDescription"]
    assert [e.message for e in validator.iter_errors(spec)] == []


def test_the_units_are_botocores_standard_unit_enum() -> None:
    """`fields.cloudwatch_units` decodes the StandardUnit shape alone; it is what parsing botocore's whole
    CloudWatch model gives, and a shape it cannot find that way falls back to the whole model."""
    import gzip
    import json

    import botocore

    from obsgen.language.v1.fields import cloudwatch_units, standard_units

    data = Path(botocore.__file__).parent / "data" / "cloudwatch"
    model = max(data.iterdir()) / "service-2.json.gz"
    text = gzip.decompress(model.read_bytes()).decode("utf-8") if model.exists() else model.with_suffix("").read_text()
    assert list(cloudwatch_units()) == json.loads(text)["shapes"]["StandardUnit"]["enum"]
    assert "Milliseconds" in cloudwatch_units()
    member_first = '{"shapes": {"X": {"members": {"StandardUnit": {"shape": "StandardUnit"}}}, "StandardUnit": {"enum": ["A"]}}}'
    assert standard_units(member_first) == ["A"]
