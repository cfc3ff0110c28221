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
        )
    },
)


_INSPECTION_ORDER = "coalesce(i.fieldwork_start, i.published, i.id)"


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
                 AND {sql.effective_due("d")} IS NOT NULL ORDER BY {sql.effective_due("d")} LIMIT 1),
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

    def remove(self, inspection: str, authority: str | None, backup: Path) -> None:
        """Delete an inspection and everything under it, recording the removal (who, when, the backup made)."""
        batch = self.db.current_batch()
        removal = self.db.write(
            "INSERT INTO removals (batch, inspection_id, authority, backup) VALUES (?, ?, ?, ?)",
            (batch.id, inspection, authority, str(backup)),
        ).lastrowid
        actions = "SELECT id FROM actions WHERE inspection_id = :inspection"
        for statement in (
            f"DELETE FROM status_updates WHERE action_id IN ({actions})",
            f"DELETE FROM changes WHERE subject = 'action' AND subject_id IN ({actions})",
            "DELETE FROM changes WHERE subject = 'deadline' AND subject_id IN "
            "(SELECT id FROM deadlines WHERE inspection_id = :inspection)",
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
