"""Hostile files (issue 14, items 5 and 6): spreadsheets, whole-database exports and seed files made to break
ilacs. Each is refused in one line naming the problem (and the limit, where one was passed) and the fix, with a
non-zero exit, no traceback, and nothing written. The files are made here, small except where size is the point.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import zipfile
from itertools import chain, repeat

import pytest
from helpers import cli
from helpers.cli import run_ilacs as ilacs

PLAN = "east-sussex-2023"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
RELATIONS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": TYPES,
    "_rels/.rels": RELATIONS.format(
        f'<Relationship Id="rId1" Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/>'
    ),
    "xl/workbook.xml": f'<workbook {MAIN} xmlns:r="{OFFICE}"><sheets><sheet name="Plan" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>",
    "xl/_rels/workbook.xml.rels": RELATIONS.format(
        f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/>'
    ),
}
HEADERS = ("Action", "Lead officer", "Target date")


def row(number, *cells):
    """A sheet row of text cells, as XML."""
    return (
        f'<row r="{number}">'
        + "".join(
            f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{cell}</t></is></c>' for i, cell in enumerate(cells)
        )
        + "</row>"
    )


def workbook(path, rows, strings=(f"<sst {MAIN}/>",), prolog=""):
    """A real .xlsx written part by part with zipfile: the sheet's `rows` (XML text, streamed, so a sheet may be far
    bigger than memory would like) and the shared strings' parts."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        for name, parts in (
            ("xl/sharedStrings.xml", strings),
            (
                "xl/worksheets/sheet1.xml",
                chain(
                    [f'<?xml version="1.0"?>{prolog}<worksheet {MAIN}><sheetData>'], rows, ["</sheetData></worksheet>"]
                ),
            ),
        ):
            with archive.open(name, "w", force_zip64=True) as part:
                for text in parts:
                    part.write(text.encode())
    return path


def strings_bomb(path, characters):
    """A workbook whose one shared string (the action's title) is `characters` long: it packs about 1,000 to 1."""
    chunk = "A" * 1_000_000
    strings = chain(
        [f'<sst {MAIN} count="1" uniqueCount="1"><si><t>'], repeat(chunk, characters // len(chunk)), ["</t></si></sst>"]
    )
    return workbook(path, [row(1, *HEADERS), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'], strings)


def whitespace(path, megabytes):
    """A workbook whose sheet holds `megabytes` of spaces between two rows."""
    return workbook(
        path,
        chain(
            [row(1, *HEADERS)], repeat(" " * 1_000_000, megabytes), [row(2, "Audit", "Head of Quality", "31/10/2030")]
        ),
    )


def many_rows(path, count):
    """A workbook of a header and `count` - 1 actions."""
    return workbook(
        path,
        chain(
            [row(1, *HEADERS)],
            (row(number, f"Action {number}", "Head", "31/10/2030") for number in range(2, count + 1)),
        ),
    )


def billion_laughs(path):
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return workbook(
        path,
        [row(1, *HEADERS), row(2, "&lol9;", "Head", "31/10/2030")],
        prolog=f'<!DOCTYPE worksheet [<!ENTITY lol0 "lol">{entities}]>',
    )


def csv_file(path, data: bytes):
    path.write_bytes(data)
    return path


def refused(db, *args, says, code=1, lines=1):
    """helpers.cli.refused with the database first: a file here is refused, in one line unless said, exit 1."""
    return cli.refused(*args, db=db, code=code, says=says, lines=lines)


# -- spreadsheets -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("byte", [b"\x81", b"\x90"], ids=["0x81", "0x90"])
def test_csv_with_a_byte_windows_1252_leaves_undefined(db, tmp_path, byte):
    path = csv_file(
        tmp_path / "plan.csv", b"Action,Lead officer,Target date\r\nAudit " + byte + b",Head,31/10/2030\r\n"
    )
    refused(
        db,
        "import",
        path,
        "--inspection",
        PLAN,
        says=f"neither UTF-8 nor Windows-1252 text (byte 0x{byte[0]:02x} at offset 39): save the sheet as CSV UTF-8",
    )


def test_binary_junk_named_csv(db, tmp_path):
    path = csv_file(tmp_path / "plan.csv", bytes(range(256)) * 16)
    refused(db, "import", path, "--inspection", PLAN, says="plan.csv is not a CSV text file")


def test_csv_field_over_128_kib(db, tmp_path):
    path = csv_file(tmp_path / "plan.csv", b"Action,Lead officer\n" + b"x" * 140_000 + b",Head\n")
    refused(
        db,
        "import",
        path,
        "--inspection",
        PLAN,
        says="a cell on line 2 is longer than 131,072 characters; a cell holds at most 5,000",
    )


def test_csv_over_the_file_size_limit(db, tmp_path):
    path = csv_file(tmp_path / "plan.csv", b"Action,Lead officer\n" + b"Audit,Head\n" * 4_545_455)  # 50.0 MB
    refused(db, "import", path, "--inspection", PLAN, says="plan.csv is 50 MB: ilacs reads files of at most 50 MB")


def test_csv_over_the_row_limit_is_refused_as_it_is_read(db, tmp_path):
    lines = [b"Action,Lead officer"] + [b"Action %d,Head" % number for number in range(50_000)]
    path = csv_file(tmp_path / "plan.csv", b"\n\n".join(lines))  # blank lines between: not counted as rows
    refused(
        db,
        "import",
        path,
        "--inspection",
        PLAN,
        says="plan.csv has more than 50,000 rows: ilacs imports at most 50,000 rows at a time: split the plan",
    )


def test_malformed_sheet_xml(db, tmp_path):
    path = workbook(tmp_path / "plan.xlsx", [row(1, *HEADERS), '<row r="2"><c r="A2" t="inlineStr"><is><t>Audit'])
    refused(
        db,
        "import",
        path,
        "--inspection",
        PLAN,
        says="cannot read plan.xlsx as an Excel workbook (mismatched tag: line 1, column",
    )


def test_entity_expansion_sheet(db, tmp_path):
    refused(
        db,
        "import",
        billion_laughs(tmp_path / "plan.xlsx"),
        "--inspection",
        PLAN,
        says="its XML declares entities or a document type (EntitiesForbidden), as no Excel workbook does",
    )


def test_one_harmless_entity_is_refused_too_so_defusedxml_parses_the_sheet(db, tmp_path):
    """Python's own parser expands a small entity (it stops only billions of laughs): defusedxml refuses any."""
    path = workbook(
        tmp_path / "plan.xlsx",
        [row(1, *HEADERS), row(2, "&audit;", "Head", "31/10/2030")],
        prolog='<!DOCTYPE worksheet [<!ENTITY audit "Audit of plans">]>',
    )
    refused(db, "import", path, "--inspection", PLAN, says="(EntitiesForbidden)")


def test_shared_strings_bomb_is_refused_before_it_is_unpacked(db, tmp_path):
    path = strings_bomb(tmp_path / "plan.xlsx", 51_000_000)
    assert path.stat().st_size < 100_000
    refused(
        db, "import", path, "--inspection", PLAN, says="plan.xlsx unpacks to 51 MB: ilacs reads files of at most 50 MB"
    )


def test_workbook_of_whitespace(db, tmp_path):
    refused(
        db,
        "import",
        whitespace(tmp_path / "plan.xlsx", 60),
        "--inspection",
        PLAN,
        says="plan.xlsx unpacks to 60 MB: ilacs reads files of at most 50 MB",
    )


@pytest.mark.slow  # openpyxl reads the 50,000 rows before the next one is refused: about 3 s
def test_workbook_over_the_row_limit(db, tmp_path):
    refused(
        db,
        "import",
        many_rows(tmp_path / "plan.xlsx", 50_001),
        "--inspection",
        PLAN,
        says="sheet 'Plan' of plan.xlsx has more than 50,000 rows: ilacs imports at most 50,000 rows at a time",
    )


def test_a_title_or_note_longer_than_a_field_holds(db, tmp_path):
    path = workbook(
        tmp_path / "plan.xlsx",
        [
            row(1, "Action", "Lead officer", "Progress"),
            row(2, "Audit", "Head", "x" * 5_001),
            row(3, "y" * 5_000, "Head", "ok"),
        ],
    )
    refused(
        db,
        "import",
        path,
        "--inspection",
        PLAN,
        lines=2,
        says=[
            "plan.xlsx: row 2, column 'Progress': is 5,001 characters long: a field holds at most 5,000; shorten it",
            "1 problems in plan.xlsx: nothing imported",
        ],
    )


def test_a_target_date_beyond_2100_in_text_or_a_date_cell(db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADERS)
    book.active.append(["Audit", "Head", dt.datetime(9999, 12, 31)])
    book.active.append(["Review", "Head", "31/12/9999"])
    book.active.append(["Plan", "Head", "June 1999"])
    book.save(tmp_path / "plan.xlsx")
    refused(
        db,
        "import",
        tmp_path / "plan.xlsx",
        "--inspection",
        PLAN,
        lines=4,
        says=[
            "row 2, column 'Target date': the date is Fri 31 Dec 9999, outside the years 2000 to 2100 that ilacs takes",
            "row 3, column 'Target date': '31/12/9999' is Fri 31 Dec 9999, outside the years 2000 to 2100",
            "row 4, column 'Target date': 'June 1999' is Wed 30 Jun 1999, outside the years 2000 to 2100",
            "3 problems in plan.xlsx: nothing imported",
        ],
    )


@pytest.mark.sqlite_only("changes the file with sqlite3")
def test_a_date_beyond_2100_is_refused_wherever_it_is_typed_and_check_names_one_already_stored(db):
    refused(
        db,
        "add-action",
        PLAN,
        "Audit",
        "--area",
        "1",
        "--owner",
        "Head",
        "--due",
        "31/12/9999",
        code=2,
        says="'31/12/9999' is Fri 31 Dec 9999, outside the years 2000 to 2100 that ilacs takes: check the year",
    )
    refused(db, "update", "1", "--due", "+5000 weeks", code=2, says="outside the years 2000 to 2100")
    import sqlite3

    with sqlite3.connect(db) as conn:  # a file written before this rule, or by another program
        conn.execute("UPDATE actions SET due = '9999-12-31' WHERE id = 1")
    conn.close()
    out = ilacs("check", db=db)
    assert (
        out.returncode == 1
        and "FAIL  due dates: action 1 is due 9999-12-31; each must be a day in the years "
        "2000 to 2100: correct it with ilacs edit"
        in out.stdout
    )


# -- whole-database exports (JSON restore) ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(seeded_template, tmp_path_factory):
    """The seeded database exported whole."""
    path = tmp_path_factory.mktemp("export") / "all.json"
    assert ilacs("export", "--all", "--format", "json", "-o", path, db=seeded_template).returncode == 0
    return path.read_text()


@pytest.fixture()
def export(exported):
    """This test's own copy of the whole export, parsed."""
    return json.loads(exported)


def restore_refused(tmp_path, content, says):
    path = tmp_path / "all.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return refused(tmp_path / "restored.db", "import", path, says=says)


def test_json_nested_200000_deep(tmp_path):
    restore_refused(tmp_path, "[" * 200_000 + "]" * 200_000, says="cannot read")
    restore_refused(
        tmp_path,
        '{"a":' * 200_000 + "1" + "}" * 200_000,
        says="all.json as JSON (it is nested too deeply to be a file ilacs wrote)",
    )


def test_json_rows_as_lists_leave_no_database(tmp_path, export):
    export["tables"]["inspections"] = [list(row.values()) for row in export["tables"]["inspections"]]
    restore_refused(
        tmp_path,
        export,
        says="all.json: table inspections, row 1: must be an object of column: value, "
        "not a list: restore a file made by ilacs export --all --format json",
    )


@pytest.mark.parametrize(
    "change, says",
    [
        (lambda tables: tables.pop("actions"), "table actions: missing"),
        (lambda tables: tables.update(areas={"1": {}}), "table areas: must be a list of rows, not an object"),
        (
            lambda tables: tables["areas"][0].update(number="one"),
            "table areas, row 1, number: must be a whole number, not text",
        ),
        (lambda tables: tables["areas"][0].update(number=2**64), "must be a whole number, not a number beyond 64 bits"),
        (
            lambda tables: tables["actions"][0].update(title=["a"]),
            "table actions, row 1, title: must be text, not a list",
        ),
        (lambda tables: tables["actions"][0].update(colour="red"), "table actions, row 1, colour: no such column"),
    ],
    ids=[
        "missing table",
        "object for a table",
        "text for a number",
        "beyond 64 bits",
        "list for text",
        "unknown column",
    ],
)
def test_json_that_does_not_fit_the_schema_is_refused_before_anything_is_written(tmp_path, export, change, says):
    change(export["tables"])
    restore_refused(tmp_path, export, says=says)


def test_json_that_would_fail_check_is_refused_and_leaves_no_database(tmp_path, export, exported):
    export["tables"]["status_updates"] = []  # loaded and then failed `ilacs check`
    restore_refused(
        tmp_path,
        export,
        says="all.json would not pass ilacs check (action status: action 1 is "
        "in-progress but its latest update says nothing",
    )
    export = json.loads(exported)
    export["tables"]["actions"][0]["due"] = "9999-12-31"
    restore_refused(tmp_path, export, says="(due dates: action 1 is due 9999-12-31")


def test_a_whole_export_still_restores_and_passes_check(tmp_path, export, new_db):
    path = tmp_path / "all.json"
    path.write_text(json.dumps(export))
    assert ilacs("import", path, db=new_db).returncode == 0
    assert ilacs("check", db=new_db).returncode == 0


# -- seed files -------------------------------------------------------------------------------------------------------

SEED = 'format = 1\n[inspection]\nid = "hostile-2025"\nauthority = "Hostile Council"\npublished = "2025-03-03"\n'
AREA = '[[areas]]\nnumber = 1\ntitle = "Plans"\n'


@pytest.mark.parametrize(
    "text, says",
    [
        (
            SEED + '[[areas]]\nnumber = 99999999999999999999\ntitle = "x"\n',
            "areas #1.number: 99999999999999999999 must be a whole number from 1 to 99",
        ),
        (
            SEED + '[[deadlines]]\nkey = "plan"\ntitle = "Plan"\n'
            'rule = { count = 1000000000, unit = "calendar-days", after = "published" }\n',
            "deadlines #1.rule: must be {count = N, unit = working-days|calendar-days, after = published|fieldwork_end|received}, "
            "N from 1 to 2,000",
        ),
        (
            SEED.replace('"2025-03-03"', "9999-12-31") + '[[deadlines]]\nkey = "plan"\ntitle = "Plan"\n'
            'rule = { count = 5, unit = "calendar-days", after = "published" }\n',
            "inspection.published: '9999-12-31' is Fri 31 Dec 9999, outside the years 2000 to 2100",
        ),
        (
            SEED.replace('"2025-03-03"', '"2100-06-01"') + '[[deadlines]]\nkey = "plan"\ntitle = "Plan"\n'
            'rule = { count = 2000, unit = "calendar-days", after = "published" }\n',
            "deadlines #1.rule: the rule's day is Sun 22 Nov 2105, outside the years 2000 to 2100",
        ),
        ("judgements = [1, 2]\n" + SEED, "judgements: must be [[judgements]] tables, each with its fields"),
        (SEED.replace('"hostile-2025"', "5"), "inspection.id: 5 must be text, in quotes"),
        (
            SEED + AREA + '[[actions]]\nkey = "a"\ntitle = "One"\n[[actions]]\nkey = "a"\ntitle = "Two"\n',
            "actions #2.key: 'a' is also actions #1's: each key is given once",
        ),
        (
            SEED + AREA + AREA.replace("Plans", "Oversight"),
            "areas #2.number: 1 is also areas #1's: each number is given once",
        ),
        (
            SEED + 'fieldwork_start = "2025-01-20"\nfieldwork_end = "2025-01-10"\n',
            "inspection.fieldwork_end: 2025-01-10 is before fieldwork_start, 2025-01-20",
        ),
        (
            SEED + 'previous = "nowhere-2019"\n',
            "inspection.previous: 'nowhere-2019' is no inspection in the database or in the files loaded",
        ),
        (
            SEED + AREA + '[[actions]]\nkey = "a"\ntitle = "One"\nowner = ["A Watson", "B Khan"]\n',
            "actions #1.owner: ['A Watson', 'B Khan'] must be text, in quotes",
        ),
        (SEED + AREA + '[[actions]]\nkey = "a"\ntitle = "One"\narea = 2\n', "actions #1.area: no area 2 in this file"),
        (
            SEED + AREA + f'[[actions]]\nkey = "a"\ntitle = "{"x" * 5001}"\n',
            "actions #1.title: is 5,001 characters long: a field holds at most 5,000",
        ),
        (
            SEED + "fieldwork_start = 2025-01-20T09:00:00\n",
            "inspection.fieldwork_start: datetime.datetime(2025, 1, 20, 9, 0) must be a date",
        ),
    ],
    ids=[
        "area beyond 64 bits",
        "count of 10^9 days",
        "9999-12-31 and a rule",
        "rule beyond 2100",
        "judgements = [1, 2]",
        "integer id",
        "two actions with one key",
        "one area number twice",
        "fieldwork ends before it starts",
        "previous names nothing",
        "a list for text",
        "action in no area",
        "title too long",
        "a time for a date",
    ],
)
def test_hostile_seed_file(db, tmp_path, text, says):
    path = tmp_path / "hostile.toml"
    path.write_text(text)
    refused(db, "seed", path, says=f"ilacs: hostile.toml: {says}")
    refused(tmp_path / "new.db", "seed", path, says=says)  # and no database is left behind


def test_previous_may_name_an_inspection_loaded_with_it_or_in_the_database(tmp_path):
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    first.write_text(SEED.replace("hostile-2025", "hostile-2021"))
    second.write_text(SEED + 'previous = "hostile-2021"\n')
    assert ilacs("seed", first, second, db=tmp_path / "both.db").returncode == 0
    assert ilacs("seed", first, db=tmp_path / "one.db").returncode == 0
    assert ilacs("seed", second, db=tmp_path / "one.db").returncode == 0


# -- what each costs --------------------------------------------------------------------------------------------------


def cost(*args, db):
    """Run `ilacs ARGS` as its own process under GNU time: (seconds, peak memory in MB, the last line it wrote on
    stderr, exit status). Through time, a small process, because a child's peak memory counts its parent's from
    before exec (the test process's)."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", sys.executable, "-m", "ilacs_cli", *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ILACS_DB": str(db)},
    )
    said = [line for line in done.stderr.strip().splitlines() if not line.startswith("Command exited")]
    *said, figures = said
    seconds, kilobytes = figures.split()
    return float(seconds), int(kilobytes) / 1024, said[-1], done.returncode


@pytest.mark.slow  # makes a 419-million-character bomb, 1 GB of spaces and 1,048,575 rows: about a minute
def test_each_hostile_file_is_refused_in_seconds_and_little_memory(db, tmp_path, exported):
    """The figures in docs/reliability.md ("Hostile files"): run with -s to print them."""
    if not os.path.exists("/usr/bin/time"):
        pytest.skip("needs GNU time to measure peak memory")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    lists = json.loads(exported)
    lists["tables"]["inspections"] = [list(row.values()) for row in lists["tables"]["inspections"]]
    (tmp_path / "lists.json").write_text(json.dumps(lists))
    no_updates = json.loads(exported)
    no_updates["tables"]["status_updates"] = []
    (tmp_path / "no-updates.json").write_text(json.dumps(no_updates))
    seed = tmp_path / "area.toml"
    seed.write_text(SEED + '[[areas]]\nnumber = 99999999999999999999\ntitle = "x"\n')
    files = {
        "CSV with byte 0x81": csv_file(tmp_path / "cp1252.csv", b"Action,Lead officer\r\nAudit \x81,Head\r\n"),
        "4 KB of binary junk named .csv": csv_file(tmp_path / "junk.csv", bytes(range(256)) * 16),
        "CSV with a 140,000-character field": csv_file(tmp_path / "field.csv", b"Action,Owner\n" + b"x" * 140_000),
        "malformed sheet XML": workbook(tmp_path / "malformed.xlsx", [row(1, *HEADERS), "<row"]),
        "entity expansion (billion laughs)": billion_laughs(tmp_path / "laughs.xlsx"),
        "shared-strings bomb (419 million characters)": strings_bomb(tmp_path / "bomb.xlsx", 419_000_000),
        "1 GB of whitespace in a workbook": whitespace(tmp_path / "spaces.xlsx", 1_000),
        "1,048,575 rows": many_rows(tmp_path / "rows.xlsx", 1_048_575),
        "50,001 rows (within the size limit)": many_rows(tmp_path / "rows-50001.xlsx", 50_001),
        "CSV of 1,048,575 rows": csv_file(
            tmp_path / "rows.csv", b"Action,Lead officer\n" + b"Audit,Head\n" * 1_048_574
        ),
        "JSON nested 200,000 deep": deep,
        "JSON rows as lists": tmp_path / "lists.json",
        "JSON with no status updates": tmp_path / "no-updates.json",
    }
    print("\n| file | size | time | peak memory | message |\n|---|---|---|---|---|")
    for name, path in files.items():
        json_file = path.suffix == ".json"
        args = ["import", path] if json_file else ["import", path, "--inspection", PLAN]
        seconds, megabytes, message, code = cost(*args, db=tmp_path / "restored.db" if json_file else db)
        print(f"| {name} | {path.stat().st_size:,} bytes | {seconds:.2f} s | {megabytes:.0f} MB | {message} |")
        # Reading 50,000 rows takes openpyxl 15-50 s on a loaded 2-core machine: only its memory is bounded
        quick = seconds < 30 or name.startswith("50,001 rows")
        assert code == 1 and message.startswith("ilacs: ") and quick and megabytes < 300, (name, message, seconds)
    seconds, megabytes, message, code = cost("seed", seed, db=db)
    print(
        f"| seed file: area number beyond 64 bits | {seed.stat().st_size} bytes | {seconds:.2f} s | "
        f"{megabytes:.0f} MB | {message} |"
    )
    assert code == 1 and "areas #1.number" in message
