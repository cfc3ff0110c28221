"""Export (CSV, Excel, JSON), the whole-database round trip, and importing spreadsheet action plans."""

import csv
import datetime as dt
import io
import json
import os
import stat

import pytest
from helpers.cli import contents, ok
from helpers.cli import run_ilacs as ilacs
from helpers.plans import write_csv

PLAN = "east-sussex-2023"
TODAY = dt.date.today()


def add(db, title, *, area="1", owner="A Watson", due):
    return int(ok("add-action", PLAN, "--area", area, "--owner", owner, "--due", due, "--", title, db=db))


def exported_csv(db, *args):
    text = ok("export", PLAN, "--format", "csv", *args, db=db)
    assert not text.startswith("\ufeff")  # a byte-order mark only in files, for Excel
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_is_the_plan_with_latest_update_and_rag(db):
    far = (TODAY + dt.timedelta(days=200)).isoformat()
    overdue = add(db, "Audit supervision records", area="2", due=(TODAY - dt.timedelta(days=3)).isoformat())
    blocked = add(db, "Recruit practice lead", due=far)
    soon = add(
        db, "Refresh the neglect toolkit", area="3", owner="C Jones", due=(TODAY + dt.timedelta(days=4)).isoformat()
    )
    green = add(db, "Plan quality audit", due=far)
    ok("update", str(blocked), "--status", "blocked", "--note", "Post frozen", "--by", "B Khan", db=db)
    ok("update", str(green), "--status", "in-progress", "--note", "Audit tool agreed", db=db)
    rows = {int(row["Id"]): row for row in exported_csv(db, "--as-of", TODAY.isoformat())}
    assert {i: rows[i]["RAG"] for i in (overdue, blocked, soon, green)} == {
        overdue: "RED",
        blocked: "RED",
        soon: "AMBER",
        green: "GREEN",
    }
    assert rows[blocked]["Latest update"] == "Post frozen" and rows[blocked]["Latest update by"] == "B Khan"
    assert rows[blocked]["Latest update on"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert rows[soon]["Area"] == "3" and rows[soon]["Lead officer"] == "C Jones"
    assert rows[soon]["Area for improvement"].startswith("The oversight, timeliness and rigour")
    assert rows[green]["Target date"] == far and rows[green]["Status"] == "in-progress"
    # No update for 30 days turns an on-track action amber.
    later = exported_csv(db, "--as-of", (TODAY + dt.timedelta(days=31)).isoformat())
    assert {row["RAG"] for row in later if int(row["Id"]) == green} == {"AMBER"}


HOSTILE = {
    "title": '=HYPERLINK("http://evil.example","click")',
    "owner": "+44 20 7946 0000",
    "note": "-2+3",
    "measure": "@SUM(A1:A9)",
}


def test_formulas_are_neutralised_in_csv_and_xlsx(db, tmp_path):
    from openpyxl import load_workbook

    action = add(db, HOSTILE["title"], owner=HOSTILE["owner"], due="31/12/2030")
    ok("update", str(action), "--note", HOSTILE["note"], db=db)
    row = next(row for row in exported_csv(db) if int(row["Id"]) == action)
    assert (row["Action"], row["Lead officer"], row["Latest update"]) == (
        "'" + HOSTILE["title"],
        "'" + HOSTILE["owner"],
        "'" + HOSTILE["note"],
    )
    path = tmp_path / "plan.xlsx"
    ok("export", PLAN, "--format", "xlsx", "-o", str(path), db=db)
    book = load_workbook(path)
    cells = [cell for sheet in book.worksheets for line in sheet.iter_rows() for cell in line]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    # In the workbook a text cell, exactly as typed: no apostrophe to show (and no <f> formula element at all).
    title = next(cell for cell in cells if cell.value == HOSTILE["title"])
    assert title.data_type == "s"
    import zipfile

    with zipfile.ZipFile(path) as package:
        assert not [name for name in package.namelist() if "<f>" in package.read(name).decode("utf-8", "replace")]
    out = ok("import", str(path), "--inspection", PLAN, db=db)
    assert "0 added" in out and "0 updated" in out
    # Reading ilacs's own file back restores the text: the re-import matches the action and changes nothing.
    csv_path = tmp_path / "plan.csv"
    ok("export", PLAN, "-o", str(csv_path), db=db)
    out = ok("import", str(csv_path), "--inspection", PLAN, db=db)
    assert "0 added" in out and "0 updated" in out


def test_xlsx_has_a_summary_and_one_sheet_per_inspection_with_real_dates(db, tmp_path):
    from openpyxl import load_workbook

    action = add(db, "Audit supervision records", due="31/10/2030")
    path = tmp_path / "all.xlsx"
    ok("export", "--format", "xlsx", "-o", str(path), db=db)
    book = load_workbook(path)
    inspections = [row["id"] for row in json.loads(ok("list", "--json", db=db))]
    assert inspections == [
        "west-sussex-2019",
        "southend-2019",
        "east-sussex-2023",
        "telford-wrekin-2024",
        "east-sussex-2018",
    ]
    # Each plan's sheet named in words (a screen reader says "East Sussex 2023 plan", not a hyphenated id).
    assert book.sheetnames == [
        "Summary",
        "West Sussex 2019 plan",
        "Southend 2019 plan",
        "East Sussex 2023 plan",
        "Telford Wrekin 2024 plan",
        "East Sussex 2018 plan",
        "Areas",  # issue 29: the areas' titles, so each plan's rows give the area by number
        "Updates",
        "Key",  # the ratings' key (issue 28)
    ]
    updates = [row for row in book["Updates"].iter_rows(min_row=2, values_only=True) if row[1] == action]
    assert [(row[0], row[2], row[6], row[7]) for row in updates] == [  # issue 29: "Day described" before "Recorded"
        (PLAN, "Audit supervision records", "Added as Not started", "action added")
    ]
    summary = {row[0]: row for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary[PLAN][4] == len(json.loads(ok("actions", "--inspection", PLAN, "--json", db=db)))
    sheet = book["East Sussex 2023 plan"]
    headers = [cell.value for cell in sheet[1]]
    assert sheet.freeze_panes == "A2" and all(cell.font.bold for cell in sheet[1])
    line = next(line for line in sheet.iter_rows(min_row=2) if line[0].value == action)
    due = line[headers.index("Target date")]
    assert due.value == dt.datetime(2030, 10, 31) and due.number_format == "dd/mm/yyyy"
    title_column = sheet.column_dimensions[chr(ord("A") + headers.index("Action"))]
    assert title_column.width >= len("Audit supervision records")


def test_output_file_is_private_and_never_replaced_by_surprise(db, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("keep me")
    out = ilacs("export", PLAN, "-o", str(path), db=db)
    assert out.returncode == 1 and "--force" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert path.read_text() == "keep me"
    ok("export", PLAN, "-o", str(path), "--force", db=db)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfInspection,Id,Area")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


def test_whole_database_export_reproduces_every_show(db, tmp_path):
    ok("owner", "add", "A Watson", "--email", "a.watson@council.example.gov.uk", "--coordinator", PLAN, db=db)
    action = add(db, "Audit supervision records", area="2", due="31/10/2024")
    ok("update", str(action), "--status", "in-progress", "--note", "Audit booked", "--due", "30/11/2024", db=db)
    ok("done", "D2", "--on", "16/05/2024", db=db)
    dump = tmp_path / "everything.json"
    ok("export", "--all", "--format", "json", "-o", str(dump), db=db)
    restored = tmp_path / "restored.db"
    ok("import", str(dump), "--db", str(restored), db=db)
    reads = [
        args
        for inspection in [row["id"] for row in json.loads(ok("list", "--json", db=db))]
        for args in (["show", inspection], ["show", inspection, "--json"])
    ]
    reads += [
        ["list", "--json", "--as-of", "2024-11-01"],
        ["actions", "--json"],
        ["owner", "list", "--json"],
        ["history", str(action), "--json"],
        ["overdue", "--json", "--as-of", "2024-12-02"],
    ]
    for args in reads:
        assert ok(*args, db=restored) == ok(*args, db=db), args
    before = restored.read_bytes()
    again = ilacs("import", str(dump), "--db", str(restored))
    assert again.returncode == 1 and "already holds inspections" in again.stderr
    assert restored.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"format": "something-else"}',
        '{"format": "ilacs-export", "version": 1, "tables": {"actions": [{"id": 1, "bogus": 2}]}}',
    ],
)
def test_bad_whole_database_file_leaves_no_database_behind(tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    target = tmp_path / "new.db"
    out = ilacs("import", str(bad), "--db", str(target))
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert not target.exists()


COUNCIL_PLAN = [
    ["Ref", "Area for Improvement", "Action", "Lead Officer", "Timescale", "Progress", "RAG", "Status"],
    [
        "1.1",
        "Quality of plans",
        "Introduce a plan quality audit",
        "Head of Quality",
        "31/10/2024",
        "Audit tool drafted",
        "Amber",
        "In progress",
    ],
    [
        "2.1",
        "2. The recording of management oversight",
        "Supervision recording standard",
        "Principal Social Worker",
        "June 2024",
        "",
        "Green",
        "Not started",
    ],
    [
        "3.1",
        "private fostering",
        "Private fostering awareness campaign",
        "Head of Safeguarding",
        "2024-09-30",
        "Campaign launched",
        "Blue",
        "Completed",
    ],
]


def test_import_csv_recognises_council_headers_dates_and_areas(db, tmp_path):
    path = tmp_path / "council-plan.csv"
    write_csv(path, COUNCIL_PLAN)
    out = ok("import", str(path), "--inspection", PLAN, db=db)
    assert "3 added, 0 updated (0 status changes), 0 unchanged" in out
    found = {a["ref"]: a for a in json.loads(ok("actions", "--inspection", PLAN, "--json", db=db))}
    assert {ref: (a["area"], a["owner"], a["due"], a["status"]) for ref, a in found.items()} == {
        "1.1": (1, "Head of Quality", "2024-10-31", "in-progress"),
        "2.1": (2, "Principal Social Worker", "2024-06-30", "not-started"),
        "3.1": (3, "Head of Safeguarding", "2024-09-30", "done"),
    }
    assert found["2.1"]["wording"] == "June 2024"
    history = json.loads(ok("history", str(found["1.1"]["id"]), "--json", db=db))
    assert [u["note"] for u in history["updates"]] == ["Audit tool drafted"]
    # The same file again changes nothing; an edited row becomes a status update.
    assert "0 added, 0 updated (0 status changes), 3 unchanged" in ok("import", str(path), "--inspection", PLAN, db=db)
    edited = [row[:] for row in COUNCIL_PLAN]
    edited[1][4:6], edited[1][7] = ["30/11/2024", "Audit running"], "Complete"
    write_csv(path, edited)
    assert "0 added, 1 updated (1 status changes), 2 unchanged" in ok(
        "import", str(path), "--inspection", PLAN, "--by", "A Watson", db=db
    )
    last = json.loads(ok("history", str(found["1.1"]["id"]), "--json", db=db))["updates"][-1]
    assert (last["author"], last["old_status"], last["new_status"], last["old_due"], last["new_due"], last["note"]) == (
        "A Watson",
        "in-progress",
        "done",
        "2024-10-31",
        "2024-11-30",
        "Audit running",
    )


def test_import_xlsx_with_excel_dates_a_named_sheet_and_a_mapped_column(db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Plan")
    sheet.append(["AFI", "Action", "Who's doing it", "Target date"])
    sheet.append([2, "Audit supervision records", "A Watson", dt.datetime(2024, 10, 31)])
    sheet.append([3, "Neglect toolkit", "C Jones", dt.date(2025, 1, 15)])
    path = tmp_path / "plan.xlsx"
    book.save(path)
    out = ilacs("import", str(path), "--inspection", PLAN, "--sheet", "Plan", "--map", "Who's doing it=owner", db=db)
    assert out.returncode == 0, out.stderr
    found = {
        a["title"]: (a["area"], a["owner"], a["due"])
        for a in json.loads(ok("actions", "--inspection", PLAN, "--json", db=db))
    }
    assert found == {
        "Audit supervision records": (2, "A Watson", "2024-10-31"),
        "Neglect toolkit": (3, "C Jones", "2025-01-15"),
    }


def test_import_is_all_or_nothing_with_every_problem_reported(db, tmp_path):
    path = tmp_path / "bad.csv"
    write_csv(
        path,
        [
            ["Area", "Action", "Owner", "Target date", "Status"],
            ["1", "Fine row", "A Watson", "31/10/2024", "In progress"],
            ["1", "Bad date", "A Watson", "31/02/2024", ""],
            ["2", "Bad status", "A Watson", "31/10/2024", "Nearly there"],
            ["9", "Bad area", "A Watson", "31/10/2024", ""],
            ["1", "", "A Watson", "31/10/2024", ""],
            ["1", "Fine row", "B Khan", "01/11/2024", ""],
        ],
    )
    before = contents(db)
    out = ilacs("import", str(path), "--inspection", PLAN, db=db)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert [line.split(":")[1].strip() for line in lines[:-1]] == [
        "row 3, column 'Target date'",
        "row 4, column 'Status'",
        "row 5, column 'Area'",
        "row 6, column 'Action'",
        "row 7, column 'Action'",
    ]
    assert lines[-1] == "ilacs: 5 problems in bad.csv: nothing imported; fix them and re-run"
    assert contents(db) == before


def test_import_dry_run_counts_and_writes_nothing(db, tmp_path):
    path = tmp_path / "council-plan.csv"
    write_csv(path, COUNCIL_PLAN)
    before = contents(db)
    out = ok("import", str(path), "--inspection", PLAN, "--dry-run", db=db)
    assert out.startswith("Would import council-plan.csv into east-sussex-2023: 3 added")
    assert contents(db) == before


@pytest.mark.parametrize(
    "args",
    [
        ["import", "{csv}"],
        ["import", "{csv}", "--inspection", "nowhere-2020"],
        ["import", "{csv}", "--inspection", PLAN, "--map", "Nope=owner"],
        ["import", "{csv}", "--inspection", PLAN, "--map", "Action=nonsense"],
        ["import", "{unknown}", "--inspection", PLAN],
        ["import", "{missing}", "--inspection", PLAN],
        ["export", "--format", "pdf"],
        ["export", PLAN, "--all", "--format", "json"],
    ],
)
def test_bad_export_and_import_arguments_are_one_line(db, tmp_path, args):
    good = tmp_path / "plan.csv"
    write_csv(good, COUNCIL_PLAN)
    unknown = tmp_path / "columns.csv"
    write_csv(unknown, [["Thing", "Person"], ["x", "y"]])
    paths = {"{csv}": str(good), "{unknown}": str(unknown), "{missing}": str(tmp_path / "missing.csv")}
    before = contents(db)
    out = ilacs(*[paths.get(arg, arg) for arg in args], db=db)
    assert out.returncode in (1, 2) and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert contents(db) == before
