"""Nothing gets past the front door (issue 27): hostile input is answered in one line, with a non-zero exit, no
traceback, and the database byte for byte as it was. Each test names the issue's item it closes."""

import json
from pathlib import Path

import pytest
from helpers.cli import contents, refusal, refused, run_ilacs
from helpers.paths import damage

LONG = "x" * 300  # a name the file system cannot hold (at most 255 bytes between slashes)


@pytest.mark.parametrize(
    "args, env",
    [
        (["import", LONG + ".csv"], None),
        (["import", LONG], None),
        (["list", "--db", f"/tmp/{LONG}.db"], None),
        (["mail", "check"], {"ILACS_CONFIG": f"/tmp/{LONG}.toml"}),
    ],
)
def test_item_2_a_file_name_too_long_is_one_line(db, args, env):
    said = refused(*args, db=db, env=env, code=2, says="too long")
    assert len(said) < 300  # the name is quoted, cut at 80 characters


@pytest.mark.sqlite_only("a file's path")
def test_item_2_an_ilacs_db_too_long_is_one_line():
    refusal(run_ilacs("overdue", env={"ILACS_DB": f"/tmp/{LONG}.db"}), code=2, says="too long")


NOT_UTF8 = "caf\udce9"  # the bytes b"caf\xe9" (Latin-1) as Python hands on an argument that is not UTF-8


@pytest.mark.parametrize(
    "args",
    [
        ["add-action", "east-sussex-2023", "--area", "1", "--owner", "O", "--due", "31/12/2025", NOT_UTF8],
        ["update", "1", "--note", NOT_UTF8],
        ["show", NOT_UTF8],
        ["actions", "--owner", NOT_UTF8],
        ["owner", "add", NOT_UTF8, "--email", "a@example.gov.uk"],
        ["import", NOT_UTF8 + ".csv"],
        ["changes", "--since", NOT_UTF8],
    ],
)
def test_item_1_an_argument_that_is_not_utf8_is_one_line(db, args):
    number = args.index(next(arg for arg in args if "\udce9" in arg)) + 1
    refused(*args, db=db, code=2, says=f"argument {number} is not UTF-8 text (byte 0xe9 after '", separate=True)


def test_item_1_a_setting_that_is_not_utf8_is_one_line(db):
    refused("list", db=db, env={"ILACS_USER": "\udcff"}, code=2, says="ILACS_USER is not UTF-8 text (byte 0xff)")


@pytest.mark.parametrize(
    "args",
    [
        ["update", "{action}", "--note", "step\x08done"],
        [
            "add-action",
            "east-sussex-2023",
            "--area",
            "1",
            "--owner",
            "O",
            "--due",
            "31/12/2025",
            "--measure",
            "a\x01b",
            "T",
        ],
        ["add-action", "east-sussex-2023", "--area", "1", "--owner", "O", "--due", "31/12/2025", "--ref", "r\x1b", "T"],
        ["edit", "{action}", "--ref", "x\x07"],
        ["edit", "{action}", "--measure", "m\x1b[2J"],
        ["edit", "D1", "--title", "t\x1b", "--note", "n"],
        ["add-inspection", "x-2025", "--authority", "\x1b[31mRED\x1b]0;pwned\x07\x1b[2J", "--published", "01/01/2025"],
        ["add-inspection", "x-2025", "--authority", "A", "--area", "bad\x7farea", "--published", "01/01/2025"],
    ],
)
def test_item_3_control_characters_are_refused_at_the_door(db, args):
    from helpers.plans import PLAN, record_actions

    [action] = record_actions(db, PLAN, [(1, "Audit", "A Watson", "2024-03-28", "in-progress")])
    args = [arg.replace("{action}", action) for arg in args]
    said = refused(*args, db=db, code=2, says="holds a control character (U+00")
    assert "\x1b" not in said and "\x07" not in said  # quoted visibly


def test_item_3_a_seed_a_spreadsheet_and_a_restore_with_control_characters_are_refused(db, tmp_path):
    import json

    seed = tmp_path / "plan.toml"
    seed.write_text(
        (Path(__file__).parents[2] / "seeds" / "telford-wrekin-2024.toml")
        .read_text(encoding="utf-8")
        .replace('title = "Develop a range', 'title = "Dev\\u001belop a range', 1),
        encoding="utf-8",
    )
    refused("seed", str(seed), db=tmp_path / "new.db", code=1, says="holds a control character (U+001B")
    sheet = tmp_path / "plan.csv"
    sheet.write_bytes(b"Action,Lead officer,Target date\nA\x1bB,O,31/12/2025\n")
    refused("import", str(sheet), "--inspection", "east-sussex-2023", db=db, code=1, lines=2, says="U+001B")
    dump = tmp_path / "all.json"
    from helpers.cli import ok

    ok("export", "--all", "-o", str(dump), db=db)
    data = json.loads(dump.read_text(encoding="utf-8"))
    data["tables"]["status_updates"][0]["note"] = "x\x1by"
    dump.write_text(json.dumps(data), encoding="utf-8")
    refused("import", str(dump), db=tmp_path / "restored.db", code=1, says="note: holds a control character")
    assert not (tmp_path / "restored.db").exists() and not (tmp_path / "new.db").exists()


def test_item_6_the_command_line_keeps_the_limits_imports_keep(db, tmp_path):
    from helpers.cli import ok
    from helpers.plans import PLAN, record_actions

    [action] = record_actions(db, PLAN, [(1, "Audit", "A Watson", "2024-03-28", "in-progress")])
    said = refused("update", action, "--note", "n" * 131_000, db=db, code=2, says="a field holds at most 5,000")
    assert len(said) < 300  # the argument is quoted, cut at 80 characters
    refused(
        "add-action",
        PLAN,
        "--area",
        "1",
        "--owner",
        "O",
        "--due",
        "31/12/2025",
        "--measure",
        "m" * 5_001,
        "T",
        db=db,
        code=2,
        says="a field holds at most 5,000",
    )
    ok("update", action, "--note", "n" * 5_000, db=db)  # the most a field holds: it exports and imports back
    plan = tmp_path / "plan.csv"
    ok("export", PLAN, "-o", str(plan), db=db)
    assert "0 added, 0 updated (0 status changes), 1 unchanged" in ok("import", str(plan), db=db)


ESCAPES = "\x1b[31mRED\x1b]0;pwned\x07\x1b[2J"


@pytest.mark.sqlite_only("changes the file with sqlite3")
def test_item_4_stored_text_in_a_message_or_a_page_on_stdout_never_reaches_a_terminal_raw(db):
    import sqlite3

    with sqlite3.connect(db) as connection:  # as an older ilacs let it in, before the door was shut
        connection.execute("UPDATE inspections SET authority = ? WHERE id = 'east-sussex-2023'", (ESCAPES,))
    connection.close()
    said = refused("owner", "add", "Q", "--email", "q@example.gov.uk", "--authority", "nope", db=db, code=1)
    assert "\\x1b[31mRED\\x1b]0;pwned\\x07\\x1b[2J" in said and "\x1b" not in said
    for args in (["report", "east-sussex-2023", "-f", "html"], ["report", "east-sussex-2023"], ["calendar"]):
        out = run_ilacs(*args, db=db)
        assert out.returncode == 0 and "\x1b" not in out.stdout and "\x07" not in out.stdout, args
    refused("overdue", "--owner", "\x1b[2J", db=db, code=1, says="'\\x1b[2J'")


@pytest.mark.parametrize(
    "args",
    [
        ["actions", "--csv"],
        ["overdue", "--as-of", "2026-12-31", "--csv"],
        ["owner", "list", "--csv"],
        ["show", "east-sussex-2023", "--csv"],
    ],
)
def test_item_5_every_csv_neutralises_formulas(db, args):
    import csv
    import io

    from helpers.cli import ok

    owner, title = '=HYPERLINK("http://example.com","click")', "+SUM(A1:A9)"
    ok("add-action", "east-sussex-2023", "--area", "1", "--owner", owner, "--due", "31/12/2025", title, db=db)
    cells = {cell for row in csv.reader(io.StringIO(ok(*args, db=db))) for cell in row}
    assert "'" + owner in cells and owner not in cells
    if "owner" not in args:
        assert "'" + title in cells and title not in cells


@pytest.mark.parametrize("host", ["smtp..example.com", "a" * 64 + ".example.com", "smtp example.com"])
@pytest.mark.parametrize("command", [["mail", "check"], ["remind", "--send", "--as-of", "2025-06-02"]])
def test_item_12_a_malformed_smtp_host_is_one_line(db, host, command):
    env = {"ILACS_SMTP_HOST": host, "ILACS_SMTP_FROM": "plans@example.gov.uk", "ILACS_SMTP_SECURITY": "none"}
    # Something to send: an example plan is mailed only to people registered for it (issue 29).
    coordinator = ("owner", "add", "B Khan", "--email", "b.khan@example.gov.uk", "--coordinator", "east-sussex-2023")
    assert run_ilacs(*coordinator, db=db).returncode == 0
    refused(*command, db=db, env=env, code=1, says=["is not a host name", "ILACS_SMTP_HOST"])


@pytest.mark.sqlite_only("changes the file with sqlite3")
def test_item_8_a_database_from_a_newer_ilacs_is_read_but_never_written(db):
    import sqlite3

    from helpers.cli import ok

    with sqlite3.connect(db) as connection:  # what a newer ilacs leaves: a migration this version does not know
        connection.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('ilacs', 'm099_future', "
            "'2027-01-01 09:00:00+00:00')"
        )
    connection.close()
    for args in (
        ["update", "7", "--note", "progress"],
        ["add-action", "east-sussex-2023", "--area", "1", "--owner", "O", "--due", "31/12/2025", "T"],
        ["done", "D1", "--on", "25/04/2024"],
        ["owner", "add", "Q", "--email", "q@example.gov.uk", "--authority", "east-sussex-2023"],
        ["seed", "east-sussex-2023"],
    ):
        refused(*args, db=db, code=1, says=["changed by a newer version of ilacs (m099_future", "upgrade ilacs"])
    assert "east-sussex-2023" in ok("list", db=db)
    check = run_ilacs("check", db=db)
    assert check.returncode == 1 and "FAIL  schema: made by a newer ilacs (m099_future unknown" in check.stdout


@pytest.mark.sqlite_only("a file")
@pytest.mark.parametrize("args", [["check"], ["list"], ["update", "1", "--note", "n"], ["backup", "{copy}"]])
def test_item_9_an_empty_file_is_no_database_and_stays_empty(tmp_path, args):
    empty = tmp_path / "plan.db"
    empty.touch()
    args = [arg.replace("{copy}", str(tmp_path / "copy.db")) for arg in args]
    refused(*args, db=empty, code=1, says=["is empty (0 bytes), not an ilacs database", "ilacs init --db"])
    assert empty.stat().st_size == 0 and not (tmp_path / "copy.db").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plan.db"]


def _hostile(tmp_path, name):
    """A file of `name` that is endless (a link to /dev/zero or /dev/urandom), nested 5,000 to 100,000 deep, or
    holding a 5,001-digit number."""
    path = tmp_path / name
    if name.startswith("endless"):
        path.symlink_to("/dev/urandom" if name.endswith(".xlsx") else "/dev/zero")
    elif name == "deep.toml":
        path.write_text("a = " + "[" * 5_000 + "]" * 5_000 + "\n", encoding="utf-8")
    elif name == "deep.json":
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    else:
        path.write_text('{"format": "ilacs-export", "n": ' + "9" * 5_001 + "}", encoding="utf-8")
    return path


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero and /dev/urandom")
@pytest.mark.parametrize(
    "name, args, says",
    [
        ("endless.csv", ["import", "{file}", "--inspection", "east-sussex-2023"], "not a regular file"),
        ("endless.xlsx", ["import", "{file}", "--inspection", "east-sussex-2023"], "not a regular file"),
        ("endless.json", ["import", "{file}", "--db", "{new}"], "not a regular file"),
        ("endless.toml", ["seed", "{file}"], "not a regular file"),
        ("deep.toml", ["seed", "{file}"], "nested too deeply"),
        ("deep.json", ["import", "{file}", "--db", "{new}"], "nested too deeply"),
        ("big.json", ["import", "{file}", "--db", "{new}"], "more than 4,300 digits"),
    ],
)
def test_item_11_input_is_bounded_before_it_is_read(db, tmp_path, name, args, says):
    path = _hostile(tmp_path, name)
    args = [arg.replace("{file}", str(path)).replace("{new}", str(tmp_path / "new.db")) for arg in args]
    refused(*args, db=db, code=1, says=says)
    assert not (tmp_path / "new.db").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("name", ["endless.toml", "deep.toml"])
def test_item_11_a_config_file_is_bounded_too(db, tmp_path, name):
    path = _hostile(tmp_path, name)
    refused("mail", "check", db=db, env={"ILACS_CONFIG": str(path)}, code=1, says="cannot read the config file")


def test_item_15_serve_refuses_a_port_before_it_says_it_serves(db):
    out = run_ilacs("serve", "--port", "-1", db=db)
    assert out.returncode == 2 and "serving" not in out.stderr and "--port" in out.stderr


@pytest.mark.sqlite_only("a file's path")
def test_item_15_a_link_to_nothing_as_the_database_is_named(tmp_path):
    link = tmp_path / "plan.db"
    link.symlink_to(tmp_path / "gone" / "plan.db")
    for args in (["seed"], ["list"], ["init"]):
        refused(*args, db=link, code=1, says=f"is a link to {tmp_path / 'gone' / 'plan.db'}, which does not exist")
    assert link.is_symlink() and not (tmp_path / "gone").exists()


@pytest.mark.sqlite_only("the default file's folder")
def test_item_15_the_default_folder_is_private_whatever_the_umask(tmp_path):
    import os
    import stat

    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    old = os.umask(0)
    try:
        out = run_ilacs("list", env={**env, "ILACS_DB": ""}, separate=True)
    finally:
        os.umask(old)
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE((home / "data" / "ilacs").stat().st_mode) == 0o700


@pytest.mark.sqlite_only("changes the file with sqlite3")
def test_item_15_an_action_changed_outside_ilacs_is_not_written_over(db):
    import sqlite3

    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE actions SET status = 'done' WHERE id = 7")
    connection.close()
    refused("update", "7", "--note", "just a note", db=db, code=1, says="changed outside ilacs")
    check = run_ilacs("check", db=db)
    assert check.returncode == 1 and "FAIL  action status: action 7 is done" in check.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["update", "7", "--note", "n"],
        ["add-action", "east-sussex-2023", "--area", "1", "--owner", "O", "--due", "31/12/2025", "T"],
        ["done", "7"],
        ["backup", "{copy}"],
    ],
)
@pytest.mark.sqlite_only("a damaged file's pages")
def test_item_7_a_damaged_database_takes_no_write_and_no_backup(db, tmp_path, args):
    damage(db)
    args = [arg.replace("{copy}", str(tmp_path / "copy.db")) for arg in args]
    refused(*args, db=db, code=1, says=["is damaged (", "restore"])
    assert not (tmp_path / "copy.db").exists()


@pytest.mark.sqlite_only("a damaged file's pages")
def test_item_7_a_damaged_database_is_copied_for_investigation_when_asked(db, tmp_path):
    from helpers.cli import ok

    damage(db)
    out = ok("backup", str(tmp_path / "copy.db"), "--force", db=db, whole=True)
    assert "damage and all" in out.stderr and (tmp_path / "copy.db").exists()


def _drop(db: Path, statement: str) -> None:
    import sqlite3

    connection = sqlite3.connect(db)
    connection.execute(statement)
    connection.commit()
    connection.close()


@pytest.mark.parametrize(
    "args",
    [
        ["update", "7", "--note", "n"],
        ["export", "--all", "-f", "json"],
        ["undo"],
        ["remove", "east-sussex-2018", "--yes"],
    ],
)
@pytest.mark.sqlite_only("changes the file with sqlite3")
def test_item_7_a_database_missing_a_table_is_neither_written_nor_read_into_a_traceback(db, args):
    _drop(db, "DROP TABLE removals")
    refused(*args, db=db, code=1, says=["removals", "ilacs check"])
    assert not list(db.parent.glob("*.bak"))  # no copy of the damage left to pass for a backup


@pytest.mark.sqlite_only("a damaged file's pages")
def test_item_7_check_looks_at_a_damaged_file_read_only_and_says_what_is_wrong(db, tmp_path):
    damage(db)
    before = contents(db)
    out = run_ilacs("check", db=db)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "ok    header: an SQLite database"
    assert lines[1].startswith("FAIL  integrity: ") and len(lines[1]) > len("FAIL  integrity: ")
    assert lines[2] == "FAIL  schema objects: not run: the file is damaged"
    assert out.stderr.startswith("ilacs: 2 checks failed (integrity, schema objects)")
    assert contents(db) == before and not Path(f"{db}-wal").exists()


@pytest.mark.sqlite_only("changes the file with sqlite3")
def test_item_7_check_names_what_is_missing_and_what_is_not_a_database(db, tmp_path):
    _drop(db, "DROP TRIGGER changes_refuse_update")
    out = run_ilacs("check", db=db)
    assert out.returncode == 1 and "FAIL  schema objects: missing: trigger changes_refuse_update" in out.stdout
    other = tmp_path / "notes.db"
    other.write_bytes(b"Minutes of the improvement board, 4 March\n" * 20)
    out = run_ilacs("check", db=other)
    assert out.stdout.splitlines()[0].startswith("FAIL  header: its first bytes are b'Minutes of the i'")
    assert other.read_bytes() == b"Minutes of the improvement board, 4 March\n" * 20
    absent = tmp_path / "absent.db"
    refused("check", db=absent, code=1, says="no database at")
    assert not absent.exists()


HEADER = b"Action,Lead officer,Target date\n"


@pytest.mark.parametrize(
    "body, says",
    [
        (b"Caf\xc3\xa9 plan,O,31/12/2025\nCaf\xe9 two,O,31/12/2025\n", "mixes UTF-8 text with other text (line 3"),
        (b'"Open quote,O,31/12/2025\nB,O,31/12/2025\nC,O,31/12/2025\n', "a quote opened and not closed?"),
        (b'"Open quote,O,31/12/2025\nB,O,31/12/2025\n"C",O,31/12/2025\n', "a quote opened and not closed?"),
    ],
)
def test_item_14_a_csv_that_would_be_misread_is_refused(db, tmp_path, body, says):
    sheet = tmp_path / "plan.csv"
    sheet.write_bytes(HEADER + body)
    refused("import", str(sheet), "--inspection", "east-sussex-2023", db=db, code=1, says=says)


def test_item_14_windows_1252_alone_is_still_read(db, tmp_path):
    from helpers.cli import ok

    sheet = tmp_path / "plan.csv"
    sheet.write_bytes(HEADER + b"Caf\xe9 plan,O,31/12/2025\n")  # as Excel on Windows saves "CSV"
    ok("import", str(sheet), "--inspection", "east-sussex-2023", db=db)
    assert "Café plan" in ok("actions", "--inspection", "east-sussex-2023", db=db)


def test_item_14_duplicate_headers_are_refused_or_named(db, tmp_path):
    from helpers.cli import ok

    sheet = tmp_path / "plan.csv"
    sheet.write_bytes(b"Action,Action,Action,Owner,Owner,Target date\nA,B,C,O,P,31/12/2025\n")
    refused("import", str(sheet), "--inspection", "east-sussex-2023", db=db, code=2, says="'Action' twice")
    sheet.write_bytes(b"Action,Actions to be taken,Lead officer,Target date\nA,B,O,31/12/2025\n")
    out = ok("import", str(sheet), "--inspection", "east-sussex-2023", "--dry-run", db=db, whole=True)
    assert "columns not imported: Actions to be taken (the title is read from 'Action')" in out.stderr


def test_item_14_a_formula_with_no_saved_value_is_refused_and_one_with_a_value_is_read(db, tmp_path):
    import zipfile

    import openpyxl
    from helpers.cli import ok

    book = openpyxl.Workbook()
    book.active.append(["Action", "Owner", "Target date"])
    book.active.append(['=CONCAT("Audit ","files")', "A Watson", "31/12/2025"])
    unsaved = tmp_path / "unsaved.xlsx"
    book.save(unsaved)  # openpyxl writes the formula and no value, as a program that does not calculate does
    refused(
        "import",
        str(unsaved),
        "--inspection",
        "east-sussex-2023",
        db=db,
        code=1,
        says="cell A2: a formula with no value saved in the file",
    )
    # Excel keeps each formula's last value beside it (<v>): that value is what is imported.
    calculated = tmp_path / "calculated.xlsx"
    with zipfile.ZipFile(unsaved) as source, zipfile.ZipFile(calculated, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="A2"><f>', b'<c r="A2" t="str"><f>', 1)
                data = data.replace(b"</f><v></v></c>", b"</f><v>Audit files</v></c>", 1)
            target.writestr(item, data)
    assert "1 added" in ok("import", str(calculated), "--inspection", "east-sussex-2023", db=db)
    assert "Audit files" in ok("actions", "--owner", "A Watson", "--csv", db=db)


@pytest.mark.sqlite_only("the backup beside the file")
def test_item_10_a_seed_with_an_existing_id_and_other_facts_is_refused_unless_replace(db, tmp_path):
    from helpers.cli import ok

    imposter = tmp_path / "imposter.toml"
    telford = (Path(__file__).parents[2] / "seeds" / "telford-wrekin-2024.toml").read_text(encoding="utf-8")
    imposter.write_text(telford.replace('id = "telford-wrekin-2024"', 'id = "east-sussex-2023"', 1), encoding="utf-8")
    refused("seed", str(imposter), db=db, code=2, says=["east-sussex-2023 is in the database already", "--replace"])
    ok("seed", "east-sussex-2023", db=db)  # the same file again: safe to re-run
    out = ok("seed", str(imposter), "--replace", db=db, whole=True)
    assert "the database as it was before is kept at" in out.stderr
    assert len(list(db.parent.glob("plan.db.before-seed-*.bak"))) == 1
    assert "Telford and Wrekin Council" in ok("show", "east-sussex-2023", db=db).splitlines()[0]
    # The replacement is history: each fact it changed, with what it was; and undo puts every one back.
    changed = json.loads(ok("changes", "--inspection", "east-sussex-2023", "--json", db=db))
    said = [line["change"] for line in changed if line["kind"] == "inspection"]
    assert "authority: East Sussex County Council -> Telford and Wrekin Council" in said
    assert "published: 2024-02-06 -> none" in said
    listed = [line for line in ok("undo", "--list", db=db).splitlines() if "seed" in line]
    assert "replaced east-sussex-2023" in listed[0] and listed[0].endswith("undo reverses this")
    out = ok("undo", db=db)
    assert "inspection east-sussex-2023: authority put back to East Sussex County Council" in out
    assert "(Senior Lead appointed to oversee" in out and "now cancelled" in out  # the file's actions go too
    shown = ok("show", "east-sussex-2023", db=db).splitlines()
    assert shown[0] == "east-sussex-2023: East Sussex County Council"
    assert "published Tue 6 Feb 2024*" in shown[1]
    assert "FAIL" not in ok("check", db=db)
