"""The Word paper as a council prints it (issue 29): made by `ilacs report -f docx`, converted to PDF by LibreOffice
Writer headless and read back with poppler: A4 portrait pages, a plausible page count, no word of a table broken
across lines (every column at least as wide as its longest word), text of 10 pt or more, headings not in Word's
blue, and document properties that are true (who made it, when, what it is; nothing of python-docx's template)."""

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from helpers import plans
from helpers.cli import ok
from helpers.office import office_to_pdf, pdf_pages, soffice
from helpers.plans import REPORT_ACTIONS, copy_of

PLAN = "east-sussex-2023"
AS_OF = "2024-01-10"  # Wed 10 Jan 2024
A4_PORTRAIT = (595, 842)  # points
TITLE = "Action plan progress: East Sussex County Council"


@pytest.fixture(scope="module")
def plan_template(seeded_template, tmp_path_factory):
    db, _ = plans.plan_template(seeded_template, tmp_path_factory.mktemp("word"), REPORT_ACTIONS)
    return db


@pytest.fixture()
def plan(plan_template, tmp_path, backend):
    return copy_of(plan_template, tmp_path, backend)


def writer():
    """LibreOffice with its Writer (a Calc-only install cannot open a .docx), or the test skips saying why."""
    found = soffice()
    if found is None:
        pytest.skip("LibreOffice not installed (CI installs libreoffice-writer-nogui: see .ci/run)")
    program = Path(shutil.which(found) or found).resolve().parent
    if not any(program.glob("libswlo.so")) and not any(program.glob("swriter*")):
        pytest.skip("LibreOffice Writer not installed (libreoffice-writer-nogui; CI installs it: see .ci/run)")
    return found


def word_paper(db, tmp_path, *args):
    path = tmp_path / "paper.docx"
    ok("report", PLAN, "-f", "docx", "--as-of", AS_OF, "-o", str(path), "--force", *args, db=db)
    return path


def test_word_paper_page_text_size_headings_and_properties(plan, tmp_path):
    import docx

    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    path = word_paper(plan, tmp_path, "--by", "Board Secretary")
    after = dt.datetime.now(dt.UTC)
    document = docx.Document(str(path))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert [round(m.cm, 2) for m in (section.left_margin, section.right_margin)] == [2.0, 2.0]
    assert [round(m.cm, 2) for m in (section.top_margin, section.bottom_margin)] == [2.0, 2.0]
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name).decode("utf-8") for name in package.namelist() if name.endswith(".xml")}
        names = package.namelist()
    # Text of 10 pt or more: every size in the body and footer, and of every style they use.
    shown = [xml for name, xml in parts.items() if name == "word/document.xml" or name.startswith("word/footer")]
    sizes = [int(size) / 2 for xml in shown for size in re.findall(r'<w:sz(?:Cs)? w:val="(\d+)"', xml)]
    used = {p.style.name for p in document.paragraphs} | {p.style.name for p in section.footer.paragraphs}
    assert used >= {"Normal", "Heading 1", "Heading 2", "List Bullet"}
    sizes += [document.styles[name].font.size.pt for name in used if document.styles[name].font.size is not None]
    assert sizes and min(sizes) >= 10, sorted(set(sizes))
    assert document.styles["Normal"].font.size.pt == 10
    # No theme colour or theme font left in a style: Word's default blue headings and Calibri are gone.
    styles = parts["word/styles.xml"]
    for name, size in (("Heading 1", 14), ("Heading 2", 11.5)):
        font = document.styles[name].font
        assert (font.name, font.size.pt, font.bold, str(font.color.rgb)) == ("Arial", size, True, "0B0C0C")
    heading_styles = [block for block in styles.split("<w:style ") if 'w:styleId="Heading1"' in block]
    assert "themeColor" not in heading_styles[0] and "asciiTheme" not in heading_styles[0]
    assert "asciiTheme" not in styles
    properties = document.core_properties
    assert (properties.title, properties.author, properties.last_modified_by) == (
        TITLE,
        "Board Secretary",
        "Board Secretary",
    )
    assert properties.subject == "Ofsted ILACS inspection action plan: progress, as of Wed 10 Jan 2024"
    assert before <= properties.created.replace(tzinfo=dt.UTC) <= after and properties.modified == properties.created
    assert (properties.revision, properties.comments, properties.keywords, properties.category) == (1, "", "", "")
    everything = " ".join(parts.values())
    assert "python-docx" not in everything and "Macintosh" not in everything and "2013-12-23" not in everything
    assert "<Application>" not in parts["docProps/app.xml"]
    assert not any("thumbnail" in name for name in names)
    footer = " ".join(p.text for p in section.footer.paragraphs)
    assert footer.startswith(f"{TITLE}. Figures as of Wed 10 Jan 2024. Page ")


def test_word_paper_author_is_ilacs_user_without_by(plan, tmp_path):
    import docx

    path = tmp_path / "paper.docx"
    ok("report", PLAN, "-f", "docx", "--as-of", AS_OF, "-o", str(path), db=plan, env={"ILACS_USER": "R Hughes"})
    assert docx.Document(str(path)).core_properties.author == "R Hughes"


def test_word_columns_are_as_wide_as_their_content_asks(plan, tmp_path):
    import docx

    document = docx.Document(str(word_paper(plan, tmp_path)))
    rag = next(table for table in document.tables if "Lead officer" in [cell.text for cell in table.rows[0].cells])
    headers = [cell.text for cell in rag.rows[0].cells]
    widths = dict(zip(headers, (column.width.pt for column in rag.columns)))
    total = sum(widths.values())
    assert 480 <= total <= 483  # 17 cm: A4 less 2 cm each side
    # Id, Area and the rating (BRAG, the default scheme) narrow; the action and its latest update wide.
    assert max(widths["Ref"], widths["Area"], widths["BRAG"]) < min(widths["Action"], widths["Latest update"])
    # A day ("Wed 10 Jan 2024", about 75 pt of 10-point Arial) is kept on one line: its column is wider.
    assert widths["Target date"] >= 80


@pytest.mark.slow  # LibreOffice starts in about 3 s
def test_word_paper_prints_on_a4_with_no_word_broken(plan, tmp_path):
    import docx

    path = word_paper(plan, tmp_path)
    pages, sizes = pdf_pages(office_to_pdf(writer(), path, tmp_path))
    assert sizes == [A4_PORTRAIT] * len(sizes) and 2 <= len(sizes) <= 6, sizes
    assert TITLE in pages[0] and "Page 1 of" in pages[0]
    document = docx.Document(str(path))

    def words(text):  # a line may break at a hyphen, slash, colon or bracket: that is not a word broken
        return [word for word in re.split(r"[\s\-/:()]+", text) if len(word) > 1]

    printed = Counter(words(" ".join(pages)))
    written = Counter(words(" ".join(p.text for p in document.paragraphs)))
    in_tables = Counter()
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                in_tables.update(words(cell.text))
    written.update(in_tables)
    broken = sorted(word for word in in_tables if printed[word] < written[word])
    assert broken == []


def test_word_paper_draws_each_measures_trend_as_a_picture_with_its_words(plan, tmp_path):
    """A measure's trend in Word as in HTML (issue 29): its table, a picture of its readings against the target, and
    the figures in words after it; the picture named and described (Word's alt text) by the same words."""
    import docx
    from docx.oxml.ns import qn

    today = plans.with_measures(plan)
    path = word_paper(plan, tmp_path, "--as-of", today)
    document = docx.Document(str(path))
    pictures = document.inline_shapes
    assert [(p._inline.docPr.get("title"), p._inline.docPr.get("descr")) for p in pictures] == [
        ("M1 Care plans rated good: readings against the target", plans.M1_IN_WORDS),
        ("M2 Re-referrals within 12 months: readings against the target", plans.M2_IN_WORDS),
    ]
    assert all(15.5 <= p.width.cm <= 17 for p in pictures)  # within the 17 cm between A4's 2 cm margins
    paragraphs = document.paragraphs
    drawn = [n for n, p in enumerate(paragraphs) if p._p.findall(".//" + qn("w:drawing"))]
    assert [paragraphs[n + 1].text for n in drawn] == [plans.M1_IN_WORDS, plans.M2_IN_WORDS]
    assert all(paragraphs[n].paragraph_format.keep_with_next for n in drawn)  # a picture is not parted from its words
    # Each picture follows its area's table of measures.
    body = list(document.element.body)
    for number, measure in zip(drawn, ("M1 Care plans rated good", "M2 Re-referrals within 12 months")):
        before = body[body.index(paragraphs[number]._p) - 1]
        assert before.tag == qn("w:tbl") and measure in "".join(before.itertext())
    with zipfile.ZipFile(path) as package:
        media = [name for name in package.namelist() if name.startswith("word/media/")]
    assert len(media) == 2 and all(name.endswith(".png") for name in media)


@pytest.mark.slow  # LibreOffice starts in about 3 s
def test_word_paper_with_measures_prints_its_pictures_on_a4(plan, tmp_path):
    """Printed through LibreOffice: still A4 pages, and each trend picture on the page of its words, sharp enough
    to print (poppler's pdfimages lists each image with its page and resolution)."""
    from helpers.office import poppler

    today = plans.with_measures(plan)
    path = word_paper(plan, tmp_path, "--as-of", today)
    pdf = office_to_pdf(writer(), path, tmp_path)
    pages, sizes = pdf_pages(pdf)
    assert sizes == [A4_PORTRAIT] * len(sizes) and 3 <= len(sizes) <= 7, sizes
    poppler("pdfimages")
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    images = [line.split() for line in listed.splitlines()[2:] if line.strip()]
    assert len(images) == 2, listed
    for image, words in zip(images, (plans.M1_IN_WORDS, plans.M2_IN_WORDS)):
        page, kind, x_ppi = int(image[0]), image[2], int(image[12])
        flat = " ".join(pages[page - 1].split())
        assert kind == "image" and x_ppi >= 150, image
        assert words.split(":")[0] + ":" in flat and "target" in flat, (page, flat[:500])
