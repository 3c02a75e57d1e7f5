"""The AWS regions botocore knows, read from its own data without importing botocore.

botocore ships the list of partitions and their regions as `botocore/data/partitions.json` (7 KB:
what its endpoint rules resolve regions against; `endpoints.json`, which
`botocore.session.get_session().get_available_regions("cloudwatch")` reads, is 1.2 MB and, in the
locked botocore 1.44.8, lacks the two newest regions, me-west-1 and sa-west-1). Reading the small
file takes ~0.1 ms; importing `botocore.session` and asking it took 1.4-1.5 s on the shared
2-core machine (`python -c pass`: 0.01 s), which every offline command (`validate`, `build`) would
pay. The file is found with importlib, so botocore is never imported; the list is read once per
process. Every partition counts (aws, aws-cn, aws-us-gov, the ISO partitions, aws-eusc): an
environment may live in any of them. The partitions' pseudo-regions (`aws-global`, ...) are not
regions an environment can be in, and are left out.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
from pathlib import Path

_PSEUDO_SUFFIX = "-global"  # aws-global, aws-cn-global, ...: an endpoint alias, not a region


@functools.cache
def partitions() -> dict[str, tuple[str, ...]]:
    """Each partition's id and its regions, sorted, as botocore's partitions.json lists them."""
    data = json.loads(_botocore_data("partitions.json").read_text(encoding="utf-8"))
    return {p["id"]: tuple(sorted(r for r in p.get("regions", {}) if not r.endswith(_PSEUDO_SUFFIX)))
            for p in data["partitions"]}


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition."""
    return frozenset(r for regions in partitions().values() for r in regions)


def partition_of(region: str) -> str | None:
    """The partition a region is in ('aws', 'aws-cn', 'aws-us-gov', ...), None when botocore does not know it."""
    return next((pid for pid, regions in partitions().items() if region in regions), None)


def closest(region: str) -> str | None:
    """The known region most like `region` (eu-west-9 -> eu-west-1), for a did-you-mean."""
    close = difflib.get_close_matches(region, sorted(known_regions()), n=1, cutoff=0.6)
    return close[0] if close else None


def _botocore_data(name: str) -> Path:
    found = importlib.util.find_spec("botocore")
    if found is None or found.origin is None:
        raise ModuleNotFoundError("botocore, which obsgen needs, is not installed", name="botocore")
    return Path(found.origin).parent / "data" / name
