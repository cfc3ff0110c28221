"""Commands on measures of success: `ilacs measure add`, `ilacs reading add|import`, `ilacs measures`."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from ilacs_cli.cli.common import (
    AsOf,
    By,
    Csv,
    DbOption,
    InspectionOption,
    Json,
    app,
    command_group,
    complete_inspection,
    date_cell,
    human_day,
    nothing,
    open_store,
    parse_day,
    reading,
    today,
)

measure_app = command_group("measure", "Measures of success: a baseline, a target and readings.")
reading_app = command_group("reading", "Readings of measures: one at a time, or a file of them.")


@measure_app.command("add")
def measure_add(
    inspection: Annotated[
        str, typer.Argument(help="Inspection id, e.g. east-sussex-2023.", autocompletion=complete_inspection)
    ],
    title: Annotated[str, typer.Argument(help='What is measured, e.g. "Care plans rated good or better".')],
    area: Annotated[int, typer.Option(help="Area for improvement number.")],
    unit: Annotated[str, typer.Option(help='The unit, e.g. "%" or "children".')],
    baseline: Annotated[str, typer.Option(help="The value at the start, e.g. 52.5.")],
    baseline_on: Annotated[str, typer.Option("--baseline-on", help="The day the baseline describes.")],
    target: Annotated[str, typer.Option(help="The value to reach.")],
    better: Annotated[str, typer.Option(help="higher or lower: which way is better.")],
    target_by: Annotated[
        Optional[str], typer.Option("--target-by", help="The day the target should be met by.")
    ] = None,
    tolerance: Annotated[
        Optional[str], typer.Option(help="How far short of the target is still 'within tolerance' (default 0).")
    ] = None,
    action: Annotated[Optional[list[str]], typer.Option(help="An action this measures (repeat).")] = None,
    source: Annotated[Optional[str], typer.Option(help="Where the values come from, e.g. Liquidlogic.")] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Add a measure of success under an area; prints its id (M1).  Example: ilacs measure add east-sussex-2023 "Care plans rated good" --area 1 --unit % --baseline 52 --baseline-on 31/01/2024 --target 80 --target-by 31/03/2025 --better higher --tolerance 5"""
    from ilacs_cli.domain import measures

    store = open_store(db)
    print(
        measures.add_measure(
            store,
            inspection,
            title,
            area=area,
            unit=unit,
            baseline=baseline,
            baseline_on=baseline_on,
            target=target,
            better=better,
            today=today(),
            target_by=target_by,
            tolerance=tolerance,
            actions=action,
            source=source,
            by=by,
        )
    )


@reading_app.command("add")
def reading_add(
    measure: Annotated[str, typer.Argument(help="Measure id, e.g. M3 (see ilacs measures).")],
    value: Annotated[str, typer.Argument(help="The value read, e.g. 61.5 (digits, '.' for decimals).")],
    on: Annotated[str, typer.Option(help="The day the reading describes.")],
    source: Annotated[Optional[str], typer.Option(help="Where it came from, e.g. the BI report.")] = None,
    note: Annotated[Optional[str], typer.Option(help="Commentary (recorded with the reading).")] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Record a dated reading of a measure.  Example: ilacs reading add M3 61.5 --on 30/04/2024 --source "Power BI" """
    from ilacs_cli.domain import measures

    store = open_store(db)
    print(measures.add_reading(store, measure, value, parse_day(on, store), today(), source=source, note=note, by=by))


@reading_app.command("import")
def reading_import(
    file: Annotated[
        Path, typer.Argument(help="A .csv or .xlsx file with columns measure, date, value (source, note).")
    ],
    sheet: Annotated[Optional[str], typer.Option(help="The workbook's sheet (default: the one with readings).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count; write nothing.")] = False,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Bring in readings from a file, all or nothing: one bad row refuses it whole.  Example: ilacs reading import readings.csv --dry-run"""
    from ilacs_cli.exchange.readings import import_readings

    store = open_store(db)
    result = import_readings(store, file, dry_run=dry_run, by=by, today=today(), sheet=sheet)
    repeated = result.readings - result.recorded
    print(
        f"{'Would import' if dry_run else 'Imported'} {result.recorded} readings of {result.measures} measures "
        f"from {result.file}" + (f" ({repeated} recorded already, left as they are)" if repeated else "")
    )


MEASURE_HEADERS = ["id", "inspection", "area", "measure", "unit", "baseline", "latest", "target", "to go", "travel"]


@app.command("measures")
def measures_(
    inspection: InspectionOption = None,
    area: Annotated[Optional[int], typer.Option(help="Only this area for improvement (with --inspection).")] = None,
    as_of: AsOf = None,
    db: DbOption = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """Measures of success against their targets: latest reading, distance to target, direction of travel, rating.  Example: ilacs measures --inspection east-sussex-2023 --as-of 2025-03-31"""
    from ilacs_cli import render
    from ilacs_cli.domain import measures, rules
    from ilacs_cli.errors import IlacsError

    if area is not None and inspection is None:
        raise IlacsError("--area needs --inspection: areas are numbered within an inspection", 2)
    store = open_store(db)
    reader, day = reading(as_of, store)
    found = measures.list_measures(reader, day, inspection=inspection, area=area)
    if not found:
        nothing("no measures" + (f" in {inspection}" if inspection else "") + f" as of {human_day(day)}")
    if json:
        print(render.as_json(found))
        return
    if csv:
        render.table(None, MEASURE_CSV_HEADERS, [_csv_row(m) for m in found], csv_out=True)
        return
    cell = date_cell(False)
    rows = [
        [
            m.id,
            m.inspection,
            m.area,
            m.title,
            m.unit,
            f"{m.baseline} ({cell(m.baseline_on)})" if m.baseline is not None else "unknown",
            f"{m.latest} ({cell(m.latest_on)})" if m.latest is not None else "—",
            f"{m.target}" + (f" by {cell(m.target_by)}" if m.target_by else "") + f" ({m.better} is better)",
            _to_go(m),
            m.direction or "—",
            m.rating,
        ]
        for m in found
    ]
    render.table(
        f"Measures as of {human_day(day)}",
        [*MEASURE_HEADERS, "rating"],
        rows,
        whole=("id", "area", "rating"),
        same={"inspection": inspection} if inspection else None,
        optional=("unit", "travel", "inspection"),
        red=[m.rating == rules.OFF_TARGET for m in found],
    )
    if found:
        print(f"\nKey: {rules.MEASURE_DESCRIPTION}")


def _to_go(m) -> str:
    if m.to_go is None:
        return "—"
    if m.to_go > 0:
        return f"{m.to_go} to go"
    return "reached" if m.to_go == 0 else f"{-m.to_go} beyond"


MEASURE_CSV_HEADERS = [
    "id",
    "inspection",
    "area",
    "measure",
    "unit",
    "better",
    "tolerance",
    "baseline",
    "baseline_on",
    "latest",
    "latest_on",
    "previous",
    "previous_on",
    "target",
    "target_by",
    "to_go",
    "direction",
    "rating",
]


def _csv_row(m) -> list:
    def blank(value):
        return "" if value is None else value

    return [
        m.id,
        m.inspection,
        m.area,
        m.title,
        m.unit,
        m.better,
        m.tolerance,
        blank(m.baseline),
        blank(m.baseline_on),
        blank(m.latest),
        blank(m.latest_on),
        blank(m.previous),
        blank(m.previous_on),
        m.target,
        blank(m.target_by),
        blank(m.to_go),
        blank(m.direction),
        m.rating,
    ]
