"""The command line: parse options, call the domain, hand results to a renderer."""

import datetime as dt
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from ilacs_cli.errors import IlacsError

app = typer.Typer(help="Track ILACS post-inspection action plans.", no_args_is_help=True, add_completion=False)

DbOption = Annotated[Optional[Path], typer.Option("--db", envvar="ILACS_DB", help="Database file (default: user data dir).")]
AsOf = Annotated[Optional[str], typer.Option("--as-of", help="Report as on this date (default today).")]
Json = Annotated[bool, typer.Option("--json", help="JSON output with stable keys, ISO dates.")]
Csv = Annotated[bool, typer.Option("--csv", help="CSV output.")]


def _open(db: Optional[Path], *, create: bool = False):
    from ilacs_cli import plan
    from ilacs_cli.store import Store, default_path

    if db is not None:
        return _noted(Store.open(db, create=create))
    path = default_path()
    if path.exists():
        return _noted(Store.open(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    store = Store.open(path, create=True)
    loaded = plan.load_seeds(store, plan.bundled_seed_files())
    print(f"Created {path} and loaded {len(loaded)} inspections from the bundled seeds.", file=sys.stderr)
    return store


def _noted(store):
    """The store, after saying on stderr where the copy made before upgrading its schema is (if one was made)."""
    if store.upgrade_backup:
        print(f"ilacs: upgraded {store.path} to this version's schema; the file as it was is kept at "
              f"{store.upgrade_backup}", file=sys.stderr)
    return store


@contextmanager
def _loading(db: Optional[Path]):
    """The database a loading command writes to, created if need be; if the load fails, a file it created goes."""
    from ilacs_cli.store import Store, default_path

    path = db if db is not None else default_path()
    if db is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    store = _noted(Store.open(path, create=True))
    try:
        yield store
    except IlacsError:
        if not existed:  # leave no half-made database behind
            store.remove()
        raise


def _day(text: Optional[str], store=None) -> dt.date:
    from ilacs_cli.dates import parse_date

    today = dt.date.today()
    return today if text is None else parse_date(text, today, store.add_working_days if store else None)


def _human(day):
    from ilacs_cli.dates import human

    return human(day) if day else "—"


def _check_format(format: str, formats: tuple[str, ...]) -> None:
    if format not in formats:
        raise IlacsError(f"unknown format '{format}': use one of {', '.join(formats)}", 2)


def _date_cell(csv: bool):
    """Dates as users read them in tables, ISO (or empty) in CSV."""
    return (lambda day: day or "") if csv else _human


@app.command()
def where(db: DbOption = None) -> None:
    """Print the database path in use.  Example: ilacs where"""
    from ilacs_cli.store import default_path

    print(db if db is not None else default_path())


@app.command()
def seed(files: Annotated[Optional[list[Path]], typer.Argument(help="Your own inspection files (TOML).")] = None,
         db: DbOption = None) -> None:
    """Load the bundled seeds, or your own files; safe to re-run.  Example: ilacs seed --db plan.db"""
    from ilacs_cli import plan

    paths = files or plan.bundled_seed_files()
    if files:
        from ilacs_cli.seedfile import read_seed
        for file in files:  # checked before the database is created or touched
            read_seed(file)
    with _loading(db) as store:
        loaded = plan.load_seeds(store, paths)
    print(f"Loaded {len(loaded)} inspections into {store.path}: {', '.join(loaded)}", file=sys.stderr)


@app.command("list")
def list_(db: DbOption = None, as_of: AsOf = None, json: Json = False, csv: Csv = False) -> None:
    """One row per inspection.  Example: ilacs list --json"""
    from ilacs_cli import plan, render

    store = _open(db)
    rows = plan.list_inspections(store, _day(as_of, store))
    if json:
        print(render.as_json(rows))
        return
    day = _date_cell(csv)
    render.table("Inspections", ["id", "authority", "fieldwork", "published", "overall", "next deadline",
                                 "open", "overdue", "done"],
                 [[r.id, r.authority or "unknown", f"{day(r.fieldwork_start)} to {day(r.fieldwork_end)}",
                   day(r.published), plan.GRADE_NAMES.get(r.overall, "unknown"),
                   f"{day(r.next_deadline.due)} {r.next_deadline.title}" if r.next_deadline else "",
                   r.actions_open, r.actions_overdue, r.actions_done] for r in rows], csv_out=csv)


@app.command()
def show(inspection: str, db: DbOption = None, as_of: AsOf = None, json: Json = False) -> None:
    """Judgements, areas with actions, deadlines with their rules.  Example: ilacs show east-sussex-2023"""
    from ilacs_cli import plan, render

    store = _open(db)
    detail = plan.show_inspection(store, inspection, _day(as_of, store))
    if json:
        print(render.as_json(detail))
        return
    s = detail.summary
    print(f"{s.id}: {s.authority or 'authority unknown'}")
    print(f"Fieldwork {_human(s.fieldwork_start)} to {_human(s.fieldwork_end)}; published {_human(s.published)}; "
          f"kind {s.kind or 'unknown'}; source {detail.source}")
    render.table("Judgements", ["area", "grade", "previous"],
                 [[plan.AREA_NAMES[j.area], plan.GRADE_NAMES.get(j.grade, "unknown"),
                   plan.GRADE_NAMES.get(j.previous_grade, "unknown")] for j in detail.judgements])
    for area in detail.areas:
        print(f"\nArea {area.number}: {area.title}")
        for point in area.points:
            print(f"  - {point}")
        _print_actions(area.actions)
    if detail.actions_without_area:
        print("\nActions (area not stated)")
        _print_actions(detail.actions_without_area)
    print()
    render.table("Deadlines", ["id", "deadline", "due", "rule", "status"],
                 [[d.id, d.title, _human(d.due) + (f" ({d.wording})" if d.wording else ""), d.rule or "stated date",
                   d.status + (f" {d.met_on}" if d.met_on else "")] for d in detail.deadlines])


def _print_actions(actions) -> None:
    for a in actions:
        print(f"  [{a.id}] {a.title} | {a.owner or 'owner unknown'} | due {_human(a.due)} | {a.status}")


@app.command("add-inspection")
def add_inspection(
        inspection: Annotated[str, typer.Argument(help="New id, e.g. brighton-2025.")],
        authority: Annotated[str, typer.Option(help="Council name.")],
        kind: Annotated[Optional[str], typer.Option(help="standard, short, focused-visit, monitoring-visit, jtai")] = None,
        fieldwork_start: Annotated[Optional[str], typer.Option("--fieldwork-start")] = None,
        fieldwork_end: Annotated[Optional[str], typer.Option("--fieldwork-end")] = None,
        published: Annotated[Optional[str], typer.Option(help="Report publication date.")] = None,
        area: Annotated[Optional[list[str]], typer.Option(help="An area for improvement (repeat, in order).")] = None,
        grade: Annotated[Optional[list[str]], typer.Option(help="JUDGEMENT=GRADE, e.g. overall=good (repeat).")] = None,
        plan_days: Annotated[int, typer.Option("--plan-days", help="Action plan period.")] = 70,
        plan_unit: Annotated[str, typer.Option("--plan-unit", help="working-days or calendar-days.")] = "working-days",
        db: DbOption = None) -> None:
    """Add an inspection; its action-plan deadline is computed.  Example: ilacs add-inspection brighton-2025 --authority "Brighton and Hove City Council" --published 03/03/2025 --area "Care plans" --grade overall=good"""
    from ilacs_cli import plan

    grades = {}
    for item in grade or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise IlacsError(f"--grade '{item}' must be JUDGEMENT=GRADE, e.g. overall=good", 2)
        grades[name.strip()] = value.strip()
    store = _open(db)
    plan.add_inspection(store, inspection, authority=authority, kind=kind, fieldwork_start=fieldwork_start,
                        fieldwork_end=fieldwork_end, published=published, areas=area or [], grades=grades,
                        plan_days=plan_days, plan_unit=plan_unit, today=dt.date.today())
    print(inspection)


@app.command("add-action")
def add_action(inspection: str, title: str,
               area: Annotated[int, typer.Option(help="Area for improvement number.")],
               owner: Annotated[str, typer.Option(help="Lead officer.")],
               due: Annotated[str, typer.Option(help="Target date (31/10/2024, +10 working days, June 2025).")],
               ref: Annotated[Optional[str], typer.Option(help="Your plan's reference, e.g. 7.")] = None,
               measure: Annotated[Optional[str], typer.Option(help="Measure of success.")] = None,
               db: DbOption = None) -> None:
    """Add an action; prints its id.  Example: ilacs add-action east-sussex-2023 --area 2 --owner "A Watson" --due 31/10/2024 "Audit supervision records" """
    from ilacs_cli import plan

    store = _open(db)
    print(plan.add_action(store, inspection, area=area, title=title, owner=owner, due=due, today=dt.date.today(),
                          ref=ref, measure=measure))


@app.command()
def update(action: str, status: Annotated[Optional[str], typer.Option(help="not-started, in-progress, blocked, done, cancelled")] = None,
           note: Annotated[Optional[str], typer.Option()] = None, by: Annotated[Optional[str], typer.Option()] = None,
           due: Annotated[Optional[str], typer.Option(help="New target date.")] = None, db: DbOption = None) -> None:
    """Record a status update.  Example: ilacs update 12 --status in-progress --note "Audit booked" --by "A Watson" """
    from ilacs_cli import plan

    store = _open(db)
    result = plan.update_action(store, action, status=status, today=dt.date.today(), note=note, by=by, due=due)
    print(f"action {result.id}: {result.status}, due {_human(result.due)}")


@app.command()
def history(action: str, db: DbOption = None, json: Json = False, csv: Csv = False) -> None:
    """The status trail of one action.  Example: ilacs history 12"""
    from ilacs_cli import plan, render

    store = _open(db)
    found, updates = plan.history(store, action)
    if json:
        print(render.as_json({"action": found, "updates": updates}))
        return
    render.table(f"[{found.id}] {found.title}", ["at", "by", "from", "to", "due", "note"],
                 [[u.at, u.author or "", u.old_status or "", u.new_status, u.new_due or "", u.note or ""]
                  for u in updates], csv_out=csv)


@app.command()
def undo(by: Annotated[Optional[str], typer.Option(help="Who is undoing (recorded).")] = None,
         db: DbOption = None) -> None:
    """Reverse the last command's status updates (an action added, a status recorded) by recording new ones; run again to step further back.  Example: ilacs undo"""
    from ilacs_cli import plan

    for item in plan.undo(_open(db), by=by):
        print(f"action {item.action_id} ({item.title}): {item.note}; now {item.status}")


@app.command()
def done(target: Annotated[str, typer.Argument(help="Action id (12) or deadline id (D3).")],
         on: Annotated[Optional[str], typer.Option(help="Date (default today).")] = None,
         by: Annotated[Optional[str], typer.Option()] = None, db: DbOption = None) -> None:
    """Mark a deadline met or an action done.  Example: ilacs done D3 --on 17/05/2024"""
    from ilacs_cli import plan

    store = _open(db)
    print(plan.mark_done(store, target, _day(on, store), by))


def _action_rows(actions, csv: bool):
    day = _date_cell(csv)
    return [[a.id, a.inspection, a.area or "", a.ref or "", a.title, a.owner or "", day(a.due), a.status]
            for a in actions]


ACTION_HEADERS = ["id", "inspection", "area", "ref", "action", "owner", "due", "status"]


@app.command()
def actions(inspection: Annotated[Optional[str], typer.Option()] = None,
            owner: Annotated[Optional[str], typer.Option()] = None,
            status: Annotated[Optional[str], typer.Option()] = None,
            area: Annotated[Optional[int], typer.Option()] = None,
            due_before: Annotated[Optional[str], typer.Option("--due-before")] = None,
            db: DbOption = None, json: Json = False, csv: Csv = False) -> None:
    """Filtered list of actions.  Example: ilacs actions --owner "A Watson" --status in-progress"""
    from ilacs_cli import plan, render

    store = _open(db)
    found = plan.list_actions(store, inspection=inspection, owner=owner, status=status, area=area,
                              due_before=_day(due_before, store) if due_before else None)
    if json:
        print(render.as_json(found))
        return
    render.table("Actions", ACTION_HEADERS, _action_rows(found, csv), csv_out=csv)


def _late_report(title, found_actions, found_deadlines, json, csv, late: bool):
    from ilacs_cli import render

    if json:
        print(render.as_json([{"kind": "action", **vars(a)} for a in found_actions] +
                             [{"kind": "deadline", **vars(d)} for d in found_deadlines]))
        return
    headers = ["id", "inspection", "what", "owner", "due"] + (["working days late", "days late"] if late else [])
    items = sorted([*found_actions, *found_deadlines], key=lambda item: item.due or "")
    day = _date_cell(csv)
    rows = [[item.id, item.inspection, item.title, getattr(item, "owner", None) or "", day(item.due)] +
            ([item.working_days_late, item.days_late] if late else []) for item in items]
    render.table(title, headers, rows, csv_out=csv)


@app.command()
def overdue(as_of: AsOf = None, owner: Annotated[Optional[str], typer.Option()] = None,
            inspection: Annotated[Optional[str], typer.Option()] = None, db: DbOption = None,
            json: Json = False, csv: Csv = False) -> None:
    """Open actions and deadlines past due, oldest first.  Example: ilacs overdue --as-of 2024-11-01"""
    from ilacs_cli import plan

    store = _open(db)
    day = _day(as_of, store)
    found_actions, found_deadlines = plan.overdue(store, day, owner=owner, inspection=inspection)
    _late_report(f"Overdue as of {_human(day)}", found_actions, found_deadlines, json, csv, late=True)


@app.command()
def due(within: Annotated[int, typer.Option(help="Working days ahead.")] = 10, as_of: AsOf = None,
        db: DbOption = None, json: Json = False, csv: Csv = False) -> None:
    """What falls due in the next N working days.  Example: ilacs due --within 10"""
    from ilacs_cli import plan

    store = _open(db)
    day = _day(as_of, store)
    found_actions, found_deadlines = plan.due_within(store, day, within)
    _late_report(f"Due within {within} working days of {_human(day)}", found_actions, found_deadlines, json, csv,
                 late=False)


# -- export and import --------------------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx", "json")
Output = Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write, mode 0600 (default: stdout).")]
Replace = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]


@app.command()
def export(inspection: Annotated[Optional[str], typer.Argument(help="One inspection (default: all).")] = None,
           format: Annotated[str, typer.Option("--format", "-f", help="csv, xlsx or json.")] = "csv",
           output: Output = None, force: Replace = False,
           everything: Annotated[bool, typer.Option("--all", help="With --format json: the whole database, "
                                                                 "for `ilacs import` into a new file.")] = False,
           as_of: AsOf = None, db: DbOption = None) -> None:
    """The action plan as councils lay it out (area, action, lead officer, target date, measure, latest update, status, RAG).  Example: ilacs export east-sussex-2023 --format xlsx -o plan.xlsx"""
    from ilacs_cli import exchange, files

    _check_format(format, EXPORT_FORMATS)
    if everything and (format != "json" or inspection):
        raise IlacsError("--all exports the whole database as JSON: ilacs export --all --format json -o FILE", 2)
    if format == "xlsx" and output is None and sys.stdout.isatty():
        raise IlacsError("an Excel workbook is not for a terminal: add -o FILE.xlsx", 2)
    store = _open(db)
    day = _day(as_of, store)
    if format == "csv":  # streamed: a national plan is never held in memory whole
        from ilacs_cli import sheets

        table = exchange.plan_table(store, day, inspection)
        with files.output(output, force=force) as stream:
            sheets.write_csv(table, stream, bom=output is not None)
        return
    if everything:
        import json

        data = json.dumps(exchange.dump(store), indent=2, ensure_ascii=False) + "\n"
    elif format == "json":
        from ilacs_cli import progress, render

        data = render.as_json(list(progress.plan_rows(store, day, inspection))) + "\n"
    else:
        from ilacs_cli import sheets

        data = sheets.xlsx_bytes(exchange.plan_sheets(store, day, inspection))
    files.write_output(output, data, force=force)


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="A .csv or .xlsx action plan, or an `export --all` .json.")],
            inspection: Annotated[Optional[str], typer.Option(help="The inspection a spreadsheet's actions answer.")] = None,
            sheet: Annotated[Optional[str], typer.Option(help="The workbook's sheet (default: the first).")] = None,
            mapping: Annotated[Optional[list[str]], typer.Option(
                "--map", help="COLUMN=field for a header ilacs does not know: field is title, owner, due, area, "
                              "area_text, ref, measure, progress, status or ignore (repeat).")] = None,
            dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count; write nothing.")] = False,
            by: Annotated[Optional[str], typer.Option(help="Author of the status updates recorded.")] = None,
            db: DbOption = None) -> None:
    """Bring in a spreadsheet action plan (every row, or none if any row is bad), or restore a whole-database export.  Example: ilacs import plan.xlsx --inspection east-sussex-2023 --dry-run"""
    from ilacs_cli import exchange

    if file.suffix.lower() == ".json":
        if inspection or sheet or mapping or dry_run:
            raise IlacsError("a .json file is a whole-database export: import it alone, e.g. "
                             f"ilacs import {file} --db restored.db", 2)
        data = _read_json(file)
        with _loading(db) as store:
            counts = exchange.load(store, data, file.name)
        print(f"Imported {file.name} into {store.path}: " + ", ".join(f"{n} {t}" for t, n in counts.items() if n),
              file=sys.stderr)
        return
    if not inspection:
        raise IlacsError(f"which inspection does {file.name} belong to? add --inspection ID", 2)
    pairs = {}
    for item in mapping or []:
        column, sep, field_name = item.rpartition("=")
        if not sep or not column.strip():
            raise IlacsError(f"--map '{item}' must be COLUMN=field, e.g. --map 'Lead Officer(s)=owner'", 2)
        pairs[column.strip()] = field_name.strip()
    store = _open(db)
    result = exchange.import_sheet(store, file, inspection, sheet=sheet, mapping=pairs, dry_run=dry_run, by=by,
                                   today=dt.date.today())
    if result.problems:
        for problem in result.problems:
            print(f"{file.name}: row {problem.row}, column '{problem.column}': {problem.message}", file=sys.stderr)
        raise IlacsError(f"{len(result.problems)} problems in {file.name}: nothing imported; fix them and re-run")
    if result.ignored_columns:
        print(f"ilacs: columns not imported: {', '.join(result.ignored_columns)} (name them with --map COLUMN=field)",
              file=sys.stderr)
    verb = "Would import" if dry_run else "Imported"
    print(f"{verb} {file.name} into {inspection}: {result.added} added, {result.updated} updated "
          f"({result.status_changes} status changes), {result.unchanged} unchanged")


def _read_json(file: Path):
    import json

    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IlacsError(f"no file {file}: check the path") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IlacsError(f"cannot read {file} as JSON ({error}): use a file made by ilacs export --all") from None


# -- summary and report -------------------------------------------------------------

REPORT_FORMATS = ("markdown", "html")


@app.command()
def summary(as_of: AsOf = None, inspection: Annotated[Optional[str], typer.Option(help="Only this inspection.")] = None,
            db: DbOption = None, json: Json = False, csv: Csv = False) -> None:
    """Progress by inspection and area: status counts, % done, overdue.  Example: ilacs summary --as-of 2024-11-01"""
    from ilacs_cli import render, reports

    store = _open(db)
    day = _day(as_of, store)
    found = reports.summary(store, day, inspection)
    if json:
        print(render.as_json(found))
        return

    def counts(p):
        percent = "" if p.percent_done is None else p.percent_done
        return [p.not_started, p.in_progress, p.blocked, p.done, p.cancelled, p.total, percent, p.overdue]

    if csv:
        render.table(None, ["inspection", "authority", "area", "area_title", "not_started", "in_progress", "blocked",
                            "done", "cancelled", "total", "percent_done", "overdue"],
                     [row for item in found for row in
                      [[item.inspection, item.authority or "", "all", "", *counts(item.progress)]] +
                      [[item.inspection, item.authority or "", "" if a.area is None else a.area, a.area_title or "",
                        *counts(a.progress)] for a in item.areas]], csv_out=True)
        return

    def line(name, label, p):
        cells = counts(p)
        cells[6] = "—" if p.percent_done is None else f"{p.percent_done}%"
        return [name, label, *cells[:5], cells[6], reports.bar(p.percent_done), p.overdue]

    def short(text):
        return text if len(text) <= 50 else text[:49] + "…"

    rows = []
    for item in found:
        rows.append(line(item.inspection, "all", item.progress))
        rows += [line("", short(f"{a.area}: {a.area_title}") if a.area is not None else "area not stated",
                      a.progress) for a in item.areas]
    render.table(f"Progress as of {_human(day)}",
                 ["inspection", "area", "not started", "in progress", "blocked", "done", "cancelled", "% done",
                  "progress", "overdue"], rows)


@app.command()
def report(inspection: str,
           format: Annotated[str, typer.Option("--format", "-f", help="markdown or html.")] = "markdown",
           as_of: AsOf = None,
           since: Annotated[Optional[str], typer.Option(help="Status updates from this date (default: 30 days "
                                                             "before --as-of).")] = None,
           output: Output = None, force: Replace = False, db: DbOption = None) -> None:
    """The progress paper for a board or panel.  Example: ilacs report east-sussex-2023 -f html -o paper.html"""
    from ilacs_cli import files, reports
    from ilacs_cli.render import report as view

    _check_format(format, REPORT_FORMATS)
    store = _open(db)
    day = _day(as_of, store)
    found = reports.build_report(store, inspection, day, _day(since, store) if since else None)
    files.write_output(output, view.html_page(found) if format == "html" else view.markdown(found), force=force)


# -- keeping the file sound ----------------------------------------------------------

@app.command()
def backup(target: Annotated[Path, typer.Argument(help="Where to write the copy.")], force: Replace = False,
           db: DbOption = None) -> None:
    """Copy the database safely while others use it (SQLite's online backup; mode 0600).  Example: ilacs backup ~/ilacs-2024-11-01.db"""
    from ilacs_cli import health

    store = _open(db)
    print(f"Backed up {store.path} to {health.backup(store, target, force=force)}", file=sys.stderr)


@app.command()
def check(db: DbOption = None, json: Json = False) -> None:
    """Check the file: SQLite integrity, foreign keys, schema, history triggers, statuses, calendar; exit 1 if any fails.  Example: ilacs check"""
    from ilacs_cli import health, render

    findings = health.check(_open(db))
    if json:
        print(render.as_json(findings))
    else:
        for finding in findings:
            print(f"{'ok  ' if finding.ok else 'FAIL'}  {finding.check}: {finding.detail}")
    failed = [finding.check for finding in findings if not finding.ok]
    if failed:
        raise IlacsError(f"{len(failed)} checks failed ({', '.join(failed)}): restore a backup, or keep this file "
                         "for investigation and copy it with `ilacs backup`")


# -- owners -------------------------------------------------------------------------

owner_app = typer.Typer(help="People who own actions: e-mail addresses, roles, plans they coordinate.",
                        no_args_is_help=True)
app.add_typer(owner_app, name="owner")
from ilacs_cli.mailcommands import mail_app  # noqa: E402  (ilacs mail check | test | set-secret)
app.add_typer(mail_app, name="mail")
Coordinator = Annotated[Optional[list[str]], typer.Option(
    "--coordinator", help="Inspection whose plan they coordinate: they hear about its deadlines (repeat).")]


def _print_owner(owner) -> None:
    address = f" <{owner.email}>" if owner.email else " (no e-mail on file)"
    coordinates = f"; coordinates {', '.join(owner.coordinates)}" if owner.coordinates else ""
    print(f"{owner.name}{address}{coordinates}")


@owner_app.command("add")
def owner_add(name: str, email: Annotated[Optional[str], typer.Option(help="E-mail address for reminders.")] = None,
              role: Annotated[Optional[str], typer.Option(help="Job title, e.g. Head of Safeguarding.")] = None,
              coordinator: Coordinator = None, db: DbOption = None) -> None:
    """Register an owner.  Example: ilacs owner add "A Watson" --email a.watson@council.gov.uk --coordinator east-sussex-2023"""
    from ilacs_cli import owners

    store = _open(db)
    _print_owner(owners.add_owner(store, name, email=email, role=role, coordinator_for=coordinator or []))


@owner_app.command("set")
def owner_set(name: str,
              email: Annotated[Optional[str], typer.Option(help='New address ("" removes it).')] = None,
              role: Annotated[Optional[str], typer.Option(help='New role ("" removes it).')] = None,
              rename: Annotated[Optional[str], typer.Option(help="New name (actions keep the name they were given).")] = None,
              coordinator: Coordinator = None,
              not_coordinator: Annotated[Optional[list[str]], typer.Option(
                  "--not-coordinator", help="Inspection they no longer coordinate (repeat).")] = None,
              db: DbOption = None) -> None:
    """Change an owner.  Example: ilacs owner set "A Watson" --email anna.watson@council.gov.uk"""
    from ilacs_cli import owners

    store = _open(db)
    _print_owner(owners.set_owner(store, name, new_name=rename, email=email, role=role,
                                  coordinator_for=coordinator or [], not_coordinator_for=not_coordinator or []))


@owner_app.command("list")
def owner_list(db: DbOption = None, json: Json = False, csv: Csv = False) -> None:
    """Registered owners, then names on actions with no registration (so no e-mail).  Example: ilacs owner list"""
    from ilacs_cli import owners, render

    found = owners.list_owners(_open(db))
    if json:
        print(render.as_json(found))
        return
    render.table("Owners", ["name", "email", "role", "coordinates", "open actions", "registered"],
                 [[o.name, o.email or "", o.role or "", " ".join(o.coordinates), o.actions_open,
                   "yes" if o.registered else "no"] for o in found], csv_out=csv)


# -- calendar -----------------------------------------------------------------------

@app.command()
def calendar(inspection: Annotated[Optional[str], typer.Argument(help="Only this inspection (default: all).")] = None,
             output: Output = None, force: Replace = False,
             open_only: Annotated[bool, typer.Option("--open-only", help="Leave out met deadlines and done or "
                                                     "cancelled actions.")] = False,
             db: DbOption = None) -> None:
    """Deadlines and action due dates as iCalendar events.  Example: ilacs calendar east-sussex-2023 -o plan.ics"""
    from ilacs_cli import agenda, files
    from ilacs_cli.render import ics

    store = _open(db)
    found = agenda.events(store, inspection=inspection, open_only=open_only)
    files.write_output(output, ics.calendar(found, agenda.calendar_name(inspection)), force=force)


# -- reminders ----------------------------------------------------------------------

REMIND_HELP = (
    "One digest per owner: what is overdue and what falls due within N working days, grouped by inspection and "
    "area, most urgent first. Coordinators also get their plans' deadlines and the actions whose owners have no "
    "e-mail on file.\n\n"
    "Prints nothing when nothing is due or late. Does nothing on a day that is not an English working day unless "
    "given --force.\n\n"
    "Exit status: 0 done, whether or not anything was found; 1 error, or reminders that could not be sent; "
    "2 bad usage; 3 something is overdue and --fail-on-overdue was given.\n\n"
    "Example: ilacs remind --send   (cron, weekday mornings: see the README)")

EXIT_OVERDUE = 3
FORMATS = ("text", "markdown", "html", "json")


Send = Annotated[bool, typer.Option("--send", help="E-mail each recipient their digest.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="With --send: say what would be sent to whom.")]
Force = Annotated[bool, typer.Option("--force", help="Run on a non-working day; send again what was sent today.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Say on stderr what was done, or why nothing was.")]
FailOnOverdue = Annotated[bool, typer.Option("--fail-on-overdue", help=f"Exit {EXIT_OVERDUE} when anything is overdue.")]


@app.command(help=REMIND_HELP)
def remind(as_of: AsOf = None,
           within: Annotated[int, typer.Option(help="Working days ahead counted as due soon.")] = 10,
           owner: Annotated[Optional[str], typer.Option(help="Only this owner's actions.")] = None,
           inspection: Annotated[Optional[str], typer.Option(help="Only this inspection.")] = None,
           format: Annotated[str, typer.Option("--format", "-f", help="text, markdown, html or json.")] = "text",
           send: Send = False, dry_run: DryRun = False, force: Force = False, verbose: Verbose = False,
           fail_on_overdue: FailOnOverdue = False,
           db: DbOption = None) -> None:
    from ilacs_cli import reminders

    _check_format(format, FORMATS)
    if dry_run and not send:
        raise IlacsError("--dry-run goes with --send: ilacs remind --send --dry-run", 2)
    store = _open(db)
    day = _day(as_of, store)
    found = reminders.remind(store, day, within, owner=owner, inspection=inspection, force=force)
    if not found.working_day and not force:
        if verbose:
            print(f"ilacs: {_human(day)} is not an English working day: no reminders (--force to run anyway)",
                  file=sys.stderr)
        return
    if not found.digests:
        if verbose:
            print(f"ilacs: nothing overdue or due within {within} working days of {_human(day)}", file=sys.stderr)
    elif send:
        _send(store, found, force=force, dry_run=dry_run, verbose=verbose)
    else:
        from ilacs_cli import render
        from ilacs_cli.render import reminders as view

        print({"text": view.text, "markdown": view.markdown, "html": view.html_page,
               "json": render.as_json}[format](found.digests), end="" if format != "json" else "\n")
    if fail_on_overdue and found.overdue:
        raise typer.Exit(EXIT_OVERDUE)


def _send(store, found, *, force: bool, dry_run: bool, verbose: bool) -> None:
    from ilacs_cli import reminders
    from ilacs_cli.render import reminders as view

    if dry_run:
        delivery = reminders.pending(store, found, force=force)
        for digest in delivery.to_send:
            print(f"would send to {view.recipient(digest)}: {reminders.subject(digest)}")
        for digest in delivery.already_sent:
            print(f"already sent today to {view.recipient(digest)}: {reminders.subject(digest)}")
    else:
        from ilacs_cli import config, mail

        settings = config.smtp_settings()

        def send(digest) -> str:
            message = mail.compose(settings.sender, digest.name, digest.email, reminders.subject(digest),
                                   view.text([digest], addressed=False), view.html_page([digest], addressed=False))
            outbox.send(message)
            return message["Message-ID"]

        with mail.Outbox(settings) as outbox:
            delivery = reminders.deliver(store, found, send, force=force)
        if verbose:
            for digest in delivery.sent:
                print(f"ilacs: sent to {view.recipient(digest)}: {reminders.subject(digest)}", file=sys.stderr)
            for digest in delivery.already_sent:
                print(f"ilacs: already sent today to {view.recipient(digest)} (--force to send again)", file=sys.stderr)
    for digest in delivery.unaddressed:
        count = digest.overdue + digest.due_soon
        fix = ("register a coordinator: ilacs owner add NAME --email ADDRESS --coordinator INSPECTION, or set "
               "ILACS_COORDINATOR" if digest.name == reminders.NO_COORDINATOR
               else f'ilacs owner set "{digest.name}" --email ADDRESS')
        print(f"ilacs: cannot send {count} reminders to {view.recipient(digest)}: {fix}", file=sys.stderr)
    for digest, reason in delivery.failed:
        print(f"ilacs: not sent to {view.recipient(digest)}: {reason}", file=sys.stderr)
    for digest in delivery.not_attempted:
        print(f"ilacs: not sent to {view.recipient(digest)}: the server was gone", file=sys.stderr)
    unsent = len(delivery.failed) + len(delivery.not_attempted)
    if unsent:
        raise IlacsError(f"{unsent} of {len(delivery.to_send)} reminders not sent ({len(delivery.sent)} sent and "
                         "logged): fix the cause and re-run the same command to send only the rest")


def main() -> None:
    """Entry point: user errors become one line and an exit status, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except IlacsError as error:
        print(f"ilacs: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except typer.Abort:
        sys.exit(1)
    except Exception as error:
        # Usage errors: click's exceptions (typer vendors its own copy of click in newer releases,
        # so recognise them by what they do rather than by class).
        if callable(getattr(error, "show", None)) and isinstance(getattr(error, "exit_code", None), int):
            error.show()
            sys.exit(error.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)
