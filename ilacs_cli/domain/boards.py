"""Board meetings (issue 30): the improvement board or panel that takes each paper. The paper names the next one;
undo withdraws one recorded by mistake. Never prints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import human
from ilacs_cli.domain import rules
from ilacs_cli.domain.addresses import who
from ilacs_cli.domain.plan import require_inspection

if TYPE_CHECKING:
    from ilacs_cli.storage.boards import BoardRow
    from ilacs_cli.storage.store import Reader, Store

DEFAULT_NAME = "Board"  # a meeting recorded without --name


@dataclass
class Board:
    id: str  # B1, B2, ...
    inspection: str
    day: str  # ISO
    name: str


def board_of(row: BoardRow) -> Board:
    return Board(f"B{row.id}", row.inspection, row.day, row.name or DEFAULT_NAME)


def add_board(db: Store, inspection: str, day: dt.date, *, name: str | None = None, by: str | None = None) -> str:
    """Record a board meeting of an inspection's plan; what was recorded, in words."""
    require_inspection(db, inspection)
    if name is not None:
        name = rules.check_text(name.strip(), "name", one_line=True, limit=200) or None
    with db.transaction(command="board add", author=who(by)):
        board_id = db.boards.add(inspection, day, name)
    return f"B{board_id}: {name or DEFAULT_NAME} for {inspection} on {human(day.isoformat())}"


def list_boards(db: Reader, inspection: str | None = None) -> list[Board]:
    if inspection is not None:
        require_inspection(db, inspection)
    return [board_of(row) for row in db.boards.matching(inspection)]


def next_board(db: Reader, inspection: str, as_of: dt.date) -> Board | None:
    """The first board meeting of the plan on or after `as_of`, or None."""
    return next((board for board in list_boards(db, inspection) if board.day >= as_of.isoformat()), None)


def undo_batch(db: Store, batch: str) -> list[str]:
    """Withdraw the board meetings one command recorded (inside undo's transaction); a line each."""
    items = []
    for row in db.boards.of_batch(batch):
        db.boards.withdraw(row.id)
        items.append(f"board B{row.id} ({row.name or DEFAULT_NAME}, {human(row.day)}): withdrawn")
    return items
