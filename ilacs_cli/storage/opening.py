"""Opening a database file: refusing what cannot be one, creating a new one all or nothing, upgrading an old one
(with a copy kept as it was), and copying one while others write (backup). What the platform keeps about the file
(its owner, group, network shares) is storage/dbfile.py's."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ilacs_cli.errors import IlacsError
from ilacs_cli.storage import dbfile, migrations, sqlite
from ilacs_cli.storage.database import (
    Database,
    WritableDatabase,
    busy_timeout_ms,
    cannot_open,
    user_error,
    writing_failed,
)
from ilacs_cli.storage.health import Health


@dataclass
class Opened:
    """A database just opened, and what opening it did that users should hear of."""

    db: WritableDatabase
    upgrade_backup: Path | None = None  # the copy made before migrating an existing file
    upgrade_notes: list[str] = field(default_factory=list)  # what an upgrade could not do by itself


def _unplaced_owners(db: Database) -> list:
    """Owners that m006 could not place in one authority (their authority is not known)."""
    from ilacs_cli.storage.owners import OwnerRow

    return db.all(
        "SELECT id, authority, name, email, role, NULL, 0 FROM owners WHERE authority IS NULL ORDER BY lower(name)",
        (),
        lambda id, authority, name, email, role, _, __: OwnerRow(id, authority, name, email, role, [], 0),
    )


def open_database(path: Path, *, create: bool = False) -> Opened:
    """Open (and, if asked, create) the database at `path`, upgrading its schema if behind. A file this user
    may only read is opened read-only (as immutable when no one can write it), so reading commands work. A
    PostgreSQL URL (a postgres.Location) is opened on its server."""
    from ilacs_cli.storage.postgres import names_a_server

    if names_a_server(path):
        return open_postgres(path, create=create)
    exists = path.exists()
    _refuse_a_broken_link(path)
    if not exists and not create:
        raise IlacsError(
            f"no database at {path}: create it with `ilacs init --db {path}` (empty) or "
            f"`ilacs seed --db {path}` (the example plans)"
        )
    if not exists and not path.parent.is_dir():
        raise IlacsError(f"folder {path.parent} does not exist: create it or choose another --db path")
    if exists and path.is_dir():
        raise IlacsError(f"{path} is a folder: give the path of a database file, e.g. {path / 'ilacs.db'}")
    if exists and not path.is_file():
        raise IlacsError(f"{path} is not a file (a device or pipe): give the path of a database file")
    if exists and not create and path.stat().st_size == 0:  # SQLite would quietly make it a new database
        raise IlacsError(
            f"{path} is empty (0 bytes), not an ilacs database: nothing was changed; make it one with "
            f"`ilacs init --db {path}`, or restore a backup over it"
        )
    dbfile.refuse_network_share(path)
    unreadable = dbfile.not_readable(path) if exists else None
    if unreadable:
        raise IlacsError(unreadable)
    if not exists:
        _create_private(path)  # SQLite gives the -wal and -shm files the same mode
    timeout = busy_timeout_ms()
    target = str(path)
    try:
        conn = sqlite3.connect(target, isolation_level=None)
        try:  # the first read opens the -wal and -shm files, which need the folder when no one has them open
            conn.execute(sqlite.SCHEMA_OBJECTS).fetchone()
        except sqlite3.OperationalError as error:
            if not (exists and cannot_open(error) and dbfile.nothing_can_write(path)):
                raise
            conn.close()
            target = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
            conn = sqlite3.connect(target, isolation_level=None, uri=True)
        conn.execute(sqlite.busy_timeout(timeout))
        dbfile.keep_group(path)
        opened = _upgrade(WritableDatabase(conn, path, target), exists)
        conn.execute(sqlite.FOREIGN_KEYS_ON)
    except sqlite3.DatabaseError as error:
        raise user_error(error, path) from None
    return opened


def open_postgres(location, *, create: bool = False) -> Opened:
    """Open the ilacs database at a PostgreSQL URL, making its schema in an empty database when `create` (and
    refusing one that holds other tables), upgrading it when behind: all migrations in one transaction, under
    the write lock, looked at again once the lock is held (another PC may be upgrading it at the same moment)."""
    from ilacs_cli.storage import postgres

    busy_timeout_ms()  # a bad setting is refused before the server is asked anything, as for a file
    conn = postgres.Connection(postgres.connect(location.url), location)
    db = WritableDatabase(conn, location, location.url)
    opened = Opened(db)
    try:
        applied = postgres.applied(conn)
        if applied is None:
            others = postgres.other_tables(conn)
            if others:
                raise IlacsError(
                    f"{location} holds other tables ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''}), "
                    "not an ilacs database: give ilacs a database of its own (createdb), or another URL"
                )
            if not create:
                raise IlacsError(f"{location} holds no ilacs database yet: make one with `ilacs init --db {location}`")
            applied = set()
        if newer := sorted(applied - set(migrations.NAMES)):
            db.refusal = (
                f"{location} was changed by a newer version of ilacs ({', '.join(newer)}, a change of its layout "
                "this version does not know): nothing was written; upgrade ilacs (pip install --upgrade ilacs) to "
                "change it; reading it works"
            )
            return opened
        if set(migrations.NAMES) <= applied:
            return opened
        db.begin()
        try:
            applied = postgres.applied(conn) or set()
            pending = [name for name in migrations.NAMES if name not in applied]
            if pending:
                postgres.migrate(conn, migrations.NAMES, pending)
                if applied:
                    opened.upgrade_notes.append(
                        f"upgraded {location} to this version's schema ({', '.join(pending)}); the server's own "
                        "backups (pg_dump) keep it as it was"
                    )
            conn.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise
    except db.errors as error:
        conn.close()
        raise db.user_error(error) from None
    except BaseException:
        conn.close()
        raise
    return opened


@contextmanager
def creating(path: Path, *, group: str | None = None) -> Iterator[Opened]:
    """A new database at `path`, all or nothing: it is set up, and filled by the block, under a temporary name
    in the same folder, and put in place only when all of that succeeded; on any failure nothing is left."""
    import tempfile

    _refuse_a_broken_link(path)
    if not path.parent.is_dir():
        raise IlacsError(f"folder {path.parent} does not exist: create it or choose another --db path")
    dbfile.refuse_network_share(path.parent)
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")  # 0600
        os.close(handle)
    except OSError as error:
        raise IlacsError(
            f"cannot create {path}: {error.strerror}; check the folder's permissions or choose another path"
        ) from None
    temporary, opened = Path(name), None
    try:
        try:
            if group:
                dbfile.share_with_group(temporary, group)
            opened = open_database(temporary, create=True)  # the empty file mkstemp made, made a database
        except IlacsError as error:  # name the file the user asked for, not the temporary one
            raise IlacsError(str(error).replace(str(temporary), str(path)), error.exit_code) from None
        opened.db.path = path  # what messages name
        yield opened
        _settle(opened.db)
        _put_in_place(temporary, path)
    finally:
        if opened is not None:
            opened.db.conn.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)


def _refuse_a_broken_link(path: Path) -> None:
    """A --db that is a link to nothing: a new database would replace the link, not be made where it points."""
    if path.is_symlink() and not path.exists():
        raise IlacsError(
            f"{path} is a link to {os.readlink(path)}, which does not exist: give the database's own path with --db, "
            "or remove the link"
        )


def _settle(db: Database) -> None:
    """Copy the write-ahead log into the file and close it, so that the file alone is the whole database."""
    try:
        busy, logged, copied = db.conn.execute(sqlite.CHECKPOINT).fetchone()
        if busy or logged != copied:
            raise IlacsError(
                f"cannot finish {db.path}: its log could not be written into it; nothing was "
                "written: free some space and try again"
            )
        db.conn.close()
    except sqlite3.DatabaseError as error:
        raise user_error(error, db.path) from None
    log = Path(f"{db.file}-wal")
    if log.exists() and log.stat().st_size:
        raise IlacsError(
            f"cannot finish {db.path}: its log could not be written into it; nothing was "
            "written: free some space and try again"
        )


def _applied(db: Database) -> set[str] | None:
    """The migrations this file has had; None when it has no record of any (new, or not ilacs's)."""
    try:
        return {row[0] for row in db.conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'ilacs'")}
    except sqlite3.OperationalError:
        return None


def _upgrade(db: WritableDatabase, existed: bool) -> Opened:
    """Apply the migrations this file lacks, all or none, keeping a copy of an existing file as it was."""
    opened = Opened(db)
    applied = _applied(db)
    if applied is None:
        if existed and db.conn.execute(sqlite.SCHEMA_OBJECTS).fetchone()[0]:
            raise IlacsError(f"{db.path} is not an ilacs database: choose another --db path") from None
        applied = set()
    if not applied:  # new, or created but never set up (a run killed early): WAL from the start
        db.conn.execute(sqlite.WAL)
    if newer := sorted(applied - set(migrations.NAMES)):
        db.refusal = (
            f"{db.path} was changed by a newer version of ilacs ({', '.join(newer)}, a change of its layout this "
            "version does not know): nothing was written; upgrade ilacs (pip install --upgrade ilacs) to change "
            "it; reading it works"
        )
        return opened  # never migrated backwards or forwards by a version that does not know what it holds
    if set(migrations.NAMES) <= applied:
        return opened
    # Another process may be upgrading this file at the same moment (cron, and an officer after installing a
    # new version): take the write lock, then look again under it. All migrations land together or none do.
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        raise user_error(error, db.path) from None
    try:
        applied = _applied(db) or set()
        pending = [name for name in migrations.NAMES if name not in applied]
        if pending and applied:  # an existing database is behind: keep a copy of it as it was
            stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
            opened.upgrade_backup = db.path.with_name(f"{db.path.name}.before-{pending[0]}-{stamp}.bak")
            backup(db, opened.upgrade_backup)
        if pending:
            # Foreign keys are off while tables are rebuilt (SQLite's way to change a table), then checked.
            migrations.apply(db.conn)
            problems = Health(db).foreign_key_problems()
            if problems:
                raise IlacsError(
                    f"upgrading {db.path} left {len(problems)} broken references (first: "
                    f"{problems[0].table} row {problems[0].rowid}): restore {opened.upgrade_backup}"
                )
        if applied and migrations.M006 in pending:
            opened.upgrade_notes += [
                f"owner '{owner.name}' owns actions in no single authority: place them with "
                f'`ilacs owner set "{owner.name}" --move-to AUTHORITY`'
                for owner in _unplaced_owners(db)
            ]
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
    return opened


def backup(db: Database, target: Path) -> None:
    """Copy the database to `target` (mode 0600, or 0660 for a group's database) with SQLite's online backup,
    safe while others write."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        _create_private(temporary)
        dbfile.match_database(temporary, db.file.stat())
        # Read through a connection of its own: this one may hold the write lock (an upgrade takes it first),
        # and SQLite's backup would wait on it for ever.
        source = sqlite3.connect(db.target, uri=db.target.startswith("file:"))
        try:
            with sqlite3.connect(temporary) as copy:
                source.backup(copy)
            copy.close()
        finally:
            source.close()
        os.replace(temporary, target)
    except (sqlite3.DatabaseError, OSError) as error:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
        if isinstance(error, sqlite3.DatabaseError) and not writing_failed(error):
            raise user_error(error, db.path) from None
        reason = (
            "the disk holding it is full"
            if dbfile.disk_full(target.parent)
            else getattr(error, "strerror", None) or str(error)
        )
        raise IlacsError(
            f"cannot write the backup {target}: {reason}; free some space there or choose another path"
        ) from None


def dump_to(data: dict, target: Path) -> None:
    """Write a database's tables (TableReads.dump) as JSON to `target` (0600), whole or not at all: a PostgreSQL
    database's backup, restorable into either backend with `ilacs import`."""
    import json

    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create_private(temporary)
        temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        reason = "the disk holding it is full" if dbfile.disk_full(target.parent) else error.strerror or str(error)
        raise IlacsError(
            f"cannot write the backup {target}: {reason}; free some space there or choose another path"
        ) from None


def _put_in_place(temporary: Path, path: Path) -> None:
    """Give the finished file its name, never over a file another program made meanwhile."""
    taken = f"{path} was made by another program while this one was making it: nothing was written; run it again"
    problem = None
    try:
        os.link(temporary, path)
    except FileExistsError:
        problem = taken
    except OSError:  # no hard links on this file system: a rename (which Windows never lets replace a file)
        if path.exists():
            problem = taken
        else:
            try:
                os.rename(temporary, path)
            except OSError as error:
                problem = f"cannot create {path}: {error.strerror}; free some space or choose another path"
    if problem:
        raise IlacsError(problem)


def _create_private(path: Path) -> None:
    """Create an empty file readable and writable by its owner only."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise IlacsError(
            f"cannot create {path}: {error.strerror}; check the folder's permissions or choose another path"
        ) from None


def default_path() -> Path:
    """The database in the platform's user data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("ilacs", appauthor=False)) / "ilacs.db"


def peek_inspection_ids(path: Path) -> list[str]:
    """The inspection ids in the database at `path`, read-only (no creating, seeding or upgrading); none when it
    cannot be read. For the shell's completion, which must be quick and never fail."""
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5) as conn:
            ids = [row[0] for row in conn.execute("SELECT id FROM inspections ORDER BY id")]
        conn.close()
    except (sqlite3.Error, OSError, ValueError):
        return []
    return [item for item in ids if isinstance(item, str)]
