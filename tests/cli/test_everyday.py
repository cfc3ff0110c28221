"""One set of habits, everyday (issue 26): deadlines have a history; --as-of, --inspection, --json and --csv where
the idea is; changes defaults as report does; an empty listing says so on stderr; CSV cells hold one thing under
names a script can use; `done` twice records nothing; undo lists your commands; the examples leave at once."""

import csv
import datetime as dt
import io
import json

import pytest
from helpers.cli import ok, refused, run_ilacs
from helpers.plans import PLAN, record_actions

ACTIONS = [(1, "Audit care plans", "A Watson", "2024-03-28", "in-progress")]  # added on Mon 11 Dec 2023
# A re-scheduled date's columns (issue 28), beside every CSV's due date.
REVISED_COLUMNS = ["planned_due", "revised_due", "revised_reason", "approved_by", "revised_on"]


def rows(out):
    return list(csv.reader(io.StringIO(out)))


def test_a_deadline_has_a_history(db):
    assert "nothing recorded about D1" in ok("history", "D1", db=db, whole=True).stderr
    ok("edit", "D1", "--due", "26/04/2024", "--note", "panel moved", "--by", "Cy Board", db=db)
    ok("done", "D1", "--on", "25/04/2024", "--by", "Cy Board", db=db)
    out = ok("history", "d1", db=db)
    assert out.startswith("[D1] Draft action plan to Corporate Parenting Panel\n")
    assert "due: Wed 24 Apr 2024 -> Fri 26 Apr 2024" in out and "panel moved" in out
    assert "met on: Wed 24 Apr 2024 -> Thu 25 Apr 2024" in out
    assert "met_on: 2024-04-24 -> 2024-04-25" in ok("history", "D1", "--csv", db=db)
    trail = json.loads(ok("history", "D1", "--json", db=db))
    assert trail["deadline"]["id"] == "D1" and trail["deadline"]["met_on"] == "2024-04-25"
    assert [(c["field"], c["old"], c["new"]) for c in trail["changes"]] == [
        ("due", "2024-04-24", "2024-04-26"),
        ("wording", "Date of meeting: 24 April 2024", None),  # a date set by hand replaces the document's words
        ("met_on", "2024-04-24", "2024-04-25"),
    ]
    refused("history", "D99", db=db, code=1, says=["no deadline 'D99'", "D1, D2"])


def test_history_as_of_a_day_leaves_out_what_came_after(db):
    [action] = record_actions(db, PLAN, ACTIONS)
    ok("update", action, "--status", "blocked", "--on", "15/01/2024", "--note", "awaiting data", db=db)
    whole = ok("history", action, db=db)
    assert "in-progress -> blocked" in whole
    then = ok("history", action, "--as-of", "31/12/2023", db=db)
    assert "as of Sun 31 Dec 2023" in then.splitlines()[0]
    assert "not-started -> in-progress" in then and "blocked" not in then
    refused(
        "history",
        action,
        "--as-of",
        "01/12/2023",
        db=db,
        code=2,
        says=[f"action {action} was not in the plan yet at the end of Fri 1 Dec 2023", "Mon 11 Dec 2023"],
    )


def test_history_times_are_in_words_in_text_and_iso_in_csv(db):
    [action] = record_actions(db, PLAN, ACTIONS)
    today = dt.date.today()
    text = ok("history", action, db=db).splitlines()[2]
    assert text.startswith(f"{today:%a} {today.day} {today:%b %Y} ")  # Thu 3 Dec 2026 12:00
    [_, first, *_] = rows(ok("history", action, "--csv", db=db))
    assert dt.datetime.fromisoformat(first[0]).tzinfo is not None


def test_actions_and_calendar_as_of_a_day(db):
    [action] = record_actions(db, PLAN, ACTIONS)
    ok("update", action, "--status", "done", "--on", "20/03/2024", db=db)
    [then] = json.loads(ok("actions", "--inspection", PLAN, "--as-of", "01/03/2024", "--json", db=db))
    assert (then["id"], then["status"]) == (int(action), "in-progress")
    [now] = json.loads(ok("actions", "--inspection", PLAN, "--json", db=db))
    assert now["status"] == "done"
    before = ok("calendar", PLAN, "--as-of", "01/12/2023", db=db)
    after = ok("calendar", PLAN, "--as-of", "01/03/2024", db=db)
    assert "Audit care plans" not in before and "Audit care plans" in after


def test_show_takes_inspection_either_way_and_gives_csv(db):
    record_actions(db, PLAN, ACTIONS)
    assert ok("show", "--inspection", PLAN, db=db) == ok("show", PLAN, db=db)
    table = rows(ok("show", PLAN, "--csv", db=db))
    assert table[0] == ["kind", "id", "area", "ref", "title", "owner", "due", "status", "met_on", *REVISED_COLUMNS]
    never_revised = ["", "", "", ""]  # the planned date, then no revised date, reason, approver or day
    assert ["action", table[1][1], "1", "", "Audit care plans", "A Watson", "2024-03-28", "in-progress", ""] + [
        "2024-03-28",
        *never_revised,
    ] in table
    assert ["deadline", "D1", "", "", "Draft action plan to Corporate Parenting Panel", "", "2024-04-24"] + [
        "met",
        "2024-04-24",
        "2024-04-24",
        *never_revised,
    ] in table
    refused("show", PLAN, "--inspection", "west-sussex-2019", db=db, code=2, says="two inspections given")
    refused("show", db=db, code=2, says="which inspection?")


@pytest.mark.parametrize("command", ["report", "export", "calendar"])
def test_papers_take_inspection_as_an_option_too(db, command):
    assert ok(command, "--inspection", PLAN, db=db) == ok(command, PLAN, db=db)


def test_changes_defaults_to_the_last_30_days_as_report_does(db):
    [action] = record_actions(db, PLAN, ACTIONS)
    out = ok("changes", db=db)
    today = dt.date.today()
    start = today - dt.timedelta(days=30)
    assert out.splitlines()[0] == f"Changes from {start:%a} {start.day} {start:%b %Y}"
    assert f"action {action}: Audit care plans" in out
    quiet = ok("changes", "--until", "01/01/2020", db=db, whole=True)
    assert "no changes recorded from Mon 2 Dec 2019 to Wed 1 Jan 2020" in quiet.stderr


@pytest.mark.parametrize(
    "args, says",
    [
        (["overdue", "--as-of", "01/01/2020", "--inspection", PLAN], "nothing overdue as of Wed 1 Jan 2020 in"),
        (["due", "--as-of", "01/01/2020", "--csv"], "nothing falls due within 10 working days of Wed 1 Jan 2020"),
        (["actions", "--status", "blocked", "--json"], "no actions match"),
    ],
)
def test_an_empty_listing_says_so_on_stderr_and_keeps_stdout_for_scripts(db, args, says):
    out = ok(*args, db=db, whole=True)
    assert says in out.stderr and len(out.stderr.splitlines()) == 1
    if "--json" in args:
        assert json.loads(out.stdout) == []
    elif "--csv" in args:
        assert rows(out.stdout) == [["id", "inspection", "what", "owner", "due", *REVISED_COLUMNS]]


def test_csv_cells_hold_one_thing_under_names_scripts_use(db):
    table = rows(ok("list", "--csv", db=db))
    assert table[0] == [
        "id",
        "authority",
        "fieldwork_start",
        "fieldwork_end",
        "published",
        "overall",
        "next_deadline_due",
        "next_deadline",
        "open",
        "actions_overdue",
        "deadlines_overdue",
        "done",
        "not_stated",
        "red",
        "amber",
        "green",
        "blue",  # the ratings' counts, under BRAG by default (issue 28)
    ]
    [east] = [row for row in table if row[0] == PLAN]
    assert east[2:5] == ["2023-12-11", "2023-12-15", "2024-02-06"]
    late = rows(ok("overdue", "--csv", db=db))[0]
    assert late[-2:] == ["working_days_late", "days_late"]
    for command in (["owner", "list"], ["summary"], ["changes"], ["actions"]):
        assert all(" " not in name for name in rows(ok(*command, "--csv", db=db))[0]), command


def test_done_twice_records_nothing_the_second_time(db):
    [action] = record_actions(db, PLAN, ACTIONS)
    assert ok("done", action, "--on", "20/03/2024", db=db, strip=True) == f"action {action} done on Wed 20 Mar 2024"
    updates = json.loads(ok("history", action, "--json", db=db))["updates"]
    again = ok("done", action, db=db, strip=True)
    assert again == f"action {action} is done already: nothing recorded (see `ilacs history {action}`)"
    assert json.loads(ok("history", action, "--json", db=db))["updates"] == updates
    assert ok("done", "D1", "--on", "24/04/2024", db=db, strip=True) == (
        "deadline D1 is met on Wed 24 Apr 2024 already: nothing recorded"
    )


def test_undo_lists_your_commands_and_dry_run_previews(db):
    [action] = record_actions(db, PLAN, ACTIONS)
    ok("update", action, "--status", "blocked", "--by", "Ann", db=db)
    ok("edit", action, "--owner", "B Khan", "--by", "Ann", db=db)
    listed = ok("undo", "--list", "--by", "Ann", db=db).splitlines()
    assert listed[0] == "Last commands of Ann"
    assert listed[2].split()[-4:] == ["edit", "undo", "reverses", "this"]
    assert listed[3].split()[-1] == "update"
    assert "would undo `edit` of" in ok("undo", "--dry-run", "--by", "Ann", db=db)
    ok("undo", "--by", "Ann", db=db)
    listed = ok("undo", "--list", "--by", "Ann", db=db).splitlines()
    assert [line.split()[5:] for line in listed[2:]] == [
        ["undo", "an", "undo"],
        ["edit", "undone"],
        ["update", "undo", "reverses", "this"],
    ]


@pytest.mark.sqlite_only("the backup beside the file")
def test_the_examples_leave_at_once_and_a_new_plan_says_how(db):
    ok("add-inspection", "brighton-2025", "--authority", "Brighton and Hove", "--published", "03/03/2025", db=db)
    out = run_ilacs("add-inspection", "hove-2025", "--authority", "Hove", "--published", "03/03/2025", db=db)
    assert "also holds 5 example plans" in out.stderr and "ilacs remove --examples" in out.stderr
    refused("remove", "--examples", db=db, code=2, says="asks for confirmation")
    gone = ok("remove", "--examples", "--yes", db=db, whole=True)
    assert "Removed east-sussex-2018, east-sussex-2023, southend-2019, telford-wrekin-2024" in gone.stderr
    assert [row[0] for row in rows(ok("list", "--csv", db=db))[1:]] == ["brighton-2025", "hove-2025"]
    backups = list(db.parent.glob("plan.db.before-remove-examples-*.bak"))
    assert len(backups) == 1
    refused("remove", "--examples", "--yes", db=db, code=2, says="holds no example plans")
    refused("remove", "hove-2025", "--examples", db=db, code=2, says="not both")


def test_bare_ilacs_says_what_to_do_in_a_screen(tmp_path):
    db = tmp_path / "plan.db"
    out = run_ilacs(db=db)
    assert out.returncode == 0 and out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[1] == f"Database: {db}" and lines[-1] == "Every command: ilacs -h    One command: ilacs COMMAND -h"
    assert len(lines) <= 24 and max(map(len, lines[2:])) <= 80  # the path aside
    assert not db.exists()


@pytest.mark.parametrize(
    "args, says",
    [
        (["add-action", PLAN, "--area", "1", "--owner", "O", "--due", "end of June", "T"], "'end of June 20"),
        (["overdue", "--as-of", "30 June"], "'30 June 20"),
    ],
)
def test_a_day_or_period_without_a_year_is_asked_for_with_one(db, args, says):
    said = refused(*args, db=db, code=2, says=["has no year: add it, e.g.", says])
    year = int(said.split(says)[1][:2]) + 2000
    today = dt.date.today()
    target = dt.date(year, 6, 30)
    if "--due" in args:  # a target: the next 30 June; a day to report on: the latest
        assert target >= today > dt.date(year - 1, 6, 30)
    else:
        assert target <= today < dt.date(year + 1, 6, 30)


def test_refusals_name_what_each_option_takes(db):
    due = refused("add-action", PLAN, "--area", "1", "--owner", "O", "--due", "soonish", "T", db=db, code=2)
    assert "or a period: June 2025, end of June 2025, Q3 2025/26" in due
    day = refused("overdue", "--as-of", "soonish", db=db, code=2)
    assert "+10 working days" in day and "period" not in day


def test_summary_piped_keeps_whole_area_titles(db):
    out = ok("summary", "--inspection", "telford-wrekin-2024", db=db)
    assert "…" not in out
    assert "1: The management of contacts within Family Connect" in out


def test_a_plans_own_json_imports_back(db, tmp_path):
    plan = tmp_path / "telford.json"
    ok("export", "telford-wrekin-2024", "-o", str(plan), db=db)
    before = plan.read_text(encoding="utf-8")
    out = ok("import", str(plan), db=db, whole=True)
    assert out.stdout.strip() == (
        "Imported telford.json into telford-wrekin-2024: 0 added, 0 updated (0 status changes), 5 unchanged"
    )
    assert out.stderr == ""  # every column known
    rows_ = json.loads(before)
    rows_[0]["status"] = "blocked"
    rows_[0]["latest_update_note"] = "waiting for the new system"
    plan.write_text(json.dumps(rows_), encoding="utf-8")
    out = ok("import", str(plan), db=db, strip=True)
    assert "1 updated (1 status changes), 4 unchanged" in out
    [changed] = [
        a
        for a in json.loads(ok("actions", "--status", "blocked", "--json", db=db))
        if a["inspection"] == "telford-wrekin-2024"
    ]
    assert changed["id"] == rows_[0]["action_id"]
    plan.write_text('{"rows": []}', encoding="utf-8")
    refused("import", str(plan), "--inspection", "telford-wrekin-2024", db=db, code=2, says="whole-database export")


def test_remind_takes_json_as_the_listings_do(db):
    # An example plan is mailed only to people registered for it (issue 29): its coordinator hears of D2.
    ok("owner", "add", "B Khan", "--email", "b.khan@example.gov.uk", "--coordinator", "east-sussex-2023", db=db)
    as_json = ok("remind", "--json", "--as-of", "2025-06-02", db=db)
    assert as_json == ok("remind", "-f", "json", "--as-of", "2025-06-02", db=db)
    assert isinstance(json.loads(as_json), list)
    refused("remind", "--json", "-f", "html", db=db, code=2, says="ask for two formats")


def test_every_option_and_argument_has_help():
    import typer

    from ilacs_cli.cli import app

    def missing(command, path):
        if hasattr(command, "commands"):  # a group: `owner`, `mail`, the app itself
            return [item for name, sub in command.commands.items() for item in missing(sub, [*path, name])]
        return [
            f"{' '.join(path)} {param.name}"
            for param in command.params
            if param.name != "help" and not getattr(param, "help", None)
        ]

    assert missing(typer.main.get_command(app), []) == []


def test_undo_list_gives_json_and_csv_as_listings_do(db):
    [action] = record_actions(db, PLAN, ACTIONS)
    ok("edit", action, "--owner", "B Khan", "--by", "Ann", db=db)
    [mine] = json.loads(ok("undo", "--list", "--by", "Ann", "--json", db=db))
    assert (mine["command"], mine["state"]) == ("edit", "next")
    table = rows(ok("undo", "--list", "--by", "Ann", "--csv", db=db))
    assert table[0] == ["at", "command", "note", "undo"] and table[1][1:] == ["edit", "", "next"]
    refused("undo", "--json", "--by", "Ann", db=db, code=2, says="go with --list")
