"""Changing a plan: actions added, status updates, corrections, deadlines met or reopened, undo of one's own last
command, and removing an inspection.

Every write is one transaction recorded as a command (a batch): who made it (`--by`, else ILACS_USER, else the
login name), when, which command, and for each field changed in place what it was before. Never prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ilacs_cli.dates.days import human, human_time, parse_due
from ilacs_cli.domain import rules
from ilacs_cli.domain.addresses import clean_text, who
from ilacs_cli.domain.plan import (
    Action,
    action_row,
    deadline_row,
    describe_rule,
    is_deadline,
    require_action,
    require_inspection,
)
from ilacs_cli.errors import IlacsError

if TYPE_CHECKING:
    from ilacs_cli.storage.actions import ActionRow
    from ilacs_cli.storage.corrections import ChangeRow
    from ilacs_cli.storage.store import Reader, Store

# Commands whose effect undo cannot reverse, with what to do instead.
IRREVERSIBLE = {
    "seed": "re-seeding changes nothing you recorded (a seed --replace can be undone); remove an inspection you do "
    "not want with `ilacs remove ID`, "
    "or every example plan with `ilacs remove --examples`",
    "add-inspection": "remove it with `ilacs remove INSPECTION`",
    "add-visit": "correct the visit's day with `ilacs edit DN --due DATE`, or its title with --title",
    "remove": "restore the backup it made and named",
    "restore": "delete the new database file",
    "owner add": "change the owner with `ilacs owner set`",
}


def _check_day(db: Store, inspection: str, day: dt.date, today: dt.date, what: str) -> None:
    """A day an update describes: not after today, not before the inspection's fieldwork (or publication)."""
    if day > today:
        raise IlacsError(
            f"{what} {day.isoformat()} is after today ({today.isoformat()}): give a day that has happened", 2
        )
    found = require_inspection(db, inspection)
    start = found.fieldwork_start or found.fieldwork_end or found.published
    if start and day.isoformat() < start:
        raise IlacsError(
            f"{what} {day.isoformat()} is before {inspection}'s inspection began ({start}): give a day after it", 2
        )


def _area_id(db: Store, inspection: str, number: int) -> int:
    area_id = db.inspections.area_id(inspection, number)
    if area_id is None:
        numbers = ", ".join(str(item.number) for item in db.inspections.areas(inspection)) or "none"
        raise IlacsError(f"{inspection} has no area for improvement {number}: its areas are {numbers}")
    return area_id


def add_action(
    db: Store,
    inspection: str,
    *,
    area: int,
    title: str,
    owner: str,
    due: str,
    today: dt.date,
    ref: str | None = None,
    measure: str | None = None,
    by: str | None = None,
    on: dt.date | None = None,
) -> int:
    """Record a new action, in the plan from `on` (default today: the day it is recorded); returns its id."""
    require_inspection(db, inspection)
    if on is not None:
        _check_day(db, inspection, on, today, "--on")
    title = clean_text(title, "action's title", limit=rules.TEXT_LIMIT)
    owner = clean_text(owner, "owner")
    ref = rules.check_text(ref.strip(), "reference", one_line=True, limit=100) if ref is not None else None
    measure = rules.check_text(measure.strip(), "measure of success") if measure is not None else None
    area_id = _area_id(db, inspection, area)
    due_date = parse_due(due, today, db.calendar.add_working_days)
    with db.transaction(command="add-action", author=who(by)):
        added = db.actions.add(
            inspection=inspection,
            area_id=area_id,
            title=title,
            owner=owner,
            due=due_date.day.isoformat(),
            wording=due_date.wording,
            ref=ref,
            measure=measure,
            on_day=on.isoformat() if on else None,
        )
        assert added is not None  # None only for a seed key already loaded; this action has none
        return added


def update_action(
    db: Store,
    action_id: str,
    *,
    status: str | None,
    today: dt.date,
    note: str | None = None,
    by: str | None = None,
    due: str | None = None,
    on: dt.date | None = None,
    command: str = "update",
    evidence_required: bool = False,
) -> Action:
    """Record a status update (and optionally a new due date), describing `on` (default today); returns the action
    as it now stands. With `evidence_required` (the council's setting), done needs evidence recorded first."""
    found = action_row(db, action_id)
    if due is not None:
        _refuse_if_rescheduled(found, "--due")
    if status is None and due is None and not note:
        raise IlacsError("nothing to record: give --status, --due or --note", 2)
    if status:
        status = rules.check_status(status)
    if note is not None:
        note = rules.check_text(note, "note")
    if on is not None:
        _check_day(db, found.inspection, on, today, "--on")
    new_due = parse_due(due, today, db.calendar.add_working_days) if due else None
    if evidence_required and status == "done" and found.status != "done":
        from ilacs_cli.domain.evidence import required_missing

        if why := required_missing(db, found.id):
            raise IlacsError(why)
    with db.transaction(command=command, author=who(by)):
        # Read the action under the write lock: another officer may have just changed it.
        action = action_row(db, action_id)
        _record(db, action, status=status, note=note, new_due=new_due, on=on)
    return require_action(db, str(action.id))


def _record(db: Store, action, *, status: str | None, note: str | None, new_due, on: dt.date | None) -> None:
    """A status update, and with a new due date its words: a period's own, or none (the old words go)."""
    due_iso = new_due.day.isoformat() if new_due and new_due.day.isoformat() != action.due else None
    if new_due is not None and new_due.wording != action.wording:
        db.actions.correct(action.id, {"wording": new_due.wording})
    if status or due_iso or note:
        require_status_as_history_says(db, action)
        db.actions.record_update(
            action.id,
            old_status=action.status,
            new_status=status or action.status,
            old_due=action.due if due_iso else None,
            new_due=due_iso,
            note=note,
            on_day=on.isoformat() if on else None,
        )


def edit_action(
    db: Store,
    action_id: str,
    *,
    today: dt.date,
    title: str | None = None,
    owner: str | None = None,
    area: int | None = None,
    ref: str | None = None,
    measure: str | None = None,
    due: str | None = None,
    note: str | None = None,
    by: str | None = None,
) -> Action:
    """Correct an action's title, owner, area, reference, measure or due date, each change recorded with what it
    was before; returns the action as it now stands."""
    found = action_row(db, action_id)
    fields: dict[str, object] = {}
    if title is not None:
        fields["title"] = clean_text(title, "action's title", limit=rules.TEXT_LIMIT)
    if owner is not None:
        fields["owner"] = clean_text(owner, "owner")
    if area is not None:
        fields["area_id"] = _area_id(db, found.inspection, area)
    if ref is not None:
        fields["ref"] = rules.check_text(ref.strip(), "reference", one_line=True, limit=100) or None
    if measure is not None:
        fields["measure"] = rules.check_text(measure.strip(), "measure of success") or None
    if note is not None:
        note = rules.check_text(note, "note")
    if due is not None:
        _refuse_if_rescheduled(found, "edit --due")
    new_due = parse_due(due, today, db.calendar.add_working_days) if due else None
    if not fields and new_due is None:
        raise IlacsError("nothing to change: give --title, --owner, --area, --ref, --measure or --due", 2)
    with db.transaction(command="edit", author=who(by), note=note):
        action = action_row(db, action_id)
        db.actions.correct(action.id, fields)
        if new_due is not None:
            _record(db, action, status=None, note=note, new_due=new_due, on=None)
    return require_action(db, str(found.id))


def edit_deadline(
    db: Store,
    target: str,
    *,
    today: dt.date,
    due: str | None = None,
    title: str | None = None,
    note: str | None = None,
    by: str | None = None,
) -> str:
    """Correct a deadline's date or title (a date set by hand replaces the rule that computed it); recorded."""
    deadline = deadline_row(db, target)
    fields: dict[str, object] = {}
    if title is not None:
        fields["title"] = clean_text(title, "deadline's title", limit=rules.TEXT_LIMIT)
    if due is not None:
        if deadline.rule_count is not None:
            raise IlacsError(
                f"deadline D{deadline.id}'s date comes from its rule ({describe_rule(deadline)}) and is kept: "
                f"to move it, ilacs reschedule D{deadline.id} --to DATE --reason TEXT --approved-by NAME"
            )
        _refuse_if_rescheduled(deadline, "edit --due")
        new_due = parse_due(due, today, db.calendar.add_working_days)
        fields.update(
            due=new_due.day.isoformat(), wording=new_due.wording, rule_count=None, rule_unit=None, rule_after=None
        )
    if not fields:
        raise IlacsError("nothing to change in a deadline: give --due or --title", 2)
    if note is not None:
        note = rules.check_text(note, "note")
    with db.transaction(command="edit", author=who(by), note=note):
        db.deadlines.correct(deadline.id, fields)
    return (
        f"deadline D{deadline.id}: {fields.get('title', deadline.title)}, due {human(fields.get('due', deadline.due))}"
    )


def mark_done(
    db: Store, target: str, on: dt.date, today: dt.date, by: str | None = None, *, evidence_required: bool = False
) -> str:
    """Mark a deadline (D12) met or an action (12) done on a day that has happened; returns what was marked. With
    `evidence_required` (the council's setting) an action needs evidence recorded first."""

    if is_deadline(target):
        deadline = deadline_row(db, target)
        _check_day(db, deadline.inspection, on, today, "--on")
        if deadline.status == "met" and deadline.met_on == on.isoformat():
            return f"deadline D{deadline.id} is met on {human(on)} already: nothing recorded"
        with db.transaction(command="done", author=who(by)):
            db.deadlines.correct(deadline.id, {"status": "met", "met_on": on.isoformat()})
        was = f" (it was recorded as met on {human(deadline.met_on)})" if deadline.met_on else ""
        return f"deadline D{deadline.id} met on {human(on)}{was}"
    found = action_row(db, target)
    if found.status == "done":  # a second `done` records nothing, as for a deadline; `update` can change its day
        return f"action {found.id} is done already: nothing recorded (see `ilacs history {found.id}`)"
    action = update_action(
        db, target, status="done", today=today, by=by, on=on, command="done", evidence_required=evidence_required
    )
    return f"action {action.id} done on {human(on)}"


def _refuse_if_rescheduled(found, what: str) -> None:
    """A re-scheduled date moves only by `reschedule`, with a reason and an approver: the date planned first stays
    visible beside it."""
    if found.revised_due is not None:
        label = f"D{found.id}" if hasattr(found, "rule_count") else str(found.id)
        raise IlacsError(
            f"{label} was re-scheduled to {human(found.revised_due)} (approved by {found.approved_by}): {what} "
            f"would hide that; move it with ilacs reschedule {label} --to DATE --reason TEXT --approved-by NAME"
        )


def reschedule(
    db: Store,
    target: str,
    *,
    to: dt.date,
    reason: str,
    approved_by: str,
    today: dt.date,
    on: dt.date | None = None,
    by: str | None = None,
) -> str:
    """Give an action (12) or a deadline (D3) a revised date, approved by someone for a reason on a day (`on`,
    default today), keeping the date planned (a deadline's rule and its date); recorded, undoable. Returns what
    was done."""
    deadline = is_deadline(target)
    found = deadline_row(db, target) if deadline else action_row(db, target)
    label = f"D{found.id}" if deadline else str(found.id)
    reason = rules.check_text(reason.strip(), "reason")
    approver = clean_text(approved_by, "approver")
    if not reason:
        raise IlacsError("--reason is empty: say why the date moves (it is reported with it)", 2)
    closed = ("met", "missed") if deadline else rules.CLOSED_STATUSES
    if found.status in closed:
        raise IlacsError(f"{label} is {found.status}: only an open item is re-scheduled")
    if to.isoformat() == found.due:
        raise IlacsError(f"{label} is due {human(to)} already: give the new date with --to")
    day = on or today
    _check_day(db, found.inspection, day, today, "--on")
    fields = {"revised_due": to.isoformat(), "revised_reason": reason, "approved_by": approver}
    with db.transaction(command="reschedule", author=who(by), note=reason):
        write = db.deadlines.correct if deadline else db.actions.correct
        write(found.id, {**fields, "revised_on": day.isoformat()})
    first = human(found.planned_due) if found.planned_due else "no date"
    named = f"deadline {label}" if deadline else f"action {label}"
    return f"{named}: due {first}, revised to {human(to)}, approved by {approver} on {human(day)}"


def reopen(db: Store, target: str, *, note: str | None = None, by: str | None = None) -> str:
    """Open again a deadline marked met or missed by mistake; recorded."""
    deadline = deadline_row(db, target)
    if note is not None:
        note = rules.check_text(note, "note")
    if deadline.status == "open":
        raise IlacsError(f"deadline D{deadline.id} is open already: nothing to reopen", 2)
    with db.transaction(command="reopen", author=who(by), note=note):
        db.deadlines.correct(deadline.id, {"status": "open", "met_on": None})
    return f"deadline D{deadline.id} open again"


# -- undo -------------------------------------------------------------------------------


@dataclass
class Undone:
    command: str
    at: str
    items: list[str]  # what was put back, one line each


def undo(db: Store, by: str | None = None, *, dry_run: bool = False) -> Undone:
    """Reverse the caller's own last command by recording its opposite (history is never erased).

    Refuses, naming the command, when that command cannot be reversed or when someone has changed the same
    thing since; never reaches past it to an older command.
    """
    me = who(by)
    with db.transaction(
        origin="undo", command="undo", author=me, dry_run=dry_run
    ) as batch:  # read under the write lock
        target = db.corrections.last_batch(me)
        if target is None:
            raise IlacsError(
                f"nothing of {me}'s to undo: undo reverses your own last command (give --by if you "
                "recorded it under another name)"
            )
        when = human_time(target.at)
        if not _reversible(db, target):
            fix = IRREVERSIBLE.get(target.command, IRREVERSIBLE["seed"])
            raise IlacsError(f"your last command, `{target.command}` at {when}, cannot be undone: {fix}")
        updates, changes = db.actions.updates_of_batch(target.id), db.corrections.of_batch(target.id)
        from ilacs_cli.domain import measures  # measures and readings are withdrawn, not put back

        measured = measures.recorded_by(db, target.id)
        boarded = bool(db.boards.of_batch(target.id))
        if not updates and not changes and not measured and not boarded:
            raise IlacsError(f"your last command, `{target.command}` at {when}, changed nothing undo can reverse")
        _refuse_if_changed_since(db, updates, changes)
        batch.undoes = target.id
        items = _reverse_updates(db, updates) + _reverse_changes(db, changes)
        items += measures.undo_batch(db, target.id) if measured else []
        if boarded:
            from ilacs_cli.domain import boards

            items += boards.undo_batch(db, target.id)
        result = Undone(target.command, target.at, items)
    return result


@dataclass
class YourCommand:
    """One of your recent commands, and what undo can do with it."""

    at: str
    command: str
    note: str | None
    state: str  # next (the one undo reverses), undone, undo (an undo itself), irreversible, or earlier


def your_commands(db: Store, by: str | None = None, limit: int = 10) -> tuple[str, list[YourCommand]]:
    """Whose commands, and their latest ones, newest first: which one undo reverses next, which were undone."""
    me = who(by)
    batches = db.corrections.batches_by(me, limit)
    undone = db.corrections.undone([batch.id for batch in batches])
    nxt = db.corrections.last_batch(me)
    found = []
    for batch in batches:
        if batch.origin == "undo":
            state = "undo"
        elif batch.id in undone:
            state = "undone"
        elif not _reversible(db, batch):
            state = "irreversible"
        else:
            state = "next" if nxt is not None and batch.id == nxt.id else "earlier"
        found.append(YourCommand(batch.at, batch.command, batch.note, state))
    return me, found


def _reversible(db: Store, batch) -> bool:
    """Whether undo can reverse a command: not one of IRREVERSIBLE, nor a seed, unless the seed replaced an
    inspection's facts (each recorded, so each can be put back)."""
    if batch.command not in IRREVERSIBLE and batch.origin != "seed":
        return True
    return batch.origin == "seed" and any(
        change.subject == "inspection" for change in db.corrections.of_batch(batch.id)
    )


def preview_undo(db: Store, by: str | None = None) -> Undone:
    """What `undo` would reverse, without recording anything (the same work, rolled back)."""
    return undo(db, by, dry_run=True)


def _refuse_if_changed_since(db: Store, updates, changes: list[ChangeRow]) -> None:
    newest: dict[int, Any] = {}
    for update in updates:
        newest.setdefault(update.action_id, update)
    for update in newest.values():
        later = _still_standing(db.actions.updates_after(update.action_id, update.id))
        if later:
            raise IlacsError(
                f"action {update.action_id} was updated since, by {later[-1].author or 'someone'} at "
                f"{human_time(later[-1].at)}: undo would overwrite that; record what you want "
                f"with `ilacs update {update.action_id}`"
            )
    for change in changes:
        later = _still_standing(db.corrections.after(change))
        if later:
            raise IlacsError(
                f"{change.subject} {change.subject_id}'s {change.field} was changed since, by "
                f"{later[-1].author or 'someone'}: undo would overwrite that; correct it with "
                "`ilacs edit` instead"
            )


def _still_standing(later: list) -> list:
    """Later updates or changes less those undone since, and the undos themselves: what undo would overwrite."""
    undone = {item.undoes for item in later if item.undoes is not None}
    return [item for item in later if item.undoes is None and item.id not in undone]


def _reverse_updates(db: Store, updates) -> list[str]:
    now: dict[int, tuple[str, str | None]] = {}
    items = []
    for update in updates:  # newest first, so each action steps back in order
        status, due = now.get(update.action_id, (update.action_status, update.action_due))
        if update.old_status is None:
            new_status, new_due, note = "cancelled", None, f"undo: action added by mistake (update #{update.id})"
        else:
            new_status = update.old_status
            new_due = update.old_due if update.new_due is not None else None
            note = f"undo of update #{update.id}"
        db.actions.record_update(
            update.action_id,
            old_status=status,
            new_status=new_status,
            old_due=due if new_due else None,
            new_due=new_due,
            note=note,
            undoes=update.id,
        )
        now[update.action_id] = (new_status, new_due or due)
        items.append(f"action {update.action_id} ({update.action_title}): {note}; now {new_status}")
    return items


def require_status_as_history_says(db: Reader, action: ActionRow) -> None:
    """Refuse to update an action whose row disagrees with its history. An action's status is its latest update's;
    one whose row says otherwise was changed outside ilacs: an update would copy that into the history (a note-only
    one carries the status on) and hide it from check."""
    history = db.actions.updates(action.id)
    if history and history[-1].new_status != action.status:
        raise IlacsError(
            f"action {action.id} is {action.status} in the file but {history[-1].new_status} in its history: "
            "it was changed outside ilacs; nothing was recorded: run `ilacs check`, and restore a backup"
        )


def _reverse_changes(db: Store, changes: list[ChangeRow]) -> list[str]:
    items = []
    for change in changes:  # newest first
        if change.subject == "inspection":
            assert change.inspection is not None  # an inspection's fact names its inspection
            done, put_back = db.inspections.put_back(change.inspection, change.field, change.old)
            if put_back:
                db.corrections.record(
                    "inspection", None, change.field, change.new, change.old, change.id, inspection=change.inspection
                )
            items.append(f"inspection {change.inspection}: {done}")
            continue
        if change.field == "evidence":
            if change.new is not None:
                db.evidence.withdraw(change.new, undoes=change.id)
            items.append(f"action {change.subject_id}: evidence withdrawn ({_evidence_named(change.new)})")
            continue
        row = change.subject_id
        assert row is not None  # every change but an inspection's own fact names its row
        if change.field == "coordinates":
            if change.new is not None:
                db.owners.remove_coordinator(change.new, row, undoes=change.id)
            else:
                assert change.old is not None  # a coordinating removed names its inspection
                db.owners.add_coordinator(change.old, row, undoes=change.id)
        else:
            write = {"action": db.actions.correct, "deadline": db.deadlines.correct, "owner": db.owners.correct}
            write[change.subject](row, {change.field: change.old}, undoes={change.field: change.id})
        if change.field in ("revised_reason", "approved_by", "revised_on"):
            continue  # said with its revised_due, below
        if change.field == "revised_due":
            back = f"re-scheduled again to {human(change.old)}" if change.old else "due its planned date again"
            items.append(f"{change.subject} {_label(change)}: re-scheduling taken back; {back}")
            continue
        field = "area" if change.field == "area_id" else change.field
        items.append(
            f"{change.subject} {_label(change)}: {field} put back"
            + ("" if change.field == "area_id" else f" to {change.old or 'none'}")
        )
    return items


def _evidence_named(recorded: str | None) -> str:
    """'E3: https://...' from a change's record of evidence (JSON)."""
    import json

    found = json.loads(recorded or "{}")
    return f"E{found.get('id')}: {found.get('target')}"


def _label(change: ChangeRow) -> str:
    return f"D{change.subject_id}" if change.subject == "deadline" else str(change.subject_id)


# -- removing an inspection -----------------------------------------------------------------


def remove_inspections(db: Store, inspections: list[str], *, by: str | None = None, name: str) -> Path:
    """Delete inspections and everything under them in one transaction, after one backup beside the database
    (`name` goes into the backup's file name); returns the backup."""
    found = [require_inspection(db, inspection) for inspection in inspections]
    backup = db.backup_before(f"remove-{name}")
    with db.transaction(command="remove", author=who(by), note=f"removed {', '.join(inspections)}; backup {backup}"):
        for row in found:
            db.inspections.remove(row.id, row.authority, backup)
    return backup
