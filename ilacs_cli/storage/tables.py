"""The whole database as tables of rows, for `export --all` and its restore: every exported table read as it is in
the file, and rows loaded back as they were (ids included)."""

from __future__ import annotations

import sqlite3

from ilacs_cli.errors import IlacsError
from ilacs_cli.storage import migrations, sqlite
from ilacs_cli.storage.database import Repository, WritingRepository

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


# The order rows are exported in: by id, else in the order they were made (SQLite's rowid, which PostgreSQL keeps as
# a column of these tables: storage/postgres_schema.py); the same on both, so that a copy exports byte for byte alike.
IN_ORDER_MADE = ("batches", "judgements", "coordinators")


class TableReads(Repository):
    """Exported tables, read."""

    def columns(self, table: str) -> dict[str, str]:
        """One exported table's columns and the type each is declared with (INTEGER, REAL or TEXT)."""
        if table not in EXPORT_TABLES:
            raise ValueError(table)
        if self.db.postgres:
            kinds = {"bigint": "INTEGER", "integer": "INTEGER", "double precision": "REAL", "text": "TEXT"}
            return {
                name: kinds.get(kind, kind.upper())
                for name, kind in self._all(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
                    "current_schema() AND table_name = ? AND column_name <> 'rowid' ORDER BY ordinal_position",
                    (table,),
                )
            }
        return {row[1]: row[2].upper() for row in self._all(sqlite.table_info(table))}

    def rows(self, table: str) -> list[dict]:
        """Every row of one exported table, in id order (or the order made), as column -> value (the live store's:
        a past view has no tables to export)."""
        names = list(self.columns(table)) or ["*"]  # none: a table gone, which the SELECT then names
        order = "rowid" if table in IN_ORDER_MADE else "id"
        return [dict(zip(names, row)) for row in self._all(f"SELECT {', '.join(names)} FROM {table} ORDER BY {order}")]

    def counts(self) -> dict[str, int]:
        """How many rows each exported table holds."""
        return {table: self._value(f"SELECT count(*) FROM {table}") for table in EXPORT_TABLES}

    def dump(self) -> dict:
        """The whole database (but its calendar) as JSON-ready data, as `export --all` writes it and `import`
        restores it into either backend."""
        from ilacs_cli.dates.days import now_in_england

        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "schema": SCHEMA,
            "exported_at": now_in_england(),
            "tables": {table: self.rows(table) for table in EXPORT_TABLES},
        }


class Tables(TableReads, WritingRepository):
    """Exported tables, read and loaded."""

    def load(self, table: str, rows: list, source: str) -> None:
        """Insert exported rows as they are (ids included): with sqlite-utils into a file, on PostgreSQL with one
        INSERT per row, then each id's sequence moved past the ids loaded."""
        if table not in EXPORT_TABLES:
            raise ValueError(table)
        if not self.db.conn.in_transaction:
            raise RuntimeError("a write outside WritableDatabase.transaction()")
        if self.db.postgres:
            self._load_on_server(table, rows, source)
            return
        from sqlite_utils import Database

        try:
            Database(self.db.conn).table(table).insert_all(rows, batch_size=1000)
        except (sqlite3.DatabaseError, TypeError, AttributeError) as error:
            raise IlacsError(
                f"{source}: table {table} does not fit this database ({error}): export it again with this ilacs"
            ) from None

    def _load_on_server(self, table: str, rows: list, source: str) -> None:
        columns = self.columns(table)
        if not rows:
            return
        strange = sorted({name for row in rows for name in row} - set(columns))
        if strange:
            raise IlacsError(
                f"{source}: table {table} does not fit this database (no column {strange[0]}): export it again "
                "with this ilacs"
            )
        names = [name for name in columns if any(name in row for row in rows)]
        try:
            self.db.conn.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                [tuple(row.get(name) for name in names) for row in rows],
            )
        except self.db.errors as error:
            raise IlacsError(
                f"{source}: table {table} does not fit this database ({str(error).strip().splitlines()[0]}): "
                "export it again with this ilacs"
            ) from None
        numbered = [column for column in ("id",) if columns.get(column) == "INTEGER"]
        for column in numbered + (["rowid"] if table in IN_ORDER_MADE else []):
            self.db.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"(SELECT coalesce(max({column}), 0) + 1 FROM {table}), false)"
            )


EXPORT_FORMAT = "ilacs-export"
EXPORT_VERSION = 1
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
