"""A running Prometheus's HTTP API, as `obsgen drift --prometheus-url` and `validate --prometheus-url` ask it.

Every answer is a JSON envelope `{"status": "success" | "error", "data": ..., "errorType", "error",
"warnings"}`; an invalid request that reaches the API handlers answers 400, 422 or 503 with that
envelope, and other non-2xx codes come from before the API (a proxy, a wrong path):
https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class PrometheusUnreachable(Exception):
    """The URL did not answer with a Prometheus API envelope (refused, timed out, not Prometheus)."""


class PrometheusApiError(PrometheusUnreachable):
    """Prometheus answered, with `status: error` (a request it refuses, a query that timed out)."""


class BadPrometheusUrl(ValueError):
    """The URL is not an http:// or https:// address."""


def check_url(url: str) -> str:
    """`url` when it is an http(s) address with a host; else BadPrometheusUrl. urllib would also open
    file:///etc/... (a local file read and shown as a report) and ftp://."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BadPrometheusUrl(f"expected an http:// or https:// URL of a Prometheus server, such as "
                               f"http://prometheus:9090, found {url!r}")
    return url


def endpoint(url: str, path: str, params: list[tuple[str, str]] | None = None) -> str:
    """The request's URL: `path` under the server's URL (which may carry a path prefix), the parameters
    URL-encoded (a selector's quotes and braces included)."""
    query = "?" + urllib.parse.urlencode(params) if params else ""
    return check_url(url).rstrip("/") + path + query


def redacted(url: str) -> str:
    """`url` as messages show it: without a `user:password@`, which must not reach a CI log."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def get(url: str, path: str, params: list[tuple[str, str]] | None = None, *, timeout: float) -> dict[str, Any]:
    """The success envelope of `GET path`; PrometheusApiError for an error envelope (whatever the HTTP
    status), PrometheusUnreachable for anything else (no answer in `timeout` seconds, not JSON, not
    Prometheus's envelope)."""
    address = endpoint(url, path, params)
    shown = redacted(address.split("?", 1)[0])
    try:
        with urllib.request.urlopen(_request(address), timeout=timeout) as response:  # noqa: S310 - http(s) only
            body = _json(response.read())
    except urllib.error.HTTPError as exc:  # 400 / 422 / 503 carry the envelope; a proxy's 502 does not
        body = _json(_body(exc))
        if not isinstance(body, dict) or body.get("status") != "error":
            raise PrometheusUnreachable(f"{shown}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise PrometheusUnreachable(f"{shown}: {getattr(exc, 'reason', exc)}") from None
    if not isinstance(body, dict) or body.get("status") not in ("success", "error"):
        raise PrometheusUnreachable(f"{shown}: not a Prometheus API response")
    if body["status"] == "error":
        raise PrometheusApiError(f"{body.get('errorType', 'error')}: {body.get('error', '')}")
    return body


def _request(address: str) -> urllib.request.Request:
    """The request, a `user:password@` of the URL sent as HTTP Basic authentication (urllib would take it
    for part of the host name), as a Prometheus with `basic_auth_users` in its web configuration expects:
    https://prometheus.io/docs/prometheus/latest/configuration/https/"""
    parts = urllib.parse.urlsplit(address)
    if "@" not in parts.netloc:
        return urllib.request.Request(address)
    userinfo, _, host = parts.netloc.rpartition("@")
    credentials = base64.b64encode(urllib.parse.unquote(userinfo).encode("utf-8")).decode("ascii")
    return urllib.request.Request(urllib.parse.urlunsplit(parts._replace(netloc=host)),
                                  headers={"Authorization": f"Basic {credentials}"})


def _body(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read()
    except OSError:
        return b""


def _json(raw: bytes) -> Any:
    """The decoded body; None when it is not JSON (an HTML error page)."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
