"""Shared pytest setup. Keep it generic: what is here applies to every test module."""

from __future__ import annotations

import os

try:  # hypothesis is a dev dependency; the modules that use it import it themselves
    from hypothesis import HealthCheck, settings

    # CI runs (CI=true) are reproducible: the same examples every run, no example database.
    # Elsewhere examples are random and failures are remembered in .hypothesis/.
    # No deadlines anywhere: shared, noisy machines make per-example timing meaningless.
    settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
except ImportError:  # pragma: no cover
    pass


import pytest


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: without the plugin pytest would reject the name
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (`make test`): one worker per usable core, at most 4. Each worker sets up the module
    fixtures its own tests need (a sandbox server, the wheel's venv, a browser), so every extra worker
    repeats some of that setup; measured on 2 cores only (docs/performance.md)."""
    return max(1, min(4, len(os.sched_getaffinity(0))))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a pytest-xdist worker, the tests marked `long` (a minute or more each) come first. Workers take
    tests in collection order, and the property tests sit at 82% of it: the worker that drew them
    ran them for ~3.5 minutes after the other had finished everything else. First, they run while
    the other workers share the rest. Without workers the order is left as it is."""
    if hasattr(config, "workerinput"):  # set by xdist on its workers only
        items.sort(key=lambda item: item.get_closest_marker("long") is None)  # stable: the rest keep their order


@pytest.fixture(scope="session", autouse=True)
def _render_cache_of_the_session(tmp_path_factory: pytest.TempPathFactory):
    """`obsgen build` keeps rendered pages in the user's cache directory (render_cache.py); the tests'
    builds use one of their own, shared by the session, so the suite never writes into ~/.cache and
    every CLI build also exercises the cache."""
    previous = os.environ.get("OBSGEN_CACHE_DIR")
    os.environ["OBSGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("obsgen-cache"))
    yield
    if previous is None:
        os.environ.pop("OBSGEN_CACHE_DIR", None)
    else:
        os.environ["OBSGEN_CACHE_DIR"] = previous
