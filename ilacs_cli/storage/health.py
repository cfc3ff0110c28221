"""What `ilacs check` asks of the database: SQLite's integrity and foreign keys, the history's triggers, the
migrations applied, actions in step with their history, due dates in range, the calendar's shape."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import NamedTuple

from ilacs_cli.storage import migrations
from ilacs_cli.storage.database import Database, Repository


class ForeignKeyProblemRow(NamedTuple):
    table: str
    rowid: int
    parent: str
    fkid: int


class OutOfStepRow(NamedTuple):
    id: int
    status: str
    latest_status: str | None


class DueOutsideRow(NamedTuple):
    """An action or deadline due on a day outside the years ilacs takes (or on text that is no ISO day)."""

    kind: str  # "action" or "deadline"
    id: int
    due: str


class CalendarShapeRow(NamedTuple):
    days: int
    first: str | None
    last: str | None
    misnumbered: int


class ExaminationRow(NamedTuple):
    """What a read-only look at a file finds wrong, before it is opened as a database: the header, SQLite's quick
    check, the schema the migrations make."""

    header: str | None  # why the first bytes are not an SQLite database's, or None
    faults: list[str]  # what the quick check found (at most 5), or why it could not run
    missing: list[str]  # what of the schema this version makes the file lacks


SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file


def examine(path: Path) -> ExaminationRow | None:
    """A read-only look at an existing file, which it never creates, writes or upgrades; None when there is
    nothing to examine (no such file, not a regular file: opening it says why)."""
    from ilacs_cli.storage.database import missing_schema

    if not path.is_file() or path.stat().st_size == 0:
        return None
    with open(path, "rb") as file:
        start = file.read(len(SQLITE_HEADER))
    if start != SQLITE_HEADER:
        return ExaminationRow(f"its first bytes are {start[:16]!r}, not an SQLite database's", [], [])
    # With no -wal or -shm beside it no connection has it open (ilacs writes in WAL mode), and it is read as
    # immutable, which leaves nothing beside it either; else read-only, sharing the others' -shm.
    alone = not any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-shm"))
    try:
        reader = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{'&immutable=1' if alone else ''}", uri=True)
    except sqlite3.DatabaseError as error:
        return ExaminationRow(None, [str(error)], [])
    try:
        faults = [row[0] for row in reader.execute("PRAGMA quick_check(5)") if row[0] != "ok"]
    except sqlite3.DatabaseError as error:
        faults = [str(error)]
    try:
        return ExaminationRow(None, faults, [] if faults else missing_schema(Database(reader, path)))
    finally:
        reader.close()


class Health(Repository):
    """The checks' findings, read."""

    def damage(self) -> str | None:
        """What SQLite's quick check finds first wrong with the file, or what of the schema a database lacks; None
        when nothing."""
        from ilacs_cli.storage.database import damage, missing_text

        return missing_text(self.db) if self.db.postgres else damage(self.db)

    def integrity_problems(self) -> list[str]:
        """What SQLite's integrity check finds wrong with the file (nothing when it is sound). A PostgreSQL server
        keeps its own pages (pg_amcheck checks them): nothing to ask here."""
        if self.db.postgres:
            return []
        return [row[0] for row in self._all(self.db.dialect.INTEGRITY_CHECK) if row[0] != "ok"]

    def foreign_key_problems(self) -> list[ForeignKeyProblemRow]:
        """Rows pointing to a missing row. PostgreSQL refuses them as they are written: none can be there."""
        if self.db.postgres:
            return []
        return self._all(self.db.dialect.FOREIGN_KEY_CHECK, (), ForeignKeyProblemRow)

    def actions_out_of_step(self) -> list[OutOfStepRow]:
        """Actions whose status, or the latest update they carry, is not their latest update's; or with no update."""
        return self._all(
            """SELECT a.id, a.status, s.new_status FROM actions a
               LEFT JOIN status_updates s ON s.id = (SELECT max(id) FROM status_updates WHERE action_id = a.id)
               WHERE s.id IS NULL OR s.new_status <> a.status OR s.at IS NOT a.updated_at
                  OR s.author IS NOT a.updated_by OR s.note IS NOT a.update_note ORDER BY a.id""",
            (),
            OutOfStepRow,
        )

    def due_outside(self, first: dt.date, last: dt.date) -> list[DueOutsideRow]:
        """Actions and deadlines due before `first` or after `last`, or on text that is no ISO date."""
        bounds = {"first": first.isoformat(), "last": last.isoformat()}
        return self._all(
            f"""SELECT 'action', id, due FROM actions WHERE due IS NOT NULL AND (due NOT BETWEEN :first AND :last
                 OR {self.db.dialect.not_a_day("due")})
               UNION ALL
               SELECT 'deadline', id, due FROM deadlines WHERE due IS NOT NULL AND (due NOT BETWEEN :first AND :last
                 OR {self.db.dialect.not_a_day("due")})
               ORDER BY 1, 2""",
            bounds,
            DueOutsideRow,
        )

    def calendar_shape(self) -> CalendarShapeRow:
        """Days held, first and last day, and how many days are numbered out of step with the working days."""
        return self._all(
            f"""SELECT count(*), min(day), max(day),
                 (SELECT count(*) FROM calendar c JOIN calendar p ON p.day = {self.db.dialect.day_before("c.day")}
                  WHERE c.number <> p.number + c.working) FROM calendar""",
            (),
            CalendarShapeRow,
        )[0]

    def missing_schema(self) -> list[str]:
        """What of the schema this version makes the file lacks ('table removals', 'column actions.measure')."""
        from ilacs_cli.storage.database import missing_schema

        return missing_schema(self.db)

    def missing_history_triggers(self) -> list[str]:
        """The triggers that keep history append-only and each action's status in step, if any is missing."""
        present = {row[0] for row in self._all(self.db.dialect.TRIGGERS)}
        return [name for name in migrations.HISTORY_TRIGGERS if name not in present]

    def applied_migrations(self) -> list[str]:
        return [row[0] for row in self._all(self.db.dialect.MIGRATIONS_APPLIED)]
