"""A small HTTP stub of Prometheus's API (https://prometheus.io/docs/prometheus/latest/querying/api/), for
what a real server cannot be made to do in a test (refuse one selector, run out of time, answer with a
chosen configuration at once): `GET /api/v1/series` and `GET /api/v1/status/config`."""

from __future__ import annotations

import json
import threading
import urllib.parse
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

# What Prometheus 2.42 answers for a file that sets nothing: every default printed.
DEFAULT_CONFIG = "global:\n  scrape_interval: 1m\n  scrape_timeout: 10s\n  evaluation_interval: 1m\n"


class Stub:
    """GET /api/v1/series: the selectors of `present` have one series; `refused` answers 400 bad_data
    with the API's error envelope; anything else, an empty list. GET /api/v1/status/config: `config` as
    the loaded configuration, or a proxy's 502 page when it is None. Any other path: the 502 page."""

    def __init__(self, present: set[str], refused: set[str] = frozenset(), config: str | None = DEFAULT_CONFIG):
        self.present, self.refused, self.config = present, refused, config
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.authorizations: list[str | None] = []

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict | str]:
        self.requests.append((path, query))
        if path == "/api/v1/status/config" and self.config is not None:
            return 200, {"status": "success", "data": {"yaml": self.config}}
        if path != "/api/v1/series":  # what a proxy in front of Prometheus answers: no API envelope
            return 502, "<html>Bad Gateway</html>"
        selector = query["match[]"][0]
        if selector in self.refused:
            return 400, {"status": "error", "errorType": "bad_data", "error": "invalid parameter \"match[]\""}
        data = [{"__name__": selector.split("{")[0]}] if selector in self.present else []
        return 200, {"status": "success", "data": data}


@contextmanager
def serving(state: Stub) -> Iterator[str]:
    """The stub on 127.0.0.1 (a free port) while the block runs; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urllib.parse.urlsplit(self.path)
            state.authorizations.append(self.headers.get("Authorization"))
            status, body = state.answer(url.path, urllib.parse.parse_qs(url.query))
            raw = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
