"""Board meetings (issue 30): the improvement board or panel that takes each paper, by inspection and day. Boards
are history: never changed or deleted in place; undo withdraws one by a row in board_withdrawals."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from ilacs_cli.storage.database import Database, Repository, WritingRepository


class BoardRow(NamedTuple):
    id: int
    inspection: str
    day: str  # the day the board meets, ISO
    name: str | None  # "Improvement Board", "Corporate Parenting Panel"
    added_at: str
    added_by: str | None


_BOARDS = """SELECT b.id, b.inspection_id, b.day, b.name, bb.at, bb.author
FROM boards b JOIN batches bb ON bb.id = b.batch
WHERE (:day IS NULL OR substr(bb.at, 1, 10) <= :day)
  AND NOT EXISTS (SELECT 1 FROM board_withdrawals w JOIN batches wb ON wb.id = w.batch
                  WHERE w.board_id = b.id AND (:day IS NULL OR substr(wb.at, 1, 10) <= :day))"""


class BoardReads(Repository):
    """Board meetings standing: as they are, or (with `day`) as they were known at the end of that day."""

    def __init__(self, db: Database, day: dt.date | None = None):
        super().__init__(db)
        self.day = day.isoformat() if day else None

    def matching(self, inspection: str | None = None) -> list[BoardRow]:
        """Boards (of one inspection, or all), by inspection and day."""
        return self._all(
            f"{_BOARDS} AND (:inspection IS NULL OR b.inspection_id = :inspection) ORDER BY b.inspection_id, b.day, "
            "b.id",
            {"day": self.day, "inspection": inspection},
            BoardRow,
        )

    def of_batch(self, batch: str) -> list[BoardRow]:
        """The boards one command added that still stand: what undo withdraws."""
        return self._all(f"{_BOARDS} AND b.batch = :batch ORDER BY b.id DESC", {"day": None, "batch": batch}, BoardRow)


class Boards(BoardReads, WritingRepository):
    """Board meetings, read and written."""

    def add(self, inspection: str, day: dt.date, name: str | None) -> int:
        """Record a board meeting in the current transaction; its id."""
        board_id = self.db.insert(
            "INSERT INTO boards (inspection_id, day, name, batch) VALUES (?, ?, ?, ?)",
            (inspection, day.isoformat(), name, self.db.current_batch().id),
        )
        assert board_id is not None  # an INSERT that succeeded
        return board_id

    def withdraw(self, board_id: int) -> None:
        """Withdraw a board meeting (undo): recorded, nothing deleted."""
        self.db.write(
            "INSERT INTO board_withdrawals (batch, board_id) VALUES (?, ?)", (self.db.current_batch().id, board_id)
        )
