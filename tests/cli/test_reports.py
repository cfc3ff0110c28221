"""`ilacs summary` and `ilacs report` through the real CLI and a real SQLite file; the HTML in a headless browser."""

import csv
import datetime as dt
import io
import json
import os
import re
import stat
from html.parser import HTMLParser

import pytest
from helpers import plans
from helpers.browser import chromium, run_browser
from helpers.cli import ok
from helpers.cli import run_ilacs as ilacs
from helpers.paths import PICTURES
from helpers.plans import HOSTILE, PLAN, REPORT_ACTIONS, copy_of
from helpers.png import png_pixels

AS_OF = "2024-01-10"  # Wed 10 Jan 2024
STATUSES = ["not-started", "in-progress", "blocked", "done", "cancelled"]
OPEN = {"not-started", "in-progress", "blocked"}

ACTIONS = REPORT_ACTIONS  # what this module records, and so what every count is checked against


@pytest.fixture(scope="module")
def plan_template(seeded_template, tmp_path_factory):
    """The seeds plus ACTIONS, each moved to its status by a real status update (built once, copied per test)."""
    return plans.plan_template(seeded_template, tmp_path_factory.mktemp("reports"), ACTIONS)


@pytest.fixture()
def plan(plan_template, tmp_path, backend):
    template, ids = plan_template
    return copy_of(template, tmp_path, backend), ids


def expected(area, as_of):
    """Counts computed here from ACTIONS: by status, % done of those not cancelled (rounded down), overdue."""
    mine = [a for a in ACTIONS if area is None or a[0] == area]
    counts = {status: sum(1 for a in mine if a[4] == status) for status in STATUSES}
    counted = len(mine) - counts["cancelled"]  # none here is unknown (not stated): a council's own plan
    overdue = sum(1 for a in mine if a[4] in OPEN and a[3] < as_of)
    return {
        "not_started": counts["not-started"],
        "in_progress": counts["in-progress"],
        "blocked": counts["blocked"],
        "done": counts["done"],
        "cancelled": counts["cancelled"],
        "total": len(mine),
        "percent_done": (200 * counts["done"] + counted) // (2 * counted) if counted else None,  # half up
        "overdue": overdue,
        "not_stated": 0,
        "rescheduled": 0,  # none given a revised date (ilacs reschedule)
    }


@pytest.mark.parametrize("as_of", [AS_OF, "2023-12-11", "2024-06-01"])
def test_summary_json_counts_what_was_recorded(plan, as_of):
    db, _ = plan
    found = {item["inspection"]: item for item in json.loads(ok("summary", "--as-of", as_of, "--json", db=db))}
    mine = found[PLAN]
    assert mine["as_of"] == as_of
    assert mine["progress"] == expected(None, as_of)
    assert [a["area"] for a in mine["areas"]] == [1, 2, 3]
    for area in mine["areas"]:
        assert area["progress"] == expected(area["area"], as_of), area["area"]
    assert set(mine) == {"inspection", "authority", "as_of", "progress", "areas", "rag"}
    assert set(mine["areas"][0]) == {"area", "area_title", "progress", "rag"}
    # An inspection nobody has added actions to: all zero, and no percentage rather than a made-up one.
    assert found["southend-2019"]["progress"]["total"] == 0
    assert found["southend-2019"]["progress"]["percent_done"] is None


def test_summary_table_and_csv(plan):
    db, _ = plan
    table = ok("summary", "--as-of", AS_OF, "--inspection", PLAN, db=db).splitlines()
    assert table[0] == "Progress as of Wed 10 Jan 2024"
    assert table[1].split() == [
        "inspection",
        "area",
        "not",
        "started",
        "in",
        "progress",
        "blocked",
        "done",
        "cancelled",
        "not",
        "stated",
        "%",
        "done",
        "progress",
        "overdue",
        "re-scheduled",
        "red",
        "amber",
        "green",
        "blue",
    ]
    for area, line in zip([None, 1, 2, 3], table[2:]):
        want = expected(area, AS_OF)
        filled = want["percent_done"] * 20 // 100
        cells = line.split()
        assert cells[-14:-4] == [
            str(want[k]) for k in ("not_started", "in_progress", "blocked", "done", "cancelled", "not_stated")
        ] + [f"{want['percent_done']}%", "#" * filled + "." * (20 - filled), str(want["overdue"]), "0"], line
    rows = list(csv.DictReader(io.StringIO(ok("summary", "--as-of", AS_OF, "--csv", db=db))))
    mine = {row["area"]: row for row in rows if row["inspection"] == PLAN}
    assert set(mine) == {"all", "1", "2", "3"}
    for key, area in (("all", None), ("1", 1), ("2", 2), ("3", 3)):
        want = expected(area, AS_OF)
        assert {k: mine[key][k] for k in want} == {k: "" if v is None else str(v) for k, v in want.items()}


def test_report_markdown_escapes_a_hostile_title(plan):
    from markdown_it import MarkdownIt  # installed with rich

    db, ids = plan
    text = ok("report", PLAN, "--format", "markdown", "--as-of", AS_OF, db=db)
    assert HOSTILE not in text
    # A backslash only where Markdown would read markup: a tag's <, the table's |, *, and brackets making a link.
    escaped = r'\<script>alert("x")\</script> & \<img src=x onerror=alert(1)> \| \*b\* \[l\](javascript:alert(1))'
    assert escaped in text
    rag_row = next(line for line in text.splitlines() if line.startswith(f"| {ids[7]} | 3 |") and escaped in line)
    assert len(re.findall(r"(?<!\\)\|", rag_row)) == 9  # 8 columns: the title's own | did not add one
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in rendered and "<img" not in rendered and 'href="javascript' not in rendered
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in rendered
    # grades with previous grades; deadlines with whether they were met
    assert "| Overall effectiveness | Good | Outstanding |" in text
    assert "open: " in text and "Final action plan to Ofsted" in text


def test_report_html_escapes_a_hostile_title(plan):
    db, _ = plan
    page = ok("report", PLAN, "--format", "html", "--as-of", AS_OF, db=db)
    assert HOSTILE not in page and "<script" not in page and "<img" not in page
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt; | *b* "
        "[l](javascript:alert(1))"
    ) in page
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "@media print" in page
    assert "<link" not in page and "src=" not in page.replace("src=x", "")  # self-contained


def test_report_late_and_rag_follow_the_recorded_plan(plan):
    db, ids = plan
    text = ok("report", PLAN, "--as-of", AS_OF, db=db)
    late_section = text.split("## Late, and who owns it")[1].split("## Status updates")[0]
    late = {
        ACTIONS[i][1]: ACTIONS[i][2] for i in range(len(ACTIONS)) if ACTIONS[i][4] in OPEN and ACTIONS[i][3] < AS_OF
    }
    assert len(late) == 3
    for title, owner in late.items():
        line = next(line for line in late_section.splitlines() if line.startswith(f"| {owner} |"))
        assert f"| {ids[[a[1] for a in ACTIONS].index(title)]} |" in line
    assert "Plan template refresh" not in late_section and "Supervision audit" not in late_section
    assert "action added" not in late_section  # the owner's latest words only: not ilacs's own note (issue 29)
    rag = json.loads(ok("export", PLAN, "--format", "json", "--as-of", AS_OF, db=db))
    colours = ("red", "amber", "green", "blue")
    counts = {colour: sum(1 for row in rag if row["rag"] == colour) for colour in colours}
    assert counts["red"] == sum(1 for a in ACTIONS if a[4] in OPEN and (a[4] == "blocked" or a[3] < AS_OF)) == 3
    assert counts["blue"] == sum(1 for a in ACTIONS if a[4] == "done")
    assert f"Red {counts['red']}, amber {counts['amber']}, green {counts['green']}, blue {counts['blue']}." in text


def test_output_file_mode_0600_and_no_overwrite_without_force(plan, tmp_path):
    db, _ = plan
    target = tmp_path / "board.html"
    ok("report", PLAN, "-f", "html", "--as-of", AS_OF, "-o", str(target), db=db)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    first = target.read_text()
    assert first.startswith("<!DOCTYPE html>")
    refused = ilacs("report", PLAN, "--as-of", "2024-01-31", "-o", str(target), db=db)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "--force" in refused.stderr
    assert target.read_text() == first
    ok("report", PLAN, "--as-of", "2024-01-31", "-o", str(target), "--force", db=db)
    assert target.read_text().startswith("<!DOCTYPE html>") and "31 Jan 2024" in target.read_text()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_since_filters_status_updates_by_the_day_they_describe(plan):
    db, _ = plan
    today = dt.datetime.now(dt.UTC).date()  # the updates were typed today, describing 11 Dec 2023 (--on)
    as_of = (today + dt.timedelta(days=2)).isoformat()

    def updates(since):
        text = ok("report", PLAN, "--as-of", as_of, "--since", since, db=db)
        section = text.split("## Status updates and corrections from")[1].splitlines()
        return [line for line in section if line.startswith("| ") and not line.startswith("| Day |")]

    described = updates("2023-12-11")
    moved = [a for a in ACTIONS if a[4] != "not-started"]
    assert len(described) == len(ACTIONS) + len(moved)  # "action added" for each, then each status change
    assert sum("moved to" in line for line in described) == len(moved)
    assert all(line.startswith("| Mon 11 Dec 2023 |") for line in described)
    assert updates("2023-12-12") == [] and updates(today.isoformat()) == []  # typed today, but not about today
    later = ilacs("report", PLAN, "--as-of", AS_OF, "--since", as_of, db=db)
    assert later.returncode == 2 and "--since" in later.stderr and later.stdout == ""


def test_unknown_inspection_and_format(plan):
    db, _ = plan
    missing = ilacs("report", "nowhere-2030", db=db)
    assert missing.returncode == 1 and "known inspections are" in missing.stderr
    bad = ilacs("report", PLAN, "--format", "pdf", db=db)
    assert bad.returncode == 2 and "markdown, html" in bad.stderr


# -- a real browser -----------------------------------------------------------------


class Bars(HTMLParser):
    """The chart's bars: (area label, status, count) of every <rect class="bar"> inside <svg class="chart">."""

    def __init__(self):
        super().__init__()
        self.area = None
        self.bars = []
        self.tags = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "g" and "data-area" in attrs:
            self.area = attrs["data-area"]
        if tag == "rect" and attrs.get("class") == "bar":
            self.bars.append((self.area, attrs["data-status"], int(attrs["data-count"]), float(attrs["width"])))


@pytest.mark.slow  # two headless chromium runs
def test_html_report_renders_in_a_real_browser(plan, tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("chromium not installed (CI installs it: see .ci/run)")
    db, _ = plan
    page = tmp_path / "board.html"
    ok("report", PLAN, "-f", "html", "--as-of", AS_OF, "-o", str(page), db=db)

    dom = run_browser(browser, tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<svg" in dom.stdout and "Action plan progress: East Sussex County Council" in dom.stdout
    bars = Bars()
    bars.feed(dom.stdout)
    assert "script" not in bars.tags and "img" not in bars.tags  # the hostile title stayed text
    for area in (1, 2, 3):
        want = expected(area, AS_OF)
        drawn = {status: count for label, status, count, _ in bars.bars if label == f"Area {area}"}
        assert drawn == {s: want[s.replace("-", "_")] for s in STATUSES if want[s.replace("-", "_")]}, area
    assert all(width > 0 for *_, width in bars.bars)

    shot = tmp_path / "board.png"
    # Tall enough to reach the chart below page one's position (issue 29).
    result = run_browser(browser, tmp_path, f"--screenshot={shot}", "--window-size=1000,3000", page.as_uri())
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    width, height, rows = png_pixels(shot)
    assert (width, height) == (1000, 3000)
    seen = {}
    for row in rows:
        for pixel in row:
            seen[pixel] = seen.get(pixel, 0) + 1
    white = seen.get((255, 255, 255), 0)
    assert white < width * height * 0.97, "the page looks blank"

    # Area 2's bar, as recorded: done 2, in progress 1, blocked 1, painted in that order and proportion, each
    # segment apart from the next by a white gap (WCAG 1.4.11: neighbours are not told apart by colour alone).
    colours = {
        "done": (0x00, 0x70, 0x3C),
        "in-progress": (0x1D, 0x70, 0xB8),
        "blocked": (0xD4, 0x35, 0x1C),
        "gap": (255, 255, 255),
    }
    want = expected(2, AS_OF)
    recorded = (want["done"], want["in_progress"], want["blocked"], want["not_started"], want["cancelled"])
    assert recorded == (2, 1, 1, 0, 0)
    found = [
        runs[i : i + 5]
        for runs in (colour_runs(row, colours, shortest=1) for row in rows)
        for i in range(len(runs) - 4)
        if [name for name, _ in runs[i : i + 5]] == ["done", "gap", "in-progress", "gap", "blocked"]
    ]
    assert found, "no row of the screenshot shows area 2's stacked bar"
    (_, done), (_, gap), (_, in_progress), (_, other_gap), (_, blocked) = found[0]
    assert abs(done - 2 * in_progress) <= 6 and abs(in_progress - blocked) <= 5 and in_progress > 50
    assert 2 <= gap <= 5 and 2 <= other_gap <= 5


def colour_runs(row, colours, shortest=2):
    """The row's runs of the named colours (within 4 of each channel), left to right; None for any other colour.

    Runs of `shortest` pixels or fewer (anti-aliased edges) are dropped."""
    runs = []
    for pixel in row:
        name = next((n for n, c in colours.items() if all(abs(p - q) <= 4 for p, q in zip(pixel, c))), None)
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    merged = []
    for name, length in runs:
        if length <= shortest:
            continue
        if merged and merged[-1][0] == name:
            merged[-1][1] += length
        else:
            merged.append([name, length])
    return [tuple(run) for run in merged]


# Each heading, and what opens its section (a table's header row, or the sentence in its place): a printed page
# holding the heading holds that too.
HEADINGS = {
    "Judgements": "Previous grade",
    "Deadlines": "Outcome",
    "Progress by area for improvement": "Area 1:",
    "RAG rating": "Lead officer",
    "Late, and who owns it": "Owner",
    "Status updates and corrections from": "Action or deadline",  # issue 29: by the day described
}


def print_to_pdf(browser, tmp_path, page):
    pdf = tmp_path / (page.stem + ".pdf")
    result = run_browser(browser, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert result.returncode == 0 and pdf.exists(), result.stderr[-2000:]
    return pdf


@pytest.mark.slow  # chromium prints the paper to PDF
def test_printed_paper_keeps_headings_with_their_tables_and_numbers_its_pages(plan, tmp_path):
    from helpers.office import pdf_pages

    browser = chromium()
    if browser is None:
        pytest.skip("chromium not installed (CI installs it: see .ci/run)")
    db, ids = plan
    for n in range(1, 25):  # enough actions that the RAG table runs over pages
        ok(
            "add-action",
            PLAN,
            "--on",
            "11/12/2023",
            "--area",
            str(1 + n % 3),
            "--owner",
            "E Green",
            "--due",
            "2024-03-29",
            f"Follow-up action {n:02d} on practice standards",
            db=db,
        )
    page = tmp_path / "board.html"
    ok("report", PLAN, "-f", "html", "--as-of", AS_OF, "-o", str(page), db=db)
    pdf = print_to_pdf(browser, tmp_path, page)
    pages, sizes = pdf_pages(pdf)
    assert set(sizes) == {(595, 842)}  # A4 portrait
    if os.environ.get("ILACS_PICTURES") == "1":  # the README's picture of the paper's first page (60 dots an inch)
        import subprocess

        pictures = PICTURES
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-png",
                "-singlefile",
                str(pdf),
                str(pictures / "board-paper"),
            ],
            check=True,
        )
    # Measured: 4 pages, the last ending with the sources, notes and inferences (issue 18). Before issue 15, "RAG
    # rating" and its paragraph sat at the foot of page 1 with its table on page 2, and Chromium's own header and
    # footer named the file.
    # Issue 29: page one is the position, and the detail starts on page two: 6 pages.
    assert len(pages) == 6
    for number, text in enumerate(pages, 1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[-1].endswith(f"Page {number} of 6"), lines[-1]
        assert lines[-1].startswith("Action plan progress: East Sussex County Council, as of Wed 10 Jan 2024")
        body = "\n".join(lines[:-1])
        for heading, opening in HEADINGS.items():
            if f"\n{heading}" in body:
                assert opening in body.split(f"\n{heading}")[1], (number, heading)
        assert not lines[-2].startswith(("Deadlines overdue:", "Actions overdue")), (number, lines[-3:])
    text = "\n".join(pages)
    assert "Not rated" in text and "1 cancelled action is not rated" in text
    assert "Short inspection, 11-15 Dec 2023; report published Tue 6 Feb 2024." in text
    assert "seed:" not in text and ".txt" not in text and "kind " not in text and "east-sussex-2023" not in text
    assert "In progress" in text and not re.search(r"\bIn\s*\n\s*progress", text)  # statuses never wrap


def test_inspections_whose_fieldwork_starts_the_same_day_are_listed_by_id_on_both_backends(db, tmp_path):
    """Ids break the tie (issue 31): the order of rows with equal sort keys is each database's own, and SQLite and
    PostgreSQL listed such inspections differently. Two more inspections with southend-2019's fieldwork start,
    seeded in the reverse of their ids' order, come out by id around it."""
    from helpers.paths import SEEDS

    text = (SEEDS / "southend-2019.toml").read_text(encoding="utf-8")
    assert text.count('id = "southend-2019"') == 1 and 'fieldwork_start = "2019-07-15"' in text
    for name in ("zz-southend-2019", "aa-southend-2019"):
        path = tmp_path / f"{name}.toml"
        path.write_text(text.replace('id = "southend-2019"', f'id = "{name}"'), encoding="utf-8")
        ok("seed", str(path), db=db)
    rows = list(csv.DictReader(io.StringIO(ok("summary", "--csv", db=db))))
    tied = [row["inspection"] for row in rows if row["inspection"].endswith("southend-2019") and row["area"] == "all"]
    assert tied == ["aa-southend-2019", "southend-2019", "zz-southend-2019"]
    listed = [line.split()[0] for line in ok("list", db=db).splitlines() if "southend-2019" in line]
    assert listed == ["aa-southend-2019", "southend-2019", "zz-southend-2019"]
