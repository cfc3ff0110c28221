"""Working-day deadlines against known English calendars, and the date forms users type."""

import datetime as dt
import json
import sqlite3

import pytest
from helpers.cli import run_ilacs


def plan_due(db, published, days, unit="working-days"):
    out = run_ilacs(
        "add-inspection",
        "t-" + published.replace("/", "-"),
        "--authority",
        "Test",
        "--published",
        published,
        "--plan-days",
        str(days),
        "--plan-unit",
        unit,
        db=db,
    )
    assert out.returncode == 0, out.stderr
    detail = json.loads(run_ilacs("show", out.stdout.strip(), "--json", db=db).stdout)
    return detail["deadlines"][0]["due"]


@pytest.mark.parametrize(
    "published, days, expected",
    [
        ("2024-02-06", 70, "2024-05-17"),  # East Sussex: Good Friday, Easter Monday, 6 May skipped
        ("2020-05-07", 1, "2020-05-11"),  # VE Day moved to Fri 8 May 2020
        ("2022-06-01", 1, "2022-06-06"),  # Platinum Jubilee, 2 and 3 Jun 2022
        ("2022-09-16", 1, "2022-09-20"),  # State Funeral, Mon 19 Sep 2022
        ("2023-05-05", 1, "2023-05-09"),  # Coronation, Mon 8 May 2023
        ("2021-12-24", 1, "2021-12-29"),  # Christmas and Boxing Day at a weekend: 27 and 28 Dec substitutes
        ("2019-01-01", 60, "2019-03-02"),  # calendar days ignore holidays
    ],
)
def test_plan_deadline_counts_english_working_days(db, published, days, expected):
    unit = "calendar-days" if expected == "2019-03-02" else "working-days"
    assert plan_due(db, published, days, unit) == expected


def test_uk_day_first_and_written_dates_are_the_same_day(db):
    for text in ("31/10/2024", "31 Oct 2024", "2024-10-31", "31 October 2024"):
        out = run_ilacs("add-action", "east-sussex-2023", "--area", "1", "--owner", "X", "--due", text, "T", db=db)
        assert out.returncode == 0, out.stderr
    rows = json.loads(run_ilacs("actions", "--inspection", "east-sussex-2023", "--json", db=db).stdout)
    assert {row["due"] for row in rows} == {"2024-10-31"}


@pytest.mark.sqlite_only("reads the file with sqlite3")
def test_relative_working_days_skip_weekends_and_holidays(db):
    run_ilacs("add-action", "east-sussex-2023", "--area", "1", "--owner", "X", "--due", "+10 working days", "T", db=db)
    due = json.loads(run_ilacs("actions", "--inspection", "east-sussex-2023", "--json", db=db).stdout)[0]["due"]
    conn = sqlite3.connect(db)
    today, end = (
        conn.execute("SELECT number, working FROM calendar WHERE day = ?", (day,)).fetchone()
        for day in (dt.date.today().isoformat(), due)
    )
    assert end[1] == 1 and end[0] - today[0] == 10


def test_due_within_uses_working_days(db):
    # As of Thu 17 Oct 2024, the 10th working day ahead is Thu 31 Oct; Fri 1 Nov is the 11th.
    for due in ("31/10/2024", "01/11/2024"):
        run_ilacs(
            "add-action",
            "east-sussex-2023",
            "--on",
            "01/10/2024",
            "--area",
            "1",
            "--owner",
            "X",
            "--due",
            due,
            f"due {due}",
            db=db,
        )
    out = run_ilacs("due", "--within", "10", "--as-of", "2024-10-17", "--json", db=db)
    titles = sorted(row["title"] for row in json.loads(out.stdout) if row["kind"] == "action")
    assert titles == ["due 31/10/2024"]
    out = run_ilacs("due", "--within", "9", "--as-of", "2024-10-17", "--json", db=db)
    assert [row for row in json.loads(out.stdout) if row["kind"] == "action"] == []
