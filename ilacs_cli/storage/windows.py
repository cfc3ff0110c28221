"""A due window: the shape of the rules about what is late or due, which the store applies in SQL and `matches`
applies to one item. The rules that build windows are the domain's (domain/rules.py)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class DueWindow(NamedTuple):
    """Items with one of `statuses` whose due date is on or after `due_from` and before `due_before`.

    A bound that is None is open. An item with no due date is in a window only if the window has no bounds.
    The store applies a window in SQL (storage/sql.py: window); `matches` applies the same window to one item.
    """

    statuses: tuple[str, ...]
    due_from: dt.date | None = None
    due_before: dt.date | None = None

    def matches(self, status: str, due: str | None) -> bool:
        """Whether an item with this status and due date (ISO text, or None) is in the window."""
        if status not in self.statuses:
            return False
        if self.due_from is None and self.due_before is None:
            return True
        if due is None:
            return False
        return (self.due_from is None or due >= self.due_from.isoformat()) and (
            self.due_before is None or due < self.due_before.isoformat()
        )
