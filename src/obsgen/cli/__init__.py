"""The `obsgen` command: reads flags and files, calls the library, shows the results, sets exit codes.

Exit codes (also in README.md):
  0  success (and, for plan --detailed-exitcode / drift, nothing to change)
  1  errors: the spec is invalid, generated/ is stale, AWS refused, a Prometheus asked (drift's or
     validate's --prometheus-url) did not answer, the system refused (a full or read-only disk, a
     permission), an internal error
  2  usage errors (unknown flag, bad argument); plan --detailed-exitcode / drift: changes or drift found
A closed stdout (`obsgen presets | head -1`) is no error: the output stops and the exit code is 0,
or drift's and plan's verdict (app.py, `reader_may_leave`).

One module per family of commands (build.py: validate, build; about.py: schema, version, completion;
aws.py; test.py; runbooks.py; presets.py; init.py; adopt.py), each a thin layer over the library;
app.py holds the application and the consoles, common.py what the commands share. A command's module
is imported only when that command runs (app.py's LAZY_COMMANDS), and this module imports nothing
of obsgen's but app.py and collector.py (the garbage collector while obsgen starts): `obsgen
--version` and `--help` pay for typer and little else (docs/performance.md, "Start-up").
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from . import collector

with collector.paused():  # typer's classes live until exit: collector.py
    from .app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: no traceback reaches the user unless OBSGEN_DEBUG is set. What the system
    refuses (a full or read-only disk, a permission, a missing directory) is said as such, naming
    the path; "internal error" is kept for bugs."""
    collector.pause()  # until the command runs (the app's callback resumes it): collector.py
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        _fail(exc)


def _fail(exc: Exception) -> NoReturn:
    """What a command raised, said as the user can act on it. The modules that know these errors are
    imported only now: a command that succeeds never pays for them."""
    from ..generated_tree import OutputError
    from .common import describe_os_error

    if isinstance(exc, OutputError):  # commands other than build (site) that write generated/
        for item in exc.diagnostics:
            _err(str(item))
        sys.exit(1)
    if isinstance(exc, OSError) and exc.errno is not None and not os.environ.get("OBSGEN_DEBUG"):
        _err(f"error: {describe_os_error(exc)}")
        sys.exit(1)
    _internal_error(exc)


def _err(text: str) -> None:
    from .app import err

    err.print(text, markup=False)


def _internal_error(exc: BaseException) -> NoReturn:
    if os.environ.get("OBSGEN_DEBUG"):
        raise exc
    from .app import err

    err.print(f"internal error: {type(exc).__name__}: {exc} (a bug in obsgen; "
              "set OBSGEN_DEBUG=1 for the traceback)", markup=False)
    sys.exit(1)


if __name__ == "__main__":
    main()
