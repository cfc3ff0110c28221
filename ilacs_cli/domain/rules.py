"""The vocabulary of an action plan and the rules every output follows, each defined once.

Statuses, grades and their words; what "overdue" and "due within N working days" mean; the rating rule (BRAG or RAG).
Every command, export, report, reminder and calendar event asks this module; none re-derives a rule.
Dates are compared as ISO text (how the store keeps them). Never prints, never touches the database:
working-day arithmetic comes from a `Calendar` (the store) handed in.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import NamedTuple, Protocol

from ilacs_cli.errors import IlacsError, quoted
from ilacs_cli.storage.windows import DueWindow  # the rules below build windows; the store applies them

# -- vocabulary ---------------------------------------------------------------------

# The statuses users record (update --status, add-action, import, a seed file).
STATUSES = ("not-started", "in-progress", "blocked", "done", "cancelled")
OPEN_STATUSES = ("not-started", "in-progress", "blocked")
CLOSED_STATUSES = ("done", "cancelled")
# What the source document does not say (issue 18): an action's status, a deadline's outcome. Unknown is neither
# open nor closed, so never overdue, never due soon, never red, amber or green: counted apart as "not stated".
# Only a seed file's action or deadline taken from a listed document may hold it; `update` and `done` replace it.
UNKNOWN = "unknown"
MACHINE_NOTES = ("action added",)  # notes ilacs writes itself: never shown as an owner's words
HELD_STATUSES = (*STATUSES, UNKNOWN)  # every status an action may hold
# What a status filter (`actions --status open`) may name besides one status.
STATUS_GROUPS = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES, UNKNOWN: (UNKNOWN,)}
STATUS_NAMES = {
    "not-started": "Not started",
    "in-progress": "In progress",
    "blocked": "Blocked",
    "done": "Done",
    "cancelled": "Cancelled",
    UNKNOWN: "Not stated",
}

DEADLINE_STATUSES = ("open", "met", "missed")
HELD_DEADLINE_STATUSES = (*DEADLINE_STATUSES, UNKNOWN)
OPEN_DEADLINE_STATUSES = ("open",)
DEADLINE_STATUS_NAMES = {UNKNOWN: "outcome not recorded"}

GRADES = ("outstanding", "good", "requires-improvement", "inadequate", "not-applicable")
GRADE_NAMES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires-improvement": "Requires improvement to be good",
    "inadequate": "Inadequate",
    "not-applicable": "N/A",
}
# The judgements Ofsted gives, in the order its reports list them.
JUDGEMENT_NAMES = {
    "leadership": "The impact of leaders on social work practice with children and families",
    "help-and-protection": "The experiences and progress of children who need help and protection",
    "children-in-care": "The experiences and progress of children in care",
    "care-leavers": "The experiences and progress of care leavers",
    "children-in-care-and-care-leavers": "The experiences and progress of children in care and care leavers",
    "overall": "Overall effectiveness",
}
KINDS = ("standard", "short", "focused-visit", "monitoring-visit", "jtai")
KIND_NAMES = {
    "standard": "Standard inspection",
    "short": "Short inspection",
    "focused-visit": "Focused visit",
    "monitoring-visit": "Monitoring visit",
    "jtai": "Joint targeted area inspection",
}

# What a deadline's rule counts from (rule_after), and in what days. "received" is the day the council received the
# report, which the 2007 regulations count from; "published" its publication (framework/ilacs.toml, issue 28).
RULE_EVENTS = ("published", "fieldwork_end", "received")
RULE_UNITS = ("working-days", "calendar-days")

# Where a status update came from.
ORIGINS = ("seed", "import", "command", "undo")

# -- how much a file may bring in ----------------------------------------------------------
# Hostile or damaged files (issue 14) brought in a 419-million-character title and a million rows. Real plans are
# far inside these: the five examples' longest text is 182 characters, and a council's plan has hundreds
# of actions, not tens of thousands.

TEXT_LIMIT = 5_000  # characters in one title, note, measure or other text, from a spreadsheet cell or a seed file
IMPORT_ROWS_LIMIT = 50_000  # rows (not counting blank ones) in one imported CSV file or sheet
SETTINGS_BYTES_LIMIT = 1_000_000  # bytes of a config, secret or password file: each is a few lines
FILE_BYTES_LIMIT = 50_000_000  # bytes of a CSV file, or of a workbook once unpacked (what openpyxl would parse)
AREA_NUMBER_LIMIT = 99  # areas for improvement are numbered 1 to this
RULE_DAYS_LIMIT = 2_000  # a deadline's rule counts at most this many days after its event


# The one gate for text that enters a plan, from the command line, a spreadsheet, a seed file or a restore: what
# ilacs accepts it can show in a terminal and write into a workbook, a Word paper and a CSV file that imports back.
# Tab and line breaks are text in a note or a measure; any other control character (ESC, BEL, NUL, backspace...),
# a lone surrogate, or U+FFFE/U+FFFF is not (XML, and so Excel and Word, cannot hold them).
_LINE_BREAKS = "\n\r\t"
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def text_problem(text: str, *, one_line: bool = False, limit: int | None = TEXT_LIMIT) -> str | None:
    """Why `text` cannot be a field's value (naming the fix), or None when it can: longer than `limit` (None: any
    length), or holding a control character (or, for a `one_line` field such as a title or a name, a line break)."""
    if limit is not None and len(text) > limit:
        return f"is {len(text):,} characters long: a field holds at most {limit:,}; shorten it"
    if text.isprintable():  # nearly every text: one quick test
        return None
    if found := (_NOT_ONE_LINE if one_line else _NOT_TEXT).search(text):
        char = found.group()
        if one_line and char in _LINE_BREAKS + "\u2028\u2029":
            return "holds a line break: give it on one line"
        return f"holds a control character (U+{ord(char):04X}, character {found.start() + 1:,}): remove it"
    return None


def check_text(value: str, what: str, *, one_line: bool = False, limit: int = TEXT_LIMIT) -> str:
    """`value` if it can be a field's value (see text_problem), else a user error naming `what` and quoting at most
    its first 80 characters."""
    if why := text_problem(value, one_line=one_line, limit=limit):
        raise IlacsError(f"the {what} '{quoted(value)}' {why}", 2)
    return value


# -- the rating rule's numbers (issue 28) ---------------------------------------------------
# Councils rate actions BRAG (Blue complete, so done is not counted as merely on track) or plain RAG (done is green).
# A council chooses the scheme and the two numbers in its config file ([ratings]); these are the defaults.

SCHEMES = ("brag", "rag")
DEFAULT_SCHEME = "brag"
AMBER_WORKING_DAYS = 10  # due within this many working days: amber
STALE_DAYS = 30  # under way (in progress) with no status update for this many days: amber
RATING_KEYS = ("scheme", "due_soon_working_days", "stale_days")  # the keys of [ratings]
# The whole numbers [ratings] may give: (unit, least, most, default).
RATING_NUMBERS = {
    "due_soon_working_days": ("working days", 0, 250, AMBER_WORKING_DAYS),
    "stale_days": ("days", 1, 366, STALE_DAYS),
}
RAGS = ("red", "amber", "green", "blue")
NOT_RATED = ""  # the RAG of a cancelled action: counted apart, never green
NOT_STATED = "not stated"  # the RAG of an action whose status is unknown: counted apart, never rated
RAG_WORDS = {
    "red": "Red",
    "amber": "Amber",
    "green": "Green",
    "blue": "Blue",
    NOT_RATED: "Not rated",
    NOT_STATED: "Not stated",
}


class RatingSettings(NamedTuple):
    """The scheme and the numbers a council rates its actions by ([ratings] in config.toml)."""

    scheme: str = DEFAULT_SCHEME
    due_soon_working_days: int = AMBER_WORKING_DAYS
    stale_days: int = STALE_DAYS

    @property
    def words(self) -> tuple[str, ...]:
        """The ratings this scheme gives, worst first: red, amber, green (and blue for BRAG)."""
        return RAGS if self.scheme == "brag" else RAGS[:3]

    def meanings(self) -> list[tuple[str, str]]:
        """Each rating's word and what it means, worst last (as a key reads)."""
        due, stale = self.due_soon_working_days, self.stale_days
        amber = f"due within {due} working {'day' if due == 1 else 'days'}, or under way with no update for {stale} "
        amber += "day" if stale == 1 else "days"
        return [
            *([("blue", "done")] if self.scheme == "brag" else []),
            ("green", "on track" if self.scheme == "brag" else "on track or done"),
            ("amber", amber),
            ("red", "overdue or blocked"),
        ]

    @property
    def key(self) -> str:
        """The key every output that shows ratings prints: 'Key: Blue done; Green on track; ...'."""
        words = "; ".join(f"{RAG_WORDS[word]} {meaning}" for word, meaning in self.meanings())
        return f"Key: {words}; cancelled: not rated"


def rating_settings(section: object, where: str) -> RatingSettings:
    """The [ratings] section of the config file `where`, checked: each key known and its value in range; absent
    keys take the defaults. A bad value is a user error (exit 2) naming the file, the setting and the fix."""
    if section is None:
        return RatingSettings()
    if not isinstance(section, dict):
        raise IlacsError(f"{where}: ratings must be a section: write [ratings] on a line of its own", 2)
    if unknown := sorted(set(section) - set(RATING_KEYS)):
        raise IlacsError(f"{where}: unknown key [ratings] {unknown[0]}: known keys are {', '.join(RATING_KEYS)}", 2)
    scheme = section.get("scheme", DEFAULT_SCHEME)
    if not isinstance(scheme, str) or scheme.strip().lower() not in SCHEMES:
        shown = quoted(str(scheme))
        raise IlacsError(f'{where}: [ratings] scheme "{shown}" is not brag or rag: write scheme = "brag" or "rag"', 2)
    numbers: list[int] = []
    for key, (unit, least, most, default) in RATING_NUMBERS.items():
        value = section.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
            raise IlacsError(
                f"{where}: [ratings] {key} = {quoted(str(value))} is not a whole number of {unit} from {least} to "
                f"{most}: write e.g. {key} = {default}",
                2,
            )
        numbers.append(value)
    return RatingSettings(scheme.strip().lower(), *numbers)


class Calendar(Protocol):
    """The English working-day calendar (kept by the store)."""

    def add_working_days(self, start: dt.date, count: int) -> dt.date: ...


def is_open(status: str) -> bool:
    """True for an action still to be done (not started, in progress or blocked)."""
    return status in OPEN_STATUSES


def check_status(status: str, *, groups: bool = False) -> str:
    """`status` as ilacs writes it if it is one of STATUSES (or, with `groups`, of STATUS_GROUPS), in any case and
    with spaces or underscores for hyphens (`Done`, `In progress`); else a user error listing them."""
    status = "-".join(status.strip().lower().replace("_", " ").replace("-", " ").split())
    if status == UNKNOWN and not groups:
        raise IlacsError(
            f"status '{UNKNOWN}' is kept for what a source document does not say: record what you "
            f"know, one of {', '.join(STATUSES)}",
            2,
        )
    if status not in STATUSES and not (groups and status in STATUS_GROUPS):
        also = f", or {' or '.join(STATUS_GROUPS)} for all of a group" if groups else ""
        raise IlacsError(f"unknown status '{status}': use one of {', '.join(STATUSES)}{also}", 2)
    return status


def statuses_named(names: Iterable[str]) -> tuple[str, ...]:
    """The statuses a filter's `names` ask for (each a status, or `open`, `closed` or `unknown`), once each, in
    HELD_STATUSES order."""
    wanted: set[str] = set()
    for name in names:
        named = check_status(name, groups=True)
        wanted.update(STATUS_GROUPS.get(named, (named,)))
    return tuple(status for status in HELD_STATUSES if status in wanted)


def grade_name(grade: str | None) -> str:
    return GRADE_NAMES.get(grade, "unknown") if grade else "unknown"


def status_name(status: str) -> str:
    """'In progress' for in-progress, 'Not stated' for unknown: a status as a paper or a workbook says it."""
    return STATUS_NAMES.get(status, status)


def status_shown(status: str) -> str:
    """An action's status as a table shows it: as recorded, but 'not stated' for unknown."""
    return "not stated" if status == UNKNOWN else status


def deadline_status_name(status: str) -> str:
    """A deadline's status as tables show it: open, met, missed, or 'outcome not recorded'."""
    return DEADLINE_STATUS_NAMES.get(status, status)


def kind_name(kind: str | None) -> str:
    """'Short inspection' for short; 'Inspection' when the kind is not known."""
    return KIND_NAMES.get(kind, "Inspection") if kind else "Inspection"


def author_name(author: str | None) -> str:
    """Who recorded an update, as a paper says it: a seed file's name ('seed: 004_a2a4.txt') is the council's
    published report the seed was taken from, not a person."""
    if author and author.startswith("seed: "):
        return "from the council's report"
    return author or ""


# -- due dates -------------------------------------------------------------------------

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def stated_due(wording: str | None, due: str | None, due_in_words: str | None) -> str | None:
    """How a date taken from a document's words is shown beside it: 'stated date' when the words give the day
    itself ('by 17 May 2024'); for a period, "stated as 'in June' (taken as Sun 30 Jun 2019)": a month is taken
    as its last day, mid-month as the 15th, a season as its last day as the Met Office counts them (spring ends
    31 May, summer 31 August, autumn 30 November, winter the last day of February; docs/dates.md)."""
    if due is None:
        return f"stated as '{wording}'" if wording else None
    day = dt.date.fromisoformat(due)
    if wording is None or re.search(rf"\b{day.day}(st|nd|rd|th)?\s+{MONTHS[day.month - 1]}\b", wording):
        return "stated date"
    return f"stated as '{wording}' (taken as {due_in_words})"


def percent(part: int, whole: int) -> int | None:
    """`part` of `whole` as a whole percentage rounded as people round (half up: 1 of 8 is 13%); None of nothing."""
    if not whole:
        return None
    return (200 * part + whole) // (2 * whole)


def done_in_words(done: int, total: int, not_stated: int, cancelled: int = 0) -> str:
    """'9 of 13 with a stated status done (69%); 11 not stated': what a percentage counts, said with it (of the
    actions not cancelled; the cancelled are the caller's to mention)."""
    counted = total - cancelled - not_stated
    if total == 0:
        return "no actions"
    shown = percent(done, counted)
    if not_stated:
        text = f"{done} of {counted} with a stated status done" + (f" ({shown}%)" if shown is not None else "")
        text += f"; {not_stated} not stated"
    else:
        text = f"{done} of {counted} done" + (f" ({shown}%)" if shown is not None else "")
    return text


def due_shown(
    due: str | None,
    planned_due: str | None,
    revised_due: str | None,
    approved_by: str | None,
    dates: Callable[[str], str],
    unknown: str = "—",
    wording: str | None = None,
) -> str:
    """An item's due date as tables and papers say it: 'Fri 17 May 2024'; when re-scheduled, with the date
    planned first: 'Fri 17 May 2024, revised to Thu 20 Jun 2024, approved by A Director' (days as `dates`
    writes them), `wording` (the date as a document or a user wrote it) after the planned date. `due` is the date
    lateness counts against (the revised one: storage/sql.py effective_due)."""
    words = f" ({wording})" if wording else ""
    if revised_due is None:
        return (dates(due) if due else unknown) + words
    first = (dates(planned_due) if planned_due else "date unknown") + words
    return f"{first}, revised to {dates(revised_due)}" + (f", approved by {approved_by}" if approved_by else "")


def overdue(as_of: dt.date, statuses: tuple[str, ...] = OPEN_STATUSES) -> DueWindow:
    """Overdue: still open, and due before `as_of` (an item due on `as_of` itself is not late yet)."""
    return DueWindow(statuses, None, as_of)


def overdue_deadlines(as_of: dt.date) -> DueWindow:
    """A deadline is overdue when it is still open and its date is before `as_of`."""
    return overdue(as_of, OPEN_DEADLINE_STATUSES)


def _window_end(as_of: dt.date, within: int, calendar: Calendar) -> dt.date:
    """The first day beyond "within N working days of `as_of`": the working day after the Nth.

    So a Saturday or bank holiday right after the Nth working day is still within it: an action due on
    Saturday 19 October has 10 working days left on Friday 4 October 2024, as it has on Friday 18th's eve.
    """
    if within < 0:
        raise IlacsError(f"--within {within}: give a number of working days, 0 or more", 2)
    return calendar.add_working_days(as_of, within + 1)


def due_soon(as_of: dt.date, within: int, calendar: Calendar, statuses: tuple[str, ...] = OPEN_STATUSES) -> DueWindow:
    """Due soon: still open, not overdue, and no more than `within` working days left."""
    return DueWindow(statuses, as_of, _window_end(as_of, within, calendar))


def due_by(as_of: dt.date, within: int, calendar: Calendar, statuses: tuple[str, ...] = OPEN_STATUSES) -> DueWindow:
    """Overdue or due soon: what a reminder for `as_of` is about."""
    return DueWindow(statuses, None, _window_end(as_of, within, calendar))


def working_days_late(due_number: int, as_of_number: int) -> int:
    """Working days from the due date to `as_of` (calendar numbers count working days up to each day)."""
    return as_of_number - due_number


# -- RAG ----------------------------------------------------------------------------


class RagRule(NamedTuple):
    """The rating rule as of one day under one council's settings; build it once with `rag_rule` and rate every
    action with `rate`, so that every output of one command counts alike."""

    overdue: DueWindow
    due_soon: DueWindow
    stale_before: str  # ISO date: an action under way whose latest update is earlier is amber
    settings: RatingSettings = RatingSettings()

    @property
    def key(self) -> str:
        return self.settings.key

    @property
    def scheme(self) -> str:
        return self.settings.scheme

    def rate(self, status: str, due: str | None, updated_at: str | None) -> str:
        """'blue' (BRAG) or 'green' (RAG) for done; 'red', 'amber' or 'green' for an open action (the key);
        NOT_RATED for a cancelled action, NOT_STATED for one whose status is unknown.

        No update for the staleness days makes amber only an action under way (in progress): a not-started action
        due months away is on track until it comes within the due-soon window."""
        if status == UNKNOWN:
            return NOT_STATED
        if status == "cancelled":
            return NOT_RATED
        if status == "done":
            return "blue" if self.settings.scheme == "brag" else "green"
        if status == "blocked" or self.overdue.matches(status, due):
            return "red"
        if self.due_soon.matches(status, due):
            return "amber"
        if status == "in-progress" and (updated_at is None or updated_at[:10] < self.stale_before):
            return "amber"
        return "green"

    def counts(self, rags: Iterable[str]) -> dict[str, int]:
        return rag_counts(list(rags), self.settings)


def rag_rule(as_of: dt.date, calendar: Calendar, settings: RatingSettings | None = None) -> RagRule:
    settings = settings or RatingSettings()
    return RagRule(
        overdue(as_of),
        due_soon(as_of, settings.due_soon_working_days, calendar),
        (as_of - dt.timedelta(days=settings.stale_days)).isoformat(),
        settings,
    )


def rag_counts(rags: list[str], settings: RatingSettings | None = None) -> dict[str, int]:
    """How many actions have each rating of the scheme, worst first (red, amber, green, and blue under BRAG, where
    done is blue; under RAG done is green), how many are not rated (cancelled), and how many have no stated
    status."""
    return {
        **{rag: rags.count(rag) for rag in (settings or RatingSettings()).words},
        "not rated": rags.count(NOT_RATED),
        NOT_STATED: rags.count(NOT_STATED),
    }


# -- measures of success (issue 28) ---------------------------------------------------------
# A measure is rated by its latest reading's distance to its target, with its polarity and tolerance. Numbers are
# compared as the decimals users typed (Decimal of the stored float's shortest form), so an edge is exact:
# 0.3 - 0.1 is 0.2, not 0.19999999999999998.

POLARITIES = ("higher", "lower")  # which way is better
ON_TARGET = "on target"
WITHIN_TOLERANCE = "within tolerance"
OFF_TARGET = "off target"
NO_READING = "no reading"
MEASURE_RATINGS = (ON_TARGET, WITHIN_TOLERANCE, OFF_TARGET, NO_READING)
IMPROVING, WORSENING, NO_CHANGE = "improving", "worsening", "no change"
MEASURE_DESCRIPTION = (
    "on target: the latest reading reaches the target (higher or lower, as the measure says is better); within "
    "tolerance: short of it by no more than the tolerance; off target: short by more; no reading: none yet."
)


@functools.lru_cache(
    maxsize=65_536, typed=True
)  # a national listing rates thousands of measures on far fewer distinct values
def exact(value: float | int | str) -> Decimal:
    """A number as the decimal it was typed as (a stored float's shortest form)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def to_go(latest: float, target: float, better: str) -> Decimal:
    """How far the latest reading still has to go to reach the target, in the measure's unit: positive while short
    of it, 0 on it, negative beyond it (whichever the polarity)."""
    gap = exact(target) - exact(latest)
    return gap if better == "higher" else -gap


def rate_measure(latest: float | None, target: float, better: str, tolerance: float) -> str:
    """ON_TARGET, WITHIN_TOLERANCE, OFF_TARGET or NO_READING (MEASURE_DESCRIPTION). Higher is better: on target
    when latest >= target, within tolerance when target - tolerance <= latest < target; lower mirrors it."""
    return NO_READING if latest is None else rate_gap(to_go(latest, target, better), tolerance)


def rate_gap(short: Decimal, tolerance: float) -> str:
    """The rating of a reading `short` of its target by this much (to_go): see rate_measure."""
    if short <= 0:
        return ON_TARGET
    if short <= exact(tolerance):
        return WITHIN_TOLERANCE
    return OFF_TARGET


def direction(previous: float | None, latest: float | None, better: str) -> str | None:
    """IMPROVING, WORSENING or NO_CHANGE since the previous reading, by the measure's polarity; None without two."""
    if previous is None or latest is None:
        return None
    change = exact(latest) - exact(previous)
    if change == 0:
        return NO_CHANGE
    return IMPROVING if (change > 0) == (better == "higher") else WORSENING


def check_polarity(better: str) -> str:
    """`better` as stored (higher or lower), in any case; else a user error."""
    chosen = better.strip().lower()
    if chosen not in POLARITIES:
        raise IlacsError(f"--better '{better}': say which way is better, higher or lower", 2)
    return chosen


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
NUMBER_LIMIT = 10**12  # a measure's values: counts, rates, percentages, days; never this large


def parse_number(text: str, what: str, *, unit: str | None = None, code: int = 2) -> float:
    """A value as users type it: digits with '.' for decimals (12.5), an optional sign, and a trailing '%' when the
    unit is %; no thousands separators or decimal commas (12,5 is refused, not guessed)."""
    cleaned = text.strip()
    if unit is not None and unit.strip() == "%" and cleaned.endswith("%"):
        cleaned = cleaned[:-1].rstrip()
    if not _NUMBER.fullmatch(cleaned):
        shown = quoted(text) if text.strip() else "empty"
        percent = " ('%' only when the unit is %)" if cleaned.endswith("%") else ""
        raise IlacsError(
            f"{what} '{shown}' is not a number{percent}: give digits with '.' for decimals, e.g. 12.5", code
        )
    value = float(cleaned)
    if abs(value) >= NUMBER_LIMIT:
        raise IlacsError(f"{what} {cleaned} is too large for a measure: check it", code)
    return value
