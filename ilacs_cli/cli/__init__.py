"""The command line: parse options, call the domain, hand results to a renderer.

One module per group of commands, each registering on the one Typer app in `common`; `main` turns user errors
into one line and an exit status. Heavy modules are imported inside the command that needs them.
"""

import sys

import typer

from ilacs_cli.cli.common import app

# Each module registers its commands on `app`; `ilacs --help` lists them in this order.
from ilacs_cli.cli import plan, owners, reminders, mail, papers, admin  # noqa: E402,F401,I001
from ilacs_cli.errors import IlacsError

__all__ = ["app", "main"]


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
    except Exception as error:
        # Usage errors: click's exceptions (typer vendors its own copy of click in newer releases,
        # so recognise them by what they do rather than by class).
        if callable(getattr(error, "show", None)) and isinstance(getattr(error, "exit_code", None), int):
            error.show()
            sys.exit(error.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)
