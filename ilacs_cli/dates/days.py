"""Reading the dates users type, and writing dates the way users read them."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from ilacs_cli.errors import IlacsError

_RELATIVE = re.compile(r"^\+\s*(\d+)\s*(working\s+days?|days?|weeks?)$", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
# Part of a month: early (the 7th, the end of its first week), mid (the 15th), late or end of (its last day).
_PART_OF_MONTH = re.compile(r"^(early|mid|late|end\s+of|end)[- ]\s*([a-z]+)\.?\s+(\d{4})$", re.IGNORECASE)
_SEASON = re.compile(r"^(spring|summer|autumn)\s+(\d{4})$", re.IGNORECASE)
_SEASON_END = {"spring": (5, 31), "summer": (8, 31), "autumn": (11, 30)}
# A quarter: `Q3 2025` of the calendar year (Jul-Sep), `Q3 2025/26` (or 2025-26) of the financial year (Oct-Dec 2025).
_QUARTER = re.compile(r"^q([1-4])\s+(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?$", re.IGNORECASE)
# A financial-year quarter as councils also write it: `Q3 25/26`, `Q3 FY25/26`, `FY25/26 Q3`, `2025-26 Q3`.
_QUARTER_FIRST = re.compile(r"^q([1-4])\s+(?:fy\s*)?(\d{2}|\d{4})\s*[/-]\s*(\d{2}|\d{4})$", re.IGNORECASE)
_YEAR_FIRST = re.compile(r"^(?:fy\s*)?(\d{2}|\d{4})\s*[/-]\s*(\d{2}|\d{4})\s+q([1-4])$", re.IGNORECASE)
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
_WEEKDAYS.update({name.lower(): number for number, name in enumerate(calendar.day_abbr)})
_WEEKDAYS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
_ONE_DAY = dt.timedelta(days=1)

# Every date typed or read from a file falls in these years: 31/12/9999 is a slip of the keyboard, and a day
# that far out broke the calendar of a whole database (issue 14). The working-day calendar covers 2000 to 2060.
FIRST_YEAR, LAST_YEAR = 2000, 2100

EXAMPLES = "use 2024-10-31, 31/10/2024, 31 Oct 2024, today, tomorrow, friday, +5 days or +10 working days"
# What a target date (--due) also takes: a period, kept in its words and given the day it ends by.
PERIOD_EXAMPLES = EXAMPLES.replace(" or +10", ", +10") + ", or a period: June 2025, end of June 2025, Q3 2025/26"


@dataclass(frozen=True)
class DueDate:
    """A concrete date for sorting and reminders, and the words it was given in if vague."""

    day: dt.date
    wording: str | None = None


def exact_day(text: str) -> dt.date | None:
    """The day an ISO (2024-10-31) or UK day-first (31/10/2024) date names; None for any other form, no real day or
    one outside FIRST_YEAR to LAST_YEAR."""
    cleaned = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            day = dt.date.fromisoformat(cleaned)
        elif numeric := _DAY_MONTH_YEAR.match(cleaned):
            day_of_month, month, year = (int(part) for part in numeric.groups())
            day = dt.date(year, month, day_of_month)
        else:
            return None
    except ValueError:
        return None  # parse_date says why
    return None if outside_years(day) else day


def parse_date(
    text: str,
    today: dt.date,
    add_working_days: Callable[[dt.date, int], dt.date] | None = None,
) -> dt.date:
    """Return the exact date `text` names; vague periods are refused."""
    due = parse_due(text, today, add_working_days, examples=EXAMPLES)
    if due.wording is not None:
        raise IlacsError(f"'{text}' is a period, not a day: {EXAMPLES}", 2)
    return due.day


def parse_due(
    text: str,
    today: dt.date,
    add_working_days: Callable[[dt.date, int], dt.date] | None = None,
    *,
    examples: str = PERIOD_EXAMPLES,
) -> DueDate:
    """Return the date `text` names (refusals end with `examples`, what the option takes). Periods keep their wording and are given the day they end by: 'June 2025',
    'end of June 2025' and 'late June 2025' the month's last day, 'mid-June 2025' the 15th, 'early June 2025' the
    7th, 'Q3 2025' 30 Sep (calendar quarter), 'Q3 2025/26' 31 Dec 2025 (financial year, April to March)."""
    cleaned = " ".join(text.strip().split())
    if not cleaned:
        raise IlacsError(f"empty date: {examples}", 2)
    due = _named(cleaned, text, today, add_working_days, examples)
    if problem := outside_years(due.day):
        raise OutsideYears(f"'{text}' {problem}", 2)
    return due


class OutsideYears(IlacsError):
    """A real day outside FIRST_YEAR to LAST_YEAR: a mistake to correct, never words to keep as a target."""


def outside_years(day: dt.date) -> str | None:
    """Why `day` is refused (as in "'31/12/9999' ..."), or None when it falls in FIRST_YEAR to LAST_YEAR."""
    if FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    return f"is {human(day)}, outside the years {FIRST_YEAR} to {LAST_YEAR} that ilacs takes: check the year"


def _named(cleaned: str, text: str, today: dt.date, add_working_days, examples: str) -> DueDate:
    """The date `cleaned` (`text` tidied) names, whatever its year."""
    lowered = cleaned.lower()
    if lowered in ("today", "tomorrow", "yesterday"):
        return DueDate(today + {"today": 0, "tomorrow": 1, "yesterday": -1}[lowered] * _ONE_DAY)
    if (weekday := _weekday(lowered, today)) is not None:
        return DueDate(weekday)
    if relative := _RELATIVE.match(cleaned):
        count, unit = int(relative.group(1)), relative.group(2).lower()
        if unit.startswith("working"):
            if add_working_days is None:
                raise IlacsError("working days need the database's calendar here", 2)
            return DueDate(add_working_days(today, count))
        try:
            return DueDate(today + dt.timedelta(days=count * (7 if unit.startswith("week") else 1)))
        except OverflowError:
            raise IlacsError(f"'{text}' is beyond any date: {examples}", 2) from None
    try:
        return (
            DueDate(dt.date.fromisoformat(cleaned))
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned)
            else _parse_other(cleaned)
        )
    except (ValueError, OverflowError):  # dateutil raises OverflowError for huge numbers
        if (year := _year_left_out(cleaned, today, ahead=examples != EXAMPLES)) is not None:
            raise IlacsError(f"'{text}' has no year: add it, e.g. '{cleaned} {year}'", 2) from None
        raise IlacsError(f"'{text}' is not a real date: {examples}", 2) from None


def _year_left_out(cleaned: str, today: dt.date, *, ahead: bool) -> int | None:
    """When `cleaned` names a day or period but for its year ('30 June', 'end of June'), the year of the next such
    (`ahead`: a target) or the latest past one (a day that happened, a day to report on); else None. The year is
    asked for rather than guessed: a plan's date is a commitment."""
    for year in (today.year, today.year + 1) if ahead else (today.year, today.year - 1):
        try:
            day = _parse_other(f"{cleaned} {year}").day
        except (ValueError, OverflowError):
            return None
        if (day >= today) if ahead else (day <= today):
            return year
    return None


def _parse_other(cleaned: str) -> DueDate:
    if numeric := _DAY_MONTH_YEAR.match(cleaned):
        day, month, year = (int(part) for part in numeric.groups())
        return DueDate(dt.date(year, month, day))  # day first: 31/10/2024 is 31 October
    if part := _PART_OF_MONTH.match(cleaned):
        year, month = int(part.group(3)), _month(part.group(2))
        day = {"early": 7, "mid": 15}.get(part.group(1).lower(), calendar.monthrange(year, month)[1])
        return DueDate(dt.date(year, month, day), cleaned)
    if season := _SEASON.match(cleaned):
        month, day = _SEASON_END[season.group(1).lower()]
        return DueDate(dt.date(int(season.group(2)), month, day), cleaned)
    if quarter := _QUARTER.match(cleaned):
        return DueDate(_quarter_end(int(quarter.group(1)), int(quarter.group(2)), quarter.group(3)), cleaned)
    if financial := _financial_quarter(cleaned):
        number, start, end = financial
        return DueDate(_quarter_end(number, int(start) + (2000 if len(start) == 2 else 0), end), cleaned)
    words = cleaned.replace(",", " ").split()
    if len(words) == 2 and words[1].isdigit():  # "June 2019", "Sept 2025": the last day of the month
        year, month = int(words[1]), _month(words[0].rstrip("."))
        return DueDate(dt.date(year, month, calendar.monthrange(year, month)[1]), cleaned)
    return DueDate(_parse_words(cleaned))


def _weekday(lowered: str, today: dt.date) -> dt.date | None:
    """`friday` (or `this friday`): the first Friday from today on, today if a Friday. `next friday`: the Friday of
    next week (weeks start on Monday), as in "a week on Friday"; at a weekend that is the coming Friday.
    `last friday`: the latest Friday before today. None if `lowered` is not one of these."""
    words = lowered.split()
    if (
        not 1 <= len(words) <= 2
        or words[-1] not in _WEEKDAYS
        or (len(words) == 2 and words[0] not in ("this", "next", "last"))
    ):
        return None
    wanted, which = _WEEKDAYS[words[-1]], words[0] if len(words) == 2 else "this"
    if which == "next":
        return today + dt.timedelta(days=7 - today.weekday() + wanted)
    if which == "last":
        return today - dt.timedelta(days=(today.weekday() - wanted - 1) % 7 + 1)
    return today + dt.timedelta(days=(wanted - today.weekday()) % 7)


def _financial_quarter(cleaned: str) -> tuple[int, str, str] | None:
    """(quarter, the year it starts as written, the year it ends as written) of `Q3 25/26` or `FY25/26 Q3`."""
    if found := _QUARTER_FIRST.match(cleaned):
        number, start, end = found.groups()
    elif found := _YEAR_FIRST.match(cleaned):
        start, end, number = found.groups()
    else:
        return None
    return int(number), start, end


def _quarter_end(quarter: int, year: int, financial: str | None) -> dt.date:
    """The last day of a calendar quarter (Q1 Jan-Mar), or with `financial` (2025/26: the year the financial year
    ends in) of a financial-year quarter (Q1 Apr-Jun 2025 ... Q4 Jan-Mar 2026)."""
    if financial is not None:
        if int(financial) != (year + 1 if len(financial) == 4 else (year + 1) % 100):
            raise ValueError("a financial year runs over two years, e.g. 2025/26")
        month, year = (quarter * 3 + 3, year) if quarter < 4 else (3, year + 1)
    else:
        month = quarter * 3
    return dt.date(year, month, calendar.monthrange(year, month)[1])


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


def human_time(time: str | None) -> str:
    """A stored time (with any offset; none means UTC) as England's clock read it: 'Wed 2 Dec 2026 15:13'."""
    if not time:
        return "unknown"
    time = in_england(time)
    return f"{human(time[:10])} {time[11:16]}"


def day_range(start: str | None, end: str | None) -> str:
    """'11-15 Dec 2023', '29 Apr-3 May 2024', '30 Dec 2024-3 Jan 2025' for ISO days; 'dates unknown'."""
    if not start or not end:
        known = start or end
        return f"{human(known)[4:]}" if known else "dates unknown"
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    close = f"{last.day} {_MONTH_NAMES[last.month - 1]} {last.year}"
    if first.year != last.year:
        return f"{first.day} {_MONTH_NAMES[first.month - 1]} {first.year}-{close}"
    if first.month != last.month:
        return f"{first.day} {_MONTH_NAMES[first.month - 1]}-{close}"
    return close if first == last else f"{first.day}-{close}"


def england() -> dt.tzinfo:
    """England's time zone (Europe/London: GMT in winter, BST in summer)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # Windows has no time-zone database of its own: the tzdata package is it
        raise IlacsError("no time-zone data for Europe/London: install it with `pip install tzdata`") from None


def today_in_england() -> dt.date:
    """Today's date in England, wherever the machine's clock is set (a server may run on UTC)."""
    return dt.datetime.now(england()).date()


def now_in_england() -> str:
    """Now in England, to the second, with its offset from UTC: how times are stored, so that a stored time's first
    ten characters are its day in England (`2026-07-01T00:30:00+01:00` is 1 July)."""
    return dt.datetime.now(england()).isoformat(timespec="seconds")


def in_england(time: str) -> str:
    """A stored time (UTC, or with any offset; none means UTC) as England's local time with its offset."""
    moment = dt.datetime.fromisoformat(time)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(england()).isoformat(timespec="seconds")
