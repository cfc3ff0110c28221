"""An action's or a deadline's history: its status updates and its corrections, one trail in the order they were
recorded, each change in words (for `history`, the board paper's log and `changes`). Never prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ilacs_cli.domain.plan import Action, Deadline, action_of, action_row, deadline_of, deadline_row
from ilacs_cli.errors import IlacsError

if TYPE_CHECKING:
    from ilacs_cli.storage.corrections import ChangeRow
    from ilacs_cli.storage.store import Reader, Store


@dataclass
class StatusUpdate:
    at: str
    author: str | None
    old_status: str | None
    new_status: str
    old_due: str | None
    new_due: str | None
    note: str | None
    origin: str  # seed, import, command or undo
    on: str | None  # the day it describes, when not the day it was recorded
    order: tuple = dataclasses.field(default=(), repr=False, compare=False, metadata={"json": False})


@dataclass
class Correction:
    """A field of an action changed in place: when, by whom, with which command, from what to what, and why."""

    at: str
    author: str | None
    command: str
    field: str  # title, owner, area, ref, measure, wording
    old: str | None
    new: str | None
    note: str | None
    order: tuple = dataclasses.field(default=(), repr=False, compare=False, metadata={"json": False})


@dataclass
class TrailLine:
    at: str
    author: str | None
    change: str
    note: str | None
    order: tuple = ()  # command, then updates before corrections, then recording order


def history(
    store: Store, action_id: str, as_of: dt.date | None = None
) -> tuple[Action, list[StatusUpdate], list[Correction]]:
    """An action, its status updates and its corrections, oldest first; with `as_of`, the action and its history
    as they stood at the end of that day (the updates describing it or an earlier day, the corrections made by
    then)."""
    found = action_row(store, action_id)
    db: Reader = store
    if as_of is not None:
        db = store.as_of(as_of)
        then = db.actions.get(found.id)
        if then is None:
            from ilacs_cli.dates.days import human

            first = store.actions.updates(found.id)[0]  # an action is in the plan from the day its first describes
            raise IlacsError(
                f"action {found.id} was not in the plan yet at the end of {human(as_of)} (it is from "
                f"{human(first.on_day or first.at[:10])}): give a later --as-of, or none for its whole history",
                2,
            )
        found = then
    updates = [
        StatusUpdate(
            u.at,
            u.author,
            u.old_status,
            u.new_status,
            u.old_due,
            u.new_due,
            u.note,
            u.origin,
            u.on_day,
            (u.sequence or 0, 0, u.id),
        )
        for u in db.actions.updates(found.id)
        if _by_the_end_of(as_of, u.on_day or u.at)
    ]
    areas = area_numbers(db, found.inspection)
    corrections = []
    for change in db.corrections.of("action", found.id):
        name, old, new = in_words(change, areas)
        if _by_the_end_of(as_of, change.at):
            corrections.append(
                Correction(
                    change.at,
                    change.author,
                    change.command,
                    name,
                    old,
                    new,
                    change.note,
                    (change.sequence, 1, change.id),
                )
            )
    return action_of(found), updates, corrections


def deadline_history(store: Store, target: str, as_of: dt.date | None = None) -> tuple[Deadline, list[Correction]]:
    """A deadline (D3) and its corrections (dates, titles, met, reopened), oldest first; `as_of` as for history."""
    db: Reader = store if as_of is None else store.as_of(as_of)
    found = deadline_row(db, target)
    corrections = [
        Correction(c.at, c.author, c.command, c.field, c.old, c.new, c.note, (c.sequence, 1, c.id))
        for c in db.corrections.of("deadline", found.id)
        if _by_the_end_of(as_of, c.at)
    ]
    return deadline_of(found), corrections


def _by_the_end_of(day: dt.date | None, described: str) -> bool:
    """Whether a record is part of the history at the end of `day` (every record when there is no day), as the
    past view counts it: an update from the day it describes, a correction from the day it was made. `described`
    is a day or a stored time (England's: its first ten characters are its day)."""
    return day is None or described[:10] <= day.isoformat()


def area_numbers(db: Reader, inspection: str | None) -> dict[str | None, str | None]:
    """Area ids (as a change records them) to the numbers users know areas by."""
    return {str(area.id): str(area.number) for area in db.inspections.areas(inspection)}


def in_words(change: ChangeRow, areas: dict[str | None, str | None]) -> tuple[str, str | None, str | None]:
    """A change's field, old and new value as users know them (an area by its number)."""
    if change.field == "area_id":
        return "area", areas.get(change.old, change.old), areas.get(change.new, change.new)
    return change.field, change.old, change.new


# The fields of a correction whose values are days.
_DAY_FIELDS = {"due", "met_on"}


def correction_in_words(field: str, old: str | None, new: str | None, *, dates: Callable[[str], str] = str) -> str:
    """'owner: A Watson -> B Khan'; days as `dates` writes them ('met_on: 2024-04-24 -> 2024-04-25', or for text
    with dates.human 'met on: Wed 24 Apr 2024 -> Thu 25 Apr 2024')."""
    if field in _DAY_FIELDS and dates is not str:
        field = field.replace("_", " ")
        old, new = (dates(value) if value else value for value in (old, new))
    return f"{field}: {old or 'none'} -> {new or 'none'}"


def update_in_words(
    old_status: str | None,
    new_status: str,
    old_due: str | None,
    new_due: str | None,
    *,
    words: bool = False,
    dates: Callable[[str], str] = str,
) -> str:
    """'in-progress -> blocked; due 2024-10-31 -> 2024-11-30' (days as `dates` writes them), or 'added as
    not-started'; with `words`, as a paper says it: 'In progress → Blocked; due Thu 31 Oct 2024 → Sat 30 Nov 2024',
    'Added as Not started'."""
    if not words:
        from ilacs_cli.domain.rules import status_shown

        change = (
            f"{status_shown(old_status)} -> {status_shown(new_status)}"
            if old_status
            else f"added as {status_shown(new_status)}"
        )
        return change + (f"; due {dates(old_due) if old_due else 'unknown'} -> {dates(new_due)}" if new_due else "")
    from ilacs_cli.dates.days import human
    from ilacs_cli.domain.rules import status_name

    change = (
        f"{status_name(old_status)} → {status_name(new_status)}"
        if old_status
        else f"Added as {status_name(new_status)}"
    )
    return change + (f"; due {human(old_due)} → {human(new_due)}" if new_due else "")


def trail(
    updates: list[StatusUpdate], corrections: list[Correction], *, dates: Callable[[str], str] = str
) -> list[TrailLine]:
    """Status updates and corrections as one list in the order they were recorded, each change in words and its
    days as `dates` writes them (ISO, or dates.human for text)."""
    lines = []
    for u in updates:
        change = update_in_words(u.old_status, u.new_status, u.old_due, u.new_due, dates=dates)
        if u.on:
            change += f" (as of {dates(u.on)})"
        lines.append(TrailLine(u.at, u.author, change, u.note, u.order))
    lines += [
        TrailLine(c.at, c.author, correction_in_words(c.field, c.old, c.new, dates=dates), c.note, c.order)
        for c in corrections
    ]
    return sorted(lines, key=lambda line: (line.at, line.order))
