"""Writing output files safely: readable by their owner only, all or nothing, never over a file by surprise."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ilacs_cli.errors import IlacsError, visible_lines


def check_target(path: Path, *, force: bool = False, database: Path | None = None) -> None:
    """Refuse anything but a new file in an existing folder, or (with `force`) an existing regular file: never a
    symbolic link, a directory, a device or a pipe, nor the database in use or its -wal and -shm files."""
    import stat

    path = path.expanduser()
    shown = str(path) if len(str(path)) <= 80 else str(path)[:79] + "…"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as error:  # e.g. a name longer than the file system allows
        raise IlacsError(f"cannot use the path {shown}: {error.strerror}; choose another path") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise IlacsError(
            f"{shown} is a symbolic link: give the path of the file itself, so it is clear what is replaced", 2
        )
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = (
            "a folder"
            if stat.S_ISDIR(info.st_mode)
            else "a pipe"
            if stat.S_ISFIFO(info.st_mode)
            else "a device"
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "not a file"
        )
        raise IlacsError(f"{shown} is {kind}: give the path of a file to write", 2)
    if info is not None and isinstance(database, Path):  # a file (a PostgreSQL database is no path here)
        for suffix in ("", "-wal", "-shm"):
            live = Path(f"{database}{suffix}")
            if live.exists() and os.path.samefile(path, live):
                raise IlacsError(f"{shown} is the database in use: choose another path", 2)
    if info is not None and not force:
        raise IlacsError(f"{shown} already exists: choose another path, or add --force to replace it")
    try:
        folder = path.parent.is_dir()
    except OSError as error:
        raise IlacsError(f"cannot use the path {shown}: {error.strerror}; choose another path") from None
    if not folder:
        raise IlacsError(f"folder {path.parent} does not exist: create it or choose another path")


def write_output(path: Path | None, data: bytes | str, *, force: bool = False, database: Path | None = None) -> None:
    """Write `data` to `path` (stdout when None or '-') atomically, mode 0600; refuse to replace a file unless `force`."""
    to_stdout = path is None or str(path) == "-"
    if isinstance(data, str):  # a page or a calendar on stdout may reach a terminal: no control sequences
        data = (visible_lines(data) if to_stdout else data).encode("utf-8")
    with output(path, force=force, database=database) as stream:
        stream.write(data)


@contextmanager
def output(path: Path | None, *, force: bool = False, database: Path | None = None) -> Iterator[BinaryIO]:
    """A binary stream to `path` (stdout when None or '-'), for output written piece by piece.

    A file is written beside its target with mode 0600 and renamed into place only when the block succeeds, so
    the target is whole or untouched; an existing file is replaced only with `force`.
    """
    if path is None or str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    path = path.expanduser()  # cmd.exe and PowerShell leave `~` for the program
    check_target(path, force=force, database=database)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise IlacsError(f"cannot write in {path.parent}: {error.strerror}; choose another -o path") from None
    try:
        with os.fdopen(handle, "wb") as file:  # mkstemp creates the file with mode 0600
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise IlacsError(f"cannot write {path}: {error.strerror}; choose another -o path") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
