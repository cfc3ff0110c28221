"""The core tracker through the real CLI and a real SQLite file."""

import json

import pytest
from conftest import run_ilacs as ilacs


def test_east_sussex_final_plan_is_70_working_days_after_publication(db):
    out = ilacs("show", "east-sussex-2023", db=db)
    assert out.returncode == 0, out.stderr
    assert "Fri 17 May 2024" in out.stdout
    assert "70 working days after publication, Tue 6 Feb 2024" in out.stdout


def test_overdue_lists_telford_items_7_and_8(db):
    out = ilacs("overdue", "--as-of", "2024-11-01", "--json", db=db)
    rows = json.loads(out.stdout)
    refs = {row["ref"] for row in rows if row["kind"] == "action" and row["inspection"] == "telford-wrekin-2024"}
    assert refs == {"7", "8"}
    assert all(row["working_days_late"] == 1 for row in rows if row.get("ref") in ("7", "8"))


def test_reseed_is_idempotent_and_keeps_user_updates(db):
    new_id = ilacs("add-action", "east-sussex-2023", "--area", "2", "--owner", "A Watson", "--due", "31/10/2024",
                   "Audit supervision records", db=db).stdout.strip()
    assert ilacs("update", new_id, "--status", "in-progress", "--note", "booked", db=db).returncode == 0
    before = json.loads(ilacs("actions", "--json", db=db).stdout)
    assert ilacs("seed", db=db).returncode == 0
    after = json.loads(ilacs("actions", "--json", db=db).stdout)
    assert before == after
    assert [a["status"] for a in after if str(a["id"]) == new_id] == ["in-progress"]


@pytest.mark.parametrize("args", [
    ["update", "999", "--status", "done"],
    ["update", "1", "--status", "finished"],
    ["add-action", "east-sussex-2023", "--area", "9", "--owner", "X", "--due", "2024-10-31", "T"],
    ["add-action", "east-sussex-2023", "--area", "1", "--owner", "X", "--due", "31/02/2024", "T"],
    ["add-action", "nowhere-2020", "--area", "1", "--owner", "X", "--due", "2024-10-31", "T"],
    ["add-action", "east-sussex-2023", "--area", "1", "--owner", "X", "--due", "2024-10-31", "  "],
])
def test_bad_input_is_one_line_and_changes_nothing(db, args):
    before = db.read_bytes()
    out = ilacs(*args, db=db)
    assert out.returncode in (1, 2)
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == before


def test_missing_database_suggests_seed(tmp_path):
    out = ilacs("list", db=tmp_path / "none.db")
    assert out.returncode == 1 and "ilacs seed --db" in out.stderr
    assert not (tmp_path / "none.db").exists()
