"""Measures of success (issue 28) through the real CLI on real files: baselines, targets, readings rated at each edge
of their tolerance for both polarities, read as they stood between readings, imported all or nothing, undone by
withdrawal, shown under their area, carried by the whole-database export and by seed files."""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from helpers.cli import ok, refused, run_ilacs
from helpers.plans import PLAN, write_csv

ES = PLAN  # east-sussex-2023: fieldwork 11-15 Dec 2023, areas 1 to 3


def add_measure(db, *options, title="Care plans rated good or better", area="1", by="Sam Patel"):
    """`ilacs measure add` on East Sussex's plan; returns the new id (M1, ...)."""
    return ok("measure", "add", ES, title, "--area", area, *options, "--by", by, db=db, strip=True)


HIGHER = ("--unit", "%", "--baseline", "50", "--baseline-on", "2024-01-31", "--target", "80", "--better", "higher")
LOWER = ("--unit", "days", "--baseline", "30", "--baseline-on", "2024-01-31", "--target", "20", "--better", "lower")


def measures(db, *options):
    return json.loads(ok("measures", *options, "--json", db=db))


def one(db, measure, *options):
    return next(item for item in measures(db, *options) if item["id"] == measure)


# -- ratings at the edges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "tolerance", "readings"),
    [
        # higher is better, target 80, tolerance 5: below 75 off, 75 to 79.9 within, 80 and over on target
        (HIGHER, "5", [("74.9", "off target", 5.1), ("75", "within tolerance", 5), ("79.9", "within tolerance", 0.1)]),
        # lower is better, target 20, tolerance 2.5: over 22.5 off, 20.1 to 22.5 within, 20 and under on target
        (
            LOWER,
            "2.5",
            [("22.6", "off target", 2.6), ("22.5", "within tolerance", 2.5), ("20.1", "within tolerance", 0.1)],
        ),
    ],
    ids=["higher", "lower"],
)
def test_a_measure_is_rated_at_each_edge_of_its_tolerance(db, shape, tolerance, readings):
    measure = add_measure(db, *shape, "--tolerance", tolerance)
    assert measure == "M1"
    assert one(db, measure)["rating"] == "no reading"
    target = shape[7]
    days = ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30"]
    for (value, rating, to_go), day in zip(readings, days):
        ok("reading", "add", measure, value, "--on", day, db=db)
        found = one(db, measure)
        assert (found["latest"], found["latest_on"], found["rating"], found["to_go"]) == (
            float(value) if "." in value else int(value),
            day,
            rating,
            to_go,
        )
    ok("reading", "add", measure.lower(), target, "--on", days[3], db=db)  # m1 names M1 too
    found = one(db, measure)
    assert (found["rating"], found["to_go"], found["direction"]) == ("on target", 0, "improving")
    beyond = "81" if shape[-1] == "higher" else "19"
    ok("reading", "add", "1", beyond, "--on", days[4], db=db)  # 1 names M1 too
    assert (one(db, measure)["rating"], one(db, measure)["to_go"]) == ("on target", -1)


def test_the_edges_are_exact_decimals_and_travel_is_in_words(db):
    # 1.1 - 0.2 is 0.9000000000000001 in binary floating point: 0.9 must still be within tolerance
    measure = add_measure(
        db, "--unit", "ratio", "--baseline", "0.5", "--baseline-on", "2024-01-31", "--target", "1.1",
        "--better", "higher", "--tolerance", "0.2",
    )  # fmt: skip
    ok("reading", "add", measure, "0.9", "--on", "2024-02-29", db=db)
    found = one(db, measure)
    assert (found["rating"], found["to_go"], found["direction"]) == ("within tolerance", 0.2, None)
    ok("reading", "add", measure, "0.9", "--on", "2024-03-31", db=db)
    assert one(db, measure)["direction"] == "no change"
    ok("reading", "add", measure, "0.85", "--on", "2024-04-30", db=db)
    found = one(db, measure)
    assert (found["direction"], found["rating"], found["previous"], found["previous_on"]) == (
        "worsening",
        "off target",
        0.9,
        "2024-03-31",
    )
    # A reading recorded later about an earlier day is not the latest: the latest is by the day it describes.
    ok("reading", "add", measure, "1.2", "--on", "2024-04-15", db=db)
    found = one(db, measure)
    assert (found["latest"], found["previous"], found["direction"]) == (0.85, 1.2, "worsening")


def test_a_target_equal_to_the_baseline_is_fine_and_percent_signs_go_with_a_percent_unit(db):
    measure = add_measure(
        db, "--unit", "%", "--baseline", "60", "--baseline-on", "2024-01-31", "--target", "60", "--better", "higher"
    )
    out = ok("reading", "add", measure, "61.5%", "--on", "2024-02-29", db=db, strip=True)
    assert out == "M1: 61.5 % on Thu 29 Feb 2024; on target"


# -- read as they stood: between readings, for both polarities ---------------------------------------------


def on_day(day, *args, db):
    """`ilacs ARGS` as if run on `day` at 09:00 (faketime: the recording time is that day's)."""
    env = {**os.environ, "ILACS_DB": str(db), "TZ": "UTC"}
    done = subprocess.run(
        ["faketime", "-f", f"@{day} 09:00:00", sys.executable, "-m", "ilacs_cli", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_four_readings_each_edge_both_polarities_read_as_of_between_readings(db):
    if not shutil.which("faketime"):
        pytest.skip("faketime not installed (CI installs it: see .ci/run)")
    common = ("--baseline-on", "2024-12-31", "--tolerance", "5", "--by", "Sam Patel")
    higher = ("--unit", "%", "--baseline", "50", "--target", "80", "--better", "higher")
    lower = ("--unit", "days", "--baseline", "40", "--target", "20", "--better", "lower")
    assert on_day("2025-01-06", "measure", "add", ES, "Plans good", "--area", "1", *higher, *common, db=db) == "M1"
    assert on_day("2025-01-06", "measure", "add", ES, "Days to plan", "--area", "2", *lower, *common, db=db) == "M2"
    # (day, higher's reading, lower's): off target, then each edge of the tolerance, then the target itself
    readings = [("2025-01-31", "74.9", "25.1"), ("2025-02-28", "75", "25"), ("2025-03-31", "79.9", "20.1")]
    readings.append(("2025-04-30", "80", "20"))
    for day, high, low in readings:
        on_day(day, "reading", "add", "M1", high, "--on", day, "--source", "BI", "--by", "A Watson", db=db)
        on_day(day, "reading", "add", "M2", low, "--on", day, db=db)
    # Recorded on 30 April about 10 April: not part of the plan as it stood on 15 April.
    on_day("2025-04-30", "reading", "add", "M1", "60", "--on", "2025-04-10", "--note", "late return", db=db)

    def seen(day):
        return [(m["id"], m["latest"], m["rating"], m["direction"]) for m in measures(db, "--as-of", day)]

    assert seen("2025-01-05") == []  # before the measures were recorded
    assert seen("2025-01-20") == [("M1", None, "no reading", None), ("M2", None, "no reading", None)]
    assert seen("2025-02-15") == [("M1", 74.9, "off target", None), ("M2", 25.1, "off target", None)]
    assert seen("2025-03-15") == [
        ("M1", 75, "within tolerance", "improving"),
        ("M2", 25, "within tolerance", "improving"),
    ]
    assert seen("2025-04-15") == [
        ("M1", 79.9, "within tolerance", "improving"),
        ("M2", 20.1, "within tolerance", "improving"),
    ]
    # Today: 10 April's late reading is M1's previous one; 30 April's is still the latest.
    assert seen(dt.date.today().isoformat()) == [
        ("M1", 80, "on target", "improving"),
        ("M2", 20, "on target", "improving"),
    ]
    assert one(db, "M1")["previous"] == 60
    # `show --as-of` and `history --as-of` read the same past.
    shown = json.loads(ok("show", ES, "--as-of", "2025-03-15", "--json", db=db))
    assert [(m["id"], m["latest"], m["rating"]) for m in shown["areas"][0]["measures"]] == [
        ("M1", 75, "within tolerance")
    ]
    trail = json.loads(ok("history", "M1", "--as-of", "2025-02-15", "--json", db=db))
    assert [(e["at"][:10], e["author"], e["change"], e["on"]) for e in trail["events"]] == [
        ("2025-01-06", "Sam Patel", "added: baseline 50 %, target 80, higher is better, tolerance 5", "2024-12-31"),
        ("2025-01-31", "A Watson", "reading 74.9 %", "2025-01-31"),
    ]


# -- bad input: one line, nothing written ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["measure", "add", "nowhere-2024", "X", "--area", "1", *HIGHER], 1, "no inspection 'nowhere-2024'"),
        (["measure", "add", ES, "X", "--area", "9", *HIGHER], 1, "has no area for improvement 9"),
        (["measure", "add", ES, "X", "--area", "1", *HIGHER[:3], "12,5", *HIGHER[4:]], 2, "'12,5' is not a number"),
        (["measure", "add", ES, "X", "--area", "1", *HIGHER[:-1], "sideways"], 2, "higher or lower"),
        (["measure", "add", ES, "X", "--area", "1", *HIGHER, "--tolerance", "-1"], 2, "--tolerance -1 is below 0"),
        (["measure", "add", ES, "X", "--area", "1", *HIGHER[:5], "2099-01-01", *HIGHER[6:]], 2, "after today"),
        (["measure", "add", ES, "X", "--area", "1", *HIGHER, "--target-by", "2023-01-01"], 2, "before the baseline"),
        (["measure", "add", ES, "X", "--area", "1", *HIGHER, "--action", "1"], 1, "an action of telford-wrekin-2024"),
        (["reading", "add", "M99", "3", "--on", "2024-02-29"], 1, "no measure 'M99'"),
        (["reading", "add", "M1", "about 3", "--on", "2024-02-29"], 2, "'about 3' is not a number"),
        (["reading", "add", "M1", "12,5", "--on", "2024-02-29"], 2, "'12,5' is not a number"),
        (["reading", "add", "M2", "12%", "--on", "2024-02-29"], 2, "('%' only when the unit is %)"),
        (["reading", "add", "M1", "3", "--on", "2024-01-30"], 2, "before M1's baseline (2024-01-31)"),
        (["reading", "add", "M1", "3", "--on", "tomorrow"], 2, "is after today"),
        (["reading", "add", "M1", "3", "--on", "June 2024"], 2, "is a period, not a day"),
    ],
)
def test_bad_input_is_refused_in_one_line_and_writes_nothing(db, args, code, says):
    add_measure(db, *HIGHER)
    add_measure(db, *LOWER, title="Days to a plan")
    refused(*args, db=db, code=code, says=says)


# -- importing readings ---------------------------------------------------------------------------------


def test_a_readings_import_is_refused_whole_on_one_bad_row(db, tmp_path):
    add_measure(db, *HIGHER)
    add_measure(db, *LOWER, title="Days to a plan")
    rows = [["Measure", "Date", "Value", "Source"], ["M1", "29/02/2024", "61", "Power BI"]]
    rows += [["M2", "2024-02-29", "27.5", "Power BI"], ["M1", "31/03/2024", "6l", "Power BI"]]
    rows += [["M2", "2024-03-31", "26", "Power BI"]]
    bad = write_csv(tmp_path / "readings.csv", rows)
    refused("reading", "import", bad, db=db, code=1, says="readings.csv, row 4: the value '6l' is not a number")
    refused("reading", "import", bad, "--dry-run", db=db, code=1, says="nothing imported")
    assert [m["latest"] for m in measures(db)] == [None, None]
    for fixed, row, says in [
        (["M9", "2024-03-31", "61", ""], 4, "no measure 'M9'"),
        (["M1", "2024-01-01", "61", ""], 4, "before M1's baseline"),
        (["M1", "31/31/2024", "61", ""], 4, "the date '31/31/2024' is not a day"),
        (["M1", "", "61", ""], 4, "the date is empty"),
        (["M1", "29/02/2024", "62", ""], 4, "M1 on 2024-02-29 is given in row 2 too"),
    ]:
        path = write_csv(tmp_path / "again.csv", [*rows[:3], fixed, rows[4]])
        refused("reading", "import", path, db=db, code=1, says=[f"again.csv, row {row}: ", says])
    good = write_csv(tmp_path / "good.csv", [*rows[:3], ["M1", "31/03/2024", "76", "Power BI"], rows[4]])
    before = ok("undo", "--list", "--json", db=db)
    assert ok("reading", "import", good, "--dry-run", db=db, strip=True) == (
        "Would import 4 readings of 2 measures from good.csv"
    )
    assert ok("undo", "--list", "--json", db=db) == before and [m["latest"] for m in measures(db)] == [None, None]
    assert ok("reading", "import", good, db=db, strip=True) == "Imported 4 readings of 2 measures from good.csv"
    found = measures(db)
    assert [(m["latest"], m["previous"], m["rating"], m["direction"]) for m in found] == [
        (76, 61, "off target", "improving"),
        (26, 27.5, "off target", "improving"),
    ]
    # The same file again records nothing new.
    assert ok("reading", "import", good, db=db, strip=True) == (
        "Imported 0 readings of 2 measures from good.csv (4 recorded already, left as they are)"
    )
    no_header = write_csv(tmp_path / "plain.csv", [["Indicator code", "When", "Amount"], ["M1", "2024-04-30", "3"]])
    refused("reading", "import", no_header, db=db, code=1, says="names the columns measure, date and value")


def test_readings_come_from_a_workbook_too(db, tmp_path):
    from openpyxl import Workbook

    add_measure(db, *LOWER, title="Days to a plan")
    book = Workbook()
    sheet = book.active
    sheet.title = "BI export"
    sheet.append(["Children's services scorecard"])  # a title row above the headers, as BI exports have
    sheet.append(["measure", "date", "value", "source", "note"])
    sheet.append([1, dt.datetime(2024, 2, 29), 24.5, "Power BI", "Agency staff left"])
    sheet.append(["M1", dt.date(2024, 3, 31), 22, "Power BI", None])
    book.save(tmp_path / "scorecard.xlsx")
    assert ok("reading", "import", tmp_path / "scorecard.xlsx", db=db, strip=True) == (
        "Imported 2 readings of 1 measures from scorecard.xlsx"
    )
    found = one(db, "M1")
    assert (found["latest"], found["latest_on"], found["rating"]) == (22, "2024-03-31", "off target")
    trail = json.loads(ok("history", "M1", "--json", db=db))["events"]
    assert [e["note"] for e in trail] == [None, "Agency staff left source Power BI", "source Power BI"]


# -- undo, history, show ---------------------------------------------------------------------------------


@pytest.mark.sqlite_only("reads the file with sqlite3")
def test_undo_withdraws_readings_and_measures_by_recording_and_never_deletes(db, tmp_path):
    measure = add_measure(db, *HIGHER)
    ok("reading", "add", measure, "60", "--on", "2024-02-29", "--by", "Sam Patel", db=db)
    path = write_csv(
        tmp_path / "r.csv", [["measure", "date", "value"], ["M1", "2024-03-31", "70"], ["M1", "2024-04-30", "72"]]
    )
    ok("reading", "import", path, "--by", "Sam Patel", db=db)
    states = [
        (c["command"], c["state"]) for c in json.loads(ok("undo", "--list", "--by", "Sam Patel", "--json", db=db))
    ]
    assert states == [("reading import", "next"), ("reading add", "earlier"), ("measure add", "earlier")]
    preview = ok("undo", "--dry-run", "--by", "Sam Patel", db=db)
    assert "measure M1: reading of 2024-04-30 withdrawn" in preview and one(db, measure)["latest"] == 72
    out = ok("undo", "--by", "Sam Patel", db=db)
    assert "undid `reading import`" in out and "reading of 2024-03-31 withdrawn" in out
    assert (one(db, measure)["latest"], one(db, measure)["rating"]) == (60, "off target")
    # Someone else's reading since: undoing the measure would hide it, so undo refuses (after the reading add).
    ok("reading", "add", measure, "65", "--on", "2024-05-31", "--by", "A Watson", db=db)
    ok("undo", "--by", "Sam Patel", db=db)  # Sam's `reading add`
    refused(
        "undo",
        "--by",
        "Sam Patel",
        db=db,
        code=1,
        says="measure M1 has readings recorded since, the latest by A Watson",
    )
    ok("undo", "--by", "A Watson", db=db)
    assert "measure M1 (Care plans rated good or better): withdrawn" in ok("undo", "--by", "Sam Patel", db=db)
    assert measures(db) == []
    refused("reading", "add", measure, "3", "--on", "2024-06-30", db=db, code=1, says="it was withdrawn by undo")
    # Nothing was deleted: every reading is kept, each withdrawal names what it withdrew.
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM readings").fetchone() == (4,)
        assert conn.execute("SELECT count(*) FROM measure_withdrawals WHERE reading_id IS NOT NULL").fetchone() == (4,)
        for statement in ("UPDATE readings SET value = 1", "DELETE FROM readings", "DELETE FROM measures"):
            with pytest.raises(sqlite3.DatabaseError, match="history"):
                conn.execute(statement)
    trail = ok("history", "M1", db=db)
    assert "measure withdrawn" in trail and "reading 72 % withdrawn (as of Tue 30 Apr 2024)" in trail


def test_history_says_who_when_and_the_day_described(db):
    measure = add_measure(db, *LOWER, "--target-by", "2025-03-31", "--source", "Liquidlogic", title="Days to a plan")
    ok("reading", "add", measure, "27", "--on", "29/02/2024", "--by", "A Watson", "--note", "New duty team", db=db)
    lines = ok("history", measure, db=db).splitlines()
    assert lines[0] == "[M1] Days to a plan"
    assert "Sam Patel" in lines[2] and (
        "added: baseline 30 days, target 20 by Mon 31 Mar 2025, lower is better (as of Wed 31 Jan 2024)" in lines[2]
    )
    assert (
        "A Watson" in lines[3] and "reading 27 days (as of Thu 29 Feb 2024)" in lines[3] and "New duty team" in lines[3]
    )
    csv_lines = ok("history", measure, "--csv", db=db).splitlines()
    assert csv_lines[0] == "at,by,change,note" and "(as of 2024-02-29)" in csv_lines[2]


def test_changes_list_measures_added_readings_and_withdrawals_with_the_day_described(db):
    measure = add_measure(db, *LOWER, "--tolerance", "2.5", title="Days to a plan")
    ok("reading", "add", measure, "22.5", "--on", "29/02/2024", "--by", "A Watson", db=db)
    ok("reading", "add", measure, "31", "--on", "31/03/2024", "--by", "A Watson", "--note", "Sickness", db=db)
    ok("undo", "--by", "A Watson", db=db)
    found = [
        line for line in json.loads(ok("changes", "--inspection", ES, "--json", db=db)) if line["kind"] == "measure"
    ]
    assert [(line["id"], line["author"], line["on"], line["change"], line["note"]) for line in found] == [
        ("M1", "Sam Patel", None, "measure added", None),
        ("M1", "A Watson", "2024-02-29", "reading 22.5 days (within tolerance)", None),
        ("M1", "A Watson", "2024-03-31", "reading 31 days (off target)", "Sickness"),
        ("M1", "A Watson", "2024-03-31", "reading 31 days withdrawn", None),
    ]
    text = ok("changes", "--inspection", ES, db=db)
    assert "measure M1: Days to a plan" in text and "reading 31 days (off target) (as of Sun 31 Mar 2024)" in text


def test_show_lists_measures_under_their_area(db):
    add_measure(db, *HIGHER, "--target-by", "2025-03-31", "--tolerance", "5")
    add_measure(db, *LOWER, title="Days to a plan", area="2")
    ok("reading", "add", "M1", "77", "--on", "2024-02-29", db=db)
    shown = ok("show", ES, db=db)
    area_1 = shown.index("Area 1:")
    line = next(line for line in shown.splitlines() if line.startswith("  M1 "))
    assert shown.index(line) > area_1 and shown.index(line) < shown.index("Area 2:")
    assert line == (
        "  M1 Care plans rated good or better (%, higher is better) | baseline 50 on Wed 31 Jan 2024 | target 80 by "
        "Mon 31 Mar 2025 | latest 77 on Thu 29 Feb 2024 | within tolerance"
    )
    detail = json.loads(ok("show", ES, "--json", db=db))
    assert [[m["id"] for m in area["measures"]] for area in detail["areas"]] == [["M1"], ["M2"], []]
    assert detail["areas"][1]["measures"][0]["rating"] == "no reading"
    table = ok("measures", "--inspection", ES, "--area", "1", db=db)
    assert "within tolerance" in table and "Days to a plan" not in table and "Key: on target" in table
    header = ok("measures", "--csv", db=db).splitlines()[0]
    assert header == (
        "id,inspection,area,measure,unit,better,tolerance,baseline,baseline_on,latest,latest_on,previous,"
        "previous_on,target,target_by,to_go,direction,rating"
    )
    refused("measures", "--area", "1", db=db, code=2, says="--area needs --inspection")


# -- the whole database, removal, seeds ---------------------------------------------------------------------


@pytest.mark.sqlite_only("reads the file with sqlite3")
def test_export_and_restore_carry_measures_and_readings_and_remove_deletes_them(db, tmp_path):
    add_measure(db, *HIGHER)
    ok("reading", "add", "M1", "61.5", "--on", "2024-02-29", db=db)
    ok("reading", "add", "M1", "63", "--on", "2024-03-31", db=db)
    ok("undo", db=db)
    before = measures(db)
    dump = tmp_path / "all.json"
    ok("export", "--all", "--format", "json", "-o", dump, db=db)
    restored = tmp_path / "restored.db"
    ok("import", dump, "--db", restored)
    assert measures(restored) == before and before[0]["latest"] == 61.5
    assert ok("history", "M1", "--json", db=restored) == ok("history", "M1", "--json", db=db)
    assert run_ilacs("check", db=restored).returncode == 0
    # An export made before measures existed (no such tables, no m015 in its schema) restores with none.
    older = json.loads(dump.read_text(encoding="utf-8"))
    for table in ("measures", "readings", "measure_withdrawals"):
        del older["tables"][table]
    older["schema"].remove("m015_measures_and_readings")
    (tmp_path / "older.json").write_text(json.dumps(older), encoding="utf-8")
    ok("import", tmp_path / "older.json", "--db", tmp_path / "older.db")
    assert measures(tmp_path / "older.db") == []
    ok("remove", ES, "--yes", db=db)
    assert measures(db) == []
    assert run_ilacs("check", db=db).returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM readings").fetchone() == (0,)


SEED = """format = 1
[inspection]
id = "testshire-2024"
authority = "Testshire County Council"
published = 2024-02-06
source = "testshire-report.txt"
[[areas]]
number = 1
title = "The quality of care plans"
[[actions]]
key = "t-1"
area = 1
title = "Audit care plans"
[[measures]]
key = "t-m1"
area = 1
title = "Care plans rated good or better"
unit = "%"
target = 80
target_by = 2025-03-31
better = "higher"
tolerance = 5
actions = ["t-1"]
inferred = { target = "the report asks that most plans be good; the board set 80%" }
"""


def test_a_seed_file_carries_measures_stated_inferred_or_unknown(tmp_path, new_db):
    path = tmp_path / "testshire.toml"
    path.write_text(SEED, encoding="utf-8")
    db = new_db
    ok("init", db=db)
    ok("seed", path, db=db)
    ok("seed", path, db=db)  # loaded once
    found = measures(db)
    assert [(m["id"], m["baseline"], m["baseline_on"], m["target"], m["source"]) for m in found] == [
        ("M1", None, None, 80, "testshire-report.txt")
    ]
    assert found[0]["inferred"] == {"target": "the report asks that most plans be good; the board set 80%"}
    assert found[0]["actions"] == [int(json.loads(ok("actions", "--json", db=db))[0]["id"])]
    shown = ok("show", "testshire-2024", db=db)
    assert "baseline unknown | target 80* by Mon 31 Mar 2025 | no reading yet" in shown
    assert "M1 target: the report asks that most plans be good" in shown
    # With no baseline day, a reading may be of any day up to today.
    ok("reading", "add", "M1", "70", "--on", "2024-01-01", db=db)
    for wrong, says in [
        ('area = 1\ntitle = "Care plans', "measures #1.area: no area 2 in this file"),
        ('actions = ["t-1"]', "measures #1.actions: no action with key 't-9'"),
        ("tolerance = 5", "measures #1.tolerance: 'five' must be a number"),
        ('better = "higher"', "measures #1.better: 'upwards' is not one of higher, lower"),
        ("target = 80", "measures #1.baseline: give baseline and baseline_on together"),
    ]:
        broken = SEED.replace(
            wrong,
            {
                'area = 1\ntitle = "Care plans': 'area = 2\ntitle = "Care plans',
                'actions = ["t-1"]': 'actions = ["t-9"]',
                "tolerance = 5": 'tolerance = "five"',
                'better = "higher"': 'better = "upwards"',
                "target = 80": "target = 80\nbaseline = 40",
            }[wrong],
        )
        path.write_text(broken, encoding="utf-8")
        refused("seed", path, db=tmp_path / "other.db", code=1, says=says)


@pytest.mark.parametrize("args", [["measures"], ["measures", "--as-of", "2025-01-01", "--json"], ["history", "M1"]])
def test_reading_measures_imports_no_heavy_module(db, args):
    add_measure(db, *HIGHER)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ilacs_cli", *args],
        env={**os.environ, "ILACS_DB": str(db)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert imported & {"sqlite_utils", "openpyxl", "holidays", "icalendar", "docx"} == set()
