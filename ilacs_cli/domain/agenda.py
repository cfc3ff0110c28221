"""The calendar view of a plan: deadlines and action due dates as all-day events with stable identities.

Each event carries what a calendar needs to update it in place on re-import rather than duplicate it:
- uid: fixed per thing (inspection id and deadline key, or inspection id and action id), never per export;
- stamp: when the thing last changed, as far as the database records it (never the export time), so exporting
  an unchanged database twice gives the same events;
- sequence: how many times it has changed since it was created.
Returns plain dataclasses; never prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import human
from ilacs_cli.domain import rules
from ilacs_cli.domain.plan import describe_rule, require_inspection

if TYPE_CHECKING:
    from ilacs_cli.storage.actions import ActionRow
    from ilacs_cli.storage.deadlines import DeadlineRow
    from ilacs_cli.storage.store import Reader

UID_DOMAIN = "ilacs"
# DTSTAMP of a deadline the database holds no date for: the first day of the stored working-day calendar.
NO_STAMP = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass
class CalendarEvent:
    uid: str
    kind: str  # "deadline" or "action"
    id: str  # as the other commands show it: "D2" or "23"
    inspection: str
    day: dt.date
    summary: str
    description: str
    categories: list[str]
    stamp: dt.datetime  # UTC
    sequence: int
    closed: bool


def deadline_uid(inspection: str, key: str) -> str:
    """The UID of a deadline: its inspection and its key from the seed file, which survive re-seeding."""
    return f"{inspection}-deadline-{key}@{UID_DOMAIN}"


def action_uid(inspection: str, action_id: int) -> str:
    """The UID of an action: its inspection and its id."""
    return f"{inspection}-action-{action_id}@{UID_DOMAIN}"


def calendar_name(inspection: str | None) -> str:
    """The name a calendar client shows for the file."""
    return f"ILACS action plan: {inspection}" if inspection else "ILACS action plans"


def events(db: Reader, *, inspection: str | None = None, open_only: bool = False) -> list[CalendarEvent]:
    """Every deadline and action with a due date (of one inspection, or all), by date; open ones only if asked."""
    if inspection is not None:
        require_inspection(db, inspection)
    deadlines = db.deadlines.matching(
        inspection=inspection, window=rules.DueWindow(rules.OPEN_DEADLINE_STATUSES) if open_only else None
    )
    found = [_deadline_event(deadline) for deadline in deadlines if deadline.due is not None]
    counts = db.actions.update_counts(inspection)
    actions = db.actions.matching(
        inspection=inspection, window=rules.DueWindow(rules.OPEN_STATUSES) if open_only else None
    )
    found += [_action_event(action, counts.get(action.id, 0)) for action in actions if action.due is not None]
    order = {"deadline": 0, "action": 1}
    return sorted(found, key=lambda event: (event.day, order[event.kind], int(event.id.lstrip("D"))))


def _plan_line(item: ActionRow | DeadlineRow) -> str:
    return f"{item.authority or 'Authority unknown'} ({item.inspection})"


def _midnight(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC)


def _reason(item: ActionRow | DeadlineRow) -> list[str]:
    """Why a re-scheduled item's date moved, and when that was approved."""
    if not item.revised_due:
        return []
    return [f"Re-scheduled on {human(item.revised_on)}: {item.revised_reason}"]


def _deadline_event(deadline: DeadlineRow) -> CalendarEvent:
    # A deadline whose outcome no document records (unknown) is neither open nor closed: it says so.
    closed = deadline.status not in (*rules.OPEN_DEADLINE_STATUSES, rules.UNKNOWN)
    label = f"D{deadline.id}"
    status = rules.deadline_status_name(deadline.status) + (f" on {human(deadline.met_on)}" if deadline.met_on else "")
    lines = [
        _plan_line(deadline),
        f"{deadline.kind.capitalize()} {label}: {deadline.title}",
        "Due: "
        + rules.due_shown(
            deadline.due,
            deadline.planned_due,
            deadline.revised_due,
            deadline.approved_by,
            human,
            wording=deadline.wording,
        ),
        *_reason(deadline),
        f"Rule: {describe_rule(deadline) or 'stated date'}",
        f"Status: {status}",
        f"More: ilacs show {deadline.inspection}",
    ]
    # The database keeps no time a deadline changed: the latest date it knows about the deadline stands in.
    known = [day for day in (deadline.met_on, deadline.published, deadline.fieldwork_end) if day]
    return CalendarEvent(
        uid=deadline_uid(deadline.inspection, deadline.key),
        kind="deadline",
        id=label,
        inspection=deadline.inspection,
        day=dt.date.fromisoformat(deadline.due or ""),  # events are made for dated items only
        summary=f"[{deadline.inspection}] {deadline.title}"
        + (
            f" ({rules.deadline_status_name(deadline.status)})"
            if deadline.status not in rules.OPEN_DEADLINE_STATUSES
            else ""
        ),
        description="\n".join(lines),
        categories=["deadline", deadline.inspection],
        stamp=_midnight(max(known)) if known else NO_STAMP,
        sequence=(1 if closed else 0) + (1 if deadline.revised_due else 0),  # a moved event is a new version
        closed=closed,
    )


def _action_event(action: ActionRow, updates: int) -> CalendarEvent:
    closed = not rules.is_open(action.status)
    area = f"Area {action.area}: {action.area_title}" if action.area is not None else "Area: not stated"
    lines = [
        _plan_line(action),
        f"Action {action.id}: {action.title}" + (f" (plan ref {action.ref})" if action.ref else ""),
        area,
        f"Owner: {action.owner or 'unknown'}",
        "Due: "
        + rules.due_shown(
            action.due,
            action.planned_due,
            action.revised_due,
            action.approved_by,
            human,
            wording=f"as written: {action.wording}" if action.wording else None,
        ),
        *_reason(action),
        f"Status: {action.status}" + (f" (last update {action.updated_at})" if action.updated_at else ""),
    ]
    if action.measure:
        lines.append(f"Measure of success: {action.measure}")
    lines.append(f"History: ilacs history {action.id}")
    stamp = dt.datetime.fromisoformat(action.updated_at) if action.updated_at else NO_STAMP
    stamp = stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp  # times are stored in UTC
    return CalendarEvent(
        uid=action_uid(action.inspection, action.id),
        kind="action",
        id=str(action.id),
        inspection=action.inspection,
        day=dt.date.fromisoformat(action.due or ""),  # as above
        summary=f"Action {action.id}: {action.title}" + (f" ({action.status})" if closed else ""),
        description="\n".join(lines),
        categories=["action", action.inspection],
        stamp=stamp.astimezone(dt.UTC),
        sequence=max(updates - 1, 0) + (1 if action.revised_due else 0),
        closed=closed,
    )
