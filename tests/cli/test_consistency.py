"""Every read agrees with `actions --json`, on hundreds of imported actions in several inspections (some with no
area or no due date): summary's counts, overdue, the CSV export (every action, in plan order, with the latest
update each carries) and the owner filter, whatever the case of the name."""

import csv
import datetime as dt
import io
import json
import random
import sqlite3

import pytest
from helpers.cli import ok
from helpers.cli import run_ilacs as ilacs
from helpers.plans import PLAN, record_actions

PLANS = {"east-sussex-2023": 3, "west-sussex-2019": 11}  # inspection: its areas for improvement in the seeds
STATUS_WORDS = ["Not started", "In progress", "On hold", "Complete", "Withdrawn"]
OWNERS = ["A Watson", "B Khan", "C Jones", "D Patel", "E Nowak"]
OPEN = {"not-started", "in-progress", "blocked"}
STATUSES = ["not-started", "in-progress", "blocked", "done", "cancelled"]
# The plan is imported today, so the days read are today or later (a past day reads the plan as it stood then,
# before it was imported: test_own_plan covers that).
TODAY = dt.date.today()
THIS_YEAR = TODAY.year


def write_plan(path, areas, rng):
    """300 rows: areas at random (a tenth left blank), due dates over this year and the next (a few blank), mixed
    statuses."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Ref", "Area", "Action", "Lead officer", "Target date", "Status", "Progress"])
        for number in range(1, 301):
            area = "" if rng.random() < 0.1 else rng.randint(1, areas)
            day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.choice([THIS_YEAR, THIS_YEAR + 1])
            due = "" if rng.random() < 0.05 else f"{day:02d}/{month:02d}/{year}"  # UK day-first
            writer.writerow(
                [
                    f"R{number}",
                    area,
                    f"Action {number} of {path.stem}",
                    rng.choice(OWNERS),
                    due,
                    rng.choice(STATUS_WORDS),
                    f"note {number}",
                ]
            )


def counts(actions, as_of):
    by_status = {status: sum(a["status"] == status for a in actions) for status in (*STATUSES, "unknown")}
    # % done counts the actions whose status is known: cancelled and unknown (not stated) ones are left out
    counted = len(actions) - by_status["cancelled"] - by_status["unknown"]
    return {
        "not_started": by_status["not-started"],
        "in_progress": by_status["in-progress"],
        "blocked": by_status["blocked"],
        "done": by_status["done"],
        "cancelled": by_status["cancelled"],
        "not_stated": by_status["unknown"],
        "total": len(actions),
        "percent_done": (200 * by_status["done"] + counted) // (2 * counted) if counted else None,  # half up
        "overdue": sum(a["status"] in OPEN and a["due"] is not None and a["due"] < as_of for a in actions),
        "rescheduled": sum(a["revised_due"] is not None for a in actions),
    }


@pytest.mark.sqlite_only("reads the file with sqlite3")
def test_every_read_agrees_with_the_actions_listed(db, tmp_path):
    rng = random.Random(6)
    for inspection, areas in PLANS.items():
        sheet = tmp_path / f"{inspection}.csv"
        write_plan(sheet, areas, rng)
        assert "300 added" in ok("import", str(sheet), "--inspection", inspection, db=db)
    actions = json.loads(ok("actions", "--json", db=db))
    for action in rng.sample([a for a in actions if a["status"] in OPEN], 5):  # later updates, by someone else
        ok("update", str(action["id"]), "--status", "blocked", "--note", "waiting", "--by", "F Green", db=db)
    actions = json.loads(ok("actions", "--json", db=db))
    assert len(actions) >= 600 and any(a["area"] is None for a in actions) and any(a["due"] is None for a in actions)

    # due that very day: not late
    boundary = min(a["due"] for a in actions if a["status"] in OPEN and a["due"] and a["due"] > TODAY.isoformat())
    for as_of in ((TODAY + dt.timedelta(days=1)).isoformat(), f"{THIS_YEAR + 1}-03-31", boundary):
        summary = {item["inspection"]: item for item in json.loads(ok("summary", "--as-of", as_of, "--json", db=db))}
        for inspection, item in summary.items():
            mine = [a for a in actions if a["inspection"] == inspection]
            assert item["progress"] == counts(mine, as_of), inspection
            for area in item["areas"]:
                assert area["progress"] == counts([a for a in mine if a["area"] == area["area"]], as_of), area
            assert sum(area["progress"]["total"] for area in item["areas"]) == len(mine)
        late = json.loads(ok("overdue", "--as-of", as_of, "--json", db=db))
        assert sorted(item["id"] for item in late if item["kind"] == "action") == sorted(
            a["id"] for a in actions if a["status"] in OPEN and a["due"] is not None and a["due"] < as_of
        )

    exported = list(csv.DictReader(io.StringIO(ok("export", "--format", "csv", db=db))))
    in_plan_order = sorted(
        actions,
        key=lambda a: (a["inspection"], a["area"] is None, a["area"] or 0, a["due"] is None, a["due"] or "", a["id"]),
    )
    assert [int(row["Id"]) for row in exported] == [a["id"] for a in in_plan_order]
    # "Latest update on" is the day the latest update describes (its --on, else the day it was typed), read here
    # straight from the history's table.
    described = dict(
        sqlite3.connect(db).execute(
            "SELECT action_id, coalesce(on_day, substr(at, 1, 10)) FROM status_updates s WHERE id = "
            "(SELECT max(id) FROM status_updates WHERE action_id = s.action_id)"
        )
    )
    for row, action in zip(exported, in_plan_order):
        assert (row["Status"], row["Latest update on"], row["Target date"]) == (
            action["status"],
            described.get(action["id"], ""),
            action["due"] or "",
        )
    blocked_later = [row for row in exported if row["Latest update by"] == "F Green"]
    assert len(blocked_later) == 5 and {row["Latest update"] for row in blocked_later} == {"waiting"}

    spellings = [(owner, spelling) for owner in OWNERS for spelling in (owner, owner.upper(), owner.lower())]
    for owner, spelling in spellings:
        listed = json.loads(ok("actions", "--owner", spelling, "--json", db=db))
        mine = sorted(a["id"] for a in actions if a["owner"] == owner)
        assert sorted(a["id"] for a in listed) == mine, spelling
    assert ilacs("check", db=db).returncode == 0


@pytest.mark.sqlite_only("the views for Datasette are SQLite's")
def test_percentages_round_half_up_in_summary_the_paper_and_the_browsers_view(db):
    # 1 of 8 done is 12.5%: people, and every output, say 13% (rounding down said 12% in summary and the view).
    record_actions(db, PLAN, [(1, f"Action {n}", "A Watson", "2030-10-31", "done" if n == 1 else "") for n in range(8)])
    [found] = json.loads(ok("summary", "--inspection", PLAN, "--json", db=db))
    assert found["progress"]["percent_done"] == 13
    view = sqlite3.connect(db).execute(
        "SELECT percent_done FROM progress_by_area WHERE inspection = ? AND area = 1", (PLAN,)
    )
    assert view.fetchone() == (13,)
    assert "(13%)" in ok("report", PLAN, "--format", "markdown", db=db)
