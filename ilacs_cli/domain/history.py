"""An action's history: its status updates and its corrections, one trail in the order they were recorded, each
change in words (for `history`, the board paper's log and `changes`). Never prints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ilacs_cli.domain.plan import Action, action_of, action_row

if TYPE_CHECKING:
    from ilacs_cli.storage.corrections import ChangeRow
    from ilacs_cli.storage.store import Reader


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


def history(db: Reader, action_id: str) -> tuple[Action, list[StatusUpdate], list[Correction]]:
    """An action, its status updates and its corrections, oldest first."""
    found = action_row(db, action_id)
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
    ]
    areas = area_numbers(db, found.inspection)
    corrections = []
    for change in db.corrections.of("action", found.id):
        name, old, new = in_words(change, areas)
        corrections.append(
            Correction(
                change.at, change.author, change.command, name, old, new, change.note, (change.sequence, 1, change.id)
            )
        )
    return action_of(found), updates, corrections


def area_numbers(db: Reader, inspection: str | None) -> dict[str | None, str | None]:
    """Area ids (as a change records them) to the numbers users know areas by."""
    return {str(area.id): str(area.number) for area in db.inspections.areas(inspection)}


def in_words(change: ChangeRow, areas: dict[str | None, str | None]) -> tuple[str, str | None, str | None]:
    """A change's field, old and new value as users know them (an area by its number)."""
    if change.field == "area_id":
        return "area", areas.get(change.old, change.old), areas.get(change.new, change.new)
    return change.field, change.old, change.new


def correction_in_words(field: str, old: str | None, new: str | None) -> str:
    """'owner: A Watson -> B Khan'."""
    return f"{field}: {old or 'none'} -> {new or 'none'}"


def update_in_words(
    old_status: str | None, new_status: str, old_due: str | None, new_due: str | None, *, words: bool = False
) -> str:
    """'in-progress -> blocked; due 2024-10-31 -> 2024-11-30', or 'added as not-started'; with `words`, as a paper
    says it: 'In progress → Blocked; due Thu 31 Oct 2024 → Sat 30 Nov 2024', 'Added as Not started'."""
    if not words:
        from ilacs_cli.domain.rules import status_shown

        change = (
            f"{status_shown(old_status)} -> {status_shown(new_status)}"
            if old_status
            else f"added as {status_shown(new_status)}"
        )
        return change + (f"; due {old_due or 'unknown'} -> {new_due}" if new_due else "")
    from ilacs_cli.dates.days import human
    from ilacs_cli.domain.rules import status_name

    change = (
        f"{status_name(old_status)} → {status_name(new_status)}"
        if old_status
        else f"Added as {status_name(new_status)}"
    )
    return change + (f"; due {human(old_due)} → {human(new_due)}" if new_due else "")


def trail(updates: list[StatusUpdate], corrections: list[Correction]) -> list[TrailLine]:
    """Status updates and corrections as one list in the order they were recorded, each change in words."""
    lines = []
    for u in updates:
        change = update_in_words(u.old_status, u.new_status, u.old_due, u.new_due)
        if u.on:
            change += f" (as of {u.on})"
        lines.append(TrailLine(u.at, u.author, change, u.note, u.order))
    lines += [
        TrailLine(c.at, c.author, correction_in_words(c.field, c.old, c.new), c.note, c.order) for c in corrections
    ]
    return sorted(lines, key=lambda line: (line.at, line.order))
