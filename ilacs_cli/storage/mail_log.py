"""The mail log: each reminder digest sent (so none is sent twice for a day) and the claims that keep two runs from
sending the same digest at once."""

from __future__ import annotations

import datetime as dt

from ilacs_cli.storage.database import Repository, WritingRepository, now, utc_now


class MailLogReads(Repository):
    """Digests sent, read."""

    def sent(self, day: dt.date, recipient: str, fingerprint: str) -> bool:
        """True when this recipient was sent a reminder with these items for this day."""
        return (
            self._value(
                "SELECT 1 FROM reminders_sent WHERE day = ? AND recipient = ? AND fingerprint = ?",
                (day.isoformat(), recipient.lower(), fingerprint),
            )
            is not None
        )


class MailLog(MailLogReads, WritingRepository):
    """Digests sent and claimed, read and written."""

    def log(
        self,
        *,
        day: dt.date,
        recipient: str,
        name: str,
        fingerprint: str,
        subject: str,
        items: int,
        message_id: str,
        run: str,
    ) -> None:
        """Log a digest as sent, and release this run's claim on it."""
        self.db.write(
            "INSERT INTO reminders_sent (day, recipient, name, fingerprint, subject, items, "
            "message_id, sent_at) VALUES (?, lower(?), ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (day.isoformat(), recipient, name, fingerprint, subject, items, message_id, now()),
        )
        self.release(day=day, recipient=recipient, fingerprint=fingerprint, run=run)

    def claim(self, *, day: dt.date, recipient: str, fingerprint: str, run: str, stale_before: str) -> str | None:
        """Claim a digest for this run; None when claimed, else when the run holding it claimed it (UTC). A claim
        made before `stale_before` is a killed run's, and is taken over."""
        key = (day.isoformat(), recipient.lower(), fingerprint)
        self.db.write(
            "DELETE FROM reminder_claims WHERE day = ? AND recipient = ? AND fingerprint = ? AND claimed_at < ?",
            (*key, stale_before),
        )
        if self.db.write(
            "INSERT INTO reminder_claims (day, recipient, fingerprint, run, claimed_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (*key, run, utc_now()),
        ).rowcount:
            return None
        return self._value(
            "SELECT claimed_at FROM reminder_claims WHERE day = ? AND recipient = ? AND fingerprint = ?", key
        )

    def release(self, *, day: dt.date, recipient: str, fingerprint: str, run: str) -> None:
        self.db.write(
            "DELETE FROM reminder_claims WHERE day = ? AND recipient = ? AND fingerprint = ? AND run = ?",
            (day.isoformat(), recipient.lower(), fingerprint, run),
        )
