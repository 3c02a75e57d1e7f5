"""PutDashboard as strict as AWS, for moto (in-process and the sandbox).

moto 5.2 stores any body that parses as JSON under any name. AWS checks the name (letters,
digits, '-' and '_', up to 255 characters) and the body's structure, and answers an invalid body
with InvalidParameterInput plus the validation messages. The body rules are obsgen's own
(dashboard_body.validate, from the Dashboard Body Structure reference), so the sandbox refuses
what obsgen's compile-time checks would; the error text is approximate (AWS's exact wording of each
message is not documented).
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from moto.cloudwatch.exceptions import DashboardInvalidInputError
from moto.cloudwatch.responses import CloudWatchResponse

from ..targets import dashboard_body
from ..conventions import DASHBOARD_NAME, DASHBOARD_NAME_MAX


def check_put_dashboard(name: Any, body_text: Any) -> None:
    """Raise moto's InvalidParameterInput where AWS would refuse the call."""
    if not isinstance(name, str) or not DASHBOARD_NAME.match(name) or len(name) > DASHBOARD_NAME_MAX:
        raise DashboardInvalidInputError(f"The value for field DashboardName contains invalid characters or is "
                                         f"longer than {DASHBOARD_NAME_MAX} characters (approx)")
    try:
        body = json.loads(body_text)
    except (TypeError, ValueError):
        raise DashboardInvalidInputError("Body is invalid JSON") from None  # moto's own message
    messages = dashboard_body.validate(body)
    if messages:
        detail = "; ".join(map(dashboard_body.message_text, messages[:10]))
        raise DashboardInvalidInputError(f"The field DashboardBody has an invalid value: {detail} (approx)")


def _wrap_put_dashboard(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def put_dashboard(self: CloudWatchResponse) -> Any:
        check_put_dashboard(self._get_param("DashboardName"), self._get_param("DashboardBody"))
        return original(self)

    return put_dashboard


def patches() -> dict[tuple[type, str], Callable[..., Any]]:
    """For moto_ext.install, which applies every patch once."""
    return {(CloudWatchResponse, "put_dashboard"): _wrap_put_dashboard(CloudWatchResponse.put_dashboard)}
