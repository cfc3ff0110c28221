"""The progress paper as a Word document (.docx), for committee papers that go through a council's Word template.

The layout is `report.sections`, as in the Markdown and HTML forms. Built for assistive technology: the title and
language (en-GB) set, headings in Word's Heading styles in order, each table titled (Word's alt text) with its header
row marked to repeat (read as headers, and printed on every page), the chart's figures in sentences; a measure's trend as a picture (render/picture.py) with alt text, and its figures
in a table and in words. python-docx is imported only here, only by `report -f docx`.

Laid out as a council's paper (issue 29): A4 portrait with 2 cm margins all round (a UK committee template's usual
margin; Word's UK "Normal" 2.54 cm leaves the nine-column RAG table 15.9 cm, too little for its dates to stay on one
line), Arial throughout at 10 pt or more, headings styled as the HTML paper's (near-black, bold, the title ruled in
its blue), table columns as wide as their content asks (never narrower than a column's longest word), and document
properties that are true: created and modified now, by whoever made the paper, with nothing of python-docx's own
template left in them.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from ilacs_cli.dates.days import human
from ilacs_cli.domain.reports import Report
from ilacs_cli.exchange.sheets import RAG_FILLS
from ilacs_cli.render.report import (
    Chart,
    Table,
    Trend,
    area_in_words,
    charted,
    facts,
    sections,
    title,
    trend_figure,
)

FONT = "Arial"
LANGUAGE = "en-GB"
TEXT_SIZE = 10  # points: body, tables and footer (the HTML paper prints at 10 pt)
INK, GREY, BLUE = "0B0C0C", "505A5F", "1D70B8"  # the HTML paper's text, secondary text and rule colours
BORDER = "B1B4B6"  # the HTML paper's table borders
# Heading styles as the HTML paper's print: h1 1.4em and h2 1.15em of 10 pt, bold, near-black; h1 ruled below.
HEADINGS = {"Heading 1": (14, 0, 6), "Heading 2": (11.5, 16, 4)}  # size, space before, space after (points)
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 21.0, 29.7, 2.0  # cm: A4 portrait
CELL_PADDING = 0.19 * 2 * 72 / 2.54 + 2  # points: Word's default cell margins left and right, and a little more
# Arial's advance widths (the same as Helvetica's), in thousandths of an em, for printable ASCII from the space.
_WIDTHS = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # 0 to ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # P to _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # ` to o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,  # p to ~
]  # fmt: skip
BOLD_WIDER = 1.1  # bold Arial is up to about a tenth wider
# A day as the paper shows it ("Wed 30 Apr 2025"): kept on one line, as the HTML keeps it.
ONE_DAY = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}")


def docx_bytes(report: Report, *, author: str = "ilacs", now: dt.datetime | None = None) -> bytes:
    """The paper as a .docx file's bytes, made by `author` at `now` (default: this moment)."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    document = Document()
    _page(document)
    _language_and_font(document, Pt(TEXT_SIZE))
    _headings(document)
    _properties(document, report, author, now or dt.datetime.now(dt.UTC))
    _page_numbers(document, f"{title(report)}. Figures as of {human(report.as_of[:10])}")
    document.add_heading(title(report), level=1)
    for run in document.add_paragraph(facts(report)).runs:
        run.font.color.rgb = RGBColor.from_string(GREY)
    laid_out = sections(report)
    for number, section in enumerate(laid_out):
        heading = document.add_heading(section.heading, level=2)
        if number and laid_out[number - 1].page_one and not section.page_one:  # the detail starts on page two
            heading.paragraph_format.page_break_before = True
        for index, part in enumerate(section.parts):
            if isinstance(part, Table):
                _table(document, part)
            elif isinstance(part, Chart):  # the chart's figures in words: nothing is told by colour alone
                for area in charted(report):
                    document.add_paragraph(area_in_words(area), style="List Bullet")
            elif isinstance(part, Trend):  # a picture of the readings, then them in words (the table holds them too)
                _trend(document, part)
            elif isinstance(part, list):
                for item in part:
                    document.add_paragraph(item, style="List Bullet")
            else:
                paragraph = document.add_paragraph(part)
                # A paragraph that introduces a table, list or chart stays on its page (as the HTML's lead does).
                if index + 1 < len(section.parts) and not isinstance(section.parts[index + 1], str):
                    paragraph.paragraph_format.keep_with_next = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _trend(document, part: Trend) -> None:
    """A measure's trend chart as a picture (drawn from the SVG's figure), named and described by the same words as
    the HTML's (Word's alt text: the picture's title and description), kept on the page of its words below it."""
    from docx.shared import Cm, Pt

    from ilacs_cli.render.picture import WIDTH_CM, trend_png

    figure = trend_figure(part.trend)
    picture = document.add_picture(io.BytesIO(trend_png(figure)), width=Cm(WIDTH_CM))
    drawn = picture._inline.docPr
    drawn.set("name", figure.name)
    drawn.set("title", figure.name)
    drawn.set("descr", figure.words)
    placed = document.paragraphs[-1].paragraph_format
    placed.keep_with_next, placed.space_before = True, Pt(8)
    document.add_paragraph(figure.words)


def _language_and_font(document, size) -> None:
    """Every run's default language and font (docDefaults), so Word, its reader and its spelling use British
    English."""
    from docx.oxml.ns import qn

    document.styles["Normal"].font.name, document.styles["Normal"].font.size = FONT, size
    # A theme font (the template's Calibri and Cambria) overrides a named one in Word: every style is plain Arial.
    for fonts in document.styles.element.iter(qn("w:rFonts")):
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attribute), FONT)
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    language = defaults.find(qn("w:lang"))
    if language is None:
        language = defaults.makeelement(qn("w:lang"), {})
        defaults.append(language)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        language.set(qn(attribute), LANGUAGE)


def _page(document) -> None:
    """A4 portrait with MARGIN all round."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE_WIDTH), Cm(PAGE_HEIGHT)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(MARGIN)
    section.header_distance = section.footer_distance = Cm(1)


def _headings(document) -> None:
    """Heading 1 and 2 as the HTML paper's: Arial, bold, near-black (not Word's theme blue), no italics; the title
    ruled below in the HTML's blue. List Bullet at the body's size."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Pt, RGBColor

    for name, (size, before, after) in HEADINGS.items():
        style = document.styles[name]
        style.font.size, style.font.bold, style.font.italic = Pt(size), True, False
        style.font.color.rgb = RGBColor.from_string(INK)
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(before), Pt(after)
        style.paragraph_format.keep_with_next = True
        properties = style.element.get_or_add_pPr()
        for old in properties.findall(qn("w:pBdr")):
            properties.remove(old)
        if name == "Heading 1":
            border = parse_xml(
                f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="18" w:space="3" w:color="{BLUE}"/></w:pBdr>'
            )
            spacing = properties.find(qn("w:spacing"))  # Word's order in pPr: pBdr before spacing
            (spacing.addprevious(border) if spacing is not None else properties.append(border))
    document.styles["List Bullet"].font.size = Pt(TEXT_SIZE)


def _properties(document, report: Report, author: str, now: dt.datetime) -> None:
    """Core properties that are true (title, subject, author, created and modified now in UTC, as Word stores
    them), nothing left of python-docx's template (its creator, 'generated by python-docx', its 2013 dates, its
    thumbnail), and an app.xml that names no application."""
    moment = now.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None)
    properties = document.core_properties
    properties.title, properties.language = title(report), LANGUAGE
    properties.subject = f"Ofsted ILACS inspection action plan: progress, as of {human(report.as_of[:10])}"
    properties.author = properties.last_modified_by = author
    properties.comments = properties.keywords = properties.category = ""
    properties.created = properties.modified = moment
    properties.revision = 1
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rel_id)
        elif rel.reltype.endswith("/extended-properties"):
            rel.target_part._blob = APP_XML.encode("utf-8")


APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><DocSecurity>0</DocSecurity>'
    "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    "<HyperlinksChanged>false</HyperlinksChanged></Properties>"
)


def _page_numbers(document, footing: str) -> None:
    """A footer: the paper's title and date, then 'Page N of M' (Word's PAGE and NUMPAGES fields)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import RGBColor

    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.style.font.color.rgb = RGBColor.from_string(GREY)
    paragraph.add_run(f"{footing}. Page ")
    paragraph._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    paragraph.add_run(" of ")
    paragraph._p.append(
        parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="NUMPAGES"><w:r><w:t>1</w:t></w:r></w:fldSimple>')
    )


def _table(document, table: Table) -> None:
    """A table with its title (alt text), a header row that repeats on every page, rows never split, RAG cells
    shaded beside their word."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Pt, RGBColor

    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.headers))
    grid.style = "Table Grid"
    grid.autofit = False  # a fixed layout (w:tblLayout): the widths below, not Word's own
    properties = grid._tbl.tblPr
    properties.find(qn("w:tblLayout")).addprevious(  # Word's order in tblPr: jc, tblBorders, tblLayout
        parse_xml(
            f"<w:tblBorders {nsdecls('w')}>"
            + "".join(
                f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{BORDER}"/>'
                for side in ("top", "left", "bottom", "right", "insideH", "insideV")
            )
            + "</w:tblBorders>"
        )
    )
    _widths(grid, table, document.sections[0])
    # Word's order in tblPr puts the caption and description last.
    properties.append(parse_xml(f'<w:tblCaption {nsdecls("w")} w:val="{_attribute(table.caption)}"/>'))
    for number, (row, cells) in enumerate(zip(grid.rows, [table.headers, *table.rows])):
        row_properties = row._tr.get_or_add_trPr()
        row_properties.append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
        if number == 0:
            row_properties.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        for index, (cell, text) in enumerate(zip(row.cells, cells)):
            run = cell.paragraphs[0].add_run(text)
            run.font.size = Pt(TEXT_SIZE)
            run.bold = number == 0
            if number and table.classes.get(index) == "rag" and text in RAG_FILLS:
                background, colour = RAG_FILLS[text]
                cell._tc.get_or_add_tcPr().append(
                    parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{background}"/>')
                )
                run.font.color.rgb = RGBColor.from_string(colour)
                run.bold = True
            elif number == 0:
                cell._tc.get_or_add_tcPr().append(
                    parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="F3F2F1"/>')
                )


def text_width(text: str, bold: bool = False) -> float:
    """How wide `text` is in points at TEXT_SIZE in Arial (characters beyond ASCII taken as wide as an 'M', bar a
    dash, which is an 'n')."""
    thousandths = 0
    for char in text:
        code = ord(char)
        if 32 <= code <= 126:
            thousandths += _WIDTHS[code - 32]
        else:
            thousandths += 556 if char in "\u2013\u2019\u2018" else 833 if char != "\u2014" else 1000
    return thousandths * TEXT_SIZE / 1000 * (BOLD_WIDER if bold else 1)


def _unbroken(text: str) -> list[str]:
    """The pieces of a cell's text that a line never breaks inside: its words, and a day kept whole."""
    return [day.group(0) for day in ONE_DAY.finditer(text)] + ONE_DAY.sub(" ", text).split()


def column_widths(table: Table, room: float) -> list[float]:
    """Column widths in points summing to `room`, as a browser lays out a table: each column at least its longest
    unbroken piece (a word, a day) and at most its longest line of text; the room between shared in proportion to
    the text each column holds beyond its least."""
    columns = zip(table.headers, *table.rows)  # each column's header, then its cells
    cells = [[(text, number == 0) for number, text in enumerate(column)] for column in columns]
    least = [
        max(text_width(piece, bold) for text, bold in column for piece in (_unbroken(text) or [""])) + CELL_PADDING
        for column in cells
    ]
    most = [
        max(max(text_width(line, bold) for line in (text.splitlines() or [""])) for text, bold in column) + CELL_PADDING
        for column in cells
    ]
    most = [max(high, low) for high, low in zip(most, least)]
    if sum(least) >= room:  # the words alone overfill the page: the widest least cut down to what is left
        cap = room
        for number, low in enumerate(sorted(least)):  # the highest cap that fits: columns below it keep their least
            rest = len(least) - number
            if low * rest + sum(sorted(least)[:number]) >= room:
                cap = (room - sum(sorted(least)[:number])) / rest
                break
        return [min(low, cap) for low in least]
    if sum(most) <= room:  # every line fits: the spare room shared by the text each column holds
        spare = room - sum(most)
        return [high + spare * high / sum(most) for high in most]
    share = (room - sum(least)) / (sum(most) - sum(least))
    return [low + (high - low) * share for low, high in zip(least, most)]


def _widths(grid, table: Table, section) -> None:
    """Fixed column widths by content (the table grid and every cell: LibreOffice reads the grid, Word the cells)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Emu, Pt

    room = Emu(section.page_width - section.left_margin - section.right_margin).pt
    widths = [Pt(width) for width in column_widths(table, room)]
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    for column, width in zip(grid.columns, widths):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _attribute(text: str) -> str:
    import html

    return html.escape(text, quote=True)
