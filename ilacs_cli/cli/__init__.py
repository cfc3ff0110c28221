"""The command line: parse options, call the domain, hand results to a renderer.

One module per group of commands, each registering on the one Typer app in `common`; `main` turns user errors
into one line and an exit status. Heavy modules are imported inside the command that needs them.
"""

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

# Each module registers its commands on `app`; `ilacs --help` lists them in this order.
from ilacs_cli.cli import admin, boards, evidence, inbox, mail, measures, owners, papers, plan, reminders  # noqa: E402,F401,I001
from ilacs_cli.cli.common import AFTERWORDS, HELP_OPTIONS, app
from ilacs_cli.errors import IlacsError, visible

__all__ = ["app", "main"]


# Writing standard output failed: the disk or device is full, or the reader went away.
_OUTPUT_ERRORS = {errno.ENOSPC, errno.EPIPE, errno.EIO, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _reader_went_away(error: OSError, platform: str = sys.platform) -> bool:
    """A pipe whose reader stopped reading (`| head`, `| more` quit): EPIPE, or on Windows EINVAL."""
    return error.errno == errno.EPIPE or (platform == "win32" and error.errno == errno.EINVAL)


def _not_text(args: list[str], environ) -> str | None:
    """Why an argument or an ILACS_ setting is not text (bytes that are not UTF-8, which Python hands on as lone
    surrogates), or None. Checked once, before any command reads them."""
    named = [(f"argument {number}", arg) for number, arg in enumerate(args, 1)]
    named += [(name, value) for name, value in environ.items() if name.startswith("ILACS_")]
    for what, value in named:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            byte = ord(value[error.start]) - 0xDC00
            before = value[: error.start].encode("utf-8", "replace").decode()[-30:]
            where = f" after '{before}'" if before else ""
            shown = f"byte 0x{byte:02x}" if 0x80 <= byte <= 0xFF else "a character"
            fix = (
                "set it again as UTF-8 text"
                if what.startswith("ILACS_")
                else "type it again in a UTF-8 terminal, or copy it from a file saved as UTF-8"
            )
            return f"{what} is not UTF-8 text ({shown}{where}): {fix}"
    return None


def _readable(message: str, longest: int = 300, most: int = 2000) -> str:
    """A message as one line a person reads: a run of more than `longest` characters without a space (a
    131,072-character argument quoted back; a path is shorter) cut to its first 80, the whole to `most`."""
    import re

    message = re.sub(rf"\S{{{longest + 1},}}", lambda run: run.group()[:80] + "…", message)
    return message if len(message) <= most else message[: most - 1] + "…"


def _name_too_long(error: OSError) -> bool:
    """A path given by the user (a file to import, --db, -o, ILACS_CONFIG) that the file system cannot hold:
    ENAMETOOLONG, or on Windows ERROR_FILENAME_EXCED_RANGE (206). Raised wherever the path is first touched, so
    caught here once; nothing has been written by then, as a path is touched before any write."""
    return error.errno == errno.ENAMETOOLONG or getattr(error, "winerror", None) == 206


def _utf8_streams() -> None:
    """UTF-8 on stdout and stderr whatever the console or redirection. Windows gives a redirected or piped stream
    (a Task Scheduler log, `> file`, `| more`) its ANSI code page, cp1252, which cannot write an arrow or a Ł and
    makes JSON that is not UTF-8; its console, and Linux and macOS, are UTF-8 already."""
    import io

    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and _codec_name(stream.encoding) != "utf-8":
            stream.reconfigure(encoding="utf-8", errors=stream.errors)


def _codec_name(encoding: str | None) -> str:
    import codecs

    try:
        return codecs.lookup(encoding or "ascii").name
    except LookupError:
        return ""


def _stop_writing() -> None:
    """Point stdout at the null device, so that Python's own flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


@contextmanager
def _only_the_command_named(args: list[str]) -> Iterator[None]:
    """While running, register only the command (or command group) that `args` name.

    Typer turns every registered command into a click command (its signature, annotations and options) before it
    parses anything: about 20 ms of every start for thirty-odd commands, whichever one runs. Click's answer is a
    group that loads its commands lazily, which typer does not offer; so when the first word after the app's own
    options names a command, only that one is built. Anything else (no command, a misspelt one, help asked before
    the command, the shell's completion) gets them all, for the list, the suggestion or the completions.
    """
    index = 0
    while index < len(args) and args[index].startswith("-") and args[index] not in HELP_OPTIONS["help_option_names"]:
        index += 2 if args[index] == "--db" else 1  # the app's options; only --db takes a value
    name = args[index] if index < len(args) else None  # the shell's completion gives no arguments: all are built
    commands = [
        info
        for info in app.registered_commands
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name
    ]
    groups = [info for info in app.registered_groups if info.name == name]
    if not commands and not groups:
        yield
        return
    every = app.registered_commands, app.registered_groups
    app.registered_commands, app.registered_groups = commands, groups
    try:
        yield
    finally:
        app.registered_commands, app.registered_groups = every


def main() -> None:
    """Entry point: user errors become one line and an exit status, never a traceback."""
    _utf8_streams()
    AFTERWORDS.clear()
    if problem := _not_text(sys.argv[1:], os.environ):
        print(f"ilacs: {problem}", file=sys.stderr)
        sys.exit(2)
    if (
        not sys.argv[1:] and "_ILACS_COMPLETE" not in os.environ
    ):  # a newcomer's first try: a screen that says what to do, not 100 lines of help
        from ilacs_cli.render import guide
        from ilacs_cli.storage.opening import default_path

        print(guide(os.environ.get("ILACS_DB") or str(default_path())), end="")
        sys.exit(0)
    try:
        # prog_name: help, errors and shell completion (its _ILACS_COMPLETE variable) say `ilacs` however started
        with _only_the_command_named(sys.argv[1:]):
            code = app(standalone_mode=False, prog_name="ilacs")
        sys.stdout.flush()  # a full disk or a closed pipe is found here, before the notes below
        for line in AFTERWORDS:
            print(visible(line), file=sys.stderr)
    except IlacsError as error:
        print(f"ilacs: {_readable(visible(str(error)))}", file=sys.stderr)  # it may quote stored text
        sys.exit(error.exit_code)
    except typer.Abort:
        sys.exit(1)
    except OSError as error:
        if _name_too_long(error):
            name = str(error.filename or "")
            print(
                f"ilacs: a file name is too long for the file system ('{name[:80]}…', {len(name):,} characters): "
                "give a shorter name (at most 255 characters between slashes)",
                file=sys.stderr,
            )
            sys.exit(2)
        if error.errno not in _OUTPUT_ERRORS and not _reader_went_away(error):
            raise
        _stop_writing()
        if not _reader_went_away(error):  # a reader that stopped reading (`| head`) needs no message
            print(
                f"ilacs: cannot write the output: {error.strerror}; free some space or write it elsewhere",
                file=sys.stderr,
            )
        sys.exit(1)
    except Exception as error:
        # Usage errors: click's exceptions (typer vendors its own copy of click in newer releases,
        # so recognise them by what they do rather than by class).
        if callable(getattr(error, "show", None)) and isinstance(getattr(error, "exit_code", None), int):
            error.show()
            sys.exit(error.exit_code)
        import sqlite3

        if isinstance(error, sqlite3.DatabaseError):  # a read the storage layer did not expect to fail
            print(
                f"ilacs: the database could not be read ({_readable(visible(str(error)))}): it may be damaged or "
                "changed outside ilacs; run `ilacs check`, and restore a backup",
                file=sys.stderr,
            )
            sys.exit(1)
        psycopg = sys.modules.get("psycopg")  # imported only for a PostgreSQL URL
        if psycopg is not None and isinstance(error, psycopg.Error):  # the server failed where none was expected
            print(
                f"ilacs: PostgreSQL failed ({_readable(visible(str(error).strip().splitlines()[0]))}): nothing more was "
                "written; try again, and run `ilacs check` if it goes on",
                file=sys.stderr,
            )
            sys.exit(1)
        raise
    sys.exit(code if isinstance(code, int) else 0)
