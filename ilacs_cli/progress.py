"""Where a plan stands: the RAG rule, and the action plan as councils lay it out (one row per action).

The RAG rule lives here and nowhere else:
- red: an open action that is overdue or blocked;
- amber: an open action due within 10 working days, or with no status update for 30 days;
- green: everything else (on track, done or cancelled).
Returns plain dataclasses; never prints.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from ilacs_cli.plan import require_inspection
from ilacs_cli.store import OPEN_STATUSES, Store

AMBER_WORKING_DAYS = 10
STALE_DAYS = 30


def rag(status: str, due: str | None, due_number: int | None, updated_at: str | None, as_of: dt.date,
        as_of_number: int) -> str:
    """'red', 'amber' or 'green' for an action (see the module docstring)."""
    if status not in OPEN_STATUSES:
        return "green"
    if status == "blocked" or (due is not None and due < as_of.isoformat()):
        return "red"
    if due_number is not None and due_number - as_of_number <= AMBER_WORKING_DAYS:
        return "amber"
    if updated_at is None or dt.date.fromisoformat(updated_at[:10]) < as_of - dt.timedelta(days=STALE_DAYS):
        return "amber"
    return "green"


@dataclass
class PlanRow:
    inspection: str
    area: int | None
    area_title: str | None
    action_id: int
    ref: str | None
    action: str
    lead_officer: str | None
    target_date: str | None
    target_wording: str | None
    measure: str | None
    latest_update_on: str | None
    latest_update_by: str | None
    latest_update_note: str | None
    status: str
    rag: str


def plan_rows(db: Store, as_of: dt.date, inspection: str | None = None) -> Iterator[PlanRow]:
    """Every action (of one inspection, or all) with its latest update and RAG, by inspection, area and due date.

    Rows are produced as they are read, so a national export need not hold them all at once.
    """
    if inspection is not None:
        require_inspection(db, inspection)
    number = db.day_number(as_of)
    return (_plan_row(row, as_of, number) for row in db.plan_actions(inspection))


def _plan_row(row: sqlite3.Row, as_of: dt.date, number: int) -> PlanRow:
    updated_at = row["updated_at"]
    return PlanRow(row["inspection_id"], row["area_number"], row["area_title"], row["id"], row["ref"], row["title"],
                   row["owner"], row["due"], row["wording"], row["measure"],
                   updated_at[:10] if updated_at else None, row["updated_by"], row["update_note"], row["status"],
                   rag(row["status"], row["due"], row["due_number"], updated_at, as_of, number))
