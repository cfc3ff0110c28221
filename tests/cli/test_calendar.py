"""`ilacs calendar`: deadlines and action due dates as iCalendar events, through the real CLI and a real SQLite file."""

import datetime as dt
import json
import os
import re
import stat
import subprocess
import sys

import icalendar
from helpers.cli import contents
from helpers.cli import run_ilacs as ilacs

CLOSED_ACTION = ("done", "cancelled")


def export(db, *args):
    """Run `ilacs calendar` to stdout; returns the raw bytes (CRLF kept: not read as text) and the events by UID."""
    out = subprocess.run(
        [sys.executable, "-m", "ilacs_cli", "calendar", *args],
        capture_output=True,
        env={**os.environ, "ILACS_DB": str(db)},
    )
    assert out.returncode == 0, out.stderr
    return out.stdout, events_by_uid(out.stdout)


def events_by_uid(raw: bytes) -> dict:
    events = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids)), "UIDs must be unique"
    return dict(zip(uids, events))


def expected_items(db):
    """Every deadline and action with a due date, as the other commands report them."""
    inspections = [row["id"] for row in json.loads(ilacs("list", "--json", db=db).stdout)]
    deadlines = [d for i in inspections for d in json.loads(ilacs("show", i, "--json", db=db).stdout)["deadlines"]]
    actions = json.loads(ilacs("actions", "--json", db=db).stdout)
    return [d for d in deadlines if d["due"]], [a for a in actions if a["due"]]


def find(events, kind, item):
    """The one event for a deadline or action: an action's UID holds its id; a deadline's CATEGORIES name its kind and
    inspection, and its DESCRIPTION its kind and title."""
    if kind == "action":
        return events[f"{item['inspection']}-action-{item['id']}@ilacs"]
    named = f"{item['kind'].capitalize()}: {item['title']}\n"
    matches = [
        event
        for event in events.values()
        if [str(c) for c in event["CATEGORIES"].cats] == [kind, item["inspection"]]
        and named in str(event["DESCRIPTION"])
    ]
    assert len(matches) == 1, (kind, item["id"], len(matches))
    return matches[0]


# The councils as calendar titles name them (written out here, not taken from the code).
COUNCILS = {
    "east-sussex-2018": "East Sussex",
    "east-sussex-2023": "East Sussex",
    "southend-2019": "Southend-on-Sea",
    "telford-wrekin-2024": "Telford and Wrekin",
    "west-sussex-2019": "West Sussex",
}
STATUS_WORDS = {
    "not-started": "Not started",
    "in-progress": "In progress",
    "blocked": "Blocked",
    "done": "Done",
    "cancelled": "Cancelled",
    "unknown": "Not stated",
}


def add_vague_action(db):
    out = ilacs(
        "add-action",
        "east-sussex-2023",
        "--area",
        "2",
        "--owner",
        "A Watson",
        "--due",
        "June 2025",
        "Audit supervision records",
        db=db,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_events_match_the_database(db):
    new_id = add_vague_action(db)
    raw, events = export(db)
    deadlines, actions = expected_items(db)
    # What `overdue` calls late today, and by how many working days: the calendar marks the same.
    late_today = {
        (row["kind"], row["inspection"], str(row["id"])): row["working_days_late"]
        for row in json.loads(ilacs("overdue", "--json", db=db).stdout)
    }
    assert late_today
    assert len(events) == len(deadlines) + len(actions)
    assert any(d["status"] == "met" for d in deadlines)  # closed items are exported too, marked as such
    for kind, items in (("deadline", deadlines), ("action", actions)):
        for item in items:
            event = find(events, kind, item)
            due = dt.date.fromisoformat(item["due"])
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            assert type(start) is dt.date and type(end) is dt.date  # DATE values: all-day events
            assert (start, end) == (due, due + dt.timedelta(days=1))
            assert event["DTSTART"].params.get("VALUE") == "DATE"
            assert isinstance(event.decoded("DTSTAMP"), dt.datetime)
            assert str(event["TRANSP"]) == "TRANSPARENT" and "STATUS" not in event
            summary = str(event["SUMMARY"])
            late = late_today.get((kind, item["inspection"], str(item["id"])))
            overdue = f"Overdue: {late} working day{'' if late == 1 else 's'} late as of "
            assert summary.startswith("Overdue: ") == (late is not None), summary
            assert (overdue in str(event["DESCRIPTION"])) == (late is not None)
            summary = summary.removeprefix("Overdue: ")
            council = COUNCILS[item["inspection"]]
            if kind == "deadline":
                closed = item["status"] != "open"
                # issue 18: an outcome no document records says so in words
                words = {"unknown": "outcome not recorded"}.get(item["status"], item["status"])
                assert summary == f"{council}: {item['title']}" + (f" ({words})" if closed else "")
                assert str(event["UID"]).startswith(f"{item['inspection']}-deadline-")
                assert (item["rule"] or "stated date") in str(event["DESCRIPTION"])
                shown = {"unknown": "Outcome not recorded", "open": "Open", "met": "Met", "missed": "Missed"}
                assert f"Status: {shown[item['status']]}" in str(event["DESCRIPTION"])
            else:
                closed = item["status"] in CLOSED_ACTION
                named = f"{item['ref']} {item['title']}" if item["ref"] else f"{item['title']} (action {item['id']})"
                assert summary == f"{council}: {named}" + (f" ({item['status']})" if closed else "")
                assert f"Status: {STATUS_WORDS[item['status']]}\n" in str(event["DESCRIPTION"])
            assert "ilacs history" not in str(event["DESCRIPTION"]) and "ilacs show" not in str(event["DESCRIPTION"])
    mine = events[f"east-sussex-2023-action-{new_id}@ilacs"]
    assert mine.decoded("DTSTART") == dt.date(2025, 6, 30)
    text = str(mine["DESCRIPTION"])
    assert "Owner: A Watson" in text and "(as written: June 2025)" in text
    assert "Area 2: The recording of management oversight, supervision and direction" in text
    assert "East Sussex County Council (east-sussex-2023)" in text
    assert all(line.endswith(b"\r\n") and len(line) <= 77 for line in raw.splitlines(keepends=True))


def test_unchanged_database_exports_identical_bytes_and_stdout_matches_file(db, tmp_path):
    add_vague_action(db)
    first, _ = export(db)
    second, _ = export(db)
    assert first == second
    target = tmp_path / "plan.ics"
    assert ilacs("calendar", "-o", str(target), db=db).returncode == 0
    assert target.read_bytes() == first


def test_uids_survive_a_status_update_and_content_changes(db):
    new_id = add_vague_action(db)
    _, before = export(db)
    uid = f"east-sussex-2023-action-{new_id}@ilacs"
    assert before[uid]["SEQUENCE"] == 0
    assert ilacs("update", new_id, "--status", "in-progress", "--by", "A Watson", db=db).returncode == 0
    assert ilacs("done", new_id, "--on", "2025-06-20", db=db).returncode == 0
    final = next(
        d
        for d in json.loads(ilacs("show", "east-sussex-2023", "--json", db=db).stdout)["deadlines"]
        if d["status"] == "unknown"
    )  # no document records the outcome (issue 18)
    assert ilacs("done", final["id"], "--on", "16/05/2024", db=db).returncode == 0
    _, after = export(db)
    assert set(after) == set(before)
    changed = after[uid]
    updates = json.loads(ilacs("history", new_id, "--json", db=db).stdout)["updates"]
    assert changed["SEQUENCE"] == len(updates) - 1 == 2
    assert changed.decoded("DTSTAMP") == dt.datetime.fromisoformat(updates[-1]["at"])
    assert str(changed["SUMMARY"]) == f"East Sussex: Audit supervision records (action {new_id}) (done)"
    assert str(before[uid]["SUMMARY"]) == f"Overdue: East Sussex: Audit supervision records (action {new_id})"
    deadline_uid = "east-sussex-2023-deadline-final-plan@ilacs"
    assert (before[deadline_uid]["SEQUENCE"], after[deadline_uid]["SEQUENCE"]) == (0, 1)
    assert after[deadline_uid].decoded("DTSTAMP") == dt.datetime(2024, 5, 16, tzinfo=dt.UTC)
    assert str(after[deadline_uid]["SUMMARY"]).endswith("(met)")
    untouched = [u for u in before if u not in (uid, deadline_uid)]
    assert untouched and all(before[u].to_ical() == after[u].to_ical() for u in untouched)


def test_open_only_leaves_out_closed_items_and_inspection_filters(db):
    _, everything = export(db)
    _, open_events = export(db, "--open-only")
    closed = {uid for uid, event in everything.items() if str(event["SUMMARY"]).endswith(("(met)", "(done)"))}
    # Deadlines whose outcome no document records (issue 18) are not open either: left out with the closed ones.
    unknown = {
        "east-sussex-2023-deadline-final-plan@ilacs",
        "southend-2019-deadline-revised-plan-cabinet@ilacs",
        "west-sussex-2019-deadline-improvement-plan@ilacs",
        "west-sussex-2019-deadline-action-planning-meeting@ilacs",
        "west-sussex-2019-deadline-first-monitoring-visit@ilacs",
    }
    assert closed and set(open_events) == set(everything) - closed - unknown
    raw, one = export(db, "east-sussex-2023")
    assert one and all(str(e["CATEGORIES"].cats[1]) == "east-sussex-2023" for e in one.values())
    assert set(one) == {uid for uid in everything if uid.startswith("east-sussex-2023-")}
    assert str(icalendar.Calendar.from_ical(raw)["X-WR-CALNAME"]) == "ILACS action plan: east-sussex-2023"


def test_output_file_is_0600_and_not_replaced_without_force(db, tmp_path):
    target = tmp_path / "plan.ics"
    assert ilacs("calendar", "-o", str(target), db=db).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.write_bytes(b"keep me")
    out = ilacs("calendar", "-o", str(target), db=db)
    assert out.returncode == 1 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and "--force" in out.stderr and "Traceback" not in out.stderr
    assert target.read_bytes() == b"keep me"
    assert ilacs("calendar", "-o", str(target), "--force", db=db).returncode == 0
    assert events_by_uid(target.read_bytes()) and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_unknown_inspection_is_one_line(db, tmp_path):
    before = contents(db)
    target = tmp_path / "plan.ics"
    out = ilacs("calendar", "nowhere-2020", "-o", str(target), db=db)
    assert out.returncode == 1 and out.stdout == ""
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "no inspection 'nowhere-2020'" in out.stderr
    assert not target.exists() and contents(db) == before


def test_events_read_in_the_councils_words_and_overdue_is_marked(db):
    """Issue 29: the council and the plan's ref in the title, the description in words (status, the latest update's
    words and the day it describes, owner), overdue items marked with how many working days late."""
    added = ilacs(
        "add-action",
        "east-sussex-2023",
        "--area",
        "1",
        "--ref",
        "1.2",
        "--owner",
        "A Watson",
        "--due",
        "31/05/2024",
        "--on",
        "01/05/2024",
        "Review of contacts",
        db=db,
    )
    assert added.returncode == 0, added.stderr
    ref_id = added.stdout.strip()
    plain = ilacs(
        "add-action",
        "east-sussex-2023",
        "--area",
        "2",
        "--owner",
        "C Jones",
        "--due",
        "June 2024",
        "--on",
        "01/05/2024",
        "Audit records",
        db=db,
    )
    assert plain.returncode == 0, plain.stderr
    plain_id = plain.stdout.strip()  # no ref: the id names it
    updated = ilacs(
        "update",
        ref_id,
        "--status",
        "in-progress",
        "--note",
        "Half the teams reviewed",
        "--on",
        "17/05/2024",
        "--by",
        "Board Secretary",
        db=db,
    )
    assert updated.returncode == 0, updated.stderr
    # Mon 3 Jun 2024: one working day after Fri 31 May.
    _, events = export(db, "east-sussex-2023", "--as-of", "03/06/2024")
    late = events[f"east-sussex-2023-action-{ref_id}@ilacs"]
    assert str(late["SUMMARY"]) == "Overdue: East Sussex: 1.2 Review of contacts"
    text = str(late["DESCRIPTION"])
    assert text.splitlines() == [
        "East Sussex County Council (east-sussex-2023)",
        "Action 1.2: Review of contacts",
        "Area 1: The quality of plans for children and care leavers so that they are all specific, measurable and "
        "timebound",
        "Owner: A Watson",
        "Due: Fri 31 May 2024",
        "Overdue: 1 working day late as of Mon 3 Jun 2024.",
        "Status: In progress",
        "Latest update, for Fri 17 May 2024: Half the teams reviewed",
        f"To see every update, ask ilacs for the history of action {ref_id}.",
    ]
    assert "Board Secretary" not in text and not re.search(r"\d{4}-\d\d-\d\d", text)  # no ISO dates or times
    later = events[f"east-sussex-2023-action-{plain_id}@ilacs"]
    assert str(later["SUMMARY"]) == f"East Sussex: Audit records (action {plain_id})"
    assert "Overdue" not in str(later["DESCRIPTION"]) and "Owner: C Jones" in str(later["DESCRIPTION"])
    assert "Latest update, for Wed 1 May 2024: action added" in str(later["DESCRIPTION"])
    # The final plan to Ofsted (Fri 17 May 2024) has no recorded outcome (issue 18): never called overdue.
    final = events["east-sussex-2023-deadline-final-plan@ilacs"]
    assert str(final["SUMMARY"]) == "East Sussex: Final action plan to Ofsted (outcome not recorded)"
    # A council's own plan's open deadline, 70 working days after Tue 6 Feb 2024 (Fri 17 May), is 10 working days
    # late on Mon 3 Jun 2024: 20-24 May, 28-31 May (Mon 27 May is a bank holiday) and 3 Jun.
    own = ilacs(
        "add-inspection",
        "lewes-2024",
        "--authority",
        "East Sussex County Council",
        "--published",
        "06/02/2024",
        "--area",
        "Care plans",
        db=db,
    )
    assert own.returncode == 0, own.stderr
    _, lewes = export(db, "lewes-2024", "--as-of", "03/06/2024")
    (deadline,) = lewes.values()
    assert str(deadline["SUMMARY"]) == "Overdue: East Sussex: Action plan to Ofsted"
    assert str(deadline["DESCRIPTION"]).splitlines()[:4] == [
        "East Sussex County Council (lewes-2024)",
        "Deadline: Action plan to Ofsted",
        "Due: Fri 17 May 2024",
        "Overdue: 10 working days late as of Mon 3 Jun 2024.",
    ]
    # Done: the title says so, and it is no longer overdue.
    assert ilacs("done", ref_id, "--on", "03/06/2024", db=db).returncode == 0
    _, events = export(db, "east-sussex-2023", "--as-of", "03/06/2024")
    done = events[f"east-sussex-2023-action-{ref_id}@ilacs"]
    assert str(done["SUMMARY"]) == "East Sussex: 1.2 Review of contacts (done)"
    assert "Overdue" not in str(done["DESCRIPTION"]) and "Status: Done" in str(done["DESCRIPTION"])
