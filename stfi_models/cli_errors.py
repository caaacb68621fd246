"""How the ``stfi`` command reports bad input: one ``error:`` message and exit status 2.

Two layers, so that no user error reaches the terminal as a traceback:

* :func:`user_errors` wraps the body of a command: our errors (and the OS / pandas errors of
  reading a file the user named) become ``error: <message>`` on stderr and exit status 2, and
  every warning is shown as one ``warning:`` line;
* :class:`StfiGroup` is the command group: a bad command-line parameter (unknown option,
  missing argument, a value of the wrong type) becomes the same one-line message with a
  pointer to ``--help`` and exit status 2 instead of click's usage box, and an exception no
  command expected is reported in one line as a bug (``STFI_TRACEBACK=1`` shows it in full).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

from stfi_models.exceptions import StfiError

__all__ = ["USAGE_EXIT", "CliInputError", "user_errors", "StfiGroup"]

#: Exit status of every user error (click's own for usage errors).
USAGE_EXIT = 2

#: Failures that are the user's input, reported without a traceback.
_USER_ERRORS: tuple[type[BaseException], ...] = (StfiError, OSError, ValueError, ImportError)


class CliInputError(StfiError):
    """A command-line argument that cannot be used (unknown dataset, unreadable file, ...)."""


def _report(error: BaseException) -> None:
    first, _, rest = str(error).strip().partition("\n")
    typer.echo(f"error: {first or type(error).__name__}", err=True)
    if rest:
        typer.echo(rest, err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Report bad input on stderr and exit 2; show warnings as one ``warning:`` line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except _USER_ERRORS as error:
            _report(error)
            raise typer.Exit(code=USAGE_EXIT) from None
        finally:
            for w in caught:
                typer.echo(f"warning: {w.message}", err=True)


def _is_usage_error(error: BaseException) -> bool:
    """Tell a click usage error (typer vendors its own click: test by protocol, not class)."""
    return hasattr(error, "format_message") and hasattr(error, "exit_code")


def _report_usage(usage: Any) -> None:
    if type(usage).__name__ == "NoArgsIsHelpError":  # bare ``stfi``/``stfi fit``: the help
        typer.echo(usage.format_message(), err=True)
        return
    ctx = getattr(usage, "ctx", None)
    where = ctx.command_path if ctx is not None else "stfi"
    typer.echo(f"error: {usage.format_message()} (see '{where} --help')", err=True)


class StfiGroup(TyperGroup):
    """The ``stfi`` group: usage errors and stray exceptions as one line each."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """Run a command; turn every failure into one message and an exit status."""
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            result = 1
        except _USER_ERRORS as error:
            _report(error)
            result = USAGE_EXIT
        except Exception as bug:  # noqa: BLE001 - the last line of defence of the CLI
            if _is_usage_error(bug):
                _report_usage(bug)
                result = USAGE_EXIT
            elif os.environ.get("STFI_TRACEBACK"):
                raise
            else:
                typer.echo(f"error: unexpected {type(bug).__name__}: {bug} -- this is a bug in "
                           "stfi-models; please report it (STFI_TRACEBACK=1 shows the "
                           "traceback).", err=True)
                result = 1
        code = result if isinstance(result, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code
