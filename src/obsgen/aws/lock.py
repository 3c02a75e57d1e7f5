"""One apply at a time per environment: a lock held in AWS, so it works across machines (CI runners).

The lock is an SSM parameter, `/obsgen/<project>/<env>/apply-lock`, created with
`PutParameter(Overwrite=false)`: SSM creates it, or answers ParameterAlreadyExists ("The parameter
already exists. You can't create duplicate parameters.") when it exists -- a create-if-absent, so
of two applies that start together exactly one gets it. Its value says who holds it (the caller's
ARN), where (host, process id), since when, and a random lock id; it is tagged with obsgen's
ownership tags. Releasing deletes it, after checking it is still ours. A lock whose apply was
killed (kill -9, a lost runner) stays until someone removes it (`obsgen unlock`), which shows its
holder first: obsgen cannot tell a dead apply from a slow one, so it never breaks a lock by itself.
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeleteParameter.html
Why SSM and not something else: docs/aws-sync.md, "One apply at a time".
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Callable, Iterator

from botocore.exceptions import BotoCoreError, ClientError

from ..conventions import TAG_ENV, TAG_PROJECT
from . import SyncError
from .plan import Plan
from .safety import check_conflicts
from .session import AwsClient

ALREADY_EXISTS = "ParameterAlreadyExists"
NOT_FOUND = "ParameterNotFound"


def parameter_name(project: str, env: str) -> str:
    """Project and environment names are [a-z0-9-] (spec/fields.py), all valid in a parameter path."""
    return f"/obsgen/{project}/{env}/apply-lock"


@dataclass(frozen=True, slots=True)
class LockInfo:
    """What the lock parameter holds."""

    id: str
    holder: str  # the ARN of the credentials that took it
    host: str
    pid: int
    since: str  # ISO 8601, UTC
    command: str

    def describe(self, now: datetime | None = None) -> str:
        age = _age(self.since, now or datetime.now(timezone.utc))
        return (f"{self.command} by {self.holder} on host {self.host} (pid {self.pid}) since {self.since}"
                f"{f' ({age} ago)' if age else ''}, lock id {self.id}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LockInfo:
        try:
            data = json.loads(text)
            return cls(str(data["id"]), str(data["holder"]), str(data["host"]), int(data["pid"]),
                       str(data["since"]), str(data.get("command", "apply")))
        except (ValueError, KeyError, TypeError):
            return cls("?", "unknown (the lock parameter does not hold obsgen's JSON)", "?", 0, "?", "?")


def _age(since: str, now: datetime) -> str:
    try:
        seconds = int((now - datetime.fromisoformat(since)).total_seconds())
    except (ValueError, TypeError):
        return ""
    if seconds < 120:
        return f"{max(seconds, 0)} s"
    return f"{seconds // 60} min" if seconds < 7200 else f"{seconds // 3600} h {seconds % 3600 // 60} min"


class EnvironmentLocked(SyncError):
    """Someone else's apply holds the environment's lock."""

    def __init__(self, env: str, held: LockInfo):
        self.held = held
        super().__init__(f"environment '{env}' is locked: {held.describe()}. Another apply is running, or one "
                         "was killed before it could release the lock. If none is running, remove it with "
                         f"`obsgen unlock --env {env} --lock-id {held.id}`")


class EnvironmentLock:
    """The lock of one environment, through an SSM client. `release_ssm`, if given, is the client
    for releasing it: one with short timeouts (session.Clients.quick_client), because a release
    runs on the way out of an apply that may have failed for want of a network."""

    def __init__(self, ssm: AwsClient, project: str, env: str, release_ssm: AwsClient | None = None):
        self.ssm = ssm
        self.release_ssm = release_ssm or ssm
        self.project = project
        self.env = env
        self.name = parameter_name(project, env)

    def acquire(self, holder: str, command: str = "apply", host: str | None = None, pid: int | None = None,
                now: Callable[[], datetime] = lambda: datetime.now(timezone.utc), again: bool = True) -> LockInfo:
        mine = LockInfo(uuid.uuid4().hex, holder, host or socket.gethostname(), os.getpid() if pid is None else pid,
                        now().replace(microsecond=0).isoformat(), command)
        try:
            self.ssm.put_parameter(Name=self.name, Value=mine.to_json(), Type="String", Overwrite=False,
                                   Description=f"obsgen: {self.project}/{self.env} is being changed; "
                                               "remove only with `obsgen unlock`",
                                   Tags=[{"Key": TAG_PROJECT, "Value": self.project},
                                         {"Key": TAG_ENV, "Value": self.env}])
        except ClientError as exc:
            if _code(exc) != ALREADY_EXISTS:
                raise SyncError(f"cannot take the lock of '{self.env}' ({self.name}): {_message(exc)}") from None
            held = self.current()
            if held is not None and held.id == mine.id:  # our first attempt got through, its answer did not
                return mine
            if held is None and again:  # released between our two calls: try once more
                return self.acquire(holder, command, host, pid, now, again=False)
            if held is None:
                raise SyncError(f"cannot take the lock of '{self.env}' ({self.name}): it keeps changing hands") from None
            raise EnvironmentLocked(self.env, held) from None
        except BotoCoreError as exc:
            raise SyncError(f"cannot take the lock of '{self.env}' ({self.name}): {exc}") from None
        return mine

    def current(self, ssm: AwsClient | None = None) -> LockInfo | None:
        try:
            found = (ssm or self.ssm).get_parameter(Name=self.name)
        except ClientError as exc:
            if _code(exc) == NOT_FOUND:
                return None
            raise SyncError(f"cannot read the lock of '{self.env}' ({self.name}): {_message(exc)}") from None
        except BotoCoreError as exc:
            raise SyncError(f"cannot read the lock of '{self.env}' ({self.name}): {exc}") from None
        return LockInfo.from_json(found["Parameter"]["Value"])

    def release(self, mine: LockInfo) -> str:
        """Delete the lock if it is still `mine`. Never raises (it runs on the way out of a failed
        apply too): returns a warning for the user, or ""."""
        try:
            held = self.current(self.release_ssm)
        except SyncError as exc:
            return f"{exc}; the lock is left in place: remove it with `obsgen unlock --env {self.env} --lock-id {mine.id}`"
        if held is None or held.id != mine.id:
            return (f"the lock of '{self.env}' was removed while this apply ran"
                    + (f"; it is now held by {held.describe()}" if held else ""))
        problem = self.remove(self.release_ssm)
        return f"{problem}; remove it with `obsgen unlock --env {self.env} --lock-id {mine.id}`" if problem else ""

    def remove(self, ssm: AwsClient | None = None) -> str:
        try:
            (ssm or self.ssm).delete_parameter(Name=self.name)
        except ClientError as exc:
            if _code(exc) != NOT_FOUND:
                return f"could not remove the lock of '{self.env}' ({self.name}): {_message(exc)}"
        except BotoCoreError as exc:
            return f"could not remove the lock of '{self.env}' ({self.name}): {exc}"
        return ""

    @contextmanager
    def held(self, holder: str, command: str = "apply", warn: Callable[[str], None] = lambda _m: None
             ) -> Iterator[LockInfo]:
        """The lock for the duration of the block; released on the way out, whatever happened."""
        mine = self.acquire(holder, command)
        try:
            yield mine
        finally:
            problem = self.release(mine)
            if problem:
                warn(problem)


def _code(exc: ClientError) -> str:
    code: str = exc.response.get("Error", {}).get("Code", "")
    return code


def _message(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()


def check_conflicts_unless_locked(plan: Plan, lock: EnvironmentLock) -> None:
    """check_conflicts, except that while the environment is locked the lock is the refusal: another
    apply's resource read half made (an event rule created, its tags not yet in the eventually
    consistent tagging scan) looks foreign for a moment, and is that apply's work, not a conflict."""
    try:
        check_conflicts(plan)
    except SyncError as exc:
        try:
            held = lock.current()
        except SyncError:
            held = None  # the lock cannot be read: the conflict is the error to report
        if held is not None:
            raise EnvironmentLocked(lock.env, held) from None
        raise exc from None
