"""The schema on PostgreSQL (issue 31): made from the same named migrations, checked by `ilacs check`, history
append-only by the server itself, and a plan carried between the backends row for row."""

import json

import pytest
from helpers.cli import ok, refused

from ilacs_cli.storage import migrations, postgres_schema


def test_every_migration_after_the_baseline_has_its_postgresql_form():
    baseline = migrations.NAMES.index(postgres_schema.BASELINE_UNTIL)
    later = migrations.NAMES[baseline + 1 :]
    assert sorted(postgres_schema.FORMS) == sorted(later), "a migration lacks its PostgreSQL form (FORMS)"


def test_init_makes_the_schema_check_finds_it_whole_and_a_second_init_leaves_it(postgres_url):
    ok("init", db=postgres_url)
    findings = json.loads(ok("check", "--json", db=postgres_url))
    assert all(finding["ok"] for finding in findings), findings
    said = {finding["check"]: finding["detail"] for finding in findings}
    assert migrations.NAMES[-1] in said["schema"]
    out = ok("init", db=postgres_url, whole=True)
    assert "is ready (0 inspections)" in out.stderr


def test_a_database_holding_other_tables_is_refused(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE payroll (id integer)")
    refused("init", db=postgres_url, code=1, says=("holds other tables (payroll)", "not an ilacs database"))
    refused("list", db=postgres_url, code=1, says="holds other tables")


def test_an_empty_database_is_named_with_the_command_that_makes_it(postgres_url):
    refused("list", db=postgres_url, code=1, says=("holds no ilacs database yet", "ilacs init --db postgresql://"))


def test_history_cannot_be_changed_or_deleted_even_with_sql(postgres_url):
    import psycopg

    ok("seed", "telford-wrekin-2024", db=postgres_url)
    ok("update", "1", "--status", "blocked", "--note", "waiting", "--by", "A Tester", db=postgres_url)
    ok("edit", "2", "--owner", "Sam Patel", "--by", "A Tester", db=postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for statement, words in (
            ("UPDATE status_updates SET note = 'edited'", "cannot be changed"),
            ("DELETE FROM status_updates", "cannot be deleted"),
            ("UPDATE changes SET new = 'x'", "cannot be changed"),
        ):
            with pytest.raises(psycopg.Error, match=words):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM status_updates WHERE note = 'waiting'").fetchone() == (1,)


def test_a_plan_carried_to_postgresql_and_back_exports_byte_for_byte_alike(db, tmp_path, postgres_cluster):
    """The seeded plan with history of every kind, exported whole from SQLite, imported into PostgreSQL, exported
    from there and imported into a new file: the three exports are the same but for the time each was made."""
    if isinstance(db, str):
        pytest.skip("starts from the SQLite file")
    for args in (
        ("update", "1", "--status", "blocked", "--note", "waiting on IT", "--on", "2025-01-06"),
        ("edit", "2", "--owner", "Sam Patel"),
        ("owner", "add", "Sam Patel", "--authority", "Telford and Wrekin Council", "--email", "sam@example.org"),
        ("reschedule", "1", "--to", "2025-06-30", "--reason", "IT delay", "--approved-by", "Board"),
        ("board", "add", "telford-wrekin-2024", "2027-01-15", "--name", "Improvement board"),
    ):
        ok(*args, "--by", "A Tester", db=db)
    url = postgres_cluster.new_database()
    first, second, third = (tmp_path / f"{name}.json" for name in ("first", "second", "third"))
    ok("export", "--all", "-o", first, db=db)
    ok("import", first, db=url)
    ok("export", "--all", "-o", second, db=url)
    ok("import", second, db=tmp_path / "back.db")
    ok("export", "--all", "-o", third, db=tmp_path / "back.db")
    texts = [
        "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if '"exported_at"' not in line)
        for path in (first, second, third)
    ]
    assert texts[0] == texts[1] == texts[2]
    assert '"command": "reschedule"' in texts[0]
    # Ids go on from those carried over, on the server too.
    ok("update", "2", "--status", "done", "--by", "A Tester", db=url)
    assert ok("history", "2", db=url).count("A Tester") == 2
