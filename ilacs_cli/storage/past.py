"""The plan as it stood at the end of a past day, for `--as-of`: an object of its own with read methods only,
on a connection of its own that cannot write (PRAGMA query_only), so the live store is never switched into the
past and a write to a past view cannot be expressed.

An action is in the plan from the day its first status update describes; its status and due date are those of the
latest update recorded that describes the day or earlier (`update --on` describes an earlier day); a field
corrected after the day has the value it had before the correction. A deadline's status and date met count from
the day it was met. Inspections, areas, judgements and owners are read as they are. SQLite's own way of doing it:
the rebuilt actions and deadlines are TEMP tables of the same names on the view's connection, which SQLite reads
before the file's own (storage/sqlite.py names this among the dialect's parts).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from ilacs_cli.storage import sqlite
from ilacs_cli.storage.corrections import REVISED
from ilacs_cli.storage.database import Database, Lazy, user_error

if TYPE_CHECKING:
    from ilacs_cli.storage.actions import ActionReads
    from ilacs_cli.storage.boards import BoardReads
    from ilacs_cli.storage.calendar import Calendar
    from ilacs_cli.storage.corrections import CorrectionReads
    from ilacs_cli.storage.deadlines import DeadlineReads
    from ilacs_cli.storage.evidence import EvidenceReads
    from ilacs_cli.storage.inspections import InspectionReads
    from ilacs_cli.storage.mail_log import MailLogReads
    from ilacs_cli.storage.measures import MeasureReads
    from ilacs_cli.storage.owners import OwnerReads

_UPDATE_DAY = "coalesce(u.on_day, substr(u.at, 1, 10))"

_LATE = """FROM main.changes c JOIN main.batches b ON b.id = c.batch
    WHERE c.subject = '{subject}' AND c.subject_id = {row}.id AND c.field = '{field}'
      AND substr(b.at, 1, 10) > :day AND NOT EXISTS (
        SELECT 1 FROM main.changes m WHERE m.batch = c.batch AND m.subject_id = c.subject_id AND m.new <= :day
          AND ((m.subject = 'deadline' AND m.field = 'met_on') OR (m.subject = c.subject AND m.field = 'revised_on')))"""
# A deadline met on a day, and a date re-scheduled on a day (reschedule --on), count from that day, not from the
# day they were recorded.


def _before_changes(subject: str, row: str, field: str, *, integer: bool = False) -> str:
    """SQL for a field's value at the end of the day: what the first later correction found (a text: cast back to
    an integer for an integer field), else what it is."""
    late = _LATE.format(subject=subject, row=row, field=field)
    found = f"(SELECT c.old {late} ORDER BY c.id LIMIT 1)"
    found = f"CAST({found} AS INTEGER)" if integer else found
    return f"CASE WHEN EXISTS (SELECT 1 {late}) THEN {found} ELSE {row}.{field} END"


_LATEST = f"FROM main.status_updates u WHERE u.action_id = a.id AND {_UPDATE_DAY} <= :day"

_DUE_CHANGES = "FROM main.status_updates u WHERE u.action_id = a.id AND u.new_due IS NOT NULL"

_REWIND = (
    f"""CREATE TEMP TABLE actions AS SELECT a.id, a.inspection_id,
        {_before_changes("action", "a", "area_id", integer=True)} AS area_id, a.key,
        {_before_changes("action", "a", "ref")} AS ref, {_before_changes("action", "a", "title")} AS title,
        {_before_changes("action", "a", "owner")} AS owner,
        CASE WHEN EXISTS (SELECT 1 {_DUE_CHANGES} AND {_UPDATE_DAY} <= :day)
             THEN (SELECT u.new_due {_DUE_CHANGES} AND {_UPDATE_DAY} <= :day ORDER BY u.id DESC LIMIT 1)
             WHEN EXISTS (SELECT 1 {_DUE_CHANGES}) THEN (SELECT u.old_due {_DUE_CHANGES} ORDER BY u.id LIMIT 1)
             ELSE a.due END AS due,
        {_before_changes("action", "a", "wording")} AS wording, {_before_changes("action", "a", "measure")} AS measure,
        (SELECT u.new_status {_LATEST} ORDER BY u.id DESC LIMIT 1) AS status, a.created_at, a.source,
        (SELECT CASE WHEN substr(u.at, 1, 10) <= :day THEN u.at ELSE u.on_day END {_LATEST} ORDER BY u.id DESC LIMIT 1)
          AS updated_at,
        (SELECT u.author {_LATEST} ORDER BY u.id DESC LIMIT 1) AS updated_by,
        (SELECT u.note {_LATEST} ORDER BY u.id DESC LIMIT 1) AS update_note, a.inferred,
        {", ".join(f"{_before_changes('action', 'a', field)} AS {field}" for field in REVISED)}
      FROM main.actions a WHERE EXISTS (SELECT 1 {_LATEST})""",
    "CREATE INDEX temp.actions_rewound ON actions (inspection_id, status, due)",
    "CREATE INDEX temp.actions_rewound_effective ON actions (inspection_id, status, coalesce(revised_due, due))",
    "CREATE INDEX temp.actions_rewound_id ON actions (id)",
    f"""CREATE TEMP TABLE deadlines AS SELECT d.id, d.inspection_id, d.key,
        {
        ", ".join(
            f"{_before_changes('deadline', 'd', field)} AS {field}"
            for field in ("title", "kind", "due", "wording", "rule_unit", "rule_after", "status", "met_on", *REVISED)
        )
    },
        {_before_changes("deadline", "d", "rule_count", integer=True)} AS rule_count, d.source, d.inferred
      FROM main.deadlines d""",
    "UPDATE temp.deadlines SET status = 'open', met_on = NULL WHERE met_on > :day",
    "CREATE INDEX temp.deadlines_rewound ON deadlines (inspection_id, status, due)",
)
_RECORDED_AFTER = (
    "SELECT EXISTS (SELECT 1 FROM batches WHERE substr(at, 1, 10) > :day) "
    "OR EXISTS (SELECT 1 FROM status_updates WHERE batch IS NULL AND substr(at, 1, 10) > :day) "
    "OR EXISTS (SELECT 1 FROM deadlines WHERE met_on > :day)"
)


class PastPlan:
    """The plan as of the end of `day` (by England's days), rebuilt from its history: the live store's read
    repositories, nothing that writes."""

    def __init__(self, live: Database, day: dt.date):
        self.day = day
        self.path: Path = live.path
        conn = self._connect(live)
        self.db = Database(conn, live.path, live.target)
        try:
            when = {"day": day.isoformat()}
            # When nothing was recorded after the day, the plan then is the plan now: nothing is rebuilt.
            self.rebuilt = bool(conn.execute(_RECORDED_AFTER, when).fetchone()[0])
            if self.rebuilt:
                for statement in _REWIND:
                    conn.execute(statement, when)
            # From here on this connection only reads (PostgreSQL: its temporary tables are its own all the same).
            conn.execute(live.dialect.QUERY_ONLY)
        except self.db.errors as error:
            raise self.db.user_error(error) from None

    @staticmethod
    def _connect(live: Database):
        """A connection of the view's own to the live database."""
        if live.postgres:
            from ilacs_cli.storage import postgres

            return postgres.Connection(postgres.connect(live.target), live.path)  # type: ignore[arg-type]
        try:
            conn = sqlite3.connect(live.target, isolation_level=None, uri=live.target.startswith("file:"))
            conn.execute(sqlite.busy_timeout(live.conn.execute(sqlite.BUSY_TIMEOUT).fetchone()[0]))
        except sqlite3.DatabaseError as error:
            raise user_error(error, live.path) from None
        return conn

    def close(self) -> None:
        self.db.close()

    calendar: Lazy[Calendar] = Lazy("calendar", "Calendar")
    inspections: Lazy[InspectionReads] = Lazy("inspections", "InspectionReads")
    actions: Lazy[ActionReads] = Lazy("actions", "ActionReads")
    deadlines: Lazy[DeadlineReads] = Lazy("deadlines", "DeadlineReads")
    corrections: Lazy[CorrectionReads] = Lazy("corrections", "CorrectionReads")
    owners: Lazy[OwnerReads] = Lazy("owners", "OwnerReads")
    mail_log: Lazy[MailLogReads] = Lazy("mail_log", "MailLogReads")

    @property
    def measures(self) -> MeasureReads:
        """Measures and readings as they stood at the end of the day (they keep their own history: nothing is
        rebuilt for them)."""
        from ilacs_cli.storage.measures import MeasureReads

        return MeasureReads(self.db, self.day)

    evidence: Lazy[EvidenceReads] = Lazy("evidence", "EvidenceReads")

    @property
    def boards(self) -> BoardReads:
        """Board meetings as they were known at the end of the day (their own history: nothing is rebuilt)."""
        from ilacs_cli.storage.boards import BoardReads

        return BoardReads(self.db, self.day)
