"""SNS subscription confirmation, which moto (5.2.5) skips: there every subscription is confirmed the
moment it is made. In AWS, as botocore's sns model (1.44.8) documents Subscribe: "If the endpoint type
is HTTP/S or email, or if the endpoint and the topic are not in the same Amazon Web Services account,
the endpoint owner must run the ConfirmSubscription action to confirm the subscription. ... Confirmation
tokens are valid for two days." Until then:

* ListSubscriptionsByTopic and ListSubscriptions list it with `SubscriptionArn` "PendingConfirmation"
  (https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.confirm.html: "If still unconfirmed,
  it will show as PendingConfirmation"); GetSubscriptionAttributes says `PendingConfirmation` "true".
* Subscribe answers its ARN only with `ReturnSubscriptionArn=true` ("the response includes the ARN in
  all cases, even if the subscription is not yet confirmed"), else "pending confirmation".
* GetTopicAttributes counts it in `SubscriptionsPending`, not `SubscriptionsConfirmed`.
* ConfirmSubscription with the token sent to the endpoint confirms it and answers its ARN; another
  token is `InvalidParameter`. The sandbox sends nothing: `confirmation_token` hands a test (or a
  user of `obsgen sandbox`, in its process) the token the recipient would have received.

AWS deletes a subscription left unconfirmed for 48 hours
(https://aws.amazon.com/about-aws/whats-new/2023/05/amazon-sns-automatic-deletion-unconfirmed-subscriptions/);
a sandbox lives minutes, so that is not modelled.

Off unless `require_confirmation(True)`: the sync's tests subscribe, rotate and unsubscribe email and
https endpoints and expect them confirmed at once, as moto has them; only the tests of what a pending
subscription means (`validate --live`, tests/test_live_reach.py) turn it on.
"""

from __future__ import annotations

import functools
import secrets
import threading
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.sns.exceptions import SNSInvalidParameter
from moto.sns.models import SNSBackend, Subscription
from moto.sns.responses import SNSResponse

PENDING = "PendingConfirmation"  # SubscriptionArn of an unconfirmed subscription in the listings
PENDING_ANSWER = "pending confirmation"  # Subscribe's SubscriptionArn without ReturnSubscriptionArn
CONFIRMED_BY_RECIPIENT = frozenset({"email", "email-json", "http", "https"})
_TOKEN = "_obsgen_confirmation_token"  # on a moto Subscription: its token while unconfirmed
_state = {"on": False}
_lock = threading.Lock()


def require_confirmation(on: bool) -> None:
    """Whether new subscriptions that AWS makes wait for their recipient do so here too."""
    with _lock:
        _state["on"] = on


def confirmation_token(backend: SNSBackend, topic_arn: str, endpoint: str) -> str | None:
    """The token AWS would have sent to `endpoint` for its unconfirmed subscription to the topic."""
    for sub in list(backend.subscriptions.values()):
        if sub.topic.arn == topic_arn and sub.endpoint == endpoint and getattr(sub, _TOKEN, None):
            token: str = getattr(sub, _TOKEN)
            return token
    return None


def pending(sub: Subscription) -> bool:
    return bool(getattr(sub, _TOKEN, None))


def _needs_confirmation(sub: Subscription) -> bool:
    if sub.protocol in CONFIRMED_BY_RECIPIENT:
        return True
    parts = sub.endpoint.split(":")  # an SQS queue or Lambda function of another account
    return sub.endpoint.startswith("arn:") and len(parts) > 4 and parts[4] not in ("", sub.topic.account_id)


def _wrap_backend_subscribe(original: Callable[..., Subscription]) -> Callable[..., Subscription]:
    @functools.wraps(original)
    def subscribe(self: SNSBackend, topic_arn: str, endpoint: str, protocol: str) -> Subscription:
        before = set(self.subscriptions)
        sub = original(self, topic_arn, endpoint, protocol)
        if _state["on"] and sub.arn not in before and _needs_confirmation(sub):
            setattr(sub, _TOKEN, secrets.token_hex(32))
            sub.attributes["PendingConfirmation"] = "true"
        return sub
    return subscribe


def _wrap_subscribe(original: Callable[[SNSResponse], ActionResult]) -> Callable[[SNSResponse], ActionResult]:
    @functools.wraps(original)
    def subscribe(self: SNSResponse) -> ActionResult:
        answer = original(self)
        arn = _result(answer)["SubscriptionArn"]
        sub = self.backend.subscriptions.get(arn)
        if sub is not None and pending(sub) and str(self._get_param("ReturnSubscriptionArn")).lower() != "true":
            return ActionResult({"SubscriptionArn": PENDING_ANSWER})
        return answer
    return subscribe


def _wrap_listing(original: Callable[[SNSResponse], ActionResult]) -> Callable[[SNSResponse], ActionResult]:
    @functools.wraps(original)
    def listing(self: SNSResponse) -> ActionResult:
        answer = _result(original(self))
        shown = [{"SubscriptionArn": PENDING if pending(sub) else sub.arn, "Owner": sub.owner,
                  "Protocol": sub.protocol, "Endpoint": sub.endpoint, "TopicArn": sub.topic.arn}
                 for sub in answer["Subscriptions"]]
        return ActionResult({**answer, "Subscriptions": shown})
    return listing


def _wrap_topic_attributes(original: Callable[[SNSResponse], ActionResult]) -> Callable[[SNSResponse], ActionResult]:
    @functools.wraps(original)
    def get_topic_attributes(self: SNSResponse) -> ActionResult:
        answer = _result(original(self))
        arn = answer["Attributes"]["TopicArn"]
        subs = [s for s in list(self.backend.subscriptions.values()) if s.topic.arn == arn]
        waiting = sum(1 for s in subs if pending(s))
        counts = {"SubscriptionsPending": str(waiting), "SubscriptionsConfirmed": str(len(subs) - waiting)}
        return ActionResult({**answer, "Attributes": {**answer["Attributes"], **counts}})
    return get_topic_attributes


def _confirm_subscription(self: SNSResponse) -> ActionResult:
    topic_arn, token = self._get_param("TopicArn"), self._get_param("Token")
    self.backend.get_topic(topic_arn)  # NotFound for an unknown topic
    for sub in list(self.backend.subscriptions.values()):
        if sub.topic.arn == topic_arn and token and getattr(sub, _TOKEN, None) == token:
            setattr(sub, _TOKEN, None)
            sub.attributes["PendingConfirmation"] = "false"
            return ActionResult({"SubscriptionArn": sub.arn})
    raise SNSInvalidParameter("Invalid token")


def _result(answer: ActionResult) -> dict[str, Any]:
    result: dict[str, Any] = answer.result  # type: ignore[assignment]  # moto types it `object`
    return result


def patches() -> dict[tuple[type, str], Callable[..., Any]]:
    """For cloudwatch.install, which applies every patch once."""
    return {
        (SNSBackend, "subscribe"): _wrap_backend_subscribe(SNSBackend.subscribe),
        (SNSResponse, "subscribe"): _wrap_subscribe(SNSResponse.subscribe),
        (SNSResponse, "list_subscriptions"): _wrap_listing(SNSResponse.list_subscriptions),
        (SNSResponse, "list_subscriptions_by_topic"): _wrap_listing(SNSResponse.list_subscriptions_by_topic),
        (SNSResponse, "get_topic_attributes"): _wrap_topic_attributes(SNSResponse.get_topic_attributes),
        (SNSResponse, "confirm_subscription"): _confirm_subscription,
    }
