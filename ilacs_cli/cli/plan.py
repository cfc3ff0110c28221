"""Commands on inspections, actions and deadlines: list, show, add, update, edit, done, reopen, history, undo,
actions, overdue, due."""

import sys
from typing import Annotated, Optional

import typer

from ilacs_cli.cli.common import (
    AsOf,
    By,
    Csv,
    DbOption,
    InspectionArg,
    InspectionOption,
    Json,
    OwnerOption,
    TheInspection,
    app,
    complete_inspection,
    complete_status,
    complete_status_filter,
    date_cell,
    human_day,
    human_time,
    nothing,
    one_inspection,
    open_store,
    parse_day,
    print_key,
    ratings,
    reading,
    today,
)
from ilacs_cli.errors import IlacsError
from ilacs_cli.render import printable


@app.command("list")
def list_(db: DbOption = None, as_of: AsOf = None, json: Json = False, csv: Csv = False) -> None:
    """One row per inspection.  Example: ilacs list --json"""
    from ilacs_cli import render
    from ilacs_cli.domain import plan, rules

    settings = ratings()
    store = open_store(db)
    reader, day = reading(as_of, store)
    rows = plan.list_inspections(reader, day, settings=settings)
    if not rows and as_of:  # with none at all, opening the database said so
        nothing(f"no inspections as of {human_day(day)}")
    if json:
        print(render.as_json(rows))
        return
    cell = date_cell(csv)
    # Overdue actions and overdue deadlines in columns of their own, so `list` and `overdue` agree; actions
    # whose status no document gives are counted apart, neither open nor done. In CSV, a cell holds one thing:
    # the fieldwork's first and last days, and the next deadline's date and title, in columns of their own.
    counts = ["open", "actions overdue", "deadlines overdue", "done", "not stated", *settings.words]
    if csv:
        headers = ["id", "authority", "fieldwork start", "fieldwork end", "published", "overall"]
        headers += ["next deadline due", "next deadline", *counts]
    else:
        headers = ["id", "authority", "fieldwork", "published", "overall", "next deadline", *counts]
    table = []
    for r in rows:
        fieldwork = [r.fieldwork_start or "", r.fieldwork_end or ""]
        upcoming = [r.next_deadline.due or "", r.next_deadline.title] if r.next_deadline else ["", ""]
        if not csv:
            fieldwork = [f"{cell(r.fieldwork_start)} to {cell(r.fieldwork_end)}"]
            upcoming = [f"{due_cell(r.next_deadline, False)} {r.next_deadline.title}" if r.next_deadline else ""]
        table.append(
            [r.id, r.authority or "unknown", *fieldwork, cell(r.published), rules.grade_name(r.overall), *upcoming]
            + [r.actions_open, r.actions_overdue, r.deadlines_overdue, r.actions_done, r.actions_not_stated]
            + [r.rag[word] for word in settings.words]
        )
    render.table(
        "Inspections",
        headers,
        table,
        csv_out=csv,
        whole=("id", "published", *counts),
        fixed={"fieldwork": 18, "next deadline": 15},  # wrap after a date ("Mon 25 Feb 2019 to")
        # In a narrow terminal the ratings' counts give way first (--csv, --json and `summary` keep them).
        optional=(*reversed(settings.words), "fieldwork", "not stated", "done", "published", "overall"),
    )
    if not csv:
        print_key(settings)


@app.command()
def show(
    inspection: InspectionArg = None,
    the_inspection: TheInspection = None,
    db: DbOption = None,
    as_of: AsOf = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """Judgements, areas with actions, deadlines with their rules (--csv: its actions and deadlines, one row each).  Example: ilacs show east-sussex-2023"""
    from ilacs_cli import render
    from ilacs_cli.domain import plan, progress, rules

    settings = ratings()
    store = open_store(db)
    reader, day = reading(as_of, store)
    detail = plan.show_inspection(reader, one_inspection(inspection, the_inspection), day, settings)
    if json:
        print(render.as_json(detail))
        return
    if csv:
        _plan_rows(detail)
        return
    s, notes = detail.summary, _Inferences()
    mark = notes.marker("inspection", detail.inferred)
    authority = mark("authority", s.authority or "authority unknown")
    named = (
        f" (name from {detail.authority_source})" if s.authority and detail.authority_source != detail.source else ""
    )
    print(printable(f"{s.id}: {authority}{named}"))
    print(
        printable(
            f"Fieldwork {mark('fieldwork_start', human_day(s.fieldwork_start))} to "
            f"{mark('fieldwork_end', human_day(s.fieldwork_end))}; published "
            f"{mark('published', human_day(s.published))}; "
            + (f"received {mark('received', human_day(detail.received))}; " if detail.received else "")
            + f"kind {mark('kind', s.kind or 'unknown')}; "
            f"source {detail.source}"
        )
    )
    for document in detail.sources:
        print(
            printable(
                f"  {document['file']}: {document['title']}, "
                f"{human_day(document['date']) if document['date'] else 'date not stated'}"
            )
        )
    if detail.notes:
        print(printable(f"Notes: {detail.notes}"))
    print(_ratings_line(s.rag, settings))
    every = [a for area in detail.areas for a in area.actions] + detail.actions_without_area
    rated = dict(zip((a.id for a in every), progress.rate_actions(reader, day, settings, every)))
    render.table(
        "Judgements",
        ["area", "grade", "previous"],
        [
            [rules.JUDGEMENT_NAMES[j.area], rules.grade_name(j.grade), rules.grade_name(j.previous_grade)]
            for j in detail.judgements
        ],
    )
    for area in detail.areas:
        print()
        print(printable(f"Area {area.number}: {area.title}"))
        for point in area.points:
            print(printable(f"  - {point}"))
        _print_actions(area.actions, notes, rated, detail.evidence)
        _print_measures(area.measures, notes)
    if detail.actions_without_area:
        print("\nActions (area not stated)")
        _print_actions(detail.actions_without_area, notes, rated, detail.evidence)
    print()
    rows = []
    for d in detail.deadlines:
        mark = notes.marker(d.id, d.inferred)
        rows.append(
            [
                d.id,
                d.title,
                mark("due", due_cell(d, False, wording=True)),
                mark("rule", d.rule or "date unknown"),
                mark("status", rules.deadline_status_name(d.status)) + (f" {human_day(d.met_on)}" if d.met_on else ""),
            ]
        )
    render.table("Deadlines", ["id", "deadline", "due", "rule", "status"], rows)
    notes.print()
    print_key(settings)


def _ratings_line(rag: dict[str, int], settings) -> str:
    """'BRAG: red 1, amber 2, green 3, blue 4 (1 not rated)': an inspection's ratings in one line."""
    from ilacs_cli.domain import rules

    counts = ", ".join(f"{rules.RAG_WORDS[word].lower()} {rag[word]}" for word in settings.words)
    apart = [f"{rag[name]} {name}" for name in ("not rated", rules.NOT_STATED) if rag.get(name)]
    return f"{settings.scheme.upper()}: {counts}" + (f" ({'; '.join(apart)})" if apart else "")


def _plan_rows(detail) -> None:
    """An inspection's actions and deadlines as CSV, one row each, in the order `show` lists them."""
    from ilacs_cli import render

    actions = [(area.number, action) for area in detail.areas for action in area.actions]
    actions += [("", action) for action in detail.actions_without_area]
    render.table(
        None,
        ["kind", "id", "area", "ref", "title", "owner", "due", "status", "met_on", *REVISED_HEADERS],
        [
            ["action", a.id, number, a.ref or "", a.title, a.owner or "", a.due or "", a.status, "", *revised_cells(a)]
            for number, a in actions
        ]
        + [
            ["deadline", d.id, "", "", d.title, "", d.due or "", d.status, d.met_on or "", *revised_cells(d)]
            for d in detail.deadlines
        ],
        csv_out=True,
    )


class _Inferences:
    """Marks each inferred value with '*' and gathers a footnote with the reason."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def marker(self, what: str, inferred: dict[str, str]):
        def mark(name: str, shown: str) -> str:
            if name not in inferred:
                return shown
            self.lines.append(f"  {what} {name}: {inferred[name]}")
            return f"{shown}*"

        return mark

    def print(self) -> None:
        if self.lines:
            print("\n* inferred, not stated in the document:")
            for line in self.lines:
                print(printable(line))


def _print_actions(actions, notes: _Inferences, rated: dict[int, str], evidence=()) -> None:
    from ilacs_cli.cli.evidence import evidence_line
    from ilacs_cli.domain import rules

    for a in actions:
        mark = notes.marker(f"[{a.id}]", a.inferred)
        print(
            printable(
                f"  [{a.id}] {mark('title', a.title)} | {mark('owner', a.owner or 'owner unknown')} | due "
                f"{mark('due', due_cell(a, False))} | {mark('status', rules.status_shown(a.status))} | "
                f"{rules.RAG_WORDS[rated[a.id]]}"
            )
        )
        if a.revised_reason:
            print(printable(f"      re-scheduled on {human_day(a.revised_on)}: {a.revised_reason}"))
        for item in evidence:
            if item.action == a.id:
                print(printable(f"      evidence {evidence_line(item)}"))


def _print_measures(measures, notes: _Inferences) -> None:
    """An area's measures of success, a line each: latest reading against the target, and its rating."""
    for m in measures:
        mark = notes.marker(m.id, m.inferred)
        latest = f"latest {m.latest} on {human_day(m.latest_on)}" if m.latest is not None else "no reading yet"
        by = f" by {human_day(m.target_by)}" if m.target_by else ""
        baseline = (
            f"{mark('baseline', str(m.baseline))} on {human_day(m.baseline_on)}"
            if m.baseline is not None
            else "unknown"
        )
        print(
            printable(
                f"  {m.id} {mark('title', m.title)} ({m.unit}, {m.better} is better) | baseline {baseline} | target "
                f"{mark('target', str(m.target))}{by} | {latest} | {m.rating}"
            )
        )


@app.command("add-inspection")
def add_inspection(
    inspection: Annotated[str, typer.Argument(help="New id, e.g. brighton-2025.")],
    authority: Annotated[str, typer.Option(help="Council name.")],
    kind: Annotated[
        Optional[str],
        typer.Option(
            help="standard, short, focused-visit, monitoring-visit, jtai: makes the deadlines the framework gives "
            "it (ilacs timetables lists them)."
        ),
    ] = None,
    fieldwork_start: Annotated[
        Optional[str], typer.Option("--fieldwork-start", help="First day inspectors were on site.")
    ] = None,
    fieldwork_end: Annotated[Optional[str], typer.Option("--fieldwork-end", help="Last day of fieldwork.")] = None,
    published: Annotated[Optional[str], typer.Option(help="Report publication date.")] = None,
    received: Annotated[
        Optional[str],
        typer.Option(
            help="The day the council received the report, which the framework counts from; without it, "
            "deadlines count from --published, marked inferred."
        ),
    ] = None,
    priority_actions: Annotated[
        bool,
        typer.Option(
            "--priority-actions", help="The visit's letter names areas for priority action (a focused visit's plans)."
        ),
    ] = False,
    area: Annotated[Optional[list[str]], typer.Option(help="An area for improvement (repeat, in order).")] = None,
    grade: Annotated[Optional[list[str]], typer.Option(help="JUDGEMENT=GRADE, e.g. overall=good (repeat).")] = None,
    plan_days: Annotated[
        Optional[int],
        typer.Option("--plan-days", help="The final action plan's period, in place of the framework's [default: 70]."),
    ] = None,
    plan_unit: Annotated[
        Optional[str], typer.Option("--plan-unit", help="working-days or calendar-days [default: working-days].")
    ] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Add an inspection with the deadlines its kind makes, each with its rule.  Example: ilacs add-inspection brighton-2025 --authority "Brighton and Hove City Council" --kind focused-visit --priority-actions --received 02/06/2025 --area "Care plans" """
    from ilacs_cli.domain import seeds

    grades = {}
    for item in grade or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise IlacsError(f"--grade '{item}' must be JUDGEMENT=GRADE, e.g. overall=good", 2)
        grades[name.strip()] = value.strip()
    framework = _framework() if kind is not None else None
    store = open_store(db, quiet_if_empty=True)
    _, notes = seeds.add_inspection(
        store,
        inspection,
        authority=authority,
        kind=kind,
        fieldwork_start=fieldwork_start,
        fieldwork_end=fieldwork_end,
        published=published,
        received=received,
        framework=framework,
        priority_actions=priority_actions,
        areas=area or [],
        grades=grades,
        plan_days=plan_days,
        plan_unit=plan_unit,
        today=today(),
        by=by,
    )
    print(inspection)
    for note in notes:
        print(printable(f"ilacs: {note}"), file=sys.stderr)
    if examples := [item for item in seeds.example_inspections(store) if item != inspection]:
        print(
            f"ilacs: {store.path} also holds {len(examples)} example plans ({', '.join(examples)}): remove them "
            "with `ilacs remove --examples`, or keep your council's plan in a file of its own (--db)",
            file=sys.stderr,
        )


def _framework():
    """The framework in use: the user's own file (ILACS_FRAMEWORK, or [framework] file), else ilacs's."""
    from ilacs_cli.domain.timetables import read_framework
    from ilacs_cli.mail.config import framework_file

    return read_framework(framework_file())


@app.command("add-visit")
def add_visit(
    inspection: Annotated[
        str,
        typer.Argument(
            help="The inspection the visit follows, e.g. west-sussex-2019.", autocompletion=complete_inspection
        ),
    ],
    day: Annotated[str, typer.Argument(help="The visit's day as announced (12/11/2025, 12 Nov 2025).")],
    kind: Annotated[str, typer.Option(help="The kind of visit, as the framework names it.")] = "monitoring-visit",
    note: Annotated[Optional[str], typer.Option(help="What was announced (recorded with it).")] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Record an announced monitoring visit as a dated milestone of the inspection it follows (ilacs done DN --on DAY once it has taken place).  Example: ilacs add-visit west-sussex-2019 12/11/2019 --note "Letter of 1 Nov" """
    from ilacs_cli.domain import timetables

    framework = _framework()
    store = open_store(db)
    print(
        printable(
            timetables.record_visit(store, framework, inspection, parse_day(day, store), kind=kind, note=note, by=by)
        )
    )


@app.command()
def timetables(json: Json = False, csv: Csv = False) -> None:
    """The framework's timetables: each kind of inspection or visit, the deadlines it makes, and their sources.  Example: ilacs timetables"""
    from ilacs_cli import render
    from ilacs_cli.domain.plan import EVENT_NAMES
    from ilacs_cli.domain.timetables import framework_rows

    framework = _framework()
    rows = framework_rows(framework)
    if json:
        print(render.as_json({"file": str(framework.path), "timetables": rows}))
        return
    render.table(
        f"Timetables from {framework.name}" + (", shipped with ilacs" if framework.bundled else ""),
        ["kind", "deadline", "rule", "when", "source"],
        [
            [
                row.kind,
                row.deadline or "",
                f"{row.count} {row.unit.replace('-', ' ')} after {EVENT_NAMES[row.after]}" if row.count else "",
                row.when,
                row.source,
            ]
            for row in rows
        ],
        csv_out=csv,
    )


On = Annotated[
    Optional[str],
    typer.Option(help="The day this describes, if not today (e.g. the board meeting it was reported at)."),
]


@app.command("add-action")
def add_action(
    inspection: Annotated[
        str, typer.Argument(help="Inspection id, e.g. east-sussex-2023.", autocompletion=complete_inspection)
    ],
    title: Annotated[str, typer.Argument(help='What will be done, e.g. "Audit supervision records".')],
    area: Annotated[int, typer.Option(help="Area for improvement number.")],
    owner: Annotated[str, typer.Option(help="Lead officer.")],
    due: Annotated[str, typer.Option(help="Target date (31/10/2024, +10 working days, June 2025).")],
    ref: Annotated[Optional[str], typer.Option(help="Your plan's reference, e.g. 7.")] = None,
    measure: Annotated[Optional[str], typer.Option(help="Measure of success.")] = None,
    on: Annotated[
        Optional[str],
        typer.Option(
            help="The day the action was agreed, if not today: it is in the plan (and in --as-of reads) from that day."
        ),
    ] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Add an action; prints its id.  Example: ilacs add-action east-sussex-2023 --area 2 --owner "A Watson" --due 31/10/2024 "Audit supervision records" """
    from ilacs_cli.domain import changes

    store = open_store(db)
    print(
        changes.add_action(
            store,
            inspection,
            area=area,
            title=title,
            owner=owner,
            due=due,
            today=today(),
            ref=ref,
            measure=measure,
            by=by,
            on=parse_day(on, store) if on else None,
        )
    )


@app.command()
def update(
    action: Annotated[str, typer.Argument(help="Action id, e.g. 12 (see ilacs actions).")],
    status: Annotated[
        Optional[str],
        typer.Option(help="not-started, in-progress, blocked, done, cancelled", autocompletion=complete_status),
    ] = None,
    note: Annotated[Optional[str], typer.Option(help="What was done or found (recorded with the update).")] = None,
    by: By = None,
    due: Annotated[Optional[str], typer.Option(help="New target date.")] = None,
    on: On = None,
    db: DbOption = None,
) -> None:
    """Record a status update.  Example: ilacs update 12 --status in-progress --note "Audit booked" --on 03/03/2025"""
    from ilacs_cli.domain import changes
    from ilacs_cli.mail.config import evidence_required

    store = open_store(db)
    result = changes.update_action(
        store,
        action,
        status=status,
        today=today(),
        note=note,
        by=by,
        due=due,
        on=parse_day(on, store) if on else None,
        evidence_required=status is not None and evidence_required(),
    )
    print(printable(f"action {result.id}: {result.status}, due {due_cell(result, False)}"))


@app.command()
def edit(
    target: Annotated[str, typer.Argument(help="Action id (12) or deadline id (D3).")],
    title: Annotated[Optional[str], typer.Option(help="New title.")] = None,
    owner: Annotated[Optional[str], typer.Option(help="New lead officer.")] = None,
    area: Annotated[Optional[int], typer.Option(help="Move to this area for improvement.")] = None,
    ref: Annotated[Optional[str], typer.Option(help='Your plan\'s reference ("" removes it).')] = None,
    measure: Annotated[Optional[str], typer.Option(help='Measure of success ("" removes it).')] = None,
    due: Annotated[Optional[str], typer.Option(help="New target date; a period (June 2025) keeps its words.")] = None,
    note: Annotated[Optional[str], typer.Option(help="Why (recorded with the change).")] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Correct an action or a deadline; each change is recorded with what it was before.  Example: ilacs edit 12 --owner "B Khan" --note "Handed over" """
    from ilacs_cli.domain import changes, plan

    store = open_store(db)
    if plan.is_deadline(target):
        if any(value is not None for value in (owner, area, ref, measure)):
            raise IlacsError("a deadline has a title and a date only: give --title or --due", 2)
        print(changes.edit_deadline(store, target, today=today(), due=due, title=title, note=note, by=by))
        return
    result = changes.edit_action(
        store,
        target,
        today=today(),
        title=title,
        owner=owner,
        area=area,
        ref=ref,
        measure=measure,
        due=due,
        note=note,
        by=by,
    )
    print(
        printable(
            f"action {result.id}: {result.title} | {result.owner or 'owner unknown'} | due {human_day(result.due)}"
        )
    )


@app.command()
def reschedule(
    target: Annotated[str, typer.Argument(help="Action id (12) or deadline id (D3).")],
    to: Annotated[Optional[str], typer.Option("--to", help="The revised date (20/06/2024, +10 working days).")] = None,
    reason: Annotated[Optional[str], typer.Option(help="Why the date moves (reported with it).")] = None,
    approved_by: Annotated[
        Optional[str], typer.Option("--approved-by", help="Who approved the new date (a person or a board).")
    ] = None,
    on: Annotated[Optional[str], typer.Option(help="The day it was approved, if not today.")] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Give an action or a deadline a revised date, with approval; the date planned (a deadline's rule and its date) is kept beside it, and lateness counts against the revised one; undo reverses it.  Example: ilacs reschedule D2 --to 20/06/2024 --reason "Panel moved" --approved-by "Improvement Board" """
    from ilacs_cli.domain import changes

    for value, option in ((to, "--to DATE"), (reason, "--reason TEXT"), (approved_by, "--approved-by NAME")):
        if value is None:
            raise IlacsError(
                f"reschedule needs {option}: ilacs reschedule {target} --to DATE --reason TEXT --approved-by NAME", 2
            )
    assert to is not None and reason is not None and approved_by is not None  # checked just above
    store = open_store(db)
    print(
        printable(
            changes.reschedule(
                store,
                target,
                to=parse_day(to, store),
                reason=reason,
                approved_by=approved_by,
                today=today(),
                on=parse_day(on, store) if on else None,
                by=by,
            )
        )
    )


@app.command()
def reopen(
    target: Annotated[str, typer.Argument(help="Deadline id (D3).")],
    note: Annotated[Optional[str], typer.Option(help="Why (recorded).")] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Open again a deadline marked met by mistake (recorded).  Example: ilacs reopen D3 --note "Met date was wrong" """
    from ilacs_cli.domain import changes

    print(changes.reopen(open_store(db), target, note=note, by=by))


@app.command()
def history(
    target: Annotated[str, typer.Argument(help="Action id (12), deadline id (D3) or measure id (M1).")],
    as_of: Annotated[
        Optional[str], typer.Option("--as-of", help="The history as it stood at the end of this day (default: all).")
    ] = None,
    db: DbOption = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """Everything recorded about one action, deadline or measure: status updates, corrections, readings, oldest first.  Example: ilacs history 12"""
    from ilacs_cli import render
    from ilacs_cli.domain import history as recorded
    from ilacs_cli.domain import plan

    store = open_store(db)
    day = parse_day(as_of, store)
    when = day if as_of else None
    if target.strip().upper().startswith("M"):
        _measure_history(store, target, when, json, csv)
        return
    if plan.is_deadline(target):
        found, corrections = recorded.deadline_history(store, target, when)
        updates, whole = [], {"deadline": found, "changes": corrections}
    else:
        found, updates, corrections = recorded.history(store, target, when)
        whole = {"action": found, "updates": updates, "changes": corrections}
    if not updates and not corrections:
        nothing(f"nothing recorded about {found.id}" + (f" by the end of {human_day(day)}" if as_of else ""))
    if json:
        print(render.as_json(whole))
        return
    render.table(
        f"[{found.id}] {found.title}" + (f", as of {human_day(day)}" if as_of else ""),
        ["at", "by", "change", "note"],
        [
            [line.at if csv else human_time(line.at), line.author or "", line.change, line.note or ""]
            for line in recorded.trail(
                updates, corrections, dates=str if csv else human_day, planned_due=found.planned_due
            )
        ],
        csv_out=csv,
        whole=("at",),
    )


def _measure_history(store, target: str, when, json: bool, csv: bool) -> None:
    """A measure's history: added, each reading (with the day it describes), each withdrawal by undo."""
    from ilacs_cli import render
    from ilacs_cli.domain import measures

    day = date_cell(csv)
    found, events = measures.measure_history(store, target, when, dates=day)
    if not events:
        nothing(f"nothing recorded about {found.id} by the end of {human_day(when)}")
    if json:
        print(render.as_json({"measure": found, "events": events}))
        return
    render.table(
        f"[{found.id}] {found.title}" + (f", as of {human_day(when)}" if when else ""),
        ["at", "by", "change", "note"],
        [
            [
                e.at if csv else human_time(e.at),
                e.author or "",
                e.change + (f" (as of {day(e.on)})" if e.on else ""),
                e.note or "",
            ]
            for e in events
        ],
        csv_out=csv,
        whole=("at",),
    )


_UNDO_STATES = {
    "next": "undo reverses this",
    "undone": "undone",
    "undo": "an undo",
    "irreversible": "cannot be undone",
    "earlier": "",
}


@app.command()
def undo(
    by: By = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be undone; change nothing.")] = False,
    list_: Annotated[
        bool, typer.Option("--list", help="List your last 10 commands and which one undo reverses; change nothing.")
    ] = False,
    db: DbOption = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """Reverse your own last command (an update, an edit, an action added, done, reopen, an import, an owner change) by recording its opposite.  Example: ilacs undo --dry-run"""
    from ilacs_cli import render
    from ilacs_cli.domain import changes

    store = open_store(db)
    if (json or csv) and not list_:
        raise IlacsError("--json and --csv go with --list: ilacs undo --list --json", 2)
    if list_:
        me, commands = changes.your_commands(store, by)
        if not commands:
            nothing(f"no commands of {me}'s are recorded (give --by if you recorded them under another name)")
        if json:
            print(render.as_json(commands))
            return
        render.table(
            f"Last commands of {me}",
            ["at", "command", "note", "undo"],
            [
                [c.at, c.command, c.note or "", c.state]
                if csv
                else [human_time(c.at), c.command, c.note or "", _UNDO_STATES[c.state]]
                for c in commands
            ],
            csv_out=csv,
            whole=("at", "command"),
            optional=("note",),
        )
        return
    result = changes.preview_undo(store, by) if dry_run else changes.undo(store, by)
    print(f"{'would undo' if dry_run else 'undid'} `{result.command}` of {human_time(result.at)}:")
    for item in result.items:
        print(f"  {item}")


@app.command()
def done(
    target: Annotated[str, typer.Argument(help="Action id (12) or deadline id (D3).")],
    on: Annotated[Optional[str], typer.Option(help="Date (default today).")] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Mark a deadline met or an action done.  Example: ilacs done D3 --on 17/05/2024"""
    from ilacs_cli.domain import changes
    from ilacs_cli.mail.config import evidence_required

    store = open_store(db)
    required = not plan_is_deadline(target) and evidence_required()
    print(changes.mark_done(store, target, parse_day(on, store), today(), by, evidence_required=required))


# A re-scheduled date's columns in CSV (a table says it in the due cell: "..., revised to ..., approved by ...").
REVISED_HEADERS = ["planned due", "revised due", "revised reason", "approved by", "revised on"]


def revised_cells(item) -> list[str]:
    """An action's or deadline's CSV cells for REVISED_HEADERS (empty when it was never re-scheduled)."""
    if item.revised_due is None:
        return [item.planned_due or "", "", "", "", ""]
    return [
        item.planned_due or "",
        item.revised_due,
        item.revised_reason or "",
        item.approved_by or "",
        item.revised_on or "",
    ]


def due_cell(item, csv: bool, *, wording: bool = False) -> str:
    """An item's due date in a table ('Fri 17 May 2024, revised to Thu 20 Jun 2024, approved by ...') or CSV (the
    date it counts against, ISO; its planned and revised dates have columns of their own)."""
    from ilacs_cli.dates.days import human
    from ilacs_cli.domain import rules

    if csv:
        return item.due or ""
    words = item.wording if wording else None
    return rules.due_shown(item.due, item.planned_due, item.revised_due, item.approved_by, human, wording=words)


def whole_unless_revised(whole: tuple[str, ...], items) -> tuple[str, ...]:
    """Columns never cut, less `due` when a re-scheduled date's longer words are in it (they wrap)."""
    return tuple(name for name in whole if name != "due") if any(i.revised_due for i in items) else whole


def plan_is_deadline(target: str) -> bool:
    from ilacs_cli.domain.plan import is_deadline

    return is_deadline(target)


def _action_rows(actions, csv: bool):
    from ilacs_cli.domain import rules

    return [
        [
            a.id,
            a.inspection,
            a.area or "",
            a.ref or "",
            a.title,
            a.owner or "",
            due_cell(a, csv),
            a.status if csv else rules.status_shown(a.status),
        ]
        + (revised_cells(a) if csv else [])
        for a in actions
    ]


ACTION_HEADERS = ["id", "inspection", "area", "ref", "action", "owner", "due", "status"]
ACTION_WHOLE = ("id", "inspection", "area", "due", "status")  # never cut in a terminal


@app.command()
def actions(
    inspection: InspectionOption = None,
    owner: OwnerOption = None,
    status: Annotated[
        Optional[list[str]],
        typer.Option(
            help="not-started, in-progress, blocked, done, cancelled, or open or closed, or unknown (not stated "
            "in the document); repeat for any of several.",
            autocompletion=complete_status_filter,
        ),
    ] = None,
    area: Annotated[
        Optional[int], typer.Option(help="Only this area for improvement, by its number in the report.")
    ] = None,
    due_before: Annotated[Optional[str], typer.Option("--due-before", help="Only actions due before this day.")] = None,
    db: DbOption = None,
    as_of: AsOf = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """Filtered list of actions.  Example: ilacs actions --owner "A Watson" --status in-progress --status blocked"""
    import dataclasses

    from ilacs_cli import render
    from ilacs_cli.domain import plan, progress, rules

    settings = ratings()
    store = open_store(db)
    reader, day = reading(as_of, store)
    found = plan.list_actions(
        reader,
        inspection=inspection,
        owner=owner,
        status=status or None,
        area=area,
        due_before=parse_day(due_before, store) if due_before else None,
    )
    if not found:
        nothing("no actions match" + (f" as of {human_day(day)}" if as_of else ""))
    rated = progress.rate_actions(reader, day, settings, found)
    if json:
        print(render.as_json([{**dataclasses.asdict(a), "rag": rag} for a, rag in zip(found, rated)]))
        return
    late = rules.overdue(day)
    statuses = rules.statuses_named(status) if status else ()
    same = {"inspection": inspection, "area": area, "status": statuses[0] if len(statuses) == 1 else None}
    render.table(
        "Actions" + (f" as of {human_day(day)}" if as_of else ""),
        [*ACTION_HEADERS, *(REVISED_HEADERS if csv else []), "rag"],
        [
            [*row, rag.upper() if csv else rules.RAG_WORDS[rag]]
            for row, rag in zip(_action_rows(found, csv), rated, strict=True)
        ],
        csv_out=csv,
        whole=whole_unless_revised(ACTION_WHOLE, found),
        same={header: value for header, value in same.items() if value is not None},
        optional=("ref", "area", "owner", "rag"),
        red=[late.matches(a.status, a.due) for a in found],
    )
    if not csv:
        print_key(settings)


def _late_report(title, found_actions, found_deadlines, json, csv, late: bool, inspection=None, owner=None):
    """Overdue or due items as a table, CSV or JSON; `title` ('Overdue as of ...') says on stderr what was empty."""
    from ilacs_cli import render

    if not found_actions and not found_deadlines:
        whose = "".join(f" {word} {value}" for word, value in (("owned by", owner), ("in", inspection)) if value)
        nothing(f"nothing {title[0].lower()}{title[1:]}{whose}")
    if json:
        print(
            render.as_json(
                [{"kind": "action", **vars(a)} for a in found_actions]
                + [{"kind": "deadline", **vars(d)} for d in found_deadlines]
            )
        )
        return
    headers = ["id", "inspection", "what", "owner", "due"] + (["working days late", "days late"] if late else [])
    items = sorted([*found_actions, *found_deadlines], key=lambda item: item.due or "")
    rows = [
        [item.id, item.inspection, item.title, getattr(item, "owner", None) or "", due_cell(item, csv)]
        + (revised_cells(item) if csv else [])
        + ([item.working_days_late, item.days_late] if late else [])
        for item in items
    ]
    if csv:
        headers[5:5] = REVISED_HEADERS  # beside the date they qualify
    render.table(
        title,
        headers,
        rows,
        csv_out=csv,
        whole=whole_unless_revised(("id", "inspection", "due", "working days late", "days late"), items),
        same={"inspection": inspection} if inspection else None,
        optional=("days late", "owner"),
        red=[late] * len(rows),
    )


@app.command()
def overdue(
    as_of: AsOf = None,
    owner: OwnerOption = None,
    inspection: InspectionOption = None,
    db: DbOption = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """Open actions and deadlines past due, oldest first.  Example: ilacs overdue --as-of 2024-11-01"""
    from ilacs_cli.domain import plan

    store = open_store(db)
    reader, day = reading(as_of, store)
    found_actions, found_deadlines = plan.overdue(reader, day, owner=owner, inspection=inspection)
    _late_report(
        f"Overdue as of {human_day(day)}",
        found_actions,
        found_deadlines,
        json,
        csv,
        late=True,
        inspection=inspection,
        owner=owner,
    )


@app.command()
def due(
    within: Annotated[int, typer.Option(help="Working days ahead.")] = 10,
    as_of: AsOf = None,
    owner: OwnerOption = None,
    inspection: InspectionOption = None,
    db: DbOption = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """What falls due in the next N working days.  Example: ilacs due --within 10 --owner "A Watson" --csv"""
    from ilacs_cli.domain import plan

    store = open_store(db)
    reader, day = reading(as_of, store)
    found_actions, found_deadlines = plan.due_within(reader, day, within, owner=owner, inspection=inspection)
    _late_report(
        f"Falls due within {within} working days of {human_day(day)}",
        found_actions,
        found_deadlines,
        json,
        csv,
        late=False,
        inspection=inspection,
        owner=owner,
    )
