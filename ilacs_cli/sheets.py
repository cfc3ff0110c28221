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
        page = book.create_sheet(_sheet_title(sheet.name))
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


def _sheet_title(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return "".join("-" if char in "[]:*?/\\" else char for char in name)[:31]


# -- reading ------------------------------------------------------------------------

def read_table(path: Path, sheet: str | None = None) -> tuple[list[str], list[tuple[int, list[object]]]]:
    """Headers and (spreadsheet row number, cells) of the first (or named) sheet of a .csv or .xlsx file."""
    if not path.exists():
        raise IlacsError(f"no file {path}: check the path")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if sheet:
            raise IlacsError("--sheet is for .xlsx files; a CSV file has one table", 2)
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    raise IlacsError(f"{path.name}: import reads .csv, .xlsx or ilacs .json files", 2)


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[object]]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")  # what Excel on Windows saves as "CSV"
    except OSError as error:
        raise IlacsError(f"cannot read {path}: {error.strerror}") from None
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise IlacsError(f"{path.name} is empty: export the action plan with a header row")
    return [cell.strip() for cell in lines[0]], [(number, [restore(cell) for cell in cells])
                                                for number, cells in enumerate(lines[1:], 2)]


def _read_xlsx(path: Path, sheet: str | None) -> tuple[list[str], list[tuple[int, list[object]]]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as error:
        raise IlacsError(f"cannot read {path.name} as an Excel workbook ({error}): save it as .xlsx and "
                         "retry") from None
    if sheet is not None and sheet not in book.sheetnames:
        raise IlacsError(f"{path.name} has no sheet '{sheet}': its sheets are {', '.join(book.sheetnames)}", 2)
    page = book[sheet] if sheet else book.worksheets[0]
    rows = page.iter_rows(values_only=True)
    headers = next(rows, None)
    if headers is None:
        raise IlacsError(f"sheet '{page.title}' of {path.name} is empty: it needs a header row")
    found = [(number, [restore(cell) if isinstance(cell, str) else cell for cell in cells])
             for number, cells in enumerate(rows, 2)]
    book.close()
    return ["" if cell is None else str(cell).strip() for cell in headers], found
