"""Files are what their names say (issue 26): `-o`'s extension chooses the format when `-f` is not given, `-f` takes
short names in any case, and a file name that contradicts `-f`, or that no format of the command has, is refused
in one line with nothing written. Statuses, like formats, are taken in any case."""

import json
import zipfile
from pathlib import Path

import pytest
from helpers.cli import ok, refusal, run_ilacs
from helpers.plans import PLAN


def test_the_extension_chooses_the_format(db, tmp_path):
    workbook = tmp_path / "plan.xlsx"
    ok("export", PLAN, "-o", str(workbook), db=db)
    assert zipfile.ZipFile(workbook).namelist().count("xl/workbook.xml") == 1
    # ...and the workbook imports back into its plan, changing nothing
    assert "0 added" in ok("import", str(workbook), "--inspection", PLAN, "--dry-run", db=db)
    everything = tmp_path / "all.json"
    ok("export", "--all", "-o", str(everything), db=db)
    assert json.loads(everything.read_text(encoding="utf-8"))["format"] == "ilacs-export"
    paper = tmp_path / "paper.docx"
    ok("report", PLAN, "-o", str(paper), db=db)
    assert "word/document.xml" in zipfile.ZipFile(paper).namelist()
    page = tmp_path / "paper.HTML"
    ok("report", PLAN, "-o", str(page), db=db)
    assert page.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")
    plain = tmp_path / "plan"  # no extension: the command's first format
    ok("export", PLAN, "-o", str(plain), db=db)
    assert plain.read_bytes().startswith(b"\xef\xbb\xbfInspection,")  # CSV, with the mark Excel reads accents by


@pytest.mark.parametrize("given", ["md", "MD", "Markdown"])
def test_short_names_in_any_case(db, given):
    assert ok("report", PLAN, "-f", given, db=db).startswith("# ")


@pytest.mark.parametrize(
    "args, says",
    [
        (["export", PLAN, "-f", "csv", "-o", "{}/plan.xlsx"], "-f csv but plan.xlsx names a xlsx file"),
        (["report", PLAN, "-f", "html", "-o", "{}/paper.docx"], "name the file paper.html"),
        (["report", PLAN, "-o", "{}/paper.pdf"], "paper.pdf is not a kind of file this command writes (.md, .html"),
        (["export", PLAN, "-f", "pdf", "-o", "{}/plan.pdf"], "unknown format 'pdf': use one of csv, xlsx, json"),
    ],
)
def test_a_name_that_contradicts_the_format_is_refused(db, tmp_path, args, says):
    args = [arg.format(tmp_path) for arg in args]
    refusal(run_ilacs(*args, db=db), code=2, says=says)
    assert not Path(args[-1]).exists()


def test_f_still_writes_into_a_name_the_command_has_no_format_for(db, tmp_path):
    notes = tmp_path / "paper.txt"
    ok("report", PLAN, "-f", "md", "-o", str(notes), db=db)
    assert notes.read_text(encoding="utf-8").startswith("# ")


@pytest.mark.parametrize("typed", ["Done", "DONE", " done "])
def test_statuses_in_any_case(db, typed):
    action = ok(
        "add-action", PLAN, "--area", "1", "--owner", "A Watson", "--due", "31/03/2025", "Audit", db=db, strip=True
    )
    ok("update", action, "--status", "In Progress", db=db)
    assert ok("actions", "--inspection", PLAN, "--status", "in_progress", "--json", db=db).count('"in-progress"') == 1
    ok("update", action, "--status", typed, db=db)
    assert [update["new_status"] for update in json.loads(ok("history", action, "--json", db=db))["updates"]][-2:] == [
        "in-progress",
        "done",
    ]
