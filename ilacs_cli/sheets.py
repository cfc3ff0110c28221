"""Spreadsheet files: writing CSV and Excel workbooks, reading them back, and the CSV-injection rule.

openpyxl (imported only here, only by `export --format xlsx` and `import FILE.xlsx`) both reads and writes .xlsx,
so one library serves export and import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ilacs_cli.errors import IlacsError
from ilacs_cli.rules import FILE_BYTES_LIMIT, IMPORT_ROWS_LIMIT, TEXT_LIMIT

# OWASP CSV injection: a cell starting with one of these may run as a formula in a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Text that a spreadsheet could run as a formula, made inert with a leading apostrophe; other values as given."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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
    widths: list[int] | None = None


def write_csv(sheet: Sheet, stream: BinaryIO, *, bom: bool = True) -> None:
    """One sheet as CSV, dates ISO, text neutralised, written row by row; UTF-8 with a byte-order mark (so Excel
    reads accents) if `bom`."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow(sheet.headers)
        # csv writes None as an empty cell and a date as str() gives it: ISO.
        writer.writerows([neutralise(cell) for cell in row] for row in sheet.rows)
        text.flush()
    finally:
        text.detach()  # the caller owns the stream (it may be stdout)


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """A workbook: a bold, frozen header row per sheet, real date cells (dd/mm/yyyy), fitted column widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        page = book.create_sheet(sheet_title(sheet.name))
        page.append(sheet.headers)
        for cell in page[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            page.append([neutralise(cell) for cell in row])
        for cells in page.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "dd/mm/yyyy"
                elif isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        page.freeze_panes = "A2"
        for index, header in enumerate(sheet.headers):
            longest = max([len(header)] + [len(_shown(row[index])) for row in sheet.rows])
            page.column_dimensions[get_column_letter(index + 1)].width = min(longest + 2, 60)
        page.auto_filter.ref = page.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _shown(value: object) -> str:
    return "31/12/2024" if isinstance(value, dt.date) else "" if value is None else str(value)


def sheet_title(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return "".join("-" if char in "[]:*?/\\" else char for char in name)[:31]


# -- reading ------------------------------------------------------------------------

_ZIP = b"PK\x03\x04"  # an .xlsx is a zip file
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .xls, or an .xlsx saved with a password
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
            raise IlacsError(f"{where} has more than {IMPORT_ROWS_LIMIT:,} rows: ilacs imports at most "
                             f"{IMPORT_ROWS_LIMIT:,} rows at a time: split the plan into smaller files")
        kept.append((number, cells))
    return Table(name, kept)


def read_tables(path: Path, sheet: str | None = None) -> list[Table]:
    """The table of a .csv file, or every sheet of a .xlsx workbook (only `sheet`, if named)."""
    if not path.exists():
        raise IlacsError(f"no file {path}: check the path")
    if path.is_dir():
        raise IlacsError(f"{path} is a folder: give the spreadsheet file inside it")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if sheet:
            raise IlacsError("--sheet is for .xlsx files; a CSV file has one table", 2)
        return [_read_csv(path)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix in _OTHER_SPREADSHEETS:
        raise IlacsError(f"{path.name}: import reads .csv and .xlsx, not {suffix}: save it as .xlsx (Excel "
                         "Workbook) or CSV and import that", 2)
    raise IlacsError(f"{path.name}: import reads .csv, .xlsx or ilacs .json files", 2)


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
        try:
            text = data.decode("cp1252")  # what Excel on Windows saves as "CSV"
        except UnicodeDecodeError as error:
            byte = data[error.start]  # a byte cp1252 leaves undefined: 0x81, 0x8d, 0x8f, 0x90 or 0x9d
            raise IlacsError(f"{path.name} is neither UTF-8 nor Windows-1252 text (byte 0x{byte:02x} at offset "
                             f"{not_utf8.start:,}): save the sheet as CSV UTF-8 and import that") from None
    reader = csv.reader(io.StringIO(text))
    try:
        table = _table(None, reader, path.name)
    except csv.Error as error:
        if "field limit" in str(error):  # the csv module stops at 131,072 characters: far beyond TEXT_LIMIT
            error = f"a cell on line {reader.line_num} is longer than {csv.field_size_limit():,} characters; a " \
                    f"cell holds at most {TEXT_LIMIT:,}"
        raise IlacsError(f"cannot read {path.name} as CSV ({error}): save the sheet as CSV UTF-8 and import "
                         "that") from None
    if not table.rows:
        raise IlacsError(f"{path.name} is empty: export the action plan with a header row")
    return table


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as error:
        raise IlacsError(f"cannot read {path}: {error.strerror}") from None


def _check_size(path: Path, size: int, how: str) -> None:
    """Refuse a file of more than FILE_BYTES_LIMIT bytes (`how`: "is", or "unpacks to" for a workbook)."""
    if size > FILE_BYTES_LIMIT:
        raise IlacsError(f"{path.name} {how} {size / 1e6:,.0f} MB: ilacs reads files of at most "
                         f"{FILE_BYTES_LIMIT / 1e6:,.0f} MB: save the action plan alone in a new file and import that")


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
        raise IlacsError(f"{path.name} is password-protected (or an old .xls file): save a copy without a password "
                         "as .xlsx (Excel Workbook) and import that")
    _check_size(path, _unpacked_size(path), "unpacks to")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - a damaged file fails in many ways (zip, XML, openpyxl's own)
        raise _unreadable(path, error) from None
    try:
        if sheet is not None:
            names = [name for name in book.sheetnames if name == sheet] or \
                    [name for name in book.sheetnames if name.casefold() == sheet.strip().casefold()]
            if len(names) != 1:
                raise IlacsError(f"{path.name} has no sheet '{sheet}': its sheets are "
                                 f"{', '.join(book.sheetnames)}; name one with --sheet", 2)
            pages = [book[names[0]]]
        else:
            pages = book.worksheets
        try:
            return [_table(page.title, page.iter_rows(values_only=True), f"sheet '{page.title}' of {path.name}")
                    for page in pages]
        except IlacsError:
            raise
        except Exception as error:  # noqa: BLE001 - read_only parses each sheet's XML as it is read
            raise _unreadable(path, error) from None
    finally:
        book.close()


def _unreadable(path: Path, error: BaseException) -> IlacsError:
    """One line: what was wrong (the first cause openpyxl wrapped, which names it), and the fix."""
    from defusedxml import DefusedXmlException

    while error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, DefusedXmlException):  # defusedxml refused it (see pyproject.toml)
        reason = f"its XML declares entities or a document type ({type(error).__name__}), as no Excel workbook does"
    else:
        reason = " ".join(str(error).split()) or type(error).__name__
    return IlacsError(f"cannot read {path.name} as an Excel workbook ({reason}): open it in Excel, save it as .xlsx "
                      "and import that")
