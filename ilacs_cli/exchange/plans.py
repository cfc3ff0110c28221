"""Moving plans in and out: the action plan laid out as councils keep it, the whole database as JSON, and
spreadsheet action plans brought in (all rows or none).

Returns plain dataclasses; never prints.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import OutsideYears, outside_years, parse_due
from ilacs_cli.domain import rules
from ilacs_cli.domain.addresses import who
from ilacs_cli.domain.plan import require_inspection
from ilacs_cli.domain.progress import PlanRow, plan_rows
from ilacs_cli.domain.rules import STATUSES
from ilacs_cli.errors import IlacsError, quoted
from ilacs_cli.exchange.sheets import Sheet, Table, Workbook, is_plan_sheet, plan_sheet_title
from ilacs_cli.storage.tables import (
    ADDED_LATER,
    EXPORT_FORMAT,
    EXPORT_TABLES,
    EXPORT_VERSION,
    times_in_england,
    times_were_utc,
)

if TYPE_CHECKING:
    from ilacs_cli.storage.actions import ActionRow
    from ilacs_cli.storage.inspections import AreaRow
    from ilacs_cli.storage.store import Reader, Store

PLAN_HEADERS = [
    "Id",
    "Area",
    "Area for improvement",
    "Ref",
    "Action",
    "Lead officer",
    "Target date",
    "Target (as written)",
    "Measure of success",
    "Latest update on",
    "Latest update by",
    "Latest update",
    "Status",
    "RAG",
]
# A workbook's plan sheet: PLAN_HEADERS but the area's title (the area by number on each row; the titles in the
# Areas sheet), and the most characters each column takes (longer text wraps). The widths add up to 165
# characters, which print one page wide on landscape A4 at 85% (sheets._print_scale: 14 columns at 85% allow 165).
# "Re-scheduled" says, beside the target date lateness counts against, the date planned and who approved the move.
SHEET_HEADERS = [header for header in PLAN_HEADERS if header != "Area for improvement"]
SHEET_HEADERS.insert(SHEET_HEADERS.index("Target (as written)") + 1, "Re-scheduled")
PLAN_WIDTHS = [5, 5, 5, 25, 12, 11, 10, 16, 14, 11, 11, 22, 11, 7]
AREA_HEADERS = ["Inspection", "Area", "Area for improvement"]
SUMMARY_HEADERS = [
    "Inspection",
    "Authority",
    "Published",
    "Overall",
    "Actions",
    "Open",
    "Overdue",
    "Done",
    "Red",
    "Amber",
    "Green",
]  # and Blue under BRAG
KEY_HEADERS = ["Rating", "Meaning"]


# -- export -------------------------------------------------------------------------


def _date(iso: str | None) -> dt.date | None:
    return dt.date.fromisoformat(iso) if iso else None


def _iso(iso: str | None) -> str | None:
    return iso


# "Day described" is the day an update tells of (an officer may record on Monday what was done on Friday), beside
# the day it was recorded.
UPDATE_HEADERS = ["Inspection", "Action id", "Action", "Day described", "Recorded", "By", "Change", "Note"]


def _plan_cells(row: PlanRow, *, in_words: bool = True) -> list[object]:
    """One action's cells in PLAN_HEADERS order: for a workbook, dates as dt.date and status and RAG in words
    ("In progress", "Red"); for CSV, dates as ISO text and the status and RAG as scripts read them."""
    if in_words:
        return [*_plan_facts(row, _date), rules.status_name(row.status), rules.RAG_WORDS[row.rag]]
    return [*_plan_facts(row, _iso), row.status, row.rag.upper()]


def _sheet_cells(row: PlanRow) -> list[object]:
    """One action's cells in SHEET_HEADERS order: _plan_cells without the area's title, with "Re-scheduled"."""
    from ilacs_cli.dates.days import human

    cells = [cell for index, cell in enumerate(_plan_cells(row)) if index != 2]
    moved = None
    if row.revised_due:
        planned = human(row.planned_due) if row.planned_due else "no date"
        moved = f"from {planned}, approved by {row.approved_by}" + (
            f" on {human(row.revised_on)}" if row.revised_on else ""
        )
    cells.insert(SHEET_HEADERS.index("Re-scheduled"), moved)
    return cells


def _plan_facts(row: PlanRow, date) -> list[object]:
    return [
        row.action_id,
        row.area,
        row.area_title,
        row.ref,
        row.action,
        row.lead_officer,
        date(row.target_date),
        row.target_wording,
        row.measure,
        date(row.latest_update_on),
        rules.author_name(row.latest_update_by) if date is _date else row.latest_update_by,
        row.latest_update_note,
    ]


def plan_workbook(
    db: Reader, as_of: dt.date, inspection: str | None = None, settings: rules.RatingSettings | None = None
) -> Workbook:
    """A summary sheet, one sheet per inspection in the layout councils use (named in words), the dated history
    of every action (an Updates sheet) and the key of the ratings (a Key sheet, under `settings`: default BRAG),
    each laid out to print; titled for the council's plan, or for all plans."""
    from ilacs_cli.dates.days import human

    settings = settings or rules.RatingSettings()
    rows = list(plan_rows(db, as_of, inspection, settings))
    done = rules.RAG_WORDS["blue" if settings.scheme == "brag" else "green"]
    summary = []
    sheets = []
    footing = f"As of {human(as_of)}"
    for item in db.inspections.counts(rules.overdue(as_of), rules.overdue_deadlines(as_of), inspection):
        mine = [row for row in rows if row.inspection == item.id]
        rag = rules.rag_counts([row.rag for row in mine], settings)
        summary.append(
            [
                item.id,
                item.authority,
                _date(item.published),
                rules.grade_name(item.overall),
                len(mine),
                item.actions_open,
                item.actions_overdue,
                item.actions_done,
                rag["red"],
                rag["amber"],
                rag["green"],
                *([rag["blue"]] if "blue" in rag else []),
            ]
        )
        sheets.append(
            Sheet(
                plan_sheet_title(item.id),
                SHEET_HEADERS,
                [_sheet_cells(row) for row in mine],
                PLAN_WIDTHS,
                heading=f"{item.authority or 'Authority unknown'}: action plan ({item.id})",
                footing=footing,
                rag_column="RAG",
                status_column="Status",
                done_rating=done,
            )
        )
    updates = Sheet(
        "Updates",
        UPDATE_HEADERS,
        _update_rows(db, inspection, as_of),
        heading="Status updates and corrections",
        footing=footing,
    )
    authorities = sorted({item[1] or "Authority unknown" for item in summary})
    title = f"{authorities[0]}: action plan" if inspection is not None and authorities else "Action plans"
    return Workbook(
        title,
        f"Ofsted ILACS inspection action plan{'' if inspection else 's'}, as of {human(as_of)}",
        [
            Sheet(
                "Summary",
                [*SUMMARY_HEADERS, *(["Blue"] if settings.scheme == "brag" else [])],
                summary,
                heading="Action plans: summary",
                footing=f"{footing}. {settings.key}",
            ),
            *sheets,
            Sheet(
                "Areas",
                AREA_HEADERS,
                sorted({(row.inspection, row.area, row.area_title) for row in rows if row.area is not None}),
                [24, 6, 80],
                heading="Areas for improvement",
                footing=footing,
            ),
            updates,
            Sheet(
                "Key",
                KEY_HEADERS,
                [[rules.RAG_WORDS[word], meaning] for word, meaning in settings.meanings()]
                + [[rules.RAG_WORDS[rules.NOT_RATED], "cancelled"]],
                [12, 60],
                heading=f"The key of the ratings ({settings.scheme.upper()})",
                footing=footing,
                rag_column="Rating",
                done_rating=done,
            ),
        ],
    )


def _update_rows(db: Reader, inspection: str | None, as_of: dt.date) -> list[list[object]]:
    """Every status update and correction of the actions (of one inspection, or all) as of `as_of`: recorded by
    the end of that day and describing no later day, in the order recorded.

    Its headers name the action but no other column of a plan, so `import` never takes it for a plan."""
    from ilacs_cli.domain import history

    everything = dt.date(1, 1, 1)
    lines = [
        (
            u.at,
            0,
            u.id,
            [
                u.inspection,
                u.action_id,
                u.action_title,
                _date(u.on_day or u.at[:10]),
                _date(u.at[:10]),
                rules.author_name(u.author),
                history.update_in_words(u.old_status, u.new_status, u.old_due, u.new_due, words=True),
                u.note,
            ],
        )
        for u in db.actions.updates_between(inspection, everything, as_of)
        if (u.on_day or u.at[:10]) <= as_of.isoformat()
    ]
    areas = history.area_numbers(db, inspection)
    for change in db.corrections.between(inspection, everything, as_of):
        if change.subject != "action":
            continue
        name, old, new = history.in_words(change, areas)
        lines.append(
            (
                change.at,
                1,
                change.id,
                [
                    change.inspection,
                    change.subject_id,
                    change.subject_title,
                    _date(change.at[:10]),  # a correction tells of the day it was made
                    _date(change.at[:10]),
                    rules.author_name(change.author),
                    history.correction_in_words(name, old, new),
                    change.note,
                ],
            )
        )
    return [cells for *_, cells in sorted(lines, key=lambda line: line[:3])]


def plan_table(
    db: Reader, as_of: dt.date, inspection: str | None = None, settings: rules.RatingSettings | None = None
) -> Sheet:
    """Every action in one table (with an Inspection column), for CSV: dates stay ISO text, the RAG column holds
    the rating's word (BLUE, GREEN, ...; no key row); rows are produced as they are read."""
    return Sheet(
        "Action plan",
        ["Inspection", *PLAN_HEADERS, *REVISED_COLUMNS],
        (
            [row.inspection, *_plan_cells(row, in_words=False), *_revised_cells(row)]
            for row in plan_rows(db, as_of, inspection, settings)
        ),
    )


# A re-scheduled action's columns in CSV, after RAG: Target date is the revised date lateness counts against.
REVISED_COLUMNS = ["Planned due", "Revised due", "Revised reason", "Approved by", "Revised on"]


def _revised_cells(row: PlanRow) -> list[str | None]:
    if not row.revised_due:
        return [row.planned_due or row.target_date, None, None, None, None]
    return [row.planned_due, row.revised_due, row.revised_reason, row.approved_by, row.revised_on]


def dump(db: Store) -> dict:
    """The whole database (but its calendar) as JSON-ready data that `load` reproduces exactly (the tables'
    own: storage/tables.py)."""
    return db.tables.dump()


def copy(source: Store, target: Store) -> dict[str, int]:
    """Copy the whole of `source` into `target`, which must hold nothing yet, in one transaction (any two
    backends: a file, a PostgreSQL database); then count every table on both and refuse, rolled back, unless they
    agree (and `load` refuses what `ilacs check` would fail). Returns rows per table."""
    held = {table: count for table, count in target.tables.counts().items() if count}
    if held:
        table, count = next(iter(held.items()))
        raise IlacsError(
            f"{target.path} is not empty ({count} {table}): copy into a new file or an empty database; nothing "
            "was written",
            2,
        )
    return load(target, dump(source), str(source.path), expected=source.tables.counts())


def load(db: Store, data: object, source: str, *, expected: dict[str, int] | None = None) -> dict[str, int]:
    """Load a `dump` into a database holding no inspections, in one transaction; returns rows per table. With
    `expected` (rows per table of the database copied), the rows in the target are counted before the
    transaction ends, and it is rolled back unless they agree."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT or not isinstance(data.get("tables"), dict):
        raise IlacsError(f"{source} is not an `ilacs export --all --format json` file: use one made by that command")
    if data.get("version") != EXPORT_VERSION:
        raise IlacsError(
            f"{source} is export version {data.get('version')}; this ilacs reads version "
            f"{EXPORT_VERSION}: export it again with this version"
        )
    data = {**data, "tables": {**{table: [] for table in ADDED_LATER}, **data["tables"]}}
    unknown = set(data["tables"]) - set(EXPORT_TABLES)
    if unknown:
        raise IlacsError(f"{source}: unknown tables {', '.join(sorted(unknown))}: export it again with this ilacs")
    if MEASURES_FROM not in (data.get("schema") or []):  # exported before measures existed: it holds none
        data["tables"] = {**{table: [] for table in MEASURE_TABLES}, **data["tables"]}
    for table in EXPORT_TABLES:
        _check_rows(table, data["tables"].get(table), db.tables.columns(table), source)
    if db.inspections.ids():
        raise IlacsError(
            f"{db.path} already holds inspections: import a whole-database export into a new file, "
            f"e.g. ilacs import {source} --db restored.db"
        )
    from ilacs_cli.domain.health import check

    tables = data["tables"]
    if times_were_utc(data.get("schema") or []):
        tables = times_in_england(tables)  # exported when times were stored in UTC
    counts = {}
    with db.transaction(origin="import", command="restore", author=who(None), note=f"from {source}"):
        for table in EXPORT_TABLES:  # parents before children; updates in order, so the trigger replays
            rows = tables[table]
            db.tables.load(table, rows, source)
            counts[table] = len(rows)
        if expected is not None and db.tables.counts() != expected:
            raise IlacsError(f"copying {source} to {db.path} did not carry every row: nothing was written")
        # What `ilacs check` would find is refused here, and the transaction rolled back: an export ilacs made passes
        failed = [finding for finding in check(db) if not finding.ok]
        if failed:
            raise IlacsError(
                f"{source} would not pass ilacs check ({failed[0].check}: {failed[0].detail}): nothing "
                "restored; restore a file made by ilacs export --all --format json"
            )
    return counts


# The tables of measures and readings, and the migration that made them: an export made before it has none.
MEASURE_TABLES = ("measures", "readings", "measure_withdrawals")
MEASURES_FROM = "m015_measures_and_readings"
_INTEGER_RANGE = range(-(2**63), 2**63)  # SQLite's integers


def _check_rows(table: str, rows: object, columns: dict[str, str], source: str) -> None:
    """Refuse a table that is missing, not a list of rows, or whose rows name unknown columns or hold a value that is
    not the column's type (an INTEGER column takes whole numbers in SQLite's range, a REAL column numbers, a TEXT
    column text)."""

    def refuse(where: str, problem: str) -> IlacsError:
        return IlacsError(f"{source}: {where}: {problem}: restore a file made by ilacs export --all --format json")

    if rows is None:
        raise refuse(f"table {table}", "missing")
    if not isinstance(rows, list):
        raise refuse(f"table {table}", f"must be a list of rows, not {_json_type(rows)}")
    for number, row in enumerate(rows, 1):
        where = f"table {table}, row {number}"
        if not isinstance(row, dict):
            raise refuse(where, f"must be an object of column: value, not {_json_type(row)}")
        for column, value in row.items():
            kind = columns.get(column)
            if kind is None:
                raise refuse(f"{where}, {column}", "no such column")
            if value is None:
                continue
            if kind == "INTEGER" and not (type(value) is int and value in _INTEGER_RANGE):
                raise refuse(f"{where}, {column}", f"must be a whole number, not {_json_type(value)}")
            if kind == "REAL" and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise refuse(f"{where}, {column}", f"must be a number, not {_json_type(value)}")
            if kind == "TEXT" and not isinstance(value, str):
                raise refuse(f"{where}, {column}", f"must be text, not {_json_type(value)}")
            if kind == "TEXT" and (why := rules.text_problem(value, limit=None)):  # any length a version kept
                raise refuse(f"{where}, {column}", why)


def _json_type(value: object) -> str:
    """What a JSON value is, in JSON's words."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a number" if value in _INTEGER_RANGE else "a number beyond 64 bits"
    return {dict: "an object", list: "a list", str: "text", float: "a number"}.get(type(value), "null")


# -- import of spreadsheet action plans ----------------------------------------------

FIELDS = {
    "title": ["action", "actions", "action to be taken", "actions to be taken", "what we will do", "title", "task"],
    "owner": [
        "lead officer",
        "lead officers",
        "owner",
        "lead",
        "responsible officer",
        "action owner",
        "responsible",
        "lead officer(s)",
        "who",
    ],
    "due": [
        "target date",
        "timescale",
        "timescales",
        "due",
        "due date",
        "deadline",
        "by when",
        "completion date",
        "target",
    ],
    "area": ["area", "area no", "area number", "afi", "aoi", "recommendation no", "recommendation number"],
    "area_text": [
        "area for improvement",
        "areas for improvement",
        "recommendation",
        "area of improvement",
        "improvement area",
        "what needs to improve",
        "area title",  # the plan's own JSON (export -f json) names its columns as JSON keys
    ],
    "ref": ["ref", "reference", "ref no", "action ref", "no", "number", "action no"],
    "measure": [
        "measure of success",
        "measures of success",
        "measure",
        "success measure",
        "success measures",
        "impact",
        "outcome",
        "success criteria",
    ],
    "progress": [
        "progress",
        "latest update",
        "update",
        "progress update",
        "comments",
        "commentary",
        "latest update note",
    ],
    "status": ["status", "progress status"],
    "wording": ["target (as written)", "target as written", "target wording"],
    "inspection": ["inspection"],
    # A revised date moves only by `ilacs reschedule`, with its approval: ilacs's own columns for it come back unread.
    "ignore": [
        *("id", "action id", "rag", "rag status", "rag rating", "latest update on", "latest update by"),
        *("planned due", "revised due", "revised reason", "approved by", "revised on", "re-scheduled"),
    ],
}
HEADER_ROWS = 20  # the header row is looked for in a sheet's first 20 rows (a title row may sit above it)
# Fields that, beside the action's own column, make a row a header row (an Inspection or RAG column does not).
_PLAN_FIELDS = set(FIELDS) - {"title", "inspection", "ignore"}
# Target dates in one of these shapes mean one day: when one cannot be read, it is a mistake, not a wording.
_DAY_SHAPES = re.compile(
    r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|"
    r"\d{1,2}(st|nd|rd|th)?\s+[a-z]{3,9}\.?,?\s+\d{4})$",
    re.IGNORECASE,
)
STATUS_WORDS = {
    **{status: status for status in STATUSES},
    "not started": "not-started",
    "in progress": "in-progress",
    "on track": "in-progress",
    "ongoing": "in-progress",
    "started": "in-progress",
    "on hold": "blocked",
    "complete": "done",
    "completed": "done",
    "closed": "done",
    "canceled": "cancelled",
    "withdrawn": "cancelled",
}


def _normal(text: str) -> str:
    return " ".join(str(text).replace("_", " ").split()).strip(" :*").casefold()


_HEADER_FIELDS = {_normal(name): field_name for field_name, names in FIELDS.items() for name in names}


@dataclass
class ImportProblem:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class _Target:
    """A row's target date: a day (with the words it was given in, if vague), or words alone that are no date
    ("Ongoing", "TBC"): those are kept as the action's wording, with no due date."""

    day: dt.date | None
    wording: str | None = None


@dataclass
class _Row:
    """One spreadsheet row, read and checked, waiting to be matched and written."""

    number: int
    title: str
    ref: str | None
    owner: str | None
    due: _Target | None
    measure: str | None
    status: str | None
    note: str | None
    area_id: int | None


@dataclass
class ImportResult:
    inspection: str
    added: int = 0
    updated: int = 0
    status_changes: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    sheet: str | None = None  # the workbook's sheet read (None for CSV)
    header_row: int = 1
    chosen_sheet: bool = False  # the sheet was picked among several without --sheet
    skipped: dict[str, int] = field(default_factory=dict)  # rows of other inspections (an export of several)
    undated: list[int] = field(default_factory=list)  # rows whose target is kept as words, with no date
    dates_kept: list[int] = field(default_factory=list)  # rows whose words did not replace an action's date


def _chosen(mapping: dict[str, str]) -> dict[str, str]:
    """--map's columns (normalised) and the fields they give, each field checked."""
    for column, field_name in mapping.items():
        if field_name not in FIELDS:
            raise IlacsError(f"--map {column}={field_name}: the field must be one of {', '.join(FIELDS)}", 2)
    return {_normal(column): field_name for column, field_name in mapping.items()}


def _field(header: object, chosen: dict[str, str]) -> str | None:
    if header is None:
        return None
    return chosen.get(_normal(header)) or _HEADER_FIELDS.get(_normal(header))


def column_fields(headers: list[str], mapping: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Which column gives each field (the first that names it; a later one is named among the columns not
    imported, and one of the same name refused), and the headers not imported."""
    chosen = _chosen(mapping)
    for column, field_name in mapping.items():
        if _normal(column) not in {_normal(header) for header in headers}:
            raise IlacsError(
                f"--map {column}={field_name}: there is no column '{column}'; the columns are "
                f"{', '.join(header for header in headers if header)}",
                2,
            )
    columns: dict[str, int] = {}
    unknown = []
    for index, header in enumerate(headers):
        field_name = _field(header, chosen)
        if field_name is None:
            if header:
                unknown.append(header)
        elif field_name != "ignore" and field_name in columns:
            first = headers[columns[field_name]]
            if _normal(first) == _normal(header):  # two columns of one name: which one is meant cannot be said
                raise IlacsError(
                    f"the header row has '{quoted(header)}' twice (columns {columns[field_name] + 1} and {index + 1}): "
                    "rename one, or delete the column not meant",
                    2,
                )
            unknown.append(f"{header} (the {field_name} is read from '{first}')")  # said, not dropped silently
        elif field_name != "ignore":
            columns[field_name] = index
    if "title" not in columns:
        raise IlacsError(
            f"no column names the action (columns: {', '.join(h for h in headers if h)}): "
            'add --map "YOUR COLUMN=title"',
            2,
        )
    return columns, unknown


def import_rows(
    db: Store,
    inspection: str,
    headers: list[str],
    rows: list[tuple[int, list[object]]],
    *,
    source: str,
    mapping: dict[str, str],
    dry_run: bool,
    by: str | None,
    today: dt.date,
    evidence_required: bool = False,
) -> ImportResult:
    """Add or update the inspection's actions from spreadsheet rows: every row, or (if any row is bad) none. With
    `evidence_required` (the council's setting) a row may make an action done only when it has evidence.

    Rows are (the spreadsheet's own row number, cells). An Inspection column naming this database's inspections
    (an `ilacs export` of several plans) is obeyed: rows of other inspections are skipped and counted."""
    require_inspection(db, inspection)
    columns, unknown = column_fields(headers, mapping)
    result = ImportResult(inspection, ignored_columns=unknown)
    areas = {area.number: area for area in db.inspections.areas(inspection)}
    known = _named_inspections(db, columns, rows)
    seen: dict[str, int] = {}
    plan = []
    for number, cells in rows:
        values = {name: _cell(cells, index) for name, index in columns.items()}
        if all(value is None for value in values.values()):
            continue  # a blank line
        problems = len(result.problems)

        def problem(field_name: str, message: str) -> None:
            result.problems.append(ImportProblem(number, headers[columns[field_name]], message))

        for name, value in values.items():
            if isinstance(value, str) and (why := rules.text_problem(value)):
                problem(name, why)
        if len(result.problems) > problems:
            continue

        named = _text(values.get("inspection")) if known else None
        if named and named != inspection:
            if named in known:
                result.skipped[named] = result.skipped.get(named, 0) + 1
                continue
            problem(
                "inspection",
                f"'{named}' is not an inspection in this database: correct it, or clear the "
                f"cell to import the row into {inspection}",
            )
        title = values.get("title")
        if not isinstance(title, str) or not title.strip():
            problem("title", "the action is empty")
        ref = None if values.get("ref") is None else _text(values["ref"])
        key = f"ref:{ref.casefold()}" if ref else f"title:{str(title).strip().casefold()}"
        if key in seen:
            problem("ref" if ref else "title", f"same {'reference' if ref else 'action'} as row {seen[key]}")
        seen[key] = number
        due = _due(values.get("due"), values.get("wording"), today, db, problem)
        status = None
        if values.get("status") is not None:
            status = STATUS_WORDS.get(_normal(values["status"]))
            if status is None:
                problem("status", f"'{values['status']}' is not a status: use {', '.join(STATUSES)}")
        area = _area(values.get("area"), values.get("area_text"), areas, lambda name, message: problem(name, message))
        if len(result.problems) > problems:
            continue
        plan.append(
            _Row(
                number,
                title.strip(),
                ref,
                _text(values.get("owner")),
                due,
                _text(values.get("measure")),
                status,
                _text(values.get("progress")),
                area and areas[area].id,
            )
        )
    if result.problems:
        return result
    if not plan and result.skipped:
        raise IlacsError(
            f"{source} has no rows for {inspection}: its Inspection column names "
            f"{', '.join(sorted(result.skipped))}: import it with --inspection "
            f"{sorted(result.skipped)[0]}, or clear that column to import its rows into {inspection}"
        )
    author = who(by)
    with db.transaction(origin="import", command="import", author=author, note=f"from {source}", dry_run=dry_run):
        # Match against the actions as they are under the write lock: others may be updating them.
        existing = db.actions.matching(inspection=inspection)
        by_ref = {str(action.ref).casefold(): action for action in existing if action.ref}
        by_title = {action.title.casefold(): action for action in existing}
        for row in plan:
            match = (by_ref.get(row.ref.casefold()) if row.ref else None) or by_title.get(row.title.casefold())
            if row.due and row.due.day is None:
                # Words alone are written only with a new action; an action's own target stays as it is.
                kept = match is None or (match.due is None and match.wording == row.due.wording)
                (result.undated if kept else result.dates_kept).append(row.number)
            _refuse_what_needs_a_command(db, match, row, evidence_required)
            _apply(db, inspection, match, row, source, result)
    return result


def _refuse_what_needs_a_command(db: Store, match: ActionRow | None, row: _Row, evidence_required: bool) -> None:
    """A re-scheduled date moves only by `ilacs reschedule` (with approval); done needs evidence first when the
    council requires it. Raised in the import's transaction: nothing is imported."""
    due_iso = row.due.day.isoformat() if row.due and row.due.day else None
    if match is not None and match.revised_due and due_iso and due_iso != match.due:
        raise IlacsError(
            f"row {row.number}: action {match.id} was re-scheduled to {match.revised_due} with approval; its date "
            f"moves only with ilacs reschedule {match.id}: nothing imported; give {match.revised_due} or clear the cell"
        )
    if evidence_required and row.status == "done" and (match is None or match.status != "done"):
        if match is None or not db.evidence.of(match.id):
            named = f"action {match.id}" if match else "a new action"
            raise IlacsError(
                f"row {row.number}: {named} would be done without evidence, which this council requires: nothing "
                "imported; record it first with `ilacs evidence add ACTION LINK_OR_PATH`, then import again"
            )  # a dry run did the same work, counted it, and kept none of it (rolled back)


def import_sheet(
    db: Store,
    path: Path,
    inspection: str | None,
    *,
    sheet: str | None,
    mapping: dict[str, str],
    dry_run: bool,
    by: str | None,
    today: dt.date,
    evidence_required: bool = False,
) -> ImportResult:
    """Read a .csv or .xlsx action plan and import it (see `import_rows`).

    The header row is the first of a sheet's first HEADER_ROWS rows that names the action and another known
    field. Without `sheet`, a workbook's sheet is the one named after the inspection (a workbook made by `ilacs
    export`), else the only sheet with such a header. Without `inspection`, a file of one inspection's plan made
    by `ilacs export` names its own (its sheet's name, or its Inspection column)."""
    from ilacs_cli.exchange.sheets import read_tables

    if inspection is not None:
        require_inspection(db, inspection)
    _chosen(mapping)
    tables = read_tables(path, sheet)
    known = set(db.inspections.ids())
    table, at = _choose_table(tables, inspection, known, path.name, mapping, named=sheet is not None)
    header_row, cells = table.rows[at]
    headers = ["" if cell is None else str(cell).strip() for cell in cells]
    rows = table.rows[at + 1 :]
    if inspection is None:
        inspection = _inspection_of(table, headers, rows, known, path.name, mapping)
    result = import_rows(
        db,
        inspection,
        headers,
        rows,
        source=path.name,
        mapping=mapping,
        dry_run=dry_run,
        by=by,
        today=today,
        evidence_required=evidence_required,
    )
    result.sheet, result.header_row = table.name, header_row
    result.chosen_sheet = sheet is None and len(tables) > 1
    return result


def _header_at(table: Table, chosen: dict[str, str]) -> int | None:
    """The index (in table.rows) of the header row: the first of HEADER_ROWS rows naming the action and another
    field of a plan."""
    for index, (number, cells) in enumerate(table.rows):
        if number > HEADER_ROWS:
            break
        fields = {_field(cell, chosen) for cell in cells}
        if "title" in fields and fields & _PLAN_FIELDS:
            return index
    return None


def _choose_table(
    tables: list[Table], inspection: str | None, known: set[str], source: str, mapping: dict[str, str], *, named: bool
) -> tuple[Table, int]:
    """The table to import and its header row's index."""
    chosen = _chosen(mapping)
    found = [(table, at) for table in tables if (at := _header_at(table, chosen)) is not None]
    if not found:
        raise IlacsError(_no_header(tables, source))
    if len(found) == 1 and (named or len(tables) == 1):
        return found[0]
    if inspection is not None:
        own = [item for item in found if is_plan_sheet(item[0].name, inspection)]
        if own:
            return own[0]
    left = [
        item for item in found if not any(is_plan_sheet(item[0].name, other) for other in known if other != inspection)
    ]
    if len(left) == 1:
        return left[0]
    names = ", ".join(table.name for table, _ in (left or found))
    if left:
        raise IlacsError(f"{source} has {len(left)} sheets of actions ({names}): say which with --sheet NAME", 2)
    if inspection is None:
        if len(found) == 1:
            return found[0]  # a workbook of one inspection's plan, made by `ilacs export`
        raise IlacsError(
            f"{source} holds the plans of {len(found)} inspections ({names}): say which with --inspection ID", 2
        )
    raise IlacsError(
        f"{source} has no sheet for {inspection}; its sheets of actions are other inspections' "
        f"({names}): add --sheet NAME to import one of them into {inspection}",
        2,
    )


def _no_header(tables: list[Table], source: str) -> str:
    need = (
        f"no row in the first {HEADER_ROWS} names the action (a column such as Action) and another column "
        "(such as Lead officer, Target date or Ref)"
    )
    if len(tables) > 1:
        return (
            f"no sheet of {source} has a header row ({', '.join(table.name for table in tables)}): {need}: "
            'add --map "YOUR COLUMN=title", or --sheet NAME and move its headers up'
        )
    table = tables[0]
    where = source if table.name is None else f"sheet '{table.name}' of {source}"
    first = next((cells for number, cells in table.rows if number <= HEADER_ROWS), [])  # blank rows are not kept
    seen = ", ".join(str(cell).strip() for cell in first if cell not in (None, ""))[:120]
    return (
        f"{where} has no header row: {need}{f' (its first row: {seen})' if seen else ''}: add --map "
        '"YOUR COLUMN=title" or move the headers up'
    )


def _named_inspections(db: Store, columns: dict[str, int], rows: list[tuple[int, list[object]]]) -> set[str]:
    """This database's inspections, if the Inspection column names any of them (it is then ilacs's own column,
    and obeyed); else nothing: a council's own "Inspection" column is not ours to read."""
    if "inspection" not in columns:
        return set()
    known = set(db.inspections.ids())
    named = {_text(_cell(cells, columns["inspection"])) for _, cells in rows}
    return known if named & known else set()


def _inspection_of(
    table: Table,
    headers: list[str],
    rows: list[tuple[int, list[object]]],
    known: set[str],
    source: str,
    mapping: dict[str, str],
) -> str:
    """The inspection a file made by `ilacs export` names: its sheet's name, or its Inspection column's one
    value."""
    for inspection in sorted(known):
        if is_plan_sheet(table.name, inspection):
            return inspection
    chosen = _chosen(mapping)
    index = next((i for i, header in enumerate(headers) if _field(header, chosen) == "inspection"), None)
    if index is not None:
        named = sorted({_text(_cell(cells, index)) for _, cells in rows} & known)
        if len(named) == 1:
            return named[0]
        if named:
            raise IlacsError(
                f"{source} holds the plans of {len(named)} inspections ({', '.join(named)}): say "
                "which with --inspection ID",
                2,
            )
    raise IlacsError(f"which inspection does {source} belong to? add --inspection ID", 2)


def _apply(db: Store, inspection: str, match: ActionRow | None, row: _Row, source: str, result: ImportResult) -> None:
    due_iso = row.due.day.isoformat() if row.due and row.due.day else None
    wording = row.due.wording if row.due else None
    if match is None:
        db.actions.add(
            inspection=inspection,
            area_id=row.area_id,
            ref=row.ref,
            title=row.title,
            owner=row.owner,
            due=due_iso,
            wording=wording,
            measure=row.measure,
            source=source,
            status=row.status or "not-started",
            note=row.note or "imported",
        )
        result.added += 1
        return
    given = {
        "title": (row.title, match.title),
        "owner": (row.owner, match.owner),
        "measure": (row.measure, match.measure),
        "area_id": (row.area_id, match.area_id),
        "ref": (row.ref, match.ref),
    }
    changes = {name: new for name, (new, old) in given.items() if new is not None and new != old}
    new_status = row.status if row.status and row.status != match.status else None
    new_due = due_iso if due_iso and due_iso != match.due else None
    new_note = row.note if row.note and row.note != match.update_note else None
    if new_due:
        changes["wording"] = wording  # a new date brings its own words, or none
    if changes:
        db.actions.correct(match.id, changes)
    if new_status or new_due or new_note:
        db.actions.record_update(
            match.id,
            old_status=match.status,
            new_status=new_status or match.status,
            old_due=match.due if new_due else None,
            new_due=new_due,
            note=new_note,
        )
    if changes or new_status or new_note:
        result.updated += 1
        result.status_changes += bool(new_status)
    else:
        result.unchanged += 1


def _cell(cells: list[object], index: int) -> object:
    value = cells[index] if index < len(cells) else None
    if isinstance(value, str):
        value = value.strip() or None
    return value


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _due(value: object, wording: object, today: dt.date, db: Store, problem) -> _Target | None:
    """The row's target: from its target date cell or, when that is empty, its "Target (as written)" cell (an
    `ilacs export` column). Beside a date, "Target (as written)" is kept while it still names that day."""
    words = _text(wording)
    if value is None:
        return None if words is None else _target(words, today, db, lambda message: problem("wording", message))
    target = _target(value, today, db, lambda message: problem("due", message))
    if target is not None and target.day is not None and target.wording is None and words is not None:
        try:
            written = parse_due(words, today, db.calendar.add_working_days)
        except IlacsError:
            written = None
        if written is not None and written.wording and written.day == target.day:
            return _Target(target.day, written.wording)
    return target


def _target(value: object, today: dt.date, db: Store, problem) -> _Target | None:
    """An Excel date cell, or text: a UK or ISO date, a period ("June 2024"), or words that are no date
    ("Ongoing", "TBC"), kept as they are. Text shaped like one day that is no day ("31/02/2024") is a problem."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if why := outside_years(value):
            problem(f"the date {why}")
            return None
        return _Target(value)
    text = _text(value)
    try:
        due = parse_due(text, today, db.calendar.add_working_days)
    except IlacsError as error:
        if isinstance(error, OutsideYears) or _DAY_SHAPES.match(text):
            problem(str(error))
            return None
        return _Target(None, text)
    return _Target(due.day, due.wording)


def _area_texts(area: AreaRow) -> list[str]:
    """An area's title and its sub-points: a spreadsheet may name the area by either."""
    return [area.title, *area.points]


_LEADING_NUMBER = re.compile(r"^\D{0,12}?(\d+)\b")


def _area(number: object, text: object, areas: dict, problem) -> int | None:
    """The area's number: from a number column, or the text's leading number, or text found in one area."""
    listed = ", ".join(str(n) for n in areas) or "none"
    if number is not None:
        found = _LEADING_NUMBER.match(_text(number) or "")
        if found and int(found.group(1)) in areas:
            return int(found.group(1))
        problem("area", f"'{number}' is not one of this inspection's areas ({listed})")
        return None
    if text is None:
        return None
    wanted = _normal(text)
    for area_number, area in areas.items():
        if _normal(area.title) == wanted:
            return area_number
    found = _LEADING_NUMBER.match(wanted)
    if found and int(found.group(1)) in areas:
        return int(found.group(1))
    near = [
        n
        for n, area in areas.items()
        if any(wanted in _normal(text) or _normal(text) in wanted for text in _area_texts(area))
    ]
    if len(near) == 1:
        return near[0]
    problem(
        "area_text",
        f"'{text}' matches {'several' if near else 'none'} of this inspection's areas ({listed}): give the area number",
    )
    return None
