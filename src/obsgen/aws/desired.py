"""The resources one environment should have, keyed by address: each synced kind's `desired`, built
from the targets' own parameter functions, so what is applied is what `obsgen build` shows."""

from __future__ import annotations

from ..model import EnvironmentModel
from . import kinds
from .resources import Resource


def desired_resources(model: EnvironmentModel) -> dict[str, Resource]:
    return {r.address: r for synced in kinds.KINDS for r in synced.desired(model)}
