"""Board meetings (issue 30) through the real CLI on real files: recorded, listed, named as the next board on the
paper's page one, withdrawn by undo (never deleted), carried by the whole-database export, refused when wrong."""

import json
import sqlite3

from helpers.cli import ok, refused
from helpers.plans import PLAN


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
