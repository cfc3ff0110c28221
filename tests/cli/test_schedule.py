"""Revised dates with approval and evidence of completion (issue 28): a statutory deadline re-scheduled keeps its
rule and its date, is late against the revised one, is shown with both, read as it stood, and undone; evidence is a
link or a file's path, size and SHA-256, checked against the disk, and may be required before done."""

import csv
import datetime as dt
import io
import json

import openpyxl
from helpers.cli import contents, ok, refused, run_ilacs
from helpers.plans import PLAN, record_actions

# East Sussex's final plan: 70 working days after publication on Tue 6 Feb 2024 is Fri 17 May 2024.
FINAL = "D2"
RESCHEDULE = ["--to", "20/06/2024", "--reason", "Panel moved to June", "--approved-by", "Improvement Board"]


def rows(out):
    return list(csv.DictReader(io.StringIO(out)))


def late_ids(db, as_of):
    return {row["id"] for row in json.loads(ok("overdue", "--as-of", as_of, "--json", db=db))}


def brighton(db):
    """A plan added today, published Mon 3 Mar 2025: its final plan is due 70 working days later, Fri 13 Jun 2025
    (the README's tour); returns that deadline's id."""
    ok(
        "add-inspection",
        "brighton-2025",
        "--authority",
        "Brighton and Hove City Council",
        "--published",
        "03/03/2025",
        "--area",
        "The quality of care plans",
        db=db,
    )
    [final] = json.loads(ok("show", "brighton-2025", "--json", db=db))["deadlines"]
    assert (final["due"], final["status"]) == ("2025-06-13", "open")
    return final["id"]


def deadline(db, target, as_of=None):
    shown = json.loads(ok("show", "brighton-2025", "--json", *(["--as-of", as_of] if as_of else []), db=db))
    return next(d for d in shown["deadlines"] if d["id"] == target)


def test_a_statutory_deadline_rescheduled_keeps_its_rule_is_late_against_the_new_date_and_undoes(db):
    final = brighton(db)
    assert final in late_ids(db, "2025-06-16")  # Mon 16 Jun: one working day late
    moved = ["--to", "11/07/2025", "--reason", "Panel moved to July", "--approved-by", "Improvement Board"]
    said = ok("reschedule", final, *moved, "--on", "10/06/2025", "--by", "Sam Patel", db=db, strip=True)
    assert said == (
        f"deadline {final}: due Fri 13 Jun 2025, revised to Fri 11 Jul 2025, approved by Improvement Board on Tue 10 Jun 2025"
    )

    found = deadline(db, final)
    assert (found["due"], found["planned_due"], found["revised_due"]) == ("2025-07-11", "2025-06-13", "2025-07-11")
    assert (found["revised_reason"], found["approved_by"], found["revised_on"]) == (
        "Panel moved to July",
        "Improvement Board",
        "2025-06-10",
    )
    assert found["rule"] == "70 working days after publication, Mon 3 Mar 2025"  # the rule is kept
    shown = ok("show", "brighton-2025", db=db)
    assert "Fri 13 Jun 2025, revised to Fri 11 Jul 2025, approved by Improvement Board" in shown
    # The listing of changes says a reschedule in one line, not one per field.
    [moved_line] = [c for c in json.loads(ok("changes", "--json", db=db)) if c["id"] == final]
    assert (
        moved_line["change"]
        == "re-scheduled: due the planned date -> 2025-07-11, approved by Improvement Board on 2025-06-10"
    )

    # Late against the revised date: not on Mon 16 Jun, one working day late on Mon 14 Jul.
    assert final not in late_ids(db, "2025-06-16")
    [late] = [r for r in json.loads(ok("overdue", "--as-of", "2025-07-14", "--json", db=db)) if r["id"] == final]
    assert (late["working_days_late"], late["days_late"]) == (1, 3)
    assert "Fri 13 Jun 2025, revised to Fri 11 Jul 2025" in ok("overdue", "--as-of", "2025-07-14", db=db)
    [row] = [r for r in rows(ok("overdue", "--as-of", "2025-07-14", "--csv", db=db)) if r["id"] == final]
    assert (row["due"], row["planned_due"], row["revised_due"], row["approved_by"], row["working_days_late"]) == (
        "2025-07-11",
        "2025-06-13",
        "2025-07-11",
        "Improvement Board",
        "1",
    )

    # History: who, the day it describes, the approver and the date before; --as-of reads it as it stood.
    trail = ok("history", final, db=db)
    assert (
        "re-scheduled: due Fri 13 Jun 2025 (planned) -> Fri 11 Jul 2025, approved by Improvement Board on "
        "Tue 10 Jun 2025" in trail
    )
    assert "Sam Patel" in trail and "Panel moved to July" in trail
    assert (deadline(db, final, "2025-06-09")["due"], deadline(db, final, "2025-06-09")["revised_due"]) == (
        "2025-06-13",
        None,
    )
    assert deadline(db, final, "2025-06-10")["revised_due"] == "2025-07-11"
    assert "nothing recorded" in run_ilacs("history", final, "--as-of", "2025-06-09", db=db).stderr

    # The statutory date cannot be overwritten; it can only be re-scheduled.
    refused(
        "edit", final, "--due", "01/08/2025", db=db, code=1, says=["comes from its rule", f"ilacs reschedule {final}"]
    )

    undone = ok("undo", "--by", "Sam Patel", db=db)
    assert f"{final}: re-scheduling taken back; due its planned date again" in undone
    found = deadline(db, final)
    assert (found["due"], found["revised_due"], found["approved_by"]) == ("2025-06-13", None, None)
    assert final not in late_ids(db, "2025-06-16")  # as it stood then: approved on 10 Jun, undone only today
    assert final in late_ids(db, "2026-01-05")
    changes = json.loads(ok("history", final, "--json", db=db))["changes"]
    assert [(c["old"], c["new"]) for c in changes if c["field"] == "revised_due"] == [
        (None, "2025-07-11"),
        ("2025-07-11", None),  # the undo is recorded as the opposite; nothing is deleted
    ]
    assert "re-scheduling taken back" in ok("history", final, db=db)


def test_an_action_rescheduled_shows_both_dates_and_is_counted(db, tmp_path):
    [action] = record_actions(db, PLAN, [(1, "Audit care plans", "A Watson", "2024-03-28", "in-progress")])
    approved = ["--reason", "Auditor ill", "--approved-by", "D Director", "--on", "20/03/2024"]
    ok("reschedule", action, "--to", "30/04/2024", *approved, db=db)
    listed = ok("actions", "--inspection", PLAN, db=db)
    assert "Thu 28 Mar 2024, revised to Tue 30 Apr 2024, approved by D Director" in listed
    [row] = [r for r in rows(ok("actions", "--inspection", PLAN, "--csv", db=db)) if r["id"] == action]
    assert (row["due"], row["planned_due"], row["revised_due"], row["revised_reason"]) == (
        "2024-04-30",
        "2024-03-28",
        "2024-04-30",
        "Auditor ill",
    )
    assert action not in {str(r["id"]) for r in json.loads(ok("overdue", "--as-of", "2024-04-02", "--json", db=db))}
    [mine] = [s for s in json.loads(ok("summary", "--inspection", PLAN, "--json", db=db))]
    assert mine["progress"]["rescheduled"] == 1
    [everything] = [r for r in rows(ok("summary", "--inspection", PLAN, "--csv", db=db)) if r["area"] == "all"]
    assert everything["rescheduled"] == "1"
    paper = ok("report", PLAN, "--format", "markdown", db=db)
    assert "## Re-scheduled, with approval" in paper and "1 action re-scheduled with approval" in paper
    assert "| Thu 28 Mar 2024 | Tue 30 Apr 2024 | D Director |" in paper
    # The period's changes say the reschedule in one line, in words, not field by field.
    assert "revised_reason" not in paper and "approved_by" not in paper
    assert (
        "re-scheduled: due Thu 28 Mar 2024 (planned) → Tue 30 Apr 2024, approved by D Director on Wed 20 Mar 2024"
        in paper
    )
    assert "Thu 28 Mar 2024, revised to Tue 30 Apr 2024, approved by D Director" in ok("calendar", PLAN, db=db).replace(
        "\r\n ", ""
    ).replace("\\,", ",")
    book = tmp_path / "plan.xlsx"
    ok("export", PLAN, "-o", str(book), db=db)
    sheet = openpyxl.load_workbook(book).worksheets[1]
    header = [cell.value for cell in sheet[1]]
    [cells] = [[c.value for c in r] for r in sheet.iter_rows(min_row=2) if str(r[0].value) == action]
    assert cells[header.index("Target date")].date() == dt.date(2024, 4, 30)
    assert cells[header.index("Re-scheduled")] == "from Thu 28 Mar 2024, approved by D Director on Wed 20 Mar 2024"
    ok("import", str(book), "--inspection", PLAN, "--dry-run", db=db)  # ilacs reads its own workbook back
    [exported] = [r for r in rows(ok("export", PLAN, "-f", "csv", db=db)) if r["Id"] == action]
    assert [exported[k] for k in ("Target date", "Planned due", "Revised due", "Approved by", "Revised on")] == [
        "2024-04-30",
        "2024-03-28",
        "2024-04-30",
        "D Director",
        "2024-03-20",
    ]
    # The first date stays visible: a plain --due on a re-scheduled action is refused, naming reschedule.
    for args in (["update", action, "--due", "31/05/2024"], ["edit", action, "--due", "31/05/2024"]):
        refused(*args, db=db, code=1, says=["re-scheduled to Tue 30 Apr 2024", f"ilacs reschedule {action}"])
    # Re-scheduled again: the date before is the first revision.
    ok("reschedule", action, "--to", "31/05/2024", "--reason", "Still ill", "--approved-by", "D Director", db=db)
    assert "re-scheduled: due Tue 30 Apr 2024 -> Fri 31 May 2024" in ok("history", action, db=db)


def test_reschedule_refuses_bad_input_in_one_line_writing_nothing(db):
    [action, closed] = record_actions(
        db,
        PLAN,
        [(1, "Audit", "A Watson", "2024-03-28", "in-progress"), (1, "Done one", "A Watson", "2024-03-28", "done")],
    )
    why = ["--reason", "r", "--approved-by", "A"]
    refused("reschedule", action, "--to", "28/03/2024", *why, db=db, code=1, says="is due Thu 28 Mar 2024 already")
    refused("reschedule", action, "--to", "the 40th of May", *why, db=db, code=2, says="not a real date")
    refused("reschedule", action, "--to", "30/04/2024", "--approved-by", "A", db=db, code=2, says="--reason TEXT")
    refused("reschedule", action, "--to", "30/04/2024", "--reason", "r", db=db, code=2, says="--approved-by NAME")
    refused("reschedule", action, "--reason", "r", "--approved-by", "A", db=db, code=2, says="--to DATE")
    refused("reschedule", action, "--to", "30/04/2024", "--reason", "  ", "--approved-by", "A", db=db, code=2)
    refused("reschedule", "999", "--to", "30/04/2024", *why, db=db, code=1, says="no action '999'")
    refused("reschedule", "D99", "--to", "30/04/2024", *why, db=db, code=1, says="no deadline 'D99'")
    refused("reschedule", closed, "--to", "30/04/2024", *why, db=db, code=1, says="is done")
    refused("reschedule", action, "--to", "30/04/2024", *why, "--on", "01/01/2099", db=db, code=2, says="after today")


def test_evidence_recorded_checked_changed_and_missing(db, tmp_path):
    [action, other] = record_actions(
        db,
        PLAN,
        [(1, "Audit", "A Watson", "2024-03-28", "in-progress"), (2, "Guide", "B Khan", "2024-04-28", "in-progress")],
    )
    audit = tmp_path / "audit.txt"
    audit.write_text("Child A: case notes reviewed\n", encoding="utf-8")  # 29 bytes, never stored
    guide = tmp_path / "guide.txt"
    guide.write_text("guide", encoding="utf-8")
    said = ok("evidence", "add", action, str(audit), "--note", "Audit of 40 cases", db=db, strip=True)
    assert said.startswith(f"action {action}: E1 file {audit.resolve()} (29 bytes, sha256 ")
    ok("evidence", "add", action, "https://council.example/minutes/2024-04", db=db)
    ok("evidence", "add", other, str(guide), db=db)
    assert b"case notes reviewed" not in contents(db)  # the content is never kept

    shown = ok("show", PLAN, db=db)
    assert f"evidence E1 file {audit.resolve()} (29 bytes" in shown and "E2 link https://council.example" in shown
    trail = ok("history", action, db=db)
    assert "evidence added: E1 file" in trail and "29 bytes, sha256 " in trail
    detail = json.loads(ok("show", PLAN, "--json", db=db))
    assert [(e["id"], e["kind"], e["size"]) for e in detail["evidence"]] == [
        ("E1", "file", 29),
        ("E2", "link", None),
        ("E3", "file", 5),
    ]
    # The SHA-256 of "Child A: case notes reviewed\n", worked out by `sha256sum` when the test was written.
    assert detail["evidence"][0]["sha256"] == "95d4c3077880cc4c7302e27d51590d80bb1e9d639f42f6af805c183e1399ba24"

    checked = run_ilacs("evidence", "check", "--inspection", PLAN, "--json", db=db)
    assert checked.returncode == 0 and [e["state"] for e in json.loads(checked.stdout)] == ["ok", "ok"]

    audit.write_text("Child A: case notes reviewed!\n", encoding="utf-8")  # one byte more
    guide.unlink()
    out = run_ilacs("evidence", "check", "--csv", db=db)
    assert out.returncode == 1 and "1 missing, 1 changed of 2 evidence files" in out.stderr
    assert [(r["id"], r["state"]) for r in rows(out.stdout)] == [("E1", "changed"), ("E3", "missing")]
    audit.write_text("Child B: case notes reviewed\n", encoding="utf-8")  # the same size, another hash
    assert "changed" in run_ilacs("evidence", "check", db=db).stdout
    assert "Exits 1 when any is missing or changed" in " ".join(
        ok("evidence", "check", "--help").replace("│", "").split()
    )

    refused("evidence", "add", action, str(tmp_path / "nowhere.pdf"), db=db, code=1, says="no file")
    refused("evidence", "add", action, str(tmp_path), db=db, code=1, says="is a folder")
    refused("evidence", "add", "999", str(audit), db=db, code=1, says="no action '999'")

    assert "evidence withdrawn (E3:" in ok("undo", db=db)
    left = run_ilacs("evidence", "check", "--json", db=db)  # E1 is still changed: the check still exits 1
    assert left.returncode == 1 and [e["id"] for e in json.loads(left.stdout)] == ["E1"]
    assert "evidence withdrawn: E3 file" in ok("history", other, db=db)


def test_a_council_may_require_evidence_before_done(db, tmp_path):
    [action, other] = record_actions(
        db, PLAN, [(1, "Audit", "A Watson", "2024-03-28", "in-progress"), (1, "Survey", "A Watson", "2024-04-30", "")]
    )
    (tmp_path / "config.toml").write_text("[evidence]\nrequired_before_done = true\n", encoding="utf-8")
    says = [f"action {action} has no evidence", f"ilacs evidence add {action}"]
    refused("done", action, db=db, code=1, says=says)
    refused("update", action, "--status", "Done", db=db, code=1, says=says)
    sheet = tmp_path / "plan.csv"
    sheet.write_text(f"Id,Action,Status\n{action},Audit,done\n", encoding="utf-8")
    refused("import", str(sheet), "--inspection", PLAN, db=db, code=1, says=["without evidence", "evidence add"])
    ok("update", action, "--status", "blocked", db=db)  # other statuses need nothing
    ok("evidence", "add", action, "https://council.example/audit", db=db)
    assert ok("done", action, "--on", "20/03/2024", db=db, strip=True) == f"action {action} done on Wed 20 Mar 2024"
    (tmp_path / "config.toml").write_text('[evidence]\nrequired_before_done = "yes"\n', encoding="utf-8")
    refused("done", other, db=db, code=1, says="must be true or false")


def test_export_and_restore_keep_revised_dates_and_evidence(db, tmp_path):
    [action] = record_actions(db, PLAN, [(1, "Audit", "A Watson", "2024-03-28", "in-progress")])
    ok("reopen", FINAL, db=db)
    ok("reschedule", FINAL, *RESCHEDULE, db=db)
    ok("reschedule", action, "--to", "30/04/2024", "--reason", "Auditor ill", "--approved-by", "D Director", db=db)
    audit = tmp_path / "audit.txt"
    audit.write_text("audit", encoding="utf-8")
    ok("evidence", "add", action, str(audit), db=db)
    dump = tmp_path / "all.json"
    ok("export", "--all", "--format", "json", "-o", str(dump), db=db)
    restored = tmp_path / "restored.db"
    ok("import", str(dump), "--db", str(restored), db=db)
    for args in (["show", PLAN, "--json"], ["history", FINAL], ["history", action], ["evidence", "check", "--json"]):
        assert ok(*args, db=restored) == ok(*args, db=db), args
    shown = json.loads(ok("show", PLAN, "--json", db=restored))
    assert [d["revised_due"] for d in shown["deadlines"] if d["id"] == FINAL] == ["2024-06-20"]
    assert "Check" not in ok("check", db=restored)  # no failing check
