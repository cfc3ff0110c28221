"""The schema this version makes, as storage/migrations.py lists it for `ilacs check` and the first write of each
command: a new database has exactly that, and nothing of it is missing."""

import sqlite3

import pytest
from helpers.cli import ok

from ilacs_cli.storage.migrations import MADE_OBJECTS, MADE_TABLES


@pytest.mark.sqlite_only("SQLite's schema (test_postgres_schema.py checks PostgreSQL's)")
def test_a_new_database_has_exactly_the_schema_the_migrations_list(tmp_path):
    db = tmp_path / "new.db"
    ok("init", db=db)
    connection = sqlite3.connect(db)
    rows = connection.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_sqlite_migrations%'"
    ).fetchall()
    tables = {
        name: tuple(column for (_, column, *_) in connection.execute(f"PRAGMA table_info({name})"))
        for kind, name in rows
        if kind == "table"
    }
    connection.close()
    assert tables == MADE_TABLES
    for kind in ("view", "trigger", "index"):
        assert sorted(name for found, name in rows if found == kind) == sorted(MADE_OBJECTS[kind]), kind
    assert "schema objects: every table, column, view, trigger and index is there" in ok("check", db=db)
