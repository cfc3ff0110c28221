"""Readings of measures brought in from a CSV file or a workbook (the layout a BI export gives: measure, date, value,
source), all or nothing: one bad row refuses the whole file, in one line naming the row and the fix.

Files are read by exchange/sheets.py (encodings, sizes, formulas made inert, its refusals); headers are matched
as the plan import matches them (in any case, spaces or underscores). Never prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import exact_day
from ilacs_cli.domain import measures
from ilacs_cli.domain.addresses import who
from ilacs_cli.errors import IlacsError, quoted
from ilacs_cli.exchange.plans import HEADER_ROWS, _normal

if TYPE_CHECKING:
    from ilacs_cli.exchange.sheets import Table
    from ilacs_cli.storage.store import Store

FIELDS = {
    "measure": ["measure", "measure id", "measure of success", "indicator", "kpi"],
    "date": ["date", "on", "reading date", "as at", "as of", "period end", "day"],
    "value": ["value", "reading", "actual", "result"],
    "source": ["source", "system", "data source"],
    "note": ["note", "notes", "comment", "comments", "commentary"],
}
_HEADER_FIELDS = {_normal(name): name_of for name_of, names in FIELDS.items() for name in names}
NEEDED = ("measure", "date", "value")


@dataclass
class ReadingsImported:
    file: str
    readings: int  # rows read
    recorded: int  # recorded now (or, in a dry run, that would be)
    measures: int
    sheet: str | None = None


def import_readings(
    db: Store, path: Path, *, dry_run: bool, by: str | None, today: dt.date, sheet: str | None = None
) -> ReadingsImported:
    """Check every row of a readings file, then record them all in one command (or, with `dry_run`, count them and
    keep nothing); the first bad row refuses the whole file."""
    from ilacs_cli.exchange.sheets import read_tables

    if path.suffix.lower() == ".json":
        raise IlacsError(f"{path.name}: readings come from a .csv or .xlsx file (measure, date, value, source)", 2)
    table, at, columns = _choose(read_tables(path, sheet), path.name)
    checked = []
    seen: dict[tuple[int, str], int] = {}
    for number, cells in table.rows[at + 1 :]:
        values = {name: cells[index] if index < len(cells) else None for name, index in columns.items()}
        if all(value is None or str(value).strip() == "" for value in values.values()):
            continue
        where = f"{path.name}, row {number}"
        try:
            reading = _reading(db, values, today)
        except IlacsError as error:
            raise IlacsError(f"{where}: {error}; nothing imported") from None
        key = (reading.measure.id, reading.on.isoformat())
        if key in seen:
            raise IlacsError(
                f"{where}: {measures.label(key[0])} on {key[1]} is given in row {seen[key]} too: keep one; "
                "nothing imported"
            )
        seen[key] = number
        checked.append(reading)
    if not checked:
        raise IlacsError(f"{path.name} has a header row but no readings under it: add rows of measure, date, value")
    with db.transaction(
        origin="import", command="reading import", author=who(by), note=f"from {path.name}", dry_run=dry_run
    ):
        for measure_id in {reading.measure.id for reading in checked}:
            measures.measure_row(db, str(measure_id))  # under the write lock: none withdrawn meanwhile
        recorded = measures.record_readings(db, checked)
    return ReadingsImported(path.name, len(checked), recorded, len({r.measure.id for r in checked}), table.name)


def _reading(db: Store, values: dict[str, object], today: dt.date) -> measures.NewReading:
    for name in NEEDED:
        if values.get(name) is None or str(values[name]).strip() == "":
            raise IlacsError(f"the {name} is empty: fill it in, or delete the row")
    measure = values["measure"]
    if isinstance(measure, float) and measure.is_integer():
        measure = int(measure)  # a workbook's 3 is 3.0
    on = _day(values["date"])
    value = values["value"]
    return measures.check_reading(
        db,
        str(measure),
        value if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value),
        on,
        today,
        source=_text(values.get("source")),
        note=_text(values.get("note")),
    )


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    day = exact_day(str(value))
    if day is None:
        raise IlacsError(f"the date '{quoted(str(value))}' is not a day: give it as 2025-03-31 or 31/03/2025")
    return day


def _text(value: object) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value)


def _choose(tables: list[Table], source: str) -> tuple[Table, int, dict[str, int]]:
    """The table holding readings, its header row's index, and the column of each field."""
    found = []
    for table in tables:
        for index, (number, cells) in enumerate(table.rows):
            if number > HEADER_ROWS:
                break
            columns = _columns(cells)
            if columns is not None:
                found.append((table, index, columns))
                break
    if not found:
        raise IlacsError(
            f"no row in the first {HEADER_ROWS} of {source} names the columns measure, date and value: "
            "add that header row (source and note may follow)"
        )
    if len(found) > 1:
        names = ", ".join(str(table.name) for table, _, _ in found)
        raise IlacsError(f"{source} has {len(found)} sheets of readings ({names}): say which with --sheet NAME", 2)
    return found[0]


def _columns(cells: list[object]) -> dict[str, int] | None:
    """Which column gives each field, when the row names measure, date and value; a field named twice is refused."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _HEADER_FIELDS.get(_normal(cell)) if cell is not None else None
        if name is None:
            continue
        if name in columns:
            raise IlacsError(
                f"the header row names the {name} twice (columns {columns[name] + 1} and {index + 1}): "
                "rename or delete one",
                2,
            )
        columns[name] = index
    return columns if all(name in columns for name in NEEDED) else None
