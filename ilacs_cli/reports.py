"""Progress reports: counts by status per inspection and area (`summary`); the progress paper for a board (`report`).

What is overdue, and each action's RAG rating, come from ilacs_cli.rules; this module only gathers and counts.
Returns plain dataclasses; never prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ilacs_cli import plan, progress, rules
from ilacs_cli.errors import IlacsError
from ilacs_cli.store import ActionCounts, Area, Store

DEFAULT_SINCE_DAYS = 30


@dataclass
class Progress:
    not_started: int
    in_progress: int
    blocked: int
    done: int
    cancelled: int
    total: int
    percent_done: int | None  # done / (total - cancelled), rounded down; None when nothing is left to count
    overdue: int


@dataclass
class AreaProgress:
    area: int | None  # None: actions whose area for improvement is not stated
    area_title: str | None
    progress: Progress


@dataclass
class InspectionProgress:
    inspection: str
    authority: str | None
    as_of: str
    progress: Progress
    areas: list[AreaProgress]


@dataclass
class DeadlineOutcome:
    deadline: plan.Deadline
    outcome: str  # met on time | met late | missed | overdue | open | date unknown
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
    plan: list[progress.PlanRow]
    rag: dict[str, int]  # red, amber, green: how many actions of the plan each
    late: list[LateItem]
    updates: list[UpdateLine]


def count(groups: Iterable[ActionCounts]) -> Progress:
    """Counts by status, percentage done and overdue count, summed over `Store.action_counts` records."""
    by_status = dict.fromkeys(rules.STATUSES, 0)
    overdue = 0
    for group in groups:
        for status, number in group.by_status().items():
            by_status[status] += number
        overdue += group.overdue
    total = sum(by_status.values())
    counted = total - by_status["cancelled"]
    percent = 100 * by_status["done"] // counted if counted else None
    return Progress(by_status["not-started"], by_status["in-progress"], by_status["blocked"], by_status["done"],
                    by_status["cancelled"], total, percent, overdue)


def summary(db: Store, as_of: dt.date, inspection: str | None = None) -> list[InspectionProgress]:
    """Progress of every inspection (or the one named) and of each of its areas for improvement."""
    if inspection is not None:
        plan.require_inspection(db, inspection)
    counts: dict[str, dict[int | None, ActionCounts]] = {}  # inspection -> area id -> its counts
    for group in db.action_counts(rules.overdue(as_of), inspection):
        counts.setdefault(group.inspection, {})[group.area_id] = group
    areas: dict[str, list[Area]] = {}
    for area in db.areas(inspection):
        areas.setdefault(area.inspection, []).append(area)
    result = []
    for found in db.inspections(inspection):
        mine = counts.get(found.id, {})
        progress = [AreaProgress(area.number, area.title, count([mine[area.id]] if area.id in mine else []))
                    for area in areas.get(found.id, [])]
        if None in mine:
            progress.append(AreaProgress(None, None, count([mine[None]])))
        result.append(InspectionProgress(found.id, found.authority, as_of.isoformat(), count(mine.values()),
                                         progress))
    return result


def bar(percent: int | None, width: int = 20) -> str:
    """'#####...............' for 25%; empty when there is nothing to count."""
    if percent is None:
        return ""
    filled = percent * width // 100
    return "#" * filled + "." * (width - filled)


def deadline_outcome(db: Store, deadline: plan.Deadline, as_of: dt.date) -> DeadlineOutcome:
    """Whether a deadline was met, and on time; or how late or how near it is."""
    if deadline.due is None:
        return DeadlineOutcome(deadline, "date unknown", None)
    due = dt.date.fromisoformat(deadline.due)
    if deadline.status == "met" and deadline.met_on:
        met = dt.date.fromisoformat(deadline.met_on)
        if met <= due:
            return DeadlineOutcome(deadline, "met on time", None)
        return DeadlineOutcome(deadline, "met late", db.working_days_between(due, met))
    if deadline.status == "met":
        return DeadlineOutcome(deadline, "met", None)
    if deadline.status == "missed":
        return DeadlineOutcome(deadline, "missed", None)
    if rules.overdue_deadlines(as_of).matches(deadline.status, deadline.due):
        return DeadlineOutcome(deadline, "overdue", db.working_days_between(due, as_of))
    return DeadlineOutcome(deadline, "open", db.working_days_between(as_of, due))


def build_report(db: Store, inspection: str, as_of: dt.date, since: dt.date | None = None) -> Report:
    """Everything a progress paper on one inspection's action plan shows, as of a date."""
    found = plan.require_inspection(db, inspection)
    since = since or as_of - dt.timedelta(days=DEFAULT_SINCE_DAYS)
    if since > as_of:
        raise IlacsError(f"--since {since.isoformat()} is after --as-of {as_of.isoformat()}: "
                         "give an earlier --since or a later --as-of", 2)
    detail = plan.show_inspection(db, inspection, as_of)
    rows = list(progress.plan_rows(db, as_of, inspection))
    notes = {r.action_id: r.latest_update_note for r in rows}
    late_actions, late_deadlines = plan.overdue(db, as_of, inspection=inspection)
    late = [LateItem("action", str(a.id), a.title, a.owner, a.area, a.due, a.working_days_late, a.status,
                     notes.get(a.id)) for a in late_actions if a.due]
    late.sort(key=lambda item: ((item.owner or "").lower(), -(item.working_days_late or 0), item.due))
    late += [LateItem("deadline", d.id, d.title, None, None, d.due, d.working_days_late, d.status, None)
             for d in late_deadlines if d.due]
    updates = [UpdateLine(u.at, u.action_id, u.action_title, u.area, u.author, u.old_status, u.new_status,
                          u.new_due, u.note)
               for u in db.status_updates_between(inspection, since, as_of)]
    titles = {row.action_id: (row.action, row.area) for row in rows}
    areas = {str(area.id): str(area.number) for area in db.areas(inspection)}
    for change in db.changes_between(inspection, since, as_of):
        if change.subject != "action" or change.field == "wording":
            continue  # deadlines show their outcome above; a date's words go with the date
        name, old, new = change.field, change.old, change.new
        if name == "area_id":
            name, old, new = "area", areas.get(old, old), areas.get(new, new)
        title, area = titles.get(change.subject_id, ("", None))
        updates.append(UpdateLine(change.at, change.subject_id, title, area, change.author, None, None, None,
                                  change.note, f"{name}: {old or 'none'} -> {new or 'none'}"))
    updates.sort(key=lambda line: line.at)
    return Report(found.id, found.authority, found.kind, found.fieldwork_start, found.fieldwork_end,
                  found.published, found.previous_id, as_of.isoformat(), since.isoformat(),
                  detail.judgements, detail.areas,
                  [deadline_outcome(db, d, as_of) for d in detail.deadlines],
                  summary(db, as_of, inspection)[0], rows, rules.rag_counts([r.rag for r in rows]), late, updates)
