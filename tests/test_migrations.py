"""Older databases upgrade themselves on open, keeping every row."""

import json
import shutil
import sqlite3
from pathlib import Path

from conftest import run_ilacs as ilacs

FIXTURES = Path(__file__).parent / "fixtures"


def rows(path, table):
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def test_schema_m001_file_upgrades_with_every_row_kept(tmp_path):
    """schema-m001.db was made by commit 0a7e714 (migration m001 only): seed, one action, an update, D2 met."""
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "schema-m001.db", db)
    tables = ["inspections", "judgements", "areas", "deadlines", "actions", "status_updates", "calendar"]
    before = {table: rows(db, table) for table in tables}
    out = ilacs("history", "23", "--json", db=db)
    assert out.returncode == 0, out.stderr
    assert [u["note"] for u in json.loads(out.stdout)["updates"]] == ["action added", "Audit booked"]
    assert {table: rows(db, table) for table in tables} == before
    assert [row[2] for row in rows(db, "_sqlite_migrations")] == ["m001_initial", "m002_owners_and_reminders"]
    assert ilacs("owner", "add", "A Watson", "--email", "a.watson@council.example.gov.uk", db=db).returncode == 0
    digest = json.loads(ilacs("remind", "--as-of", "02/01/2024", "-f", "json", "--inspection", "east-sussex-2023",
                              db=db).stdout)
    assert [(d["name"], d["overdue"]) for d in digest] == [("A Watson", 1)]
