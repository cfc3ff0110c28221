"""The whole database as tables of rows, for `export --all` and its restore: every exported table read as it is in
the file, and rows loaded back as they were (ids included)."""

from __future__ import annotations

import sqlite3

from ilacs_cli.errors import IlacsError
from ilacs_cli.storage import migrations, sqlite
from ilacs_cli.storage.database import Repository, WritingRepository, user_error

EXPORT_TABLES = (
    "inspections",
    "judgements",
    "areas",
    "deadlines",
    "owners",
    "coordinators",
    "actions",
    "batches",
    "status_updates",
    "changes",
    "evidence",
    "removals",
    "reminders_sent",
    "measures",
    "readings",
    "measure_withdrawals",
    "boards",
    "board_withdrawals",
    "replies",
    "reply_decisions",
    "date_requests",
)


class TableReads(Repository):
    """Exported tables, read."""

    def columns(self, table: str) -> dict[str, str]:
        """One exported table's columns and the type each is declared with (INTEGER, REAL or TEXT)."""
        if table not in EXPORT_TABLES:
            raise ValueError(table)
        return {row[1]: row[2].upper() for row in self._all(sqlite.table_info(table))}

    def rows(self, table: str) -> list[dict]:
        """Every row of one exported table, in id order, as column -> value (the live store's: a past view has no
        tables to export)."""
        if table not in EXPORT_TABLES:
            raise ValueError(table)
        try:
            cursor = self.db.conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row)) for row in cursor]
        except sqlite3.DatabaseError as error:
            raise user_error(error, self.db.path) from None


class Tables(TableReads, WritingRepository):
    """Exported tables, read and loaded."""

    def load(self, table: str, rows: list, source: str) -> None:
        """Insert exported rows as they are (ids included) with sqlite-utils."""
        from sqlite_utils import Database

        if table not in EXPORT_TABLES:
            raise ValueError(table)
        if not self.db.conn.in_transaction:
            raise RuntimeError("a write outside WritableDatabase.transaction()")
        try:
            Database(self.db.conn).table(table).insert_all(rows, batch_size=1000)
        except (sqlite3.DatabaseError, TypeError, AttributeError) as error:
            raise IlacsError(
                f"{source}: table {table} does not fit this database ({error}): export it again with this ilacs"
            ) from None


# Tables an export made before they existed does not hold: restored empty.
ADDED_LATER = ("evidence", "boards", "board_withdrawals", "replies", "reply_decisions", "date_requests")
SCHEMA = migrations.NAMES  # the migrations an export of this version has had, named in it


def times_were_utc(schema: list[str]) -> bool:
    """Whether an export made with these migrations stored its times in UTC (before m010)."""
    return migrations.m010_times_in_england.__name__ not in schema


def times_in_england(tables: dict) -> dict:
    """An older export's tables (checked already) with their UTC times written as England's local time, as m010
    does; a time that does not read as one is left for `ilacs check`'s rules to judge."""
    from ilacs_cli.dates.days import in_england

    columns = {(table, column) for table, _, column in migrations.M010_TIMES}

    def moved(value):
        try:
            return in_england(value)
        except (TypeError, ValueError, OverflowError):
            return value

    return {
        table: [
            {name: moved(value) if (table, name) in columns else value for name, value in row.items()} for row in rows
        ]
        for table, rows in tables.items()
    }
