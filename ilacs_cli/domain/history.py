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


# Where an update came from when an owner's reply by e-mail said it (issue 30). Stored updates keep the origin of
# the command that recorded them (status_updates.origin: 'command'); the reply is found by that command's batch.
REPLY = "reply by e-mail"


@dataclass
class StatusUpdate:
    at: str
    author: str | None
    old_status: str | None
    new_status: str
    old_due: str | None
    new_due: str | None
    note: str | None
    origin: str  # seed, import, command, undo, or REPLY (an owner's reply by e-mail, recorded by `ilacs inbox`)
    on: str | None  # the day it describes, when not the day it was recorded
    message_id: str | None = None  # the reply's Message-ID, for an update from a reply by e-mail
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
            REPLY if u.reply else u.origin,
            u.on_day,
            u.reply,
            (u.sequence or 0, 0, u.id),
        )
        for u in db.actions.updates(found.id)
        if _by_the_end_of(as_of, u.on_day or u.at)
    ]
    areas = area_numbers(db, found.inspection)
    corrections = []
    changes = db.corrections.of("action", found.id)
    described = _rescheduled_on(changes)
    for change in changes:
        name, old, new = in_words(change, areas)
        if _by_the_end_of(as_of, described.get(change.batch) or change.at):
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
    changes = db.corrections.of("deadline", found.id)
    described = _rescheduled_on(changes)
    corrections = [
        Correction(c.at, c.author, c.command, c.field, c.old, c.new, c.note, (c.sequence, 1, c.id))
        for c in changes
        if _by_the_end_of(as_of, described.get(c.batch) or c.at)
    ]
    return deadline_of(found), corrections


def _rescheduled_on(changes: list[ChangeRow]) -> dict[str, str]:
    """The day each reschedule among `changes` describes (its --on), by command: it counts from that day, as the
    past view counts it."""
    return {c.batch: c.new for c in changes if c.field == "revised_on" and c.new}


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
_DAY_FIELDS = {"due", "met_on", "revised_due", "revised_on"}
# A re-scheduled date's fields (storage/corrections.py REVISED), changed together by `reschedule` and its undo.
REVISED_FIELDS = ("revised_due", "revised_reason", "approved_by", "revised_on")


def correction_in_words(field: str, old: str | None, new: str | None, *, dates: Callable[[str], str] = str) -> str:
    """'owner: A Watson -> B Khan'; days as `dates` writes them ('met_on: 2024-04-24 -> 2024-04-25', or for text
    with dates.human 'met on: Wed 24 Apr 2024 -> Thu 25 Apr 2024')."""
    if field == "evidence":
        return f"evidence added: {evidence_in_words(new)}" if new else f"evidence withdrawn: {evidence_in_words(old)}"
    if field in _DAY_FIELDS and dates is not str:
        field = field.replace("_", " ")
        old, new = (dates(value) if value else value for value in (old, new))
    return f"{field}: {old or 'none'} -> {new or 'none'}"


def evidence_in_words(recorded: str | None) -> str:
    """'E1 file /share/audit.pdf, 12,345 bytes, sha256 9f86d0…' from a change's record of evidence (JSON)."""
    import json

    found = json.loads(recorded or "{}")
    if found.get("kind") != "file":
        shown = f"E{found.get('id')} link {found.get('target')}"
    else:
        shown = (
            f"E{found.get('id')} file {found.get('target')}, {found.get('size'):,} bytes, sha256 {found.get('sha256')}"
        )
    return shown + (f" ({found['note']})" if found.get("note") else "")


def rescheduled_in_words(
    changed: dict[str, tuple[str | None, str | None]], planned_due: str | None, dates: Callable[[str], str] = str
) -> str:
    """One reschedule (or its undo) in words, from its changed fields (name -> (old, new)): 're-scheduled: due
    Fri 17 May 2024 -> Thu 20 Jun 2024, approved by A Director on Fri 10 May 2024 (reason: Panel moved)'; the
    date before is the planned one when it had not been re-scheduled."""
    old, new = changed.get("revised_due", (None, None))
    given = {name: values[1] for name, values in changed.items()}
    before = dates(old) if old else (f"{dates(planned_due)} (planned)" if planned_due else "the planned date")
    if new is None:
        return f"re-scheduling taken back: due {before} -> {dates(planned_due) if planned_due else 'none'} (planned)"
    line = f"re-scheduled: due {before} -> {dates(new)}"
    if given.get("approved_by"):
        line += f", approved by {given['approved_by']}"
    if on := given.get("revised_on"):
        line += f" on {dates(on)}"
    return line


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
    updates: list[StatusUpdate],
    corrections: list[Correction],
    *,
    dates: Callable[[str], str] = str,
    planned_due: str | None = None,
) -> list[TrailLine]:
    """Status updates and corrections as one list in the order they were recorded, each change in words and its
    days as `dates` writes them (ISO, or dates.human for text); a reschedule's fields as one line (`planned_due`:
    the item's planned date, the date before a first reschedule)."""
    lines = []
    for u in updates:
        change = update_in_words(u.old_status, u.new_status, u.old_due, u.new_due, dates=dates)
        if u.on:
            change += f" (as of {dates(u.on)})"
        if u.message_id:
            change += f", {REPLY} {u.message_id}"
        lines.append(TrailLine(u.at, u.author, change, u.note, u.order))
    revised: dict[tuple, list[Correction]] = {}
    for c in corrections:
        if c.field in REVISED_FIELDS:
            revised.setdefault(c.order[:1] or (c.at,), []).append(c)
        else:
            change = correction_in_words(c.field, c.old, c.new, dates=dates)
            lines.append(TrailLine(c.at, c.author, change, c.note, c.order))
    for group in revised.values():
        first = group[0]
        change = rescheduled_in_words({c.field: (c.old, c.new) for c in group}, planned_due, dates)
        lines.append(TrailLine(first.at, first.author, change, first.note, first.order))
    return sorted(lines, key=lambda line: (line.at, line.order))
