"""The command line: parse options, call the domain, hand results to a renderer.

One module per group of commands, each registering on the one Typer app in `common`; `main` turns user errors
into one line and an exit status. Heavy modules are imported inside the command that needs them.
"""

import errno
import os
import sys

import typer

from ilacs_cli.cli.common import app

# Each module registers its commands on `app`; `ilacs --help` lists them in this order.
from ilacs_cli.cli import plan, owners, reminders, mail, papers, admin  # noqa: E402,F401,I001
from ilacs_cli.errors import IlacsError

__all__ = ["app", "main"]


# Writing standard output failed: the disk or device is full, or the reader went away.
_OUTPUT_ERRORS = {errno.ENOSPC, errno.EPIPE, errno.EIO, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _stop_writing() -> None:
    """Point stdout at the null device, so that Python's own flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main() -> None:
    """Entry point: user errors become one line and an exit status, never a traceback."""
    try:
        # prog_name: help, errors and shell completion (its _ILACS_COMPLETE variable) say `ilacs` however started
        code = app(standalone_mode=False, prog_name="ilacs")
    except IlacsError as error:
        print(f"ilacs: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except typer.Abort:
        sys.exit(1)
    except OSError as error:
        if error.errno not in _OUTPUT_ERRORS:
            raise
        _stop_writing()
        if error.errno != errno.EPIPE:  # a reader that stopped reading (`| head`) needs no message
            print(f"ilacs: cannot write the output: {error.strerror}; free some space or write it elsewhere",
                  file=sys.stderr)
        sys.exit(1)
    except Exception as error:
        # Usage errors: click's exceptions (typer vendors its own copy of click in newer releases,
        # so recognise them by what they do rather than by class).
        if callable(getattr(error, "show", None)) and isinstance(getattr(error, "exit_code", None), int):
            error.show()
            sys.exit(error.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)
