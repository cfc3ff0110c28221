"""A council's own plan: a clean start, corrections recorded with what they replaced, who did what, an undo
that reverses only your own last command, and removing an inspection."""

import csv
import functools
import io
import json
import sqlite3

import pytest
from helpers import cli
from helpers.cli import run_ilacs as ilacs
from helpers.plans import history

ok = functools.partial(cli.ok, strip=True)  # every output here is an id or a line compared whole
refused = functools.partial(cli.refused, code=2)  # a usage error, unless a test says otherwise

PLAN = "brighton-2025"


@pytest.fixture()
def plan(tmp_path):
    """An empty database with one council's plan: two areas, two actions added by Ann."""
    db = tmp_path / "plan.db"
    ok("init", db=db)
    ok(
        "add-inspection",
        PLAN,
        "--authority",
        "Brighton and Hove City Council",
        "--fieldwork-start",
        "03/02/2025",
        "--published",
        "03/03/2025",
        "--area",
        "Care plans",
        "--area",
        "Supervision",
        "--by",
        "Ann",
        db=db,
    )
    first = ok(
        "add-action",
        PLAN,
        "--area",
        "1",
        "--owner",
        "A Watson",
        "--due",
        "spring 2026",
        "Audit care plans",
        "--by",
        "Ann",
        db=db,
    )
    second = ok(
        "add-action",
        PLAN,
        "--area",
        "2",
        "--owner",
        "A Watson",
        "--due",
        "31/12/2025",
        "Supervision standard",
        "--by",
        "Ann",
        db=db,
    )
    return db, first, second


def test_a_new_database_holds_no_other_council(plan):
    db, _, _ = plan
    assert [row["id"] for row in json.loads(ok("list", "--json", db=db))] == [PLAN]
    out = ilacs("seed", "nowhere-2020", db=db)
    assert out.returncode == 1 and "east-sussex-2023" in out.stderr  # names the examples there are
    assert "Loaded 1 inspections" in ilacs("seed", "southend-2019", db=db).stderr
    assert sorted(row["id"] for row in json.loads(ok("list", "--json", db=db))) == [PLAN, "southend-2019"]


def test_corrections_are_recorded_with_what_they_replaced(plan):
    db, first, _ = plan
    ok(
        "edit",
        first,
        "--title",
        "Audit all care plans",
        "--owner",
        "B Khan",
        "--area",
        "2",
        "--ref",
        "2.1",
        "--measure",
        "90% rated good",
        "--note",
        "agreed at panel",
        "--by",
        "Ann",
        db=db,
    )
    found = history(db, first)
    assert {(c["field"], c["old"], c["new"], c["author"], c["note"]) for c in found["changes"]} == {
        ("title", "Audit care plans", "Audit all care plans", "Ann", "agreed at panel"),
        ("owner", "A Watson", "B Khan", "Ann", "agreed at panel"),
        ("area", "1", "2", "Ann", "agreed at panel"),
        ("ref", None, "2.1", "Ann", "agreed at panel"),
        ("measure", None, "90% rated good", "Ann", "agreed at panel"),
    }
    action = found["action"]
    assert (action["title"], action["owner"], action["area"], action["ref"]) == (
        "Audit all care plans",
        "B Khan",
        2,
        "2.1",
    )
    # A date replaces the words of the period it came from; a period keeps its own words.
    assert found["action"]["wording"] == "spring 2026"
    ok("edit", first, "--due", "30/09/2026", "--by", "Ann", db=db)
    assert history(db, first)["action"]["wording"] is None
    assert "Wed 30 Sep 2026" in ok("show", PLAN, db=db) and "spring 2026" not in ok("export", PLAN, db=db)
    ok("edit", first, "--due", "autumn 2026", "--by", "Ann", db=db)
    assert (history(db, first)["action"]["due"], history(db, first)["action"]["wording"]) == (
        "2026-11-30",
        "autumn 2026",
    )
    # The board paper's log shows the corrections beside the status updates.
    paper = ok("report", PLAN, "--since", "2025-03-03", db=db)
    assert "owner: A Watson → B Khan" in paper and "title: Audit care plans → Audit all care plans" in paper
    # The table in a terminal or a pipe shows them in the order they were made.
    trail = ok("history", first, db=db)
    assert trail.index("added as not-started") < trail.index("owner: A Watson -> B Khan")


def test_bad_corrections_are_one_line_and_change_nothing(plan):
    db, first, _ = plan
    assert "its areas are 1, 2" in refused("edit", first, "--area", "7", db=db, code=1)
    assert "the action ids are 1, 2" in refused("edit", "99", "--title", "x", db=db, code=1)
    assert "nothing to change" in refused("edit", first, db=db)
    assert "the deadline ids are D1" in refused("reopen", "D9", db=db, code=1)
    assert "is open already" in refused("reopen", "D1", db=db)
    assert "a deadline has a title and a date only" in refused("edit", "D1", "--owner", "X", db=db)
    assert "line break" in refused("edit", first, "--title", "two\nlines", db=db)
    # Days an update describes: not before the inspection began, not after today.
    assert "before brighton-2025's inspection began (2025-02-03)" in refused("done", "D1", "--on", "01/01/2020", db=db)
    assert "is after today" in refused("done", first, "--on", "01/01/2099", db=db)
    assert "is after today" in refused("update", first, "--status", "in-progress", "--on", "+3 days", db=db)
    assert "ILACS_USER" in refused("update", first, "--note", "x", db=db, env={"ILACS_USER": " "})


def test_who_and_when(plan):
    db, first, _ = plan
    ok(
        "update",
        first,
        "--status",
        "in-progress",
        "--note",
        "reported to the board",
        "--on",
        "03/03/2025",
        db=db,
        env={"ILACS_USER": "Cy Board"},
    )
    last = history(db, first)["updates"][-1]
    assert (last["author"], last["on"], last["note"]) == ("Cy Board", "2025-03-03", "reported to the board")
    assert "(as of Mon 3 Mar 2025)" in ok("history", first, db=db)
    ok("done", "D1", "--on", "12/06/2025", db=db, env={"ILACS_USER": "Cy Board"})
    ok("reopen", "D1", "--note", "sent to the wrong inbox", db=db, env={"ILACS_USER": "Cy Board"})
    deadline = json.loads(ok("show", PLAN, "--json", db=db))["deadlines"][0]
    assert (deadline["status"], deadline["met_on"]) == ("open", None)
    with sqlite3.connect(db) as conn:  # every command is on record with who ran it
        commands = conn.execute("SELECT command, author FROM batches ORDER BY rowid").fetchall()
    conn.close()
    assert commands == [
        ("add-inspection", "Ann"),
        ("add-action", "Ann"),
        ("add-action", "Ann"),
        ("update", "Cy Board"),
        ("done", "Cy Board"),
        ("reopen", "Cy Board"),
    ]


def test_undo_reverses_only_your_own_last_command(plan):
    db, first, second = plan
    ok("update", first, "--status", "in-progress", "--by", "Ann", db=db)
    ok("edit", second, "--owner", "C Jones", "--by", "Bob", db=db)
    ok("update", first, "--status", "blocked", "--note", "no auditor", "--by", "Bob", db=db)
    # Ann's last command set the first action in progress; Bob has updated it since: refused, naming him.
    assert "action 1 was updated since, by Bob" in refused("undo", "--by", "Ann", db=db, code=1)
    assert "would undo `update`" in ok("undo", "--dry-run", "--by", "Bob", db=db)
    assert "undid `update`" in ok("undo", "--by", "Bob", db=db)  # Bob takes his blocked back...
    assert history(db, first)["action"]["status"] == "in-progress"
    assert "undid `update`" in ok("undo", "--by", "Ann", db=db)  # ...so Ann's update can go
    assert history(db, first)["action"]["status"] == "not-started"
    assert history(db, second)["action"]["owner"] == "C Jones"  # Bob's edit stands
    assert "owner put back to A Watson" in ok("undo", "--by", "Bob", db=db)
    # Ann's next own command is adding the second action: undo cancels it, leaving the first.
    assert "action added by mistake" in ok("undo", "--by", "Ann", db=db)
    statuses = {a["id"]: a["status"] for a in json.loads(ok("actions", "--json", db=db))}
    assert statuses == {int(first): "not-started", int(second): "cancelled"}
    ok("undo", "--by", "Ann", db=db)
    assert "`add-inspection`" in refused("undo", "--by", "Ann", db=db, code=1)  # and never reaches past it
    assert "nothing of Dee's to undo" in refused("undo", "--by", "Dee", db=db, code=1)


def test_a_renamed_owner_keeps_their_actions_and_their_reminders(plan):
    db, first, second = plan
    ok("owner", "add", "A Watson", "--email", "a.watson@brighton.example.gov.uk", db=db)
    ok("owner", "set", "A Watson", "--rename", "Anna Watson", "--by", "Ann", db=db)
    owners = {o["name"]: o for o in json.loads(ok("owner", "list", "--json", db=db))}
    assert set(owners) == {"Anna Watson"} and owners["Anna Watson"]["actions_open"] == 2
    digests = json.loads(ok("remind", "-f", "json", db=db))  # both actions are overdue today
    assert [(d["name"], d["email"]) for d in digests if d["email"]] == [
        ("Anna Watson", "a.watson@brighton.example.gov.uk")
    ]
    assert [c["new"] for c in history(db, second)["changes"]] == ["Anna Watson"]
    ok("undo", "--by", "Ann", db=db)  # the rename and the moves go back together
    assert {a["owner"] for a in json.loads(ok("actions", "--json", db=db))} == {"A Watson"}
    assert [o["name"] for o in json.loads(ok("owner", "list", "--json", db=db))] == ["A Watson"]


def test_remove_deletes_one_inspection_after_a_backup(plan, tmp_path):
    db, first, _ = plan
    ok("seed", "telford-wrekin-2024", db=db)
    assert "add --yes" in refused("remove", PLAN, db=db)  # no terminal to ask in
    assert "known inspections are brighton-2025, telford-wrekin-2024" in refused(
        "remove", "nowhere", "--yes", db=db, code=1
    )
    out = ilacs("remove", PLAN, "--yes", "--by", "Ann", db=db)
    assert out.returncode == 0, out.stderr
    backup = out.stderr.strip().rsplit(" ", 1)[1]
    assert [row["id"] for row in json.loads(ok("list", "--json", db=db))] == ["telford-wrekin-2024"]
    with sqlite3.connect(backup) as old:  # the backup holds the plan as it was
        assert old.execute("SELECT count(*) FROM actions WHERE inspection_id = ?", (PLAN,)).fetchone()[0] == 2
    old.close()
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute("SELECT count(*) FROM actions WHERE inspection_id <> 'telford-wrekin-2024'").fetchone()[0] == 0
        )
        assert conn.execute("SELECT inspection_id, backup FROM removals").fetchall() == [(PLAN, backup)]
        # History stays append-only outside a recorded removal: Telford's is untouched and cannot be deleted.
        assert conn.execute("SELECT count(*) FROM status_updates").fetchone()[0] > 0
        with pytest.raises(sqlite3.DatabaseError, match="history"):
            conn.execute("DELETE FROM status_updates")
    conn.close()
    assert "`remove`" in refused("undo", "--by", "Ann", db=db, code=1)
    assert ok("check", db=db)


def test_changes_since_a_board_meeting(plan):
    db, first, second = plan
    ok(
        "update",
        first,
        "--status",
        "in-progress",
        "--note",
        "auditor booked",
        "--on",
        "03/03/2025",
        "--by",
        "Bob",
        db=db,
    )
    ok("edit", second, "--owner", "C Jones", "--note", "handed over", "--by", "Ann", db=db)
    ok("done", "D1", "--on", "12/06/2025", "--by", "Ann", db=db)
    found = json.loads(ok("changes", "--since", "2025-01-01", "--inspection", PLAN, "--json", db=db))
    assert [(line["kind"], line["id"], line["author"], line["change"], line["on"]) for line in found] == [
        ("action", first, "Ann", "added as not-started", None),
        ("action", second, "Ann", "added as not-started", None),
        ("action", first, "Bob", "not-started -> in-progress", "2025-03-03"),
        ("action", second, "Ann", "owner: A Watson -> C Jones", None),
        ("deadline", "D1", "Ann", "status: open -> met", None),
        ("deadline", "D1", "Ann", "met_on: none -> 2025-06-12", None),
    ]
    assert json.loads(ok("changes", "--since", "2099-01-01", "--json", db=db)) == []
    rows = ok("changes", "--since", "2025-01-01", "--csv", db=db).splitlines()
    assert rows[0] == "at,inspection,what,by,change,note" and len(rows) == 7
    assert "after --until" in refused("changes", "--since", "2025-02-01", "--until", "2025-01-01", db=db)
    assert "no inspection 'nowhere'" in refused(
        "changes", "--since", "2025-01-01", "--inspection", "nowhere", db=db, code=1
    )


def test_as_of_reads_the_plan_as_it_stood_that_day(tmp_path, new_db):
    """Statuses, due dates, titles, owners, deadlines met and the actions themselves, as they stood at the end of
    a past day, rebuilt from the history (updates recorded today with --on count on the day they describe)."""
    db = new_db
    ok("init", db=db)
    ok(
        "add-inspection",
        PLAN,
        "--authority",
        "Brighton and Hove City Council",
        "--fieldwork-start",
        "03/02/2025",
        "--published",
        "03/03/2025",
        "--area",
        "Care plans",
        "--area",
        "Supervision",
        db=db,
    )
    audit = ok(
        "add-action",
        PLAN,
        "--on",
        "10/03/2025",
        "--area",
        "1",
        "--owner",
        "A Watson",
        "--due",
        "30/06/2025",
        "Audit care plans",
        db=db,
    )
    ok("add-action", PLAN, "--area", "2", "--owner", "C Jones", "--due", "31/12/2026", "Supervision standard", db=db)
    ok("update", audit, "--status", "in-progress", "--on", "01/04/2025", "--note", "auditors booked", db=db)
    ok("update", audit, "--status", "blocked", "--on", "01/05/2025", "--note", "no auditor", db=db)
    ok("update", audit, "--due", "30/09/2025", "--on", "02/06/2025", "--note", "moved at the board", db=db)
    ok("update", audit, "--status", "done", db=db)  # today
    ok("edit", audit, "--title", "Audit all care plans", "--owner", "B Khan", db=db)  # today
    ok("done", "D1", "--on", "10/06/2025", db=db)  # recorded today, met on 10 June 2025

    def exported(as_of=None):
        rows = csv.DictReader(io.StringIO(ok("export", PLAN, *(["--as-of", as_of] if as_of else []), db=db)))
        return [(row["Action"], row["Lead officer"], row["Target date"], row["Status"], row["RAG"]) for row in rows]

    def deadline(as_of):
        return json.loads(ok("show", PLAN, "--as-of", as_of, "--json", db=db))["summary"]["next_deadline"]

    assert exported("09/03/2025") == []  # before the action was agreed
    assert exported("15/04/2025") == [("Audit care plans", "A Watson", "2025-06-30", "in-progress", "GREEN")]
    assert exported("15/05/2025") == [("Audit care plans", "A Watson", "2025-06-30", "blocked", "RED")]
    assert exported("01/07/2025") == [("Audit care plans", "A Watson", "2025-09-30", "blocked", "RED")]
    assert exported() == [
        ("Audit all care plans", "B Khan", "2025-09-30", "done", "BLUE"),  # BRAG by default (issue 28)
        ("Supervision standard", "C Jones", "2026-12-31", "not-started", "GREEN"),
    ]
    # Every other read agrees: the overdue list, the summary, the board paper.
    late = json.loads(ok("overdue", "--as-of", "01/10/2025", "--json", db=db))
    assert [(a["title"], a["status"], a["updated_at"], a["working_days_late"]) for a in late] == [
        ("Audit care plans", "blocked", "2025-06-02", 1)
    ]  # the day the latest update describes
    assert json.loads(ok("overdue", "--json", db=db)) == []
    progress = json.loads(ok("summary", "--as-of", "15/05/2025", "--json", db=db))[0]["progress"]
    assert (progress["blocked"], progress["done"], progress["total"]) == (1, 0, 1)
    paper = ok("report", PLAN, "--as-of", "15/05/2025", db=db)
    assert "Audit care plans" in paper and "Audit all care plans" not in paper and "Supervision standard" not in paper
    # The deadline met on 10 June 2025 was open the day before, and met from that day.
    assert (deadline("09/06/2025")["id"], deadline("09/06/2025")["status"]) == ("D1", "open")
    assert deadline("10/06/2025") is None  # met: no open deadline left
    # A whole-database export copies the file with all its history: a past day does not apply, and is refused.
    dump = tmp_path / "dump.json"
    assert "leave out --as-of" in refused(
        "export", "--all", "--format", "json", "--as-of", "01/07/2025", "-o", str(dump), db=db
    )
    assert not dump.exists()


@pytest.mark.parametrize(
    "day, words",
    [("2030-01-01", "is after today"), ("01/01/2025", "before brighton-2025's"), ("notaday", "is not a real date")],
)
def test_add_action_on_a_day_that_cannot_be_is_refused(plan, day, words):
    db, _, _ = plan
    assert words in refused(
        "add-action", PLAN, "--area", "1", "--owner", "A Watson", "--due", "30/06/2025", "--on", day, "Audit", db=db
    )
