"""Issue 28: ratings as councils use them. BRAG by default (Blue done), plain RAG by choice in config.toml's
[ratings]; staleness makes amber only an action under way; every output counts by the same rule and prints its
key. Expected counts are written by hand from the plan below."""

import csv
import io
import json

import pytest
from helpers.cli import ok, refused

PLAN = "ratings-2024"
AS_OF = "2024-10-04"  # Friday 4 October 2024

# name: (due, status, the day of its latest update). Every action is added on 1 Aug 2024.
ACTIONS = {
    "far-off": ("20/12/2024", "not-started", None),  # no update for 64 days, but not under way: green
    "stale-under-way": ("20/12/2024", "in-progress", None),  # under way, no update for 64 days: amber
    "fresh-under-way": ("20/12/2024", "in-progress", "20/09/2024"),  # updated 14 days ago: green
    "due-soon": ("11/10/2024", "not-started", None),  # 5 working days left: amber
    "late": ("01/10/2024", "in-progress", "20/09/2024"),  # red
    "stuck": ("20/12/2024", "blocked", "20/09/2024"),  # red
    "finished": ("01/09/2024", "done", None),  # blue under BRAG, green under RAG
    "dropped": ("01/09/2024", "cancelled", None),  # not rated
}
BRAG = {"red": 2, "amber": 2, "green": 2, "blue": 1, "not rated": 1, "not stated": 0}
RAG = {"red": 2, "amber": 2, "green": 3, "not rated": 1, "not stated": 0}
BRAG_KEY = (
    "Key: Blue done; Green on track; Amber due within 10 working days, or under way with no update for 30 days; "
    "Red overdue or blocked; cancelled: not rated"
)
RAG_KEY = (
    "Key: Green on track or done; Amber due within 10 working days, or under way with no update for 30 days; "
    "Red overdue or blocked; cancelled: not rated"
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def rated(request, tmp_path_factory):
    """An empty database with one plan holding an action of each kind; returns (db, names by id, config folder).
    The tests only read it: made once as a file, then (the same tests again) copied to PostgreSQL."""
    folder = tmp_path_factory.mktemp("ratings")
    db = folder / "plan.db"
    ok("init", db=db)
    ok(
        "add-inspection",
        PLAN,
        "--authority",
        "Rating Borough Council",
        "--published",
        "01/07/2024",
        "--area",
        "Plans for children",
        db=db,
    )
    names = {}
    for name, (due, status, updated) in ACTIONS.items():
        action = ok(
            "add-action",
            PLAN,
            "--on",
            "01/08/2024",
            "--area",
            "1",
            "--owner",
            "R Rate",
            "--due",
            due,
            name,
            db=db,
            strip=True,
        )
        if status != "not-started":
            ok("update", action, "--status", status, "--on", "01/08/2024", db=db)
        if updated:
            ok("update", action, "--note", "checked", "--on", updated, db=db)
        names[action] = name
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_cluster").new_database()
        ok("copy", db, url)
        return url, names, folder
    return db, names, folder


def config(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return {"ILACS_CONFIG": str(path)}


def ratings_of(db, names, env):
    rows = csv.DictReader(io.StringIO(ok("export", PLAN, "--as-of", AS_OF, db=db, env=env)))
    return {names[row["Id"]]: row["RAG"] for row in rows}


def test_the_far_off_not_started_action_is_not_amber_and_a_stale_one_under_way_is(rated):
    db, names, folder = rated
    found = ratings_of(db, names, config(folder, "none.toml", ""))
    assert found == {
        "far-off": "GREEN",
        "stale-under-way": "AMBER",
        "fresh-under-way": "GREEN",
        "due-soon": "AMBER",
        "late": "RED",
        "stuck": "RED",
        "finished": "BLUE",
        "dropped": "",
    }


def test_done_is_blue_under_brag_and_green_under_rag(rated):
    db, names, folder = rated
    assert ratings_of(db, names, config(folder, "brag.toml", '[ratings]\nscheme = "brag"\n'))["finished"] == "BLUE"
    assert ratings_of(db, names, config(folder, "rag.toml", '[ratings]\nscheme = "RAG"\n'))["finished"] == "GREEN"
    rows = json.loads(ok("actions", "--inspection", PLAN, "--as-of", AS_OF, "--json", db=db))
    assert {names[str(row["id"])]: row["rag"] for row in rows}["finished"] == "blue"


def test_the_numbers_come_from_the_config_file(rated):
    db, names, folder = rated
    env = config(folder, "numbers.toml", "[ratings]\ndue_soon_working_days = 3\nstale_days = 90\n")
    found = ratings_of(db, names, env)
    assert (found["due-soon"], found["stale-under-way"]) == ("GREEN", "GREEN")  # 5 working days; 64 days
    assert (
        ok("summary", "--inspection", PLAN, "--as-of", AS_OF, db=db, env=env)
        .strip()
        .endswith(
            "Key: Blue done; Green on track; Amber due within 3 working days, or under way with no update for 90 days; "
            "Red overdue or blocked; cancelled: not rated"
        )
    )


@pytest.mark.parametrize(("scheme", "counts", "key"), [("brag", BRAG, BRAG_KEY), ("rag", RAG, RAG_KEY)])
def test_counts_agree_in_summary_list_the_export_and_the_paper(rated, tmp_path, scheme, counts, key):
    from docx import Document
    from openpyxl import load_workbook

    db, names, folder = rated
    env = config(folder, f"{scheme}-counts.toml", f'[ratings]\nscheme = "{scheme}"\n')
    words = [word for word in ("red", "amber", "green", "blue") if word in counts]

    summary = json.loads(ok("summary", "--inspection", PLAN, "--as-of", AS_OF, "--json", db=db, env=env))
    assert summary[0]["rag"] == counts
    table = ok("summary", "--inspection", PLAN, "--as-of", AS_OF, db=db, env=env).splitlines()
    assert table[-1] == key
    summary_csv = list(csv.DictReader(io.StringIO(ok("summary", "--as-of", AS_OF, "--csv", db=db, env=env))))
    whole = next(row for row in summary_csv if row["inspection"] == PLAN and row["area"] == "all")
    assert {word: int(whole[word]) for word in words} == {word: counts[word] for word in words}
    assert ("blue" in whole) == (scheme == "brag")

    listed = {row["id"]: row for row in json.loads(ok("list", "--as-of", AS_OF, "--json", db=db, env=env))}
    assert listed[PLAN]["rag"] == counts
    assert ok("list", "--as-of", AS_OF, db=db, env=env).splitlines()[-1] == key

    exported = ratings_of(db, names, env)
    assert {word: sum(1 for value in exported.values() if value == word.upper()) for word in words} == {
        word: counts[word] for word in words
    }
    path = tmp_path / "plan.xlsx"
    ok("export", PLAN, "--as-of", AS_OF, "-f", "xlsx", "-o", str(path), db=db, env=env)
    book = load_workbook(path)
    sheet = list(book["Summary"].iter_rows(values_only=True))
    row = dict(zip(sheet[0], sheet[1]))
    assert {word: row[word.capitalize()] for word in words} == {word: counts[word] for word in words}
    key_rows = list(book["Key"].iter_rows(values_only=True))
    assert key_rows[0] == ("Rating", "Meaning")
    assert [line[0] for line in key_rows[1:]] == [word.capitalize() for word in reversed(words)] + ["Not rated"]

    paper = ok("report", PLAN, "--as-of", AS_OF, db=db, env=env)
    totals = ", ".join(f"{word} {counts[word]}" for word in words)
    assert f"{totals[0].upper()}{totals[1:]}. 1 cancelled action is not rated. {key}." in paper
    assert f"## {scheme.upper()} rating" in paper
    html = ok("report", PLAN, "--as-of", AS_OF, "-f", "html", db=db, env=env)
    assert ('class="rag rag-blue">Blue<' in html) == (scheme == "brag")  # the word, never colour alone
    word_path = tmp_path / "paper.docx"
    ok("report", PLAN, "--as-of", AS_OF, "-f", "docx", "-o", str(word_path), db=db, env=env)
    [plan] = [table for table in Document(str(word_path)).tables if table.rows[0].cells[-1].text == scheme.upper()]
    cells = [row.cells[-1].text for row in plan.rows[1:]]
    assert {word: cells.count(word.capitalize()) for word in words} == {word: counts[word] for word in words}

    shown = ok("show", PLAN, "--as-of", AS_OF, db=db, env=env)
    assert f"{scheme.upper()}: {totals} (1 not rated)" in shown and shown.splitlines()[-1] == key
    assert ok("actions", "--inspection", PLAN, "--as-of", AS_OF, db=db, env=env).splitlines()[-1] == key


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[ratings]\nscheme = "rainbow"\n', 'scheme "rainbow" is not brag or rag: write scheme = "brag" or "rag"'),
        ("[ratings]\nstale_days = 0\n", "stale_days = 0 is not a whole number of days from 1 to 366"),
        ('[ratings]\ndue_soon_working_days = "ten"\n', "due_soon_working_days = ten is not a whole number"),
        ("[ratings]\namber_days = 5\n", "unknown key [ratings] amber_days: known keys are scheme"),
    ],
)
def test_a_bad_setting_is_refused_in_one_line_naming_the_file(rated, text, says):
    db, _, folder = rated
    env = config(folder, "bad.toml", text)
    for command in (("summary",), ("export", PLAN), ("report", PLAN), ("list",), ("actions",)):
        stderr = refused(*command, db=db, code=2, says=says, env=env)
        assert str(folder / "bad.toml") in stderr
