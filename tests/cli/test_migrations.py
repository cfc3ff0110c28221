"""Older databases upgrade themselves on open, keeping every row, after a copy of the old file is made."""

import datetime as dt
import json
import re
import shutil
import sqlite3
import stat

import pytest
from helpers.cli import run_ilacs as ilacs
from helpers.paths import FIXTURES

ALL_MIGRATIONS = [
    "m001_initial",
    "m002_owners_and_reminders",
    "m003_history_is_append_only",
    "m004_indexes_by_inspection",
    "m005_latest_update_on_actions",
    "m006_owners_belong_to_an_authority",
    "m007_status_update_origin",
    "m008_every_change_recorded",
    "m009_reminder_claims",
    "m010_times_in_england",
    "m011_views_for_browsers",
    "m012_facts_stated_inferred_unknown",
    "m013_views_read_englands_today",
    "m014_changes_name_their_inspection",
    "m015_measures_and_readings",
    "m016_timetables",
    "m017_revised_dates_and_evidence",
    "m018_replies",
    "m019_percentages_half_up",
    "m020_boards",
    "m021_replies_go_with_their_inspection",
]
# Each fixture was made by the ilacs of its schema (seed, one action, one update, D2 met; m002 also an owner):
# schema-m001.db by commit 0a7e714, schema-m002.db by 71a0afe, schema-m003.db by 3feea71, schema-m004.db by 76a5097
# (each the last before the next migration).
FIXTURE_SCHEMAS = {"schema-m001.db": 1, "schema-m002.db": 2, "schema-m003.db": 3, "schema-m004.db": 4}


def query(path, sql):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def tables_and_columns(path):
    names = [
        name
        for (name,) in query(
            path,
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name <> '_sqlite_migrations'",
        )
    ]
    return {name: ", ".join(row[1] for row in query(path, f"PRAGMA table_info({name})")) for name in names}


def instant(value):
    """A stored time as the instant it names (m010 writes UTC times as England's local time); other values as
    they are."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d)?", value):
        moment = dt.datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return value


def contents(path, columns):
    return {
        table: [tuple(map(instant, row)) for row in query(path, f"SELECT {cols} FROM {table} ORDER BY 1")]
        for table, cols in columns.items()
    }


@pytest.mark.sqlite_only("files older than PostgreSQL support")
@pytest.mark.parametrize("fixture", sorted(FIXTURE_SCHEMAS))
def test_older_file_upgrades_with_every_row_kept(tmp_path, fixture):
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / fixture, db)
    columns = tables_and_columns(db)  # later migrations may add columns: compare the ones the file had
    before = contents(db, columns)
    applied_before = ALL_MIGRATIONS[: FIXTURE_SCHEMAS[fixture]]
    assert [name for (name,) in query(db, "SELECT name FROM _sqlite_migrations ORDER BY id")] == applied_before
    out = ilacs("history", "23", "--json", db=db)
    assert out.returncode == 0, out.stderr
    assert [u["note"] for u in json.loads(out.stdout)["updates"]] == ["action added", "Audit booked"]
    assert contents(db, columns) == before
    assert [name for (name,) in query(db, "SELECT name FROM _sqlite_migrations ORDER BY id")] == ALL_MIGRATIONS
    # Before migrating, the file as it was was copied beside it: private, at its old schema, with its rows.
    backups = list(tmp_path.glob(f"old.db.before-{ALL_MIGRATIONS[len(applied_before)]}-*.bak"))
    assert len(backups) == 1 and stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert contents(backups[0], columns) == before
    assert "the file as it was is kept at" in out.stderr
    # Opening it again migrates nothing and copies nothing; the upgraded file passes `ilacs check`.
    assert "kept at" not in ilacs("list", db=db).stderr and len(list(tmp_path.glob("*.bak"))) == 1
    assert ilacs("check", db=db).returncode == 0
    assert (
        ilacs(
            "owner",
            "add",
            "B Khan",
            "--email",
            "b.khan@council.example.gov.uk",
            "--authority",
            "east-sussex-2023",
            "--coordinator",  # an example plan is mailed only to people registered for it (issue 29)
            "east-sussex-2023",
            db=db,
        ).returncode
        == 0
    )
    digests = json.loads(
        ilacs("remind", "-f", "json", "--inspection", "east-sussex-2023", "--owner", "A Watson", db=db).stdout
    )
    assert sum(d["overdue"] for d in digests) == 1  # the fixture's action, due 22 Dec 2023


def schema(path):
    """Every table, index and trigger as SQLite keeps it (the migrations' own bookkeeping aside)."""
    return sorted(
        query(
            path,
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_autoindex%' AND name <> '_sqlite_migrations'",
        )
    )


@pytest.mark.sqlite_only("files older than PostgreSQL support (test_postgres_schema.py checks PostgreSQL's)")
def test_new_and_upgraded_databases_have_the_same_schema(tmp_path):
    fresh = tmp_path / "fresh.db"
    assert ilacs("seed", db=fresh).returncode == 0
    expected = schema(fresh)
    assert any(name == "owners" and "UNIQUE (authority, name)" in sql for _, name, _, sql in expected)
    for fixture in sorted(FIXTURE_SCHEMAS):
        db = tmp_path / fixture
        shutil.copyfile(FIXTURES / fixture, db)
        assert ilacs("list", db=db).returncode == 0
        assert schema(db) == expected, fixture


@pytest.mark.sqlite_only("files older than PostgreSQL support")
def test_upgrade_places_owners_in_the_authority_of_their_actions_and_names_those_it_cannot(tmp_path):
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "schema-m004.db", db)
    with sqlite3.connect(db) as conn:  # the old schema: owners had no authority, one name in the whole file
        conn.execute("INSERT INTO owners (name, email, created_at) VALUES ('Nobody Yet', 'n@x.example', '2024-01-01')")
        conn.execute(
            "INSERT INTO owners (name, email, created_at) VALUES ('Two Councils', 't@x.example', '2024-01-01')"
        )
        conn.execute("UPDATE actions SET owner = 'two councils' WHERE id IN (1, 6)")  # Telford and West Sussex
    conn.close()
    out = ilacs("owner", "list", "--json", db=db)
    assert out.returncode == 0, out.stderr
    placed = {owner["name"]: owner["authority"] for owner in json.loads(out.stdout) if owner["registered"]}
    assert placed == {"A Watson": "East Sussex County Council", "Nobody Yet": None, "Two Councils": None}
    notes = [line for line in out.stderr.splitlines() if "no single authority" in line]
    assert len(notes) == 2 and "'Nobody Yet'" in notes[0] + notes[1] and "'Two Councils'" in notes[0] + notes[1]
    # An owner not yet placed gets no action's reminders; placing them takes one command.
    placed_out = ilacs("owner", "set", "Two Councils", "--move-to", "telford-wrekin-2024", db=db)
    assert placed_out.returncode == 0, placed_out.stderr
    assert "Telford and Wrekin Council" in placed_out.stdout


@pytest.mark.sqlite_only("files older than PostgreSQL support")
def test_upgrade_writes_times_as_englands_and_counts_them_on_englands_day(tmp_path):
    """An update entered at 00:30 BST on 2 July 2024 was stored as 23:30 UTC on 1 July: after the upgrade it is
    written 2024-07-02T00:30:00+01:00, and counted on 2 July."""
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "schema-m004.db", db)
    with sqlite3.connect(db) as conn:  # the old file's history, as the old version would have stamped it
        (trigger,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'status_updates_refuse_update'"
        ).fetchone()
        conn.execute("DROP TRIGGER status_updates_refuse_update")
        conn.execute("UPDATE status_updates SET at = '2024-07-01T23:30:00+00:00' WHERE note = 'Audit booked'")
        conn.execute(trigger)
    conn.close()
    out = ilacs("history", "23", "--json", db=db)
    assert out.returncode == 0, out.stderr
    assert [u["at"] for u in json.loads(out.stdout)["updates"]][-1] == "2024-07-02T00:30:00+01:00"
    on_the_2nd = ilacs("changes", "--since", "2024-07-02", "--until", "2024-07-02", "--json", db=db)
    on_the_1st = ilacs("changes", "--since", "2024-07-01", "--until", "2024-07-01", "--json", db=db)
    assert [line["note"] for line in json.loads(on_the_2nd.stdout)] == ["Audit booked"]
    assert json.loads(on_the_1st.stdout) == []
    assert ilacs("check", db=db).returncode == 0


@pytest.mark.sqlite_only("files older than PostgreSQL support")
@pytest.mark.slow
def test_two_processes_upgrading_an_old_file_at_once(tmp_path):
    """cron and an officer both open a file the new version must upgrade: one upgrades it, once, the other waits."""
    import os
    import subprocess
    import sys

    failures = []
    for attempt in range(20):
        db = tmp_path / f"old-{attempt}.db"
        shutil.copyfile(FIXTURES / "schema-m004.db", db)
        env = {**os.environ, "ILACS_DB": str(db)}
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "ilacs_cli", *args],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in (["list", "--json"], ["overdue", "--json", "--as-of", "2024-11-01"])
        ]
        results = [(run.wait(60), run.stderr.read()) for run in runs]
        for run in runs:
            run.stdout.close()
            run.stderr.close()
        if [code for code, _ in results] != [0, 0]:
            failures.append(f"attempt {attempt}: {[err.strip() for _, err in results]}")
        backups = list(tmp_path.glob(f"old-{attempt}.db.before-*.bak"))
        if len(backups) != 1:
            failures.append(f"attempt {attempt}: {len(backups)} backups")
        upgraded = sum("the file as it was is kept at" in err for _, err in results)
        if upgraded != 1:
            failures.append(f"attempt {attempt}: {upgraded} runs said they upgraded it")
        assert ilacs("check", db=db).returncode == 0
    print(f"two processes upgrading the m004 fixture together: 20 attempts, {len(failures)} failures")
    assert failures == []
