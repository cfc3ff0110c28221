"""The core tracker through the real CLI and a real SQLite file."""

import datetime as dt
import json

import holidays
import pytest
from helpers.cli import contents, in_terminal
from helpers.cli import run_ilacs as ilacs


def test_east_sussex_final_plan_is_70_working_days_after_publication(db):
    out = ilacs("show", "east-sussex-2023", db=db)
    assert out.returncode == 0, out.stderr
    assert "Fri 17 May 2024" in out.stdout
    assert "70 working days after publication, Tue 6 Feb 2024" in out.stdout


def test_overdue_lists_telford_items_7_and_8(db):
    # Seeded with no day of their own (the minutes give none), they are in the plan from the day they were loaded.
    assert [
        row
        for row in json.loads(ilacs("overdue", "--as-of", "2024-11-01", "--json", db=db).stdout)
        if row["inspection"] == "telford-wrekin-2024" and row["kind"] == "action"
    ] == []
    out = ilacs("overdue", "--json", db=db)
    rows = json.loads(out.stdout)
    refs = {row["ref"] for row in rows if row["kind"] == "action" and row["inspection"] == "telford-wrekin-2024"}
    assert refs == {"7", "8"}
    # Working days late, counted here: the working days after Thu 31 Oct 2024 up to today.
    due, today = dt.date(2024, 10, 31), dt.date.today()
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(2024, today.year + 1))
    days = [due + dt.timedelta(days=n) for n in range(1, (today - due).days + 1)]
    late = sum(1 for day in days if day.weekday() < 5 and day not in bank)
    assert [row["working_days_late"] for row in rows if row.get("ref") in ("7", "8")] == [late, late]


def test_reseed_is_idempotent_and_keeps_user_updates(db):
    new_id = ilacs(
        "add-action",
        "east-sussex-2023",
        "--area",
        "2",
        "--owner",
        "A Watson",
        "--due",
        "31/10/2024",
        "Audit supervision records",
        db=db,
    ).stdout.strip()
    assert ilacs("update", new_id, "--status", "in-progress", "--note", "booked", db=db).returncode == 0
    before = json.loads(ilacs("actions", "--json", db=db).stdout)
    assert ilacs("seed", db=db).returncode == 0
    after = json.loads(ilacs("actions", "--json", db=db).stdout)
    assert before == after
    assert [a["status"] for a in after if str(a["id"]) == new_id] == ["in-progress"]


@pytest.mark.parametrize(
    "args",
    [
        ["update", "999", "--status", "done"],
        ["update", "1", "--status", "finished"],
        ["add-action", "east-sussex-2023", "--area", "9", "--owner", "X", "--due", "2024-10-31", "T"],
        ["add-action", "east-sussex-2023", "--area", "1", "--owner", "X", "--due", "31/02/2024", "T"],
        ["add-action", "nowhere-2020", "--area", "1", "--owner", "X", "--due", "2024-10-31", "T"],
        ["add-action", "east-sussex-2023", "--area", "1", "--owner", "X", "--due", "2024-10-31", "  "],
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(db, args):
    before = contents(db)
    out = ilacs(*args, db=db)
    assert out.returncode in (1, 2)
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert contents(db) == before


@pytest.mark.sqlite_only("a file that does not exist")
def test_missing_database_suggests_seed(tmp_path):
    out = ilacs("list", db=tmp_path / "none.db")
    assert out.returncode == 1 and "ilacs seed --db" in out.stderr
    assert not (tmp_path / "none.db").exists()


def test_done_marks_deadline_met_and_action_done(db):
    detail = json.loads(ilacs("show", "east-sussex-2023", "--json", db=db).stdout)
    # The document records no outcome for the final plan: unknown (issue 18), which `done` replaces.
    final = next(d for d in detail["deadlines"] if d["status"] == "unknown")
    assert ilacs("done", final["id"], "--on", "16/05/2024", db=db).returncode == 0
    assert ilacs("done", "1", db=db).returncode == 0
    overdue = json.loads(ilacs("overdue", "--as-of", "2024-11-01", "--json", db=db).stdout)
    assert final["id"] not in {row["id"] for row in overdue}
    assert 1 not in {row["id"] for row in overdue if row["kind"] == "action"}
    trail = json.loads(ilacs("history", "1", "--json", db=db).stdout)["updates"]
    assert [u["new_status"] for u in trail] == ["in-progress", "done"]


def test_csv_has_iso_dates_and_plain_text_when_piped(db):
    csv_out = ilacs("actions", "--inspection", "telford-wrekin-2024", "--status", "in-progress", "--csv", db=db).stdout
    assert csv_out.splitlines()[0] == (
        "id,inspection,area,ref,action,owner,due,status,planned_due,revised_due,revised_reason,approved_by,revised_on,rag"
    )
    assert all(",2024-10-31,in-progress" in line for line in csv_out.splitlines()[1:3])
    plain = ilacs("list", db=db).stdout
    assert "Tue 6 Feb 2024" in plain and "│" not in plain and "\x1b[" not in plain


@pytest.mark.parametrize(
    "args",
    [
        ["update", "1", "--status"],
        ["no-such-command"],
        ["list", "--bogus"],
        ["add-action", "east-sussex-2023", "--area", "two", "--owner", "X", "--due", "2024-10-31", "T"],
    ],
)
def test_usage_errors_exit_2_without_traceback(db, args):
    before = contents(db)
    out = ilacs(*args, db=db)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and "Error" in out.stderr
    assert contents(db) == before


def test_terminal_gets_a_rich_table_that_shows_user_text_literally(db):
    ok = ilacs(
        "add-action",
        "east-sussex-2023",
        "--area",
        "1",
        "--owner",
        "A Watson",
        "--due",
        "31/10/2024",
        "[bold]Audit[/bold] plans",
        db=db,
    )
    assert ok.returncode == 0, ok.stderr
    # stdout is a terminal, as when an officer runs ilacs by hand
    shown = in_terminal("actions", "--inspection", "east-sussex-2023", db=db, columns=200)
    assert "┏" in shown and "[bold]Audit[/bold] plans" in shown
    assert ilacs("actions", "--inspection", "east-sussex-2023", db=db).stdout.count("┏") == 0
