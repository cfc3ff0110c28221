"""Older databases upgrade themselves on open, keeping every row."""

import json
import shutil
import sqlite3
import stat
from pathlib import Path

from conftest import run_ilacs as ilacs

FIXTURES = Path(__file__).parent / "fixtures"


def rows(path, table, columns="*"):
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1").fetchall()


def columns(path, table):
    with sqlite3.connect(path) as conn:
        return ", ".join(row[1] for row in conn.execute(f"PRAGMA table_info({table})"))


def test_schema_m001_file_upgrades_with_every_row_kept(tmp_path):
    """schema-m001.db was made by commit 0a7e714 (migration m001 only): seed, one action, an update, D2 met."""
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "schema-m001.db", db)
    tables = ["inspections", "judgements", "areas", "deadlines", "actions", "status_updates", "calendar"]
    old_columns = {table: columns(db, table) for table in tables}  # later migrations may add columns
    before = {table: rows(db, table, old_columns[table]) for table in tables}
    out = ilacs("history", "23", "--json", db=db)
    assert out.returncode == 0, out.stderr
    assert [u["note"] for u in json.loads(out.stdout)["updates"]] == ["action added", "Audit booked"]
    assert {table: rows(db, table, old_columns[table]) for table in tables} == before
    assert [row[2] for row in rows(db, "_sqlite_migrations")] == [
        "m001_initial", "m002_owners_and_reminders", "m003_history_is_append_only"]
    # Before migrating, the file as it was was copied beside it: private, and still at schema m001.
    backups = list(tmp_path.glob("old.db.before-m002_owners_and_reminders-*.bak"))
    assert len(backups) == 1 and stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert [row[2] for row in rows(backups[0], "_sqlite_migrations")] == ["m001_initial"]
    assert {table: rows(backups[0], table) for table in tables} == before
    assert "the file as it was is kept at" in out.stderr
    # Opening it again migrates nothing and copies nothing.
    assert "kept at" not in ilacs("list", db=db).stderr and len(list(tmp_path.glob("*.bak"))) == 1
    assert ilacs("owner", "add", "A Watson", "--email", "a.watson@council.example.gov.uk", db=db).returncode == 0
    digest = json.loads(ilacs("remind", "--as-of", "02/01/2024", "-f", "json", "--inspection", "east-sussex-2023",
                              db=db).stdout)
    assert [(d["name"], d["overdue"]) for d in digest] == [("A Watson", 1)]
