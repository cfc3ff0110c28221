"""What is SQLite's own: the SQL and pragmas another database would do differently, each named here so that a
second backend replaces exactly these. Portable query building is in storage/sql.py.

- `count(*) FILTER (WHERE ...)` and `WITH ... AS MATERIALIZED` (SQLite 3.30 and 3.35; PostgreSQL has both too);
- the plan rebuilt for a past day as TEMP tables that shadow the file's own (storage/past.py);
- pragmas: integrity_check, foreign_key_check, table_info, busy_timeout, foreign_keys, journal_mode,
  wal_checkpoint, query_only; triggers and tables listed from sqlite_master;
- date arithmetic with date() and substr() on ISO text.
"""

from __future__ import annotations


def count_where(condition: str) -> str:
    """How many rows of a group meet `condition` (SQLite 3.30's aggregate FILTER)."""
    return f"count(*) FILTER (WHERE {condition})"


def materialized(name: str, query: str) -> str:
    """A common table expression computed once (SQLite 3.35's MATERIALIZED hint)."""
    return f"{name} AS MATERIALIZED ({query})"


INTEGRITY_CHECK = "PRAGMA integrity_check"
QUICK_CHECK = "PRAGMA quick_check(1)"  # every page read once, without the indexes' cross-checks: ok, or the first fault
FOREIGN_KEY_CHECK = "PRAGMA foreign_key_check"
FOREIGN_KEYS_ON = "PRAGMA foreign_keys = ON"
WAL = "PRAGMA journal_mode = WAL"
CHECKPOINT = "PRAGMA wal_checkpoint(TRUNCATE)"
QUERY_ONLY = "PRAGMA query_only = ON"
BUSY_TIMEOUT = "PRAGMA busy_timeout"  # the wait set, in milliseconds
TRIGGERS = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
SCHEMA_OBJECTS = "SELECT count(*) FROM sqlite_master"
# Each table's columns, and every other object by kind and name: what `missing_schema` compares with the migrations'.
SCHEMA_MADE = (
    "SELECT m.type, m.name, p.name FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) p ON m.type = 'table'"
)


def joined(expression: str, separator: str) -> str:
    """The values of `expression` in a group, joined by `separator` (an SQL string literal)."""
    return f"group_concat({expression}, {separator})"


def not_a_day(expression: str) -> str:
    """Whether the text of `expression` is not an ISO day that exists."""
    return f"date({expression}) IS NOT {expression}"


def day_before(expression: str) -> str:
    """The ISO day before the ISO day `expression`."""
    return f"date({expression}, '-1 day')"


MIGRATIONS_APPLIED = "SELECT name FROM _sqlite_migrations WHERE migration_set = 'ilacs' ORDER BY applied_at, name"


def busy_timeout(milliseconds: int) -> str:
    """How long a statement waits for another connection's lock."""
    return f"PRAGMA busy_timeout = {int(milliseconds)}"


def table_info(table: str) -> str:
    """One row per column of `table`: (cid, name, type, notnull, default, pk)."""
    return f"PRAGMA table_info({table})"
