"""Keeping the evidence safe: append-only history, undo by compensation, backups, checks, private files."""

import json
import os
import sqlite3
import stat

import pytest
from helpers.cli import contents, ok
from helpers.cli import run_ilacs as ilacs
from helpers.plans import history

PLAN = "east-sussex-2023"


@pytest.mark.sqlite_only("a file's mode")
def test_database_and_backups_are_private(db, tmp_path):
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    copy = tmp_path / "copy.db"
    ok("backup", str(copy), db=db)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert ok("show", PLAN, "--json", db=copy) == ok("show", PLAN, "--json", db=db)
    again = ilacs("backup", str(copy), db=db)
    assert again.returncode == 1 and "--force" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert ilacs("backup", str(copy), "--force", db=db).returncode == 0


@pytest.mark.parametrize("where", ["{tmp}/missing-folder/plan.db", "/proc/ilacs-cannot-write-here.db"])
def test_unusable_path_is_one_line(tmp_path, where):
    path = where.format(tmp=tmp_path)  # /proc refuses new files even to root
    out = ilacs("seed", "--db", path)
    assert out.returncode == 1 and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not os.path.exists(path)


@pytest.mark.sqlite_only("writes the file with sqlite3")
def test_history_cannot_be_changed_or_deleted_even_with_sql(db):
    with sqlite3.connect(db) as conn:
        for statement in ("UPDATE status_updates SET note = 'rewritten'", "DELETE FROM status_updates"):
            with pytest.raises(sqlite3.DatabaseError, match="status updates are history"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM status_updates WHERE note = 'rewritten'").fetchone()[0] == 0


def test_undo_records_compensating_updates_one_command_at_a_time(db):
    action = int(
        ok(
            "add-action",
            PLAN,
            "--area",
            "2",
            "--owner",
            "A Watson",
            "--due",
            "31/10/2024",
            "Audit",
            "--by",
            "A Watson",
            db=db,
        )
    )
    ok(
        "update",
        str(action),
        "--status",
        "in-progress",
        "--due",
        "30/11/2024",
        "--note",
        "booked",
        "--by",
        "A Watson",
        db=db,
    )
    other = int(
        ok(
            "add-action",
            PLAN,
            "--area",
            "1",
            "--owner",
            "B Khan",
            "--due",
            "31/12/2024",
            "Plans",
            "--by",
            "B Khan",
            db=db,
        )
    )  # someone else's work, recorded after hers
    assert "undo of update" in ok("undo", "--by", "A Watson", db=db)
    trail = history(db, action)["updates"]
    assert [(u["old_status"], u["new_status"], u["new_due"], u["author"]) for u in trail[-1:]] == [
        ("in-progress", "not-started", "2024-10-31", "A Watson")
    ]
    assert len(trail) == 3  # nothing erased: added, updated, undone
    found = json.loads(ok("actions", "--inspection", PLAN, "--json", db=db))
    assert [(a["status"], a["due"]) for a in found if a["id"] == action] == [("not-started", "2024-10-31")]
    # Her next undo steps further back through her own commands: the action she added is cancelled.
    ok("undo", "--by", "A Watson", db=db)
    assert history(db, action)["updates"][-1]["new_status"] == "cancelled" and len(history(db, action)["updates"]) == 4
    assert "nothing of A Watson's to undo" in ilacs("undo", "--by", "A Watson", db=db).stderr
    assert [u["new_status"] for u in history(db, other)["updates"]] == ["not-started"]  # B Khan's action untouched


def test_undo_reverses_a_whole_import(db, tmp_path):
    sheet = tmp_path / "plan.csv"
    sheet.write_text("Action,Owner,Target date\nOne,A,31/10/2024\nTwo,B,30/11/2024\n")
    ok("import", str(sheet), "--inspection", PLAN, db=db)
    out = ok("undo", db=db)
    assert out.count("action added by mistake") == 2
    statuses = {a["title"]: a["status"] for a in json.loads(ok("actions", "--inspection", PLAN, "--json", db=db))}
    assert (statuses["One"], statuses["Two"]) == ("cancelled", "cancelled")


@pytest.mark.sqlite_only("changes the file with sqlite3")
def test_check_passes_a_sound_file_and_names_what_is_wrong(db):
    findings = json.loads(ok("check", "--json", db=db))
    assert [f["check"] for f in findings if not f["ok"]] == [] and len(findings) == 8
    with sqlite3.connect(db) as conn:  # a program other than ilacs edits an action behind its history's back
        conn.execute("UPDATE actions SET status = 'done' WHERE id = 1")
    out = ilacs("check", db=db)
    assert out.returncode == 1
    assert "FAIL  action status: action 1 is done but its latest update says" in out.stdout
    assert out.stderr.strip().startswith("ilacs: 1 check failed (action status)")
    with sqlite3.connect(db) as conn:  # put it back
        conn.execute(
            "UPDATE actions SET status = (SELECT new_status FROM status_updates WHERE action_id = 1 "
            "ORDER BY id DESC LIMIT 1) WHERE id = 1"
        )
    assert ilacs("check", db=db).returncode == 0
    with sqlite3.connect(db) as conn:  # the latest update an action carries must be its latest update's too
        conn.execute("UPDATE actions SET update_note = 'edited' WHERE id = 2")
    out = ilacs("check", db=db)
    assert out.returncode == 1
    assert "FAIL  action status: action 2 carries a latest update (time, author or note)" in out.stdout


@pytest.mark.sqlite_only("the database file as an output path")
def test_output_paths_are_new_files_or_regular_files_only(db, tmp_path):
    """-o and backup never write through a link, into a device, pipe or folder, or over the database in use."""
    target = tmp_path / "kept.csv"
    target.write_text("the council's own file\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    cases = {
        link: "is a symbolic link",
        fifo: "is a pipe",
        folder: "is a folder",
        db: "is the database in use",
        tmp_path / "plan.db-wal": "is the database in use",
    }
    ok("list", db=db)
    with sqlite3.connect(db) as holder:  # another program has the database open: its -wal file exists
        holder.execute("PRAGMA journal_mode = WAL").fetchone()
        holder.execute("CREATE TABLE IF NOT EXISTS keep_wal_open (x)")
        for path, words in cases.items():
            if not path.exists():
                continue
            before = contents(db)
            for args in (
                ["export", "-f", "csv", "-o", str(path), "--force"],
                ["report", "east-sussex-2023", "-f", "md", "-o", str(path), "--force"],
                ["backup", str(path), "--force"],
            ):
                out = ilacs(*args, db=db)
                assert out.returncode == 2 and words in out.stderr, (args, out.stderr)
                assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
            assert contents(db) == before
    holder.close()
    assert target.read_text() == "the council's own file\n" and link.is_symlink() and folder.is_dir()
    if os.path.exists("/dev/null") and os.geteuid() == 0:  # as root a device could be replaced by a file
        out = ilacs("export", "-o", "/dev/null", "--force", db=db)
        assert out.returncode == 2 and "is a device" in out.stderr
        assert not os.path.isfile("/dev/null")


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["overdue", "--as-of", "2024-11-01"],
        ["export"],
        ["actions", "--json"],
        ["summary", "--csv"],
        ["history", "1"],
        ["show", "east-sussex-2023"],
        ["remind", "--force"],
    ],
)  # Telford's items 7 and 8 are late today (issue 18:
# the seeded deadlines once late in 2024 are unknown)
def test_a_full_standard_output_is_one_line(db, args):
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    if args[0] == "remind":  # an example plan is mailed only to people registered for it (issue 29)
        coordinator = (
            "owner",
            "add",
            "B Khan",
            "--email",
            "b.khan@example.gov.uk",
            "--coordinator",
            "telford-wrekin-2024",
        )
        assert ilacs(*coordinator, db=db).returncode == 0
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "ilacs_cli", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "ILACS_DB": str(db)},
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        "ilacs: cannot write the output: No space left on device; free some space or write it elsewhere"
    )


@pytest.mark.sqlite_only("changes the file with sqlite3")
def test_control_characters_in_stored_text_never_reach_a_terminal_raw(db, tmp_path):
    """A title or owner carrying ESC, OSC or BEL is refused at the door now (issue 27); one stored by an older
    version, before the door was shut, is shown escaped in every output."""
    sheet = tmp_path / "plan.csv"
    sheet.write_bytes(b'Action,Lead officer,Target date\n"Evil\x1b]0;pwned\x07 title \x1b[2J",A\x1b[31m,31/10/2024\n')
    refused = ilacs("import", str(sheet), "--inspection", "east-sussex-2023", db=db)
    assert refused.returncode == 1 and "holds a control character (U+001B, character 5)" in refused.stderr
    sheet.write_bytes(b"Action,Lead officer,Target date\nEvil title,A Watson,31/10/2024\n")
    ok("import", str(sheet), "--inspection", "east-sussex-2023", db=db)
    with sqlite3.connect(db) as connection:  # as an older ilacs let it in
        connection.execute(
            "UPDATE actions SET title = ?, owner = ? WHERE title = 'Evil title'",
            ("Evil\x1b]0;pwned\x07 title \x1b[2J", "A\x1b[31m"),
        )
    connection.close()
    for args in (
        ["actions"],
        ["actions", "--csv"],
        ["overdue", "--as-of", "2024-12-02"],
        ["show", "east-sussex-2023"],
        ["remind", "--as-of", "2024-11-01", "--force"],
        ["report", "east-sussex-2023"],
        ["changes", "--since", "2020-01-01"],
        ["owner", "list"],
        ["summary"],
    ):
        out = ilacs(*args, db=db)
        assert out.returncode == 0, (args, out.stderr)
        assert not any(char in out.stdout + out.stderr for char in "\x1b\x07\x9b"), args  # (CSV ends lines in CR LF)
    assert "Evil\\x1b]0;pwned\\x07 title" in ok("actions", "--inspection", "east-sussex-2023", db=db)
