"""The user-facing spec language (apiVersion obsgen/v1): pydantic models and the loader."""

from .load import API_VERSION, MONITORS_DIR, PROJECT_FILE, RUNBOOKS_DIR, ServiceEntry, SpecSet, load_spec
from .project import ProjectSpec
from .service import CompositeMonitor, MathMonitor, MetricMonitor, ServiceSpec

__all__ = [
    "API_VERSION", "MONITORS_DIR", "PROJECT_FILE", "RUNBOOKS_DIR", "ServiceEntry", "SpecSet", "load_spec",
    "ProjectSpec", "ServiceSpec", "MetricMonitor", "MathMonitor", "CompositeMonitor",
]
