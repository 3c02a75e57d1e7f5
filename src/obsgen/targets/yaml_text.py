"""Stable YAML text for the Prometheus-family artifacts (rule files, promtool tests, Alertmanager).

Same data -> same bytes: keys in the order the caller built them (callers build them sorted or in a
meaningful order), block style, multi-line strings as literal blocks (`|`), no line folding, and
the generated-file header as the first line.
"""

from __future__ import annotations

import math
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        text = "\n".join(line.rstrip() for line in value.splitlines())  # `|` cannot keep trailing blanks
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def represent_float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    """A whole float as an int (`5`, not `5.0`): how people write thresholds and periods."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return dumper.represent_int(int(value))
    return dumper.represent_float(value)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(float, represent_float)


def dump_yaml(data: Any, header: str) -> str:
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=1 << 16, indent=2)
    return f"# {header}\n{body}"
