"""Corrections and batches: every field of an action, deadline or owner changed in place, with what it was before,
and the commands (batches) that made them; what undo looks up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from ilacs_cli.storage import sql
from ilacs_cli.storage.database import BatchRow, Repository, WritingRepository

# A re-scheduled date's fields, on actions and deadlines alike (ilacs reschedule): corrected together.
REVISED = ("revised_due", "revised_reason", "approved_by", "revised_on")


class ChangeRow(NamedTuple):
    """One field of an action, deadline or owner changed in place, with what it was before."""

    id: int
    batch: str
    at: str
    author: str | None
    command: str
    note: str | None
    sequence: int  # the order of its command among all commands
    subject: str
    subject_id: int | None  # None for an inspection's own fact (`inspection` names it)
    field: str
    old: str | None
    new: str | None
    undoes: int | None
    inspection: str | None  # of the action, deadline or inspection changed; None for an owner
    subject_title: str | None  # the action's or deadline's title, or the owner's name, as they are now


_CHANGE = sql.columns(
    ChangeRow,
    {
        "id": "c.id",
        "batch": "c.batch",
        "at": "b.at",
        "author": "b.author",
        "command": "b.command",
        "note": "b.note",
        "sequence": "b.rowid",
        "subject": "c.subject",
        "subject_id": "c.subject_id",
        "field": "c.field",
        "old": "c.old",
        "new": "c.new",
        "undoes": "c.undoes",
        "inspection": "c.inspection_id",
        "subject_title": "CASE c.subject WHEN 'action' THEN (SELECT title FROM actions WHERE id = c.subject_id) "
        "WHEN 'deadline' THEN (SELECT title FROM deadlines WHERE id = c.subject_id) "
        "WHEN 'inspection' THEN (SELECT authority FROM inspections WHERE id = c.inspection_id) "
        "ELSE (SELECT name FROM owners WHERE id = c.subject_id) END",
    },
)


_CHANGES = f"SELECT {_CHANGE} FROM changes c JOIN batches b ON b.id = c.batch"


_BATCH = "id, at, author, origin, command, note, undoes"


_SUBJECT_TABLES = {"action": "actions", "deadline": "deadlines", "owner": "owners"}


class CorrectionReads(Repository):
    """Corrections and the commands that made them, read."""

    def of(self, subject: str, subject_id: int) -> list[ChangeRow]:
        """Every change to one action, deadline or owner, oldest first."""
        return self._all(
            f"{_CHANGES} WHERE c.subject = ? AND c.subject_id = ? ORDER BY c.id", (subject, subject_id), ChangeRow
        )

    def between(self, inspection: str | None, since: dt.date, until: dt.date | None = None) -> list[ChangeRow]:
        """Changes (to one inspection's actions and deadlines, or to anything) made from `since` to `until` (whole
        days; no end when None), oldest first."""
        return self._all(
            f"{_CHANGES} WHERE (:inspection IS NULL OR c.inspection_id = :inspection) AND b.at >= :since "
            "AND (:until IS NULL OR b.at < :until) ORDER BY c.id",
            {"inspection": inspection, **sql.between(since, until)},
            ChangeRow,
        )

    def last_batch(self, author: str) -> BatchRow | None:
        """The latest command by `author` (ignoring case) that is not an undo and has not been undone."""
        rows = self._all(
            f"SELECT {_BATCH} FROM batches b WHERE lower(b.author) = lower(?) AND b.origin <> 'undo' "
            "AND NOT EXISTS (SELECT 1 FROM batches u WHERE u.undoes = b.id) ORDER BY b.rowid DESC LIMIT 1",
            (author,),
            BatchRow,
        )
        return rows[0] if rows else None

    def batches_by(self, author: str, limit: int) -> list[BatchRow]:
        """The latest commands by `author` (ignoring case), undos too, newest first."""
        return self._all(
            f"SELECT {_BATCH} FROM batches b WHERE lower(b.author) = lower(?) ORDER BY b.rowid DESC LIMIT ?",
            (author, limit),
            BatchRow,
        )

    def undone(self, batches: list[str]) -> set[str]:
        """Which of these commands an undo has reversed."""
        marks = ", ".join("?" * len(batches))
        rows = self._all(f"SELECT undoes FROM batches WHERE undoes IN ({marks})", tuple(batches)) if batches else []
        return {row[0] for row in rows}

    def of_batch(self, batch: str) -> list[ChangeRow]:
        """The changes one command made, newest first."""
        return self._all(f"{_CHANGES} WHERE c.batch = ? ORDER BY c.id DESC", (batch,), ChangeRow)

    def after(self, change: ChangeRow) -> list[ChangeRow]:
        """Changes to the same field of the same thing made after the given one."""
        return self._all(
            f"{_CHANGES} WHERE c.subject = ? AND c.subject_id IS ? AND c.inspection_id IS ? AND c.field = ? "
            "AND c.id > ? ORDER BY c.id",
            (change.subject, change.subject_id, change.inspection, change.field, change.id),
            ChangeRow,
        )


class Corrections(CorrectionReads, WritingRepository):
    """Corrections, read and written."""

    def correct(
        self,
        subject: str,
        row_id: int,
        changes: Mapping[str, object],
        allowed: tuple[str, ...],
        undoes: dict[str, int] | None,
    ) -> None:
        """Change fields of one row in place, recording each field that differs as a change in this batch."""
        unknown = set(changes) - set(allowed)
        if unknown:
            raise ValueError(f"{subject}: cannot set {unknown}")
        if not changes:
            return
        table = _SUBJECT_TABLES[subject]
        current = self._all(f"SELECT {', '.join(changes)} FROM {table} WHERE id = ?", (row_id,))[0]
        differ = {name: value for (name, value), old in zip(changes.items(), current) if value != old}
        for (name, value), old in zip(changes.items(), current):
            if name in differ:
                self.record(subject, row_id, name, old, value, (undoes or {}).get(name))
        if differ:
            self.db.write(
                f"UPDATE {table} SET {', '.join(f'{name} = :{name}' for name in differ)} WHERE id = :id",
                {**differ, "id": row_id},
            )

    def record(
        self,
        subject: str,
        subject_id: int | None,
        field: str,
        old: object,
        new: object,
        undoes: int | None,
        inspection: str | None = None,
    ) -> None:
        """Record one field changed, in this batch; an action's or deadline's inspection is looked up, an
        inspection's own fact names it (`inspection`, with no subject_id)."""
        self.db.write(
            "INSERT INTO changes (batch, subject, subject_id, inspection_id, field, old, new, undoes) VALUES "
            "(:batch, :subject, :subject_id, CASE :subject "
            "WHEN 'action' THEN (SELECT inspection_id FROM actions WHERE id = :subject_id) "
            "WHEN 'deadline' THEN (SELECT inspection_id FROM deadlines WHERE id = :subject_id) "
            "ELSE :inspection END, :field, :old, :new, :undoes)",
            {
                "batch": self.db.current_batch().id,
                "subject": subject,
                "subject_id": subject_id,
                "inspection": inspection,
                "field": field,
                "old": old,
                "new": new,
                "undoes": undoes,
            },
        )
