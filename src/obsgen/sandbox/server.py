"""A local AWS endpoint for trying obsgen without an AWS account.

The sandbox is moto's server (``moto.server.ThreadedMotoServer``) running in a
thread of this process, with :func:`obsgen.sandbox.cloudwatch.install` applied so that
composite alarms, DescribeAlarms pagination/AlarmTypes and a few AWS
validations behave like the real CloudWatch API.

Facts callers rely on:

* It binds to a loopback address only (default ``127.0.0.1``); anything else is
  refused because moto has no authentication.
* Any credentials are accepted.  The account is moto's default
  :data:`DEFAULT_ACCOUNT_ID` (``123456789012``): STS GetCallerIdentity
  returns it, and ARNs look like
  ``arn:aws:cloudwatch:us-east-1:123456789012:alarm:NAME``.  Setting
  ``MOTO_ACCOUNT_ID`` in the environment *of the process running the sandbox*
  changes the account for every request (moto reads it per request); clients
  can also send the ``x-moto-account-id`` header.  Several accounts at once,
  as an organisation's matrix reaches them: STS AssumeRole of
  ``arn:aws:iam::<account>:role/<any>`` returns credentials that act in
  ``<account>`` (moto keeps one set of resources per account), which is what an
  environment's ``role_arn`` does (docs/organisations.md).
* State lives in memory of this process only; it is forgotten on stop.  The
  backends are moto's process-global ones, so do not enter ``moto.mock_aws()``
  in the same process while a sandbox is serving: it resets (and then serves)
  the very same state.
* ``throttle`` (``obsgen sandbox --throttle``): CloudWatch and SNS answer Throttling above
  AWS's default rate per API, or above a given rate (:mod:`obsgen.sandbox.throttling`), so that
  apply's adaptive pacing can be tested against something that pushes back.
* This module never prints and never exits; the CLI does that.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from . import cloudwatch
from .throttling import Rates, ThrottlingApp

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEFAULT_REGION",
    "Sandbox",
    "SandboxError",
    "is_running",
    "serve_forever",
    "start",
    "stop_on_signals",
    "wait_until_ready",
]

DEFAULT_ACCOUNT_ID = "123456789012"  # moto.core.models.DEFAULT_ACCOUNT_ID
DEFAULT_REGION = "us-east-1"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4577  # arbitrary; 5000 (moto's default) is taken by AirPlay on macOS

_PROBE_PATH = "/moto-api/config"  # cheap GET that any moto server answers with JSON
_RESET_PATH = "/moto-api/reset"


class SandboxError(RuntimeError):
    """The sandbox could not be started."""


class _ReportingMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer that reports a failed bind instead of hanging.

    moto creates the socket inside the server thread; if that fails (port in
    use) the thread dies before setting ``_server_ready_event`` and ``start()``
    waits forever (moto 5.2.x).  We catch the error, release the waiter and
    re-raise it from :func:`start`.
    """

    error: BaseException | None = None
    throttle: Rates | None = None
    throttling: ThrottlingApp | None = None

    def _server_entry(self) -> None:
        """moto's own (moto_server/threaded_moto_server.py), with the throttling middleware in front."""
        try:
            app: Any = DomainDispatcherApplication(create_backend_app)
            if self.throttle is not None:
                app = self.throttling = ThrottlingApp(app, self.throttle)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()
        except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
            self.error = exc
            self._server_ready_event.set()


class Sandbox:
    """Handle on a running sandbox; a context manager that stops it on exit."""

    def __init__(self, server: _ReportingMotoServer, host: str, port: int):
        self._server = server
        self.host = host
        self.port = port
        self._stopped = False

    @property
    def throttling(self) -> ThrottlingApp | None:
        """The throttling middleware (its counts of accepted and refused calls), when on."""
        return self._server.throttling

    @property
    def endpoint_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def reset(self) -> None:
        """Forget every resource in every account/region (moto's reset API)."""
        request = urllib.request.Request(self.endpoint_url + _RESET_PATH, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=5):
            pass

    def stop(self) -> None:
        """Shut the server down and join its thread.  Safe to call twice."""
        if not self._stopped:
            self._stopped = True
            self._server.stop()
            # moto's backends are process-global: without this, the next sandbox started in this
            # process (a test's fixture) would serve this one's alarms, and plan would delete them.
            _forget_state()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"<Sandbox {self.endpoint_url} {state}>"


def _forget_state() -> None:
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def _require_loopback(host: str) -> None:
    """moto has no auth, so never expose it beyond this machine."""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the sandbox only listens on loopback addresses (e.g. 127.0.0.1), not {host!r}")


def _quiet_request_log() -> None:
    """Werkzeug logs every request to stderr unless its logger is configured.

    Library code must not print, so raise the level to WARNING -- but only if
    the application has not set a level itself.
    """
    logger = logging.getLogger("werkzeug")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)


def _warm_up() -> None:
    """Import moto's SSM backend now rather than on the first request: it takes about 2 s, and
    `obsgen apply`'s first SSM call (its lock, obsgen.aws.lock) should not wait for that."""
    import moto.ssm.models  # noqa: F401


def _check_port_free(host: str, port: int) -> None:
    """Bind-test the port first: werkzeug reports a busy port by printing to
    stderr and calling sys.exit(1) in the server thread.  (A race with another
    process is still caught by ``_ReportingMotoServer``, just less politely.)"""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SandboxError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def start(host: str = DEFAULT_HOST, port: int = 0, state_dir: str | os.PathLike[str] | None = None,
          throttle: Rates | None = None) -> Sandbox:
    """Start a sandbox in a background thread and return once it accepts requests.

    ``port=0`` picks a free port (see ``Sandbox.port``).  ``state_dir`` is
    reserved for persistence, which is not implemented: passing it raises
    ``NotImplementedError`` rather than silently losing state. ``throttle``: "aws" (each API's
    documented default rate) or calls a second for every CloudWatch and SNS API; None: never.
    Raises ``SandboxError`` if the port cannot be bound.
    """
    if state_dir is not None:
        raise NotImplementedError("sandbox persistence is not implemented; state lives in memory")
    _require_loopback(host)
    _check_port_free(host, port)
    cloudwatch.install()
    _warm_up()
    _quiet_request_log()
    server = _ReportingMotoServer(ip_address=host, port=port, verbose=False)
    server.throttle = throttle
    server.start()
    if server.error is not None:
        if server._thread is not None:  # moto's; it has already finished
            server._thread.join(timeout=5)
        raise SandboxError(f"cannot listen on {host}:{port}: {server.error}") from server.error
    bound_host, bound_port = server.get_host_and_port()
    return Sandbox(server, bound_host, bound_port)


def is_running(endpoint_url: str, timeout: float = 1.0) -> bool:
    """True if a moto server (sandbox or plain moto) answers at ``endpoint_url``."""
    try:
        with urllib.request.urlopen(endpoint_url.rstrip("/") + _PROBE_PATH, timeout=timeout) as response:
            json.loads(response.read())
            return True
    except (OSError, ValueError):  # URLError/HTTPError/timeouts are OSErrors
        return False


def wait_until_ready(endpoint_url: str, timeout: float = 10.0, interval: float = 0.1) -> None:
    """Poll :func:`is_running` until it succeeds; raise ``TimeoutError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not is_running(endpoint_url, timeout=min(1.0, timeout)):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"no sandbox answered at {endpoint_url} within {timeout:g}s")
        time.sleep(interval)


@contextmanager
def stop_on_signals(
    stop: threading.Event, signums: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)
) -> Iterator[None]:
    """Set ``stop`` on SIGINT/SIGTERM instead of raising, restoring old handlers after.

    Signal handlers can only be installed from the main thread; elsewhere this
    is a no-op and the caller must set ``stop`` itself.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in signums}
    for signum in signums:
        signal.signal(signum, lambda _signum, _frame: stop.set())
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def _pidfile(path: str | os.PathLike[str] | None) -> Iterator[None]:
    if path is None:
        yield
        return
    pidfile = Path(path)
    pid = str(os.getpid())
    pidfile.write_text(pid + "\n")
    try:
        yield
    finally:
        # Only remove the file if it is still ours (another sandbox may have replaced it).
        if pidfile.exists() and pidfile.read_text().strip() == pid:
            pidfile.unlink()


def serve_forever(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    pidfile: str | os.PathLike[str] | None = None,
    ready_callback: Callable[[Sandbox], None] | None = None,
    stop_event: threading.Event | None = None,
    throttle: Rates | None = None,
) -> None:
    """Run a sandbox until SIGINT/SIGTERM (or ``stop_event`` is set), then stop it cleanly.

    For ``obsgen sandbox``: the CLI passes a ``ready_callback`` that prints
    ``sandbox.endpoint_url``.  Returns normally on a signal; the pidfile, if
    any, holds this process id while serving and is removed afterwards.
    """
    stop = stop_event or threading.Event()
    with start(host, port, throttle=throttle) as sandbox, _pidfile(pidfile), stop_on_signals(stop):
        if ready_callback is not None:
            ready_callback(sandbox)
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(timeout=0.2):
            pass
