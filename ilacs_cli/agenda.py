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
import sqlite3
from dataclasses import dataclass

from ilacs_cli.dates import human
from ilacs_cli.plan import describe_rule, require_inspection
from ilacs_cli.store import OPEN_STATUSES, Store

UID_DOMAIN = "ilacs"
# DTSTAMP of a deadline the database holds no date for: the first day of the stored working-day calendar.
NO_STAMP = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


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


def events(db: Store, *, inspection: str | None = None, open_only: bool = False) -> list[CalendarEvent]:
    """Every deadline and action with a due date (of one inspection, or all), by date; open ones only if asked."""
    if inspection is not None:
        require_inspection(db, inspection)
    found = [_deadline_event(row) for row in db.deadlines(inspection=inspection, open_only=open_only)
             if row["due"] is not None]
    counts = db.status_update_counts(inspection)
    found += [_action_event(row, counts.get(row["id"], 0)) for row in db.actions(inspection=inspection,
                                                                                   open_only=open_only)
              if row["due"] is not None]
    order = {"deadline": 0, "action": 1}
    return sorted(found, key=lambda event: (event.day, order[event.kind], int(event.id.lstrip("D"))))


def _plan_line(row: sqlite3.Row) -> str:
    return f"{row['authority'] or 'Authority unknown'} ({row['inspection_id']})"


def _midnight(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.timezone.utc)


def _deadline_event(row: sqlite3.Row) -> CalendarEvent:
    closed = row["status"] != "open"
    label = f"D{row['id']}"
    status = row["status"] + (f" on {human(row['met_on'])}" if row["met_on"] else "")
    lines = [_plan_line(row),
             f"{row['kind'].capitalize()} {label}: {row['title']}",
             f"Due: {human(row['due'])}" + (f" ({row['wording']})" if row["wording"] else ""),
             f"Rule: {describe_rule(row) or 'stated date'}",
             f"Status: {status}",
             f"More: ilacs show {row['inspection_id']}"]
    # The database keeps no time a deadline changed: the latest date it knows about the deadline stands in.
    known = [day for day in (row["met_on"], row["published"], row["fieldwork_end"]) if day]
    return CalendarEvent(
        uid=deadline_uid(row["inspection_id"], row["key"]), kind="deadline", id=label,
        inspection=row["inspection_id"], day=dt.date.fromisoformat(row["due"]),
        summary=f"[{row['inspection_id']}] {row['title']}" + (f" ({row['status']})" if closed else ""),
        description="\n".join(lines), categories=["deadline", row["inspection_id"]],
        stamp=_midnight(max(known)) if known else NO_STAMP, sequence=1 if closed else 0, closed=closed)


def _action_event(row: sqlite3.Row, updates: int) -> CalendarEvent:
    closed = row["status"] not in OPEN_STATUSES
    area = f"Area {row['area_number']}: {row['area_title']}" if row["area_number"] is not None else "Area: not stated"
    lines = [_plan_line(row),
             f"Action {row['id']}: {row['title']}" + (f" (plan ref {row['ref']})" if row["ref"] else ""),
             area,
             f"Owner: {row['owner'] or 'unknown'}",
             f"Due: {human(row['due'])}" + (f" (as written: {row['wording']})" if row["wording"] else ""),
             f"Status: {row['status']}" + (f" (last update {row['updated_at']})" if row["updated_at"] else "")]
    if row["measure"]:
        lines.append(f"Measure of success: {row['measure']}")
    lines.append(f"History: ilacs history {row['id']}")
    stamp = dt.datetime.fromisoformat(row["updated_at"]) if row["updated_at"] else NO_STAMP
    stamp = stamp.replace(tzinfo=dt.timezone.utc) if stamp.tzinfo is None else stamp  # times are stored in UTC
    return CalendarEvent(
        uid=action_uid(row["inspection_id"], row["id"]), kind="action", id=str(row["id"]),
        inspection=row["inspection_id"], day=dt.date.fromisoformat(row["due"]),
        summary=f"Action {row['id']}: {row['title']}" + (f" ({row['status']})" if closed else ""),
        description="\n".join(lines), categories=["action", row["inspection_id"]],
        stamp=stamp.astimezone(dt.timezone.utc), sequence=max(updates - 1, 0), closed=closed)
