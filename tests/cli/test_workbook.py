"""The exported workbook as a council prints it: LibreOffice headless turns it into PDF (and PNG), and the pages are
read back: landscape A4, one page wide, the header row on every page, page numbers, RAG cells filled."""

import datetime as dt
import os
import subprocess
from zoneinfo import ZoneInfo

import pytest
from helpers.cli import ok
from helpers.office import office_to_pdf, pdf_pages, poppler, soffice
from helpers.paths import PICTURES
from helpers.png import png_pixels

TELFORD = "telford-wrekin-2024"
# Today in England: the seeded Telford actions are in the plan from the day they were loaded (the minutes give no
# day), so the workbook is read as of today.
TODAY = dt.datetime.now(ZoneInfo("Europe/London")).date()
AS_OF = TODAY.isoformat()
AS_OF_WORDS = f"{TODAY:%a} {TODAY.day} {TODAY:%b %Y}"  # e.g. Mon 30 Nov 2026
A4_LANDSCAPE = (842, 595)  # points
PLAN_HEADERS = ["Id", "Area", "Ref", "Action", "Lead officer", "Target date", "Status", "RAG"]
# The README's pictures are remade by a run with ILACS_PICTURES=1 (committed small: 60 dots per inch).


def office():
    found = soffice()
    if found is None:
        pytest.skip("LibreOffice not installed (CI installs libreoffice-calc-nogui: see .ci/run)")
    return found


def test_workbook_cells_words_fills_and_print_setup(db, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "telford.xlsx"
    ok("export", TELFORD, "-f", "xlsx", "--as-of", AS_OF, "-o", str(path), db=db)
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "Telford Wrekin 2024 plan", "Areas", "Updates", "Key"]
    summary = dict(zip(*[row for row in book["Summary"].iter_rows(values_only=True)]))
    assert summary["Overall"] == "Outstanding"
    sheet = book["Telford Wrekin 2024 plan"]
    headers = [cell.value for cell in sheet[1]]
    rows = {row[0]: dict(zip(headers, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    # The seed's actions 1 and 2 are in progress and late, 3 to 5 done (as `ilacs actions` lists them).
    assert {row["Status"] for row in rows.values()} == {"In progress", "Done"}
    assert {row["RAG"] for row in rows.values()} == {"Red", "Blue"}  # done is blue under BRAG (issue 28)
    assert {row["Latest update by"] for row in rows.values()} == {"from the council's report"}
    fonts = {(cell.font.name, cell.font.sz) for line in sheet.iter_rows() for cell in line}
    assert fonts == {("Arial", 10)}
    assert all(cell.font.bold for cell in sheet[1])
    # Conditional formatting on the RAG column: the status (Done, Cancelled, Blocked) first, then the RAG word.
    rag = "N"  # issue 29: the area's title left the plan sheet (the Areas sheet holds it); issue 28: Re-scheduled came
    assert headers.index("RAG") == 13 and headers.index("Status") == 12
    rules = [
        (str(ranges.sqref), rule.formula[0], rule.dxf.fill.fgColor.rgb)
        for ranges in sheet.conditional_formatting
        for rule in ranges.rules
    ]
    assert [formula for _, formula, _ in rules] == [
        '$M2="Done"',
        '$M2="Cancelled"',
        '$M2="Blocked"',
        'N2="Red"',
        'N2="Amber"',
        'N2="Green"',
        'N2="Blue"',
        'N2="Not rated"',
    ]
    assert {where for where, _, _ in rules} == {f"{rag}2:{rag}6"}
    assert [colour[-6:] for *_, colour in rules[:3]] == ["1D70B8", "F3F2F1", "D4351C"]  # Done fills blue
    assert [colour[-6:] for *_, colour in rules[3:]] == ["D4351C", "F47738", "00703C", "1D70B8", "F3F2F1"]
    # Print: landscape A4, one page wide, the header row on every page, a header and a numbered footer.
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
    assert sheet.oddHeader.center.text == "Telford and Wrekin Council: action plan (telford-wrekin-2024)"
    assert (sheet.oddFooter.left.text, sheet.oddFooter.right.text) == (f"As of {AS_OF_WORDS}", "Page &P of &N")
    # A row whose update wraps is taller than one of a single line.
    long_row = 1 + [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)].index(1) + 1
    short_row = 1 + [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)].index(3) + 1
    # (Issue 29: the narrower update column wraps the short row's update to three lines.)
    assert sheet.row_dimensions[long_row].height > 4 * 12.75 > sheet.row_dimensions[short_row].height


@pytest.mark.slow  # LibreOffice starts in about 3 s
def test_seeded_plan_prints_on_three_landscape_pages_one_wide(db, tmp_path):
    path = tmp_path / "telford.xlsx"
    ok("export", TELFORD, "-f", "xlsx", "--as-of", AS_OF, "-o", str(path), db=db)
    pdf = office_to_pdf(office(), path, tmp_path)
    pages, sizes = pdf_pages(pdf)
    # Before: 11 portrait pages (9 for the plan, one or two columns each). Now one page per sheet (issue 29: and
    # one for the areas' titles; issue 28: and one for the ratings' key).
    assert sizes == [A4_LANDSCAPE] * 5
    summary, plan, areas, updates, key = pages
    assert "Action plans: summary" in summary and "Page 1 of 5" in summary and f"As of {AS_OF_WORDS}" in summary
    assert all(header in plan for header in PLAN_HEADERS) and "Page 2 of 5" in plan
    assert "The management of contacts within Family Connect" in areas and "Page 3 of 5" in areas
    assert "Telford and Wrekin Council: action plan (telford-wrekin-2024)" in plan
    assert "Review of contacts" in plan and "Done" in plan and "In progress" in plan
    assert "seed:" not in plan and "'" + "=" not in plan
    assert "Added as In progress" in updates and "Page 4 of 5" in updates
    assert "Blue" in key and "Page 5 of 5" in key  # the ratings' key (issue 28)
    # The RAG cells are filled: the plan's page has the red of two late actions and the blue of three done (BRAG).
    poppler("pdftoppm")
    png = tmp_path / "plan"
    subprocess.run(
        ["pdftoppm", "-r", "60", "-f", "2", "-l", "2", "-png", "-singlefile", str(pdf), str(png)], check=True
    )
    _, _, rows = png_pixels(png.with_suffix(".png"))
    seen = {pixel for row in rows for pixel in row}
    assert any(near(pixel, (0xD4, 0x35, 0x1C)) for pixel in seen) and any(
        near(pixel, (0x1D, 0x70, 0xB8)) for pixel in seen
    )
    if os.environ.get("ILACS_PICTURES") == "1":
        PICTURES.mkdir(exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-r", "60", "-f", "2", "-l", "2", "-png", "-singlefile", str(pdf), str(PICTURES / "workbook")],
            check=True,
        )


def near(pixel, colour):
    return all(abs(a - b) <= 6 for a, b in zip(pixel, colour))


@pytest.mark.slow  # LibreOffice
def test_forty_actions_print_one_page_wide_with_the_header_on_every_page(tmp_path, new_db):
    db = new_db
    ok("init", db=db)
    ok(
        "add-inspection",
        "big-2025",
        "--authority",
        "Big County Council",
        "--published",
        "03/03/2025",
        "--area",
        "Supervision",
        "--area",
        "Care plans",
        db=db,
    )
    titles = [
        f"Action number {n:02d}: " + "a longer description of the work to be done " * (n % 3) for n in range(1, 41)
    ]
    for n, title in enumerate(titles, 1):
        ok(
            "add-action",
            "big-2025",
            "--on",
            "03/03/2025",
            "--area",
            str(1 + n % 2),
            "--owner",
            f"Officer {n % 7}",
            "--due",
            f"{1 + n % 28:02d}/06/2025",
            "--",
            title,
            db=db,
        )
    path = tmp_path / "big.xlsx"
    ok("export", "big-2025", "-f", "xlsx", "--as-of", "2025-06-02", "-o", str(path), db=db)
    pages, sizes = pdf_pages(office_to_pdf(office(), path, tmp_path))
    assert set(sizes) == {A4_LANDSCAPE}
    plan = [page for page in pages if "Big County Council: action plan" in page]
    assert len(plan) >= 2  # forty actions take more than one page tall...
    for page in plan:  # ...but never more than one wide: every page has every column's header and the RAG
        assert all(header in page for header in PLAN_HEADERS), page[:400]
    text = "".join(plan)
    assert all(f"Action number {n:02d}" in text for n in range(1, 41))
    total = len(pages)
    assert [f"Page {n} of {total}" in page for n, page in enumerate(pages, 1)] == [True] * total
