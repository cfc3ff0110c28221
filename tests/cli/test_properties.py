"""Properties of the date forms users type and of working-day arithmetic, checked with hypothesis.

Working days are checked against a real seeded database (the calendar table the store does its SQL on) and,
independently, against the `holidays` package itself.
"""

import datetime as dt

import holidays
import pytest
from helpers.plans import copy_of
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ilacs_cli.dates.days import human, parse_date
from ilacs_cli.errors import IlacsError
from ilacs_cli.storage.store import Store

TODAY = dt.date(2024, 10, 17)
MAX_COUNT = 500
# 500 working days is under two years, so every start up to mid-2058 stays inside the 2000-2060 calendar.
FIRST_START, LAST_START = dt.date(2000, 1, 1), dt.date(2058, 6, 30)

# Hypothesis keeps no example database (it would write a .hypothesis folder into the repository); the autouse
# conftest fixture that points ILACS_CONFIG at a missing file is function-scoped but only sets variables.
PROPERTY = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

ENGLISH_HOLIDAYS = holidays.UK(subdiv="ENG", years=range(2000, 2062))


def is_english_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in ENGLISH_HOLIDAYS


def next_english_working_day(day: dt.date) -> dt.date:
    while not is_english_working_day(day):
        day += dt.timedelta(days=1)
    return day


@pytest.fixture(scope="module")
def store(seeded_template, tmp_path_factory):
    path = copy_of(seeded_template, tmp_path_factory.mktemp("properties"))
    opened = Store.open(path)
    yield opened
    opened.close()


# -- the date forms users type ------------------------------------------------------

days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2059, 12, 31))


@PROPERTY
@given(day=days)
def test_iso_day_first_and_human_dates_read_back_as_the_same_day(day):
    assert parse_date(day.isoformat(), TODAY) == day
    assert parse_date(day.strftime("%d/%m/%Y"), TODAY) == day  # day first: 31/10/2024 is 31 October
    assert parse_date(human(day), TODAY) == day


@PROPERTY
@given(day=st.integers(1, 31), month=st.integers(1, 12), year=st.integers(2000, 2059))
def test_day_first_numbers_are_that_day_or_refused(day, month, year):
    text = f"{day:02d}/{month:02d}/{year}"
    try:
        real = dt.date(year, month, day)
    except ValueError:
        with pytest.raises(IlacsError):
            parse_date(text, TODAY)
    else:
        assert parse_date(text, TODAY) == real


@pytest.mark.parametrize(
    "text",
    ["31/02/2024", "29/02/2023", "31/04/2024", "0000-00-00", "2024-02-30", "32/01/2024", "00/01/2024", "31 Feb 2024"],
)
def test_dates_that_do_not_exist_are_refused(text):
    with pytest.raises(IlacsError):
        parse_date(text, TODAY)


# Text that looks a little like dates reaches more of the parser than uniform random text does.
MONTH_WORDS = ["Jan", "February", "june", "Sept", "mid-June", "spring", "autumn", "today", "Fri", "Smarch"]
date_like = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A\+ ?[0-9]{1,25} ?(working )?days?\Z"),
    st.from_regex(r"\A[0-9]{1,25}[/.-][0-9]{1,25}[/.-][0-9]{1,25}\Z"),
    st.from_regex(r"\A[0-9]{1,4}-[0-9]{1,2}-[0-9]{1,2}\Z"),
    st.lists(
        st.one_of(st.sampled_from(MONTH_WORDS), st.integers(-(10**25), 10**25).map(str), st.text(max_size=5)),
        max_size=4,
    ).map(" ".join),
)


@pytest.mark.slow  # 300 examples from regex strategies: seconds, most of this file's time
@PROPERTY
@given(text=date_like)
def test_any_text_is_a_date_or_an_ilacs_error(store, text):
    """Never ValueError, OverflowError or anything else: the CLI turns only IlacsError into a one-line message."""
    try:
        result = parse_date(text, TODAY, store.calendar.add_working_days)
    except IlacsError:
        return
    assert isinstance(result, dt.date)


# -- working days against the stored calendar ---------------------------------------

starts = st.dates(min_value=FIRST_START, max_value=LAST_START)
counts = st.integers(0, MAX_COUNT)


@PROPERTY
@given(start=starts, count=counts)
def test_adding_working_days_lands_on_an_english_working_day_that_many_days_on(store, start, count):
    """For every start s and n >= 0, r = add_working_days(s, n) is a weekday that is not an England-and-Wales bank
    holiday. For n >= 1: r > s and exactly n working days lie in (s, r] (counted by the store and, independently,
    with the holidays package). For n == 0 (day zero): r == s when s is a working day; otherwise r is the last
    working day before s (no working day lies in (r, s]) and working_days_between(s, r) == 0."""
    assume(count > 0 or start >= dt.date(2000, 1, 4))  # no working day before 2000-01-04 to be day zero of
    result = store.calendar.add_working_days(start, count)
    assert is_english_working_day(result), result
    independent = sum(
        is_english_working_day(start + dt.timedelta(days=offset)) for offset in range(1, (result - start).days + 1)
    )
    if count > 0:
        assert result > start
        assert store.calendar.working_days_between(start, result) == count
        assert independent == count
    elif is_english_working_day(start):
        assert result == start
    else:
        assert result < start
        assert not any(
            is_english_working_day(result + dt.timedelta(days=offset)) for offset in range(1, (start - result).days + 1)
        )
        assert store.calendar.working_days_between(start, result) == 0


@PROPERTY
@given(start=starts, first=counts, second=counts)
def test_more_working_days_never_land_earlier(store, start, first, second):
    """a <= b implies add(s, a) <= add(s, b); and 1 <= a < b implies add(s, a) < add(s, b)."""
    low, high = sorted((first, second))
    assume(low > 0 or start >= dt.date(2000, 1, 4))
    early, late = store.calendar.add_working_days(start, low), store.calendar.add_working_days(start, high)
    assert early <= late
    if 1 <= low < high:
        assert early < late


# Two steps of up to 500 working days each is under four years: starts up to 2056 stay inside the calendar.
two_step_starts = st.dates(min_value=FIRST_START, max_value=dt.date(2056, 6, 30))


@PROPERTY
@given(start=two_step_starts.map(next_english_working_day), first=counts, second=counts)
def test_adding_in_two_steps_is_adding_the_sum_from_a_working_day(store, start, first, second):
    """For a working day s (per the holidays package): add(add(s, a), b) == add(s, a + b)."""
    assert is_english_working_day(start)
    assert store.calendar.add_working_days(
        store.calendar.add_working_days(start, first), second
    ) == store.calendar.add_working_days(start, first + second)


@PROPERTY
@given(start=starts, count=counts)
def test_the_stored_calendar_numbers_agree_with_the_holidays_package(store, start, count):
    """day_number(b) - day_number(a) is the number of English working days in (a, b]."""
    end = start + dt.timedelta(days=count)
    expected = sum(is_english_working_day(start + dt.timedelta(days=offset)) for offset in range(1, count + 1))
    assert store.calendar.day_number(end) - store.calendar.day_number(start) == expected
    assert store.calendar.working_days_between(start, end) == expected
