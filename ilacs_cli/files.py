"""Writing output files safely: readable by their owner only, all or nothing, never over a file by surprise."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ilacs_cli.errors import IlacsError


def check_target(path: Path, *, force: bool = False) -> None:
    """Refuse a path whose folder is missing, or an existing file unless `force`."""
    try:
        exists, folder = path.exists(), path.parent.is_dir()
    except OSError as error:  # e.g. a name longer than the file system allows
        raise IlacsError(f"cannot use the path {str(path)[:80]}: {error.strerror}; choose another path") from None
    if exists and not force:
        raise IlacsError(f"{path} already exists: choose another path, or add --force to replace it")
    if not folder:
        raise IlacsError(f"folder {path.parent} does not exist: create it or choose another path")


def write_output(path: Path | None, data: bytes | str, *, force: bool = False) -> None:
    """Write `data` to `path` (stdout when None or '-') atomically, mode 0600; refuse to replace a file unless `force`."""
    with output(path, force=force) as stream:
        stream.write(data.encode("utf-8") if isinstance(data, str) else data)


@contextmanager
def output(path: Path | None, *, force: bool = False) -> Iterator[BinaryIO]:
    """A binary stream to `path` (stdout when None or '-'), for output written piece by piece.

    A file is written beside its target with mode 0600 and renamed into place only when the block succeeds, so
    the target is whole or untouched; an existing file is replaced only with `force`.
    """
    if path is None or str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    check_target(path, force=force)
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
