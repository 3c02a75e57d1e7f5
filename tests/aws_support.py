"""Helpers shared by the AWS sync tests: example models, moto in-process, request validation, call log."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.validate import ParamValidator

from obsgen.sandbox import cloudwatch as moto_ext
from obsgen.aws.session import Clients, connect, retry_config
from obsgen.compiler import compile_project
from obsgen.model import EnvironmentModel

REPO = Path(__file__).resolve().parent.parent
ACCOUNT, REGION = "123456789012", "us-east-1"
READ_PREFIXES = ("Describe", "Get", "List")


def example_model(env: str = "local") -> EnvironmentModel:
    build = compile_project(REPO, [env])
    assert build.ok, build.diagnostics
    return build.models[env]


def in_process(model: EnvironmentModel) -> EnvironmentModel:
    """The same environment, talking to moto's in-process mock (moto's default account)."""
    return dataclasses.replace(model, endpoint=None, account=ACCOUNT, region=REGION)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto.mock_aws with obsgen's gap-fillers, isolated from any real AWS configuration."""
    from moto import mock_aws

    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    moto_ext.install()
    with mock_aws():
        yield


class CallLog:
    """Every API call the clients make, validated against botocore's service model first.

    Recorded on `before-parameter-build`, which fires once per API call (retries do not repeat
    it). moto does not validate parameters, so each request is checked here with botocore's own
    ParamValidator against the service model, and problems fail the test.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.problems: list[str] = []

    def attach(self, *clients: Any) -> CallLog:
        for client in clients:
            client.meta.events.register("before-parameter-build", self._record)
        return self

    def _record(self, model: Any, params: Any, **_: Any) -> None:
        service = model.service_model.service_name
        self.calls.append((service, model.name))
        report = ParamValidator().validate(params, model.input_shape)
        if report.has_errors():
            self.problems.append(f"{model.name}: {report.generate_report()}")

    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if not c[1].startswith(READ_PREFIXES)]

    def reads(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[1].startswith(READ_PREFIXES)]


def clients_for(model: EnvironmentModel, mode: str = "standard", attempts: int = 3) -> Clients:
    """Clients for `model`, with the log groups its log monitors read already made (make_log_groups)."""
    clients = connect(model, config=retry_config(mode, attempts))
    make_log_groups(clients.client("logs"), model)
    return clients


def make_log_groups(logs: Any, model: EnvironmentModel) -> None:
    """The log groups of `model`'s log monitors: in AWS the service that logs makes its group (Lambda
    on its first invocation); obsgen never does, and PutMetricFilter needs the group to exist."""
    for group in sorted({f.log_group for f in model.metric_filters}):
        try:
            logs.create_log_group(logGroupName=group)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass


def sandbox_log_groups(endpoint: str, model: EnvironmentModel) -> None:
    """make_log_groups in the sandbox at `endpoint`, for tests that run the CLI against it."""
    import boto3

    logs = boto3.client("logs", endpoint_url=endpoint, region_name=model.region, aws_access_key_id="sandbox",
                        aws_secret_access_key="sandbox")
    make_log_groups(logs, model)


# The example's `local` environment against moto in-process, every request checked by botocore's model.
@pytest.fixture
def model() -> EnvironmentModel:
    return in_process(example_model("local"))


@pytest.fixture
def clients(model: EnvironmentModel) -> Clients:
    return clients_for(model)


@pytest.fixture
def log(clients: Clients) -> Iterator[CallLog]:
    log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.sts)
    yield log
    assert log.problems == [], "requests that botocore's service model rejects"


# ---------------------------------------------------------------- a network that stops answering


class SilentProxy:
    """An HTTP proxy in front of an endpoint (the sandbox) that forwards requests until told to
    go silent, then accepts them and never answers -- a black-holed network, as the client sees
    one. `silent_after(n)` forwards n more write calls first (reads and STS keep working until
    then); `silence_all_but_identity()` answers only STS GetCallerIdentity; `heal()` forwards
    everything again and releases the requests it held."""

    def __init__(self, target: str):
        import http.client
        import http.server
        import threading
        from urllib.parse import urlsplit

        self._target = urlsplit(target)
        self._lock = threading.Lock()
        self._healed = threading.Event()
        self._writes_left: int | None = None  # None: forward every call
        self._identity_only = False
        self.held: list[str] = []  # operations that got no answer
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:  # every AWS query/JSON call obsgen makes is a POST
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = proxy.operation(self.headers, body)
                if not proxy.forwards(operation):
                    proxy.held.append(operation)
                    proxy._healed.wait(timeout=600)
                    self.close_connection = True
                    return
                upstream = http.client.HTTPConnection(proxy._target.hostname, proxy._target.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request("POST", self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @staticmethod
    def operation(headers: Any, body: bytes) -> str:
        target = headers.get("X-Amz-Target")
        if target:
            return target.rsplit(".", 1)[-1]
        from urllib.parse import parse_qs

        return parse_qs(body.decode(errors="replace")).get("Action", ["?"])[0]

    def forwards(self, operation: str) -> bool:
        with self._lock:
            if self._healed.is_set() and self._writes_left is None and not self._identity_only:
                return True
            if self._identity_only:
                return operation == "GetCallerIdentity"
            if self._writes_left is None or operation.startswith(READ_PREFIXES) or operation == "GetCallerIdentity":
                return self._writes_left is None or self._writes_left > 0
            if self._writes_left > 0:
                self._writes_left -= 1
                return True
            return False

    def silent_after(self, writes: int) -> None:
        with self._lock:
            self._healed.clear()
            self._writes_left = writes

    def silence_all_but_identity(self) -> None:
        with self._lock:
            self._healed.clear()
            self._identity_only = True

    def heal(self) -> None:
        with self._lock:
            self._writes_left = None
            self._identity_only = False
            self._healed.set()

    def close(self) -> None:
        self.heal()
        self._server.shutdown()
        self._server.server_close()
