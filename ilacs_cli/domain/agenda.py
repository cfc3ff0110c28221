"""The calendar view of a plan: deadlines and action due dates as all-day events with stable identities.

Each event carries what a calendar needs to update it in place on re-import rather than duplicate it:
- uid: fixed per thing (inspection id and deadline key, or inspection id and action id), never per export;
- stamp: when the thing last changed, as far as the database records it (never the export time), so exporting
  an unchanged database twice gives the same events;
- sequence: how many times it has changed since it was created.
Events are written for people: titled with the council and the action in its own words (the plan's ref, else
the action's id), described in sentences, and marked "Overdue: " when still open after their day, by the rule the
other listings use (rules.overdue), counted in working days to `as_of`.
Returns plain dataclasses; never prints.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import human
from ilacs_cli.domain import rules
from ilacs_cli.domain.plan import describe_rule, require_inspection

if TYPE_CHECKING:
    from ilacs_cli.storage.actions import ActionRow, StatusUpdateRow
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


def events(
    db: Reader, as_of: dt.date, *, inspection: str | None = None, open_only: bool = False
) -> list[CalendarEvent]:
    """Every deadline and action with a due date (of one inspection, or all), by date; open ones only if asked.
    What is still open after its day is marked overdue as of `as_of`."""
    if inspection is not None:
        require_inspection(db, inspection)
    today = db.calendar.day_number(as_of)
    deadlines = db.deadlines.matching(
        inspection=inspection, window=rules.DueWindow(rules.OPEN_DEADLINE_STATUSES) if open_only else None
    )
    late_deadline = rules.overdue_deadlines(as_of)
    found = [
        _deadline_event(deadline, _late(late_deadline, deadline, today), as_of)
        for deadline in deadlines
        if deadline.due is not None
    ]
    counts = db.actions.update_counts(inspection)
    latest = _latest_updates(db, inspection, as_of)
    actions = db.actions.matching(
        inspection=inspection, window=rules.DueWindow(rules.OPEN_STATUSES) if open_only else None
    )
    late_action = rules.overdue(as_of)
    found += [
        _action_event(action, counts.get(action.id, 0), latest.get(action.id), _late(late_action, action, today), as_of)
        for action in actions
        if action.due is not None
    ]
    order = {"deadline": 0, "action": 1}
    return sorted(found, key=lambda event: (event.day, order[event.kind], int(event.id.lstrip("D"))))


def _late(window: rules.DueWindow, item: ActionRow | DeadlineRow, today: int) -> int | None:
    """Working days late when the item is overdue (still open after its day), else None."""
    if item.due_number is None or not window.matches(item.status, item.due):
        return None
    return rules.working_days_late(item.due_number, today)


def _latest_updates(db: Reader, inspection: str | None, as_of: dt.date) -> dict[int, StatusUpdateRow]:
    """Each action's latest status update describing a day up to `as_of` (as a past view of the plan counts it)."""
    latest: dict[int, StatusUpdateRow] = {}
    for update in db.actions.updates_between(inspection, FIRST_DAY):
        if (update.on_day or update.at[:10]) <= as_of.isoformat():
            if update.action_id not in latest or update.id > latest[update.action_id].id:
                latest[update.action_id] = update
    return latest


FIRST_DAY = dt.date(2000, 1, 1)  # the stored working-day calendar's first day: no update is older
# The words a council's name ends or starts with that a calendar title can do without: "East Sussex County Council"
# is "East Sussex" there (the description keeps the whole name).
_COUNCIL_WORDS = re.compile(
    r"^(the )?((london|royal) borough of|city of|county of) |"
    r" (metropolitan borough|county borough|borough|county|city|district|unitary)? ?council$",
    re.IGNORECASE,
)


def council_name(authority: str | None, inspection: str) -> str:
    """The council as a calendar title names it: 'East Sussex' for East Sussex County Council; the inspection id
    when the authority is not known."""
    if not authority:
        return inspection
    short = _COUNCIL_WORDS.sub("", authority.strip()).strip()
    return short or authority.strip()


def _plan_line(item: ActionRow | DeadlineRow) -> str:
    return f"{item.authority or 'Authority unknown'} ({item.inspection})"


def _midnight(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC)


def _late_line(days: int, as_of: dt.date) -> str:
    return f"Overdue: {days} working day{'' if days == 1 else 's'} late as of {human(as_of)}."


def _reason(item: ActionRow | DeadlineRow) -> list[str]:
    """Why a re-scheduled item's date moved, and when that was approved."""
    if not item.revised_due:
        return []
    return [f"Re-scheduled on {human(item.revised_on)}: {item.revised_reason}"]


def _deadline_event(deadline: DeadlineRow, late: int | None, as_of: dt.date) -> CalendarEvent:
    # A deadline whose outcome no document records (unknown) is neither open nor closed: it says so.
    closed = deadline.status not in (*rules.OPEN_DEADLINE_STATUSES, rules.UNKNOWN)
    label = f"D{deadline.id}"
    status = rules.deadline_status_name(deadline.status) + (f" on {human(deadline.met_on)}" if deadline.met_on else "")
    lines = [
        _plan_line(deadline),
        f"{deadline.kind.capitalize()}: {deadline.title}",
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
    ]
    if late is not None:
        lines.append(_late_line(late, as_of))
    lines += [
        f"Rule: {describe_rule(deadline) or 'stated date'}",
        f"Status: {status[:1].upper()}{status[1:]}",
        f"To see the whole plan, ask ilacs to show {deadline.inspection}.",
    ]
    # The database keeps no time a deadline changed: the latest date it knows about the deadline stands in.
    known = [day for day in (deadline.met_on, deadline.published, deadline.fieldwork_end, deadline.received) if day]
    return CalendarEvent(
        uid=deadline_uid(deadline.inspection, deadline.key),
        kind="deadline",
        id=label,
        inspection=deadline.inspection,
        day=dt.date.fromisoformat(deadline.due or ""),  # events are made for dated items only
        summary=("Overdue: " if late is not None else "")
        + f"{council_name(deadline.authority, deadline.inspection)}: {deadline.title}"
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


def _update_line(update: StatusUpdateRow | None) -> str | None:
    """The latest update in words: the day it describes and what was said (a seed's file name is not said)."""
    if update is None:
        return None
    if update.author and update.author.startswith("seed: "):  # the day is the document's, when it gives one
        dated = f"for {human(update.on_day)}" if update.on_day else "undated"
        return f"Latest update, {dated}: {rules.author_name(update.author)}"
    day = human(update.on_day or update.at[:10])
    if update.note:
        return f"Latest update, for {day}: {update.note}"
    return f"Latest update, for {day}: status {rules.status_name(update.new_status)}"


def _action_event(
    action: ActionRow, updates: int, update: StatusUpdateRow | None, late: int | None, as_of: dt.date
) -> CalendarEvent:
    closed = not rules.is_open(action.status)
    area = f"Area {action.area}: {action.area_title}" if action.area is not None else "Area: not stated"
    named = f"{action.ref} {action.title}" if action.ref else f"{action.title} (action {action.id})"
    lines = [
        _plan_line(action),
        f"Action {action.ref}: {action.title}" if action.ref else f"Action: {action.title}",
        area,
        f"Owner: {action.owner or 'not recorded'}",
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
    ]
    if late is not None:
        lines.append(_late_line(late, as_of))
    lines.append(f"Status: {rules.status_name(action.status)}")
    if said := _update_line(update):
        lines.append(said)
    if action.measure:
        lines.append(f"Measure of success: {action.measure}")
    lines.append(f"To see every update, ask ilacs for the history of action {action.id}.")
    stamp = dt.datetime.fromisoformat(action.updated_at) if action.updated_at else NO_STAMP
    stamp = stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp  # times are stored in UTC
    return CalendarEvent(
        uid=action_uid(action.inspection, action.id),
        kind="action",
        id=str(action.id),
        inspection=action.inspection,
        day=dt.date.fromisoformat(action.due or ""),  # as above
        summary=("Overdue: " if late is not None else "")
        + f"{council_name(action.authority, action.inspection)}: {named}"
        + (f" ({rules.status_name(action.status).lower()})" if closed else ""),
        description="\n".join(lines),
        categories=["action", action.inspection],
        stamp=stamp.astimezone(dt.UTC),
        sequence=max(updates - 1, 0) + (1 if action.revised_due else 0),
        closed=closed,
    )
