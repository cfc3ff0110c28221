"""Spreadsheet files: writing CSV and Excel workbooks (laid out to print), reading them back, and the CSV-injection
rule.

openpyxl (imported only here, only by `export --format xlsx` and `import FILE.xlsx`) both reads and writes .xlsx,
so one library serves export and import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ilacs_cli.domain.rules import FILE_BYTES_LIMIT, IMPORT_ROWS_LIMIT, TEXT_LIMIT
from ilacs_cli.errors import IlacsError, quoted

# OWASP CSV injection: a cell starting with one of these may run as a formula in a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)  # each is one character


def neutralise(value: object) -> object:
    """Text that a spreadsheet could run as a formula, made inert with a leading apostrophe (OWASP's rule for CSV);
    other values as given. A workbook needs no apostrophe: its text cells are never formulas."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutral_row(row: list[object]) -> list[object]:
    """A row with `neutralise` applied to each cell; a row with no formula-like text (most rows of a plan) is
    returned as it is, found with one inline test per cell rather than a call (half the time of an export's 29,376
    rows of 14 cells: 64 against 123 ms here)."""
    for cell in row:
        if cell.__class__ is str and cell[:1] in _FORMULA_FIRST:
            return [neutralise(value) for value in row]
    return row


def restore(value: str) -> str:
    """The text `neutralise` was given (for reading back a file ilacs wrote)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: Iterable[list[object]]  # text, numbers, dates (dt.date) or None; iterated once
    widths: list[int] | None = None  # the most characters each column is given in a workbook (else WIDEST)
    heading: str | None = None  # printed at the top of every page (the council and plan)
    footing: str | None = None  # printed at the foot of every page, beside "Page N of M" (the date of the figures)
    rag_column: str | None = None  # the header of a RAG column (Red, Amber, Green, Not rated), filled by its word
    status_column: str | None = None  # ... and the status column that overrides it (Done, Cancelled, Blocked)
    done_rating: str = "Green"  # the RAG word a Done status fills with: Blue under BRAG, Green under RAG


@dataclass
class Workbook:
    """Sheets with the document properties a screen reader and a council's publishing system read."""

    title: str
    subject: str
    sheets: list[Sheet]
    language: str = "en-GB"
    creator: str = "ilacs"


def write_csv(sheet: Sheet, stream: BinaryIO, *, bom: bool = True) -> None:
    """One sheet as CSV, dates ISO, text neutralised, written row by row; UTF-8 with a byte-order mark (so Excel
    reads accents) if `bom`."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow(sheet.headers)
        # csv writes None as an empty cell and a date as str() gives it: ISO.
        writer.writerows(map(neutral_row, sheet.rows))
        text.flush()
    finally:
        text.detach()  # the caller owns the stream (it may be stdout)


FONT = "Arial"  # one sans font throughout (Excel's default, Calibri, is not on every machine LibreOffice runs on)
FONT_SIZE = 10
WIDEST = 40  # characters: a longer text wraps within its cell
LINE_HEIGHT = 12.75  # points per line of 10-point Arial
# Fills of a RAG cell by its word, and of a status that decides it, as (background, text colour).
RAG_FILLS = {
    "Red": ("D4351C", "FFFFFF"),
    "Amber": ("F47738", "0B0C0C"),
    "Green": ("00703C", "FFFFFF"),
    "Blue": ("1D70B8", "FFFFFF"),  # BRAG's done: white on it 5.2:1, it on white 5.2:1 (WCAG 2.2 AA)
    "Not rated": ("F3F2F1", "0B0C0C"),
}
STATUS_FILLS = {"Done": "Green", "Cancelled": "Not rated", "Blocked": "Red"}


def xlsx_bytes(workbook: Workbook) -> bytes:
    """A workbook: title, subject, language and creator set; each sheet a defined Excel table (so a screen reader
    announces its column headers) with one font, a bold header row frozen and repeated on every printed page, real
    date cells (dd/mm/yyyy), text as text cells (never formulas), wrapped text in rows tall enough for it, RAG cells
    filled by conditional formatting, and printed landscape on A4, one page wide at a stated scale, with page
    numbers."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    book.remove(book.active)
    properties = book.properties
    properties.title, properties.subject, properties.language = workbook.title, workbook.subject, workbook.language
    properties.creator = properties.lastModifiedBy = workbook.creator
    sheets = workbook.sheets
    body, bold = Font(name=FONT, size=FONT_SIZE), Font(name=FONT, size=FONT_SIZE, bold=True)
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    for sheet in sheets:
        page = book.create_sheet(sheet_title(sheet.name))
        rows = [list(row) for row in sheet.rows]
        most = sheet.widths or [WIDEST] * len(sheet.headers)
        widths = [
            min(
                max([len(word) for word in header.split()] + [len(_shown(row[index])) for row in rows]) + 2, most[index]
            )
            for index, header in enumerate(sheet.headers)
        ]
        page.append(sheet.headers)
        for cell in page[1]:
            cell.font, cell.alignment = bold, wrap
        page.row_dimensions[1].height = LINE_HEIGHT * _lines(sheet.headers, widths) + 3
        for row in rows:
            page.append(row)
        for number, cells in enumerate(page.iter_rows(min_row=2), 2):
            for cell in cells:
                cell.font = body
                if isinstance(cell.value, dt.date):
                    cell.number_format = "dd/mm/yyyy"
                    cell.alignment = top
                elif isinstance(cell.value, str):
                    cell.data_type = "s"  # a text cell: never a formula, whatever it starts with
                    cell.alignment = wrap
                else:
                    cell.alignment = top
            page.row_dimensions[number].height = LINE_HEIGHT * _lines(rows[number - 2], widths) + 3
        for index, width in enumerate(widths):
            page.column_dimensions[get_column_letter(index + 1)].width = width
        page.freeze_panes = "A2"
        _define_table(page, len(book.worksheets), len(sheet.headers), len(rows))
        _rag_fills(page, sheet, len(rows))
        _print_setup(page, sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _define_table(page, number: int, columns: int, rows: int) -> None:
    """The sheet's cells as a defined Excel table named after the sheet, with its header row and filter buttons (in
    place of a sheet-wide filter: the two may not overlap); a sheet with no rows keeps one empty row in its table."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table as ExcelTable
    from openpyxl.worksheet.table import TableStyleInfo

    name = "".join(char if char.isalnum() else "_" for char in page.title)
    ref = f"A1:{get_column_letter(columns)}{max(rows, 1) + 1}"
    table = ExcelTable(displayName=f"Table{number}_{name}"[:255], ref=ref)
    # No banding: the RAG column's fills stay the only colour in the plan.
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False, showColumnStripes=False)
    page.add_table(table)


def _lines(row: list[object], widths: list[int]) -> int:
    """How many lines the row's tallest cell wraps to, in columns `widths` characters wide."""
    tallest = 1
    for value, width in zip(row, widths):
        room = max(int(width * 1.2) - 1, 1)  # text averages narrower than the "0" a width is counted in
        lines = sum(max(1, -(-len(part) // room)) for part in _shown(value).split("\n"))
        tallest = max(tallest, lines)
    return tallest


def _rag_fills(page, sheet: Sheet, count: int) -> None:
    """Conditional formatting of the RAG column: a closing or blocking status first (so a status changed in Excel
    recolours its row's RAG cell), then the RAG cell's own word."""
    if not count or sheet.rag_column not in sheet.headers:
        return
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    rag = get_column_letter(sheet.headers.index(sheet.rag_column) + 1)
    cells = f"{rag}2:{rag}{count + 1}"

    def rule(formula: str, word: str) -> FormulaRule:
        background, text = RAG_FILLS[word]
        return FormulaRule(
            formula=[formula],
            stopIfTrue=True,
            font=Font(name=FONT, bold=True, color=text),
            fill=PatternFill(start_color=background, end_color=background, fill_type="solid"),
        )

    if sheet.status_column in sheet.headers:
        status = get_column_letter(sheet.headers.index(sheet.status_column) + 1)
        for word, shown in {**STATUS_FILLS, "Done": sheet.done_rating}.items():
            page.conditional_formatting.add(cells, rule(f'${status}2="{word}"', shown))
    for word in RAG_FILLS:
        page.conditional_formatting.add(cells, rule(f'{rag}2="{word}"', word))


PRINT_WIDTH = (297 / 25.4 - 2 * 0.4) * 96  # pixels across landscape A4 inside its 0.4-inch margins, at 96 dpi


def _print_scale(page, sheet: Sheet) -> int:
    """The print scale (percent) at which the sheet's columns fill one landscape A4 page's width, at most 100 (what
    Excel's "fit to one page wide" comes to). A column w characters wide is 7w + 5 pixels of 10-point Arial (Excel's
    width rule)."""
    pixels = sum(7 * (dimension.width or 8.43) + 5 for dimension in page.column_dimensions.values())
    return max(10, min(100, int(PRINT_WIDTH * 100 // pixels))) if pixels else 100


def _print_setup(page, sheet: Sheet) -> None:
    """Landscape A4, one page wide at a stated scale (as many tall as it takes), narrow margins, the header row on every page, the
    sheet's heading at the top and its footing with "Page N of M" at the foot."""
    page.page_setup.orientation = "landscape"
    page.page_setup.paperSize = page.PAPERSIZE_A4
    page.page_setup.fitToWidth = 1  # one page wide whatever the program's own column rule (LibreOffice's is wider)
    page.page_setup.fitToHeight = 0
    page.sheet_properties.pageSetUpPr.fitToPage = True
    page.page_setup.scale = _print_scale(page, sheet)  # the scale that fit gives in Excel, stated
    page.print_title_rows = "1:1"
    page.print_options.gridLines = True
    page.page_margins.left = page.page_margins.right = 0.4
    page.page_margins.top = page.page_margins.bottom = 0.6
    page.page_margins.header = page.page_margins.footer = 0.25
    if sheet.heading:
        page.oddHeader.center.text = _header_text(sheet.heading)
        page.oddHeader.center.font = f"{FONT},Bold"
    if sheet.footing:
        page.oddFooter.left.text = _header_text(sheet.footing)
    page.oddFooter.right.text = "Page &P of &N"
    for part in (page.oddHeader.center, page.oddFooter.left, page.oddFooter.right):
        part.size = 9
    page.oddFooter.left.font = page.oddFooter.right.font = FONT


def _header_text(text: str) -> str:
    """Text for a printed header or footer: & starts a code there (&P is the page number), so && is one &."""
    return text.replace("&", "&&")[:200]


def _shown(value: object) -> str:
    return "31/12/2024" if isinstance(value, dt.date) else "" if value is None else str(value)


def sheet_title(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return "".join("-" if char in "[]:*?/\\" else char for char in name)[:31]


def plan_sheet_title(inspection: str) -> str:
    """An inspection's plan sheet named in words a screen reader says: 'East Sussex 2023 plan' for east-sussex-2023
    (at most 31 characters)."""
    words = " ".join(word[:1].upper() + word[1:] for word in inspection.replace("_", "-").split("-") if word)
    return sheet_title(f"{words[:26].rstrip()} plan")


def is_plan_sheet(name: str | None, inspection: str) -> bool:
    """Whether a sheet so named is `inspection`'s plan as `ilacs export` writes it (named in words; before issue 19,
    by its id)."""
    return name is not None and name in (plan_sheet_title(inspection), sheet_title(inspection))


# -- reading ------------------------------------------------------------------------

_ZIP = b"PK\x03\x04"  # an .xlsx is a zip file
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .xls, or an .xlsx saved with a password
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")  # a character UTF-8 writes in two to four bytes
_OTHER_SPREADSHEETS = (".xls", ".ods", ".numbers", ".xlsb")


@dataclass
class Table:
    """A CSV file or one sheet of a workbook as read: every row but blank ones, numbered as the spreadsheet numbers
    it (from 1), text that `neutralise` guarded restored. Where the header row is, the caller decides."""

    name: str | None  # the sheet's name; None for a CSV file
    rows: list[tuple[int, list[object]]]


def _table(name: str | None, rows: Iterable[Iterable[object]], where: str) -> Table:
    """The rows that are not blank, read one at a time: a sheet of a million rows is refused at row
    IMPORT_ROWS_LIMIT + 1, before the rest is read."""
    kept = []
    for number, cells in enumerate(rows, 1):
        cells = [restore(cell) if isinstance(cell, str) else cell for cell in cells]
        if all(cell is None or cell == "" for cell in cells):
            continue
        if len(kept) == IMPORT_ROWS_LIMIT:
            raise IlacsError(
                f"{where} has more than {IMPORT_ROWS_LIMIT:,} rows: ilacs imports at most "
                f"{IMPORT_ROWS_LIMIT:,} rows at a time: split the plan into smaller files"
            )
        kept.append((number, cells))
    return Table(name, kept)


def read_tables(path: Path, sheet: str | None = None) -> list[Table]:
    """The table of a .csv file, or every sheet of a .xlsx workbook (only `sheet`, if named)."""
    if not path.exists():
        raise IlacsError(f"no file {path}: check the path")
    if path.is_dir():
        raise IlacsError(f"{path} is a folder: give the spreadsheet file inside it")
    if not path.is_file():  # a device or a pipe (a link to /dev/zero) would be read without end
        raise IlacsError(f"{path.name} is not a regular file (a device or a pipe): give a spreadsheet saved on disk")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if sheet:
            raise IlacsError("--sheet is for .xlsx files; a CSV file has one table", 2)
        return [_read_csv(path)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix == ".json":
        if sheet:
            raise IlacsError("--sheet is for .xlsx files; a plan's JSON has one table", 2)
        return [_read_plan_json(path)]
    if suffix in _OTHER_SPREADSHEETS:
        raise IlacsError(
            f"{path.name}: import reads .csv and .xlsx, not {suffix}: save it as .xlsx (Excel "
            "Workbook) or CSV and import that",
            2,
        )
    raise IlacsError(f"{path.name}: import reads .csv, .xlsx or ilacs .json files", 2)


def _read_plan_json(path: Path) -> Table:
    """A plan as `ilacs export ID --format json` writes it, a list of rows of the export's columns, as one table:
    a header row of the keys, in the order the first row gives them, then a row for each."""
    import json

    from ilacs_cli.textfiles import NotText, parse_json, read_text

    try:
        data = parse_json(read_text(path, FILE_BYTES_LIMIT))
    except (OSError, NotText, json.JSONDecodeError) as error:
        raise IlacsError(f"cannot read {path.name} as JSON ({error}): import a file `ilacs export` made") from None
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise IlacsError(f"{path.name} is not a plan's JSON (a list of rows): import a file `ilacs export` made")
    keys = list(dict.fromkeys(key for row in data for key in row))
    for number, row in enumerate(data, 1):
        for key, value in row.items():
            if isinstance(value, bool) or (value is not None and not isinstance(value, (str, int, float))):
                raise IlacsError(f"{path.name}: row {number}, {key}: must be text or a number, not {value!r}"[:300])
    return _table(None, [keys, *([row.get(key) for key in keys] for row in data)], path.name)


def _start(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(8)
    except OSError as error:
        raise IlacsError(f"cannot read {path}: {error.strerror}") from None


def _read_csv(path: Path) -> Table:
    start = _start(path)
    if start.startswith(_ZIP):
        raise IlacsError(f"{path.name} is an Excel workbook named .csv: rename it {path.stem}.xlsx and import that")
    if start.startswith(_OLE):
        raise IlacsError(f"{path.name} is an Excel .xls file named .csv: save it as .xlsx or CSV and import that")
    _check_size(path, _size(path), "is")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise IlacsError(f"cannot read {path}: {error.strerror}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # some tools save CSV as UTF-16, always with a byte-order mark
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            data = b"\x00"  # not text after all
    if b"\x00" in data:
        raise IlacsError(f"{path.name} is not a CSV text file: save the sheet as CSV UTF-8 and import that")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as not_utf8:
        if _UTF8_SEQUENCE.search(data):  # UTF-8 rows beside ones that are not: read as cp1252, `Café` is `CafÃ©`
            line = data[: not_utf8.start].count(b"\n") + 1
            raise IlacsError(
                f"{path.name} mixes UTF-8 text with other text (line {line:,}, byte 0x{data[not_utf8.start]:02x}, "
                "is not UTF-8, while other lines are): save the sheet as CSV UTF-8 and import that"
            ) from None
        try:
            text = data.decode("cp1252")  # what Excel on Windows saves as "CSV"
        except UnicodeDecodeError as error:
            byte = data[error.start]  # a byte cp1252 leaves undefined: 0x81, 0x8d, 0x8f, 0x90 or 0x9d
            raise IlacsError(
                f"{path.name} is neither UTF-8 nor Windows-1252 text (byte 0x{byte:02x} at offset "
                f"{not_utf8.start:,}): save the sheet as CSV UTF-8 and import that"
            ) from None
    reader = csv.reader(io.StringIO(text), strict=True)  # strict: a quote never closed is an error, not the rest
    try:
        table = _table(None, reader, path.name)
    except csv.Error as error:
        if "field limit" in str(error):  # the csv module stops at 131,072 characters: far beyond TEXT_LIMIT
            error = (
                f"a cell on line {reader.line_num} is longer than {csv.field_size_limit():,} characters; a "
                f"cell holds at most {TEXT_LIMIT:,}"
            )
        raise IlacsError(
            f"cannot read {path.name} as CSV (line {reader.line_num:,}: {error}; a quote opened and not closed?): "
            "save the sheet as CSV UTF-8 and import that"
        ) from None
    if not table.rows:
        raise IlacsError(f"{path.name} is empty: export the action plan with a header row")
    _refuse_swallowed_rows(table, path.name)
    return table


def _refuse_swallowed_rows(table: Table, source: str) -> None:
    """A quote opened and closed only rows later makes one cell of several rows (with their commas): refused
    rather than imported as one action. A cell's later line counts as a row when it has as many commas as the
    widest row has cells, less one."""
    width = max(len(cells) for _, cells in table.rows)
    for number, cells in table.rows:
        for cell in cells:
            if isinstance(cell, str) and "\n" in cell:
                if width > 1 and any(line.count(",") >= width - 1 for line in cell.splitlines()[1:]):
                    raise IlacsError(
                        f"{source}: row {number} holds a cell spanning what look like whole rows (a quote opened "
                        "there and not closed until later?): close the quote, or save the sheet as CSV again"
                    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as error:
        raise IlacsError(f"cannot read {path}: {error.strerror}") from None


def _check_size(path: Path, size: int, how: str) -> None:
    """Refuse a file of more than FILE_BYTES_LIMIT bytes (`how`: "is", or "unpacks to" for a workbook)."""
    if size > FILE_BYTES_LIMIT:
        raise IlacsError(
            f"{path.name} {how} {size / 1e6:,.0f} MB: ilacs reads files of at most "
            f"{FILE_BYTES_LIMIT / 1e6:,.0f} MB: save the action plan alone in a new file and import that"
        )


def _unpacked_size(path: Path) -> int:
    """The bytes a workbook's parts unpack to, as its zip directory declares them. zipfile never hands out more than
    the declared size of a part (a part that unpacks to more fails its CRC check), so the sum bounds what openpyxl
    parses: a 410 KB workbook that unpacks to 419 MB of text is refused before any XML is read."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return sum(part.file_size for part in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _unreadable(path, error) from None


def _read_xlsx(path: Path, sheet: str | None) -> list[Table]:
    from openpyxl import load_workbook

    if _start(path).startswith(_OLE):
        raise IlacsError(
            f"{path.name} is password-protected (or an old .xls file): save a copy without a password "
            "as .xlsx (Excel Workbook) and import that"
        )
    _check_size(path, _unpacked_size(path), "unpacks to")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)  # the same cells, formulas as written
    except Exception as error:  # noqa: BLE001 - a damaged file fails in many ways (zip, XML, openpyxl's own)
        raise _unreadable(path, error) from None
    try:
        if sheet is not None:
            names = [name for name in book.sheetnames if name == sheet] or [
                name for name in book.sheetnames if name.casefold() == sheet.strip().casefold()
            ]
            if len(names) != 1:
                raise IlacsError(
                    f"{path.name} has no sheet '{sheet}': its sheets are "
                    f"{', '.join(book.sheetnames)}; name one with --sheet",
                    2,
                )
            pages = [book[names[0]]]
        else:
            pages = book.worksheets
        try:
            return [
                _table(
                    page.title,
                    _values(page, formulas[page.title], f"sheet '{page.title}' of {path.name}"),
                    f"sheet '{page.title}' of {path.name}",
                )
                for page in pages
            ]
        except IlacsError:
            raise
        except Exception as error:  # noqa: BLE001 - read_only parses each sheet's XML as it is read
            raise _unreadable(path, error) from None
    finally:
        book.close()
        formulas.close()


def _values(page, written, where: str) -> Iterator[tuple]:
    """A sheet's rows of values, as Excel last worked them out; a formula whose value the file does not hold
    (saved by a program that does not calculate) is refused, not read as an empty cell."""
    from itertools import zip_longest

    from openpyxl.utils import get_column_letter

    for number, (values, cells) in enumerate(
        zip_longest(page.iter_rows(values_only=True), written.iter_rows(values_only=True), fillvalue=()), 1
    ):
        for column, (value, formula) in enumerate(zip_longest(values, cells), 1):
            if value is None and isinstance(formula, str) and formula.startswith("="):
                raise IlacsError(
                    f"{where}, cell {get_column_letter(column)}{number}: a formula with no value saved in the file "
                    f"({quoted(formula, 40)}): open the workbook in Excel, save it so its values are kept, and "
                    "import it again (or paste the cells as values)"
                )
        yield values


def _unreadable(path: Path, error: BaseException) -> IlacsError:
    """One line: what was wrong (the first cause openpyxl wrapped, which names it), and the fix."""
    from defusedxml import DefusedXmlException

    while error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, DefusedXmlException):  # defusedxml refused it (see pyproject.toml)
        reason = f"its XML declares entities or a document type ({type(error).__name__}), as no Excel workbook does"
    else:
        reason = " ".join(str(error).split()) or type(error).__name__
    return IlacsError(
        f"cannot read {path.name} as an Excel workbook ({reason}): open it in Excel, save it as .xlsx and import that"
    )
