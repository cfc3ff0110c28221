"""Inspections, their judgements and areas for improvement: the rows, the reads, and the writes (saved from seed
files and add-inspection; removed whole)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from ilacs_cli.storage import sql
from ilacs_cli.storage.database import Repository, WritingRepository
from ilacs_cli.storage.windows import DueWindow


class InspectionRow(NamedTuple):
    id: str
    authority: str | None
    authority_source: str | None
    kind: str | None
    fieldwork_start: str | None
    fieldwork_end: str | None
    published: str | None
    previous_id: str | None
    source: str | None
    notes: str | None
    inferred: str = "{}"  # JSON: field -> the reason it was inferred
    sources: str = "[]"  # JSON: the documents the facts come from, [{file, date, title}]
    received: str | None = None  # the day the council received the report (the 2007 regulations count from it)


class InspectionCountsRow(NamedTuple):
    id: str
    authority: str | None
    kind: str | None
    fieldwork_start: str | None
    fieldwork_end: str | None
    published: str | None
    overall: str | None
    next_deadline_id: int | None
    actions_open: int
    actions_overdue: int
    actions_done: int
    actions_not_stated: int  # actions whose status the document does not give
    deadlines_overdue: int


class JudgementRow(NamedTuple):
    area: str
    grade: str | None
    previous_grade: str | None
    source: str | None


class AreaRow(NamedTuple):
    id: int
    inspection: str
    number: int
    title: str
    points: list[str]
    source: str | None


_INSPECTION = sql.columns(
    InspectionRow,
    {
        name: f"i.{name}"
        for name in (
            "id",
            "authority",
            "authority_source",
            "kind",
            "fieldwork_start",
            "fieldwork_end",
            "published",
            "previous_id",
            "source",
            "notes",
            "inferred",
            "sources",
            "received",
        )
    },
)


# ids break ties (two inspections whose fieldwork starts the same day): without them SQLite and PostgreSQL list
# such inspections in different orders.
_INSPECTION_ORDER = "coalesce(i.fieldwork_start, i.published, i.id), i.id"


# An inspection's own facts, as `facts` and `put_back` name them (the columns a seed file fills).
_OWN_FACTS = tuple(field for field in InspectionRow._fields if field != "id")
# The facts kept in rows of their own: (facts, name, table, key column); a deadline's status and date met are
# the plan's own record, not a document's fact.
_FACT_TABLES = (
    (("grade", "previous_grade", "source"), "judgement", "judgements", "area"),
    (("title", "points", "source"), "area", "areas", "number"),
    (
        ("title", "kind", "due", "wording", "rule_count", "rule_unit", "rule_after", "source", "inferred"),
        "deadline",
        "deadlines",
        "key",
    ),
)
_GROUPED_FACTS = tuple(
    (facts, name, f"SELECT {key}, {', '.join(facts)} FROM {table} WHERE inspection_id = ? ORDER BY {key}")
    for facts, name, table, key in _FACT_TABLES
)
# A row the plan refers to is kept when undo takes back the replacement that made it.
_REFERRED_TO = {
    "area": "SELECT 1 FROM actions a JOIN areas ar ON ar.id = a.area_id "
    "WHERE ar.inspection_id = :inspection AND ar.number = :key",
    "deadline": "SELECT 1 FROM changes c JOIN deadlines d ON d.id = c.subject_id AND c.subject = 'deadline' "
    "WHERE d.inspection_id = :inspection AND d.key = :key",
}


class InspectionReads(Repository):
    """Inspections, judgements and areas, as they are (the past view reads them so too)."""

    def get(self, inspection: str) -> InspectionRow | None:
        rows = self._all(f"SELECT {_INSPECTION} FROM inspections i WHERE i.id = ?", (inspection,), InspectionRow)
        return rows[0] if rows else None

    def matching(self, inspection: str | None = None) -> list[InspectionRow]:
        """Inspections (all, or the one named), oldest first."""
        return self._all(
            f"SELECT {_INSPECTION} FROM inspections i WHERE :inspection IS NULL OR i.id = :inspection "
            f"ORDER BY {_INSPECTION_ORDER}",
            {"inspection": inspection},
            InspectionRow,
        )

    def ids(self) -> list[str]:
        return [row[0] for row in self._all("SELECT id FROM inspections ORDER BY id")]

    def authorities(self) -> dict[str, list[str]]:
        """Each authority named by an inspection, with its inspection ids."""
        found: dict[str, list[str]] = {}
        for authority, inspection in self._all(
            "SELECT authority, id FROM inspections WHERE authority IS NOT NULL ORDER BY authority, id"
        ):
            found.setdefault(authority, []).append(inspection)
        return found

    def counts(
        self, overdue: DueWindow, overdue_deadlines: DueWindow, inspection: str | None = None
    ) -> list[InspectionCountsRow]:
        """Inspections (all, or the one named) with their overall grade, next open deadline, action counts (open: in
        `overdue`'s statuses; overdue: in the `overdue` window; status unknown) and deadlines overdue (in the
        `overdue_deadlines` window)."""
        late, params = sql.window(overdue, "a")
        late_deadlines, deadline_params = sql.window(overdue_deadlines, "d", "d")
        still_open, open_params = sql.window(DueWindow(overdue.statuses), "a", "open")
        return self._all(
            f"""
            SELECT i.id, i.authority, i.kind, i.fieldwork_start, i.fieldwork_end, i.published, j.grade,
              (SELECT d.id FROM deadlines d WHERE d.inspection_id = i.id AND d.status = 'open'
                 AND {sql.effective_due("d")} IS NOT NULL ORDER BY {sql.effective_due("d")}, d.id LIMIT 1),
              (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND {still_open}),
              (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND {late}),
              (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND a.status = 'done'),
              (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND a.status = 'unknown'),
              (SELECT count(*) FROM deadlines d WHERE d.inspection_id = i.id AND {late_deadlines})
            FROM inspections i LEFT JOIN judgements j ON j.inspection_id = i.id AND j.area = 'overall'
            WHERE :inspection IS NULL OR i.id = :inspection
            ORDER BY {_INSPECTION_ORDER}
            """,
            {**params, **open_params, **deadline_params, "inspection": inspection},
            InspectionCountsRow,
        )

    def judgements(self, inspection: str) -> list[JudgementRow]:
        return self._all(
            "SELECT area, grade, previous_grade, source FROM judgements WHERE inspection_id = ?",
            (inspection,),
            JudgementRow,
        )

    def areas(self, inspection: str | None) -> list[AreaRow]:
        """Areas for improvement of one inspection (or of all, by inspection), by number."""
        import json  # here, not at the top: most reads decode no JSON (3.8 ms of a start)

        return [
            AreaRow(area_id, inspection, number, title, json.loads(points), source)
            for area_id, inspection, number, title, points, source in self._all(
                "SELECT id, inspection_id, number, title, points, source FROM areas "
                "WHERE :inspection IS NULL OR inspection_id = :inspection ORDER BY inspection_id, number",
                {"inspection": inspection},
            )
        ]

    def area_id(self, inspection: str, number: int) -> int | None:
        return self._value("SELECT id FROM areas WHERE inspection_id = ? AND number = ?", (inspection, number))

    def facts(self, inspection: str) -> dict[str, str | None]:
        """An inspection's facts as a seed file gives them, one text each: its own fields ('authority'), each
        judgement ('judgement overall'), area ('area 2') and deadline ('deadline action-plan') as JSON. What a
        `seed --replace` changes, and what undo puts back."""
        import json

        own = self._all(f"SELECT {', '.join(_OWN_FACTS)} FROM inspections WHERE id = ?", (inspection,))
        found: dict[str, str | None] = dict(zip(_OWN_FACTS, own[0])) if own else {}
        for facts, name, query in _GROUPED_FACTS:
            for key, *values in self._all(query, (inspection,)):
                found[f"{name} {key}"] = json.dumps(dict(zip(facts, values)), ensure_ascii=False)
        return found


class Inspections(InspectionReads, WritingRepository):
    """Inspections, judgements and areas, read and written."""

    def save(self, inspection: InspectionRow) -> None:
        """Insert an inspection, or refresh its facts."""
        self.db.current_batch()
        row = inspection._asdict()
        self.db.write(
            f"INSERT INTO inspections ({', '.join(row)}) VALUES ({', '.join(':' + name for name in row)}) "
            "ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{name} = excluded.{name}" for name in row if name != "id"),
            row,
        )

    def save_judgement(self, inspection: str, judgement: JudgementRow) -> None:
        self.db.write(
            "INSERT INTO judgements (inspection_id, area, grade, previous_grade, source) "
            "VALUES (:inspection, :area, :grade, :previous_grade, :source) "
            "ON CONFLICT (inspection_id, area) DO UPDATE SET grade = excluded.grade, "
            "previous_grade = excluded.previous_grade, source = excluded.source",
            {"inspection": inspection, **judgement._asdict()},
        )

    def save_area(self, inspection: str, number: int, title: str, points: list[str], source: str | None) -> None:
        import json

        self.db.write(
            "INSERT INTO areas (inspection_id, number, title, points, source) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (inspection_id, number) DO UPDATE SET title = excluded.title, "
            "points = excluded.points, source = excluded.source",
            (inspection, number, title, json.dumps(points), source),
        )

    def put_back(self, inspection: str, fact: str, value: str | None) -> tuple[str, bool]:
        """Set one fact (named as `facts` names it) to what it was; a judgement, area or deadline the fact did not
        have before is deleted, unless the plan refers to it since. Returns what was done, in words, and whether
        the fact was changed."""
        import json

        if fact in _OWN_FACTS:
            self.db.write(f"UPDATE inspections SET {fact} = ? WHERE id = ?", (value, inspection))
            return f"{fact} put back to {value or 'none'}", True
        name, key = fact.split(" ", 1)
        facts, table, key_column = next((f, t, k) for f, n, t, k in _FACT_TABLES if n == name)
        where = f"inspection_id = :inspection AND {key_column} = :key"
        if value is not None:
            self.db.write(
                f"UPDATE {table} SET {', '.join(f'{f} = :{f}' for f in facts)} WHERE {where}",
                {**json.loads(value), "inspection": inspection, "key": key},
            )
            return f"{fact} put back", True
        if name in _REFERRED_TO and self._value(_REFERRED_TO[name], {"inspection": inspection, "key": key}):
            return f"{fact} kept: the plan refers to it", False
        self.db.write(f"DELETE FROM {table} WHERE {where}", {"inspection": inspection, "key": key})
        return f"{fact} removed", True

    def _replies_about(self, inspection: str) -> list[int]:
        """The replies by e-mail that name actions of this inspection's only (those naming another plan's stay, as
        that plan's evidence; their date requests for this plan go with it)."""
        import json

        ours = {row[0] for row in self._all("SELECT id FROM actions WHERE inspection_id = ?", (inspection,))}
        found = []
        for reply_id, lines in self._all("SELECT id, lines FROM replies ORDER BY id"):
            try:
                named = {line["action"] for line in json.loads(lines)}
            except (ValueError, TypeError, KeyError):  # not as ilacs writes it: kept, for `ilacs check` to judge
                continue
            if named and named <= ours:
                found.append(reply_id)
        return found

    def remove(self, inspection: str, authority: str | None, backup: Path) -> None:
        """Delete an inspection and everything under it, recording the removal (who, when, the backup made)."""
        batch = self.db.current_batch()
        removal = self.db.insert(
            "INSERT INTO removals (batch, inspection_id, authority, backup) VALUES (?, ?, ?, ?)",
            (batch.id, inspection, authority, str(backup)),
        )
        actions = "SELECT id FROM actions WHERE inspection_id = :inspection"
        for reply in self._replies_about(inspection):
            for statement in (
                "DELETE FROM date_requests WHERE reply_id = :reply",
                "DELETE FROM reply_decisions WHERE reply_id = :reply",
                "DELETE FROM replies WHERE id = :reply",
            ):
                self.db.write(statement, {"reply": reply})
        for statement in (
            f"DELETE FROM date_requests WHERE action_id IN ({actions})",
            f"DELETE FROM status_updates WHERE action_id IN ({actions})",
            "DELETE FROM changes WHERE inspection_id = :inspection",
            "DELETE FROM measure_withdrawals WHERE measure_id IN "
            "(SELECT id FROM measures WHERE inspection_id = :inspection)",
            "DELETE FROM readings WHERE measure_id IN (SELECT id FROM measures WHERE inspection_id = :inspection)",
            "DELETE FROM measures WHERE inspection_id = :inspection",
            "DELETE FROM board_withdrawals WHERE board_id IN (SELECT id FROM boards WHERE inspection_id = :inspection)",
            "DELETE FROM boards WHERE inspection_id = :inspection",
            f"DELETE FROM evidence WHERE action_id IN ({actions})",
            "DELETE FROM coordinators WHERE inspection_id = :inspection",
            "DELETE FROM actions WHERE inspection_id = :inspection",
            "DELETE FROM deadlines WHERE inspection_id = :inspection",
            "DELETE FROM areas WHERE inspection_id = :inspection",
            "DELETE FROM judgements WHERE inspection_id = :inspection",
            "DELETE FROM inspections WHERE id = :inspection",
        ):
            self.db.write(statement, {"inspection": inspection})
        self.db.write("UPDATE removals SET under_way = 0 WHERE id = ?", (removal,))
