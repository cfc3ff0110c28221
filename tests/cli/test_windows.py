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


def test_a_tilde_left_by_the_shell_is_the_home_folder(db, tmp_path):
    """cmd.exe does not expand `~`: ilacs does, in --db, -o and backup's target."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "USERPROFILE": str(home)}
    ok("export", PLAN, "-o", "~/plan.csv", db=db, env=env)
    ok("backup", "~/backup.db", db=db, env=env)
    assert ok("list", "--db", "~/backup.db", env=env) == ok("list", db=db)
    assert (home / "plan.csv").stat().st_size > 0 and not (tmp_path / "~").exists()
