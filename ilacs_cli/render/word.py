"""The progress paper as a Word document (.docx), for committee papers that go through a council's Word template.

The layout is `report.sections`, as in the Markdown and HTML forms. Built for assistive technology: the title and
language (en-GB) set, headings in Word's Heading styles in order, each table titled (Word's alt text) with its header
row marked to repeat (read as headers, and printed on every page), the chart's figures in sentences. python-docx is
imported only here, only by `report -f docx`.
"""

from __future__ import annotations

import io

from ilacs_cli.domain.reports import Report
from ilacs_cli.exchange.sheets import RAG_FILLS
from ilacs_cli.render.report import Chart, Table, area_in_words, facts, sections, title

FONT = "Arial"
LANGUAGE = "en-GB"


def docx_bytes(report: Report) -> bytes:
    """The paper as a .docx file's bytes."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    _language_and_font(document, Pt(10))
    properties = document.core_properties
    properties.title, properties.language, properties.author = title(report), LANGUAGE, "ilacs"
    properties.subject = "Ofsted ILACS inspection action plan: progress"
    _page_numbers(document, f"{title(report)}, {facts(report).rsplit('. ', 1)[-1].rstrip('.')}")
    document.add_heading(title(report), level=1)
    document.add_paragraph(facts(report))
    for section in sections(report):
        document.add_heading(section.heading, level=2)
        for part in section.parts:
            if isinstance(part, Table):
                _table(document, part)
            elif isinstance(part, Chart):  # the chart's figures in words: nothing is told by colour alone
                for area in report.progress.areas:
                    document.add_paragraph(area_in_words(area), style="List Bullet")
            elif isinstance(part, list):
                for item in part:
                    document.add_paragraph(item, style="List Bullet")
            else:
                document.add_paragraph(part)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _language_and_font(document, size) -> None:
    """Every run's default language and font (docDefaults), so Word, its reader and its spelling use British
    English."""
    from docx.oxml.ns import qn

    document.styles["Normal"].font.name, document.styles["Normal"].font.size = FONT, size
    for name in ("Heading 1", "Heading 2"):
        document.styles[name].font.name = FONT
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    language = defaults.find(qn("w:lang"))
    if language is None:
        language = defaults.makeelement(qn("w:lang"), {})
        defaults.append(language)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        language.set(qn(attribute), LANGUAGE)


def _page_numbers(document, footing: str) -> None:
    """A footer: the paper's title and date, then 'Page N of M' (Word's PAGE and NUMPAGES fields)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paragraph = document.sections[0].footer.paragraphs[0]
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
    from docx.oxml.ns import nsdecls
    from docx.shared import Pt, RGBColor

    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.headers))
    grid.style = "Table Grid"
    properties = grid._tbl.tblPr
    # Word's order in tblPr puts the caption and description last.
    properties.append(parse_xml(f'<w:tblCaption {nsdecls("w")} w:val="{_attribute(table.caption)}"/>'))
    for number, (row, cells) in enumerate(zip(grid.rows, [table.headers, *table.rows])):
        row_properties = row._tr.get_or_add_trPr()
        row_properties.append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
        if number == 0:
            row_properties.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        for index, (cell, text) in enumerate(zip(row.cells, cells)):
            run = cell.paragraphs[0].add_run(text)
            run.font.size = Pt(8.5)
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


def _attribute(text: str) -> str:
    import html

    return html.escape(text, quote=True)
