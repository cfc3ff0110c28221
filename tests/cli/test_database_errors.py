"""The database: default location, missing, corrupt and locked files."""

import sqlite3

import pytest
from helpers.cli import run_ilacs


@pytest.mark.sqlite_only("the default file")
def test_default_database_starts_empty_and_says_how_to_begin(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path), "ILACS_DB": ""}
    first = run_ilacs("overdue", env=env)
    assert first.returncode == 0, first.stderr
    where = run_ilacs("where", env=env).stdout.strip()
    assert where.startswith(str(tmp_path)) and (tmp_path / "ilacs" / "ilacs.db").exists()
    assert f"created an empty database at {where}" in first.stderr
    assert "`ilacs seed`" in first.stderr and "`ilacs add-inspection" in first.stderr
    assert "east-sussex" not in first.stdout + first.stderr  # no other council's plan in a new database
    second = run_ilacs("list", env=env)
    assert "created" not in second.stderr and "`ilacs seed`" in second.stderr  # still empty: still says how
    assert run_ilacs("remind", "--force", env=env).stderr == ""  # cron mails whatever it prints: nothing here
    seeded = run_ilacs("seed", "east-sussex-2023", env=env)
    assert seeded.returncode == 0 and "Loaded 1 inspections" in seeded.stderr
    listed = run_ilacs("list", "--csv", env=env)
    assert listed.stderr == "" and [line.split(",")[0] for line in listed.stdout.splitlines()[1:]] == [
        "east-sussex-2023"
    ]


@pytest.mark.sqlite_only("a file")
def test_init_makes_an_empty_database_and_leaves_an_existing_one(tmp_path):
    path = tmp_path / "plan.db"
    made = run_ilacs("init", "--db", str(path))
    assert made.returncode == 0 and path.exists() and "created an empty database" in made.stderr
    before = path.read_bytes()
    again = run_ilacs("init", "--db", str(path))
    assert again.returncode == 0 and "exists already (0 inspections)" in again.stderr
    assert path.read_bytes() == before
    missing = run_ilacs("list", "--db", str(tmp_path / "nowhere.db"))
    assert missing.returncode == 1 and "ilacs init --db" in missing.stderr


@pytest.mark.sqlite_only("a file's pages")
def test_corrupt_file_is_one_line_and_untouched(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    out = run_ilacs("list", db=bad)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "corrupt" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert bad.read_bytes() == b"this is not sqlite" * 100


@pytest.mark.sqlite_only("SQLite's file lock")
def test_locked_database_gives_one_line_and_writes_nothing(db):
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        out = run_ilacs("update", "1", "--status", "done", db=db, env={"ILACS_BUSY_TIMEOUT_MS": "200"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert out.returncode == 1 and "locked" in out.stderr and "Traceback" not in out.stderr
    status = run_ilacs("history", "1", "--json", db=db).stdout
    assert '"new_status": "done"' not in status


def test_malformed_seed_file_names_file_and_field(tmp_path):
    seed = tmp_path / "mine.toml"
    seed.write_text('format = 1\n[inspection]\nid = "x-2024"\nkind = "huge"\n')
    path = tmp_path / "new.db"
    out = run_ilacs("seed", str(seed), db=path)
    assert out.returncode == 1 and "mine.toml" in out.stderr and "inspection.kind" in out.stderr
    assert not path.exists()


def test_a_bad_busy_timeout_is_one_line(db):
    for value in ("5s", "-1", "99999999999999999999"):
        out = run_ilacs("list", db=db, env={"ILACS_BUSY_TIMEOUT_MS": value})
        assert out.returncode == 2 and "ILACS_BUSY_TIMEOUT_MS" in out.stderr, out.stderr
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
