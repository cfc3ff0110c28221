"""The connection to the database: reads that return typed rows, and the one way to write, a transaction that
lands whole or not at all and records the command that made it (a batch: who, when, what, why).

Every SQLite error that reaches a user is turned into one line here (user_error): locked, full, damaged,
read-only, not a database.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

from ilacs_cli.errors import IlacsError
from ilacs_cli.storage import dbfile
from ilacs_cli.storage import sqlite as dialect


class BatchRow:
    """One command that changed the plan: who ran it, when, what it was, why, and what it undoes (set by undo once
    it knows; so not a named tuple)."""

    __slots__ = ("id", "at", "author", "origin", "command", "note", "undoes")

    def __init__(
        self, id: str, at: str, author: str | None, origin: str, command: str, note: str | None, undoes: str | None
    ):
        self.id, self.at, self.author, self.origin = id, at, author, origin
        self.command, self.note, self.undoes = command, note, undoes

    def row(self) -> tuple:
        return (self.id, self.at, self.author, self.origin, self.command, self.note, self.undoes)


class Database:
    """An open connection that reads: every query's rows, typed when a row type is given."""

    def __init__(self, conn: Any, path: Path, target: str | None = None):
        self.conn = conn  # a sqlite3 connection, or storage/postgres.py's Connection (used the same way)
        self.path = path  # the database as users name it (a postgres.Location for a server's)
        self.file = path  # the file open (a temporary one while a new database is made)
        self.target = target or str(path)  # what sqlite3.connect was given (a read-only URI, or the path)
        self.postgres = not isinstance(conn, sqlite3.Connection)
        if self.postgres:
            from ilacs_cli.storage import postgres

            self.dialect: Any = postgres
            self.errors: tuple[type[BaseException], ...] = postgres.errors()
        else:
            self.dialect, self.errors = dialect, (sqlite3.DatabaseError,)

    def user_error(self, error: BaseException) -> IlacsError:
        """One line for a failure of this database's engine."""
        if self.postgres:
            return self.dialect.user_error(error, self.path)
        assert isinstance(error, sqlite3.DatabaseError)
        return user_error(error, self.path)

    def rows(self, sql: str, params: tuple | dict = (), record: Callable[..., Any] | None = None) -> Iterator:
        """The rows of a query as `record`s (else tuples), fetched as they are consumed."""
        try:
            cursor = self.conn.cursor()
            if record is not None:
                cursor.row_factory = lambda _, row: record(*row)
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(1000):
                yield from rows
        except self.errors as error:
            raise self.user_error(error) from None
        except OverflowError:  # a number typed beyond SQLite's 64-bit integers
            raise IlacsError("a number given is too large: use one that makes sense here", 2) from None

    def all(self, sql: str, params: tuple | dict = (), record: Callable[..., Any] | None = None) -> list:
        return list(self.rows(sql, params, record))

    def value(self, sql: str, params: tuple | dict = ()):
        rows = self.all(sql, params)
        return rows[0][0] if rows else None

    def close(self) -> None:
        self.conn.close()


class WritableDatabase(Database):
    """An open connection that also writes, each write inside `transaction()`."""

    def __init__(self, conn: Any, path: Path, target: str | None = None):
        super().__init__(conn, path, target)
        self._recorded_batches: set[str] = set()
        self.refusal: str | None = None  # why this file may be read but not written (a newer ilacs made it)
        self._sound = False  # the file passed SQLite's quick check, before this connection's first write

    @contextmanager
    def transaction(
        self,
        origin: str = "command",
        *,
        command: str | None = None,
        author: str | None = None,
        note: str | None = None,
        undoes: str | None = None,
        dry_run: bool = False,
    ) -> Iterator[BatchRow]:
        """One write transaction: all of it lands or none of it does.

        With `command`, it is recorded as a batch (who, when, what, why, what it undoes) when it first writes:
        every status update and change carries the batch's id, origin and author. Without, it writes no history
        (the sent-mail log). With `dry_run`, it is rolled back at the end of the block, whatever it did.
        """
        self.refuse_unless_writable()  # before the write lock: other writers do not wait on the check
        self.begin()
        import uuid

        batch = BatchRow(uuid.uuid4().hex, now(), author, origin, command or "", note, undoes)
        token = _batch.set(batch)
        try:
            yield batch
        except self.errors as error:  # e.g. a CHECK constraint: the schema refused what was asked
            self.rollback()
            raise self.user_error(error) from None
        except BaseException:
            self.rollback()
            raise
        finally:
            _batch.reset(token)
        if dry_run:  # the same work, under the same lock, and none of it kept
            self.rollback()
            return
        try:
            self.conn.execute("COMMIT")
        except self.errors as error:
            self.rollback()
            raise self.user_error(error) from None

    def begin(self) -> None:
        """Start a write transaction holding the database's write lock: SQLite's BEGIN IMMEDIATE, or on PostgreSQL
        the advisory lock every ilacs writer takes (storage/postgres.py)."""
        try:
            if self.postgres:
                self.conn.begin(busy_timeout_ms())
            else:
                self.conn.execute("BEGIN IMMEDIATE")
        except self.errors as error:
            self.rollback()
            raise self.user_error(error) from None

    def refuse_unless_writable(self) -> None:
        """Refuse to write to a file a newer ilacs made, or one that fails SQLite's quick check or lacks part of
        the schema (pages overwritten, a table gone): a write that happens not to touch the damage would succeed
        and bury it. Checked once a connection; measured: about 140 ms more for a write to every council's plans
        (52 MB), and 7 ms for the five example plans (1 MB)."""
        if self.refusal:
            raise IlacsError(self.refusal, 1)
        if self._sound:
            return
        fault = damage(self) if not self.postgres else missing_text(self)
        if fault is not None:
            raise IlacsError(
                f"{self.path} is damaged ({fault}): nothing was written; run `ilacs check`, and restore a backup"
            )
        self._sound = True

    def rollback(self) -> None:
        try:
            if self.conn.in_transaction:  # SQLite may have rolled back already (e.g. on a full disk)
                self.conn.execute("ROLLBACK")
        except self.errors:  # a server gone: it rolls back itself
            if not self.postgres:
                raise

    def write(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        if not self.conn.in_transaction:
            raise RuntimeError("a write outside WritableDatabase.transaction()")
        try:
            return self.conn.execute(sql, params)
        except self.errors as error:
            if not self.postgres:
                raise  # the transaction turns it into one line, with SQLite's own cases
            raise self.user_error(error) from None
        except OverflowError:
            raise IlacsError("a number given is too large: use one that makes sense here", 2) from None

    def insert(self, sql: str, params: tuple | dict = ()) -> int | None:
        """Run an INSERT of one row; the id it was given, or None when it inserted none (ON CONFLICT DO NOTHING).
        RETURNING, not sqlite3's lastrowid: the same text on both backends (SQLite 3.35 and later)."""
        row = self.write(f"{sql} RETURNING id", params).fetchone()
        return None if row is None else row[0]

    def current_batch(self) -> BatchRow:
        """This transaction's batch, written to the batches table before the first row that points to it."""
        batch = _batch.get()
        if batch is None or not self.conn.in_transaction:
            raise RuntimeError("a write outside WritableDatabase.transaction()")
        if not batch.command:
            raise RuntimeError("history written by a transaction that names no command")
        if batch.id not in self._recorded_batches:
            self.write(
                "INSERT INTO batches (id, at, author, origin, command, note, undoes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                batch.row(),
            )
            self._recorded_batches.add(batch.id)
        return batch


_batch: contextvars.ContextVar[BatchRow | None] = contextvars.ContextVar("ilacs_batch", default=None)


def busy_timeout_ms() -> int:
    """How long a write waits for another's lock: ILACS_BUSY_TIMEOUT_MS (5000 by default), checked."""
    text = os.environ.get("ILACS_BUSY_TIMEOUT_MS", "5000")
    if not (text.isascii() and text.isdigit()) or int(text) > 2**31 - 1:
        raise IlacsError(
            f"ILACS_BUSY_TIMEOUT_MS='{text}' is not a number of milliseconds: set it to e.g. 5000, or unset it", 2
        )
    return int(text)


def now() -> str:
    """Now in England with its offset: how times are stored (dates.now_in_england)."""
    from ilacs_cli.dates.days import now_in_england

    return now_in_england()


def utc_now() -> str:
    """Now in UTC, to the second, as ISO text: how claims are stamped (only their age matters). Every other time is
    stored as England's local time (now)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def damage(db: Database) -> str | None:
    """What SQLite's quick check finds first wrong with the file, else what of the schema it lacks (missing_schema),
    or None when it finds nothing. Run on a read-only
    connection of its own: on this machine 143 ms for a 52 MB database, against about 1 s on a connection that
    may write."""
    try:
        if db.target.startswith("file:"):  # opened read-only already (a file no one may write)
            found = db.conn.execute(dialect.QUICK_CHECK).fetchone()[0]
        else:
            reader = sqlite3.connect(f"{Path(db.target).resolve().as_uri()}?mode=ro", uri=True)
            try:
                found = reader.execute(dialect.QUICK_CHECK).fetchone()[0]
            finally:
                reader.close()
    except sqlite3.DatabaseError as error:
        return str(error)
    if found != "ok":
        return " ".join(str(found).replace("*** in database main ***", "").split())[:120]
    return missing_text(db)


def missing_text(db: Database) -> str | None:
    """What of the schema the database lacks, in a few words; None when nothing."""
    missing = missing_schema(db)
    return f"{', '.join(missing[:3])} missing" if missing else None


def missing_schema(db: Database) -> list[str]:
    """What the migrations make that the database lacks ('table removals', 'column actions.measure', 'trigger
    ...'), when it has every migration this version knows (an older one is upgraded first, a newer one is refused).
    On PostgreSQL the views are not looked for: they are SQLite's only (storage/postgres_schema.py)."""
    from ilacs_cli.storage.migrations import MADE_OBJECTS, MADE_TABLES, NAMES

    migrations_table = "ilacs_migrations" if db.postgres else "_sqlite_migrations"
    try:
        applied = [row[0] for row in db.conn.execute(f"SELECT name FROM {migrations_table}")]
        if sorted(applied) != sorted(NAMES):
            return []
        found: dict[str, set[str]] = {}
        for kind, name, column in db.conn.execute(db.dialect.SCHEMA_MADE):
            found.setdefault(kind, set()).add(name)
            found.setdefault(f"column {name}", set()).add(column)
    except db.errors as error:
        return [str(error).strip().splitlines()[0]]
    if db.postgres:
        found["view"] = set(MADE_OBJECTS["view"])
    missing = [f"table {table}" for table in MADE_TABLES if table not in found.get("table", set())]
    missing += [
        f"column {table}.{column}"
        for table, columns in MADE_TABLES.items()
        if table in found.get("table", set())
        for column in columns
        if column not in found[f"column {table}"]
    ]
    return missing + [
        f"{kind} {name}" for kind, names in MADE_OBJECTS.items() for name in names if name not in found.get(kind, set())
    ]


def cannot_open(error: sqlite3.DatabaseError) -> bool:
    """SQLite could not open the file, or the -wal and -shm files it needs beside it."""
    name = getattr(error, "sqlite_errorname", "")
    return name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM")) or "unable to open" in str(error)


def writing_failed(error: sqlite3.DatabaseError) -> bool:
    """SQLite could not write a file (full, an I/O error, not allowed), as opposed to reading a bad or busy one."""
    return getattr(error, "sqlite_errorname", "").startswith(("SQLITE_FULL", "SQLITE_IOERR")) or cannot_open(error)


def user_error(error: sqlite3.DatabaseError, path: Path) -> IlacsError:
    text = str(error)
    name = getattr(error, "sqlite_errorname", "")
    if "locked" in text or "busy" in text:
        return IlacsError(f"{path} is locked by another program: wait for it to finish, then try again")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return IlacsError(
            f"{path} is not a readable ilacs database (corrupt?): `ilacs check` says what is wrong; restore a backup "
            "or choose another --db path"
        )
    if text.startswith(("no such table", "no such column")):
        return IlacsError(
            f"{path} lacks part of its schema ({text}): it was damaged or changed outside ilacs; `ilacs check` says "
            "what is missing; restore a backup"
        )
    # A full disk shows as "disk I/O error" too when SQLite fails to grow the -shm file or a write comes up short.
    if name == "SQLITE_FULL" or "full" in text or (name.startswith("SQLITE_IOERR") and dbfile.disk_full(path)):
        return IlacsError(f"the disk holding {path} is full: nothing was written; free some space and try again")
    if name == "SQLITE_READONLY_DIRECTORY":
        return IlacsError(dbfile.wal_needs_folder(path))
    if "readonly" in text or name.startswith("SQLITE_READONLY"):
        return IlacsError(dbfile.not_writable(path))
    if cannot_open(error):
        return IlacsError(dbfile.not_readable(path) or dbfile.wal_needs_folder(path))
    return IlacsError(f"database problem in {path}: {text}")


class Repository:
    """A group of tables read through one open database (the live one, or the plan as of a past day)."""

    def __init__(self, db: Database):
        self.db = db
        self._rows, self._all, self._value = db.rows, db.all, db.value


class WritingRepository(Repository):
    """A group of tables that is also written, each write inside the database's transaction."""

    db: WritableDatabase

    def __init__(self, db: WritableDatabase):
        super().__init__(db)


T = TypeVar("T")


class Lazy(Generic[T]):
    """A repository built on first use, from a module imported only then: a command loads the tables it reads."""

    def __init__(self, module: str, name: str):
        self.module, self.name = f"ilacs_cli.storage.{module}", name

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    def __get__(self, holder: Any, owner: type | None = None) -> T:
        import importlib

        repository = getattr(importlib.import_module(self.module), self.name)(holder.db)
        holder.__dict__[self.attribute] = repository  # the next read finds it without coming here
        return repository
