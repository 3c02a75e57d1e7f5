"""Shared pytest setup. Keep it generic: fixtures here are used by more than one test module."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

try:  # hypothesis is a dev dependency; test modules that need it import it themselves
    from hypothesis import HealthCheck, settings

    # CI runs must be reproducible: same examples every run, no example database.
    settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
except ImportError:  # pragma: no cover
    pass


@pytest.fixture
def example_project(tmp_path: Path) -> Path:
    """A writable copy of the repository's example project (monitors/ and runbooks_src/)."""
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path
