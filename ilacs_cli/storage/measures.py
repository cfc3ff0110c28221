"""Measures of success and their readings (issue 28): the rows, the reads for listings and history (live, or as they
stood at the end of a past day), and the writes. Measures and readings are history: never changed or deleted in
place; undo withdraws them by a row in measure_withdrawals."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from ilacs_cli.storage import sql
from ilacs_cli.storage.database import Database, Repository, WritingRepository


class MeasureRow(NamedTuple):
    id: int
    inspection: str
    area: int  # the area for improvement's number
    title: str
    unit: str
    baseline: float | None  # None: the document does not give it
    baseline_on: str | None
    target: float
    target_by: str | None
    better: str  # higher or lower
    tolerance: float
    actions: str  # JSON: the ids of the actions it measures
    source: str | None
    inferred: str  # JSON: field -> the reason it was inferred
    added_at: str
    added_by: str | None
    withdrawn_at: str | None  # when undo withdrew it (history only: listings leave withdrawn measures out)
    withdrawn_by: str | None


class ReadingRow(NamedTuple):
    id: int
    measure_id: int
    value: float
    on_day: str  # the day the reading describes
    source: str | None
    note: str | None
    at: str  # when it was recorded, by whom, with which command
    author: str | None
    command: str
    withdrawn_at: str | None
    withdrawn_by: str | None


class LatestRow(NamedTuple):
    """A reading as a listing rates it: its id, value and the day it describes."""

    id: int
    value: float
    on_day: str


class MeasureEventRow(NamedTuple):
    """Something recorded about a measure, as the listing of changes gives it: the measure added (`what` added),
    a reading (reading), or undo withdrawing either (withdrawn, reading withdrawn)."""

    at: str  # when it was recorded (UTC)
    inspection: str
    measure_id: int
    title: str
    unit: str
    target: float
    better: str
    tolerance: float
    what: str
    value: float | None  # a reading's value
    on_day: str | None  # the day a reading describes
    author: str | None
    note: str | None


_EVENTS = """
SELECT b.at, m.inspection_id, m.id, m.title, m.unit, m.target, m.better, m.tolerance, 'added', NULL, NULL, b.author,
       m.source
FROM measures m JOIN batches b ON b.id = m.batch
UNION ALL
SELECT b.at, m.inspection_id, m.id, m.title, m.unit, m.target, m.better, m.tolerance, 'reading', r.value, r.on_day,
       b.author, r.note
FROM readings r JOIN measures m ON m.id = r.measure_id JOIN batches b ON b.id = r.batch
UNION ALL
SELECT b.at, m.inspection_id, m.id, m.title, m.unit, m.target, m.better, m.tolerance,
       CASE WHEN w.reading_id IS NULL THEN 'withdrawn' ELSE 'reading withdrawn' END, r.value, r.on_day, b.author, NULL
FROM measure_withdrawals w JOIN measures m ON m.id = w.measure_id JOIN batches b ON b.id = w.batch
LEFT JOIN readings r ON r.id = w.reading_id
"""


_WITHDRAWN = (
    "(SELECT {what} FROM measure_withdrawals w JOIN batches wb ON wb.id = w.batch WHERE w.measure_id = {measure} "
    "AND w.reading_id IS {reading} AND (:day IS NULL OR substr(wb.at, 1, 10) <= :day) ORDER BY w.id LIMIT 1)"
)


def _withdrawn(what: str, measure: str, reading: str) -> str:
    return _WITHDRAWN.format(what=what, measure=measure, reading=reading)


_MEASURE = sql.columns(
    MeasureRow,
    {
        "id": "m.id",
        "inspection": "m.inspection_id",
        "area": "a.number",
        "title": "m.title",
        "unit": "m.unit",
        "baseline": "m.baseline",
        "baseline_on": "m.baseline_on",
        "target": "m.target",
        "target_by": "m.target_by",
        "better": "m.better",
        "tolerance": "m.tolerance",
        "actions": "m.actions",
        "source": "m.source",
        "inferred": "m.inferred",
        "added_at": "b.at",
        "added_by": "b.author",
        "withdrawn_at": _withdrawn("wb.at", "m.id", "NULL"),
        "withdrawn_by": _withdrawn("wb.author", "m.id", "NULL"),
    },
)
_MEASURE_STANDING = _MEASURE.replace(
    f"{_withdrawn('wb.at', 'm.id', 'NULL')} AS withdrawn_at", "NULL AS withdrawn_at"
).replace(f"{_withdrawn('wb.author', 'm.id', 'NULL')} AS withdrawn_by", "NULL AS withdrawn_by")
_MEASURES = (
    f"SELECT {_MEASURE} FROM measures m JOIN areas a ON a.id = m.area_id JOIN batches b ON b.id = m.batch "
    "WHERE (:day IS NULL OR substr(b.at, 1, 10) <= :day)"
)
_READING = sql.columns(
    ReadingRow,
    {
        "id": "r.id",
        "measure_id": "r.measure_id",
        "value": "r.value",
        "on_day": "r.on_day",
        "source": "r.source",
        "note": "r.note",
        "at": "b.at",
        "author": "b.author",
        "command": "b.command",
        "withdrawn_at": _withdrawn("wb.at", "r.measure_id", "r.id"),
        "withdrawn_by": _withdrawn("wb.author", "r.measure_id", "r.id"),
    },
)
_READINGS = (
    f"SELECT {_READING} FROM readings r JOIN batches b ON b.id = r.batch "
    "WHERE (:day IS NULL OR (substr(b.at, 1, 10) <= :day AND r.on_day <= :day))"
)
_STANDING = (
    "NOT EXISTS (SELECT 1 FROM measure_withdrawals w JOIN batches wb ON wb.id = w.batch WHERE w.measure_id = "
    "{measure} AND w.reading_id IS {reading} AND (:day IS NULL OR substr(wb.at, 1, 10) <= :day))"
)


class MeasureReads(Repository):
    """Measures and readings, read: as they are, or (with `day`) as they stood at the end of that day: a measure
    from the day it was recorded, a reading once it was recorded and the day it describes had come, each until the
    day undo withdrew it."""

    def __init__(self, db: Database, day: dt.date | None = None):
        super().__init__(db)
        self.day = day.isoformat() if day else None

    def matching(self, *, inspection: str | None = None, area: int | None = None) -> list[MeasureRow]:
        """Measures standing (not withdrawn), by inspection, area number and id."""
        where, params = sql.filters({"m.inspection_id = :inspection": inspection, "a.number = :area": area})
        return self._all(
            f"{_MEASURES.replace(_MEASURE, _MEASURE_STANDING)} AND {where} AND {_STANDING.format(measure='m.id', reading='NULL')} "
            "ORDER BY m.inspection_id, a.number, m.id",
            {"day": self.day, **params},
            MeasureRow,
        )

    def get(self, measure_id: int) -> MeasureRow | None:
        """One measure, withdrawn or not (its withdrawal, if any, in the row)."""
        rows = self._all(f"{_MEASURES} AND m.id = :id", {"day": self.day, "id": measure_id}, MeasureRow)
        return rows[0] if rows else None

    def listing(
        self, *, inspection: str | None = None, area: int | None = None
    ) -> list[tuple[MeasureRow, list[LatestRow]]]:
        """Measures standing (by inspection, area number and id), each with its latest two standing readings (by the
        day each describes, then the order recorded), latest first: what a listing rates and the direction it moved
        in. One query: two index seeks a measure, newest first (a window over every reading took ten times as long
        nationally, and a second query for the readings twice as long as this)."""
        where, params = sql.filters({"m.inspection_id = :inspection": inspection, "a.number = :area": area})
        recorded = (
            "JOIN batches rb ON rb.id = r.batch WHERE r.on_day <= :day AND substr(rb.at, 1, 10) <= :day AND"
            if self.day
            else "WHERE"
        )
        pick = (
            f"(SELECT r.id FROM readings r {recorded} r.measure_id = m.id AND "
            f"{_STANDING.format(measure='r.measure_id', reading='r.id')} ORDER BY r.on_day DESC, r.id DESC "
            "LIMIT 1 OFFSET {place})"
        )
        found = self._all(
            f"SELECT {_MEASURE_STANDING}, r1.id, r1.value, r1.on_day, r2.id, r2.value, r2.on_day "
            "FROM measures m JOIN areas a ON a.id = m.area_id JOIN batches b ON b.id = m.batch "
            f"LEFT JOIN readings r1 ON r1.id = {pick.format(place=0)} "
            f"LEFT JOIN readings r2 ON r2.id = {pick.format(place=1)} "
            f"WHERE (:day IS NULL OR substr(b.at, 1, 10) <= :day) AND {where} AND "
            f"{_STANDING.format(measure='m.id', reading='NULL')} ORDER BY m.inspection_id, a.number, m.id",
            {"day": self.day, **params},
        )
        width = len(MeasureRow._fields)
        return [
            (
                MeasureRow(*row[:width]),
                [
                    LatestRow(row[width + 3 * n], *row[width + 3 * n + 1 : width + 3 * n + 3])
                    for n in (0, 1)
                    if row[width + 3 * n] is not None
                ],
            )
            for row in found
        ]

    def recorded_between(
        self, inspection: str | None, since: dt.date, until: dt.date | None = None
    ) -> list[MeasureEventRow]:
        """Measures added, readings recorded and withdrawals by undo (of one inspection's measures, or all), recorded
        from `since` to `until` (whole days; no end when None), oldest first."""
        return self._all(
            f"SELECT * FROM ({_EVENTS}) e WHERE (:inspection IS NULL OR e.inspection_id = :inspection) "
            "AND e.at >= :since AND (:until IS NULL OR e.at < :until) ORDER BY e.at",
            {"inspection": inspection, **sql.between(since, until)},
            MeasureEventRow,
        )

    def readings(self, measure_id: int, *, withdrawn_too: bool = False) -> list[ReadingRow]:
        """One measure's readings in the order recorded (those withdrawn too, for its history, if asked)."""
        standing = "TRUE" if withdrawn_too else _STANDING.format(measure="r.measure_id", reading="r.id")
        return self._all(
            f"{_READINGS} AND r.measure_id = :id AND {standing} ORDER BY r.id",
            {"day": self.day, "id": measure_id},
            ReadingRow,
        )

    def of_batch(self, batch: str) -> tuple[list[MeasureRow], list[ReadingRow]]:
        """The measures and readings one command recorded that are still standing, newest first: what undo
        withdraws."""
        live = {"day": None, "batch": batch}
        measures = self._all(
            f"{_MEASURES} AND m.batch = :batch AND {_STANDING.format(measure='m.id', reading='NULL')} "
            "ORDER BY m.id DESC",
            live,
            MeasureRow,
        )
        readings = self._all(
            f"{_READINGS} AND r.batch = :batch AND {_STANDING.format(measure='r.measure_id', reading='r.id')} "
            "ORDER BY r.id DESC",
            live,
            ReadingRow,
        )
        return measures, readings

    def readings_since(self, measure_id: int, batch: str) -> list[ReadingRow]:
        """Standing readings of a measure recorded by other commands than `batch`."""
        return self._all(
            f"{_READINGS} AND r.measure_id = :id AND r.batch <> :batch "
            f"AND {_STANDING.format(measure='r.measure_id', reading='r.id')} ORDER BY r.id",
            {"day": None, "id": measure_id, "batch": batch},
            ReadingRow,
        )


class Measures(MeasureReads, WritingRepository):
    """Measures and readings, read and written, each write in the command's batch."""

    def add(
        self,
        *,
        inspection: str,
        area_id: int,
        title: str,
        unit: str,
        baseline: float | None,
        baseline_on: str | None,
        target: float,
        target_by: str | None,
        better: str,
        tolerance: float,
        actions: str = "[]",
        source: str | None = None,
        inferred: str = "{}",
        key: str | None = None,
    ) -> int:
        """Record a new measure; returns its id."""
        added = self.db.insert(
            "INSERT INTO measures (inspection_id, area_id, key, title, unit, baseline, baseline_on, target, target_by, "
            "better, tolerance, actions, source, inferred, batch) VALUES (:inspection, :area_id, :key, :title, :unit, "
            ":baseline, :baseline_on, :target, :target_by, :better, :tolerance, :actions, :source, :inferred, "
            ":batch)",
            {
                "inspection": inspection,
                "area_id": area_id,
                "key": key,
                "title": title,
                "unit": unit,
                "baseline": baseline,
                "baseline_on": baseline_on,
                "target": target,
                "target_by": target_by,
                "better": better,
                "tolerance": tolerance,
                "actions": actions,
                "source": source,
                "inferred": inferred,
                "batch": self.db.current_batch().id,
            },
        )
        assert added is not None
        return added

    def keyed(self, inspection: str, key: str) -> int | None:
        """The measure a seed file loaded with this key, if any: how a seed is loaded once."""
        return self._value("SELECT id FROM measures WHERE inspection_id = ? AND key = ?", (inspection, key))

    def record_reading(
        self, measure_id: int, value: float, on_day: str, *, source: str | None = None, note: str | None = None
    ) -> int:
        """Record a reading of a measure; returns its id."""
        added = self.db.insert(
            "INSERT INTO readings (measure_id, value, on_day, source, note, batch) VALUES (?, ?, ?, ?, ?, ?)",
            (measure_id, value, on_day, source, note, self.db.current_batch().id),
        )
        assert added is not None
        return added

    def withdraw(self, measure_id: int, reading_id: int | None = None) -> None:
        """Withdraw a measure (no reading named) or one of its readings: recorded, nothing deleted."""
        self.db.write(
            "INSERT INTO measure_withdrawals (batch, measure_id, reading_id) VALUES (?, ?, ?)",
            (self.db.current_batch().id, measure_id, reading_id),
        )
