"""The storage layer: where the database is, opening it, migrations, transactions, queries.

The only module that knows the schema. Reads use the standard sqlite3 module; sqlite-utils
is imported only to create or migrate a database.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ilacs_cli import migrations
from ilacs_cli.errors import IlacsError

OPEN_STATUSES = ("not-started", "in-progress", "blocked")
# Every table a whole-database export holds, parents before children (the calendar is rebuilt, not exported).
EXPORT_TABLES = ("inspections", "judgements", "areas", "deadlines", "owners", "coordinators", "actions",
                 "status_updates", "reminders_sent")
_OPEN = migrations.sql_list(OPEN_STATUSES)
STATUS_COUNT_COLUMNS = {status: status.replace("-", "_") for status in migrations.STATUSES}  # action_counts
_INSPECTION_ORDER = "coalesce(i.fieldwork_start, i.published, i.id)"
# Actions (each carrying its latest update: updated_at, updated_by, update_note) with what every reader shows:
# area, authority, the working-day number of the due date, the owner's registered name and address.
_ACTIONS = """SELECT a.*, ar.number AS area_number, ar.title AS area_title, i.authority,
                c_due.number AS due_number, o.name AS owner_name, o.email AS owner_email
              FROM actions a JOIN inspections i ON i.id = a.inspection_id
              LEFT JOIN areas ar ON ar.id = a.area_id
              LEFT JOIN calendar c_due ON c_due.day = a.due
              LEFT JOIN owners o ON o.name = a.owner"""


def default_path() -> Path:
    """The database in the platform's user data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("ilacs", appauthor=False)) / "ilacs.db"


class Store:
    """An open ilacs database."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self.upgrade_backup: Path | None = None  # the copy made before migrating an existing file

    # -- opening ---------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> "Store":
        """Open (and, if asked, create) the database at `path`, upgrading its schema if behind."""
        exists = path.exists()
        if not exists and not create:
            raise IlacsError(f"no database at {path}: create it with `ilacs seed --db {path}`")
        if not exists and not path.parent.is_dir():
            raise IlacsError(f"folder {path.parent} does not exist: create it or choose another --db path")
        if not exists:
            _create_private(path)  # SQLite gives the -wal and -shm files the same mode
        try:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.row_factory = sqlite3.Row
            timeout = int(os.environ.get("ILACS_BUSY_TIMEOUT_MS", "5000"))
            conn.execute(f"PRAGMA busy_timeout = {timeout}")
            conn.execute("PRAGMA foreign_keys = ON")
            store = cls(conn, path)
            store._upgrade(exists)
        except sqlite3.DatabaseError as error:
            raise _user_error(error, path) from None
        return store

    def _upgrade(self, existed: bool) -> None:
        try:
            applied = {row[0] for row in self.conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'ilacs'")}
        except sqlite3.OperationalError:
            if existed and self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise IlacsError(f"{self.path} is not an ilacs database: choose another --db path") from None
            applied = set()
        pending = [name for name in migrations.NAMES if name not in applied]
        if not applied:  # new, or created but never set up (a run killed early): WAL from the start
            self.conn.execute("PRAGMA journal_mode = WAL")
        if pending and applied:  # an existing database is behind: keep a copy of it as it was
            stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
            self.upgrade_backup = self.path.with_name(f"{self.path.name}.before-{pending[0]}-{stamp}.bak")
            self.backup(self.upgrade_backup)
        if pending:
            migrations.apply(self.conn)

    def close(self) -> None:
        self.conn.close()

    def remove(self) -> None:
        """Close and delete this database file (and its WAL files): for a creation that failed."""
        self.conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def backup(self, target: Path) -> None:
        """Copy the database to `target` (mode 0600) with SQLite's online backup, safe while others write."""
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            _create_private(temporary)
            with sqlite3.connect(temporary) as copy:
                self.conn.backup(copy)
            copy.close()
            os.replace(temporary, target)
        except (sqlite3.DatabaseError, OSError) as error:
            temporary.unlink(missing_ok=True)
            if isinstance(error, sqlite3.DatabaseError):
                raise _user_error(error, self.path) from None
            raise IlacsError(f"cannot write the backup {target}: {error.strerror}; choose another path") from None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands or none of it does. Status updates it adds share one batch id."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise _user_error(error, self.path) from None
        import uuid

        token = _batch.set(uuid.uuid4().hex)
        try:
            yield self.conn
        except sqlite3.DatabaseError as error:  # e.g. a CHECK constraint: the schema refused what was asked
            self._rollback()
            raise _user_error(error, self.path) from None
        except BaseException:
            self._rollback()
            raise
        finally:
            _batch.reset(token)
        try:
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            self._rollback()
            raise _user_error(error, self.path) from None

    def _rollback(self) -> None:
        if self.conn.in_transaction:  # SQLite may have rolled back already (e.g. on a full disk)
            self.conn.execute("ROLLBACK")

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return list(self.stream(sql, params))

    def stream(self, sql: str, params: tuple | dict = ()) -> Iterator[sqlite3.Row]:
        """The rows of a query, fetched as they are consumed (for results too big to hold at once)."""
        try:
            cursor = self.conn.execute(sql, params)
            while rows := cursor.fetchmany(1000):
                yield from rows
        except sqlite3.DatabaseError as error:
            raise _user_error(error, self.path) from None
        except OverflowError:  # a number typed beyond SQLite's 64-bit integers
            raise IlacsError("a number given is too large: use one that makes sense here", 2) from None

    # -- working days (numbers kept in the calendar table) ---------------------

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The working day `count` working days after `start` (day zero is `start` itself)."""
        row = self.query(
            "SELECT min(day) FROM calendar WHERE working = 1 AND number = "
            "(SELECT number FROM calendar WHERE day = ?) + ?", (start.isoformat(), count))
        if row[0][0] is None:
            raise IlacsError(f"{start} + {count} working days is outside the calendar (2000 to 2060)", 2)
        return dt.date.fromisoformat(row[0][0])

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`."""
        rows = self.query("SELECT (SELECT number FROM calendar WHERE day = ?) - "
                          "(SELECT number FROM calendar WHERE day = ?)", (end.isoformat(), start.isoformat()))
        if rows[0][0] is None:
            raise IlacsError("date outside the calendar (2000 to 2060)", 2)
        return rows[0][0]

    # -- inspections -----------------------------------------------------------

    def inspection(self, inspection_id: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM inspections WHERE id = ?", (inspection_id,))
        return rows[0] if rows else None

    def inspections(self, inspection: str | None = None) -> list[sqlite3.Row]:
        """Inspections (all, or the one named), oldest first."""
        return self.query(f"SELECT * FROM inspections i WHERE :inspection IS NULL OR i.id = :inspection "
                          f"ORDER BY {_INSPECTION_ORDER}", {"inspection": inspection})

    def inspection_ids(self) -> list[str]:
        return [row[0] for row in self.query("SELECT id FROM inspections ORDER BY id")]

    def inspection_summaries(self, as_of: dt.date, inspection: str | None = None) -> list[sqlite3.Row]:
        """Inspections (all, or the one named) with their overall grade, next open deadline and action counts."""
        return self.query(
            f"""
            SELECT i.*, j.grade AS overall,
              (SELECT d.id FROM deadlines d WHERE d.inspection_id = i.id AND d.status = 'open'
                 AND d.due IS NOT NULL ORDER BY d.due LIMIT 1) AS next_deadline_id,
              (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id
                 AND a.status IN {_OPEN}) AS actions_open,
              (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id
                 AND a.status IN {_OPEN} AND a.due < :as_of) AS actions_overdue,
              (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND a.status = 'done') AS actions_done
            FROM inspections i LEFT JOIN judgements j ON j.inspection_id = i.id AND j.area = 'overall'
            WHERE :inspection IS NULL OR i.id = :inspection
            ORDER BY {_INSPECTION_ORDER}
            """, {"as_of": as_of.isoformat(), "inspection": inspection})

    def judgements(self, inspection_id: str) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM judgements WHERE inspection_id = ?", (inspection_id,))

    def areas(self, inspection_id: str | None) -> list[sqlite3.Row]:
        """Areas for improvement of one inspection (or of all, by inspection), by number."""
        return self.query("SELECT * FROM areas WHERE :inspection IS NULL OR inspection_id = :inspection "
                          "ORDER BY inspection_id, number", {"inspection": inspection_id})

    def area_id(self, inspection_id: str, number: int) -> int | None:
        rows = self.query("SELECT id FROM areas WHERE inspection_id = ? AND number = ?", (inspection_id, number))
        return rows[0][0] if rows else None

    def deadlines(self, *, id: int | None = None, inspection: str | None = None, open_only: bool = False,
                  due_before: dt.date | None = None, due_from: dt.date | None = None,
                  due_to: dt.date | None = None) -> list[sqlite3.Row]:
        """Deadlines matching every filter given, earliest first (unknown dates last)."""
        where, params = _filters({
            "d.id = :id": id, "d.inspection_id = :inspection": inspection,
            "d.status = 'open'": open_only or None, "d.due < :due_before": due_before,
            "d.due >= :due_from": due_from, "d.due <= :due_to": due_to})
        return self.query(
            f"""SELECT d.*, i.authority, i.published, i.fieldwork_end,
                  c_due.number AS due_number
                FROM deadlines d JOIN inspections i ON i.id = d.inspection_id
                LEFT JOIN calendar c_due ON c_due.day = d.due
                WHERE {where} ORDER BY d.due IS NULL, d.due, d.id""", params)

    # -- actions ---------------------------------------------------------------

    def actions(self, *, id: int | None = None, inspection: str | None = None, owner: str | None = None,
                status: str | None = None, area: int | None = None, open_only: bool = False,
                due_before: dt.date | None = None, due_from: dt.date | None = None,
                due_to: dt.date | None = None) -> list[sqlite3.Row]:
        """Actions matching every filter given, earliest due first (no due date last)."""
        where, params = _filters({
            "a.id = :id": id, "a.inspection_id = :inspection": inspection,
            "a.owner = :owner COLLATE NOCASE": owner, "a.status = :status": status, "ar.number = :area": area,
            f"a.status IN {_OPEN}": open_only or None, "a.due < :due_before": due_before,
            "a.due >= :due_from": due_from, "a.due <= :due_to": due_to})
        return self.query(f"{_ACTIONS} WHERE {where} ORDER BY a.due IS NULL, a.due, a.id", params)

    def plan_actions(self, inspection: str | None = None) -> Iterator[sqlite3.Row]:
        """Every action (of one inspection, or all) as a plan lists them: by inspection, area, due date; streamed."""
        return self.stream(f"""{_ACTIONS} WHERE :inspection IS NULL OR a.inspection_id = :inspection
                               ORDER BY a.inspection_id, ar.number IS NULL, ar.number, a.due IS NULL, a.due, a.id""",
                           {"inspection": inspection})

    def action_counts(self, as_of: dt.date, inspection: str | None = None) -> list[sqlite3.Row]:
        """Per inspection and area id (None: no area): how many actions have each status, and how many are overdue.

        Columns: inspection_id, area_id, one per status (named in STATUS_COUNT_COLUMNS), overdue.
        """
        by_status = ", ".join(f"sum(a.status = '{status}') AS {column}"
                              for status, column in STATUS_COUNT_COLUMNS.items())
        return self.query(
            f"""SELECT a.inspection_id, a.area_id, {by_status},
                  sum(a.status IN {_OPEN} AND a.due < :as_of) AS overdue
                FROM actions a WHERE :inspection IS NULL OR a.inspection_id = :inspection
                GROUP BY a.inspection_id, a.area_id""",
            {"as_of": as_of.isoformat(), "inspection": inspection})

    def day_number(self, day: dt.date) -> int:
        rows = self.query("SELECT number FROM calendar WHERE day = ?", (day.isoformat(),))
        if not rows:
            raise IlacsError(f"{day} is outside the calendar (2000 to 2060)", 2)
        return rows[0][0]

    def status_updates(self, action_id: int) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM status_updates WHERE action_id = ? ORDER BY id", (action_id,))

    def table_rows(self, table: str) -> list[sqlite3.Row]:
        """Every row of one exported table, in id order."""
        if table not in EXPORT_TABLES:
            raise ValueError(table)
        return self.query(f"SELECT * FROM {table} ORDER BY rowid")

    def status_update_counts(self, inspection: str | None = None) -> dict[int, int]:
        """How many status updates each action has (of one inspection, or all), by action id."""
        rows = self.query(
            """SELECT s.action_id, count(*) FROM status_updates s JOIN actions a ON a.id = s.action_id
               WHERE :inspection IS NULL OR a.inspection_id = :inspection GROUP BY s.action_id""",
            {"inspection": inspection})
        return {row[0]: row[1] for row in rows}

    def status_updates_between(self, inspection: str, since: dt.date, until: dt.date) -> list[sqlite3.Row]:
        """Status updates of one inspection's actions recorded from `since` to `until` (whole days), oldest first."""
        return self.query(
            """SELECT s.*, a.title AS action_title, ar.number AS area_number
               FROM status_updates s JOIN actions a ON a.id = s.action_id
               LEFT JOIN areas ar ON ar.id = a.area_id
               WHERE a.inspection_id = :inspection AND s.at >= :since AND s.at < :until
               ORDER BY s.at, s.id""",
            {"inspection": inspection, "since": since.isoformat(),
             "until": (until + dt.timedelta(days=1)).isoformat()})

    # -- history and health ----------------------------------------------------

    def last_command_updates(self) -> list[sqlite3.Row]:
        """The status updates of the latest command (not a seed load) not yet undone, newest first, with titles."""
        # Seed loads are not undone: re-seeding would not bring the actions back.
        not_undone = ("s.undoes IS NULL AND NOT EXISTS (SELECT 1 FROM status_updates u WHERE u.undoes = s.id) "
                      "AND coalesce(s.author, '') NOT LIKE 'seed: %'")
        latest = self.query(f"SELECT s.id, s.batch FROM status_updates s WHERE {not_undone} ORDER BY s.id DESC LIMIT 1")
        if not latest:
            return []
        return self.query(
            f"""SELECT s.*, a.title, a.status AS current_status, a.due AS current_due
                FROM status_updates s JOIN actions a ON a.id = s.action_id
                WHERE {not_undone} AND (s.id = :id OR (:batch IS NOT NULL AND s.batch = :batch))
                ORDER BY s.id DESC""", {"id": latest[0]["id"], "batch": latest[0]["batch"]})

    def integrity_problems(self) -> list[str]:
        """What SQLite's integrity check finds wrong with the file (nothing when it is sound)."""
        return [row[0] for row in self.query("PRAGMA integrity_check") if row[0] != "ok"]

    def foreign_key_problems(self) -> list[sqlite3.Row]:
        return self.query("PRAGMA foreign_key_check")

    def actions_out_of_step(self) -> list[sqlite3.Row]:
        """Actions whose status, or the latest update they carry, is not their latest update's; or with no update."""
        return self.query(
            """SELECT a.id, a.status, s.new_status FROM actions a
               LEFT JOIN status_updates s ON s.id = (SELECT max(id) FROM status_updates WHERE action_id = a.id)
               WHERE s.id IS NULL OR s.new_status <> a.status OR s.at IS NOT a.updated_at
                  OR s.author IS NOT a.updated_by OR s.note IS NOT a.update_note ORDER BY a.id""")

    def calendar_shape(self) -> sqlite3.Row:
        """Days held, first and last day, and how many days are numbered out of step with the working days."""
        return self.query(
            """SELECT count(*) AS days, min(day) AS first, max(day) AS last,
                 (SELECT count(*) FROM calendar c JOIN calendar p ON p.day = date(c.day, '-1 day')
                  WHERE c.number <> p.number + c.working) AS misnumbered FROM calendar""")[0]

    def schema_objects(self) -> set[str]:
        return {row[0] for row in self.query("SELECT name FROM sqlite_master")}

    def applied_migrations(self) -> list[str]:
        return [row[0] for row in self.query(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'ilacs' ORDER BY applied_at, name")]

    def is_working_day(self, day: dt.date) -> bool:
        rows = self.query("SELECT working FROM calendar WHERE day = ?", (day.isoformat(),))
        if not rows:
            raise IlacsError(f"{day} is outside the calendar (2000 to 2060)", 2)
        return bool(rows[0][0])

    # -- owners and reminders --------------------------------------------------

    def owners(self, name: str | None = None) -> list[sqlite3.Row]:
        """Registered owners (all, or the one named, ignoring case) with the inspections they coordinate."""
        return self.query(
            f"""SELECT o.*,
                  (SELECT group_concat(inspection_id, ' ') FROM
                     (SELECT inspection_id FROM coordinators c WHERE c.owner_id = o.id ORDER BY inspection_id))
                    AS coordinates,
                  (SELECT count(*) FROM actions a WHERE a.owner = o.name COLLATE NOCASE AND a.status IN {_OPEN}) AS actions_open
                FROM owners o WHERE :name IS NULL OR o.name = :name ORDER BY o.name""", {"name": name})

    def unregistered_owners(self) -> list[sqlite3.Row]:
        """Owner names written on actions that are not registered owners, with their open action counts."""
        return self.query(
            f"""SELECT a.owner AS name, sum(a.status IN {_OPEN}) AS actions_open FROM actions a
                WHERE a.owner IS NOT NULL AND NOT EXISTS (SELECT 1 FROM owners o WHERE o.name = a.owner)
                GROUP BY lower(a.owner) ORDER BY lower(a.owner)""")

    def coordinators(self) -> list[sqlite3.Row]:
        """Each inspection's coordinators: inspection_id, name, email."""
        return self.query("SELECT c.inspection_id, o.name, o.email FROM coordinators c "
                          "JOIN owners o ON o.id = c.owner_id ORDER BY c.inspection_id, o.name")

    def reminder_sent(self, day: dt.date, recipient: str, fingerprint: str) -> bool:
        """True when this recipient was sent a reminder with these items for this day."""
        return bool(self.query("SELECT 1 FROM reminders_sent WHERE day = ? AND recipient = ? AND fingerprint = ?",
                               (day.isoformat(), recipient.lower(), fingerprint)))


_batch: contextvars.ContextVar[str | None] = contextvars.ContextVar("ilacs_batch", default=None)


def _create_private(path: Path) -> None:
    """Create an empty file readable and writable by its owner only."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise IlacsError(f"cannot create {path}: {error.strerror}; check the folder's permissions or choose "
                         "another path") from None


def _filters(clauses: dict[str, object]) -> tuple[str, dict]:
    """AND together the clauses whose value is given; each :name parameter takes that value."""
    import re

    where, params = ["1"], {}
    for clause, value in clauses.items():
        if value is None:
            continue
        where.append(clause)
        for name in re.findall(r":(\w+)", clause):
            params[name] = value.isoformat() if isinstance(value, dt.date) else value
    return " AND ".join(where), params


def _user_error(error: sqlite3.DatabaseError, path: Path) -> IlacsError:
    text = str(error)
    if "locked" in text or "busy" in text:
        return IlacsError(f"{path} is locked by another program: wait for it to finish, then try again")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return IlacsError(f"{path} is not a readable ilacs database (corrupt?): restore a backup or choose another --db path")
    if "readonly" in text or "unable to open" in text:
        return IlacsError(f"cannot write {path}: check its permissions or choose another --db path")
    return IlacsError(f"database problem in {path}: {text}")


# -- writes: each is called inside Store.transaction() -----------------------------

def upsert_inspection(conn: sqlite3.Connection, row: dict) -> None:
    columns = ", ".join(row)
    updates = ", ".join(f"{name} = excluded.{name}" for name in row if name != "id")
    conn.execute(f"INSERT INTO inspections ({columns}) VALUES ({', '.join('?' * len(row))}) "
                 f"ON CONFLICT (id) DO UPDATE SET {updates}", tuple(row.values()))


def upsert_judgement(conn: sqlite3.Connection, row: dict) -> None:
    conn.execute("INSERT INTO judgements (inspection_id, area, grade, previous_grade, source) "
                 "VALUES (:inspection_id, :area, :grade, :previous_grade, :source) "
                 "ON CONFLICT (inspection_id, area) DO UPDATE SET grade = excluded.grade, "
                 "previous_grade = excluded.previous_grade, source = excluded.source", row)


def upsert_area(conn: sqlite3.Connection, row: dict) -> None:
    conn.execute("INSERT INTO areas (inspection_id, number, title, points, source) "
                 "VALUES (:inspection_id, :number, :title, :points, :source) "
                 "ON CONFLICT (inspection_id, number) DO UPDATE SET title = excluded.title, "
                 "points = excluded.points, source = excluded.source", row)


def upsert_deadline(conn: sqlite3.Connection, row: dict) -> None:
    """Insert a deadline, or refresh its facts; a status the user recorded is kept."""
    conn.execute("INSERT INTO deadlines (inspection_id, key, title, kind, due, wording, rule_count, rule_unit, "
                 "rule_after, status, met_on, source) VALUES (:inspection_id, :key, :title, :kind, :due, :wording, "
                 ":rule_count, :rule_unit, :rule_after, :status, :met_on, :source) "
                 "ON CONFLICT (inspection_id, key) DO UPDATE SET title = excluded.title, kind = excluded.kind, "
                 "due = excluded.due, wording = excluded.wording, rule_count = excluded.rule_count, "
                 "rule_unit = excluded.rule_unit, rule_after = excluded.rule_after, source = excluded.source", row)


def insert_action(conn: sqlite3.Connection, row: dict) -> int | None:
    """Insert an action; returns its id, or None when a seeded action with that key exists."""
    cursor = conn.execute(
        "INSERT INTO actions (inspection_id, area_id, key, ref, title, owner, due, wording, measure, created_at, source) "
        "VALUES (:inspection_id, :area_id, :key, :ref, :title, :owner, :due, :wording, :measure, :created_at, :source) "
        "ON CONFLICT (inspection_id, key) DO NOTHING", row)
    return cursor.lastrowid if cursor.rowcount else None


def insert_status_update(conn: sqlite3.Connection, row: dict) -> None:
    """Add a status update, stamped with the batch of the transaction (one command) that adds it."""
    conn.execute("INSERT INTO status_updates (action_id, at, author, old_status, new_status, old_due, new_due, note, "
                 "batch, undoes) VALUES (:action_id, :at, :author, :old_status, :new_status, :old_due, :new_due, "
                 ":note, :batch, :undoes)", {"undoes": None, **row, "batch": _batch.get()})


def set_deadline_status(conn: sqlite3.Connection, deadline_id: int, status: str, met_on: str | None) -> None:
    conn.execute("UPDATE deadlines SET status = ?, met_on = ? WHERE id = ?", (status, met_on, deadline_id))


def insert_owner(conn: sqlite3.Connection, row: dict) -> int:
    return conn.execute("INSERT INTO owners (name, email, role, created_at) "
                        "VALUES (:name, :email, :role, :created_at)", row).lastrowid


def update_owner(conn: sqlite3.Connection, owner_id: int, changes: dict) -> None:
    """Set the given columns (name, email, role) of one owner."""
    assignments = ", ".join(f"{column} = :{column}" for column in changes if column in ("name", "email", "role"))
    if assignments:
        conn.execute(f"UPDATE owners SET {assignments} WHERE id = :id", {**changes, "id": owner_id})


def add_coordinator(conn: sqlite3.Connection, inspection_id: str, owner_id: int) -> None:
    conn.execute("INSERT OR IGNORE INTO coordinators (inspection_id, owner_id) VALUES (?, ?)",
                 (inspection_id, owner_id))


def remove_coordinator(conn: sqlite3.Connection, inspection_id: str, owner_id: int) -> None:
    conn.execute("DELETE FROM coordinators WHERE inspection_id = ? AND owner_id = ?", (inspection_id, owner_id))


def insert_reminder_sent(conn: sqlite3.Connection, row: dict) -> None:
    conn.execute("INSERT OR IGNORE INTO reminders_sent (day, recipient, name, fingerprint, subject, items, "
                 "message_id, sent_at) VALUES (:day, lower(:recipient), :name, :fingerprint, :subject, :items, "
                 ":message_id, :sent_at)", row)


def update_action_fields(conn: sqlite3.Connection, action_id: int, changes: dict) -> None:
    """Set an action's owner, measure, area, reference or due-date wording (status and due go by status updates)."""
    allowed = [name for name in changes if name in ("owner", "measure", "area_id", "ref", "wording")]
    if allowed:
        conn.execute(f"UPDATE actions SET {', '.join(f'{name} = :{name}' for name in allowed)} WHERE id = :id",
                     {**changes, "id": action_id})


def bulk_insert(conn: sqlite3.Connection, table: str, rows: list, source: str) -> None:
    """Insert exported rows as they are (ids included) with sqlite-utils, inside the caller's transaction."""
    from sqlite_utils import Database

    if table not in EXPORT_TABLES:
        raise ValueError(table)
    try:
        Database(conn)[table].insert_all(rows, batch_size=1000)
    except (sqlite3.DatabaseError, TypeError, AttributeError) as error:
        raise IlacsError(f"{source}: table {table} does not fit this database ({error}): export it again "
                         "with this ilacs") from None
