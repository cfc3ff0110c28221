"""The English working-day calendar as the database keeps it: a number for every day, so that working-day arithmetic
is a subtraction in SQL (built by migrations from dates/workdays.py)."""

from __future__ import annotations

import datetime as dt

from ilacs_cli.errors import IlacsError
from ilacs_cli.storage.database import Repository


class Calendar(Repository):
    """Working days: counting, adding, and which days are working days."""

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The working day `count` working days after `start` (day zero is `start` itself)."""
        day = self._value(
            "SELECT min(day) FROM calendar WHERE working = 1 AND number = "
            "(SELECT number FROM calendar WHERE day = ?) + ?",
            (start.isoformat(), count),
        )
        if day is None:
            raise IlacsError(f"{start} + {count} working days is outside the calendar (2000 to 2060)", 2)
        return dt.date.fromisoformat(day)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`."""
        count = self._value(
            "SELECT (SELECT number FROM calendar WHERE day = ?) - (SELECT number FROM calendar WHERE day = ?)",
            (end.isoformat(), start.isoformat()),
        )
        if count is None:
            raise IlacsError("date outside the calendar (2000 to 2060)", 2)
        return count

    def day_number(self, day: dt.date) -> int:
        """The working-day number of `day`: working days from the calendar's start up to and including it."""
        number = self._value("SELECT number FROM calendar WHERE day = ?", (day.isoformat(),))
        if number is None:
            raise IlacsError(f"{day} is outside the calendar (2000 to 2060)", 2)
        return number

    def is_working_day(self, day: dt.date) -> bool:
        working = self._value("SELECT working FROM calendar WHERE day = ?", (day.isoformat(),))
        if working is None:
            raise IlacsError(f"{day} is outside the calendar (2000 to 2060)", 2)
        return bool(working)
