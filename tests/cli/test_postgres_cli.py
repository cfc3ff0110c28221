"""The same ilacs on PostgreSQL (issue 31), through the real CLI and a real server: the one switch (--db, ILACS_DB,
the config file), moving a plan between the backends, backups, the roles, and errors in one line."""

import json

import pytest
from helpers.cli import contents, ok, refusal, refused, run_ilacs

PLAN = "telford-wrekin-2024"


def export_text(db, tmp_path, name):
    """`export --all` of `db` without the line saying when it was made."""
    path = tmp_path / f"{name}.json"
    ok("export", "--all", "-o", path, db=db)
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if '"exported_at"' not in line)


def test_the_config_file_names_the_database_when_neither_db_nor_ilacs_db_does(postgres_url, tmp_path):
    ok("seed", PLAN, db=postgres_url)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\ndb = "{postgres_url}"\n', encoding="utf-8")
    env = {"ILACS_CONFIG": str(config)}
    listed = run_ilacs("list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert [row["id"] for row in json.loads(listed.stdout)] == [PLAN]
    assert run_ilacs("where", env=env).stdout.strip() == postgres_url
    # --db wins over the config file
    other = tmp_path / "other.db"
    ok("init", db=other)
    assert json.loads(ok("list", "--json", "--db", other, env=env)) == []
    # a password in the config file is refused, naming where to put it
    config.write_text('[database]\ndb = "postgresql://ilacs:secret@db.example/ilacs"\n', encoding="utf-8")
    out = run_ilacs("list", env=env)
    assert out.returncode == 1 and "holds a password" in out.stderr and "PGPASSWORD" in out.stderr
    assert "secret" not in out.stderr


def test_a_password_in_the_url_is_never_shown(postgres_cluster):
    url = postgres_cluster.url("nowhere").replace("ilacs_test@", "ilacs_test:hunter2@")
    out = refusal(run_ilacs("list", db=url), code=1, says=("cannot connect to PostgreSQL at 127.0.0.1:", "nowhere"))
    assert "hunter2" not in out


def test_copy_moves_a_plan_from_a_file_to_postgresql_and_back_and_refuses_a_second_copy(db, tmp_path, postgres_url):
    if isinstance(db, str):
        pytest.skip("starts from the SQLite file")
    ok("update", "1", "--status", "blocked", "--note", "waiting on IT", "--by", "A Tester", db=db)
    ok("measure", "add", PLAN, "Contacts reviewed in a day", "--area", "1", "--unit", "%", "--baseline", "60",
       "--baseline-on", "2024-06-30", "--target", "90", "--better", "higher", "--by", "A Tester", db=db)  # fmt: skip
    ok("reading", "add", "M1", "75", "--on", "2025-01-31", "--by", "A Tester", db=db)
    out = ok("copy", db, postgres_url, whole=True)
    assert "29 actions" in out.stderr and "ilacs check passes on the copy" in out.stderr
    back = tmp_path / "back.db"
    ok("copy", postgres_url, back)
    assert (
        export_text(db, tmp_path, "a") == export_text(postgres_url, tmp_path, "b") == export_text(back, tmp_path, "c")
    )
    # a second copy into the same database, or over a file, is refused and writes nothing
    refused("copy", db, postgres_url, db=postgres_url, code=2, says="is not empty (5 inspections)")
    before = contents(back)
    out = run_ilacs("copy", postgres_url, back)
    assert out.returncode == 2 and "exists" in out.stderr
    assert contents(back) == before
    # the copy goes on from the ids it carried
    ok("update", "2", "--status", "done", "--by", "B Tester", db=postgres_url)
    assert "B Tester" in ok("history", "2", db=postgres_url)


def test_backup_and_remove_keep_a_dump_either_backend_restores(postgres_url, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    ok("seed", db=postgres_url)
    dump = tmp_path / "plan.json"
    ok("backup", dump, db=postgres_url)
    removed = ok("remove", PLAN, "--yes", "--by", "A Tester", db=postgres_url, whole=True)
    kept = removed.stderr.rsplit("kept at ", 1)[1].strip()
    assert kept.startswith(str(tmp_path / "data")) and kept.endswith(".json")
    assert PLAN not in ok("list", db=postgres_url)
    for name, restored in (("file", tmp_path / "restored.db"), ("dump", tmp_path / "restored-from-dump.db")):
        ok("import", kept if name == "file" else dump, db=restored)
        assert PLAN in ok("list", db=restored)


def test_a_read_only_role_reads_and_is_refused_writes_in_one_line(postgres_url):
    """The roles docs/postgres.md gives: the SQL there, run as written, makes a reader who can list and report
    but whose update is refused in one line, with nothing written."""
    import re
    from pathlib import Path

    import psycopg

    ok("seed", PLAN, db=postgres_url)
    guide = (Path(__file__).parents[2] / "docs" / "postgres.md").read_text(encoding="utf-8")
    script = re.search(r"```sql\n *-- read-only\n(.*?)```", guide, re.S)
    assert script, "docs/postgres.md gives the SQL for the read-only role"
    database = postgres_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            script.group(1).replace("ilacs_plans", database).replace("'choose-a-password'", "'reader-password'")
        )
    reader = postgres_url.replace("ilacs_test@", "ilacs_reader:reader-password@")
    assert PLAN in ok("list", db=reader)
    ok("report", PLAN, db=reader)
    before = contents(postgres_url)
    out = refused("update", "1", "--status", "done", "--by", "Reader", db=reader, code=1, says="may not")
    assert "read-only role" in out
    assert contents(postgres_url) == before


def test_the_application_role_cannot_rewrite_history_even_with_sql(postgres_url, tmp_path):
    """The application role of docs/postgres.md writes plans through ilacs but holds no UPDATE or DELETE on the
    history tables: a change made by hand is refused by the grants, before any trigger."""
    import re
    from pathlib import Path

    import psycopg

    guide = (Path(__file__).parents[2] / "docs" / "postgres.md").read_text(encoding="utf-8")
    script = re.search(r"```sql\n *-- application\n(.*?)```", guide, re.S)
    assert script, "docs/postgres.md gives the SQL for the application role"
    ok("init", db=postgres_url)
    database = postgres_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(script.group(1).replace("ilacs_plans", database).replace("'choose-a-password'", "'app-pass'"))
    app = postgres_url.replace("ilacs_test@", "ilacs_app:app-pass@")
    ok("seed", PLAN, db=app)
    ok("update", "1", "--status", "blocked", "--note", "waiting", "--by", "A Tester", db=app)
    ok("undo", "--by", "A Tester", db=app)
    # Removing a plan deletes its history: the owner's role does that, and the application's is refused
    before = contents(postgres_url)
    refused("remove", PLAN, "--yes", "--by", "A Tester", db=app, code=1, says="may not",
            env={"XDG_DATA_HOME": str(tmp_path)})  # fmt: skip
    assert contents(postgres_url) == before
    with psycopg.connect(app, autocommit=True) as conn:
        for statement in ("UPDATE status_updates SET note = 'edited'", "DELETE FROM changes"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_a_writer_waiting_on_another_says_busy_in_one_line_and_writes_nothing(postgres_url):
    """Another PC's command holds the write lock (here the test holds it): a write waits ILACS_BUSY_TIMEOUT_MS,
    then says so in one line; reads go on."""
    import psycopg

    from ilacs_cli.storage.postgres import LOCK_KEY

    ok("seed", PLAN, db=postgres_url)
    with psycopg.connect(postgres_url) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        before = contents(postgres_url)
        refused("update", "1", "--status", "done", "--by", "A Tester", db=postgres_url, code=1,
                says="is busy with another ilacs command", env={"ILACS_BUSY_TIMEOUT_MS": "300"})  # fmt: skip
        assert contents(postgres_url) == before
        assert PLAN in ok("list", db=postgres_url)


def test_a_connection_cut_mid_command_is_one_line_and_nothing_is_half_written(postgres_url):
    """The server ends ilacs's connection while its write waits for the lock (an administrator, a failover): one
    line, exit 1, and nothing of the write is there."""
    import subprocess
    import sys
    import time

    import psycopg

    from ilacs_cli.storage.postgres import LOCK_KEY

    ok("seed", PLAN, db=postgres_url)
    before = contents(postgres_url)
    env = {**__import__("os").environ, "ILACS_DB": postgres_url, "ILACS_BUSY_TIMEOUT_MS": "60000"}
    with psycopg.connect(postgres_url) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        writer = subprocess.Popen(
            [sys.executable, "-m", "ilacs_cli", "update", "1", "--status", "done", "--by", "A Tester"],
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            for _ in range(300):
                waiting = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%advisory%'"
                ).fetchall()
                if waiting:
                    break
                time.sleep(0.1)
            assert waiting, "ilacs never waited for the lock"
            admin.execute("SELECT pg_terminate_backend(%s)", (waiting[0][0],))
        out, err = writer.communicate(timeout=60)
    refusal(subprocess.CompletedProcess(writer.args, writer.returncode, out, err), code=1, says="lost the connection")
    assert contents(postgres_url) == before
