"""The synced kinds, one module each, and the order the engine uses them in.

Adding a kind: one module here (a `SyncedKind` subclass, see base.py), its instance in KINDS (read
order: a kind may use what the kinds before it read) and its place in PHASES (write order).
docs/architecture.md lists every file a new kind touches.
"""

from __future__ import annotations

from ..resources import Kind
from .alarms import Alarms
from .base import SyncedKind
from .budgets import Budgets
from .dashboards import Dashboards
from .event_rules import EventRules
from .log_alarms import LogAlarms
from .metric_filters import MetricFilters
from .mute_rules import MuteRules
from .query_definitions import QueryDefinitions
from .subscriptions import Subscriptions
from .topic_policies import TopicPolicies
from .topics import Topics

TOPICS, SUBSCRIPTIONS, ALARMS, DASHBOARDS = Topics(), Subscriptions(), Alarms(), Dashboards()
METRIC_FILTERS, QUERY_DEFINITIONS, EVENT_RULES = MetricFilters(), QueryDefinitions(), EventRules()
TOPIC_POLICIES, MUTE_RULES, LOG_ALARMS, BUDGETS = TopicPolicies(), MuteRules(), LogAlarms(), Budgets()

KINDS: tuple[SyncedKind, ...] = (ALARMS, LOG_ALARMS, TOPICS, TOPIC_POLICIES, SUBSCRIPTIONS, DASHBOARDS, METRIC_FILTERS,
                                 QUERY_DEFINITIONS, EVENT_RULES, MUTE_RULES, BUDGETS)

# Creates and updates first, each kind after what it references; then deletions, each kind before
# what it references. Dashboards depend on nothing (an alarm widget may name an alarm that does not
# exist yet), so they go last, with saved queries. A topic's policy lets the services that publish
# to it (alarms, event rules) do so: after the topic, before them; removed after them. An event rule
# targets a topic: after it, and deleted before it. A log monitor's metric filter is put before its alarm (which then
# sees the metric's first datapoints) and deleted after it. A native log alarm references topics
# (its actions) and may be a composite's child: after them and before composites, deleted after
# composites and before topics. A mute rule names alarms that must exist (API_PutAlarmMuteRule.html,
# MuteTargets): after the alarms, and deleted before them. A budget notifies topics, which must let
# budgets.amazonaws.com publish: after the topics and their policies, deleted before them.
PHASES: tuple[tuple[Kind, bool], ...] = (  # (kind, deleting)
    (Kind.TOPIC, False), (Kind.TOPIC_POLICY, False), (Kind.SUBSCRIPTION, False), (Kind.METRIC_FILTER, False), (Kind.METRIC_ALARM, False),
    (Kind.LOG_ALARM, False), (Kind.COMPOSITE_ALARM, False), (Kind.MUTE_RULE, False), (Kind.EVENT_RULE, False),
    (Kind.BUDGET, False),
    (Kind.EVENT_RULE, True), (Kind.BUDGET, True), (Kind.MUTE_RULE, True), (Kind.COMPOSITE_ALARM, True), (Kind.LOG_ALARM, True), (Kind.METRIC_ALARM, True), (Kind.METRIC_FILTER, True),
    (Kind.SUBSCRIPTION, True), (Kind.TOPIC_POLICY, True), (Kind.TOPIC, True),
    (Kind.DASHBOARD, False), (Kind.DASHBOARD, True), (Kind.QUERY_DEFINITION, False), (Kind.QUERY_DEFINITION, True),
)

# The order changes are listed in a plan: the order in which they are created.
ORDER: tuple[Kind, ...] = tuple(dict.fromkeys(kind for kind, deleting in PHASES if not deleting))

_BY_KIND = {kind: synced for synced in KINDS for kind in synced.kinds}


def of(kind: Kind) -> SyncedKind:
    """The module object that syncs `kind`."""
    return _BY_KIND[kind]


def tag_types() -> list[str]:
    """The tagging API's resource types of every taggable kind (one ownership scan reads them all)."""
    return list(dict.fromkeys(synced.tag_type for synced in KINDS if synced.tag_type))  # alarms' type once
