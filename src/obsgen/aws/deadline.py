"""An overall time limit for a command (`--timeout`), on top of botocore's per-call timeouts.

Per-call timeouts bound one call (session.py); a command makes many, so it also gets a deadline:
no call starts after it, and a caller waiting on AWS stops waiting when it passes. Waiting
happens in the caller's thread with the AWS calls in a daemon thread, so neither a socket that
never answers nor the interpreter's exit can hold the command past its deadline (a daemon thread
still blocked in a read dies with the process).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, TypeVar

from . import SyncError

T = TypeVar("T")
POLL_SECONDS = 0.2  # how often a waiting thread wakes up (keeps Ctrl-C and signals prompt)


class DeadlineExceeded(SyncError):
    """The command's time limit passed before AWS answered."""


class Deadline:
    """`seconds` from now (None: no limit)."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._end = None if seconds is None else clock() + seconds

    def remaining(self) -> float | None:
        return None if self._end is None else max(0.0, self._end - self._clock())

    @property
    def expired(self) -> bool:
        return self._end is not None and self._clock() >= self._end

    def exceeded(self, what: str) -> DeadlineExceeded:
        return DeadlineExceeded(f"{what}: no answer within the time limit of {self.seconds:g} s (--timeout); "
                                "check the network and the endpoint, or give a larger --timeout")

    def check(self, what: str) -> None:
        if self.expired:
            raise self.exceeded(what)

    def run(self, work: Callable[[], T], what: str) -> T:
        """`work()` in a daemon thread; its result, its exception, or DeadlineExceeded once time is up."""
        if self._end is None:
            return work()
        value: list[T] = []  # what work() returned, or
        error: list[BaseException] = []  # what it raised

        def target() -> None:
            try:
                value.append(work())
            except BaseException as exc:  # noqa: BLE001 - handed back to the waiting thread
                error.append(exc)

        thread = threading.Thread(target=target, name=f"obsgen: {what}", daemon=True)
        thread.start()
        while thread.is_alive():
            if self.expired:
                raise self.exceeded(what)
            thread.join(timeout=min(POLL_SECONDS, self.remaining() or 0.0))
        if error:
            raise error[0]
        return value[0]


def counted(call: Callable[..., dict[str, Any]], tally: Callable[[], None], deadline: Deadline | None,
            what: str) -> Callable[..., dict[str, Any]]:
    """`call` (an AWS API method) made to count each request (`tally`) and to run within `deadline`, if any:
    how the live checks keep their read budget in figures."""
    def run(**kwargs: Any) -> dict[str, Any]:
        tally()
        return call(**kwargs) if deadline is None else deadline.run(lambda: call(**kwargs), what)
    return run
