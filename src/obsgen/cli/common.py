"""What the commands share: the options every command takes, and how results and errors are shown.
Cheap to import (every command's module and the entry point's error handling import it): what only
one function needs, it imports itself."""

from __future__ import annotations

import errno
import math
import os
import sys
from itertools import groupby
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

import typer

from .. import diagnostics
from ..progress import Progress, silent
from .app import ROOT_PROJECT_DIR

if TYPE_CHECKING:
    from rich.console import Console

    from ..build import Build

def project_dir_of(ctx: typer.Context, param: typer.CallbackParam, value: Path) -> Path:
    """Callback of every command's -C: the command's own -C, else the one given before the command
    (`obsgen -C dir validate`, as `git -C` and `make -C`), else the nearest directory at or above
    the current one that holds monitors/ (`find_project`)."""
    source = ctx.get_parameter_source(param.name or "")
    if source is not None and source.name != "DEFAULT":
        return value
    given = ctx.find_root().meta.get(ROOT_PROJECT_DIR)
    return given if isinstance(given, Path) else find_project(Path.cwd())


def find_project(start: Path) -> Path:
    """The nearest directory at or above `start` that holds monitors/, as git looks for .git: so
    `obsgen validate` works from monitors/ or runbooks_src/ too. The search stops at the top of
    the git work tree (a directory holding .git), so a checkout never picks up a project above
    it; and at the file system's root. Nothing found: `start` (where the usual no-spec error
    says monitors/ is missing)."""
    for directory in (start, *start.parents):
        if (directory / "monitors").is_dir():
            return directory
        if (directory / ".git").exists():
            break
    return start


ProjectDir = typer.Option(Path("."), "--project-dir", "-C", callback=project_dir_of, file_okay=False,
                          resolve_path=True, show_default=False, metavar="DIR",
                          help="Project root (holds monitors/); default: the nearest directory at or above "
                               "the current one that holds monitors/.")
EnvOption = typer.Option(None, "--env", "-e", metavar="ENV", show_default=False,
                         help="An environment to build (repeat for more); a glob such as 'prod-*' names several; "
                              "all when omitted.")
TestEnvOption = typer.Option(None, "--env", "-e", metavar="ENV", show_default=False,
                             help="An environment to test (repeat for more); a glob such as 'prod-*' names several; "
                                  "all when omitted.")


# An option with a fixed set of values is a click.Choice (through an Enum), so a value outside it is a
# usage error, exit 2, before anything runs (`validate --format yaml` in CI must not pass silently).
class ValidateFormat(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    sarif = "sarif"


class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class DriftFormat(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    markdown = "markdown"
    sarif = "sarif"


def output_file(path: Optional[Path]) -> Optional[Path]:
    """Callback of options naming a file to write: its directory must exist, so the command fails
    before it does any work (a plan read from AWS) rather than after."""
    if path is not None:
        if path.is_dir():
            raise typer.BadParameter(f"{path} is a directory; give a file name")
        if not path.parent.is_dir():
            raise typer.BadParameter(f"directory {path.parent} does not exist; create it first")
    return path


def finite(value: Optional[float]) -> Optional[float]:
    """Callback of float options: click's FloatRange (what typer before 0.2x checks ranges with) lets
    `nan` through, since every comparison with it is false; time.sleep(nan) then fails."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"expected a number, found {value}")
    return value


def validate_junit(build: Build, project_dir: Path) -> str:
    from ..language.load import spec_files
    from ..views.diagnostics import checked_files, render_junit

    paths = [p.relative_to(project_dir).as_posix() for p in spec_files(project_dir / "monitors")
             if p.is_file()] if (project_dir / "monitors").is_dir() else []
    return render_junit(build.diagnostics, checked_files(paths, build.spec))


@contextmanager
def progress_shown() -> Iterator[Progress]:
    """A `Progress` callback (obsgen/progress.py) that draws one bar per step on stderr while the
    block runs, and erases them at its end, when stderr is a terminal; silent otherwise (piped,
    redirected, in CI), so what a pipe or a log reads is what it read before. Print nothing inside the
    block: the bars are drawn over the lines below them."""
    if surely_no_terminal(stderr=True):  # known without making the console (and importing rich)
        yield silent
        return
    from .app import err

    if not err.is_terminal:
        yield silent
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bars

    with Bars(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
              console=err, transient=True) as bars:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bars.add_task(step, total=total)
            if done == total or done % max(1, total // 200) == 0:  # ~200 redraws a step, not one per file
                bars.update(tasks[step], completed=done)

        yield report


def note(note: Optional[str]) -> None:
    if note is not None:
        from .app import err  # rich is imported with the first console asked for (app.py)

        err.print(f"note: {note}", markup=False)


JunitOut = typer.Option(None, "--junit-out", metavar="FILE", callback=output_file, show_default=False,
                        help="Also write the JUnit XML report to FILE (beside --format), so CI reads the "
                             "project (or AWS) once for both.")


def repository_prefix(project_dir: Path) -> str:
    """The project directory relative to the root of its git work tree, as SARIF's artifact URIs
    need it ("" at the root, "infra/monitoring/" below it); "" outside a work tree."""
    for directory in (project_dir, *project_dir.parents):
        if (directory / ".git").exists():
            relative = project_dir.relative_to(directory).as_posix()
            return "" if relative == "." else relative + "/"
    return ""


def surely_no_terminal(stderr: bool = False) -> bool:
    """True where rich's `Console.is_terminal` is surely False for stdout (stderr), found without
    making the console: rich is ~13 ms of a piped `build --env`. It is when the stream is no tty and
    neither TTY_COMPATIBLE nor FORCE_COLOR is set (either can make rich treat any stream as a
    terminal); False means "ask rich"."""
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return False
    consoles = vars(sys.modules.get(f"{__package__}.app", sys))  # the module: the package's `app` is the Typer app
    if ("err" if stderr else "out") in consoles:  # made already (or put there by a caller): it decides
        return False
    stream = sys.stderr if stderr else sys.stdout
    isatty = getattr(stream, "isatty", None)
    if isatty is None or hasattr(stream, "rich_proxied_file"):  # no stream, or one rich stands in for
        return False
    try:
        return not isatty()
    except ValueError:  # a closed stream: rich's own answer, then its error
        return False


def print_line(text: str, stderr: bool = False) -> None:
    """`text` as `out.print(text, markup=False)` (`err` with `stderr`) prints it. Piped, a line of
    printable characters is written as it is: what rich writes for it (print_lines), without the
    console. Flushed, as rich flushes each print, so stdout and stderr on one pipe keep their order."""
    if not (text.isprintable() and surely_no_terminal(stderr)):
        from .app import err, out

        (err if stderr else out).print(text, markup=False)
        return
    stream = sys.stderr if stderr else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def print_lines(console: Console, lines: list[str], style: str | None = None) -> None:
    """`lines` printed as rich prints them. Piped, lines of printable characters only are written as
    they are: rich would print them unchanged (no style, no wrapping; what it strips or expands --
    control codes, tabs -- is not printable), and its rendering was 66 ms for 10,000 lines."""
    text = "\n".join(lines)
    if style is None and not console.is_terminal and all(line.isprintable() for line in lines):
        console.file.write(text + "\n")
        return
    console.print(text, style=style, markup=False)


def _style(item: diagnostics.Diagnostic) -> str:
    return "red" if item.level is diagnostics.Level.ERROR else "yellow"


def report(build: Build, fmt: str = "text", project_dir: Optional[Path] = None) -> None:
    if fmt == ValidateFormat.json.value:
        from ..views.diagnostics import render_json  # each format's view is imported by its format alone
        sys.stdout.write(render_json(build.diagnostics))
        return
    if fmt == ValidateFormat.sarif.value:
        from ..views.sarif import validate_sarif
        sys.stdout.write(validate_sarif(build.diagnostics, repository_prefix(project_dir or Path.cwd())))
        return
    if fmt == ValidateFormat.junit.value:
        sys.stdout.write(validate_junit(build, project_dir or Path.cwd()))
        return
    if build.ok and not build.diagnostics:  # nothing to say: the console is not made (print_line)
        return
    from .app import err

    # One print per run of lines in one style (all of them when piped: no style), not one per line:
    # rich's per-call work made printing a 10,000-monitor project's warnings ~0.4 s (docs/performance.md).
    for style, items in groupby(build.diagnostics, lambda d: _style(d) if err.is_terminal else None):
        print_lines(err, [str(item) for item in items], style)
    if not build.ok:
        count = sum(1 for d in build.diagnostics if d.level is diagnostics.Level.ERROR)
        err.print(f"{count} error(s); nothing was written.", markup=False)


# What to do about the errors the system gives for ordinary reasons (errno names from errno(3)).
_WHAT_TO_DO = {
    errno.ENOSPC: "free some space on that disk and run again",
    errno.EDQUOT: "free some space (or raise the quota) and run again",
    errno.EROFS: "the file system is mounted read-only: run obsgen where it can write",
    errno.EACCES: "check the permissions of this path and of the directories above it",
    errno.EPERM: "check the permissions of this path and of the directories above it",
    errno.ENOENT: "check that the path and its directory exist",
    errno.ENOTDIR: "a part of this path is a file where a directory is expected",
    errno.EISDIR: "this path is a directory where a file is expected",
    errno.EEXIST: "something already exists at this path: move it away",
    errno.ENOTEMPTY: "the directory is not empty: move it away",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and run again",
    errno.ENFILE: "too many open files on this system: run again later",
    errno.EIO: "the disk reported an input/output error: check the disk",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.ELOOP: "a symbolic link in this path loops: fix or remove it",
    errno.EADDRINUSE: "another program is using this address: pick another port or stop that program",
    errno.EADDRNOTAVAIL: "this address is not one of this machine's: pick another one",
}


def describe_os_error(exc: OSError) -> str:
    """`<path>: <what the system said> (<ERRNO>); <what to do>` for an OSError with an errno."""
    code = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    reason = (exc.strerror or str(exc)).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    paths = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p is not None)
    hint = _WHAT_TO_DO.get(exc.errno or 0)
    text = f"{paths}: {reason} ({code})" if paths else f"{reason} ({code})"
    return f"{text}; {hint}" if hint else text
