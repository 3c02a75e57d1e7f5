"""Where the metric catalog's data lives: one file per namespace and `resource-types.yaml`.

A module of its own, importing nothing of obsgen, so that `obsgen.resource_types` (which the spec
language's schema reads at import time) can find the data without importing the loaders, which
import the spec language.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
RESOURCE_TYPES_FILE = "resource-types.yaml"
