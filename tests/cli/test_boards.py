"""Board meetings (issue 30) through the real CLI on real files: recorded, listed, named as the next board on the
paper's page one, withdrawn by undo (never deleted), carried by the whole-database export, refused when wrong."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from helpers import plans
from helpers.cli import ok, refused
from helpers.plans import PLAN, WATSON


@pytest.mark.sqlite_only("reads the file with sqlite3")
def test_a_board_is_recorded_listed_and_named_on_the_paper_and_undone(db, tmp_path):
    # Days far from today (the paper is read as of today): one to come, one long past.
    said = ok("board", "add", PLAN, "10/06/2099", "--name", "Improvement Board", "--by", "Sam Patel", db=db)
    assert said.strip() == f"B1: Improvement Board for {PLAN} on Wed 10 Jun 2099"
    ok("board", "add", PLAN, "2025-03-11", db=db)
    assert json.loads(ok("board", "list", "--inspection", PLAN, "--json", db=db)) == [
        {"id": "B2", "inspection": PLAN, "day": "2025-03-11", "name": "Board"},
        {"id": "B1", "inspection": PLAN, "day": "2099-06-10", "name": "Improvement Board"},
    ]
    assert "Wed 10 Jun 2099" in ok("board", "list", db=db)
    paper = ok("report", PLAN, "--format", "markdown", db=db)
    assert "Next board: Improvement Board, Wed 10 Jun 2099." in paper  # 11 March 2025's has been
    assert "Next board: not recorded." in ok("report", "west-sussex-2019", "--format", "markdown", db=db)
    # Read as of a day before they were recorded, the paper knew of no board (history is as it stood).
    assert "Next board: not recorded." in ok("report", PLAN, "--format", "markdown", "--as-of", "2025-05-01", db=db)
    # Undo withdraws the last one recorded; nothing is deleted.
    assert "board B2 (Board, Tue 11 Mar 2025): withdrawn" in ok("undo", db=db)
    assert [b["id"] for b in json.loads(ok("board", "list", "--json", db=db))] == ["B1"]
    rows = sqlite3.connect(db).execute("SELECT (SELECT count(*) FROM boards), (SELECT count(*) FROM board_withdrawals)")
    assert rows.fetchone() == (2, 1)
    # The whole-database export carries them into a new file.
    dump = tmp_path / "all.json"
    ok("export", "--all", "--format", "json", "-o", str(dump), db=db)
    restored = tmp_path / "restored.db"
    ok("import", str(dump), db=restored)
    assert [b["id"] for b in json.loads(ok("board", "list", "--json", db=restored))] == ["B1"]


def test_bad_board_input_is_refused_in_one_line_and_writes_nothing(db):
    refused("board", "add", "no-such-plan", "10/06/2025", db=db, code=1, says="no-such-plan")
    refused("board", "add", PLAN, "31/02/2025", db=db, code=2, says="not a real date")
    refused("board", "add", PLAN, "10/06/2025", "--name", "a\x1b[31mb", db=db, code=2, says="control character")
    assert json.loads(ok("board", "list", "--json", db=db)) == []


# -- updates asked for before each board: N working days before, through `remind --send` on that day ---------


@pytest.fixture(scope="module")
def reminders_template(seeded_template, tmp_path_factory):
    return plans.reminders_plan(seeded_template, tmp_path_factory)


def remind_on(day, db, env, *extra, send=True):
    """`ilacs remind --send` as cron runs it at 07:30 on `day` (faketime: today is that day in England)."""
    sending = ["--send"] if send else []
    done = subprocess.run(
        ["faketime", "-f", f"@{day} 07:30:00", sys.executable, "-m", "ilacs_cli", "remind", *sending, *extra],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "ILACS_DB": str(db), "TZ": "UTC"},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_updates_are_asked_for_on_the_right_working_day_before_a_board(
    reminders_template, tmp_path, smtp_server, backend
):
    if not shutil.which("faketime"):
        pytest.skip("faketime not installed (CI installs it: see .ci/run)")
    template, names = reminders_template
    db = plans.copy_of(template, tmp_path, backend)
    mailbox, env = smtp_server
    env = {**env, "ILACS_CONFIG": str(tmp_path / "config.toml")}
    # Every action was added on Mon 11 Dec 2023. The last board met on Wed 13 Dec; the next meets Mon 8 Jan 2024.
    ok("board", "add", PLAN, "13/12/2023", "--name", "Improvement Board", db=db)
    ok("board", "add", PLAN, "08/01/2024", "--name", "Improvement Board", db=db)
    # A Watson updated "soon" after the last board (by the day the update describes); "later" is done.
    ok("update", names["soon"], "--status", "in-progress", "--note", "toolkit drafted", "--on", "14/12/2023", db=db)
    ok("update", names["later"], "--status", "done", "--on", "12/12/2023", db=db)
    # 5 working days before Mon 8 Jan: 2, 3, 4, 5 and 8 Jan count, Mon 1 Jan (a bank holiday) and the weekend do
    # not: the request goes out on Fri 29 Dec 2023, not on Thu 28 Dec, nor on Mon 1 Jan nor Tue 2 Jan.
    remind_on("2023-12-28", db, env, "--inspection", PLAN)
    assert not any("asked for before a board" in message["Subject"] for _, message in mailbox.messages)
    remind_on("2023-12-29", db, env, "--inspection", PLAN)
    asked = [(to, message) for to, message in mailbox.messages if "asked for before a board" in message["Subject"]]
    by_address = {to[0]: message for to, message in asked}
    assert sorted(by_address) == [WATSON, plans.KHAN], [(t, m["Subject"]) for t, m in mailbox.messages]
    watson = by_address[WATSON].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert (
        f"Improvement Board ({PLAN}) meets on Mon 8 Jan 2024: please send an update on 1 action not updated since "
        "the last board, Wed 13 Dec 2023." in watson
    )
    assert by_address[WATSON]["Subject"].endswith("1 update asked for before a board")
    section = watson.split("Updates asked for before the board\n", 1)[1]
    assert f"[{names['late']}] Audit supervision records" in section
    assert "Refresh the neglect toolkit" not in section and "Plan quality audit" not in section
    # C Jones has no address: B Khan, the coordinator, is asked to get the update, with the owner named.
    khan = by_address[plans.KHAN].get_body(("plain",)).get_content().replace("\r\n", "\n")
    section = khan.split("Updates asked for before the board, from owners with no e-mail on file\n", 1)[1]
    assert f"[{names['unaddressed']}] Private fostering awareness campaign" in section and "owner C Jones" in section
    assert "meets on Mon 8 Jan 2024" in by_address[WATSON].get_body(("html",)).get_content()
    # Once per owner per board: a second run that day sends nothing; the next working days do not ask again.
    count = len(mailbox.messages)
    remind_on("2023-12-29", db, env, "--inspection", PLAN)
    assert len(mailbox.messages) == count
    # Mon 1 Jan is 5 working days before the board too, but not a working day: even --force asks nothing then.
    assert "meets on" not in remind_on("2024-01-01", db, env, "--inspection", PLAN, "--force", send=False).stdout
    remind_on("2024-01-02", db, env, "--inspection", PLAN)
    assert len(mailbox.messages) > count  # A Watson's overdue action is still mailed ...
    assert not any("asked for before a board" in m["Subject"] for _, m in mailbox.messages[count:])  # ... alone


def test_the_notice_is_a_setting_and_a_bad_one_is_refused(reminders_template, tmp_path, backend):
    if not shutil.which("faketime"):
        pytest.skip("faketime not installed (CI installs it: see .ci/run)")
    template, names = reminders_template
    db = plans.copy_of(template, tmp_path, backend)
    config = tmp_path / "config.toml"
    env = {"ILACS_CONFIG": str(config)}
    ok("board", "add", PLAN, "08/01/2024", db=db)
    # With board_notice_days = 2, Thu 4 Jan asks (5 and 8 Jan count); read --as-of, before any board was
    # recorded, nothing is asked: the board was not known then.
    config.write_text("[reminders]\nboard_notice_days = 2\n")
    said = remind_on("2024-01-04", db, env, "--inspection", PLAN, "--owner", "A Watson", send=False).stdout
    assert "Board (east-sussex-2023) meets on Mon 8 Jan 2024: please send an update on 3 actions" in said
    assert "(the plan's first recorded board)" in said  # no earlier board: every open action is asked about
    assert "meets on" not in remind_on("2024-01-03", db, env, "--inspection", PLAN, send=False).stdout
    today = ok("remind", "--as-of", "04/01/2024", "--inspection", PLAN, "--owner", "A Watson", db=db, env=env)
    assert "Board" not in today
    config.write_text('[reminders]\nboard_notice_days = "five"\n')
    refused("remind", "--inspection", PLAN, db=db, env=env, code=1, says="board_notice_days must be a whole number")
