"""Owners' replies by e-mail (issue 30): each message claimed once by its Message-ID, held replies and the
coordinator's decisions on them, and the new dates owners asked for."""

from __future__ import annotations

from typing import NamedTuple

from ilacs_cli.storage.database import Repository, WritingRepository, now


class ReplyRow(NamedTuple):
    id: int
    message_id: str
    sender: str
    owner: str | None
    subject: str | None
    sent_at: str | None
    on_day: str | None
    received_at: str
    outcome: str  # recorded, held, ignored
    reason: str | None
    lines: str  # JSON: the understood lines
    not_understood: str  # JSON: lines that start with a number but say nothing the grammar knows
    decision: str | None  # accepted, rejected, or None while held


class DateRequestRow(NamedTuple):
    id: int
    action_id: int
    requested_due: str
    reason: str | None
    author: str | None
    at: str


_REPLY = (
    "SELECT r.id, r.message_id, r.sender, r.owner, r.subject, r.sent_at, r.on_day, r.received_at, r.outcome, "
    "r.reason, r.lines, r.not_understood, d.decision FROM replies r LEFT JOIN reply_decisions d ON d.reply_id = r.id"
)


class ReplyReads(Repository):
    def seen(self, message_id: str) -> bool:
        return self._value("SELECT 1 FROM replies WHERE message_id = ?", (message_id,)) is not None

    def owner_named(self, address: str) -> str | None:
        """The name of an owner on file with this e-mail address (ignoring case), or None."""
        return self._value("SELECT min(name) FROM owners WHERE lower(email) = lower(?)", (address,))

    def owner_of(self, address: str, action_id: int) -> str | None:
        """The registered owner with this address who owns the action (in the action's authority), or None."""
        return self._value(
            "SELECT o.name FROM actions a JOIN inspections i ON i.id = a.inspection_id "
            "JOIN owners o ON o.authority = i.authority AND lower(o.name) = lower(a.owner) "
            "WHERE a.id = ? AND lower(o.email) = lower(?)",
            (action_id, address),
        )

    def held(self) -> list[ReplyRow]:
        """Replies held and not yet decided on, oldest first."""
        return self._all(f"{_REPLY} WHERE r.outcome = 'held' AND d.id IS NULL ORDER BY r.id", (), ReplyRow)

    def get(self, reply_id: int) -> ReplyRow | None:
        rows = self._all(f"{_REPLY} WHERE r.id = ?", (reply_id,), ReplyRow)
        return rows[0] if rows else None

    def date_requests(self) -> list[DateRequestRow]:
        return self._all(
            "SELECT id, action_id, requested_due, reason, author, at FROM date_requests ORDER BY id", (), DateRequestRow
        )


class Replies(ReplyReads, WritingRepository):
    def claim(
        self,
        *,
        message_id: str,
        sender: str,
        owner: str | None,
        subject: str,
        sent_at: str | None,
        on_day: str | None,
        received_at: str,
        outcome: str,
        reason: str | None,
        lines: str,
        not_understood: str,
        batch: str | None,
    ) -> int | None:
        """Claim a message for this transaction: its id, or None when a run has already claimed it."""
        return self.db.insert(
            "INSERT INTO replies (message_id, sender, owner, subject, sent_at, on_day, received_at, "
            "outcome, reason, lines, not_understood, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (
                message_id,
                sender,
                owner,
                subject,
                sent_at,
                on_day,
                received_at,
                outcome,
                reason,
                lines,
                not_understood,
                batch,
            ),
        )

    def request_date(
        self, *, reply_id: int, action_id: int, requested_due: str, reason: str | None, author: str
    ) -> None:
        self.db.write(
            "INSERT INTO date_requests (reply_id, action_id, requested_due, reason, author, at) VALUES (?, ?, ?, ?, ?, ?)",
            (reply_id, action_id, requested_due, reason, author, now()),
        )

    def decide(self, reply_id: int, decision: str, *, author: str, batch: str | None) -> bool:
        """Record the coordinator's decision on a held reply; False when it was already decided."""
        return bool(
            self.db.write(
                "INSERT INTO reply_decisions (reply_id, decision, at, author, batch) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (reply_id, decision, now(), author, batch),
            ).rowcount
        )
