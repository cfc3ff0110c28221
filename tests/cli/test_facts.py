"""Issue 18: every fact from a document is stated, inferred (with its reason) or unknown, and shown as such.

Expected values are read from the five documents in ../shared/seeds/ by hand, not from our code."""

import json
import re
import tomllib

import pytest
from helpers.cli import contents, run_ilacs
from helpers.paths import DOCUMENTS
from helpers.paths import SEED_FILES as SEEDS

MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


def _plain(text: str) -> str:
    """Whitespace, table bars, curly quotes and a final full stop normalised, lower case."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text.replace("|", " ")).strip().rstrip(".").lower()


def _stated_in(day: str, document: str) -> bool:
    """An ISO day (or a period such as 'June 2019') written in the document: day, month and year in that order."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        return _plain(day).split()[-2] in document  # "january 2020" -> "january"; "autumn 2019" -> "autumn"
    year, month, number = day.split("-")
    pattern = rf"\b{int(number)}(st|nd|rd|th)?\b.{{0,30}}?\b{MONTHS[int(month) - 1]}\b.{{0,30}}?\b{year}\b"
    return re.search(pattern, document) is not None


@pytest.mark.parametrize("path", SEEDS, ids=lambda path: path.stem)
def test_each_seed_file_says_only_what_its_document_says(path):
    if not DOCUMENTS.is_dir():
        pytest.skip(f"the source documents are not here ({DOCUMENTS}): this test runs where they are (CI)")
    seed = tomllib.loads(path.read_text())
    documents = {source["file"]: _plain((DOCUMENTS / source["file"]).read_text()) for source in seed["sources"]}
    default = seed["inspection"]["source"]
    checked = 0
    for area in seed.get("areas", []):
        document = documents[area.get("source", default)]
        for quoted in [area["title"], *area.get("points", [])]:
            assert _plain(quoted) in document, quoted
            checked += 1
    for entry in seed.get("deadlines", []) + seed.get("actions", []):
        if "wording" in entry:
            assert _plain(entry["wording"]) in documents[entry.get("source", default)], entry["wording"]
            checked += 1
    sections = [
        ("inspection", [seed["inspection"]]),
        ("deadlines", seed.get("deadlines", [])),
        ("actions", seed.get("actions", [])),
        ("sources", seed["sources"]),
    ]
    for section, entries in sections:
        for entry in entries:
            document = documents[entry["file"] if section == "sources" else entry.get("source", default)]
            for name in ("fieldwork_start", "fieldwork_end", "published", "stated", "met_on", "due", "on", "date"):
                if name in entry and name not in entry.get("inferred", {}):
                    assert _stated_in(str(entry[name]), document), (section, name, entry[name])
                    checked += 1
    assert checked >= 2  # East Sussex 2018: its two areas (the press release gives no dates)


def test_inferred_facts_are_marked_with_their_reasons(db):
    east_sussex = json.loads(run_ilacs("show", "east-sussex-2023", "--json", db=db).stdout)
    # 2.1 says "published 6 February" (no year); the kind is named nowhere in the document.
    assert set(east_sussex["inferred"]) == {"kind", "published"}
    assert "6 February" in east_sussex["inferred"]["published"]
    telford = json.loads(run_ilacs("show", "telford-wrekin-2024", "--json", db=db).stdout)
    assert set(telford["inferred"]) == {"authority", "kind"}
    assert telford["authority_source"] == "domain.md"
    items = [action for action in telford["actions_without_area"]]
    assert [(a["title"][:44], a["status"], list(a["inferred"])) for a in items] == [
        ("Develop a range of information platforms for", "in-progress", ["status"])
    ] * 2
    southend = json.loads(run_ilacs("show", "southend-2019", "--json", db=db).stdout)
    plan = next(d for d in southend["deadlines"] if d["title"].startswith("Action plan on"))
    assert "calendar days" in plan["inferred"]["rule"]
    shown = run_ilacs("show", "telford-wrekin-2024", db=db).stdout
    assert "Telford and Wrekin Council* (name from domain.md)" in shown
    assert "* inferred, not stated in the document:" in shown
    assert "kind short*" in shown


def test_what_no_document_gives_is_unknown_never_late(db):
    # Slide 7's bullets and slide 5's steps whose words do not say whether they are under way or done.
    unknown = json.loads(
        run_ilacs("actions", "--inspection", "west-sussex-2019", "--status", "unknown", "--json", db=db).stdout
    )
    assert sorted(a["title"] for a in unknown) == sorted(
        [
            "Recruitment and retention drive to make the best social workers come to, and stay in, West Sussex",
            "Performance monitoring and quality assurance of practice",
            "Major training and development programme to improve social work practice",
            "Focus on management oversight and challenging poor practice",
            "Development of a private fostering team",
            "New Domestic Abuse Partnership Board and Multi-Agency Risk Conference steering group",
            "Serious Case Review Partnership event",
            "IPEH Partnership events",
            "Appointment of 2 social workers leading on pre-birth action plan",
            "Review of pre-birth policy",
            "Improved management oversight of pre-birth cases",
        ]
    )
    # No document says of any action that it has not started.
    assert json.loads(run_ilacs("actions", "--status", "not-started", "--json", db=db).stdout) == []
    # No seeded deadline is late: the documents record no outcome after their own dates.
    late = json.loads(run_ilacs("overdue", "--as-of", "2026-11-30", "--json", db=db).stdout)
    assert [item for item in late if item["kind"] == "deadline"] == []
    listed = {row["id"]: row for row in json.loads(run_ilacs("list", "--json", db=db).stdout)}
    assert (
        listed["west-sussex-2019"]["actions_not_stated"],
        listed["west-sussex-2019"]["deadlines_overdue"],
        listed["west-sussex-2019"]["actions_overdue"],
    ) == (11, 0, 0)
    shown = run_ilacs("show", "west-sussex-2019", db=db).stdout
    assert "DfE statutory direction to West Sussex County Council" in shown
    assert "stated as 'in June' (taken as Sun 30 Jun 2019)" in shown
    assert shown.count("outcome not recorded") == 3
    assert "| not stated" in shown


def test_seeded_history_is_dated_by_its_document(db):
    actions = json.loads(run_ilacs("actions", "--inspection", "west-sussex-2019", "--json", db=db).stdout)
    lscb = next(a["id"] for a in actions if a["title"].startswith("LSCB chair"))
    history = run_ilacs("history", str(lscb), db=db).stdout
    assert "added as done (as of Wed 15 May 2019)" in history
    assert "as stated in 001_d657f4a4074ca94c.txt, Wed 15 May 2019" in history
    # The day before the slides were presented, the plan held none of their actions.
    before = json.loads(run_ilacs("show", "west-sussex-2019", "--as-of", "2019-05-14", "--json", db=db).stdout)
    assert before["actions_without_area"] == []
    # Telford's minutes give no date: history says so rather than invent one.
    telford = json.loads(run_ilacs("actions", "--inspection", "telford-wrekin-2024", "--json", db=db).stdout)
    history = run_ilacs("history", str(telford[0]["id"]), db=db).stdout
    assert "a document whose date is not stated" in history


def test_unknown_is_replaced_by_an_update_and_never_typed(db):
    actions = json.loads(run_ilacs("actions", "--status", "unknown", "--json", db=db).stdout)
    target = str(actions[0]["id"])
    before = contents(db)
    refused = run_ilacs("update", target, "--status", "unknown", db=db)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "record what you know" in refused.stderr
    assert contents(db) == before
    assert (
        run_ilacs("update", target, "--status", "in-progress", "--note", "confirmed at the board", db=db).returncode
        == 0
    )
    assert "not stated -> in-progress" in run_ilacs("history", target, db=db).stdout


BAD = {
    "an inferred field that does not exist": (
        '[inspection]\nid = "x-2024"\nsource = "a.txt"\ninferred = { colour = "why" }\n',
        "inspection.inferred.colour",
    ),
    "an inference on a field that is absent": (
        '[inspection]\nid = "x-2024"\nsource = "a.txt"\ninferred = { kind = "why" }\n',
        "inspection.inferred.kind",
    ),
    "a source no fact uses": (
        '[inspection]\nid = "x-2024"\nsource = "a.txt"\n[[sources]]\nfile = "b.txt"\ntitle = "B"\n',
        "inspection.source",
    ),
    "a fact whose source is not listed": (
        '[inspection]\nid = "x-2024"\nsource = "a.txt"\n[[areas]]\nnumber = 1\ntitle = "T"\nsource = "c.txt"\n',
        "areas #1.source",
    ),
    "unknown on a council's own action": (
        '[inspection]\nid = "x-2024"\n[[actions]]\nkey = "k"\ntitle = "T"\nstatus = "unknown"\n',
        "actions #1.status",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_facts_in_a_seed_file_are_refused_in_one_line(db, tmp_path, case):
    text, where = BAD[case]
    sources = '[[sources]]\nfile = "a.txt"\ntitle = "A"\n' if "a.txt" in text and "[[sources]]" not in text else ""
    if case == "a source no fact uses":
        sources = '[[sources]]\nfile = "a.txt"\ntitle = "A"\n'
        where = "sources #2.file"
    bad = tmp_path / "bad.toml"
    bad.write_text("format = 1\n" + sources + text)
    before = contents(db)
    out = run_ilacs("seed", str(bad), db=db)
    assert out.returncode == 1 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith(f"ilacs: bad.toml: {where}:"), out.stderr
    assert contents(db) == before
