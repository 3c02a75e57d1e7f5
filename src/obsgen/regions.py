"""AWS region names, as botocore knows them: the `regions` of every partition in botocore's endpoint
data (`botocore/data/endpoints.json`, shipped with the botocore this project locks), so a region
written in the spec is checked against the same list the SDK resolves endpoints from.
https://github.com/boto/botocore/blob/develop/botocore/data/endpoints.json

Reading the file costs ~60 ms (it is ~1 MB of JSON), so it is read once, and only when a spec
names a region to check. The file is found without importing botocore (as `fields.cloudwatch_units`
does: importing it costs ~0.2 s), so `obsgen validate` stays light.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from functools import lru_cache
from pathlib import Path

from .language.errors import did_you_mean


@lru_cache(maxsize=1)
def known_regions() -> dict[str, str]:
    """Region name -> its partition (`aws`, `aws-cn`, `aws-us-gov`, ...)."""
    found = importlib.util.find_spec("botocore")
    if found is None or found.origin is None:
        raise ModuleNotFoundError("botocore, which obsgen needs, is not installed", name="botocore")
    path = Path(found.origin).parent / "data" / "endpoints.json"
    raw = path.read_bytes() if path.exists() else gzip.decompress(path.with_name("endpoints.json.gz").read_bytes())
    data = json.loads(raw)
    return {region: partition["partition"] for partition in data["partitions"] for region in partition["regions"]}


def region_problem(name: str) -> str:
    """"" when `name` is a region botocore knows, else a message with the closest names."""
    regions = known_regions()
    if name in regions:
        return ""
    return f"'{name}' is not an AWS region botocore knows{did_you_mean(name, sorted(regions))}"
