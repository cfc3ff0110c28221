"""The English working-day calendar: Monday to Friday, less England and Wales bank holidays.

This is the only place that decides what a working day is. It produces numbered rows
that the store keeps, so reads do working-day arithmetic in SQL without importing
the holiday library.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2060, 12, 31)


def is_working_day(day: dt.date, bank_holidays: set[dt.date]) -> bool:
    """True when `day` is a weekday that is not a bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays


def english_bank_holidays(first: dt.date = FIRST_DAY, last: dt.date = LAST_DAY) -> set[dt.date]:
    """Bank holidays of England and Wales (one-off days and substitutes included)."""
    import holidays  # heavy: only writers that build the calendar pay for it

    return set(holidays.UK(subdiv="ENG", years=range(first.year, last.year + 1)))


def calendar_rows(first: dt.date = FIRST_DAY, last: dt.date = LAST_DAY) -> Iterator[tuple[str, int, int]]:
    """Yield (ISO date, working-day number, is-working) for every day in the range.

    The number counts working days up to and including the day, so the working days
    between two dates is the difference of their numbers.
    """
    bank_holidays = english_bank_holidays(first, last)
    number = 0
    day = first
    while day <= last:
        working = is_working_day(day, bank_holidays)
        number += working
        yield day.isoformat(), number, int(working)
        day += dt.timedelta(days=1)
