"""Version 1 of the spec language (`apiVersion: obsgen/v1`): the pydantic models of the project file
(`project.py`), service files (`service.py`, with `dashboards.py`, `prometheus.py` and the spec side of
presets, `presets.py`) and the value types people write (`fields.py`). A later version would be a
sibling package mapped onto the same model.

Unlike the rest of obsgen, these modules do not use `from __future__ import annotations`: pydantic
would evaluate each of their ~360 field annotations from its text (a compile and an eval each, ~3.5 ms
of every command that reads a spec); written as objects, Python evaluates them once, as it runs the
class body (tests/test_architecture.py keeps it so)."""
