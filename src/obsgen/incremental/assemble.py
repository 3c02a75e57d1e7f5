"""The project-wide files of an incremental build, laid out by the same functions as a full build's
(`site.index_page`, `site.routing_page`, `coverage.markdown_lines`, `routing.page`) from every service's
pieces: those of the services compiled again, and the recorded ones of the others."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..chunks import Chunks, Content
from ..runbooks import COVERAGE_FILE
from ..runbooks.coverage import markdown_lines
from ..runbooks.site import index_page, routing_page
from ..targets import routing
from .record import Unit
from .units import ROUTING

if TYPE_CHECKING:
    from ..language.load import SpecSet
    from ..model import EnvironmentModel


def shared_files(spec: SpecSet, models: dict[str, EnvironmentModel], units: list[Unit]) -> dict[str, Content]:
    """site/index.html, site/routing.html, runbooks/COVERAGE.md and each environment's routing.md, from
    `units` (every service's, any order) and `models` (a compile of some of the services: what they share
    with the rest is checked equal to the last build's before this is asked)."""
    units = sorted(units, key=lambda u: u.service)
    project = spec.project
    description = project.description or ""
    covered, total = sum(u.covered for u in units), sum(u.total for u in units)
    files: dict[str, Content] = {}
    path, index = index_page(project.project, description, [u.index for u in units if u.index], covered, total, total)
    files[path] = index
    files[COVERAGE_FILE] = Chunks(markdown_lines(covered, total, [u.coverage for u in units if u.coverage]))
    counts: dict[str, Counter[str]] = {}
    for env, model in models.items():
        counts[env] = Counter()
        for unit in units:
            counts[env].update(unit.counts.get(env, {}))
        blocks = [u.routing[env] for u in units if env in u.routing]
        files[f"{env}/{ROUTING}"] = routing.page(model, blocks, counts[env])
    production = {e: project.environments[e].production for e in models}
    sns = {env: any(u.sns.get(env, False) for u in units) for env in models}
    path, page = routing_page(project.project, description, models, production, counts, sns)
    files[path] = page
    return files
