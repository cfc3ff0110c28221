"""Commands that move plans in and out and write papers: export, import, changes, summary, report, calendar."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ilacs_cli.cli.common import (
    AsOf,
    Csv,
    DbOption,
    InspectionArg,
    InspectionOption,
    Json,
    Output,
    Replace,
    TheInspection,
    app,
    check_format,
    complete_inspection,
    human_day,
    human_time,
    loading,
    nothing,
    one_inspection,
    open_store,
    parse_day,
    print_key,
    ratings,
    reading,
    today,
)
from ilacs_cli.errors import IlacsError, visible

# -- export and import --------------------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx", "json")


@app.command()
def export(
    inspection: Annotated[
        Optional[str], typer.Argument(help="One inspection (default: all).", autocompletion=complete_inspection)
    ] = None,
    the_inspection: TheInspection = None,
    format: Annotated[
        Optional[str], typer.Option("--format", "-f", help="csv, xlsx or json (default: -o's extension, else csv).")
    ] = None,
    output: Output = None,
    force: Replace = False,
    everything: Annotated[
        bool, typer.Option("--all", help="With --format json: the whole database, for `ilacs import` into a new file.")
    ] = False,
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """The action plan as councils lay it out (area, action, lead officer, target date, measure, latest update, status, RAG).  Example: ilacs export east-sussex-2023 --format xlsx -o plan.xlsx"""
    from ilacs_cli.exchange import files
    from ilacs_cli.exchange import plans as exchange

    inspection = one_inspection(inspection, the_inspection, required=False)
    format = check_format(format or ("json" if everything else None), EXPORT_FORMATS, output)
    if everything and (format != "json" or inspection):
        raise IlacsError("--all exports the whole database as JSON: ilacs export --all --format json -o FILE", 2)
    if everything and as_of is not None:
        raise IlacsError(
            "--all copies the whole database with all its history, not the plan as of a day: leave out --as-of", 2
        )
    if format == "xlsx" and output is None and sys.stdout.isatty():
        raise IlacsError("an Excel workbook is not for a terminal: add -o FILE.xlsx", 2)
    settings = ratings()
    store = open_store(db)
    reader, day = reading(as_of, store)
    if format == "csv":  # streamed: a national plan is never held in memory whole
        from ilacs_cli.exchange import sheets

        table = exchange.plan_table(reader, day, inspection, settings)
        with files.output(output, force=force, database=store.path) as stream:
            sheets.write_csv(table, stream, bom=output is not None)
        return
    if everything:
        import json

        data = json.dumps(exchange.dump(store), indent=2, ensure_ascii=False) + "\n"
    elif format == "json":
        from ilacs_cli import render
        from ilacs_cli.domain import progress

        data = render.as_json(list(progress.plan_rows(reader, day, inspection, settings))) + "\n"
    else:
        from ilacs_cli.exchange import sheets

        data = sheets.xlsx_bytes(exchange.plan_workbook(reader, day, inspection, settings))
    files.write_output(output, data, force=force, database=store.path)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(help="A .csv or .xlsx action plan, a plan's .json from `export`, or an `export --all` .json."),
    ],
    inspection: Annotated[
        Optional[str],
        typer.Option(
            help="The inspection a spreadsheet's actions answer (a file `ilacs export` made for one inspection "
            "names its own). With an export of several, only this inspection's rows are imported; the "
            "others are skipped and counted.",
            autocompletion=complete_inspection,
        ),
    ] = None,
    sheet: Annotated[
        Optional[str],
        typer.Option(
            help="The workbook's sheet (default: the one named after --inspection, else the only sheet whose "
            "headers name an action)."
        ),
    ] = None,
    mapping: Annotated[
        Optional[list[str]],
        typer.Option(
            "--map",
            help="COLUMN=field for a header ilacs does not know: field is title, owner, due, area, "
            "area_text, ref, measure, progress, status, wording, inspection or ignore "
            "(repeat).",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count; write nothing.")] = False,
    by: Annotated[Optional[str], typer.Option(help="Author of the status updates recorded.")] = None,
    db: DbOption = None,
) -> None:
    """Bring in a spreadsheet action plan (every row, or none if any row is bad), or restore a whole-database export.  Example: ilacs import plan.xlsx --inspection east-sussex-2023 --dry-run"""
    from ilacs_cli.exchange import plans as exchange

    if file.suffix.lower() == ".json" and not isinstance(data := _read_json(file), list):  # a list: a plan's rows
        if inspection or sheet or mapping or dry_run:
            raise IlacsError(
                f"a .json file is a whole-database export: import it alone, e.g. ilacs import {file} --db restored.db",
                2,
            )
        with loading(db) as store:
            counts = exchange.load(store, data, file.name)
        print(
            f"Imported {file.name} into {store.path}: " + ", ".join(f"{n} {t}" for t, n in counts.items() if n),
            file=sys.stderr,
        )
        return
    pairs = {}
    for item in mapping or []:
        column, sep, field_name = item.rpartition("=")
        if not sep or not column.strip():
            raise IlacsError(f"--map '{item}' must be COLUMN=field, e.g. --map \"Lead Officer(s)=owner\"", 2)
        pairs[column.strip()] = field_name.strip()
    from ilacs_cli.mail.config import evidence_required

    store = open_store(db)
    result = exchange.import_sheet(
        store,
        file,
        inspection,
        sheet=sheet,
        mapping=pairs,
        dry_run=dry_run,
        by=by,
        today=today(),
        evidence_required=evidence_required(),
    )
    if result.problems:
        for problem in result.problems:
            print(
                visible(f"{file.name}: row {problem.row}, column '{problem.column}': {problem.message}"),
                file=sys.stderr,
            )
        raise IlacsError(f"{len(result.problems)} problems in {file.name}: nothing imported; fix them and re-run")
    if result.chosen_sheet or result.header_row != 1:
        where = f"sheet '{result.sheet}'" if result.sheet is not None else file.name
        print(f"ilacs: read {where}, headers on row {result.header_row}", file=sys.stderr)
    if result.ignored_columns:
        print(
            f"ilacs: columns not imported: {', '.join(result.ignored_columns)} (name them with --map COLUMN=field)",
            file=sys.stderr,
        )
    if result.skipped:
        print(
            f"ilacs: {_rows(sum(result.skipped.values()))} of other inspections skipped "
            f"({', '.join(f'{name}: {n}' for name, n in sorted(result.skipped.items()))}): import each with "
            "--inspection ID",
            file=sys.stderr,
        )
    if result.undated:
        print(
            f"ilacs: {_count(result.undated, 'target date')} kept as written, with no date: "
            f"{_rows_list(result.undated)}",
            file=sys.stderr,
        )
    if result.dates_kept:
        print(
            f"ilacs: {_count(result.dates_kept, 'target')} not read as a date left the action's own target as it "
            f"was: {_rows_list(result.dates_kept)} (change one with ilacs update ID --due DATE)",
            file=sys.stderr,
        )
    verb = "Would import" if dry_run else "Imported"
    print(
        f"{verb} {file.name} into {result.inspection}: {result.added} added, {result.updated} updated "
        f"({result.status_changes} status changes), {result.unchanged} unchanged"
    )


def _count(rows: list[int], noun: str) -> str:
    return f"{len(rows)} {noun}{'' if len(rows) == 1 else 's'}"


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def _rows_list(rows: list[int]) -> str:
    return f"row{'' if len(rows) == 1 else 's'} {', '.join(map(str, rows))}"


def _read_json(file: Path):
    import json

    from ilacs_cli.domain.rules import FILE_BYTES_LIMIT
    from ilacs_cli.textfiles import NotText, parse_json, read_text

    try:
        return parse_json(read_text(file, FILE_BYTES_LIMIT))
    except FileNotFoundError:
        raise IlacsError(f"no file {file}: check the path") from None
    except (OSError, NotText, json.JSONDecodeError) as error:
        raise IlacsError(f"cannot read {file} as JSON ({error}): use a file made by ilacs export --all") from None


# -- summary and report -------------------------------------------------------------

REPORT_FORMATS = ("markdown", "html", "docx")


@app.command()
def changes(
    since: Annotated[
        Optional[str],
        typer.Option(help="From this day, e.g. the last board meeting (default: 30 days before --until, as report)."),
    ] = None,
    until: Annotated[Optional[str], typer.Option(help="Up to this day (default: now).")] = None,
    inspection: InspectionOption = None,
    db: DbOption = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """What changed since a day: status updates and corrections, who made them, oldest first.  Example: ilacs changes --since 03/03/2025 --inspection brighton-2025"""
    from ilacs_cli import render
    from ilacs_cli.domain import reports

    store = open_store(db)
    first, last = parse_day(since, store) if since else None, parse_day(until, store) if until else None
    first, found = reports.changes_since(store, first, last, inspection)
    period = f"from {human_day(first)}" + (f" to {human_day(last)}" if last else "")
    if not found:
        nothing(f"no changes recorded {period}" + (f" in {inspection}" if inspection else ""))
    if json:
        print(render.as_json(found))
        return
    render.table(
        None if csv else f"Changes {period}",
        ["at", "inspection", "what", "by", "change", "note"],
        [
            [
                line.at if csv else human_time(line.at),
                line.inspection or "",
                f"{line.kind} {line.id}" + (f": {line.title}" if line.title and not csv else ""),
                line.author or "",
                (line.change if csv else line.said)
                + (f" (as of {line.on if csv else human_day(line.on)})" if line.on else ""),
                line.note or "",
            ]
            for line in found
        ],
        csv_out=csv,
        whole=("at", "inspection"),
        optional=("inspection", "note"),
    )


@app.command()
def summary(
    as_of: AsOf = None, inspection: InspectionOption = None, db: DbOption = None, json: Json = False, csv: Csv = False
) -> None:
    """Progress by inspection and area: status counts, % done, overdue.  Example: ilacs summary --as-of 2024-11-01"""
    from ilacs_cli import render
    from ilacs_cli.domain import reports

    settings = ratings()
    store = open_store(db)
    reader, day = reading(as_of, store)
    found = reports.summary(reader, day, inspection, settings)
    if not found and as_of:  # with none at all, opening the database said so
        nothing(f"no inspections as of {human_day(day)}")
    if json:
        print(render.as_json(found))
        return
    words = list(settings.words)  # the ratings' counts, worst first: red, amber, green (blue)

    def counts(p):
        percent = "" if p.percent_done is None else p.percent_done
        return [
            *(p.not_started, p.in_progress, p.blocked, p.done, p.cancelled, p.not_stated),
            *(p.total, percent, p.overdue, p.rescheduled),
        ]

    if csv:
        render.table(
            None,
            [
                "inspection",
                "authority",
                "area",
                "area_title",
                "not_started",
                "in_progress",
                "blocked",
                "done",
                "cancelled",
                "not_stated",
                "total",
                "percent_done",
                "overdue",
                "rescheduled",
                *words,
            ],
            [
                row
                for item in found
                for row in [
                    [item.inspection, item.authority or "", "all", "", *counts(item.progress)]
                    + [item.rag[word] for word in words]
                ]
                + [
                    [
                        item.inspection,
                        item.authority or "",
                        "" if a.area is None else a.area,
                        a.area_title or "",
                        *counts(a.progress),
                        *(a.rag[word] for word in words),
                    ]
                    for a in item.areas
                ]
            ],
            csv_out=True,
        )
        return

    def line(name, label, p, rag):
        cells = counts(p)
        cells[7] = "—" if p.percent_done is None else f"{p.percent_done}%"
        return [
            name,
            label,
            *cells[:6],
            cells[7],
            reports.bar(p.percent_done),
            p.overdue,
            p.rescheduled,
            *(rag[w] for w in words),
        ]

    piped = render.plain_wanted()

    def short(text):  # a terminal's table stays a screen wide; piped text keeps every word, for scripts
        return text if piped or len(text) <= 50 else text[:49] + "…"

    rows = []
    for item in found:
        rows.append(line(item.inspection, "all", item.progress, item.rag))
        rows += [
            line("", short(f"{a.area}: {a.area_title}") if a.area is not None else "area not stated", a.progress, a.rag)
            for a in item.areas
        ]
    render.table(
        f"Progress as of {human_day(day)}",
        [
            "inspection",
            "area",
            "not started",
            "in progress",
            "blocked",
            "done",
            "cancelled",
            "not stated",
            "% done",
            "progress",
            "overdue",
            "re-scheduled",
            *words,
        ],
        rows,
        whole=(
            "inspection",
            "not started",
            "in progress",
            "blocked",
            "done",
            "cancelled",
            "not stated",
            "% done",
            "progress",
            "overdue",
            "re-scheduled",
            *words,
        ),
        same={"inspection": inspection} if inspection else None,
        optional=("progress", "cancelled", "blocked", "not stated", "not started", "re-scheduled"),
    )
    print_key(settings)


@app.command()
def report(
    inspection: InspectionArg = None,
    the_inspection: TheInspection = None,
    format: Annotated[
        Optional[str],
        typer.Option(
            "--format", "-f", help="markdown (md), html or docx (Word); default: -o's extension, else markdown."
        ),
    ] = None,
    as_of: AsOf = None,
    since: Annotated[
        Optional[str], typer.Option(help="Status updates from this date (default: 30 days before --as-of).")
    ] = None,
    output: Output = None,
    force: Replace = False,
    by: Annotated[
        Optional[str],
        typer.Option("--by", help="The paper's author in its Word properties (default: ILACS_USER, else your login)."),
    ] = None,
    summary: Annotated[
        Optional[Path],
        typer.Option("--summary", help="The author's summary and recommendations, a Markdown file, opening page one."),
    ] = None,
    db: DbOption = None,
) -> None:
    """The progress paper for a board or panel.  Example: ilacs report east-sussex-2023 -f html -o paper.html"""
    from ilacs_cli.domain import reports
    from ilacs_cli.exchange import files
    from ilacs_cli.render import report as view

    inspection = one_inspection(inspection, the_inspection)
    format = check_format(format, REPORT_FORMATS, output)
    if format == "docx" and output is None and sys.stdout.isatty():
        raise IlacsError("a Word document is not for a terminal: add -o FILE.docx", 2)
    store = open_store(db)
    reader, day = reading(as_of, store)
    settings = ratings()
    words = summary_words(summary) if summary is not None else None
    found = reports.build_report(
        reader, inspection, day, parse_day(since, store) if since else None, settings, summary_text=words
    )
    if format == "docx":
        from ilacs_cli.domain.addresses import who
        from ilacs_cli.render import word

        try:
            author = who(by)
        except IlacsError:  # no login name to take: a paper is still a paper
            if by is not None:
                raise
            author = "ilacs"
        data = word.docx_bytes(found, author=author)
    else:
        data = view.html_page(found) if format == "html" else view.markdown(found)
    files.write_output(output, data, force=force, database=store.path)


def summary_words(path: Path) -> str:
    """The text of a --summary file (UTF-8, a BOM and Windows line ends allowed), or one line saying why not."""
    from ilacs_cli.domain.rules import text_problem
    from ilacs_cli.textfiles import NotText, read_text

    try:
        text = read_text(path, 200_000)  # a regular file, bounded: not /dev/zero, not a 24 GB file
    except FileNotFoundError:
        raise IlacsError(
            f"--summary {path}: no such file; give the path of the Markdown file of your summary", 1
        ) from None
    except NotText as why:
        raise IlacsError(f"--summary {path}: {why}", 1) from None
    except OSError as error:
        raise IlacsError(
            f"--summary {path}: cannot be read ({error.strerror}); check the path and its permissions", 1
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if why := text_problem(text.replace("\t", " "), limit=20_000):
        raise IlacsError(f"--summary {path}: {why}", 1)
    return text


# -- calendar -----------------------------------------------------------------------


@app.command()
def calendar(
    inspection: Annotated[
        Optional[str], typer.Argument(help="Only this inspection (default: all).", autocompletion=complete_inspection)
    ] = None,
    the_inspection: TheInspection = None,
    output: Output = None,
    force: Replace = False,
    open_only: Annotated[
        bool, typer.Option("--open-only", help="Leave out met deadlines and done or cancelled actions.")
    ] = False,
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Deadlines and action due dates as iCalendar events.  Example: ilacs calendar east-sussex-2023 -o plan.ics"""
    from ilacs_cli.domain import agenda
    from ilacs_cli.exchange import files
    from ilacs_cli.render import ics

    inspection = one_inspection(inspection, the_inspection, required=False)
    store = open_store(db)
    reader, day = reading(as_of, store)
    found = agenda.events(reader, day, inspection=inspection, open_only=open_only)
    files.write_output(output, ics.calendar(found, agenda.calendar_name(inspection)), force=force, database=store.path)
