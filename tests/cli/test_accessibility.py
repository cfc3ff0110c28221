"""Papers a council may publish, checked against WCAG 2.2 AA (issue 19).

axe-core in the Chromium the other tests use, on the HTML paper of two inspections (as on screen and as printed) and
on a reminder's HTML part captured from a real SMTP server: no violation of any WCAG 2.x A/AA rule or best practice.
Then what axe cannot judge: captions, scope and row headers; the chart's colours against the page (computed here from
WCAG's formula) and the gaps between its segments, on screen and in print; the chart's figures in words (HTML,
Markdown, Word); the workbook's and the Word paper's properties and structure, read back with openpyxl and
python-docx.
"""

import datetime as dt
import os
import re
from html import unescape as html_unescape
from html.parser import HTMLParser

import pytest
from helpers import plans
from helpers.browser import chromium, run_browser
from helpers.cli import ok
from helpers.cli import run_ilacs as ilacs
from helpers.devtools import AXE_VERSION, Browser, axe_script, by_rule
from helpers.paths import PICTURES
from helpers.plans import REPORT_ACTIONS, WATSON, copy_of

PLAN = "east-sussex-2023"
NO_JUDGEMENTS = "west-sussex-2019"  # seeded with no judgements recorded, and 17 actions in no area
AS_OF = "2024-01-10"  # Wed 10 Jan 2024
# The plan test_reports records (REPORT_ACTIONS: seven actions in areas 1 and 2, and one with a hostile title in
# area 3); the sentences below are counted by hand from it.
IN_WORDS = [
    "Area 1: 1 of 2 done (50%), 1 overdue, 1 cancelled; not done: 1 not started.",
    "Area 2: 2 of 4 done (50%), 1 overdue; not done: 1 in progress, 1 blocked.",
    "Area 3: 0 of 1 done (0%), 1 overdue; not done: 1 in progress.",
]


@pytest.fixture(scope="module")
def plan_template(seeded_template, tmp_path_factory):
    """The board paper's plan, and A Watson's address for the reminder (built once, copied per test)."""
    db, _ = plans.plan_template(
        seeded_template,
        tmp_path_factory.mktemp("accessibility"),
        REPORT_ACTIONS,
        owners=[("A Watson", "--email", WATSON, "--authority", PLAN)],
    )
    return db


@pytest.fixture()
def plan(plan_template, tmp_path, backend):
    return copy_of(plan_template, tmp_path, backend)


def paper(db, tmp_path, inspection, form="html"):
    path = tmp_path / f"{inspection}.{form}"
    ok("report", inspection, "-f", form, "--as-of", AS_OF, "-o", str(path), "--force", db=db)
    return path


# -- WCAG's formulas, written out here (not taken from ilacs) ------------------------


def luminance(colour):
    """Relative luminance of '#rrggbb' or 'rgb(r, g, b)' (WCAG 2.2, 'relative luminance')."""
    if colour.startswith("#"):
        channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        channels = [int(n) for n in re.findall(r"\d+", colour)[:3]]
    linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one, other="#ffffff"):
    lighter, darker = sorted([luminance(one), luminance(other)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_formula_gives_wcag_s_own_figures():
    assert round(contrast("#000000"), 2) == 21.0 and round(contrast("#767676"), 2) == 4.54  # WCAG's examples
    assert round(contrast("rgb(0, 112, 60)"), 2) == 6.21


# -- structure that axe does not require ---------------------------------------------


class Structure(HTMLParser):
    """Each table's caption, column headers' scope, and per body row the row headers' scope; the SVG chart's rects."""

    def __init__(self):
        super().__init__()
        self.tables, self.rects, self.stack, self.text = [], [], [], []
        self.chart, self.desc, self.in_desc = None, "", False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.stack.append(tag)
        if tag == "table":
            self.tables.append({"caption": "", "columns": [], "rows": []})
        elif tag == "tr" and "tbody" in self.stack:
            self.tables[-1]["rows"].append([])
        elif tag == "th" and "thead" in self.stack:
            self.tables[-1]["columns"].append(attrs.get("scope"))
        elif tag == "th" and "tbody" in self.stack:
            self.tables[-1]["rows"][-1].append(attrs.get("scope"))
        elif tag == "svg" and self.chart is None:  # the chart itself, not the bars' nested SVG
            self.chart = attrs
        elif tag == "rect":
            self.rects.append(attrs)
        elif tag == "desc":
            self.in_desc = True

    def handle_endtag(self, tag):
        self.stack.pop()
        self.in_desc = self.in_desc and tag != "desc"

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "caption":
            self.tables[-1]["caption"] += data
        if self.in_desc:
            self.desc += data


def structure(path):
    found = Structure()
    found.feed(path.read_text(encoding="utf-8"))
    return found


def test_every_table_is_captioned_scoped_and_has_rows(plan, tmp_path):
    for inspection in (PLAN, NO_JUDGEMENTS):
        page = paper(plan, tmp_path, inspection)
        found = structure(page)
        # deadlines, progress and the plan at least (updates only when some fall in the paper's weeks)
        assert len(found.tables) >= 3, inspection
        for table in found.tables:
            assert table["caption"].strip(), table
            assert table["columns"] and set(table["columns"]) == {"col"}, table
            assert table["rows"], f"{inspection}: a table with a header and no rows ({table['caption']})"
        # Each row of these is named by one of its cells, a row header.
        named = [t for t in found.tables if t["caption"] != "Status updates and corrections"]
        assert all(row == ["row"] for table in named for row in table["rows"]), inspection
    text = paper(plan, tmp_path, NO_JUDGEMENTS).read_text(encoding="utf-8")
    assert "No judgements recorded." in text and "Judgements at this inspection" not in text
    assert text.count("<main>") == 1 and text.count("<h1>") == 1


def test_chart_fills_stand_out_from_the_page_and_its_figures_are_in_words(plan, tmp_path):
    found = structure(paper(plan, tmp_path, PLAN))
    fills = {rect["fill"] for rect in found.rects}
    assert len(fills) == 5  # one per status, each in the bars or the key
    for fill in fills:  # WCAG 1.4.11: at least 3:1 against the white page
        assert contrast(fill) >= 3, (fill, round(contrast(fill), 2))
    assert all(rect.get("stroke") is None for rect in found.rects)  # no border needed: every fill stands out
    # The chart is one image, named, and described by its figures (the same sentences as the Markdown paper).
    assert found.chart["role"] == "img" and found.chart["aria-describedby"] == "chart-figures"
    assert found.desc == " ".join(IN_WORDS)
    # Neighbouring segments of a bar are apart (a white gap), so no two are told apart by colour alone.
    bars = {}
    for rect in found.rects:
        if rect.get("class") == "bar":
            bars.setdefault(rect["y"], []).append((float(rect["x"]), float(rect["width"])))
    assert sorted(len(segments) for segments in bars.values()) == [1, 3, 3]
    for segments in bars.values():
        for (x, width), (next_x, _) in zip(segments, segments[1:]):
            assert next_x - (x + width) >= 2, segments


def test_markdown_chart_is_followed_by_its_figures_in_words(plan):
    text = ok("report", PLAN, "--as-of", AS_OF, db=plan)
    chart = text.split("```text\n")[1]
    assert "In words:\n\n" + "\n".join(f"- {line}" for line in IN_WORDS) + "\n" in chart


def test_word_paper_headings_tables_title_and_language(plan, tmp_path):
    import docx
    from docx.oxml.ns import qn

    path = paper(plan, tmp_path, PLAN, "docx")
    document = docx.Document(str(path))
    properties = document.core_properties
    assert properties.title == "Action plan progress: East Sussex County Council"
    # The author is whoever made the paper (--by, ILACS_USER or the login: tests/cli/test_word_print.py), not the
    # template's python-docx.
    assert properties.language == "en-GB" and properties.author not in ("", "python-docx")
    language = (
        document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    )
    assert language.get(qn("w:val")) == "en-GB"
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == ("Heading 1", "Action plan progress: East Sussex County Council")
    assert [name for name, _ in headings[1:]] == ["Heading 2"] * 12
    assert headings[-1] == ("Heading 2", "Sources, notes and inferences")  # issue 18
    assert [text for _, text in headings[1:10]] == [  # page one, the position (issue 29), then the detail
        "Summary and recommendations",
        "The position",
        "Exceptions: rated red, most late first",
        "Re-scheduled since Mon 11 Dec 2023",
        "Next deadlines and board",
        "Judgements",
        "Deadlines",
        "Progress by area for improvement",
        "BRAG rating",  # BRAG by default (issue 28)
    ]
    assert not any(
        p.style.name == "Title" or (p.runs and all(r.bold for r in p.runs) and not p.style.name.startswith("Heading"))
        for p in document.paragraphs
    )  # no heading made of bold text
    # Page one's ratings, exceptions and next dates; judgements, deadlines, progress, RAG, late actions, the period.
    assert len(document.tables) == 9
    for table in document.tables:
        header = table.rows[0]._tr
        assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])
        assert table._tbl.tblPr.find(qn("w:tblCaption")).get(qn("w:val"))
    rag = document.tables[6]
    assert [cell.text for cell in rag.rows[0].cells][-2:] == ["Status", "BRAG"]
    # BRAG by default (issue 28): the three done actions are blue, the one on track green.
    assert sorted(row.cells[-1].text for row in rag.rows[1:]) == [
        "Blue",
        "Blue",
        "Blue",
        "Green",
        "Not rated",
        "Red",
        "Red",
        "Red",
    ]
    words = [p.text for p in document.paragraphs]
    assert all(sentence in words for sentence in IN_WORDS)


def test_word_paper_goes_to_a_pipe_as_a_zip_file(plan):
    out = ilacs("report", PLAN, "-f", "docx", "--as-of", AS_OF, db=plan)  # stdout is not a terminal here
    assert out.returncode == 0 and out.stdout.startswith("PK")


def test_workbook_title_language_sheet_names_and_tables(plan, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "plan.xlsx"
    ok("export", PLAN, "-f", "xlsx", "--as-of", AS_OF, "-o", str(path), db=plan)
    book = load_workbook(path)
    properties = book.properties
    assert (properties.title, properties.language, properties.creator) == (
        "East Sussex County Council: action plan",
        "en-GB",
        "ilacs",
    )
    assert properties.subject == "Ofsted ILACS inspection action plan, as of Wed 10 Jan 2024"
    assert book.sheetnames == ["Summary", "East Sussex 2023 plan", "Areas", "Updates", "Key"]
    for sheet in book.worksheets:
        ((name, ref),) = sheet.tables.items()  # one defined table, over the header row and every row
        assert ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{max(sheet.max_row, 2)}", sheet.title
        assert sheet.tables[name].headerRowCount in (None, 1) and not sheet.auto_filter.ref
        assert sheet.print_title_rows == "$1:$1"  # the print setup kept
    plan_sheet = book["East Sussex 2023 plan"]
    headers = [cell.value for cell in plan_sheet[1]]
    assert sorted(row[headers.index("RAG")] for row in plan_sheet.iter_rows(min_row=2, values_only=True)) == [
        "Blue",
        "Blue",
        "Blue",
        "Green",
        "Not rated",
        "Red",
        "Red",
        "Red",
    ]  # the RAG in words beside its fill
    everything = tmp_path / "all.xlsx"
    ok("export", "-f", "xlsx", "--as-of", AS_OF, "-o", str(everything), db=plan)
    book = load_workbook(everything)
    assert book.properties.title == "Action plans" and "Telford Wrekin 2024 plan" in book.sheetnames
    assert all(len(name) <= 31 for name in book.sheetnames)
    # The tool's own export still reads back: this plan's sheet found by its name in words.
    out = ilacs("import", str(everything), "--inspection", PLAN, "--dry-run", db=plan)
    assert out.returncode == 0 and "8 unchanged" in out.stdout, out.stderr
    assert "read sheet 'East Sussex 2023 plan'" in out.stderr


# -- axe-core in Chromium ------------------------------------------------------------


def browser_and_axe(tmp_path):
    found = chromium()
    if found is None:
        pytest.skip("chromium not installed (CI installs it: see .ci/run)")
    script = axe_script()
    if script is None:
        pytest.skip(f"axe-core {AXE_VERSION} not fetched: npm is not installed (CI installs it: see .ci/run)")
    return Browser(found, tmp_path / "devtools-profile"), script


CHART = """[...document.querySelectorAll('svg.chart rect')].map(r => {
  const box = r.getBoundingClientRect();
  return {bar: r.classList.contains('bar'), fill: getComputedStyle(r).fill, x: box.x, y: box.y, width: box.width};
})"""


TREND_LINES = """[...document.querySelectorAll('svg.trend polyline, svg.trend line')].map(l => ({
  stroke: getComputedStyle(l).stroke, width: parseFloat(getComputedStyle(l).strokeWidth)}))"""


@pytest.mark.slow  # Chromium, axe on two pages
def test_paper_with_measures_passes_axe_and_its_trend_lines_stand_out(plan, tmp_path):
    """Issue 29: the measures' trend charts (a line of readings, the target dashed) on screen and in print."""
    ok(
        "measure", "add", PLAN, "Care plans rated good", "--area", "1", "--unit", "%", "--baseline", "52",
        "--baseline-on", "2024-01-31", "--target", "80", "--better", "higher", db=plan,
    )  # fmt: skip
    ok("reading", "add", "M1", "61", "--on", "2024-06-30", db=plan)
    today = dt.datetime.now(dt.UTC).date().isoformat()  # the reading was recorded today
    path = tmp_path / "measures.html"
    ok("report", PLAN, "-f", "html", "--as-of", today, "-o", str(path), db=plan)
    browser, script = browser_and_axe(tmp_path)
    try:
        for media in ("screen", "print"):
            tab = browser.open(path.as_uri(), media)
            assert by_rule(browser.axe(tab, script)) == {}, media
            lines = browser.evaluate(tab, TREND_LINES)
            assert len(lines) == 2, lines  # the readings and the target
            for line in lines:  # WCAG 1.4.11: a graphic's lines at least 3:1 against the white page
                assert contrast(line["stroke"]) >= 3 and line["width"] >= 2, (media, line)
    finally:
        browser.close()


def test_word_trend_pictures_lines_stand_out_from_the_page(plan, tmp_path):
    """Issue 29: the Word paper's trend pictures, read back pixel by pixel: every colour that draws a line or text
    (more than a trace of antialiasing) at least 3:1 against the white page, the readings' line among them, and
    each picture described by the same words as the HTML chart."""
    import zipfile

    import docx
    from helpers.png import png_pixels

    today = plans.with_measures(plan)
    path = tmp_path / "measures.docx"
    ok("report", PLAN, "-f", "docx", "--as-of", today, "-o", str(path), db=plan)
    page = tmp_path / "measures.html"
    ok("report", PLAN, "-f", "html", "--as-of", today, "-o", str(page), db=plan)
    described = re.findall(r'<desc id="trend-M\d-figures">([^<]*)</desc>', page.read_text(encoding="utf-8"))
    pictures = docx.Document(str(path)).inline_shapes
    assert [p._inline.docPr.get("descr") for p in pictures] == [html_unescape(d) for d in described]
    assert len(described) == 2
    with zipfile.ZipFile(path) as package:
        media = sorted(name for name in package.namelist() if name.startswith("word/media/"))
        for number, name in enumerate(media):
            (tmp_path / f"trend{number}.png").write_bytes(package.read(name))
    assert len(media) == 2
    for number in range(len(media)):
        width, height, rows = png_pixels(tmp_path / f"trend{number}.png")
        counts = {}
        for row in rows:
            for pixel in row:
                counts[pixel] = counts.get(pixel, 0) + 1
        drawn = {pixel: n for pixel, n in counts.items() if pixel != (255, 255, 255) and n >= width * height / 400}
        assert len(drawn) >= 2, sorted(counts.items(), key=lambda item: -item[1])[:5]
        for pixel in drawn:  # WCAG 1.4.11
            assert contrast(f"rgb{pixel}") >= 3, (pixel, round(contrast(f"rgb{pixel}"), 2))
        assert any(b > r + 60 for r, _, b in drawn), drawn  # the readings' blue line, not only the dark target


@pytest.mark.slow  # Chromium, axe on four pages
def test_html_paper_passes_axe_on_screen_and_in_print(plan, tmp_path):
    browser, script = browser_and_axe(tmp_path)
    try:
        for inspection in (PLAN, NO_JUDGEMENTS):
            url = paper(plan, tmp_path, inspection).as_uri()
            for media in ("screen", "print"):
                tab = browser.open(url, media)
                assert by_rule(browser.axe(tab, script)) == {}, (inspection, media)
                rects = browser.evaluate(tab, CHART)
                assert rects and all(contrast(rect["fill"]) >= 3 for rect in rects), (inspection, media)
                rows = {}
                for rect in rects:
                    if rect["bar"]:
                        rows.setdefault(rect["y"], []).append(rect)
                for bar in rows.values():  # a white gap of at least 2 pixels between neighbours, as laid out
                    bar.sort(key=lambda rect: rect["x"])
                    assert all(b["x"] - (a["x"] + a["width"]) >= 2 for a, b in zip(bar, bar[1:])), (media, bar)
    finally:
        browser.close()


@pytest.mark.slow  # Chromium, axe, a real SMTP server
def test_reminder_email_passes_axe(plan, tmp_path, smtp_server):
    mailbox, env = smtp_server
    browser, script = browser_and_axe(tmp_path)
    out = ilacs("remind", "--send", "--as-of", AS_OF, "--inspection", PLAN, db=plan, env=env)
    assert out.returncode == 0, out.stderr
    ((recipients, message),) = [(to, m) for to, m in mailbox.messages if to == ["a.watson@council.example.gov.uk"]]
    page = message.get_body(("html",)).get_content()
    assert page.count("<h1") == 1 and "Action plan reminder for A Watson, Wed 10 Jan 2024</h1>" in page
    assert "<main" in page and "<code" in page and "`" not in page
    html = tmp_path / "reminder.html"
    html.write_text(page, encoding="utf-8")
    try:
        tab = browser.open(html.as_uri())
        assert by_rule(browser.axe(tab, script)) == {}
    finally:
        browser.close()
    found = structure(html)
    assert found.tables and all(
        t["caption"].strip() and set(t["columns"]) == {"col"} and all(row == ["row"] for row in t["rows"])
        for t in found.tables
    )
    if os.environ.get("ILACS_PICTURES") == "1":  # the README's picture of a reminder
        PICTURES.mkdir(exist_ok=True)
        shot = run_browser(
            chromium(), tmp_path, f"--screenshot={PICTURES / 'reminder.png'}", "--window-size=760,320", html.as_uri()
        )
        assert shot.returncode == 0, shot.stderr[-2000:]


@pytest.mark.slow  # Chromium, axe, a real SMTP server
def test_coordinators_email_with_the_plans_exceptions_passes_axe(db, tmp_path, smtp_server):
    """Issue 29: the coordinator's digest with its exceptions: an overdue action, a blocked one and a measure off
    target (its own table, headed in words, each row named by its measure)."""
    mailbox, env = smtp_server
    khan = "b.khan@council.example.gov.uk"
    ok("owner", "add", "B Khan", "--email", khan, "--coordinator", plans.PLAN, db=db)
    ok("add-action", plans.PLAN, "--area", "2", "--owner", "A Watson", "--due", "22/12/2023", "--on", "11/12/2023",
       "Audit supervision records", db=db)  # fmt: skip
    blocked = ok("add-action", plans.PLAN, "--area", "3", "--owner", "D Patel", "--due", "30/06/2024", "--on",
                 "11/12/2023", "Neglect toolkit", db=db).strip()  # fmt: skip
    ok("update", blocked, "--status", "blocked", "--on", "20/12/2023", db=db)
    ok("measure", "add", plans.PLAN, "Supervision within 4 weeks", "--area", "2", "--unit", "%", "--baseline", "40",
       "--baseline-on", "01/11/2023", "--target", "80", "--better", "higher", db=db)  # fmt: skip
    ok("reading", "add", "M1", "50", "--on", "30/11/2023", db=db)
    browser, script = browser_and_axe(tmp_path)
    out = ilacs("remind", "--send", "--as-of", "06/01/2032", "--inspection", plans.PLAN, db=db, env=env)
    assert out.returncode == 0, out.stderr
    ((_, message),) = [(to, m) for to, m in mailbox.messages if to == [khan]]
    page = message.get_body(("html",)).get_content()
    assert "Overdue and blocked actions in plans you coordinate" in page and "Supervision within 4 weeks" in page
    html = tmp_path / "coordinator.html"
    html.write_text(page, encoding="utf-8")
    try:
        tab = browser.open(html.as_uri())
        assert by_rule(browser.axe(tab, script)) == {}
    finally:
        browser.close()
    found = structure(html)
    assert len(found.tables) >= 3 and all(
        t["caption"].strip() and set(t["columns"]) == {"col"} and all(row == ["row"] for row in t["rows"])
        for t in found.tables
    )
