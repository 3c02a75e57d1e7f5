"""The `obsgen` command: reads flags and files, calls the library, shows the results, sets exit codes.

Exit codes (also in README.md):
  0  success (and, for plan --detailed-exitcode / drift, nothing to change)
  1  errors: the spec is invalid, generated/ is stale, AWS refused, the system refused (a full or
     read-only disk, a permission), an internal error
  2  usage errors (unknown flag, bad argument); plan --detailed-exitcode / drift: changes or drift found
A closed stdout (`obsgen presets | head -1`) is no error: the output stops and the exit code is 0,
or drift's and plan's verdict (app.py, `reader_may_leave`).

One module per family of commands (build.py: validate, build, schema, version; aws.py; prometheus.py;
runbooks.py; presets.py), each a thin layer over the library; app.py holds the application and
common.py what the commands share.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from ..generated_tree import OutputError
from . import build  # noqa: F401  - registers validate, build, schema and version on `app`
from .app import app, err
from .common import describe_os_error

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: no traceback reaches the user unless OBSGEN_DEBUG is set. What the system
    refuses (a full or read-only disk, a permission, a missing directory) is said as such, naming
    the path; "internal error" is kept for bugs."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
    except OutputError as exc:  # commands other than build (site) that write generated/
        for item in exc.diagnostics:
            err.print(str(item), markup=False)
        sys.exit(1)
    except OSError as exc:
        if exc.errno is None or os.environ.get("OBSGEN_DEBUG"):
            _internal_error(exc)
        err.print(f"error: {describe_os_error(exc)}", markup=False)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        _internal_error(exc)


def _internal_error(exc: BaseException) -> NoReturn:
    if os.environ.get("OBSGEN_DEBUG"):
        raise exc
    err.print(f"internal error: {type(exc).__name__}: {exc} (a bug in obsgen; "
              "set OBSGEN_DEBUG=1 for the traceback)", markup=False)
    sys.exit(1)


if __name__ == "__main__":
    main()
