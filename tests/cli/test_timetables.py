"""Issue 28: every statutory timetable comes from data (framework/ilacs.toml, or a council's own file in its place):
add-inspection --kind makes the deadlines the framework gives, each with its rule, counting from the day the report
was received; add-visit records an announced monitoring visit.

Every expected date is counted by hand in English working days (Monday to Friday, bank holidays skipped), day zero
being the day counted from:
- received Mon 2 Jun 2025 (no bank holiday in June 2025): 20 working days are 3-6 Jun (4), 9-13 (9), 16-20 (14),
  23-27 (19), Mon 30 Jun (20). 70: July's 23 working days bring Thu 31 Jul to 43 and Fri 1 Aug to 44; 4-8 Aug 49,
  11-15 Aug 54, 18-22 Aug 59; Mon 25 Aug 2025 is the summer bank holiday; 26-29 Aug 63, 1-5 Sep 68, Mon 8 Sep 69,
  Tue 9 Sep 2025 70.
- published Tue 6 Feb 2024: 70 working days is Fri 17 May 2024 (Good Friday 29 Mar, Easter Monday 1 Apr and
  6 May skipped: domain.md's seed check); received the day before, Mon 5 Feb 2024, it is Thu 16 May 2024.
- 60 calendar days after Sun 1 Sep 2019: 29 days to Mon 30 Sep, 31 more to Thu 31 Oct 2019.
"""

import json
import shutil
import sqlite3

import pytest
from helpers.cli import ok, refused
from helpers.paths import FIXTURES

FOCUSED = [
    "add-inspection",
    "brighton-fv-2025",
    "--authority",
    "Brighton and Hove City Council",
    "--kind",
    "focused-visit",
    "--priority-actions",
    "--received",
    "02/06/2025",
    "--published",
    "10/06/2025",
    "--area",
    "Children in need of help and protection",
]


def fresh(tmp_path, backend=None):
    """An empty database of this test's own."""
    db = backend.new_database() if backend is not None else tmp_path / "plan.db"
    ok("init", db=db)
    return db


def deadlines(db, inspection):
    return {d["title"]: d for d in json.loads(ok("show", inspection, "--json", db=db))["deadlines"]}


def test_a_focused_visit_with_priority_actions_makes_the_draft_and_the_final_plan(tmp_path, backend):
    db = fresh(tmp_path, backend)
    assert ok(*FOCUSED, db=db, strip=True) == "brighton-fv-2025"
    made = deadlines(db, "brighton-fv-2025")
    assert {title: (d["due"], d["rule"], d["status"]) for title, d in made.items()} == {
        "Draft action plan to Ofsted": (
            "2025-06-30",
            "20 working days after the report was received, Mon 2 Jun 2025",
            "open",
        ),
        "Action plan to Ofsted": (
            "2025-09-09",
            "70 working days after the report was received, Mon 2 Jun 2025",
            "open",
        ),
    }
    assert all(d["inferred"] == {} for d in made.values())  # counted from the day received, as the rule says
    shown = ok("show", "brighton-fv-2025", db=db)
    assert "published Tue 10 Jun 2025; received Mon 2 Jun 2025; kind focused-visit" in shown
    assert "Mon 30 Jun 2025" in shown and "Tue 9 Sep 2025" in shown
    assert json.loads(ok("show", "brighton-fv-2025", "--json", db=db))["received"] == "2025-06-02"
    # The draft is what falls due first: `due` sees it ten working days ahead (Mon 16 Jun to Mon 30 Jun).
    soon = json.loads(ok("due", "--as-of", "2025-06-16", "--json", db=db))
    assert [(item["kind"], item["title"]) for item in soon] == [("deadline", "Draft action plan to Ofsted")]
    assert ok("check", db=db, whole=True).returncode == 0


def test_a_focused_visit_without_priority_actions_makes_none_and_says_why(tmp_path, backend):
    db = fresh(tmp_path, backend)
    args = [arg for arg in FOCUSED if arg != "--priority-actions"]
    out = ok(*args, db=db, whole=True)
    assert "without areas for priority action no deadlines: add --priority-actions" in out.stderr
    assert deadlines(db, "brighton-fv-2025") == {}


def test_a_standard_inspection_counts_from_the_day_the_report_was_received(tmp_path, backend):
    db = fresh(tmp_path, backend)
    ok(
        "add-inspection",
        "kent-2024",
        "--authority",
        "Kent County Council",
        "--kind",
        "standard",
        "--received",
        "05/02/2024",
        "--published",
        "06/02/2024",
        db=db,
    )
    plan = deadlines(db, "kent-2024")["Action plan to Ofsted"]
    assert (plan["due"], plan["rule"], plan["inferred"]) == (
        "2024-05-16",
        "70 working days after the report was received, Mon 5 Feb 2024",
        {},
    )


def test_without_the_day_received_the_plan_counts_from_publication_marked_inferred(tmp_path, backend):
    db = fresh(tmp_path, backend)
    ok("add-inspection", "east-2023", "--authority", "East", "--kind", "short", "--published", "6 Feb 2024", db=db)
    plan = deadlines(db, "east-2023")["Action plan to Ofsted"]
    assert (plan["due"], plan["rule"]) == ("2024-05-17", "70 working days after publication, Tue 6 Feb 2024")
    assert "was not given: counted from publication" in plan["inferred"]["rule"]
    shown = ok("show", "east-2023", db=db)
    assert "70 working days after publication, Tue 6 Feb 2024*" in shown and "counted from publication" in shown
    # Neither day known: the rule stands, its date unknown until one is recorded.
    ok("add-inspection", "north-2025", "--authority", "North", "--kind", "standard", db=db)
    plan = deadlines(db, "north-2025")["Action plan to Ofsted"]
    assert (plan["due"], plan["rule"]) == (None, "70 working days after the report was received, date received unknown")


def test_plan_days_and_plan_unit_keep_working_with_and_without_a_kind(tmp_path, backend):
    db = fresh(tmp_path, backend)
    # No kind: as before timetables came from data, one plan 70 working days after publication, not inferred.
    ok("add-inspection", "brighton-2025", "--authority", "Brighton", "--published", "03/03/2025", db=db)
    plan = deadlines(db, "brighton-2025")["Action plan to Ofsted"]
    assert (plan["due"], plan["rule"], plan["inferred"]) == (
        "2025-06-13",
        "70 working days after publication, Mon 3 Mar 2025",
        {},
    )
    ok(
        "add-inspection",
        "southend-2019b",
        "--authority",
        "Southend",
        "--published",
        "2019-09-01",
        "--plan-days",
        "60",
        "--plan-unit",
        "calendar-days",
        db=db,
    )
    plan = deadlines(db, "southend-2019b")["Action plan to Ofsted"]
    assert (plan["due"], plan["rule"]) == ("2019-10-31", "60 calendar days after publication, Sun 1 Sep 2019")
    # With a kind, they set the final plan's period and keep the event the framework counts from.
    ok(
        "add-inspection",
        "southend-2019c",
        "--authority",
        "Southend",
        "--kind",
        "standard",
        "--received",
        "2019-09-01",
        "--plan-days",
        "60",
        "--plan-unit",
        "calendar-days",
        db=db,
    )
    plan = deadlines(db, "southend-2019c")["Action plan to Ofsted"]
    assert (plan["due"], plan["rule"]) == (
        "2019-10-31",
        "60 calendar days after the report was received, Sun 1 Sep 2019",
    )
    refused("add-inspection", "x-1", "--authority", "X", "--plan-unit", "weeks", db=db, code=2, says="--plan-unit")
    refused(
        "add-inspection", "x-1", "--authority", "X", "--kind", "standard", "--priority-actions", db=db, code=2,
        says=["--priority-actions", "focused-visit"],
    )  # fmt: skip


OWN_FRAMEWORK = """format = 1
[[kinds]]
kind = "standard"
title = "Standard inspection"
source = "Our reading of the framework, agreed with our Ofsted link inspector"
[[kinds.deadlines]]
key = "action-plan"
title = "Final plan to Ofsted"
count = 60
unit = "calendar-days"
after = "received"
source = "Letter of 3 March 2025"
"""


def test_a_councils_own_framework_file_is_used_from_the_environment_or_the_config_file(tmp_path, backend):
    db = fresh(tmp_path, backend)
    own = tmp_path / "ours.toml"
    own.write_text(OWN_FRAMEWORK, encoding="utf-8")
    env = {"ILACS_FRAMEWORK": str(own)}
    args = ["--authority", "Southend", "--kind", "standard", "--received", "2019-09-01"]
    ok("add-inspection", "southend-a", *args, db=db, env=env)
    plan = deadlines(db, "southend-a")["Final plan to Ofsted"]
    assert (plan["due"], plan["rule"]) == (
        "2019-10-31",
        "60 calendar days after the report was received, Sun 1 Sep 2019",
    )
    listed = ok("timetables", "--json", env=env)
    assert json.loads(listed)["file"] == str(own)
    assert [row["kind"] for row in json.loads(listed)["timetables"]] == ["standard"]
    # The same file named in config.toml ([framework] file, relative to the config file's folder).
    config = tmp_path / "settings" / "config.toml"
    config.parent.mkdir()
    (config.parent / "ours.toml").write_text(OWN_FRAMEWORK, encoding="utf-8")
    config.write_text('[framework]\nfile = "ours.toml"\n', encoding="utf-8")
    ok("add-inspection", "southend-b", *args, db=db, env={"ILACS_CONFIG": str(config)})
    assert deadlines(db, "southend-b")["Final plan to Ofsted"]["due"] == "2019-10-31"
    # A kind the council's file does not give is refused, naming the file and the fix.
    refused(
        "add-inspection", "x-1", "--authority", "X", "--kind", "short", db=db, env=env, code=2,
        says=[str(own), "no timetable for 'short'", "[[kinds]]"],
    )  # fmt: skip
    # Without either, the file shipped with ilacs.
    assert "shipped with ilacs" in ok("timetables")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("count = 60", 'count = "sixty"'), "kinds #1 (standard).deadlines #1.count: 'sixty' must be a whole number"),
        (("count = 60", "count = 0"), "deadlines #1.count: 0 must be a whole number from 1 to 2,000"),
        (('after = "received"', 'after = "receipt"'), "deadlines #1.after: 'receipt' must be one of published"),
        (('unit = "calendar-days"', 'unit = "weeks"'), "deadlines #1.unit: 'weeks' must be one of working-days"),
        (('kind = "standard"', 'kind = "full"'), "kinds #1.kind: 'full' is not one of standard"),
        (('title = "Final plan to Ofsted"\n', ""), "deadlines #1.title: required"),
        (('source = "Letter of 3 March 2025"\n', ""), "deadlines #1.source: required"),
        (("format = 1", "format = 2"), "format: must be 1"),
        (("count = 60", "count = 60\nwhen = 1"), "deadlines #1.when: unknown field"),
        (("[[kinds]]", "[[kind]]"), "kind: unknown key"),
        (("count = 60", "count = = 60"), "not valid TOML"),
    ],
)
def test_a_bad_framework_file_is_refused_in_one_line_naming_the_file_the_entry_and_the_fix(
    tmp_path, backend, change, says
):
    db = fresh(tmp_path, backend)
    bad = tmp_path / "bad.toml"
    bad.write_text(OWN_FRAMEWORK.replace(*change), encoding="utf-8")
    env = {"ILACS_FRAMEWORK": str(bad)}
    said = refused("add-inspection", "x-1", "--authority", "X", "--kind", "standard", db=db, env=env, code=1, says=says)
    assert str(bad) in said
    refused("timetables", db=db, env=env, code=1, says=says)
    missing = {"ILACS_FRAMEWORK": str(tmp_path / "none.toml")}
    refused("add-visit", "x-1", "2025-01-01", db=db, env=missing, code=1, says="no framework file at")


def test_the_shipped_framework_names_every_kind_with_its_sources():
    rows = json.loads(ok("timetables", "--json"))["timetables"]
    assert all(row["source"] for row in rows)
    made = {(row["kind"], row["key"], row["count"], row["after"], row["when"]) for row in rows if row["key"]}
    assert made == {
        ("standard", "action-plan", 70, "received", "always"),
        ("short", "action-plan", 70, "received", "always"),
        ("focused-visit", "draft-action-plan", 20, "received", "with --priority-actions"),
        ("focused-visit", "action-plan", 70, "received", "with --priority-actions"),
    }
    assert {row["kind"] for row in rows} == {"standard", "short", "focused-visit", "monitoring-visit", "jtai"}


def test_an_announced_monitoring_visit_is_a_dated_milestone_of_the_inspection_it_follows(db):
    # West Sussex 2019 (001_d657f4a4074ca94c.txt: "quarterly monitoring visits, the first in the autumn"); the
    # document gives no grades, so nothing says it was not judged inadequate.
    said = ok("add-visit", "west-sussex-2019", "12/11/2019", "--note", "Announced on 5 Nov", "--by", "Sam", db=db)
    assert said.strip().endswith("Monitoring visit 1 of west-sussex-2019, Tue 12 Nov 2019")
    ok("add-visit", "west-sussex-2019", "10 Feb 2020", "--by", "Sam", db=db)
    visits = {t: d for t, d in deadlines(db, "west-sussex-2019").items() if t.startswith("Monitoring visit ")}
    assert {t: (d["kind"], d["due"], d["rule"], d["status"]) for t, d in visits.items()} == {
        "Monitoring visit 1": ("milestone", "2019-11-12", "stated date", "open"),
        "Monitoring visit 2": ("milestone", "2020-02-10", "stated date", "open"),
    }
    first = visits["Monitoring visit 1"]["id"]
    trail = json.loads(ok("history", first, "--json", db=db))["changes"]
    assert [(c["author"], c["field"], c["old"], c["new"], c["note"]) for c in trail] == [
        ("Sam", "due", None, "2019-11-12", "Announced on 5 Nov")
    ]
    ok("done", first, "--on", "12/11/2019", db=db)  # it took place
    # The same day twice, an inspection judged good, a day before the inspection: refused, nothing written.
    refused("add-visit", "west-sussex-2019", "2019-11-12", db=db, code=1, says=f"recorded already as {first}")
    refused(
        "add-visit", "east-sussex-2023", "2024-06-03", db=db, code=1,
        says=["judged good overall", "on an inspection judged inadequate"],
    )  # fmt: skip
    refused("add-visit", "west-sussex-2019", "2018-01-01", db=db, code=2, says="before west-sussex-2019's inspection")
    refused(
        "add-visit", "west-sussex-2019", "2020-03-02", "--kind", "jtai", db=db, code=2, says="names no visit 'jtai'"
    )
    # undo names what to do instead of reversing it
    ok("add-visit", "west-sussex-2019", "11 May 2020", "--by", "Sam", db=db)
    refused("undo", "--by", "Sam", db=db, code=1, says=["`add-visit`", "ilacs edit"])
    assert ok("check", db=db, whole=True).returncode == 0


def test_a_seed_file_may_give_the_day_received_and_count_from_it(tmp_path, backend):
    db = fresh(tmp_path, backend)
    seed = tmp_path / "brighton-2025.toml"
    text = """format = 1
[inspection]
id = "brighton-2025"
authority = "Brighton and Hove City Council"
kind = "focused-visit"
fieldwork_end = "2025-05-16"
received = "2025-06-02"
published = "2025-06-10"
[[deadlines]]
key = "draft"
title = "Draft action plan to Ofsted"
rule = { count = 20, unit = "working-days", after = "received" }
"""
    seed.write_text(text, encoding="utf-8")
    ok("seed", str(seed), db=db)
    draft = deadlines(db, "brighton-2025")["Draft action plan to Ofsted"]
    assert (draft["due"], draft["rule"]) == (
        "2025-06-30",
        "20 working days after the report was received, Mon 2 Jun 2025",
    )
    early = tmp_path / "early.toml"
    early.write_text(text.replace('received = "2025-06-02"', 'received = "2025-05-01"'), encoding="utf-8")
    refused("seed", str(early), db=db, code=1, says="inspection.received: 2025-05-01 is before fieldwork_end")


def test_the_day_received_survives_export_and_restore_and_the_browsers_view_words_the_rule(tmp_path, backend):
    db = fresh(tmp_path, backend)
    ok(*FOCUSED, db=db)
    dump = tmp_path / "everything.json"
    ok("export", "--all", "--format", "json", "-o", str(dump), db=db)
    restored = tmp_path / "restored.db"
    ok("import", str(dump), "--db", str(restored), db=db)
    assert ok("show", "brighton-fv-2025", "--json", db=restored) == ok("show", "brighton-fv-2025", "--json", db=db)
    with sqlite3.connect(restored) as conn:
        rows = conn.execute("SELECT title, due, rule FROM deadlines_with_rules ORDER BY due").fetchall()
        received = conn.execute("SELECT received FROM inspections").fetchall()
    conn.close()
    assert rows == [
        ("Draft action plan to Ofsted", "2025-06-30", "20 working days after the report was received"),
        ("Action plan to Ofsted", "2025-09-09", "70 working days after the report was received"),
    ]
    assert received == [("2025-06-02",)]


def test_an_upgraded_database_keeps_every_deadline_as_it_was(tmp_path):
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "schema-m004.db", db)
    query = "SELECT id, key, due, rule_count, rule_unit, rule_after, status, met_on FROM deadlines ORDER BY id"
    with sqlite3.connect(db) as conn:
        before = conn.execute(query).fetchall()
    conn.close()
    final = deadlines(db, "east-sussex-2023")["Final action plan to Ofsted"]  # opening it upgrades it
    assert (final["due"], final["rule"]) == ("2024-05-17", "70 working days after publication, Tue 6 Feb 2024")
    with sqlite3.connect(db) as conn:
        assert conn.execute(query).fetchall() == before
        assert conn.execute("SELECT count(*) FROM inspections WHERE received IS NOT NULL").fetchone() == (0,)
    conn.close()
