"""Routing pass: severities, their SNS topics, and the channels' subscriptions to those topics."""

from __future__ import annotations

from .. import conventions
from ..diagnostics import shown
from ..language.errors import did_you_mean
from ..language.v1.project import Channel, ChannelOverride
from ..model import Origin, Severity, Subscription, Topic
from .context import Context

_PROTOCOLS = {"chatbot": "https"}  # every other channel type is its own SNS protocol


def severities(ctx: Context) -> dict[str, Severity]:
    return {name: _severity(ctx, name) for name in ctx.project.severities}


def topics(ctx: Context) -> tuple[Topic, ...]:
    """Severities may share a topic (P2 and P3 to one "general" topic): one topic, one subscription each."""
    return tuple({s.topic_name: _topic(ctx, s) for s in reversed(ctx.severities.values())}.values())[::-1]


def subscriptions(ctx: Context) -> tuple[Subscription, ...]:
    return tuple({(sub.topic_arn, sub.protocol, sub.endpoint): sub for name in ctx.project.channels
                  for sub in _channel(ctx, name)}.values())


def _severity(ctx: Context, name: str) -> Severity:
    spec = ctx.project.severities[name]
    topic = ctx.expand(spec.topic, ctx.pdoc, ("severities", name, "topic"), severity=name)
    return Severity(
        name=name, description=spec.description or name, topic_name=topic,
        topic_arn=conventions.topic_arn(ctx.env.region, ctx.env.account, topic),
        response_time=spec.response_time, pages=spec.pages, notify_ok=spec.notify_ok,
        prometheus=spec.prometheus or name,
        extra_actions=tuple(ctx.expand(a, ctx.pdoc, ("severities", name, "actions", i), severity=name)
                            for i, a in enumerate(spec.actions)),
    )


def _topic(ctx: Context, severity: Severity) -> Topic:
    project_tags = {k: ctx.expand(v, ctx.pdoc, ("tags", k)) if "$" in v else v for k, v in ctx.project.tags.items()}
    tags = {**project_tags, **conventions.ownership_tags(ctx.project.project, ctx.env_name, severity=severity.name)}
    written = ctx.project.severities[severity.name].topic_display_name
    display = f"{ctx.project.project} {severity.description}"[:100] if written is None else written
    return Topic(severity.topic_name, severity.topic_arn, severity.name, display, tuple(sorted(tags.items())),
                 Origin(ctx.pdoc, ("severities", severity.name, "topic")), ctx.env.region)


def _channel(ctx: Context, name: str) -> list[Subscription]:
    channel: Channel = ctx.project.channels[name]
    override: ChannelOverride | None = ctx.env.channels.get(name)
    if override is not None and not override.enabled:
        return []
    endpoint = override.endpoint if override and override.endpoint is not None else channel.endpoint
    severities = override.severities if override and override.severities is not None else channel.severities
    loc = (ctx.setting_loc("channels", name) if override and override.severities is not None
           else ("channels", name))
    for index, severity in enumerate(severities):
        if severity not in ctx.severities and severity not in ctx.spec.broken.severities:
            ctx.fail(ctx.pdoc, loc + ("severities", index), "unknown-severity",
                     f"unknown severity '{shown(severity)}'{did_you_mean(severity, list(ctx.severities))}")
    if channel.type is None or endpoint is None:
        return []  # an Alertmanager-only channel: no SNS subscription
    endpoint_loc = (ctx.setting_loc("channels", name, "endpoint") if override and override.endpoint is not None
                    else ("channels", name, "endpoint"))
    if isinstance(endpoint, str):
        address = ctx.expand(endpoint, ctx.pdoc, endpoint_loc)
        secret = False
    else:
        address, secret = endpoint.reference, True
    note = None
    if channel.type == "chatbot":
        address, note = conventions.CHATBOT_ENDPOINT, address
    protocol = _PROTOCOLS.get(channel.type, channel.type)
    origin = Origin(ctx.pdoc, endpoint_loc)
    return [Subscription(name, protocol, address, secret, s, ctx.severities[s].topic_arn, origin, ctx.env.region, note)
            for s in severities if s in ctx.severities]
