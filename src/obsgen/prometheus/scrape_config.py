"""How often a running Prometheus samples: its scrape intervals and its rule evaluation interval, read
from the configuration it has loaded.

`GET /api/v1/status/config` answers `{"yaml": "<content of the loaded config file in YAML>"}`
(https://prometheus.io/docs/prometheus/latest/querying/api/#config). Prometheus prints the file it
loaded with every default filled in: `global.scrape_interval` and `global.evaluation_interval` (1m
when the file sets none) and each job's `scrape_interval` (the global one unless the job sets its
own): https://prometheus.io/docs/prometheus/latest/configuration/configuration/#configuration-file
Jobs of `scrape_config_files` are not in that text; a selector naming one falls back to the global
interval, and the message says so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import promql_parser

from ..language import yaml_reader
from . import http_api

CONFIG_PATH = "/api/v1/status/config"
DEFAULT_INTERVAL = 60.0  # seconds: the configuration page's default of scrape_interval and evaluation_interval
REQUEST_TIMEOUT = 10.0  # seconds, as series_presence's requests


class UnreadableConfig(http_api.PrometheusUnreachable):
    """Prometheus answered, but not with a configuration obsgen can read (not YAML, no intervals)."""


@dataclass(frozen=True, slots=True)
class Intervals:
    """The sampling intervals of one Prometheus, in seconds."""

    url: str  # as messages show it (http_api.redacted)
    scrape: float  # global.scrape_interval
    evaluation: float  # global.evaluation_interval: a subquery's default step
    jobs: dict[str, float] = field(default_factory=dict)  # job_name -> its scrape_interval


def read(url: str, timeout: float) -> Intervals:
    """The intervals of the Prometheus at `url`. Raises http_api.PrometheusUnreachable when it does not
    answer (UnreadableConfig when its answer is not a configuration)."""
    body = http_api.get(url, CONFIG_PATH, timeout=min(REQUEST_TIMEOUT, timeout))
    data = body.get("data")
    text = data.get("yaml") if isinstance(data, dict) else None
    if not isinstance(text, str):
        raise UnreadableConfig(f"{CONFIG_PATH}: the answer holds no `yaml` configuration")
    return parse(text, http_api.redacted(url))


def parse(text: str, url: str) -> Intervals:
    """The intervals of a configuration's text. Read with obsgen's YAML reader: the text comes from a
    server, and the reader bounds its size, depth and aliases."""
    document, problems = yaml_reader.load(CONFIG_PATH, text)
    if document is None or not isinstance(document.data, dict):
        why = problems[0].message if problems else "not a YAML mapping"
        raise UnreadableConfig(f"{CONFIG_PATH}: the configuration could not be read: {why}")
    if not isinstance(document.data.get("global"), dict) or "scrape_interval" not in document.data["global"]:
        # Prometheus answers with every default filled in, so a text without global.scrape_interval is not a
        # Prometheus server's (Mimir's own configuration, an agent-fed store): no interval to compare with
        raise UnreadableConfig(f"{CONFIG_PATH}: the answer has no global scrape_interval, so it is not the "
                               "configuration of a Prometheus that scrapes")
    settings = document.data["global"]
    scrape = _seconds(settings.get("scrape_interval"), DEFAULT_INTERVAL)
    jobs = {}
    for job in document.data.get("scrape_configs") or []:
        job = _mapping(job)
        if isinstance(job.get("job_name"), str):
            jobs[job["job_name"]] = _seconds(job.get("scrape_interval"), scrape)
    return Intervals(url, scrape, _seconds(settings.get("evaluation_interval"), DEFAULT_INTERVAL), jobs)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _seconds(value: Any, default: float) -> float:
    """A Prometheus duration (`1m`, `1m30s`, `500ms`) in seconds; `default` when absent. The configuration's
    durations are PromQL's, which promql-parser reads:
    https://prometheus.io/docs/prometheus/latest/querying/basics/#time-durations"""
    if value is None:
        return default
    try:
        return promql_parser.parse_duration(str(value)).total_seconds()
    except ValueError:
        raise UnreadableConfig(f"{CONFIG_PATH}: {value!r} is not a duration") from None


def duration_text(seconds: float) -> str:
    """`seconds` as Prometheus writes a duration (90 -> `1m30s`)."""
    return str(promql_parser.display_duration(datetime.timedelta(seconds=seconds)))
