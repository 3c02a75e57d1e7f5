"""How a long library call says how far it has got, without printing (the library never prints): the
caller passes a `Progress` callback, and the CLI draws it on a terminal (cli/common.py, `progress`).

A call reports its steps one after another; within a step, `done` rises from 1 to `total` (a step with
nothing to do is not reported). A step's name is a short phrase the CLI shows as is.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, TypeVar

Progress = Callable[[str, int, int], None]  # (step, done, total)

_Item = TypeVar("_Item")


def silent(step: str, done: int, total: int) -> None:
    """The callback of a caller that shows nothing."""


def counted(items: Iterable[_Item], step: str, progress: Progress) -> Iterator[_Item]:
    """`items` as they are, reporting each one to `progress` after the caller is done with it."""
    listed = items if isinstance(items, (list, tuple, dict)) else list(items)
    total = len(listed)
    for done, item in enumerate(listed, start=1):
        yield item
        progress(step, done, total)
