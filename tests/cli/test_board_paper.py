"""The board paper as a committee reads it (issue 29): page one is the position (the author's summary, the plan in a
paragraph, its ratings with their key, the exceptions most late first, what was re-scheduled, what comes next), the
period goes by the day an update describes, and the paper speaks the council's words (refs, document titles, what a
percentage counts). Rendered for real: Chromium prints the HTML to PDF, LibreOffice the Word file, and the tests read
the pages back."""

import datetime as dt
import re

import pytest
from helpers import plans
from helpers.browser import chromium, run_browser
from helpers.cli import ok
from helpers.cli import run_ilacs as ilacs
from helpers.devtools import Browser
from helpers.office import office_to_pdf, pdf_pages, soffice
from helpers.plans import HOSTILE, PLAN, REPORT_ACTIONS, copy_of, with_measures

AS_OF = "2024-01-10"  # Wed 10 Jan 2024
SUMMARY = """# Summary

The plan is broadly on track; three actions are late.

Recommendations:

1. Note the exceptions, and the **revised** date for supervision guidance.
2. Ask C Jones to report on <b>blocked</b> recording guidance at the next board.
"""
# The red items of REPORT_ACTIONS on Wed 10 Jan 2024, by hand, most late first: working days after the due day to
# 10 Jan (England's bank holidays 25 and 26 Dec 2023 and 1 Jan 2024 are not working days).
EXCEPTIONS = [
    ("Supervision recording guidance", "C Jones", "10 working days late, blocked"),  # due Fri 22 Dec 2023
    ("Plan quality audit", "A Watson", "3 working days late"),  # due Fri 5 Jan 2024: 8, 9, 10 Jan
    ("", "D Patel", "2 working days late"),  # HOSTILE's action, due Mon 8 Jan 2024: 9, 10 Jan
]


@pytest.fixture(scope="module")
def plan_template(seeded_template, tmp_path_factory):
    db, _ = plans.plan_template(seeded_template, tmp_path_factory.mktemp("board"), REPORT_ACTIONS)
    return db


@pytest.fixture()
def plan(plan_template, tmp_path, backend):
    return copy_of(plan_template, tmp_path, backend)


@pytest.fixture()
def summary(tmp_path):
    path = tmp_path / "summary.md"
    path.write_text(SUMMARY, encoding="utf-8")
    return path


def section(text, heading):
    """A Markdown paper's section, from its heading to the next."""
    return text.split(f"## {heading}")[1].split("\n## ")[0]


def test_page_one_opens_with_the_summary_and_the_exceptions_most_late_first(plan, summary):
    text = ok("report", PLAN, "--as-of", AS_OF, "--summary", str(summary), db=plan)
    headings = re.findall(r"^## (.*)$", text, re.M)
    assert headings[:5] == [
        "Summary and recommendations",
        "The position",
        "Exceptions: rated red, most late first",
        "Re-scheduled since Mon 11 Dec 2023",
        "Next deadlines and board",
    ]
    opening = section(text, "Summary and recommendations")
    assert "The plan is broadly on track; three actions are late." in opening
    assert "Note the exceptions, and the revised date for supervision guidance." in opening  # no ** marks
    assert "**" not in opening and "# Summary" not in opening
    position = section(text, "The position")
    assert (
        "East Sussex County Council was inspected (short inspection, 11-15 Dec 2023; report published Tue 6 Feb "
        "2024) and judged good overall. The plan has 8 actions in 3 areas for improvement: 3 of 7 done (43%), "
        "3 overdue, 1 cancelled."
    ) in position
    assert "| Red | 3 | overdue or blocked |" in position and "| Blue | 3 | done |" in position
    assert "| Not rated | 1 | cancelled |" in position
    rows = [
        line for line in section(text, "Exceptions").splitlines() if line.startswith("| ") and "| Ref |" not in line
    ]
    assert len(rows) == len(EXCEPTIONS)
    for row, (title, owner, late) in zip(rows, EXCEPTIONS):
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert (cells[2], cells[3]) == (owner, late), row
        assert title in cells[1]
    assert "moved to blocked" in rows[0]  # the owner's latest words
    coming = section(text, "Next deadlines and board")
    assert "Next board: not recorded." in coming
    # What is open and due next, soonest first: the supervision audit (Fri 1 Mar 2024), then the final plan to
    # Ofsted (D2, Fri 17 May 2024); the actions due 31 Jan and 1 Feb are done.
    assert coming.index("Fri 1 Mar 2024") < coming.index("| D2 | Final action plan to Ofsted |")
    assert "Wed 31 Jan 2024" not in coming and "Thu 1 Feb 2024" not in coming


def test_without_a_summary_a_placeholder_and_a_missing_file_is_one_line(plan, tmp_path):
    text = ok("report", PLAN, "--as-of", AS_OF, db=plan)
    assert section(text, "Summary and recommendations").strip() == (
        "Summary and recommendations: to be written by the report's author."
    )
    target = tmp_path / "paper.html"
    missing = ilacs("report", PLAN, "--summary", str(tmp_path / "nowhere.md"), "-o", str(target), db=plan)
    assert missing.returncode == 1 and missing.stdout == "" and not target.exists()
    assert missing.stderr.count("\n") == 1 and "nowhere.md: no such file" in missing.stderr
    binary = tmp_path / "summary.md"
    binary.write_bytes(b"Summary \x80\x81 bad")  # not UTF-8 (nor UTF-16: no byte-order mark)
    refused = ilacs("report", PLAN, "--summary", str(binary), db=plan)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1 and "UTF-8" in refused.stderr


def test_the_summary_is_text_in_the_html_paper(plan, summary, tmp_path):
    summary.write_text(SUMMARY + f"\n{HOSTILE}\n", encoding="utf-8")
    page = tmp_path / "paper.html"
    ok("report", PLAN, "-f", "html", "--as-of", AS_OF, "--summary", str(summary), "-o", str(page), db=plan)
    html = page.read_text(encoding="utf-8")
    assert "<b>blocked</b>" not in html and "&lt;b&gt;blocked&lt;/b&gt;" in html
    assert "<script" not in html and "<img" not in html
    assert "<li>Note the exceptions, and the revised date for supervision guidance.</li>" in html


def test_the_period_goes_by_the_day_an_update_describes(plan):
    """Updates typed today about days in the past: the paper's period holds those whose day falls in it."""
    today = dt.datetime.now(dt.UTC).date()
    as_of = today.isoformat()
    action = ok("add-action", PLAN, "--area", "1", "--owner", "E Green", "--due", "2059-01-01", "Audit", db=plan)
    action = action.strip()
    inside = today - dt.timedelta(days=10)
    outside = today - dt.timedelta(days=40)
    ok("update", action, "--status", "in-progress", "--note", "Started the audit", "--on", outside.isoformat(), db=plan)
    ok("update", action, "--status", "blocked", "--note", "Waiting for the data", "--on", inside.isoformat(), db=plan)
    ok("update", action, "--note", "", "--status", "blocked", db=plan)  # nothing changed and nothing said: noise
    since = (today - dt.timedelta(days=20)).isoformat()
    text = ok("report", PLAN, "--as-of", as_of, "--since", since, db=plan)
    period = text.split("## Status updates and corrections from")[1].split("\n## ")[0]
    rows = [line for line in period.splitlines() if line.startswith("| ") and "| Day |" not in line]
    mine = [line for line in rows if "Audit" in line]

    def human(day):
        return f"{day:%a} {day.day} {day:%b %Y}"

    assert len(mine) == 2, rows  # blocked on the day inside the period, then added today (typed first)
    assert mine[0] == f"| {human(inside)} | 38 Audit | In progress → Blocked | Waiting for the data |"
    assert mine[1] == f"| {human(today)} | 38 Audit | Added as Not started |  |"  # ilacs's own note left out
    assert "Started the audit" not in period
    assert "Blocked → Blocked" not in period and "undo of update" not in period
    assert "E Green" not in period  # who typed it is in the history, not the paper


def test_undone_update_and_its_undo_are_not_in_the_period(plan):
    today = dt.datetime.now(dt.UTC).date().isoformat()
    action = ok("add-action", PLAN, "--area", "1", "--owner", "E Green", "--due", "2059-01-01", "Dip sample", db=plan)
    ok("update", action.strip(), "--status", "done", "--note", "Typed by mistake", "--by", "EG", db=plan)
    ok("undo", "--by", "EG", db=plan)
    text = ok("report", PLAN, "--as-of", today, "--since", today, db=plan)
    period = text.split("## Status updates and corrections from")[1].split("\n## ")[0]
    assert "Typed by mistake" not in period and "undo of update" not in period and "#" not in period


def test_west_sussex_in_the_council_s_words(db, tmp_path):
    for form in ("md", "html"):
        page = tmp_path / f"west.{form}"
        ok("report", "west-sussex-2019", "-f", form, "--as-of", "2019-07-01", "-o", str(page), db=db)
        text = page.read_text(encoding="utf-8")
        assert "001_d657f4a4074ca94c.txt" not in text and ".txt" not in text, form
        assert "9 of 13 with a stated status done (69%); 11 not stated" in text, form
        assert "no actions" not in text  # areas with none are listed once, not charted
        assert text.count("Case loads") == 1, form
    import docx

    word = tmp_path / "west.docx"
    ok("report", "west-sussex-2019", "-f", "docx", "--as-of", "2019-07-01", "-o", str(word), db=db)
    document = docx.Document(str(word))
    written = [p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    ]
    assert not any(".txt" in text or "001_d657f4a4074ca94c" in text for text in written)
    assert any("9 of 13 with a stated status done (69%); 11 not stated" in text for text in written)
    markdown = (tmp_path / "west.md").read_text(encoding="utf-8")
    assert "Areas for improvement with no action recorded yet: 1 Case loads; 2 The changes of social worker" in markdown


def test_the_late_table_is_most_late_first(plan):
    """The detail's late table by lateness, not by owner (A Watson's 3 days came before C Jones's 10)."""
    text = ok("report", PLAN, "--as-of", AS_OF, db=plan)
    late = section(text, "Late, and who owns it")
    rows = [line for line in late.splitlines() if line.startswith("| ") and "| Owner |" not in line]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == [owner for _, owner, _ in EXCEPTIONS]
    assert [row.split(" | ")[5] for row in rows] == ["10", "3", "2"]


# Actions with the council's refs, agreed on 11 Dec 2023 (ref, area, owner, due, title): a paper names them by ref.
WITH_REFS = [
    ("2.1", "2", "A Watson", "22/12/2023", "Audit supervision records"),
    ("2.2", "2", "A Watson", "31/01/2024", "Supervision recording guidance"),
    ("1.1", "1", "C Jones", "29/02/2024", "Plan quality audit"),
]


def test_actions_are_named_by_their_refs_not_ilacs_s_ids(db, tmp_path):
    """Every row that shows an action with a ref shows the ref and never ilacs's id (Markdown, HTML, Word): the
    page-one exceptions and next dates, the BRAG table, the late table and the period."""
    import docx

    ids = {}
    for ref, area, owner, due, title in WITH_REFS:
        ids[title] = ok(
            "add-action", PLAN, "--ref", ref, "--area", area, "--owner", owner, "--due", due, "--on", "11/12/2023",
            title, db=db, strip=True,
        )  # fmt: skip
    ok("update", ids["Supervision recording guidance"], "--status", "in-progress", "--note", "Draft with legal",
       "--on", "19/12/2023", db=db)  # fmt: skip
    assert sorted(ids.values()) != sorted(ref for ref, *_ in WITH_REFS)
    markdown = ok("report", PLAN, "--as-of", AS_OF, db=db)
    page, word = tmp_path / "paper.html", tmp_path / "paper.docx"
    ok("report", PLAN, "-f", "html", "--as-of", AS_OF, "-o", str(page), db=db)
    ok("report", PLAN, "-f", "docx", "--as-of", AS_OF, "-o", str(word), db=db)
    html = page.read_text(encoding="utf-8")
    rows = {
        "markdown": [line for line in markdown.splitlines() if line.startswith("| ")],
        "html": re.findall(r"<tr>.*?</tr>", html),
        "word": [
            "| " + " | ".join(cell.text for cell in row.cells) + " |"
            for table in docx.Document(str(word)).tables
            for row in table.rows
        ],
    }
    for form, found in rows.items():
        for ref, _, _, _, title in WITH_REFS:
            mine = [row for row in found if title in row]
            # Exceptions (the audit is red), next dates (the other two), BRAG table, late table, period (added,
            # and the guidance's update).
            assert len(mine) >= 3, (form, title, mine)
            for row in mine:
                cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", row) if form == "html" else row.strip("|").split("|")
                cells = [cell.strip() for cell in cells]
                assert ref in cells or f"{ref} {title}" in cells, (form, row)
                assert ids[title] not in cells and f"{ids[title]} {title}" not in cells, (form, row)


def test_a_plan_with_no_actions_says_what_is_missing(db, tmp_path):
    text = ok("report", PLAN, "--as-of", "2024-05-01", db=db)
    position = section(text, "The position")
    assert "No actions are recorded for this plan yet" in position and "ilacs add-action east-sussex-2023" in position
    assert "Red 0" not in text and "| Red | 0 |" not in text


# -- printed -------------------------------------------------------------------------


def first_page_holds_the_summary_and_exceptions(page):
    flat = " ".join(page.split())
    assert "Summary and recommendations" in flat and "The plan is broadly on track" in flat, flat[:1500]
    assert "Exceptions: rated red, most late first" in flat
    for _, owner, late in EXCEPTIONS:
        assert owner.split()[-1] in flat and late.split(" ")[0] + " working" in flat, (owner, flat[:3000])
    listed = flat[flat.index("Exceptions: rated red") :]
    assert listed.index("Jones") < listed.index("Watson") < listed.index("Patel")  # most late first
    assert "Next board: not recorded" in flat
    assert "Judgements" not in flat  # the detail starts on page two


@pytest.mark.slow  # chromium prints the paper to PDF
def test_printed_html_page_one_holds_the_summary_and_exceptions(plan, summary, tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("chromium not installed (CI installs it: see .ci/run)")
    page = tmp_path / "board.html"
    ok("report", PLAN, "-f", "html", "--as-of", AS_OF, "--summary", str(summary), "-o", str(page), db=plan)
    pdf = tmp_path / "board.pdf"
    result = run_browser(browser, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert result.returncode == 0 and pdf.exists(), result.stderr[-2000:]
    pages, sizes = pdf_pages(pdf)
    assert set(sizes) == {(595, 842)}
    first_page_holds_the_summary_and_exceptions(pages[0])


@pytest.mark.slow  # LibreOffice starts in about 3 s
def test_word_page_one_holds_the_summary_and_exceptions(plan, summary, tmp_path):
    office = soffice()
    if office is None:
        pytest.skip("LibreOffice not installed (CI installs it: see .ci/run)")
    path = tmp_path / "paper.docx"
    ok("report", PLAN, "-f", "docx", "--as-of", AS_OF, "--summary", str(summary), "-o", str(path), db=plan)
    pages, sizes = pdf_pages(office_to_pdf(office, path, tmp_path))
    assert set(sizes) == {(595, 842)}
    first_page_holds_the_summary_and_exceptions(pages[0])


# Each word (a run of letters and digits) of each table cell whose box is split over two lines, as laid out; a line
# may break at punctuation between words (a hyphen, a slash, a bracket), which breaks no word.
BROKEN_WORDS = r"""(() => {
  const broken = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const found of node.data.matchAll(/[\p{L}\p{N}]+/gu)) {
        const range = document.createRange();
        range.setStart(node, found.index);
        range.setEnd(node, found.index + found[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(found[0]);
      }
    }
  }
  return broken;
})()"""


@pytest.mark.slow  # Chromium over DevTools, axe
def test_html_paper_fits_a_phone_360_px_wide(plan, summary, tmp_path):
    """At 360 px: nothing scrolls sideways, the charts' text stays readable, no word of a table is broken to fit
    (wide tables are stacked, a card per row), and axe finds nothing. The board paper, and West Sussex 2019 (long
    cells, 17 actions); each with its measures' trend charts."""
    from helpers.devtools import axe_script, by_rule

    found = chromium()
    if found is None:
        pytest.skip("chromium not installed (CI installs it: see .ci/run)")
    script = axe_script()
    if script is None:
        pytest.skip("axe-core not fetched: npm is not installed (CI installs it: see .ci/run)")
    today = with_measures(plan)
    ok(
        "measure", "add", PLAN, "Children in care with an up-to-date care plan reviewed within timescale", "--area",
        "3", "--unit", "%", "--baseline", "52", "--baseline-on", "2024-01-31", "--target", "90", "--better", "higher",
        db=plan,
    )  # fmt: skip
    ok("reading", "add", "M3", "61", "--on", "2024-05-31", db=plan)  # a long name: its chart's text is not cut off
    pages = []
    for inspection, as_of in ((PLAN, AS_OF), (PLAN, today), ("west-sussex-2019", "2019-07-01")):
        page = tmp_path / f"{inspection}-{as_of}.html"
        ok("report", inspection, "-f", "html", "--as-of", as_of, "--summary", str(summary), "-o", str(page), db=plan)
        pages.append(page)
    browser = Browser(found, tmp_path / "devtools-profile")
    try:
        for page in pages:
            tab = browser.open("about:blank")
            browser.call(
                "Emulation.setDeviceMetricsOverride", tab, width=360, height=740, deviceScaleFactor=1, mobile=False
            )
            browser.call("Page.navigate", tab, url=page.as_uri())
            for _ in range(200):
                if browser.evaluate(tab, "document.readyState") == "complete":
                    break
            assert browser.evaluate(tab, "window.innerWidth") == 360
            assert browser.evaluate(tab, "document.documentElement.scrollWidth") <= 360, page.name
            # Each chart label's size as drawn: its font size times the scale its SVG draws it at.
            font = browser.evaluate(
                tab,
                "[...document.querySelectorAll('svg.chart text')].map("
                "t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)",
            )
            assert font and min(font) >= 12, (page.name, font)
            cut = browser.evaluate(
                tab,
                "[...document.querySelectorAll('svg.chart text')].filter(t => t.getBoundingClientRect().right > "
                "t.closest('svg.chart').getBoundingClientRect().right + 0.5).map(t => t.textContent)",
            )
            assert cut == [], (page.name, cut)  # an SVG cuts off what runs past its edge
            bars = browser.evaluate(
                tab, "[...document.querySelectorAll('svg.chart rect.bar')].map(r => r.getBoundingClientRect().right)"
            )
            assert bars and max(bars) <= 360, (page.name, bars)
            cells = browser.evaluate(tab, "document.querySelectorAll('td, th').length")
            assert cells > 50 and browser.evaluate(tab, BROKEN_WORDS) == [], page.name
            # A stacked cell names its column; a table of three columns stays a table.
            shown = browser.evaluate(
                tab,
                "[...document.querySelectorAll('tbody td')].filter(c => c.textContent).map(c => "
                "[c.closest('table').querySelector('thead th:nth-child(' + (c.cellIndex + 1) + ')').textContent, "
                "getComputedStyle(c, '::before').content, getComputedStyle(c).display])",
            )
            for header, label, display in shown:
                assert (label, display) in ((f'"{header}: "', "block"), ("none", "table-cell")), (header, label)
            assert {display for _, _, display in shown} == {"block", "table-cell"}
            assert by_rule(browser.axe(tab, script)) == {}, page.name
    finally:
        browser.close()


# -- measures ------------------------------------------------------------------------


def test_measures_against_their_targets_per_area(plan):
    today = with_measures(plan)
    text = ok("report", PLAN, "--as-of", today, db=plan)
    position = section(text, "The position")
    # M1: 76 is 4 short of 80, within its tolerance of 5; M2: 25 is 7 above 18 where lower is better: off target.
    assert "Measures: 0 of 2 on target, 1 within tolerance, 1 off target." in position
    assert "- Off target: M2 Re-referrals within 12 months: 25% against a target of 18%" in position
    measures = section(text, "Measures against their targets")
    assert "| M1 Care plans rated good | 52% | 76% (Mon 30 Sep 2024) | 80% by Mon 31 Mar 2025 | improving: 76% from " \
        "55% | within tolerance |" in measures  # fmt: skip
    assert "| M2 Re-referrals within 12 months | 24% | 25% (Thu 31 Oct 2024) | 18% | worsening: 25% from a " \
        "baseline of 24% | off target |" in measures  # fmt: skip
    assert measures.index("Area 1: ") < measures.index("M1 Care plans") < measures.index("Area 2: ")
    assert (
        "M1 Care plans rated good: baseline 52% (Wed 31 Jan 2024); readings 55% on Sun 30 Jun 2024, 76% on Mon 30 "
        "Sep 2024; target 80% by Mon 31 Mar 2025; improving: 76% from 55%; within tolerance."
    ) in measures


def test_trend_chart_is_an_image_described_by_its_figures(plan, tmp_path):
    today = with_measures(plan)
    page = tmp_path / "paper.html"
    ok("report", PLAN, "-f", "html", "--as-of", today, "-o", str(page), db=plan)
    html = page.read_text(encoding="utf-8")
    trends = re.findall(r'<svg class="chart trend".*?</svg>\n<p>', html, re.S)
    assert len(trends) == 2
    first = trends[0]
    assert 'role="img"' in first and 'aria-describedby="trend-M1-figures"' in first
    assert '<desc id="trend-M1-figures">M1 Care plans rated good: baseline 52% (Wed 31 Jan 2024); readings' in first
    # The baseline and two readings, oldest first, on a line; the target dashed.
    points = re.search(r'<polyline class="readings" points="([^"]+)"', first).group(1).split()
    assert len(points) == 3 and [float(p.split(",")[0]) for p in points] == sorted(
        float(p.split(",")[0]) for p in points
    )
    assert 'class="target"' in first and "stroke-dasharray" in first
