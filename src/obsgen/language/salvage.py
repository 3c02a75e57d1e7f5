"""What of a spec file can still be checked when part of it is invalid.

A file with one bad monitor still holds nine good ones, and a project file with one bad environment
still has two good ones: reporting only the bad entry and stopping would hide every later mistake
until the next run (issue #14: "five mistakes in four files took three rounds"). So a file that
fails validation is validated again without the entries that failed -- a monitor, a resource, a
dashboard, an environment, a severity, a channel -- and, when that succeeds, the rest of the
compile checks the file as if those entries were absent. The entries left out are remembered as
`Broken`: a reference to one of them is not reported again as "unknown" (its own error says what is
wrong). What cannot be left out soundly (the service's name or owner, the naming template, ...)
keeps the whole file out, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import strip_tags

# Sections of mappings keyed by name whose entries can be left out one by one: nothing else in the
# same file depends on an entry being there (references to it are checked later, against `Broken`).
SERVICE_ENTRIES = ("monitors", "resources", "dashboards")
PROJECT_ENTRIES = ("environments", "matrices", "severities", "channels", "dashboards")
# Top-level keys that can be left out whole when their value is wrong: they only add information.
OPTIONAL_KEYS = ("description", "tags", "recording_rules", "tests")


@dataclass(slots=True)
class Broken:
    """Names whose definition failed validation (left out of the spec): a reference to one is not
    "unknown", it is already reported where it is defined."""

    services: set[str] = field(default_factory=set)  # whole service files that could not be read
    monitors: set[str] = field(default_factory=set)  # 'service/monitor'
    resources: set[str] = field(default_factory=set)  # 'service/resource'
    severities: set[str] = field(default_factory=set)
    channels: set[str] = field(default_factory=set)
    environments: set[str] = field(default_factory=set)
    incomplete: set[str] = field(default_factory=set)  # services whose presets could not all be expanded

    def monitor(self, ref: str) -> bool:
        """Whether the monitor 'service/monitor' may exist but was left out: its name is not news."""
        service = ref.split("/", 1)[0]
        return ref in self.monitors or service in self.services or service in self.incomplete

    def resource(self, service: str, name: str) -> bool:
        return f"{service}/{name}" in self.resources or service in self.services

    def any(self) -> bool:
        return any((self.services, self.monitors, self.resources, self.severities, self.channels,
                    self.environments, self.incomplete))


@dataclass(slots=True)
class Salvaged:
    """What `load_model` left out of one file: its entries (section, name), or the whole file, then
    with the name it gives itself (its `service:`), so references to it are not news either."""

    dropped: list[tuple[str, str]] = field(default_factory=list)
    failed_name: str | None = None
    bad_names: bool = False  # an entry was left out for its name itself: what references meant is unknown


def written_name(data: Any, key: str) -> str | None:
    name = data.get(key) if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def revalidate(data: Any, model: type[BaseModel], exc: ValidationError, salvaged: Salvaged) -> Any | None:
    """`model` validated from `data` without the entries `exc` found wrong, each entry left out noted
    in `salvaged`; None when an error is outside every entry that can be left out, or when what
    remains is still invalid."""
    sections = SERVICE_ENTRIES if "service" in model.model_fields else PROJECT_ENTRIES
    dropped: set[tuple[str, str]] = set()
    dropped_keys: set[str] = set()
    bad_names = False
    for item in exc.errors(include_url=False):
        where = _droppable(item, model, sections)
        if where is None:
            return None
        bad_names |= item["loc"][-1:] == ("[key]",)
        if len(where) == 2:
            dropped.add((where[0], where[1]))
        else:
            dropped_keys.add(where[0])
    if not isinstance(data, dict):
        return None
    pruned = {key: value for key, value in data.items() if key not in dropped_keys}
    for section in {s for s, _ in dropped}:
        if isinstance(pruned.get(section), dict):
            pruned[section] = {k: v for k, v in pruned[section].items() if (section, k) not in dropped}
    try:
        valid = model.model_validate(pruned)
    except ValidationError:
        return None
    salvaged.dropped += sorted(dropped)
    salvaged.bad_names |= bad_names
    return valid


def _droppable(item: ErrorDetails, model: type[BaseModel], sections: tuple[str, ...]) -> tuple[str, ...] | None:
    loc = strip_tags(model, tuple(p for p in item["loc"] if p != "[key]"))
    if not loc or not isinstance(loc[0], str):
        return None
    if len(loc) >= 2 and loc[0] in sections and isinstance(loc[1], str):
        return (loc[0], loc[1])
    if len(loc) == 1 and item["type"] == "extra_forbidden":
        return (loc[0],)  # an unknown top-level key means nothing: checking without it is sound
    if loc[0] in OPTIONAL_KEYS:
        return (loc[0],)
    return None
