"""Habits users bring from other command-line tools (issue 13), through the real CLI on real files."""

import datetime as dt
import importlib.metadata
import json
import os
import subprocess
import sys

import pytest
from helpers.cli import in_terminal
from helpers.cli import run_ilacs as ilacs

from ilacs_cli.dates.days import parse_date


def without_db(**extra):
    """The environment with no ILACS_DB, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if key != "ILACS_DB"}
    return {**env, **extra}


def run(*args, env):
    return subprocess.run([sys.executable, "-m", "ilacs_cli", *args], capture_output=True, text=True, env=env)


# -- --version and -h -------------------------------------------------------------------------------------------------


def test_version_is_the_installed_distributions():
    out = ilacs("--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"ilacs {importlib.metadata.version('ilacs')}\n"


@pytest.mark.parametrize("command", [[], ["list"], ["owner"], ["owner", "add"], ["remind"]])
def test_h_is_help_everywhere(command):
    short, long = ilacs(*command, "-h"), ilacs(*command, "--help")
    assert short.returncode == long.returncode == 0, short.stderr
    assert short.stdout == long.stdout and "Usage: ilacs" in short.stdout


# Only the command named is built (issue 16): help before a command, a misspelt command and the shell's completion
# still see every command.
EVERY_COMMAND = [
    "list",
    "show",
    "add-inspection",
    "add-action",
    "update",
    "edit",
    "overdue",
    "due",
    "remind",
    "export",
    "import",
    "summary",
    "report",
    "calendar",
    "seed",
    "owner",
    "mail",
]


@pytest.mark.parametrize("args", [["-h"], ["-h", "overdue"], ["--db", "x.db", "--help", "overdue"]])
def test_help_before_a_command_lists_every_command(args):
    out = ilacs(*args)
    assert out.returncode == 0, out.stderr
    listed = {line.split()[1] for line in out.stdout.splitlines() if line.startswith("│ ") and len(line.split()) > 1}
    assert set(EVERY_COMMAND) <= listed


def test_a_misspelt_command_is_told_the_nearest_one(tmp_path):
    out = ilacs("--db", str(tmp_path / "plan.db"), "overdu")
    assert out.returncode == 2 and "No such command 'overdu'. Did you mean 'overdue'?" in out.stderr
    assert not (tmp_path / "plan.db").exists()


def test_the_shell_completes_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "ilacs_cli"],
        capture_output=True,
        text=True,
        env=without_db(_ILACS_COMPLETE="complete_bash", COMP_WORDS="ilacs ov", COMP_CWORD="1"),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["overdue"]
    out = subprocess.run(
        [sys.executable, "-m", "ilacs_cli"],
        capture_output=True,
        text=True,
        env=without_db(_ILACS_COMPLETE="complete_bash", COMP_WORDS="ilacs overdue --ow", COMP_CWORD="2"),
    )
    assert out.stdout.split() == ["--owner"]


# -- --db before or after the command ---------------------------------------------------------------------------------


def test_db_before_the_command_reads_that_file(db, tmp_path):
    env = without_db(ILACS_DB=str(tmp_path / "elsewhere.db"))  # ILACS_DB names a file that does not exist
    before = run("--db", str(db), "list", "--json", env=env)
    assert before.returncode == 0, before.stderr
    assert {row["id"] for row in json.loads(before.stdout)} >= {"east-sussex-2023", "telford-wrekin-2024"}
    assert not (tmp_path / "elsewhere.db").exists()


def test_db_after_the_command_wins_over_before_which_wins_over_ilacs_db(tmp_path):
    env = without_db(ILACS_DB=str(tmp_path / "env.db"))
    assert run("where", env=env).stdout == f"{tmp_path / 'env.db'}\n"
    assert run("--db", str(tmp_path / "before.db"), "where", env=env).stdout == f"{tmp_path / 'before.db'}\n"
    assert (
        run("--db", str(tmp_path / "before.db"), "where", "--db", str(tmp_path / "after.db"), env=env).stdout
        == f"{tmp_path / 'after.db'}\n"
    )


def test_db_after_the_command_is_the_one_opened(db, tmp_path):
    out = run("--db", str(tmp_path / "missing.db"), "list", "--db", str(db), "--json", env=without_db())
    assert out.returncode == 0, out.stderr
    missing = run("--db", str(tmp_path / "missing.db"), "list", env=without_db())
    assert missing.returncode == 1 and f"ilacs seed --db {tmp_path / 'missing.db'}" in missing.stderr


def test_seed_with_db_before_the_command_writes_there(tmp_path):
    target = tmp_path / "new.db"
    out = run("--db", str(target), "seed", env=without_db())
    assert out.returncode == 0, out.stderr
    assert target.exists() and str(target) in out.stderr


# -- shell completion ---------------------------------------------------------------------------------------------


def completions(words, cword, env):
    """What `ilacs` offers bash for word `cword` of `words` (the protocol the installed script speaks)."""
    out = run(env={**env, "COMP_WORDS": " ".join(words), "COMP_CWORD": str(cword), "_ILACS_COMPLETE": "complete_bash"})
    assert out.returncode == 0 and out.stderr == "", out.stderr
    return out.stdout.split()


def test_status_options_complete_statuses_and_groups():
    env = without_db()
    assert completions(["ilacs", "actions", "--status", ""], 3, env) == [
        "not-started",
        "in-progress",
        "blocked",
        "done",
        "cancelled",
        "open",
        "closed",
        "unknown",
    ]  # issue 18: a filter may ask for the actions whose status no document gives
    assert completions(["ilacs", "actions", "--status", "c"], 3, env) == ["cancelled", "closed"]
    assert completions(["ilacs", "update", "1", "--status", ""], 4, env) == [
        "not-started",
        "in-progress",
        "blocked",
        "done",
        "cancelled",
    ]  # an update records one status, not a group


@pytest.mark.sqlite_only("completion reads a file, never a server")
def test_inspection_ids_complete_from_the_database_named(db, tmp_path):
    expected = ["east-sussex-2018", "east-sussex-2023"]
    assert completions(["ilacs", "show", "east"], 2, without_db(ILACS_DB=str(db))) == expected
    assert completions(["ilacs", "--db", str(db), "report", "east"], 4, without_db()) == expected
    assert completions(["ilacs", "overdue", "--db", str(db), "--inspection", "east"], 5, without_db()) == expected
    assert "telford-wrekin-2024" in completions(
        ["ilacs", "actions", "--inspection", ""], 3, without_db(ILACS_DB=str(db))
    )


def test_inspection_completion_on_a_missing_database_offers_nothing_and_creates_nothing(tmp_path):
    home = tmp_path / "data"  # the default database would live here: completing must not create or seed it
    env = without_db(XDG_DATA_HOME=str(home))
    assert completions(["ilacs", "show", ""], 2, env) == []
    assert completions(["ilacs", "--db", str(tmp_path / "none.db"), "show", ""], 4, env) == []
    assert not (tmp_path / "none.db").exists() and not home.exists()
    (tmp_path / "junk.db").write_text("not a database")
    assert completions(["ilacs", "--db", str(tmp_path / "junk.db"), "show", ""], 4, env) == []


@pytest.mark.sqlite_only("completion reads a file, never a server")
def test_completion_installs_for_bash_and_bash_completes_through_it(db, tmp_path):
    """--install-completion in a real bash, then bash's own completion function, calling the installed `ilacs`."""
    import shutil

    bash = shutil.which("bash")
    script = os.path.join(os.path.dirname(sys.executable), "ilacs")
    if bash is None or not os.path.exists(script):
        pytest.skip("needs bash and the installed ilacs script")
    env = without_db(
        HOME=str(tmp_path),
        ILACS_DB=str(db),
        PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    # Not bash's last command, so bash stays ilacs's parent: typer finds the shell by its parent process.
    installed = subprocess.run(
        [bash, "-c", "ilacs --install-completion; exit $?"], capture_output=True, text=True, env=env
    )
    assert installed.returncode == 0, installed.stderr
    completion_file = tmp_path / ".bash_completions" / "ilacs.sh"
    assert completion_file.exists() and str(completion_file) in (tmp_path / ".bashrc").read_text()
    shown = subprocess.run(
        [bash, "-c", "ilacs --show-completion; exit $?"], capture_output=True, text=True, env=env
    )  # as above: bash stays ilacs's parent, whatever started the tests
    assert shown.stdout.strip() == completion_file.read_text().strip()
    asked = subprocess.run(
        [
            bash,
            "-c",
            f"source '{completion_file}'; COMP_WORDS=(ilacs overdue --inspection tel); "
            "COMP_CWORD=3; _ilacs_completion ilacs; printf '%s\\n' \"${COMPREPLY[@]}\"",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert asked.stdout.split() == ["telford-wrekin-2024"], asked.stderr


# -- --status: repeatable, with groups ----------------------------------------------------------------------------


def statuses_listed(db, *statuses):
    out = ilacs("actions", *[arg for status in statuses for arg in ("--status", status)], "--json", db=db)
    assert out.returncode == 0, out.stderr
    return sorted((row["id"], row["status"]) for row in json.loads(out.stdout))


def test_status_is_repeatable_and_open_and_closed_are_groups(db):
    assert ilacs("update", "1", "--status", "blocked", db=db).returncode == 0
    assert ilacs("update", "3", "--status", "cancelled", db=db).returncode == 0
    everything = statuses_listed(db)
    # Issue 18: no seeded action is not-started (no document says so); what the slides do not give is unknown.
    assert {status for _, status in everything} == {"unknown", "in-progress", "blocked", "done", "cancelled"}
    open_ = [row for row in everything if row[1] in ("not-started", "in-progress", "blocked")]
    closed = [row for row in everything if row[1] in ("done", "cancelled")]
    assert statuses_listed(db, "open") == statuses_listed(db, "not-started", "in-progress", "blocked") == open_
    assert statuses_listed(db, "closed") == statuses_listed(db, "done", "cancelled") == closed
    assert statuses_listed(db, "blocked", "cancelled") == [(1, "blocked"), (3, "cancelled")]
    # Issue 18: actions whose status no document gives are neither open nor closed: `unknown` names them.
    assert statuses_listed(db, "open", "closed", "unknown") == everything
    assert statuses_listed(db, "in-progress") == [row for row in everything if row[1] == "in-progress"]


@pytest.mark.parametrize("args", [["--status", "opn"], ["--status", "open", "--status", "finished"]])
def test_unknown_status_is_one_line_naming_every_choice_exit_2(db, args):
    out = ilacs("actions", *args, db=db)
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    for word in ("not-started", "in-progress", "blocked", "done", "cancelled", "open", "closed"):
        assert word in lines[0]


# -- dates officers type ------------------------------------------------------------------------------------------


def england_today():
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/London")).date()


def added_due(db, due):
    """Add an action due `due` through the CLI; its (ISO due date, wording as written or None) from the export."""
    added = ilacs("add-action", "east-sussex-2023", "--area", "1", "--owner", "X", "--due", due, f"due {due}", db=db)
    assert added.returncode == 0, added.stderr
    rows = json.loads(ilacs("export", "east-sussex-2023", "--format", "json", db=db).stdout)
    row = next(row for row in rows if str(row["action_id"]) == added.stdout.strip())
    return row["target_date"], row["target_wording"]


def test_tomorrow_yesterday_weekdays_and_weeks_through_the_cli(db):
    today = england_today()
    days = [today + dt.timedelta(days=n) for n in range(-7, 15)]
    this_friday = min(day for day in days if day >= today and day.strftime("%A") == "Friday")
    next_week_friday = min(
        day
        for day in days
        if day.isocalendar()[1] != today.isocalendar()[1] and day > today and day.strftime("%A") == "Friday"
    )
    last_monday = max(day for day in days if day < today and day.strftime("%A") == "Monday")
    expected = {
        "tomorrow": today + dt.timedelta(days=1),
        "yesterday": today - dt.timedelta(days=1),
        "friday": this_friday,
        "Fri": this_friday,
        "this friday": this_friday,
        "next friday": next_week_friday,
        "last monday": last_monday,
        "+2 weeks": today + dt.timedelta(days=14),
        "+1 week": today + dt.timedelta(days=7),
    }
    for text, day in expected.items():
        assert added_due(db, text) == (day.isoformat(), None), text


@pytest.mark.parametrize(
    "text, day",
    [
        ("end of June 2025", "2025-06-30"),
        ("early June 2025", "2025-06-07"),
        ("mid-June 2025", "2025-06-15"),
        ("mid June 2025", "2025-06-15"),
        ("late June 2025", "2025-06-30"),
        ("late February 2024", "2024-02-29"),
        ("Sept 2025", "2025-09-30"),
        ("Q3 2025", "2025-09-30"),
        ("Q3 2025/26", "2025-12-31"),
        ("Q4 2025/26", "2026-03-31"),
        ("Q3 25/26", "2025-12-31"),
        ("q3 fy25/26", "2025-12-31"),
        ("FY25/26 Q3", "2025-12-31"),
        ("FY 2025/26 Q1", "2025-06-30"),
        ("2025-26 Q4", "2026-03-31"),
    ],
)
def test_periods_keep_their_wording_and_the_day_they_end_by(db, text, day):
    assert added_due(db, text) == (day, text)


def test_sept_in_a_written_date_is_september(db):
    assert added_due(db, "30 Sept 2025") == ("2025-09-30", None)


# The rules with a fixed today, for every day of one week: Mon 2 Jun 2025 to Sun 8 Jun 2025.
WEEK = [dt.date(2025, 6, 2) + dt.timedelta(days=n) for n in range(7)]


@pytest.mark.parametrize("today", WEEK, ids=lambda day: day.strftime("%a"))
def test_weekday_names_from_each_day_of_the_week(today):
    friday, next_friday, last_friday = (parse_date(text, today) for text in ("friday", "next friday", "last friday"))
    assert friday.weekday() == next_friday.weekday() == last_friday.weekday() == 4
    assert 0 <= (friday - today).days <= 6  # the coming Friday; today when today is a Friday
    assert next_friday - WEEK[0] == dt.timedelta(days=11)  # always the Friday of the week after this Mon-Sun week
    assert 1 <= (today - last_friday).days <= 7
    assert parse_date("monday", today) == (today if today.weekday() == 0 else dt.date(2025, 6, 9))


@pytest.mark.parametrize(
    "text", ["Q5 2025", "Q3 2025/27", "end of Smarch 2025", "next", "friday next", "+3 fortnights", "late 2025"]
)
def test_near_misses_are_refused_with_the_forms_accepted(db, text):
    out = ilacs("add-action", "east-sussex-2023", "--area", "1", "--owner", "X", "--due", text, "T", db=db)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "tomorrow, friday" in out.stderr


def test_a_period_is_not_a_day_where_a_day_is_needed(db):
    out = ilacs("overdue", "--as-of", "Q3 2025", db=db)
    assert out.returncode == 2 and "is a period, not a day" in out.stderr
    assert ilacs("overdue", "--as-of", "yesterday", db=db).returncode == 0


# -- tables in an 80-column terminal ------------------------------------------------------------------------------


def visible(shown):
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", shown)


def assert_fits_and_shows_whole(shown, columns, *texts):
    text = visible(shown)
    assert "┏" in text, "not a rich table"
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "…" not in text
    for item in texts:
        assert item in text, f"{item!r} cut or missing"


@pytest.fixture()
def busy_db(db):
    """Both East Sussex plans with actions (ids that differ only at the end), one of them long-titled."""
    for inspection, title in (
        ("east-sussex-2018", "Audit [bold]supervision[/bold] records across every team"),
        ("east-sussex-2023", "Refresh the neglect toolkit"),
    ):
        out = ilacs(
            "add-action",
            inspection,
            "--on",
            "02/01/2024",
            "--area",
            "1",
            "--owner",
            "Head of Safeguarding",
            "--due",
            "31/10/2024",
            title,
            db=db,
        )
        assert out.returncode == 0, out.stderr
    return db


def test_actions_at_80_columns_never_cut_an_id_a_status_or_a_date(busy_db):
    shown = in_terminal("actions", db=busy_db)
    rows = json.loads(ilacs("actions", "--json", db=busy_db).stdout)
    from ilacs_cli.dates.days import human

    # A status no document gives is stored `unknown` and shown "not stated" (issue 18).
    shown_statuses = {"not stated" if row["status"] == "unknown" else row["status"] for row in rows}
    assert_fits_and_shows_whole(
        shown,
        80,
        *{row["inspection"] for row in rows},
        *shown_statuses,
        *{human(row["due"]) for row in rows if row["due"]},
    )
    for row in rows:
        assert f"│ {row['id']} " in visible(shown)
    assert "[bold]" in visible(shown)  # user text is shown literally, never read as rich markup
    assert "Not shown at this width: ref, area, owner" in visible(shown)


def test_a_filter_drops_the_column_it_makes_constant_in_a_terminal_only(busy_db):
    shown = visible(in_terminal("actions", "--inspection", "east-sussex-2023", db=busy_db))
    assert_fits_and_shows_whole(shown, 80, "Thu 31 Oct 2024", "not-started", "Head of")
    assert shown.startswith("Actions: inspection east-sussex-2023")
    header = next(line for line in shown.splitlines() if "┃ id" in line)
    # Issue 28: each action's rating takes a column; at 80 columns the ref gives way to it.
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == [
        "id",
        "area",
        "action",
        "owner",
        "due",
        "status",
        "rag",
    ]
    assert "Not shown at this width: ref " in shown
    piped = ilacs("actions", "--inspection", "east-sussex-2023", db=busy_db).stdout.splitlines()
    assert piped[0] == "Actions" and piped[1].split() == [
        "id",
        "inspection",
        "area",
        "ref",
        "action",
        "owner",
        "due",
        "status",
        "rag",
    ]  # scripts reading piped text see every column


def test_overdue_at_80_columns_keeps_ids_dates_and_lateness(busy_db):
    rows = json.loads(ilacs("overdue", "--as-of", "2025-11-01", "--json", db=busy_db).stdout)
    from ilacs_cli.dates.days import human

    shown = in_terminal("overdue", "--as-of", "2025-11-01", db=busy_db)
    assert_fits_and_shows_whole(
        shown,
        80,
        *{row["inspection"] for row in rows},
        *{human(row["due"]) for row in rows},
        *{f" {row['working_days_late']} " for row in rows},
    )
    one = visible(in_terminal("overdue", "--as-of", "2025-11-01", "--inspection", "east-sussex-2018", db=busy_db))
    assert_fits_and_shows_whole(one, 80, "Thu 31 Oct 2024", "Head of", " 253 ")
    assert one.startswith("Overdue as of Sat 1 Nov 2025: inspection east-sussex-2018") and "east-sussex-2023" not in one


def test_list_at_80_columns_keeps_ids_and_the_next_deadlines_date(db):
    shown = in_terminal("list", "--as-of", "2024-11-01", db=db)
    # Issue 18: no seeded deadline is open any more (no document records their outcomes), so none is "next";
    # one the council records as open again shows its date.
    east_sussex = json.loads(ilacs("show", "east-sussex-2023", "--json", db=db).stdout)["deadlines"]
    final = next(d["id"] for d in east_sussex if d["title"] == "Final action plan to Ofsted")
    assert ilacs("reopen", final, db=db).returncode == 0
    shown = in_terminal("list", db=db)
    assert_fits_and_shows_whole(
        shown, 80, "west-sussex-2019", "telford-wrekin-2024", "east-sussex-2018", "Fri 17 May 2024"
    )


def test_no_color_keeps_the_table_and_overdue_rows_are_red_only_with_colour(busy_db):
    coloured = in_terminal("overdue", "--as-of", "2025-11-01", db=busy_db, columns=200)
    plain = in_terminal("overdue", "--as-of", "2025-11-01", db=busy_db, columns=200, no_color=True)
    assert "\x1b[31m" in coloured
    assert "┏" in plain and "\x1b[31m" not in plain
    assert visible(plain) == visible(coloured)  # the same layout, without colour
    actions = in_terminal("actions", "--inspection", "east-sussex-2023", db=busy_db, columns=200)
    red_lines = [visible(line) for line in actions.splitlines() if "\x1b[31m" in line]
    assert red_lines and all("Thu 31 Oct 2024" in line for line in red_lines if "│ " in line and "Oct" in line)
