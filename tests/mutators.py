"""Ways to damage a valid project, shared by the property tests (test_properties.py) and the fuzzer
(fuzzing.py: test_fuzz.py in CI, scripts/fuzz.py for long runs).

Every mutator takes `draw`, hypothesis's `data.draw`: hypothesis picks the edits, so a run is reproducible
from its seed, and the property tests shrink what they find. Edits start from the repository's example
project (monitors/ and runbooks_src/):
- structural, on a spec file's parsed data (re-dumped with PyYAML): values replaced by random scalars,
  lists or mappings, keys deleted, inserted or renamed, plus the hostile ones: names and values holding
  line breaks or control characters, deep nesting, long strings, two values swapped;
- textual, on a spec file's bytes: truncation, random bytes, YAML punctuation, lines duplicated (duplicate
  keys), deleted or swapped, plus the hostile ones: control characters, whole numbers of thousands of digits,
  lines of megabytes, nesting past every limit, broken anchors and aliases, tags;
- runbook pages (runbooks_src/, Markdown and Jinja): Jinja and Markdown tokens and the same byte edits.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import yaml
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
Draw = Callable[..., Any]


def _example_files() -> dict[str, bytes]:
    files = {}
    for folder in ("monitors", "runbooks_src"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file():
                files[path.relative_to(REPO).as_posix()] = path.read_bytes()
    return files


EXAMPLE = _example_files()
SPEC_FILES = sorted(p for p in EXAMPLE if p.startswith("monitors/") and p.endswith((".yaml", ".yml")))
RUNBOOK_FILES = sorted(p for p in EXAMPLE if p.startswith("runbooks_src/"))

# --- what a mutation writes ------------------------------------------------------------------

# Words the spec language gives meaning to, so mutations hit validators, not only "unknown key".
WORDS = ["apiVersion", "kind", "service", "owner", "monitors", "resources", "severity", "severities",
         "threshold", "period", "evaluation_periods", "datapoints", "datapoints_to_alarm", "rule",
         "expression", "metrics", "metric", "namespace", "dimensions", "statistic", "runbook", "tags",
         "channels", "environments", "overrides", "disabled", "naming", "alarm", "type", "endpoint",
         "account", "region", "vars", "summary", "description", "missing_data", "<<", "for"]
VALUES = ["> 10", "outside band 2", "5m", "90s", "45s", "0s", "1d", "2 of 3", "3 of 2", "p99", "P99",
          "Sum", "high", "medium", "stock-api/api-latency", "api-latency or not api-latency",
          "${project}-${nope}", "${env}", "$$", "Service", "Project", "obsgen/v1", "obsgen/v2",
          "123456789012", "us-east-1", "lambda", "custom", "ecs-service", "alerts@example.com", ""]
# Characters that have broken one-line diagnostics and positions: C0 and C1 controls, DEL, the line
# breaks libyaml counts (NEL, U+2028/9), a byte order mark, bidi overrides, non-characters.
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\x1b", "\x7f", "\x80", "\x85", "\x9f",
           "\u00a0", "\u2028", "\u2029", "\u202e", "\ufeff", "\ufffe", "\uffff"]
LONG_SIZES = [300, 5_000, 100_000, 3_000_000]  # a long name; past 4,300 (Python's int limit); a 3 MB line
DIGIT_COUNTS = [20, 101, 310, 4_301, 5_000, 50_000]
NESTING = [10, 47, 48, 49, 100, 1_000, 20_000]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(VALUES), st.sampled_from(WORDS),
    st.text(max_size=20),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), inner, max_size=4)),
    max_leaves=8,
)
keys = st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=12))
YAML_TOKENS = [":", ": ", "- ", "-", "{", "}", "[", "]", ",", "&a ", "*a", "!!", "!!python/object ", "<<: ",
               "'", '"', "|", ">", "#", "%", "@", "`", "\t", "\n", "\n  ", "---\n", "...\n", "? ", "\\",
               "\ufeff", "\x00", "\u2028"]
# What a line's value is replaced with: anchors and aliases that break, tags, merge keys.
BROKEN_VALUES = ["*nope", "&a 1", "*a", "&a [*a]", "&a {b: *a}", "<<: *nope", "!!int x", "!!float 1e", "!!binary AA==",
                 "!!str", "!local x", "!!python/name:os.system", "&x &y 1", "*x *y", "[*a, &a 1]"]
JINJA_TOKENS = ["{{", "}}", "{%", "%}", "{#", "#}", "{{ monitor.ref }}", "{{ monitor.nope }}", "{{ nope }}",
                "{% if monitor %}", "{% endif %}", "{% for e in monitor.envs %}", "{% endfor %}",
                "{% for i in range(3) %}{{ i }}{% endfor %}", "{{ 1/0 }}", "{{ [].pop() }}", "{{ 'a' + 1 }}",
                "{{ ''.__class__ }}", "{{ monitor.__class__.__mro__ }}", "{% include 'nope.md' %}",
                "{% extends '_default.md.j2' %}", "{% raw %}", "{% endraw %}", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
                "{{ range(200000) | list }}", "{{ guidance.text('Meaning') }}", "{% set x = x %}", "{{ x|nope }}"]
MARKDOWN_TOKENS = ["## Diagnosis\n", "## Mitigation\n", "## Meaning\n", "## \n", "#", "\n+", "+ ", "```", "```\n",
                   "<script>alert(1)</script>", "[x](y.md)", "![x](http://example.com/x.png)", "|", "\n---\n",
                   "[x]: http://example.com", "<!--", "-->", "\\"]

# --- structural mutations (on the parsed data) -----------------------------------------------


def _containers(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every mapping and list in the document, the root included."""
    found = [path] if isinstance(node, (dict, list)) else []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        found += _containers(child, path + (key,))
    return found


def _at(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


def _broken(text: str, draw: Draw) -> str:
    """`text` with a line break or a control character put inside it (a name that splits a diagnostic)."""
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.sampled_from(CONTROL)) + text[at:]


def _hostile_value(draw: Draw) -> Any:
    kind = draw(st.sampled_from(["long", "nested-list", "nested-map", "broken-word"]))
    if kind == "long":
        return draw(st.sampled_from(["x", "é", "-", "a b", "$"])) * draw(st.sampled_from(LONG_SIZES[:3]))
    depth = draw(st.sampled_from([d for d in NESTING if d <= 100]))  # PyYAML's dumper recurses
    node: Any = draw(scalars)
    for _ in range(depth):
        node = [node] if kind == "nested-list" else {"a": node}
    return node if kind != "broken-word" else _broken(draw(st.sampled_from(WORDS + VALUES)), draw)


def mutate_data(data: Any, draw: Draw, hostile: bool = False) -> Any:
    """One random edit of the document; returns the new root. `hostile` adds the fuzzer's edits."""
    operations = ["replace", "delete", "insert", "rename"]
    if hostile:
        operations += ["break-key", "break-value", "hostile-value", "swap"]
    operation = draw(st.sampled_from(operations))
    paths = _containers(data)
    if not paths:
        return draw(values)
    container = _at(data, draw(st.sampled_from(paths)))
    new_value = (lambda: _hostile_value(draw)) if operation == "hostile-value" else (lambda: draw(values))
    if operation == "insert" or (operation == "hostile-value" and not container):
        value = new_value()
        if isinstance(container, dict):
            container[draw(keys)] = value
        else:
            container.insert(draw(st.integers(0, len(container))), value)
        return data
    if not container:
        return draw(values) if operation == "replace" else data
    index = draw(st.sampled_from(list(container.keys()) if isinstance(container, dict) else range(len(container))))
    if operation in ("replace", "hostile-value"):
        container[index] = new_value()
    elif operation == "delete":
        del container[index]
    elif operation == "break-value":
        value = container[index]
        container[index] = _broken(value if isinstance(value, str) else str(value), draw)
    elif operation == "swap":
        other = draw(st.sampled_from(list(container.keys()) if isinstance(container, dict) else range(len(container))))
        container[index], container[other] = container[other], container[index]
    elif isinstance(container, dict):  # rename (or break) a key, keeping its place
        new = _broken(str(index), draw) if operation == "break-key" else draw(keys)
        items = [(new if k == index else k, v) for k, v in container.items()]
        container.clear()
        container.update(items)
    return data


def dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")


# --- textual mutations (on the bytes) ----------------------------------------------------------

_VALUE_START = re.compile(rb": |- ")  # where a line's value starts, in block style


def mutate_text(text: bytes, draw: Draw, hostile: bool = False, tokens: list[str] = YAML_TOKENS) -> bytes:
    """One random edit of a file's bytes. `hostile` adds the fuzzer's edits; `tokens` are what "token" inserts."""
    operations = ["truncate", "bytes", "token", "duplicate-line", "delete-line"]
    if hostile:
        operations += ["control", "swap-lines", "long-line"]
        if tokens is YAML_TOKENS:
            operations += ["number", "nest", "broken-value"]
    operation = draw(st.sampled_from(operations))
    offset = draw(st.integers(0, len(text)))
    if operation == "truncate":
        return text[:offset]
    if operation == "bytes":
        return text[:offset] + draw(st.binary(min_size=1, max_size=8)) + text[offset:]
    if operation == "token":
        return text[:offset] + draw(st.sampled_from(tokens)).encode("utf-8") + text[offset:]
    if operation == "control":
        return text[:offset] + draw(st.sampled_from(CONTROL)).encode("utf-8") + text[offset:]
    if operation == "long-line":
        unit, size = draw(st.sampled_from(["x", "9", "é", " ", "a-", "{{ x }}"])), draw(st.sampled_from(LONG_SIZES))
        return text[:offset] + (unit * (size // len(unit) + 1))[:size].encode("utf-8") + text[offset:]
    if operation in ("number", "nest", "broken-value"):
        return _replace_a_value(text, draw, operation)
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    index = draw(st.integers(0, len(lines) - 1))
    if operation == "duplicate-line":
        lines.insert(index, lines[index])
    elif operation == "swap-lines":
        other = draw(st.integers(0, len(lines) - 1))
        lines[index], lines[other] = lines[other], lines[index]
    else:
        del lines[index]
    return b"".join(lines)


def _replace_a_value(text: bytes, draw: Draw, operation: str) -> bytes:
    """The rest of one line after `key: ` (or `- `) becomes a huge number, deep nesting or a broken alias."""
    starts = [m.end() for m in _VALUE_START.finditer(text)]
    if not starts:
        return text
    start = draw(st.sampled_from(starts))
    end = text.find(b"\n", start)
    end = len(text) if end < 0 else end
    if operation == "number":
        sign = draw(st.sampled_from(["", "-", "0x", "!!int ", "!!float "]))
        new = sign + "9" * draw(st.sampled_from(DIGIT_COUNTS))
    elif operation == "nest":
        depth = draw(st.sampled_from(NESTING))
        new = "[" * depth + "]" * depth if draw(st.booleans()) else "{a: " * depth + "1" + "}" * depth
    else:
        new = draw(st.sampled_from(BROKEN_VALUES))
    return text[:start] + new.encode("utf-8") + text[end:]


def mutate_runbook(text: bytes, draw: Draw, hostile: bool = True) -> bytes:
    """One edit of a runbooks_src page: a Jinja or Markdown token, or one of the byte edits."""
    tokens = draw(st.sampled_from([JINJA_TOKENS, MARKDOWN_TOKENS]))
    return mutate_text(text, draw, hostile, tokens=tokens)


def write_files(root: Path, files: dict[str, bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
