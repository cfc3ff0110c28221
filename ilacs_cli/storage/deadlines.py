"""Deadlines: the action plan to Ofsted and other dates a plan must meet, each with the rule that sets it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from ilacs_cli.storage import sql
from ilacs_cli.storage.corrections import REVISED, Corrections
from ilacs_cli.storage.database import Repository, WritingRepository
from ilacs_cli.storage.windows import DueWindow


class DeadlineRow(NamedTuple):
    id: int
    inspection: str
    authority: str | None
    key: str
    title: str
    kind: str
    due: str | None
    wording: str | None
    rule_count: int | None
    rule_unit: str | None
    rule_after: str | None  # the event it counts from: rules.RULE_EVENTS
    status: str
    met_on: str | None
    source: str | None
    published: str | None
    fieldwork_end: str | None
    due_number: int | None  # the due date's working-day number
    inferred: str  # JSON: field -> the reason it was inferred
    received: str | None  # the day the council received the report
    planned_due: str | None  # the rule's (or stated) date; `due` is the revised one when it was re-scheduled
    revised_due: str | None
    revised_reason: str | None
    approved_by: str | None
    revised_on: str | None

    def event_day(self) -> str | None:
        """The date of the event the rule counts from."""
        events = {"published": self.published, "fieldwork_end": self.fieldwork_end, "received": self.received}
        return events.get(self.rule_after or "")


_DUE = sql.effective_due("d")  # the date a deadline is late against


_DEADLINE = sql.columns(
    DeadlineRow,
    {
        "id": "d.id",
        "inspection": "d.inspection_id",
        "authority": "i.authority",
        "key": "d.key",
        "title": "d.title",
        "kind": "d.kind",
        "due": _DUE,
        "wording": "d.wording",
        "rule_count": "d.rule_count",
        "rule_unit": "d.rule_unit",
        "rule_after": "d.rule_after",
        "status": "d.status",
        "met_on": "d.met_on",
        "source": "d.source",
        "published": "i.published",
        "fieldwork_end": "i.fieldwork_end",
        "due_number": "c_due.number",
        "inferred": "d.inferred",
        "received": "i.received",
        "planned_due": "d.due",
        "revised_due": "d.revised_due",
        "revised_reason": "d.revised_reason",
        "approved_by": "d.approved_by",
        "revised_on": "d.revised_on",
    },
)


_DEADLINES = f"""SELECT {_DEADLINE} FROM deadlines d JOIN inspections i ON i.id = d.inspection_id
                 LEFT JOIN calendar c_due ON c_due.day = {_DUE}"""


class DeadlineReads(Repository):
    """Deadlines, read."""

    def matching(
        self, *, id: int | None = None, inspection: str | None = None, window: DueWindow | None = None
    ) -> list[DeadlineRow]:
        """Deadlines matching every filter given, earliest first (unknown dates last)."""
        where, params = sql.filters({"d.id = :id": id, "d.inspection_id = :inspection": inspection})
        if window is not None:
            clause, window_params = sql.window(window, "d")
            where, params = f"{where} AND {clause}", {**params, **window_params}
        return self._all(f"{_DEADLINES} WHERE {where} ORDER BY {_DUE} IS NULL, {_DUE}, d.id", params, DeadlineRow)


class Deadlines(DeadlineReads, WritingRepository):
    """Deadlines, read and written."""

    def save(
        self,
        *,
        inspection: str,
        key: str,
        title: str,
        kind: str,
        due: str | None,
        wording: str | None,
        rule_count: int | None,
        rule_unit: str | None,
        rule_after: str | None,
        status: str,
        met_on: str | None,
        source: str | None,
        inferred: str = "{}",
    ) -> None:
        """Insert a deadline, or refresh its facts; its status, and any field a user corrected, are kept."""
        self.db.write(
            "INSERT INTO deadlines (inspection_id, key, title, kind, due, wording, rule_count, rule_unit, "
            "rule_after, status, met_on, source, inferred) VALUES (:inspection, :key, :title, :kind, :due, "
            ":wording, :rule_count, :rule_unit, :rule_after, :status, :met_on, :source, :inferred) "
            "ON CONFLICT (inspection_id, key) DO UPDATE SET kind = excluded.kind, source = excluded.source, "
            "inferred = excluded.inferred, "
            + ", ".join(
                f"{name} = CASE WHEN EXISTS (SELECT 1 FROM changes WHERE subject = 'deadline' AND "
                f"subject_id = deadlines.id AND field = '{name}') THEN deadlines.{name} ELSE excluded.{name} END"
                for name in ("title", "due", "wording", "rule_count", "rule_unit", "rule_after")
            ),
            {
                "inspection": inspection,
                "key": key,
                "title": title,
                "kind": kind,
                "due": due,
                "wording": wording,
                "rule_count": rule_count,
                "rule_unit": rule_unit,
                "rule_after": rule_after,
                "status": status,
                "met_on": met_on,
                "source": source,
                "inferred": inferred,
            },
        )

    def correct(self, deadline_id: int, changes: Mapping[str, object], *, undoes: dict[str, int] | None = None) -> None:
        """Set a deadline's title, due date and wording, rule, status or date met, each change recorded."""
        Corrections(self.db).correct(
            "deadline",
            deadline_id,
            changes,
            ("title", "due", "wording", "rule_count", "rule_unit", "rule_after", "status", "met_on", *REVISED),
            undoes,
        )
