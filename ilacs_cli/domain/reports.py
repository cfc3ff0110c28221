"""Progress reports: counts by status per inspection and area (`summary`); the progress paper for a board (`report`).

What is overdue, and each action's rating (BRAG or RAG), come from ilacs_cli.rules; this module only gathers and counts.
Returns plain dataclasses; never prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import day_range, human
from ilacs_cli.domain import history, plan, progress, rules
from ilacs_cli.errors import IlacsError

if TYPE_CHECKING:
    from ilacs_cli.domain.measures import Measure
    from ilacs_cli.domain.progress import PlanRow
    from ilacs_cli.storage.actions import ActionCountsRow
    from ilacs_cli.storage.measures import MeasureEventRow
    from ilacs_cli.storage.store import Reader

DEFAULT_SINCE_DAYS = 30


@dataclass
class Progress:
    not_started: int
    in_progress: int
    blocked: int
    done: int
    cancelled: int
    total: int
    percent_done: int | None  # done / (total - cancelled - not stated), rounded down; None when nothing to count
    overdue: int
    not_stated: int = 0  # status unknown: the document does not give it; counted apart, as neither done nor not
    rescheduled: int = 0  # given a revised date with approval (ilacs reschedule), whatever their status


@dataclass
class AreaProgress:
    area: int | None  # None: actions whose area for improvement is not stated
    area_title: str | None
    progress: Progress
    rag: dict[str, int] = field(default_factory=dict)  # how many actions have each rating (rules.rag_counts)


@dataclass
class InspectionProgress:
    inspection: str
    authority: str | None
    as_of: str
    progress: Progress
    areas: list[AreaProgress]
    rag: dict[str, int] = field(default_factory=dict)  # how many actions have each rating (rules.rag_counts)


@dataclass
class DeadlineOutcome:
    deadline: plan.Deadline
    outcome: str  # met on time | met late | missed | overdue | open | date unknown | outcome not recorded
    working_days: int | None  # late (met late, overdue) or left (open); None otherwise


@dataclass
class LateItem:
    kind: str  # action | deadline
    id: str
    title: str
    owner: str | None
    area: int | None
    due: str
    working_days_late: int | None
    status: str
    latest_note: str | None
    planned_due: str | None = None  # when re-scheduled: `due` is the revised date, this the date planned first
    revised_due: str | None = None
    approved_by: str | None = None


@dataclass
class RescheduledItem:
    """An action or deadline given a revised date with approval, as a board paper reports it."""

    kind: str  # action | deadline
    id: str
    title: str
    owner: str | None
    planned_due: str | None
    revised_due: str
    approved_by: str | None
    revised_on: str | None
    reason: str | None
    status: str


@dataclass
class UpdateLine:
    at: str  # the day it describes (an update's --on, else the day recorded), ISO
    action_id: int
    action_title: str
    area: int | None
    author: str | None
    old_status: str | None
    new_status: str | None  # None for a correction
    new_due: str | None
    note: str | None
    correction: str | None = None  # "owner: A Watson -> B Khan" for a field corrected in place
    ref: str = ""  # the council's ref of the action, else its id; a deadline's id (D2)
    kind: str = "action"  # action | deadline
    recorded: str = ""  # when it was recorded (UTC), for the order of a day's changes


@dataclass
class Report:
    inspection: str
    authority: str | None
    kind: str | None
    fieldwork_start: str | None
    fieldwork_end: str | None
    published: str | None
    previous_inspection: str | None
    as_of: str
    since: str
    judgements: list[plan.Judgement]
    areas: list[plan.Area]
    deadlines: list[DeadlineOutcome]
    progress: InspectionProgress
    plan: list[PlanRow]
    rag: dict[str, int]  # red, amber, green (and blue under BRAG): how many actions of the plan each
    late: list[LateItem]
    updates: list[UpdateLine]
    evidence: list[str] = field(default_factory=list)  # notes, source documents, inferred values with reasons
    scheme: str = rules.DEFAULT_SCHEME  # brag or rag: the rating scheme the paper used
    key: str = rules.RatingSettings().key  # the key of its ratings, as the paper prints it
    rescheduled: list[RescheduledItem] = field(default_factory=list)  # revised dates, with approval
    position: Position | None = None  # page one: what a committee reads first
    measures: list[MeasureTrend] = field(default_factory=list)  # each measure with its readings, by area


@dataclass
class MeasureTrend:
    """A measure as the paper shows it: against its baseline and target, with every reading standing, by day."""

    measure: Measure
    readings: list[tuple[str, float]]  # (the day it describes, ISO; the value), oldest first
    direction: str  # the direction of travel in words: 'improving: 61% from 52%'


@dataclass
class RedItem:
    """An exception on page one: an action or deadline rated red, with the owner's latest words."""

    kind: str  # action | deadline
    ref: str  # the council's ref (1.2) when it has one, else the id a member can ask by
    title: str
    owner: str | None
    due: str | None
    working_days_late: int | None  # None: red but not late (blocked before its date)
    status: str
    latest_words: str | None  # the owner's latest update, in their words
    latest_on: str | None  # the day those words describe


@dataclass
class NextDue:
    """A date coming up: an open deadline or an open action's target date."""

    kind: str  # action | deadline
    ref: str
    title: str
    owner: str | None
    due: str
    working_days_left: int


@dataclass
class MeasureCounts:
    on_target: int
    within_tolerance: int
    off_target: int
    no_reading: int


@dataclass
class Position:
    """Page one of the paper: the plan in one paragraph, its ratings and key, its measures, its exceptions (most
    late first), what was re-scheduled in the period, what comes next, and the author's summary."""

    plan_in_words: str
    rag: dict[str, int]
    key: list[tuple[str, str]]  # each rating's word and what it means
    measures: MeasureCounts
    off_target: list[str]  # "M2 Re-referrals within 12 months: 24% against a target of 18%"
    exceptions: list[RedItem]
    rescheduled: list[RescheduledItem]  # given a revised date from the period's start
    next_due: list[NextDue]
    next_board: str | None  # the next board's day, when boards are recorded
    summary: str | None = None  # the author's summary and recommendations (Markdown), from report --summary
    no_actions: str | None = None  # what is missing and what to do, for a plan with no actions yet


NEXT_DUE = 5  # dates shown under "Next deadlines" on page one


def next_board(db: Reader, inspection: str, as_of: dt.date) -> str | None:
    """The next board meeting on or after `as_of` in words ("Improvement Board, Tue 10 Jun 2025"), or None."""
    from ilacs_cli.domain import boards

    found = boards.next_board(db, inspection, as_of)
    return f"{found.name}, {human(found.day)}" if found else None


def count(groups: Iterable[ActionCountsRow]) -> Progress:
    """Counts by status, percentage done and overdue count, summed over the store's counts (ActionCountsRow)."""
    not_started = in_progress = blocked = done = cancelled = not_stated = overdue = rescheduled = 0
    for group in groups:  # national summaries sum thousands of groups: plain additions, no dict per group
        not_started += group.not_started
        in_progress += group.in_progress
        blocked += group.blocked
        done += group.done
        cancelled += group.cancelled
        not_stated += group.not_stated
        overdue += group.overdue
        rescheduled += group.rescheduled
    total = not_started + in_progress + blocked + done + cancelled + not_stated
    counted = total - cancelled - not_stated
    percent = rules.percent(done, counted)  # half up, as the paper and every other output say it
    return Progress(
        not_started, in_progress, blocked, done, cancelled, total, percent, overdue, not_stated, rescheduled
    )


def summary(
    db: Reader, as_of: dt.date, inspection: str | None = None, settings: rules.RatingSettings | None = None
) -> list[InspectionProgress]:
    """Progress of every inspection (or the one named) and of each of its areas for improvement, with each
    rating's count under `settings` (default BRAG)."""
    if inspection is not None:
        plan.require_inspection(db, inspection)
    settings = settings or rules.RatingSettings()
    groups: dict[str, list[ActionCountsRow]] = {}  # inspection -> its areas' counts, by number, then no area
    for group in db.actions.counts(rules.overdue(as_of), rules.HELD_STATUSES, inspection):
        groups.setdefault(group.inspection, []).append(group)
    rated = progress.rating_counts(db, as_of, settings, inspection)
    none = progress.no_ratings(settings)
    day = as_of.isoformat()
    return [
        InspectionProgress(
            found.id,
            found.authority,
            day,
            count(mine),
            [
                AreaProgress(group.area, group.area_title, count((group,)), rated.get((found.id, group.area), none))
                for group in mine
            ],
            rated.get((found.id, progress.ALL_AREAS), none),
        )
        for found in db.inspections.matching(inspection)
        for mine in (groups.get(found.id, []),)
    ]


def bar(percent: int | None, width: int = 20) -> str:
    """'#####...............' for 25%; empty when there is nothing to count."""
    if percent is None:
        return ""
    filled = percent * width // 100
    return "#" * filled + "." * (width - filled)


def deadline_outcome(db: Reader, deadline: plan.Deadline, as_of: dt.date) -> DeadlineOutcome:
    """Whether a deadline was met, and on time; or how late or how near it is."""
    if deadline.due is None:
        return DeadlineOutcome(deadline, "date unknown", None)
    due = dt.date.fromisoformat(deadline.due)
    if deadline.status == "met" and deadline.met_on:
        met = dt.date.fromisoformat(deadline.met_on)
        if met <= due:
            return DeadlineOutcome(deadline, "met on time", None)
        return DeadlineOutcome(deadline, "met late", db.calendar.working_days_between(due, met))
    if deadline.status == "met":
        return DeadlineOutcome(deadline, "met", None)
    if deadline.status == "missed":
        return DeadlineOutcome(deadline, "missed", None)
    if deadline.status == rules.UNKNOWN:
        return DeadlineOutcome(deadline, rules.deadline_status_name(deadline.status), None)
    if rules.overdue_deadlines(as_of).matches(deadline.status, deadline.due):
        return DeadlineOutcome(deadline, "overdue", db.calendar.working_days_between(due, as_of))
    return DeadlineOutcome(deadline, "open", db.calendar.working_days_between(as_of, due))


def build_report(
    db: Reader,
    inspection: str,
    as_of: dt.date,
    since: dt.date | None = None,
    settings: rules.RatingSettings | None = None,
    summary_text: str | None = None,
) -> Report:
    """Everything a progress paper on one inspection's action plan shows, as of a date, its actions rated under
    `settings` (default BRAG)."""
    settings = settings or rules.RatingSettings()
    found = plan.require_inspection(db, inspection)
    since = since or as_of - dt.timedelta(days=DEFAULT_SINCE_DAYS)
    if since > as_of:
        raise IlacsError(
            f"--since {since.isoformat()} is after --as-of {as_of.isoformat()}: "
            "give an earlier --since or a later --as-of",
            2,
        )
    detail = plan.show_inspection(db, inspection, as_of)
    rows = list(progress.plan_rows(db, as_of, inspection, settings))
    in_words = council_words(detail.sources)
    for row in rows:
        row.latest_update_note = in_words(row.latest_update_note)
    notes = {r.action_id: r.latest_update_note for r in rows}
    late_actions, late_deadlines = plan.overdue(db, as_of, inspection=inspection)
    late = [
        LateItem(
            "action",
            str(a.id),
            a.title,
            a.owner,
            a.area,
            a.due,
            a.working_days_late,
            a.status,
            notes.get(a.id),
            a.planned_due,
            a.revised_due,
            a.approved_by,
        )
        for a in late_actions
        if a.due
    ]
    late.sort(key=lambda item: (-(item.working_days_late or 0), item.due, (item.owner or "").lower()))
    late += [
        LateItem(
            "deadline",
            d.id,
            d.title,
            None,
            None,
            d.due,
            d.working_days_late,
            d.status,
            None,
            d.planned_due,
            d.revised_due,
            d.approved_by,
        )
        for d in late_deadlines
        if d.due
    ]
    refs = {row.action_id: _ref(row) for row in rows}
    updates = period_changes(db, inspection, since, as_of, rows, refs, in_words)
    report = Report(
        found.id,
        found.authority,
        found.kind,
        found.fieldwork_start,
        found.fieldwork_end,
        found.published,
        found.previous_id,
        as_of.isoformat(),
        since.isoformat(),
        detail.judgements,
        detail.areas,
        [deadline_outcome(db, d, as_of) for d in detail.deadlines],
        summary(db, as_of, inspection, settings)[0],
        rows,
        rules.rag_counts([r.rag for r in rows], settings),
        late,
        updates,
        [in_words(line) or "" for line in plan.sources_and_inferences(detail)],
        settings.scheme,
        settings.key,
        [
            RescheduledItem(
                "deadline",
                d.id,
                d.title,
                None,
                d.planned_due,
                d.revised_due,
                d.approved_by,
                d.revised_on,
                d.revised_reason,
                d.status,
            )
            for d in detail.deadlines
            if d.revised_due
        ]
        + [
            RescheduledItem(
                "action",
                str(r.action_id),
                r.action,
                r.lead_officer,
                r.planned_due,
                r.revised_due,
                r.approved_by,
                r.revised_on,
                r.revised_reason,
                r.status,
            )
            for r in rows
            if r.revised_due
        ],
    )
    report.measures = measure_trends(db, inspection, as_of)
    report.position = position(
        db, report, as_of, settings, {a.id: a.working_days_late for a in late_actions}, summary_text
    )
    return report


def period_changes(
    db: Reader,
    inspection: str,
    since: dt.date,
    as_of: dt.date,
    rows: list[PlanRow],
    refs: dict[int, str],
    in_words,
) -> list[UpdateLine]:
    """Every change to the plan in the period, by the day it describes: status updates (by their --on day),
    corrections to actions and deadlines (met, reopened, edited, re-scheduled; by the day made). Left out as noise
    for members: an update that changes nothing and says nothing, and an update undone with its undo."""
    found = db.actions.updates_describing(inspection, since, as_of)
    undone = {u.undoes for u in found if u.undoes is not None}
    lines = []
    for u in found:
        if u.id in undone or (u.undoes is not None and u.undoes in {v.id for v in found}):
            continue  # recorded and withdrawn: nothing changed
        same = u.old_status == u.new_status and (u.new_due is None or u.new_due == u.old_due)
        note = None if u.undoes is not None else words_of_owner(in_words(u.note))
        if same and not note:
            continue
        day = u.on_day or u.at[:10]
        lines.append(
            UpdateLine(
                day,
                u.action_id,
                u.action_title,
                u.area,
                u.author,
                None if same else u.old_status,
                None if same else u.new_status,
                u.new_due if u.new_due != u.old_due else None,
                note,
                None if not same else "update",
                refs.get(u.action_id, str(u.action_id)),
                "action",
                u.at,
            )
        )
    titles = {row.action_id: (row.action, row.area) for row in rows}
    planned = {row.action_id: row.planned_due for row in rows}  # an action's date planned, before any reschedule
    areas = history.area_numbers(db, inspection)
    changes = db.corrections.between(inspection, since, as_of)
    withdrawn = {c.undoes for c in changes if c.undoes is not None}
    moved = _reschedules(changes)
    for change in changes:
        if change.subject not in ("action", "deadline") or change.subject_id is None or change.field == "wording":
            continue  # a date's words go with the date
        if change.id in withdrawn or change.undoes is not None or change.old == change.new:
            continue
        key = (change.batch, change.subject, change.subject_id)
        if change.field in history.REVISED_FIELDS and (change.field != "revised_due" and "revised_due" in moved[key]):
            continue  # said with its revised date, in one line
        said = (
            history.rescheduled_in_words(
                moved[key], planned.get(change.subject_id) if change.subject == "action" else None, human
            )
            if change.field in history.REVISED_FIELDS
            else history.correction_in_words(*history.in_words(change, areas), dates=human)
        )
        if change.subject == "action":
            title, area = titles.get(change.subject_id, (change.subject_title or "", None))
            ref = refs.get(change.subject_id, str(change.subject_id))
        else:
            title, area, ref = change.subject_title or "", None, f"D{change.subject_id}"
        lines.append(
            UpdateLine(
                change.at[:10],
                change.subject_id,
                title,
                area,
                change.author,
                None,
                None,
                None,
                in_words(change.note),
                said,
                ref,
                change.subject,
                change.at,
            )
        )
    lines.sort(key=lambda line: (line.at, line.recorded))
    return lines


def _reschedules(changes) -> dict[tuple, dict[str, tuple[str | None, str | None]]]:
    """A reschedule's fields by (batch, subject, row): `reschedule` changes them together, and they are said as one
    line (history.rescheduled_in_words)."""
    moved: dict[tuple, dict[str, tuple[str | None, str | None]]] = {}
    for c in changes:
        if c.field in history.REVISED_FIELDS:
            moved.setdefault((c.batch, c.subject, c.subject_id), {})[c.field] = (c.old, c.new)
    return moved


def council_words(sources: list[dict]):
    """A function giving a note with each source document's file name replaced by its title and date."""
    names = {
        document["file"]: f"{document['title']} ({human(document['date']) if document.get('date') else 'undated'})"
        for document in sources
        if document.get("file")
    }

    def in_words(text: str | None) -> str | None:
        for file, name in names.items():
            text = text.replace(file, name) if text else text
        return text

    return in_words


def _ref(row: PlanRow) -> str:
    return row.ref or str(row.action_id)


def position(
    db: Reader,
    report: Report,
    as_of: dt.date,
    settings: rules.RatingSettings,
    working_days_late: dict[int, int | None],
    summary_text: str | None = None,
) -> Position:
    """Page one of `report`: built from what the report already holds, with the next board."""

    rows = report.plan
    exceptions = [
        RedItem(
            "action",
            _ref(r),
            r.action,
            r.lead_officer,
            r.target_date,
            working_days_late.get(r.action_id),
            r.status,
            words_of_owner(r.latest_update_note),
            r.latest_update_on if words_of_owner(r.latest_update_note) else None,
        )
        for r in rows
        if r.rag == "red"
    ] + [
        RedItem("deadline", item.id, item.title, None, item.due, item.working_days_late, item.status, None, None)
        for item in report.late
        if item.kind == "deadline"
    ]
    exceptions.sort(key=lambda item: (-(item.working_days_late or 0), item.due or "9999", item.ref))
    found = [trend.measure for trend in report.measures]
    ratings = [m.rating for m in found]
    counts = MeasureCounts(
        ratings.count(rules.ON_TARGET),
        ratings.count(rules.WITHIN_TOLERANCE),
        ratings.count(rules.OFF_TARGET),
        ratings.count(rules.NO_READING),
    )
    off = [
        f"{m.id} {m.title}: {m.latest}{m.unit} against a target of {m.target}{m.unit}"
        for m in found
        if m.rating == rules.OFF_TARGET
    ]
    upcoming = [
        NextDue(
            "deadline",
            d.deadline.id,
            d.deadline.title,
            None,
            d.deadline.due,
            db.calendar.working_days_between(as_of, dt.date.fromisoformat(d.deadline.due)),
        )
        for d in report.deadlines
        if d.deadline.status not in ("met", "missed") and d.deadline.due and d.deadline.due >= as_of.isoformat()
    ] + [
        NextDue(
            "action",
            _ref(r),
            r.action,
            r.lead_officer,
            r.target_date,
            db.calendar.working_days_between(as_of, dt.date.fromisoformat(r.target_date)),
        )
        for r in rows
        if r.status in rules.OPEN_STATUSES and r.target_date and r.target_date >= as_of.isoformat()
    ]
    upcoming.sort(key=lambda item: (item.due, item.kind != "deadline", item.ref))
    missing = None
    if not rows:
        missing = (
            "No actions are recorded for this plan yet, so nothing can be rated or counted: add the plan's actions "
            f"(ilacs add-action {report.inspection} --area 1 --owner NAME --due DATE TITLE, or ilacs import)."
        )
    return Position(
        plan_in_words(report, as_of),
        report.rag,
        settings.meanings(),
        counts,
        off,
        exceptions,
        [item for item in report.rescheduled if item.revised_on is None or item.revised_on[:10] >= report.since],
        upcoming[:NEXT_DUE],
        next_board(db, report.inspection, as_of),
        summary_text,
        missing,
    )


def measure_trends(db: Reader, inspection: str, as_of: dt.date) -> list[MeasureTrend]:
    """Each measure of the plan as of `as_of`, with its readings standing then (by the day each describes) and its
    direction of travel in words."""
    from ilacs_cli.domain import measures

    trends = []
    for m in measures.list_measures(db, as_of, inspection=inspection):
        rows = db.measures.readings(int(m.id.lstrip("M")))
        readings = sorted(
            ((r.on_day, measures.number(r.value)) for r in rows if r.on_day <= as_of.isoformat()),
            key=lambda reading: reading[0],
        )
        trends.append(MeasureTrend(m, readings, travel_in_words(m)))  # type: ignore[arg-type]
    return trends


def travel_in_words(m: Measure) -> str:
    """'improving: 61% from 52%', 'worsening: ...', 'no change: 61%', 'one reading so far', 'no reading yet'."""
    if m.latest is None:
        return "no reading yet"
    if m.direction is None and m.baseline is not None:  # one reading: its travel from the baseline
        moved = rules.direction(m.baseline, m.latest, m.better)
        if moved == rules.NO_CHANGE:
            return f"no change from the baseline: {m.latest}{m.unit}"
        return f"{moved}: {m.latest}{m.unit} from a baseline of {m.baseline}{m.unit}"
    if m.direction is None:
        return "one reading so far"
    if m.direction == rules.NO_CHANGE:
        return f"no change: {m.latest}{m.unit}"
    return f"{m.direction}: {m.latest}{m.unit} from {m.previous}{m.unit}"


def words_of_owner(note: str | None) -> str | None:
    """An update's note as the owner's words: None for the notes ilacs writes itself ('action added')."""
    if not note or note in rules.MACHINE_NOTES or note.startswith("undo of update #"):  # undo's own note
        return None
    return note


def plan_in_words(report: Report, as_of: dt.date) -> str:
    """The plan in one paragraph: the inspection, its overall judgement, its actions and where the plan stands
    against its statutory deadline."""
    overall = next((j.grade for j in report.judgements if j.area == "overall"), None)
    who = report.authority or "The authority"
    when = f"{rules.kind_name(report.kind).lower()}, {day_range(report.fieldwork_start, report.fieldwork_end)}"
    judged = (
        f"judged {rules.grade_name(overall).lower()} overall" if overall else "the overall judgement is not recorded"
    )
    published = f"; report published {human(report.published)}" if report.published else ""
    text = f"{who} was inspected ({when}{published}) and {judged}."
    p = report.progress.progress
    areas = sum(1 for a in report.progress.areas if a.area is not None)
    if p.total:
        text += (
            f" The plan has {p.total} action{'' if p.total == 1 else 's'} in {areas} area"
            f"{'' if areas == 1 else 's'} for improvement: "
            f"{rules.done_in_words(p.done, p.total, p.not_stated, p.cancelled)}"
            f"{f', {p.overdue} overdue' if p.overdue else ''}{f', {p.cancelled} cancelled' if p.cancelled else ''}."
        )
    else:
        text += f" The plan has {areas} area{'' if areas == 1 else 's'} for improvement and no actions recorded yet."
    statutory = [d for d in report.deadlines if d.deadline.kind == "deadline"]
    for item in statutory[:1]:
        d = item.deadline
        due = human(d.due) if d.due else "a date not recorded"
        if item.outcome == "met on time":
            stands = f"was met on time ({human(d.met_on) if d.met_on else 'day not recorded'})"
        elif item.outcome == "met late":
            stands = f"was met {item.working_days} working day{'' if item.working_days == 1 else 's'} late"
        elif item.outcome == "overdue":
            stands = f"is {item.working_days} working day{'' if item.working_days == 1 else 's'} overdue"
        elif item.outcome == "open":
            stands = f"is {item.working_days} working day{'' if item.working_days == 1 else 's'} away"
        elif item.outcome == "met":
            stands = "was met"
        else:
            stands = (
                f"has no outcome recorded ({item.outcome})"
                if item.outcome != "outcome not recorded"
                else ("has no outcome recorded")
            )
        text += f" The statutory deadline, {d.title} by {due}, {stands}."
    if not statutory:
        text += " No statutory deadline is recorded."
    return text


@dataclass
class ChangeLine:
    at: str  # when it was recorded (UTC)
    on: str | None  # the day it describes, when not the day it was recorded
    inspection: str | None
    kind: str  # action, deadline, owner, inspection or measure
    id: str  # "12", "D3", "M1", or the owner's name
    title: str | None
    author: str | None
    change: str  # its days ISO
    note: str | None
    said: str = field(default="", compare=False, metadata={"json": False})  # its days in words, for text


def changes_since(
    db: Reader, since: dt.date | None, until: dt.date | None = None, inspection: str | None = None
) -> tuple[dt.date, list[ChangeLine]]:
    """The first day, and everything recorded from it (to `until`): status updates and corrections, oldest first.
    With no `since`, from 30 days before `until` (or today), as a board paper counts its period."""
    if since is None:
        from ilacs_cli.dates.days import today_in_england

        since = (until or today_in_england()) - dt.timedelta(days=DEFAULT_SINCE_DAYS)
    if inspection is not None:
        plan.require_inspection(db, inspection)
    if until is not None and since > until:
        raise IlacsError(
            f"--since {since.isoformat()} is after --until {until.isoformat()}: give an earlier --since", 2
        )
    lines = []
    for u in db.actions.updates_between(inspection, since, until):
        change = history.update_in_words(u.old_status, u.new_status, u.old_due, u.new_due)
        said = history.update_in_words(u.old_status, u.new_status, u.old_due, u.new_due, dates=human)
        if u.reply:  # an owner's reply by e-mail (issue 30)
            change, said = f"{change}, {history.REPLY} {u.reply}", f"{said}, {history.REPLY} {u.reply}"
        lines.append(
            (
                u.sequence or 0,
                0,
                u.id,
                ChangeLine(
                    u.at,
                    u.on_day,
                    u.inspection,
                    "action",
                    str(u.action_id),
                    u.action_title,
                    u.author,
                    change,
                    u.note,
                    said,
                ),
            )
        )
    areas = history.area_numbers(db, inspection)
    found = db.corrections.between(inspection, since, until)
    moved = _reschedules(found)
    for c in found:
        key = (c.batch, c.subject, c.subject_id)
        if c.field in history.REVISED_FIELDS:
            if c.field != "revised_due" and "revised_due" in moved.get(key, {}):
                continue  # said with its revised date
            change = history.rescheduled_in_words(moved[key], None)
            said = history.rescheduled_in_words(moved[key], None, human)
        else:
            name, old, new = history.in_words(c, areas)
            change = history.correction_in_words(name, old, new)
            said = history.correction_in_words(name, old, new, dates=human)
        label = {"action": str(c.subject_id), "deadline": f"D{c.subject_id}", "inspection": c.inspection}.get(
            c.subject, c.subject_title
        ) or ""
        lines.append(
            (
                c.sequence,
                1,
                c.id,
                ChangeLine(
                    c.at,
                    None,
                    c.inspection,
                    c.subject,
                    label,
                    c.subject_title if c.subject != "owner" else None,
                    c.author,
                    change,
                    c.note,
                    said,
                ),
            )
        )
    for number, m in enumerate(db.measures.recorded_between(inspection, since, until)):
        change = _measure_change(m)
        lines.append(
            (
                0,
                2,
                number,
                ChangeLine(
                    m.at,
                    m.on_day,
                    m.inspection,
                    "measure",
                    f"M{m.measure_id}",
                    m.title,
                    m.author,
                    change,
                    m.note,
                    change,
                ),
            )
        )
    return since, [line for *_, line in sorted(lines, key=lambda item: (item[3].at, item[0], item[1], item[2]))]


def _measure_change(event: MeasureEventRow) -> str:
    """A measure's change in words: "added", "reading 58 % (off target)", "reading 58 % withdrawn"."""
    from ilacs_cli.domain.measures import number

    if event.value is None:
        return {"added": "measure added", "withdrawn": "measure withdrawn"}.get(event.what, event.what)
    said = f"reading {number(event.value)} {event.unit}"
    if event.what == "reading withdrawn":
        return f"{said} withdrawn"
    return f"{said} ({rules.rate_measure(event.value, event.target, event.better, event.tolerance)})"
