"""Every output agrees on what is overdue, due soon, red, amber and green, at the edges of the working-day rules;
and an owner's name shared by two councils never carries one council's actions to the other.

The expected sets below were worked out by hand from the English calendar of 2024 (Mon 26 Aug 2024 is the
summer bank holiday), not by ilacs:
- as of Fri 4 Oct 2024, ten working days run to Fri 18 Oct; Sat 19 and Sun 20 Oct still have 10 working days
  left (nothing is due on a weekend that could not be done on the Friday); Mon 21 Oct has 11.
- as of Fri 23 Aug 2024, one working day is Tue 27 Aug (the Monday is a holiday), so Sat 24, Sun 25, Mon 26 and
  Tue 27 Aug are due within 1; ten working days run to Mon 9 Sep, so Tue 10 Sep is not due within 10.
"""

import csv
import io
import json

import icalendar
import pytest
from helpers.cli import ok
from helpers.cli import run_ilacs as ilacs
from helpers.plans import copy_of

PLAN = "edge-2024"

# name: (area, due, status)
ACTIONS = {
    "saturday": (1, "19/10/2024", "in-progress"),
    "monday-after": (1, "21/10/2024", "in-progress"),
    "as-of-day": (1, "04/10/2024", "not-started"),
    "day-before": (2, "03/10/2024", "in-progress"),
    "blocked-later": (2, "20/12/2024", "blocked"),
    "done-early": (2, "01/09/2024", "done"),
    "tenth-day-after-holiday": (1, "09/09/2024", "in-progress"),
    "eleventh-day-after-holiday": (1, "10/09/2024", "in-progress"),
    "bank-holiday": (2, "26/08/2024", "not-started"),
    "two-days-after-holiday": (2, "28/08/2024", "not-started"),
}
EXPECTED = {
    "2024-10-04": {
        "overdue": {
            "day-before",
            "tenth-day-after-holiday",
            "eleventh-day-after-holiday",
            "bank-holiday",
            "two-days-after-holiday",
        },
        "due within 10": {"saturday", "as-of-day"},
        "red": {
            "day-before",
            "blocked-later",
            "tenth-day-after-holiday",
            "eleventh-day-after-holiday",
            "bank-holiday",
            "two-days-after-holiday",
        },
        "amber": {"saturday", "as-of-day"},
        "green": {"monday-after"},
        "blue": {"done-early"},  # BRAG, the default: done is blue, not counted as on track (issue 28)
    },
    "2024-08-23": {
        "overdue": set(),
        "due within 10": {"tenth-day-after-holiday", "bank-holiday", "two-days-after-holiday"},
        "due within 1": {"bank-holiday"},
        "red": {"blocked-later"},
        "amber": {"tenth-day-after-holiday", "bank-holiday", "two-days-after-holiday"},
        "green": {"saturday", "monday-after", "as-of-day", "day-before", "eleventh-day-after-holiday"},
        "blue": {"done-early"},
    },
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def edge_plan(request, seeded_template, tmp_path_factory):
    """The seeded database plus one council's plan with an action at each edge; returns (path, names by id). The
    tests only read it: made once as a file, then (the same tests again) copied to PostgreSQL."""
    db = copy_of(seeded_template, tmp_path_factory.mktemp("edge"))
    ok(
        "add-inspection",
        PLAN,
        "--authority",
        "Edge Borough Council",
        "--published",
        "01/07/2024",
        "--area",
        "Plans for children",
        "--area",
        "Management oversight",
        db=db,
    )
    ok(
        "owner",
        "add",
        "R Edge",
        "--email",
        "r.edge@edge.example.gov.uk",
        "--authority",
        PLAN,
        "--coordinator",
        PLAN,
        db=db,
    )
    names = {}
    for name, (area, due, status) in ACTIONS.items():
        # Added and moved to its status on 1 Aug 2024, checked again on 20 Sep: fresh (updated within 30 days)
        # as of both days the test reads, so only the due date decides its colour.
        action = ok(
            "add-action",
            PLAN,
            "--on",
            "01/08/2024",
            "--area",
            str(area),
            "--owner",
            "R Edge",
            "--due",
            due,
            name,
            db=db,
        ).strip()
        if status != "not-started":
            ok("update", action, "--status", status, "--on", "01/08/2024", db=db)
        ok("update", action, "--note", "checked", "--on", "20/09/2024", db=db)
        names[action] = name
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_cluster").new_database()
        ok("copy", db, url)
        return url, names
    return db, names


def named(names, ids):
    return {names[str(i)] for i in ids if str(i) in names}


@pytest.mark.parametrize("as_of", sorted(EXPECTED))
def test_every_output_agrees_at_the_edges(edge_plan, tmp_path, as_of):
    from openpyxl import load_workbook

    db, names = edge_plan
    expected = EXPECTED[as_of]
    everything = set(ACTIONS)

    overdue = json.loads(ok("overdue", "--as-of", as_of, "--inspection", PLAN, "--json", db=db))
    assert named(names, [i["id"] for i in overdue if i["kind"] == "action"]) == expected["overdue"]

    for within in (10, 1):
        if f"due within {within}" in expected:
            due = json.loads(ok("due", "--within", str(within), "--as-of", as_of, "--json", db=db))
            assert named(names, [i["id"] for i in due if i["kind"] == "action"]) == expected[f"due within {within}"]
            digests = json.loads(
                ok("remind", "--as-of", as_of, "--within", str(within), "--inspection", PLAN, "-f", "json", db=db)
            )
            items = [
                item
                for digest in digests
                for section in digest["sections"]
                # the coordinator's view of the plan's exceptions (issue 29) lists these actions again, and blocked ones
                if section["heading"] != "Overdue and blocked actions in plans you coordinate"
                for group in section["groups"]
                for item in group["items"]
                if item["kind"] == "action"
            ]
            assert named(names, [i["id"] for i in items if i["overdue"]]) == expected["overdue"]
            assert named(names, [i["id"] for i in items if not i["overdue"]]) == expected[f"due within {within}"]

    # The export's RAG column, CSV and both sheets of the workbook.
    rows = list(csv.DictReader(io.StringIO(ok("export", PLAN, "--as-of", as_of, db=db))))
    rag = {names[row["Id"]]: row["RAG"].lower() for row in rows}
    for colour in ("red", "amber", "green", "blue"):
        assert {name for name, value in rag.items() if value == colour} == expected[colour], colour
    assert set(rag) == everything
    workbook_path = tmp_path / "plan.xlsx"
    ok("export", PLAN, "--as-of", as_of, "--format", "xlsx", "-o", str(workbook_path), db=db)
    workbook = load_workbook(workbook_path)
    sheet_rows = list(workbook[workbook.sheetnames[1]].iter_rows(values_only=True))
    headers = list(sheet_rows[0])
    sheet_rag = {names[str(row[headers.index("Id")])]: str(row[headers.index("RAG")]).lower() for row in sheet_rows[1:]}
    assert sheet_rag == rag
    summary_rows = list(workbook["Summary"].iter_rows(values_only=True))
    summary = dict(zip(summary_rows[0], summary_rows[1]))
    assert (summary["Red"], summary["Amber"], summary["Green"], summary["Blue"]) == tuple(
        len(expected[colour]) for colour in ("red", "amber", "green", "blue")
    )
    assert summary["Overdue"] == len(expected["overdue"])

    # The board paper: the same totals as the Summary sheet, and the same rating on each row.
    paper = ok("report", PLAN, "--as-of", as_of, db=db)
    assert (
        f"Red {len(expected['red'])}, amber {len(expected['amber'])}, green {len(expected['green'])}, "
        f"blue {len(expected['blue'])}." in paper
    )
    rated = paper.split("## BRAG rating")[1].split("\n## ")[0]  # page one lists some actions too (issue 29)
    for name in everything:
        line = next(line for line in rated.splitlines() if f"| {name} |" in line)
        assert line.rstrip(" |").endswith(rag[name].capitalize()), line

    # Counts in summary and list.
    progress = json.loads(ok("summary", "--as-of", as_of, "--inspection", PLAN, "--json", db=db))
    assert progress[0]["progress"]["overdue"] == len(expected["overdue"])
    listed = {row["id"]: row for row in json.loads(ok("list", "--as-of", as_of, "--json", db=db))}
    assert listed[PLAN]["actions_overdue"] == len(expected["overdue"])

    # The calendar: the open actions falling before the day are exactly the overdue ones.
    events = icalendar.Calendar.from_ical(ok("calendar", PLAN, "--open-only", db=db).encode()).walk("VEVENT")
    actions = [event for event in events if str(event["CATEGORIES"].cats[0]) == "action"]
    late = {
        names[str(event["UID"]).removeprefix(f"{PLAN}-action-").removesuffix("@ilacs")]
        for event in actions
        if event.decoded("DTSTART").isoformat() < as_of
    }
    assert late == expected["overdue"]
    # Read as of the day, the calendar marks exactly those overdue (issue 29).
    events = icalendar.Calendar.from_ical(ok("calendar", PLAN, "--open-only", "--as-of", as_of, db=db).encode())
    marked = {
        names[str(event["UID"]).removeprefix(f"{PLAN}-action-").removesuffix("@ilacs")]
        for event in events.walk("VEVENT")
        if str(event["CATEGORIES"].cats[0]) == "action" and str(event["SUMMARY"]).startswith("Overdue: ")
    }
    assert marked == expected["overdue"]


def test_blocked_actions_are_red_in_every_rated_output(edge_plan):
    db, names = edge_plan
    blocked = {
        names[str(a["id"])]
        for a in json.loads(ok("actions", "--inspection", PLAN, "--status", "blocked", "--json", db=db))
    }
    assert blocked == {"blocked-later"}
    for as_of in EXPECTED:
        assert blocked <= EXPECTED[as_of]["red"]
        rows = csv.DictReader(io.StringIO(ok("export", PLAN, "--as-of", as_of, db=db)))
        assert {names[row["Id"]] for row in rows if row["Status"] == "blocked"} == blocked


def test_a_name_two_councils_share_stays_in_each_council(db):
    ok(
        "owner",
        "add",
        "A Watson",
        "--email",
        "a.watson@eastsussex.example.gov.uk",
        "--authority",
        "East Sussex County Council",
        db=db,
    )
    ok(
        "add-action",
        "east-sussex-2023",
        "--on",
        "2024-06-01",
        "--area",
        "2",
        "--owner",
        "A Watson",
        "--due",
        "03/10/2024",
        "Audit supervision records",
        db=db,
    )
    ok(
        "add-action",
        "telford-wrekin-2024",
        "--on",
        "2024-06-01",
        "--area",
        "1",
        "--owner",
        "a watson",
        "--due",
        "03/10/2024",
        "Review information platforms",
        db=db,
    )

    def digests():
        found = json.loads(ok("remind", "--as-of", "2024-10-04", "-f", "json", db=db))
        return {
            (d["name"], d["email"]): [
                item["title"]
                for s in d["sections"]
                for g in s["groups"]
                for item in g["items"]
                if item["kind"] == "action"
            ]
            for d in found
        }

    found = digests()
    assert found[("A Watson", "a.watson@eastsussex.example.gov.uk")] == ["Audit supervision records"]
    assert all("Review information platforms" not in titles for (name, email), titles in found.items() if email)
    owners = json.loads(ok("owner", "list", "--json", db=db))
    assert {(o["name"], o["authority"], o["registered"]) for o in owners if o["name"].lower() == "a watson"} == {
        ("A Watson", "East Sussex County Council", True),
        ("a watson", "Telford and Wrekin Council", False),
    }

    # Telford registers its own A Watson: each council's officer gets their own council's action only.
    ok(
        "owner",
        "add",
        "A Watson",
        "--email",
        "a.watson@telford.example.gov.uk",
        "--authority",
        "telford-wrekin-2024",
        db=db,
    )
    found = digests()
    assert found[("A Watson", "a.watson@eastsussex.example.gov.uk")] == ["Audit supervision records"]
    assert found[("A Watson", "a.watson@telford.example.gov.uk")] == ["Review information platforms"]
    # Changing one of them needs to say which.
    out = ilacs("owner", "set", "A Watson", "--role", "Head of Service", db=db)
    assert out.returncode == 2 and "--authority" in out.stderr and "Traceback" not in out.stderr
    ok("owner", "set", "A Watson", "--authority", "telford-wrekin-2024", "--role", "Head of Service", db=db)


def test_an_owner_needs_an_authority_when_the_database_holds_several(db):
    out = ilacs("owner", "add", "B Khan", "--email", "b.khan@example.gov.uk", db=db)
    assert out.returncode == 2 and "--authority" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    out = ilacs("owner", "add", "B Khan", "--authority", "Nowhere Council", db=db)
    assert out.returncode == 1 and "no authority 'Nowhere Council'" in out.stderr
    out = ilacs(
        "owner", "add", "B Khan", "--authority", "telford-wrekin-2024", "--coordinator", "east-sussex-2023", db=db
    )
    assert out.returncode == 2 and "plans of their own authority" in out.stderr
    # Coordinating a plan says which council.
    assert "East Sussex County Council" in ok("owner", "add", "B Khan", "--coordinator", "east-sussex-2023", db=db)
