"""Seed files: what each file says is what `ilacs show` reports, and users' own files load the same way."""

import json
import tomllib

import pytest
from helpers.cli import run_ilacs
from helpers.paths import DOCUMENTS
from helpers.paths import SEED_FILES as SEEDS


def test_all_five_source_documents_are_seeded():
    sources = {tomllib.loads(path.read_text())["inspection"]["source"] for path in SEEDS}
    shared = DOCUMENTS
    if shared.is_dir():
        assert sources == {path.name for path in shared.iterdir()}
    assert len(SEEDS) == 5


@pytest.mark.parametrize("path", SEEDS, ids=lambda path: path.stem)
def test_show_reports_what_the_seed_file_says(db, path):
    seed = tomllib.loads(path.read_text())
    shown = json.loads(run_ilacs("show", seed["inspection"]["id"], "--json", db=db).stdout)
    assert shown["summary"]["authority"] == seed["inspection"].get("authority")
    assert shown["summary"]["published"] == seed["inspection"].get("published")
    assert {(j["area"], j["grade"], j["previous_grade"]) for j in shown["judgements"]} == {
        (j["area"], j.get("grade"), j.get("previous_grade")) for j in seed.get("judgements", [])
    }
    assert [(a["number"], a["title"], a["points"]) for a in shown["areas"]] == [
        (a["number"], a["title"], a.get("points", [])) for a in seed.get("areas", [])
    ]
    assert sorted(d["title"] for d in shown["deadlines"]) == sorted(d["title"] for d in seed.get("deadlines", []))
    shown_actions = [a for area in shown["areas"] for a in area["actions"]] + shown["actions_without_area"]
    assert sorted((a["title"], a["status"]) for a in shown_actions) == sorted(
        (a["title"], a.get("status", "unknown")) for a in seed.get("actions", [])
    )  # issue 18: not stated


def test_users_own_seed_file_loads_and_computes_its_deadline(tmp_path, new_db):
    mine = tmp_path / "brighton.toml"
    mine.write_text("""format = 1
[inspection]
id = "brighton-2025"
authority = "Brighton and Hove City Council"
published = "2025-03-03"
source = "our copy of the report"
[[areas]]
number = 1
title = "Care plans"
[[deadlines]]
key = "plan"
title = "Action plan to Ofsted"
rule = { count = 20, unit = "working-days", after = "published" }
""")
    path = new_db
    assert run_ilacs("seed", str(mine), db=path).returncode == 0
    shown = json.loads(run_ilacs("show", "brighton-2025", "--json", db=path).stdout)
    # 20 working days from Mon 3 Mar 2025, no bank holiday in between: four whole weeks on.
    assert shown["deadlines"][0]["due"] == "2025-03-31"
    assert shown["deadlines"][0]["rule"] == "20 working days after publication, Mon 3 Mar 2025"


@pytest.mark.sqlite_only("the backup beside the file")
def test_stated_date_that_disagrees_with_rule_is_rejected(db, tmp_path):
    mine = tmp_path / "wrong.toml"
    mine.write_text("""format = 1
[inspection]
id = "wrong-2024"
published = "2024-02-06"
[[deadlines]]
key = "plan"
title = "Plan"
rule = { count = 70, unit = "calendar-days", after = "published" }
stated = "2024-05-17"
""")
    path = db  # the seeded database
    before = path.read_bytes()
    out = run_ilacs("seed", str(mine), db=path)
    assert out.returncode == 1 and "wrong.toml" in out.stderr and "stated" in out.stderr
    assert path.read_bytes() == before


@pytest.mark.sqlite_only("a new file made all or nothing")
def test_failed_seed_into_a_new_file_leaves_no_file(tmp_path):
    mine = tmp_path / "wrong.toml"
    mine.write_text(
        'format = 1\n[inspection]\nid = "w-2024"\npublished = "2024-02-06"\n[[deadlines]]\nkey = "p"\n'
        'title = "Plan"\nrule = { count = 70, unit = "calendar-days", after = "published" }\n'
        'stated = "2024-05-17"\n'
    )
    path = tmp_path / "new.db"
    assert run_ilacs("seed", str(mine), db=path).returncode == 1
    assert not path.exists()
