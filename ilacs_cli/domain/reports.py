"""Progress reports: counts by status per inspection and area (`summary`); the progress paper for a board (`report`).

What is overdue, and each action's rating (BRAG or RAG), come from ilacs_cli.rules; this module only gathers and counts.
Returns plain dataclasses; never prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import human
from ilacs_cli.domain import history, plan, progress, rules
from ilacs_cli.errors import IlacsError

if TYPE_CHECKING:
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
    at: str
    action_id: int
    action_title: str
    area: int | None
    author: str | None
    old_status: str | None
    new_status: str | None  # None for a correction
    new_due: str | None
    note: str | None
    correction: str | None = None  # "owner: A Watson -> B Khan" for a field corrected in place


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
    percent = 100 * done // counted if counted else None
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
    late.sort(key=lambda item: ((item.owner or "").lower(), -(item.working_days_late or 0), item.due))
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
    updates = [
        UpdateLine(u.at, u.action_id, u.action_title, u.area, u.author, u.old_status, u.new_status, u.new_due, u.note)
        for u in db.actions.updates_between(inspection, since, as_of)
    ]
    titles = {row.action_id: (row.action, row.area) for row in rows}
    areas = history.area_numbers(db, inspection)
    for change in db.corrections.between(inspection, since, as_of):
        if change.subject != "action" or change.subject_id is None or change.field == "wording":
            continue  # deadlines show their outcome above; a date's words go with the date
        name, old, new = history.in_words(change, areas)
        title, area = titles.get(change.subject_id, ("", None))
        updates.append(
            UpdateLine(
                change.at,
                change.subject_id,
                title,
                area,
                change.author,
                None,
                None,
                None,
                change.note,
                history.correction_in_words(name, old, new),
            )
        )
    updates.sort(key=lambda line: line.at)
    return Report(
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
        plan.sources_and_inferences(detail),
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
    moved: dict[tuple, dict[str, tuple[str | None, str | None]]] = {}  # a reschedule's fields, said as one line
    for c in found:
        if c.field in history.REVISED_FIELDS:
            moved.setdefault((c.batch, c.subject, c.subject_id), {})[c.field] = (c.old, c.new)
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
