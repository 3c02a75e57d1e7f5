"""Fill the gap in moto's EventBridge emulation that obsgen's event routes depend on.

moto 5.2.5 lists only event buses in the Resource Groups Tagging API (EventsBackend
.iter_tagged_resources), while AWS lists rules too (resource type `events:rule`, "Supported resources"
of the Resource Groups Tagging API,
https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html): obsgen
reads the ownership of its rules from that one scan, as it does for alarms and topics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from moto.core.resource_tagging import TaggedResource
from moto.events.models import EventsBackend


def _wrap_iter_tagged_resources(original: Callable[[EventsBackend], Iterator[TaggedResource]]
                                ) -> Callable[[EventsBackend], Iterator[TaggedResource]]:
    def iter_tagged_resources(self: EventsBackend) -> Iterator[TaggedResource]:
        yield from original(self)
        for bus in self.event_buses.values():
            for rule in bus.rules.values():
                yield TaggedResource(arn=rule.arn, tags=self.tagger.get_tag_dict_for_resource(rule.arn),
                                     resource_type="events:rule")

    return iter_tagged_resources


def patches() -> dict[tuple[type, str], Callable[..., Any]]:
    """For cloudwatch.install, which applies every patch once."""
    return {(EventsBackend, "iter_tagged_resources"): _wrap_iter_tagged_resources(EventsBackend.iter_tagged_resources)}
