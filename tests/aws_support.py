"""Helpers shared by the AWS sync tests: example models, moto in-process, request validation, call log."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.validate import ParamValidator

from obsgen import moto_ext
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
    return connect(model, config=retry_config(mode, attempts))


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
