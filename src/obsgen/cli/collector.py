"""CPython's cyclic garbage collector while obsgen starts (issue #22, target 5).

Start-up makes what lives until the process ends -- typer's classes, the parameter adapters it
builds with pydantic, the command's module, the compiler's models and validators -- and next to no
garbage, yet the collector traversed all of it again and again as it was made: ~25 ms of `obsgen
build --env`. So it is paused while typer is imported (`paused`, in cli/__init__.py), from `main()`
until the command runs (`pause`, and `resume` in the app's callback, which typer runs before every
command), and while a command imports the compiler (`paused`, cli/build.py). What was made is then
frozen (gc.freeze: left out of every later collection, as the compile leaves its own objects,
compiler._gc_paused). Only `main()` pauses until the command: a test that imports the app and
invokes it runs with the collector as it was.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

_paused_by_main = False


def pause() -> None:
    """Until `resume`, if the collector runs now."""
    global _paused_by_main
    if gc.isenabled():
        gc.disable()
        _paused_by_main = True


def resume() -> None:
    """After `pause`: what start-up made frozen, the collector running again. Otherwise nothing."""
    global _paused_by_main
    if _paused_by_main:
        _paused_by_main = False
        gc.freeze()
        gc.enable()


@contextmanager
def paused() -> Iterator[None]:
    """The block runs without the collector; what it made is frozen after it; the collector is then as
    it was before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
