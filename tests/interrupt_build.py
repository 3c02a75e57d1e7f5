"""Run `obsgen ARGS...` and interrupt it at the Nth step of replacing generated/ (a helper of
tests/test_generated_tree.py, run as a subprocess).

    python interrupt_build.py STEP SIGNAL MODE -- build -C PROJECT [--env ENV]

A step is a call that changes the disk in `obsgen.generated_tree`: recovering leftovers, making the
work directory, writing the files as the build renders them (before the first and before the
fifth), writing the journal of the moves, each rename (a directory moved into the new tree, the
fallback's renames) or exchange, deleting the journal, each tree removal, removing the work directory. Before
step STEP the process sends itself SIGNAL (KILL or INT), as `kill -9` or Ctrl-C would. STEP 0 never
interrupts; the process then prints `steps: N` on stderr, the number of steps of that build.
MODE `exchange` uses renameat2(RENAME_EXCHANGE) as obsgen does on Linux; `fallback` makes it
unavailable, so the two-rename fallback runs.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import sys
import types
from typing import Any, Callable

from obsgen import generated_tree

STEP, SIGNAL, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
# Ctrl-C as in a terminal, whatever this process inherited: a shell starts background jobs with SIGINT
# ignored (POSIX, without job control), and Python then installs no KeyboardInterrupt handler.
signal.signal(signal.SIGINT, signal.default_int_handler)
COMMAND = sys.argv[sys.argv.index("--") + 1:]
count = 0


def step() -> None:
    global count
    count += 1
    if count == STEP:
        os.kill(os.getpid(), signal.SIGKILL if SIGNAL == "KILL" else signal.SIGINT)


def counted(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        step()
        return function(*args, **kwargs)
    return wrapper


def add_with_steps(staging: Any, rel: str, content: str) -> None:
    """The first file and the fifth are steps: interrupted before either, the staging tree is empty
    or partly written."""
    staging.added = getattr(staging, "added", 0) + 1
    if staging.added in (1, 5):
        step()
    add(staging, rel, content)


def _module_with(module: types.ModuleType, **overrides: Any) -> types.SimpleNamespace:
    """`module` as generated_tree sees it, with some functions counted (the real module is untouched,
    so rmtree's own unlinks, the compile and Python itself are not steps)."""
    names = {name: getattr(module, name) for name in dir(module) if not name.startswith("__")}
    return types.SimpleNamespace(**{**names, **overrides})


add = generated_tree.Staging.add
generated_tree.os = _module_with(os, rename=counted(os.rename))  # type: ignore[assignment]
generated_tree.shutil = _module_with(shutil, rmtree=counted(shutil.rmtree),  # type: ignore[assignment]
                                     copytree=counted(shutil.copytree))
generated_tree.Staging.add = add_with_steps  # type: ignore[method-assign]
for name in ("recover", "_make_work_dir", "_remove_work_dir", "write_journal", "_forget"):
    setattr(generated_tree, name, counted(getattr(generated_tree, name)))
if MODE == "fallback":
    generated_tree.exchange = counted(lambda first, second: False)
else:
    generated_tree.exchange = counted(generated_tree.exchange)

from obsgen.cli import main  # noqa: E402  - after the patches, as a user's run would import it

sys.argv = ["obsgen", *COMMAND]
try:
    main()
finally:
    print(f"steps: {count}", file=sys.stderr)
