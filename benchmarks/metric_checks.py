"""Metric-catalog benchmark (issue #15): what the checks would add to a compile of the 10,000-alarm project.

    .venv/bin/python benchmarks/metric_checks.py               # 1,000 services x 10 monitors, as compile.py
    .venv/bin/python benchmarks/metric_checks.py --repeat 10

It reports:
- load (cold): a fresh interpreter that imports obsgen.metrics and reads the whole catalog (every
  data file through obsgen's YAML reader and pydantic), minus the same interpreter's import alone;
- load (warm): `load_catalog()` again in this process (imports and botocore's unit list cached);
- check: every MetricStat of every alarm of the benchmark project (compile.py's generator, compiled
  with compile_project), checked with `check_metric`: once through the shipped, cached catalog (what
  a compile would do), once with an explicit catalog, which bypasses the cache (every check computed).
This is a script, not a test: shared machines are noisy, so nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from compile import generate  # noqa: E402  (the compile benchmark's synthetic project)

from obsgen.compiler import compile_project  # noqa: E402
from obsgen.metrics import checks  # noqa: E402
from obsgen.metrics.catalog import load_catalog  # noqa: E402
from obsgen.metrics.shipped import shipped_catalog  # noqa: E402

COLD_LOAD = ("import time; t = time.perf_counter(); import obsgen.metrics.checks as c; "
             "from obsgen.metrics.shipped import shipped_catalog; i = time.perf_counter(); "
             "catalog, broken = shipped_catalog(); assert not broken; e = time.perf_counter(); "
             "print(i - t, e - i)")


def best_and_median(samples: list[float]) -> str:
    return f"best {min(samples) * 1000:8.1f} ms   median {statistics.median(samples) * 1000:8.1f} ms"


def cold_load(repeat: int) -> tuple[list[float], list[float]]:
    imports, loads = [], []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", COLD_LOAD], check=True, capture_output=True, text=True).stdout
        imported, loaded = map(float, out.split())
        imports.append(imported)
        loads.append(loaded)
    return imports, loads


def alarm_metrics(services: int) -> list[tuple[str, str, tuple[str, ...], str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, services, 1)
        build = compile_project(root)
    if not build.ok:
        raise SystemExit("\n".join(str(d) for d in build.diagnostics))
    found = []
    for model in build.models.values():
        for alarm in model.metric_alarms:
            for stat in alarm.stats:
                found.append((stat.namespace, stat.metric, tuple(k for k, _ in stat.dimensions), stat.statistic,
                              model.region))
    return found


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    imports, loads = cold_load(args.repeat)
    print(f"import obsgen.metrics        {best_and_median(imports)}")
    print(f"load catalog (cold)          {best_and_median(loads)}")
    warm = timed(lambda: load_catalog(), args.repeat)
    print(f"load catalog (warm)          {best_and_median(warm)}")

    metrics = alarm_metrics(args.services)
    catalog, _ = shipped_catalog()
    distinct = len(set(metrics))

    def cached() -> None:
        checks._check_shipped.cache_clear()
        for namespace, metric, names, statistic, region in metrics:
            checks.check_metric(namespace, metric, names, statistic, region)

    def uncached() -> None:
        for namespace, metric, names, statistic, region in metrics:
            checks.check_metric(namespace, metric, names, statistic, region, catalog=catalog)

    problems = sum(len(checks.check_metric(*m)) for m in metrics)
    print(f"metrics checked: {len(metrics):,} ({distinct} distinct), problems found: {problems}")
    print(f"check all (shipped, cached)  {best_and_median(timed(cached, args.repeat))}")
    print(f"check all (every check run)  {best_and_median(timed(uncached, args.repeat))}")


if __name__ == "__main__":
    main()
