"""The regions a spec may name: every partition's, from botocore's own data, without importing it."""

from __future__ import annotations

import subprocess
import sys

from obsgen import regions


def test_every_partition_counts_and_pseudo_regions_do_not() -> None:
    known = regions.known_regions()
    assert {"eu-west-1", "us-east-1", "cn-north-1", "us-gov-west-1", "eusc-de-east-1"} <= known
    assert not any(r.endswith("-global") for r in known)
    assert regions.partition_of("cn-north-1") == "aws-cn" and regions.partition_of("eu-west-9") is None


def test_every_region_botocore_offers_cloudwatch_in_is_known() -> None:
    import botocore.session  # the slow way, once, as the reference
    session = botocore.session.get_session()
    offered = {r for p in session.get_available_partitions()
               for r in session.get_available_regions("cloudwatch", partition_name=p)}
    assert offered and offered <= regions.known_regions()


def test_a_region_that_does_not_exist_gets_the_closest_one() -> None:
    assert regions.closest("eu-west-9") in {"eu-west-1", "eu-west-2", "eu-west-3"}
    assert regions.closest("nowhere") is None


def test_reading_the_regions_never_imports_botocore() -> None:
    code = "import sys, obsgen.regions as r; r.known_regions(); print('botocore' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
