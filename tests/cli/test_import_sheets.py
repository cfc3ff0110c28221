"""Spreadsheets back in: a council's sheet as it is (a title row above the headers, a cover sheet, target dates
that are no date) and ilacs's own export, read back unchanged; every unreadable file refused in one line."""

import csv
import datetime as dt
import functools
import json
import re
import shutil
import zipfile

import pytest
from helpers import cli
from helpers.cli import contents
from helpers.cli import run_ilacs as ilacs
from helpers.paths import FIXTURES
from helpers.plans import write_csv

ok = functools.partial(cli.ok, whole=True)  # tests here read what a command says on stderr too

PLAN = "east-sussex-2023"
OTHER = "telford-wrekin-2024"


def actions(db, inspection=PLAN):
    return json.loads(ok("actions", "--inspection", inspection, "--json", db=db).stdout)


def workbook(path, sheets):
    """A real .xlsx: {sheet name: rows} in order."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        page = book.create_sheet(name)
        for row in rows:
            page.append(row)
    book.save(path)
    return path


HEADERS = ["Ref", "Area", "Action", "Lead officer", "Target date", "Status"]
TITLED = [
    ["East Sussex children's services: ILACS action plan 2024"],  # row 1: a title
    [],  # row 2: blank
    HEADERS,  # row 3: the headers
    ["1.1", 1, "Plan quality audit", "Head of Quality", dt.datetime(2030, 10, 31), "In progress"],
    ["2.1", 2, "Supervision recording standard", "Principal Social Worker", "June 2030", "Not started"],
]


def test_a_title_row_above_the_headers_in_a_workbook_and_a_csv(db, tmp_path):
    path = workbook(tmp_path / "council.xlsx", {"Action plan": TITLED})
    out = ok("import", str(path), "--inspection", PLAN, db=db)
    assert "2 added, 0 updated (0 status changes), 0 unchanged" in out.stdout
    assert "headers on row 3" in out.stderr
    found = {a["ref"]: (a["area"], a["title"], a["owner"], a["due"], a["wording"], a["status"]) for a in actions(db)}
    assert found == {
        "1.1": (1, "Plan quality audit", "Head of Quality", "2030-10-31", None, "in-progress"),
        "2.1": (
            2,
            "Supervision recording standard",
            "Principal Social Worker",
            "2030-06-30",
            "June 2030",
            "not-started",
        ),
    }
    # The same plan as CSV, title row and all, matches the actions it made.
    rows = [row[:] for row in TITLED]
    rows[3][4] = "31/10/2030"
    out = ok("import", str(write_csv(tmp_path / "council.csv", rows)), "--inspection", PLAN, db=db)
    assert "0 added, 0 updated (0 status changes), 2 unchanged" in out.stdout


def test_problems_name_the_sheets_own_row_numbers(db, tmp_path):
    rows = [row[:] for row in TITLED] + [["3.1", 9, "Neglect toolkit", "C Jones", "01/01/2031", "Started"]]
    rows[4][4] = "31/02/2030"  # shaped like a day, and no day: a mistake, not a wording
    path = workbook(tmp_path / "council.xlsx", {"Action plan": rows})
    before = contents(db)
    out = ilacs("import", str(path), "--inspection", PLAN, db=db)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert [line.split(": ")[1] for line in out.stderr.strip().splitlines()[:-1]] == [
        "row 5, column 'Target date'",
        "row 6, column 'Area'",
    ]
    assert contents(db) == before


def test_a_workbook_is_read_from_the_sheet_whose_headers_name_an_action(db, tmp_path):
    cover = [["Action plan"], ["Owner: Director of Children's Services"], ["Version 3, approved 01/03/2024"]]
    path = workbook(tmp_path / "council.xlsx", {"Cover": cover, "Plan": TITLED, "Lookups": [["RAG"], ["Red"]]})
    out = ok("import", str(path), "--inspection", PLAN, db=db)
    assert "2 added" in out.stdout and "read sheet 'Plan', headers on row 3" in out.stderr
    # Two sheets of actions, none named after the inspection: which one is the officer's to say.
    path = workbook(tmp_path / "two.xlsx", {"Plan 2024": TITLED, "Plan 2023": TITLED})
    before = contents(db)
    out = ilacs("import", str(path), "--inspection", PLAN, db=db)
    assert out.returncode == 2 and out.stderr.strip().count("\n") == 0
    assert "2 sheets of actions (Plan 2024, Plan 2023)" in out.stderr and "--sheet" in out.stderr
    assert contents(db) == before
    out = ok("import", str(path), "--inspection", PLAN, "--sheet", "plan 2023", db=db)
    assert "2 unchanged" in out.stdout


UNDATED = [
    ["Improvement plan"],
    [],
    ["Action", "Owner", "Timescale"],
    ["Weekly audit of plans", "Head of Quality", "Ongoing"],  # row 4
    ["Supervision policy refresh", "Principal Social Worker", "30/09/2030"],
    ["Practice week", "Head of Safeguarding", "autumn 2030"],
    ["Recruit a neglect lead", "C Jones", "TBC"],  # row 7
    ["Quarterly dip sample", "A Watson", dt.date(2030, 12, 31)],
    ["Performance clinic", "B Khan", "Monthly"],  # row 9
]


def test_target_dates_that_are_no_date_are_kept_as_written(db, tmp_path):
    path = workbook(tmp_path / "plan.xlsx", {"Plan": UNDATED})
    before = contents(db)
    out = ok("import", str(path), "--inspection", PLAN, "--dry-run", db=db)
    assert "ilacs: 3 target dates kept as written, with no date: rows 4, 7, 9" in out.stderr.splitlines()
    assert out.stdout.startswith("Would import plan.xlsx into east-sussex-2023: 6 added")
    assert contents(db) == before
    out = ok("import", str(path), "--inspection", PLAN, db=db)
    assert "6 added" in out.stdout and "rows 4, 7, 9" in out.stderr
    found = {a["title"]: (a["due"], a["wording"]) for a in actions(db)}
    assert found == {
        "Weekly audit of plans": (None, "Ongoing"),
        "Supervision policy refresh": ("2030-09-30", None),
        "Practice week": ("2030-11-30", "autumn 2030"),
        "Recruit a neglect lead": (None, "TBC"),
        "Quarterly dip sample": ("2030-12-31", None),
        "Performance clinic": (None, "Monthly"),
    }
    # An undated action is not overdue, and the plan's export shows its words where the date would be.
    assert "Weekly audit" not in ok("overdue", "--as-of", "2031-06-01", db=db).stdout
    exported = {row["Action"]: row for row in csv.DictReader(ok("export", PLAN, db=db).stdout.splitlines())}
    assert (
        exported["Recruit a neglect lead"]["Target date"],
        exported["Recruit a neglect lead"]["Target (as written)"],
    ) == ("", "TBC")
    again = ok("import", str(path), "--inspection", PLAN, db=db)
    assert "0 added, 0 updated (0 status changes), 6 unchanged" in again.stdout


def test_words_do_not_replace_an_actions_own_date(db, tmp_path):
    path = workbook(tmp_path / "plan.xlsx", {"Plan": UNDATED})
    ok("import", str(path), "--inspection", PLAN, db=db)
    rows = [row[:] for row in UNDATED]
    rows[4][2] = "Ongoing"  # row 5: the action has a date; words that are no date leave it be
    path = workbook(tmp_path / "edited.xlsx", {"Plan": rows})
    out = ok("import", str(path), "--inspection", PLAN, "--dry-run", db=db)
    assert "6 unchanged" in out.stdout
    assert re.search(
        r"^ilacs: 1 target not read as a date left the action's own target as it was: row 5 ", out.stderr, re.MULTILINE
    )
    assert "kept as written, with no date: rows 4, 7, 9" in out.stderr


def build_plan(db, tmp_path):
    """A plan with every kind of target and text an export holds: a period, words with no date, a formula-like
    title, refs, measures, status updates with notes."""
    ok(
        "add-action",
        PLAN,
        "--area",
        "2",
        "--ref",
        "2.1",
        "--owner",
        "A Watson",
        "--due",
        "June 2030",
        "--measure",
        "90% of supervision recorded",
        "--",
        "Audit supervision records",
        db=db,
    )
    hostile = ok(
        "add-action",
        PLAN,
        "--area",
        "1",
        "--owner",
        "+44 20 7946 0000",
        "--due",
        "31/10/2030",
        "--",
        '=HYPERLINK("http://evil.example","click")',
        db=db,
    ).stdout.strip()
    ok("update", hostile, "--status", "in-progress", "--note", "-2+3", "--by", "B Khan", db=db)
    ok("import", str(workbook(tmp_path / "council.xlsx", {"Plan": UNDATED})), "--inspection", PLAN, db=db)
    return len(actions(db))


def snapshot(db):
    return [ok("actions", "--json", db=db).stdout, ok("list", "--json", "--as-of", "2030-01-01", db=db).stdout]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_comes_back_unchanged_with_no_options(db, tmp_path, fmt):
    count = build_plan(db, tmp_path)
    mine = tmp_path / f"plan.{fmt}"
    ok("export", PLAN, "--format", fmt, "-o", str(mine), db=db)
    before = snapshot(db)
    out = ok("import", str(mine), db=db)
    assert (
        out.stdout.strip() == f"Imported plan.{fmt} into {PLAN}: 0 added, 0 updated (0 status changes), "
        f"{count} unchanged"
    )
    assert snapshot(db) == before
    # Every plan in one file: --inspection picks its own sheet (or rows), the other plans' are left alone.
    everything = tmp_path / f"all.{fmt}"
    ok("export", "--format", fmt, "-o", str(everything), db=db)
    out = ilacs("import", str(everything), db=db)
    assert out.returncode == 2 and "--inspection" in out.stderr and out.stderr.strip().count("\n") == 0
    for inspection in (PLAN, OTHER):
        out = ok("import", str(everything), "--inspection", inspection, db=db)
        assert f"0 added, 0 updated (0 status changes), {len(actions(db, inspection))} unchanged" in out.stdout
        if fmt == "csv":
            assert re.search(r"^ilacs: \d+ rows of other inspections skipped", out.stderr, re.MULTILINE)
    assert snapshot(db) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_brings_its_wording_into_another_database(db, tmp_path, fmt):
    build_plan(db, tmp_path)
    mine = tmp_path / f"plan.{fmt}"
    ok("export", PLAN, "--format", fmt, "-o", str(mine), db=db)
    fresh = tmp_path / "fresh.db"
    ok("seed", db=fresh)
    ok("import", str(mine), db=fresh)

    def targets(path):
        return sorted(
            (a["title"], a["ref"], a["area"], a["owner"], a["due"], a["wording"], a["measure"], a["status"])
            for a in actions(path)
        )

    assert targets(fresh) == targets(db)
    assert ("Recruit a neglect lead", None, None, "C Jones", None, "TBC", None, "not-started") in targets(fresh)


def test_rows_of_an_inspection_not_in_the_database_are_a_problem(db, tmp_path):
    build_plan(db, tmp_path)
    everything = tmp_path / "all.csv"
    ok("export", "-o", str(everything), db=db)
    rows = list(csv.reader(everything.open(encoding="utf-8-sig")))
    line = next(number for number, row in enumerate(rows, 1) if row[0] == PLAN)
    rows[line - 1][0] = "east-susex-2023"
    rows[line - 1][5] = "A brand new action"
    write_csv(everything, rows)
    before = contents(db)
    out = ilacs("import", str(everything), "--inspection", PLAN, db=db)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith(
        f"all.csv: row {line}, column 'Inspection': 'east-susex-2023' is not an inspection in this database"
    )
    assert contents(db) == before
    # An officer's own "Inspection" column (naming none of ours) is not ilacs's: it is read past.
    own = write_csv(tmp_path / "own.csv", [["Inspection", "Action", "Owner"], ["ILACS 2023", "Audit", "A Watson"]])
    assert "1 added" in ok("import", str(own), "--inspection", PLAN, db=db).stdout


def corrupt(path):
    """A real workbook cut short, as a failed download leaves it."""
    workbook(path, {"Plan": TITLED})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def broken_inside(path):
    """A zip with the workbook's parts, one sheet's XML damaged."""
    good = path.with_suffix(".good.xlsx")
    workbook(good, {"Plan": TITLED})
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[:40] if item.filename.endswith("sheet1.xml") else data)


BAD = {
    "missing file": (lambda p: None, "gone.xlsx", [], 1, "no file"),
    "a folder": (lambda p: p.mkdir(), "folder.csv", [], 1, "is a folder"),
    "text named .xlsx": (
        lambda p: p.write_text("Action,Owner\nAudit,A Watson\n"),
        "plan.xlsx",
        [],
        1,
        "cannot read plan.xlsx as an Excel workbook",
    ),
    "password-protected xlsx": (
        lambda p: shutil.copy(FIXTURES / "password-protected.xlsx", p),
        "locked.xlsx",
        [],
        1,
        "password-protected",
    ),
    "truncated xlsx": (corrupt, "cut.xlsx", [], 1, "cannot read cut.xlsx as an Excel workbook"),
    "damaged sheet xml": (broken_inside, "damaged.xlsx", [], 1, "cannot read damaged.xlsx as an Excel workbook"),
    "a workbook named .csv": (lambda p: workbook(p, {"Plan": TITLED}), "plan.csv", [], 1, "rename it plan.xlsx"),
    "binary named .csv": (
        lambda p: p.write_bytes(b"\x00\x01\x81\x8d\x8f" * 50),
        "junk.csv",
        [],
        1,
        "not a CSV text file",
    ),
    "an .xls file": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0"), "old.xls", [], 2, "save it as .xlsx"),
    "a pdf": (lambda p: p.write_bytes(b"%PDF-1.4"), "plan.pdf", [], 2, "import reads .csv, .xlsx"),
    "no header in 20 rows": (
        lambda p: workbook(p, {"Plan": [["notes"]] * 20 + [HEADERS]}),
        "late.xlsx",
        [],
        1,
        "sheet 'Plan' of late.xlsx has no header row",
    ),
    "no header in a csv": (
        lambda p: write_csv(p, [["Thing", "Person"], ["x", "y"]]),
        "cols.csv",
        [],
        1,
        "(its first row: Thing, Person)",
    ),
    "no sheet has headers": (
        lambda p: workbook(p, {"A": [["x"]], "B": [["y"]]}),
        "none.xlsx",
        [],
        1,
        "no sheet of none.xlsx has a header row (A, B)",
    ),
    "an empty workbook sheet": (lambda p: workbook(p, {"Plan": []}), "empty.xlsx", [], 1, "has no header row"),
    "an empty csv": (lambda p: p.write_text(""), "empty.csv", [], 1, "empty.csv is empty"),
    "unknown --sheet": (
        lambda p: workbook(p, {"Plan": TITLED}),
        "plan.xlsx",
        ["--sheet", "Actions"],
        2,
        "has no sheet 'Actions': its sheets are Plan",
    ),
    "--sheet with a csv": (lambda p: write_csv(p, TITLED), "plan.csv", ["--sheet", "Plan"], 2, "--sheet is for"),
}


@pytest.mark.parametrize("case", BAD)
def test_every_bad_file_is_one_line_and_writes_nothing(db, tmp_path, case):
    make, name, extra, code, words = BAD[case]
    path = tmp_path / name
    make(path)
    before = contents(db)
    out = ilacs("import", str(path), "--inspection", PLAN, *extra, db=db)
    assert (out.returncode, out.stdout) == (code, ""), out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert words in out.stderr
    assert contents(db) == before
