"""What differs on Windows, simulated on Linux (issue 26): standard streams a redirected or piped program gets there
(cp1252, LF written as CRLF), and the files Notepad and PowerShell save (UTF-8 with a byte-order mark, UTF-16).
What cannot be simulated here is listed in docs/windows.md."""

import codecs
import json
import shlex
import sys

import pytest
from helpers.cli import ok, on_windows_streams, refusal, run_ilacs
from helpers.paths import SEEDS
from helpers.plans import PLAN

# Not in cp1252: a Polish L with stroke, an arrow, and the "fi" ligature a title pasted from a PDF brings.
TITLE = "Łódź exchange → ﬁnal review"


def add_titled_action(db):
    return ok("add-action", PLAN, "--area", "1", "--owner", "A Watson", "--due", "31/03/2025", TITLE, db=db, strip=True)


def test_redirected_json_is_utf8_whatever_the_code_page(db):
    action = add_titled_action(db)
    for args in (["actions", "--inspection", PLAN, "--json"], ["history", action, "--json"], ["history", action]):
        code, out, err = on_windows_streams(*args, db=db)
        assert code == 0, err.decode("utf-8", "replace")
        text = out.decode("utf-8")  # strict: every byte is UTF-8
        assert TITLE in text, args
    code, out, _ = on_windows_streams("actions", "--inspection", PLAN, "--json", db=db)
    assert TITLE in [item["title"] for item in json.loads(out.decode("utf-8"))]


def test_csv_on_stdout_ends_each_row_once_on_a_crlf_stream(db):
    add_titled_action(db)
    code, out, err = on_windows_streams("actions", "--inspection", PLAN, "--csv", db=db)
    assert code == 0, err
    assert b"\r\r\n" not in out and out.endswith(b"\r\n")
    rows = out.split(b"\r\n")[:-1]
    assert rows[0].startswith(b"id,") and all(b"\n" not in row for row in rows)
    assert any(TITLE.encode("utf-8") in row for row in rows)


def test_a_process_whose_stdout_is_cp1252_writes_utf8(db):
    """A real `python -m ilacs_cli` with PYTHONIOENCODING=cp1252: the encoding Windows gives a redirected stream."""
    add_titled_action(db)
    done = run_ilacs("actions", "--inspection", PLAN, db=db, env={"PYTHONIOENCODING": "cp1252"}, separate=True)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert TITLE in done.stdout  # run_ilacs decodes the process's output as UTF-8


def test_a_seed_saved_with_a_byte_order_mark_or_as_utf16_loads(tmp_path):
    text = (SEEDS / "east-sussex-2023.toml").read_text(encoding="utf-8")
    for name, data in [
        ("notepad.toml", codecs.BOM_UTF8 + text.encode("utf-8")),
        ("powershell.toml", text.encode("utf-16")),  # with its byte-order mark, as Out-File writes
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        db = tmp_path / f"{name}.db"
        out = run_ilacs("seed", str(path), db=db)
        assert out.returncode == 0, out.stderr
        assert "east-sussex-2023" in ok("list", db=db)


def test_a_file_that_is_not_text_is_named_in_one_line(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_bytes(b'[inspection]\nid = "\xff\xfe\x00x"\n')  # not UTF-8, and no UTF-16 mark at its start
    out = run_ilacs("seed", str(path), db=tmp_path / "new.db")
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "not UTF-8 text (byte 0xff at offset 19" in out.stderr
    assert not (tmp_path / "new.db").exists()


def test_a_config_and_password_file_with_byte_order_marks_work(smtp_server, tmp_path):
    mailbox, env = smtp_server
    password = tmp_path / "smtp-password.txt"
    password.write_bytes(codecs.BOM_UTF8 + b"s3cret\r\n")  # Notepad: a mark at the start, CRLF at the end
    config = tmp_path / "config.toml"  # the file ILACS_CONFIG names in every test
    settings = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {env["ILACS_SMTP_PORT"]}\nsecurity = "none"\n'
        f'from = "ilacs@council.example.gov.uk"\nauth = "password"\nuser = "ilacs"\npassword_file = "{password}"\n'
    )
    for data in (codecs.BOM_UTF8 + settings.encode("utf-8"), settings.encode("utf-16")):
        config.write_bytes(data)
        out = run_ilacs("mail", "test", "--to", "pqa@council.example.gov.uk")
        assert out.returncode == 0, out.stderr
    assert mailbox.logins == [("ilacs", "s3cret")] * 2


def test_a_restore_file_saved_with_a_byte_order_mark_restores(db, tmp_path):
    export = tmp_path / "all.json"
    ok("export", "--all", "--format", "json", "-o", str(export), db=db)
    export.write_bytes(codecs.BOM_UTF8 + export.read_bytes())
    restored = tmp_path / "restored.db"
    out = run_ilacs("import", str(export), db=restored)
    assert out.returncode == 0, out.stderr
    assert ok("list", "--json", db=restored) == ok("list", "--json", db=db)


def test_schedule_prints_a_crontab_line_the_shell_reads_back(tmp_path):
    db = tmp_path / "Children's plans" / "plan.db"
    line = ok("schedule", "--at", "7:30", "--for", "unix", "--db", str(db), strip=True)
    words = shlex.split(line)
    assert words[:5] == ["30", "7", "*", "*", "1-5"]
    assert words[6:] == ["remind", "--send", "--db", str(db)]
    assert words[5].endswith("ilacs") or words[5:7] == [sys.executable, "-m"]


def test_schedule_for_windows_quotes_for_cmd_and_powershell(tmp_path):
    db = tmp_path / "Children's plans" / "plan.db"
    lines = ok("schedule", "--for", "windows", "--db", str(db)).splitlines()
    assert lines[0] == "In cmd.exe:" and lines[2] == "Or in PowerShell:"
    # the task's command is one /TR argument: the path's quotes escaped inside it; PowerShell doubles a single quote
    assert lines[1].startswith(
        'schtasks /Create /TN "ilacs reminders" /SC WEEKLY /D MON,TUE,WED,THU,FRI /ST 07:30 /TR "'
    )
    assert lines[1].endswith(f' remind --send --db \\"{db}\\""')
    assert lines[3].endswith(f"-Argument 'remind --send --db \"{str(db).replace(chr(39), chr(39) * 2)}\"'")
    assert lines[5] == "Register-ScheduledTask -TaskName 'ilacs reminders' -Action $action -Trigger $trigger"


@pytest.mark.parametrize("args", [["--at", "25:00"], ["--at", "7"], ["--for", "amiga"]])
def test_schedule_refuses_what_it_cannot_schedule(args):
    refusal(run_ilacs("schedule", *args), code=2)


@pytest.mark.sqlite_only("a file's path")
def test_a_tilde_left_by_the_shell_is_the_home_folder(db, tmp_path):
    """cmd.exe does not expand `~`: ilacs does, in --db, -o and backup's target."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "USERPROFILE": str(home)}
    ok("export", PLAN, "-o", "~/plan.csv", db=db, env=env)
    ok("backup", "~/backup.db", db=db, env=env)
    assert ok("list", "--db", "~/backup.db", env=env) == ok("list", db=db)
    assert (home / "plan.csv").stat().st_size > 0 and not (tmp_path / "~").exists()


# -- folders OneDrive syncs, and the Microsoft Store's Python ------------------------------------------------------

# Set empty: the sync roots of whoever runs the tests are not the test's.
NO_SYNC_ROOTS = {"OneDrive": "", "OneDriveCommercial": "", "OneDriveConsumer": ""}


def synced_line(path, folder):
    return (
        f"ilacs: {path} is in {folder}, a folder OneDrive syncs with other PCs: two PCs using the database, each with "
        f"its own {path.name}-wal and -shm, damage it or split it in two; keep it on a local disk outside that folder "
        "(--db or ILACS_DB), share it from one machine (colleagues run ilacs on one shared server, or read it in their "
        "browsers through `ilacs serve`), and put copies in the synced folder with `ilacs backup` if you want them "
        "there"
    )


@pytest.mark.sqlite_only("a file's place")
def test_a_database_in_the_folder_onedrive_names_is_warned_of_once_and_used(tmp_path):
    synced, local = tmp_path / "Cloud files", tmp_path / "Local plans"
    (synced / "ilacs").mkdir(parents=True)
    local.mkdir()
    env = {**NO_SYNC_ROOTS, "OneDrive": str(synced)}
    inside = synced / "ilacs" / "plan.db"
    seeded = ok("seed", "east-sussex-2023", "--db", str(inside), env=env, whole=True)
    assert seeded.stderr.splitlines()[0] == synced_line(inside, synced)
    assert seeded.stderr.count("OneDrive") == 1
    for args in (["list"], ["overdue"], ["where"]):
        done = ok(*args, db=inside, env=env, whole=True)  # through ILACS_DB
        assert done.stderr.splitlines()[0] == synced_line(inside, synced), args
        assert done.stderr.count("OneDrive") == 1, args  # after it, at most `nothing overdue as of ...`
    assert "east-sussex-2023" in ok("list", db=inside, env=env)
    assert ok("where", db=inside, env=env, strip=True) == str(inside)
    # the same commands on a database outside the synced folder, with the same environment: nothing said
    outside = local / "plan.db"
    assert ok("seed", "east-sussex-2023", "--db", str(outside), env=env, whole=True).stderr.count("OneDrive") == 0
    for args in (["list"], ["overdue"], ["where"], ["backup", str(synced / "ilacs" / "plan-backup.db")]):
        assert ok(*args, db=outside, env=env, whole=True).stderr.count("OneDrive") == 0, args
    assert (synced / "ilacs" / "plan-backup.db").stat().st_size > 0


@pytest.mark.sqlite_only("a file's place")
def test_a_link_into_a_synced_folder_is_followed(tmp_path):
    synced = tmp_path / "Cloud files"
    synced.mkdir()
    ok("init", "--db", str(synced / "plan.db"), env=NO_SYNC_ROOTS)
    (tmp_path / "plan.db").symlink_to(synced / "plan.db")
    done = ok("list", "--db", str(tmp_path / "plan.db"), env={**NO_SYNC_ROOTS, "OneDrive": str(synced)}, whole=True)
    assert synced_line(tmp_path / "plan.db", synced) in done.stderr.splitlines()


@pytest.mark.sqlite_only("a file's place")
def test_a_folder_named_as_onedrive_names_a_work_root_is_warned_of(tmp_path):
    root = tmp_path / "OneDrive - Example Council"
    (root / "Plans").mkdir(parents=True)
    db = root / "Plans" / "plan.db"
    made = ok("init", "--db", str(db), env=NO_SYNC_ROOTS, whole=True)
    assert made.stderr.splitlines()[0] == synced_line(db, root)
    assert ok("where", "--db", str(db), env=NO_SYNC_ROOTS, whole=True).stderr.splitlines() == [synced_line(db, root)]


@pytest.mark.sqlite_only("a file's place")
def test_a_sharepoint_library_beside_the_work_root_is_warned_of(tmp_path):
    home = tmp_path / "ann"
    library = home / "Example Council" / "Children's Services - Documents"
    library.mkdir(parents=True)
    (home / "OneDrive - Example Council").mkdir()
    env = {**NO_SYNC_ROOTS, "OneDriveCommercial": str(home / "OneDrive - Example Council")}
    db = library / "plan.db"
    made = ok("init", "--db", str(db), env=env, whole=True)
    assert made.stderr.splitlines()[0] == synced_line(db, home / "Example Council")
    # a folder of the same name with no OneDrive root beside it is anyone's
    assert ok("list", "--db", str(db), env=NO_SYNC_ROOTS, whole=True).stderr.count("OneDrive") == 0


@pytest.mark.parametrize(
    "path, environ, folder",
    [
        (r"C:\Users\ann\OneDrive - Example Council\Plans\plan.db", {}, r"C:\Users\ann\OneDrive - Example Council"),
        (r"C:\Users\ann\OneDrive\Documents\plan.db", {}, r"C:\Users\ann\OneDrive"),
        (r"D:\Sync\ilacs\plan.db", {"OneDriveConsumer": r"D:\Sync"}, r"D:\Sync"),
        (r"c:\users\ann\onedrive - example council\plan.db", {}, r"c:\users\ann\onedrive - example council"),
        (
            r"c:\USERS\ann\cloud\plan.db",  # Windows' paths in any case
            {"OneDrive": r"C:\Users\ann\Cloud"},
            r"C:\Users\ann\Cloud",
        ),
        (
            r"C:\Users\ann\Example Council\Children's Services - Documents\plan.db",
            {"OneDriveCommercial": r"C:\Users\ann\OneDrive - Example Council"},
            r"C:\Users\ann\Example Council",
        ),
        (
            r"C:\Users\ann\OneDrive - Example Council\Archive\OneDrive\plan.db",  # the outermost root
            {},
            r"C:\Users\ann\OneDrive - Example Council",
        ),
        (r"C:\Users\ann\AppData\Local\ilacs\ilacs.db", {"OneDrive": r"C:\Users\ann\OneDrive"}, None),
        (r"C:\Users\ann\OneDriveBackup\plan.db", {}, None),
        (r"C:\Users\ann\Example Council\plan.db", {}, None),
        (
            r"C:\Users\ann\Example Councils\plan.db",
            {"OneDriveCommercial": r"C:\Users\ann\OneDrive - Example Council"},
            None,
        ),
        (r"C:\Plans\plan.db", {"OneDrive": "", "OneDriveCommercial": "relative"}, None),
    ],
)
def test_synced_folders_as_windows_names_them(path, environ, folder):
    from pathlib import PureWindowsPath

    from ilacs_cli.storage import dbfile

    found = dbfile.synced_folder(PureWindowsPath(path), environ)
    assert (str(found) if found is not None else None) == folder


STORE_ALIAS = (
    r"C:\Users\ann\AppData\Local\Microsoft\WindowsApps\PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0\python.exe"
)
STORE_PREFIX = r"C:\Program Files\WindowsApps\PythonSoftwareFoundation.Python.3.12_3.12.2800.0_x64__qbz5n2kfra8p0"
PYTHON_ORG = r"C:\Users\ann\AppData\Local\Programs\Python\Python312"


@pytest.mark.parametrize(
    "executable, base_prefix, package",
    [
        (STORE_ALIAS, STORE_PREFIX, "PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0"),
        # a virtual environment made with it: its own python.exe, the package's prefix
        (r"C:\ilacs\.venv\Scripts\python.exe", STORE_PREFIX, "PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0"),
        (
            r"c:\program files\windowsapps\pythonsoftwarefoundation.python.3.11_3.11.2544.0_x64__qbz5n2kfra8p0\python.exe",
            "",
            "pythonsoftwarefoundation.python.3.11_qbz5n2kfra8p0",
        ),
        (
            r"C:\Users\ann\AppData\Local\Packages\PythonSoftwareFoundation.Python.3.13_qbz5n2kfra8p0\LocalCache"
            r"\local-packages\Python313\Scripts\python.exe",
            "",
            "PythonSoftwareFoundation.Python.3.13_qbz5n2kfra8p0",
        ),
        (PYTHON_ORG + r"\python.exe", PYTHON_ORG, None),
        (r"C:\ilacs\.venv\Scripts\python.exe", PYTHON_ORG, None),
        # the py install manager's alias in WindowsApps starts a runtime of its own, which is not packaged
        (r"C:\Users\ann\AppData\Local\Python\pythoncore-3.14-64\python.exe", "", None),
        ("/usr/bin/python3", "/usr", None),
    ],
)
def test_the_microsoft_stores_python_is_known_by_its_paths(executable, base_prefix, package):
    from ilacs_cli.storage import dbfile

    assert dbfile.store_python_package(executable, base_prefix) == package


WINDOWS_ENV = {
    "USERPROFILE": r"C:\Users\ann",
    "LOCALAPPDATA": r"C:\Users\ann\AppData\Local",
    "APPDATA": r"C:\Users\ann\AppData\Roaming",
}
PACKAGE = "PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0"


@pytest.mark.parametrize(
    "path, environ, copy",
    [
        (
            r"C:\Users\ann\AppData\Local\ilacs\ilacs.db",
            WINDOWS_ENV,
            r"C:\Users\ann\AppData\Local\Packages\PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0\LocalCache\Local"
            r"\ilacs\ilacs.db",
        ),
        (
            r"C:\Users\ann\AppData\Roaming\ilacs\plan.db",
            WINDOWS_ENV,
            r"C:\Users\ann\AppData\Local\Packages\PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0\LocalCache"
            r"\Roaming\ilacs\plan.db",
        ),
        (
            r"c:\users\ann\appdata\local\ilacs\ilacs.db",  # as typed, in any case
            WINDOWS_ENV,
            r"C:\Users\ann\AppData\Local\Packages\PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0\LocalCache\Local"
            r"\ilacs\ilacs.db",
        ),
        (
            r"C:\Users\ann\AppData\Local\ilacs\ilacs.db",
            {"USERPROFILE": r"C:\Users\ann"},  # LOCALAPPDATA unset: the profile's
            r"C:\Users\ann\AppData\Local\Packages\PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0\LocalCache\Local"
            r"\ilacs\ilacs.db",
        ),
        (r"C:\Users\ann\ilacs\ilacs.db", WINDOWS_ENV, None),
        (r"D:\Plans\plan.db", WINDOWS_ENV, None),
        (r"C:\Users\ann\AppData\Local\Packages\Other.App_1234\LocalState\plan.db", WINDOWS_ENV, None),
        (r"C:\Users\ann\AppData\Local\ilacs\ilacs.db", {}, None),
    ],
)
def test_where_the_stores_python_keeps_a_file_in_appdata(path, environ, copy):
    from pathlib import PureWindowsPath

    from ilacs_cli.storage import dbfile

    kept = dbfile.store_python_copy(PureWindowsPath(path), PACKAGE, environ)
    assert (str(kept) if kept is not None else None) == copy


def test_the_stores_python_warning_says_where_the_file_is_and_what_to_do():
    from pathlib import PureWindowsPath

    from ilacs_cli.storage import dbfile

    path = PureWindowsPath(r"C:\Users\ann\AppData\Local\ilacs\ilacs.db")
    copy = PureWindowsPath(
        r"C:\Users\ann\AppData\Local\Packages\PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0\LocalCache\Local"
        r"\ilacs\ilacs.db"
    )
    said = (
        "this Python is the Microsoft Store's, which keeps what it creates in AppData in a folder of its own: the "
        r"database is C:\Users\ann\AppData\Local\Packages\PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0"
        r"\LocalCache\Local\ilacs\ilacs.db, not C:\Users\ann\AppData\Local\ilacs\ilacs.db where Explorer looks, and "
        "resetting or uninstalling that Python deletes it; install Python from python.org instead, or "
    )
    assert dbfile.store_python_warning(path, copy, True, WINDOWS_ENV) == said + (
        r"make the folder C:\Users\ann\ilacs, copy the database there with "
        r'`ilacs backup "C:\Users\ann\ilacs\ilacs.db"`, then use --db "C:\Users\ann\ilacs\ilacs.db" '
        "(or set ILACS_DB to it)"
    )
    assert dbfile.store_python_warning(path, copy, False, WINDOWS_ENV) == said + (
        r'make the folder C:\Users\ann\ilacs and use --db "C:\Users\ann\ilacs\ilacs.db" (or set ILACS_DB to it)'
    )


def test_a_closed_pipe_is_a_reader_gone_as_each_platform_reports_it():
    """Windows reports writing to a pipe whose reader quit (`| more`) as EINVAL, Linux and macOS as EPIPE."""
    import errno

    from ilacs_cli.cli import _reader_went_away

    assert _reader_went_away(OSError(errno.EINVAL, "Invalid argument"), "win32")
    assert not _reader_went_away(OSError(errno.EINVAL, "Invalid argument"), "linux")
    assert _reader_went_away(OSError(errno.EPIPE, "Broken pipe"), "linux")
    assert not _reader_went_away(OSError(errno.ENOSPC, "No space left on device"), "win32")
