"""Version 1 of the spec language (`apiVersion: obsgen/v1`): the pydantic models of the project file
(`project.py`), service files (`service.py`, with `dashboards.py`, `prometheus.py` and the spec side of
presets, `presets.py`) and the value types people write (`fields.py`). A later version would be a
sibling package mapped onto the same model."""
