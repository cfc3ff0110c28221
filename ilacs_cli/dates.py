"""Reading the dates users type, and writing dates the way users read them."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from ilacs_cli.errors import IlacsError

_RELATIVE = re.compile(r"^\+\s*(\d+)\s*(working\s+days?|days?)$", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_MID_MONTH = re.compile(r"^mid[- ]\s*([a-z]+)\s+(\d{4})$", re.IGNORECASE)
_SEASON = re.compile(r"^(spring|summer|autumn)\s+(\d{4})$", re.IGNORECASE)
_SEASON_END = {"spring": (5, 31), "summer": (8, 31), "autumn": (11, 30)}
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})

EXAMPLES = "use 2024-10-31, 31/10/2024, 31 Oct 2024, today, +5 days or +10 working days"


@dataclass(frozen=True)
class DueDate:
    """A concrete date for sorting and reminders, and the words it was given in if vague."""

    day: dt.date
    wording: str | None = None


def parse_date(
    text: str,
    today: dt.date,
    add_working_days: Callable[[dt.date, int], dt.date] | None = None,
) -> dt.date:
    """Return the exact date `text` names; vague periods are refused."""
    due = parse_due(text, today, add_working_days)
    if due.wording is not None:
        raise IlacsError(f"'{text}' is a period, not a day: {EXAMPLES}", 2)
    return due.day


def parse_due(
    text: str,
    today: dt.date,
    add_working_days: Callable[[dt.date, int], dt.date] | None = None,
) -> DueDate:
    """Return the date `text` names; 'June 2025' is the month's last day, 'mid-June 2025' the 15th."""
    cleaned = " ".join(text.strip().split())
    if not cleaned:
        raise IlacsError(f"empty date: {EXAMPLES}", 2)
    lowered = cleaned.lower()
    if lowered == "today":
        return DueDate(today)
    if relative := _RELATIVE.match(cleaned):
        count = int(relative.group(1))
        if relative.group(2).lower().startswith("working"):
            if add_working_days is None:
                raise IlacsError("working days need the database's calendar here", 2)
            return DueDate(add_working_days(today, count))
        try:
            return DueDate(today + dt.timedelta(days=count))
        except OverflowError:
            raise IlacsError(f"'{text}' is beyond any date: {EXAMPLES}", 2) from None
    try:
        return DueDate(dt.date.fromisoformat(cleaned)) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned) else _parse_other(cleaned)
    except (ValueError, OverflowError):  # dateutil raises OverflowError for huge numbers
        raise IlacsError(f"'{text}' is not a real date: {EXAMPLES}", 2) from None


def _parse_other(cleaned: str) -> DueDate:
    if numeric := _DAY_MONTH_YEAR.match(cleaned):
        day, month, year = (int(part) for part in numeric.groups())
        return DueDate(dt.date(year, month, day))  # day first: 31/10/2024 is 31 October
    if mid := _MID_MONTH.match(cleaned):
        return DueDate(dt.date(int(mid.group(2)), _month(mid.group(1)), 15), cleaned)
    if season := _SEASON.match(cleaned):
        month, day = _SEASON_END[season.group(1).lower()]
        return DueDate(dt.date(int(season.group(2)), month, day), cleaned)
    words = cleaned.replace(",", " ").split()
    if len(words) == 2 and words[1].isdigit():  # "June 2019": the last day of the month
        year, month = int(words[1]), _month(words[0])
        return DueDate(dt.date(year, month, calendar.monthrange(year, month)[1]), cleaned)
    return DueDate(_parse_words(cleaned))


def _parse_words(cleaned: str) -> dt.date:
    from dateutil import parser  # only for the written-out forms

    # Parsing with two different defaults shows whether any part was left out.
    first = parser.parse(cleaned, dayfirst=True, default=dt.datetime(2001, 1, 1))
    second = parser.parse(cleaned, dayfirst=True, default=dt.datetime(2002, 2, 2))
    if first != second:
        raise ValueError("incomplete date")
    return first.date()


def _month(name: str) -> int:
    try:
        return _MONTHS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown month {name}") from None


# English names whatever the machine's locale; strftime's %-d (no leading zero) is glibc-only.
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.lru_cache(maxsize=4096)  # long lists repeat the same few hundred dates
def human(day: dt.date | str | None) -> str:
    """'Fri 17 May 2024', or 'unknown'."""
    if day is None:
        return "unknown"
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def today_in_england() -> dt.date:
    """Today's date in England, wherever the machine's clock is set (a server may run on UTC)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return dt.datetime.now(ZoneInfo("Europe/London")).date()
    except ZoneInfoNotFoundError:  # Windows has no time-zone database of its own: the tzdata package is it
        raise IlacsError("no time-zone data for Europe/London: install it with `pip install tzdata`") from None
