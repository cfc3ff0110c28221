"""The workbook as a council prints it (issue 29): the plan sheet at a readable size on landscape A4 (85% or more,
the area by number on each row and the areas' titles in a key), and the Updates sheet as of `--as-of`, with the day
each update describes beside the day it was recorded."""

import os
import shutil
import subprocess
import sys

import pytest
from helpers.cli import ok

PLAN = "east-sussex-2023"


def at(clock, *args, db):
    """ilacs run with the clock stopped at `clock` (England's winter: UTC)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("ILACS_")}
    env.update({"TZ": "Europe/London", "ILACS_DB": str(db), "ILACS_CONFIG": str(db.parent / "none.toml")})
    env["ILACS_USER"] = "Sam"
    ran = subprocess.run(
        ["faketime", "-f", clock, sys.executable, "-m", "ilacs_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.strip()


@pytest.mark.sqlite_only("changes the file with sqlite3")
@pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime (apt-get install faketime)")
def test_updates_sheet_is_as_of_the_day_with_the_day_described(db, tmp_path):
    import datetime as dt

    from openpyxl import load_workbook

    action = at(
        "@2024-01-02 10:00:00",
        "add-action",
        PLAN,
        "--area",
        "1",
        "--owner",
        "A Watson",
        "--due",
        "2024-03-01",
        "Audit",
        db=db,
    )
    # Recorded on Fri 5 Jan about Wed 3 Jan; then recorded on Sat 20 Jan about Thu 18 Jan.
    at("@2024-01-05 10:00:00", "update", action, "--status", "in-progress", "--on", "2024-01-03", db=db)
    at("@2024-01-20 10:00:00", "update", action, "--status", "done", "--on", "2024-01-18", db=db)
    path = tmp_path / "plan.xlsx"
    ok("export", PLAN, "-f", "xlsx", "--as-of", "2024-01-10", "-o", str(path), db=db)
    rows = list(load_workbook(path)["Updates"].iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers[3:5] == ["Day described", "Recorded"]
    found = [dict(zip(headers, row)) for row in rows[1:]]
    assert [(row["Day described"], row["Recorded"]) for row in found if row["Action id"] == int(action)][-1] == (
        dt.datetime(2024, 1, 3),
        dt.datetime(2024, 1, 5),
    )
    assert all(row["Recorded"] <= dt.datetime(2024, 1, 10) for row in found)
    assert not any("Done" in str(row["Change"]) and row["Action id"] == int(action) for row in found)
    ok("export", PLAN, "-f", "xlsx", "--as-of", "2024-01-20", "-o", str(path), "--force", db=db)
    later = [row for row in load_workbook(path)["Updates"].iter_rows(min_row=2, values_only=True)]
    assert (dt.datetime(2024, 1, 18), dt.datetime(2024, 1, 20)) in [(row[3], row[4]) for row in later]


def test_plan_sheet_prints_on_landscape_a4_at_85_percent_or_more(db, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "plan.xlsx"
    # Long text in the action and owner columns: they stop at the most they are given.
    long = " ".join(["safeguarding"] * 12)
    ok("add-action", "telford-wrekin-2024", "--area", "1", "--owner", long, "--due", "2030-01-01", long, db=db)
    ok("export", "telford-wrekin-2024", "-f", "xlsx", "-o", str(path), db=db)
    book = load_workbook(path)
    sheet = book["Telford Wrekin 2024 plan"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Id", "Area", "Ref"] and "Area for improvement" not in headers
    assert {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)} <= {1, 2, None}
    areas = list(book["Areas"].iter_rows(values_only=True))
    assert areas[0] == ("Inspection", "Area", "Area for improvement")
    assert ("telford-wrekin-2024", 1, "The management of contacts within Family Connect") in areas
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", 9)
    # Excel's rule: a column w characters wide is 7w + 5 pixels; landscape A4 less 0.4-inch margins is 1045 pixels
    # at 96 dpi. 85% needs the columns to come to no more than 1229 pixels.
    pixels = sum(7 * dimension.width + 5 for dimension in sheet.column_dimensions.values())
    assert pixels <= 1229 and int(setup.scale) >= 85, (pixels, setup.scale)
