"""The database: default location, missing, corrupt and locked files."""

import sqlite3

from conftest import run_ilacs


def test_default_location_is_created_and_seeded_once(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path), "ILACS_DB": ""}
    first = run_ilacs("list", env=env)
    assert first.returncode == 0, first.stderr
    assert "Created" in first.stderr and "east-sussex-2023" in first.stdout
    second = run_ilacs("list", env=env)
    assert second.stderr == "" and second.stdout == first.stdout
    where = run_ilacs("where", env=env).stdout.strip()
    assert where.startswith(str(tmp_path))


def test_corrupt_file_is_one_line_and_untouched(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    out = run_ilacs("list", db=bad)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "corrupt" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert bad.read_bytes() == b"this is not sqlite" * 100


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
