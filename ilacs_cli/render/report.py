"""The progress paper on one action plan, as Markdown, one self-contained HTML page (inline CSS, SVG, print CSS)
or a Word document.

`sections` lays the paper out once (headings, paragraphs, tables); each form renders that layout. Depends only on
the report dataclasses; every user-supplied string is escaped for the form it goes into.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import textwrap
from dataclasses import dataclass, field

from ilacs_cli.dates.days import day_range, human
from ilacs_cli.domain.history import update_in_words
from ilacs_cli.domain.reports import (
    AreaProgress,
    DeadlineOutcome,
    LateItem,
    MeasureTrend,
    Progress,
    Report,
    UpdateLine,
    words_of_owner,
)
from ilacs_cli.domain.rules import (
    JUDGEMENT_NAMES,
    NOT_RATED,
    NOT_STATED,
    RAG_WORDS,
    STATUS_NAMES,
    author_name,
    done_in_words,
    due_shown,
    grade_name,
    kind_name,
    status_name,
)
from ilacs_cli.render.reminders import escape_markdown

# Chart order, with the Markdown bar character and the HTML colour of each status. Every fill is at least 3:1 against
# the white page (WCAG 1.4.11; 4.56:1 the least, not started's grey), and neighbouring segments are drawn apart by a
# white gap (SEGMENT_GAP), so no two statuses are told apart by colour alone.
SEGMENTS = [
    ("done", "#", "#00703c"),
    ("in-progress", "+", "#1d70b8"),
    ("blocked", "!", "#d4351c"),
    ("not-started", ".", "#6f777b"),
    ("cancelled", "x", "#b58840"),
]
SEGMENT_GAP = 3  # chart units (about 3 pixels on screen) of white between two segments of a bar
TEXT_BAR_WIDTH = 20
LATE_HEADERS = ["Owner", "Ref", "Action", "Area", "Due", "Working days late", "Status", "Latest update"]
UPDATE_HEADERS = ["Day", "Action or deadline", "Change", "In their words"]
SUMMARY_PLACEHOLDER = "Summary and recommendations: to be written by the report's author."
PROGRESS_HEADERS = [
    "Area",
    "Not started",
    "In progress",
    "Blocked",
    "Done",
    "Cancelled",
    "Not stated",
    "% done",
    "Overdue",
]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    # How a column is shown, by index: "num" (right-aligned), "rag" (filled by its word), "status" (never wrapped),
    # "late" (red).
    classes: dict[int, str] = field(default_factory=dict)
    caption: str = ""  # what the table holds, for assistive technology (HTML caption, Word's table title)
    row_header: int | None = None  # the column whose cell names its row (a title, not an id), if one does


@dataclass
class Chart:
    """Progress by area, drawn as an SVG chart (HTML) or text bars (Markdown, Word)."""


@dataclass
class Trend:
    """One measure's readings, drawn as an SVG line against its target (HTML), and given by its figures (all)."""

    trend: MeasureTrend


@dataclass
class Section:
    heading: str
    parts: list  # str (a paragraph), list[str] (a list), Table or Chart, in order
    page_one: bool = False  # part of the position on page one (the detail starts on a new page)


def _day(iso: str | None) -> str:
    return human(iso[:10]) if iso else "unknown"


def _counts(progress: Progress) -> dict[str, int]:
    return {
        "done": progress.done,
        "in-progress": progress.in_progress,
        "blocked": progress.blocked,
        "not-started": progress.not_started,
        "cancelled": progress.cancelled,
    }


def _area_label(area: AreaProgress | int | None) -> str:
    number = area.area if isinstance(area, AreaProgress) else area
    return f"Area {number}" if number is not None else "No area"


def _done_text(progress: Progress) -> str:
    """'2 of 4 done (50%); 1 overdue', '9 of 13 with a stated status done (69%); 11 not stated'."""
    text = done_in_words(progress.done, progress.total, progress.not_stated, progress.cancelled)
    late = f", {progress.overdue} overdue" if progress.overdue else ""
    return text + late + (f", {progress.cancelled} cancelled" if progress.cancelled else "")


def area_in_words(area: AreaProgress) -> str:
    """The figures of one area's bar, as a sentence read aloud: 'Area 2: 2 of 4 done (50%), 1 overdue; not done:
    1 in progress, 1 blocked.'"""
    counts = _counts(area.progress)
    rest = [
        f"{counts[status]} {STATUS_NAMES[status].lower()}"
        for status in ("in-progress", "blocked", "not-started")
        if counts[status]
    ]
    return f"{_area_label(area)}: {_done_text(area.progress)}" + (f"; not done: {', '.join(rest)}." if rest else ".")


def title(report: Report) -> str:
    """'Action plan progress: East Sussex County Council'."""
    return f"Action plan progress: {report.authority or 'authority unknown'}"


def facts(report: Report) -> str:
    """The line under the title: 'Short inspection, 11-15 Dec 2023; report published Tue 6 Feb 2024. Figures as
    of Wed 10 Jan 2024.'"""
    published = f"report published {_day(report.published)}" if report.published else "publication date not recorded"
    return (
        f"{kind_name(report.kind)}, {day_range(report.fieldwork_start, report.fieldwork_end)}; {published}. "
        f"Figures as of {_day(report.as_of)}."
    )


def outcome(item: DeadlineOutcome) -> str:
    """'met on time (Wed 24 Apr 2024)', 'overdue: 5 working days late', 'open: 12 working days left'."""
    days = item.working_days
    plural = "" if days == 1 else "s"
    if item.outcome == "met on time":
        return f"met on time ({_day(item.deadline.met_on)})"
    if item.outcome == "met late":
        return f"met late ({_day(item.deadline.met_on)}, {days} working day{plural} late)"
    if item.outcome == "overdue":
        return f"overdue: {days} working day{plural} late"
    if item.outcome == "open":
        return "open: due today" if days == 0 else f"open: {days} working day{plural} left"
    return item.outcome


def _due(due: str | None, wording: str | None, item=None) -> str:
    """A date with its words; for a re-scheduled `item` (a PlanRow or Deadline), 'Fri 17 May 2024, revised to Thu
    20 Jun 2024, approved by ...'."""
    if item is not None and item.revised_due:
        return due_shown(due, item.planned_due, item.revised_due, item.approved_by, _day, wording=wording)
    return _day(due) + (f" ({wording})" if wording else "")


def _refs(report: Report) -> dict[str, str]:
    """Action ids (as text) to the refs members know them by (the id when an action has no ref)."""
    return {str(r.action_id): r.ref or str(r.action_id) for r in report.plan}


def _rescheduled_cells(report: Report) -> list[list[str]]:
    refs = _refs(report)
    return [
        [
            refs.get(item.id, item.id) if item.kind == "action" else item.id,
            item.title,
            _day(item.planned_due),
            _day(item.revised_due),
            item.approved_by or "",
            _day(item.revised_on),
            item.reason or "",
        ]
        for item in report.rescheduled
    ]


def _rescheduled_section(report: Report) -> list:
    """How many items were re-scheduled with approval, and each with its dates, approver and reason."""
    actions = sum(item.kind == "action" for item in report.rescheduled)
    deadlines = len(report.rescheduled) - actions
    counted = " and ".join(
        f"{number} {kind}{'' if number == 1 else 's'}"
        for number, kind in ((actions, "action"), (deadlines, "deadline"))
        if number
    )
    return [
        f"{counted} re-scheduled with approval; lateness counts against the revised date.",
        Table(
            ["Ref", "Item", "Planned date", "Revised to", "Approved by", "Approved on", "Reason"],
            _rescheduled_cells(report),
            {},
            "Actions and deadlines re-scheduled, with approval",
            1,
        ),
    ]


def _latest(row) -> str:
    """'Tue 9 Jan 2024: Draft with legal': the day the latest update describes and its words (who typed it is in
    the history); an update taken from the council's report says so, and which report."""
    if row.latest_update_on is None:
        return ""
    by = author_name(row.latest_update_by)
    note = words_of_owner(row.latest_update_note)
    if row.latest_update_by and by != row.latest_update_by:
        return f"{by[0].upper()}{by[1:]}" + (f": {note}" if note else "")
    return _day(row.latest_update_on) + (f": {note}" if note else "")


def _rag_table(report: Report) -> Table:
    """The plan with each action's rating (BRAG or RAG, as the council chose; its word in the cell, never colour
    alone): a Ref column only when some action has a reference, beside ilacs's own id."""
    headers = [
        "Ref",
        "Area",
        "Action",
        "Lead officer",
        "Target date",
        "Latest update",
        "Status",
        report.scheme.upper(),
    ]
    rows = [
        [
            r.ref or str(r.action_id),
            str(r.area) if r.area is not None else "",
            r.action,
            r.lead_officer or "unknown",
            _due(r.target_date, r.target_wording, r),
            _latest(r),
            status_name(r.status),
            RAG_WORDS[r.rag],
        ]
        for r in report.plan
    ]
    return Table(
        headers,
        rows,
        {len(headers) - 2: "status", len(headers) - 1: "rag"},
        f"The plan: each action with its {report.scheme.upper()} rating",
        headers.index("Action"),
    )


def _late_cells(items: list[LateItem], refs: dict[str, str]) -> list[list[str]]:
    return [
        [
            item.owner or "owner unknown",
            refs.get(item.id, item.id),
            item.title,
            str(item.area) if item.area is not None else "",
            _due(item.due, None, item),
            str(item.working_days_late) if item.working_days_late is not None else "",
            status_name(item.status),
            words_of_owner(item.latest_note) or "",  # the owner's words: not ilacs's own "action added"
        ]
        for item in items
    ]


def _late_deadline_cells(items: list[LateItem]) -> list[list[str]]:
    return [
        [d.id, d.title, _due(d.due, None, d), "" if d.working_days_late is None else str(d.working_days_late)]
        for d in items
    ]


def _change(update: UpdateLine) -> str:
    if update.correction:
        return update.correction.replace(" -> ", " → ")
    return update_in_words(update.old_status, update.new_status, None, update.new_due, words=True).replace(
        "due unknown → ", "due now "
    )


def _update_cells(report: Report) -> list[list[str]]:
    return [
        [_day(u.at), f"{u.ref or u.action_id} {u.action_title}".strip(), _change(u), u.note or ""]
        for u in report.updates
    ]


def _progress_cells(report: Report) -> list[list[str]]:
    return [
        [
            _area_label(a),
            str(a.progress.not_started),
            str(a.progress.in_progress),
            str(a.progress.blocked),
            str(a.progress.done),
            str(a.progress.cancelled),
            str(a.progress.not_stated),
            "—" if a.progress.percent_done is None else f"{a.progress.percent_done}%",
            str(a.progress.overdue),
        ]
        for a in charted(report)
    ]


def _rag_totals(report: Report) -> str:
    cancelled = report.rag.get("not rated", 0)
    apart = f" {cancelled} cancelled action{' is' if cancelled == 1 else 's are'} not rated." if cancelled else ""
    unknown = report.rag.get(NOT_STATED, 0)
    apart += (
        f" {unknown} action{' has' if unknown == 1 else 's have'} no status stated in the source document, so "
        "not rated."
        if unknown
        else ""
    )
    counts = ", ".join(
        f"{RAG_WORDS[word].lower()} {report.rag[word]}"
        for word in ("red", "amber", "green", "blue")
        if word in report.rag
    )
    return f"{counts[0].upper()}{counts[1:]}.{apart}"


def _by_owner(items: list[LateItem]) -> str:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.owner or "owner unknown"] = counts.get(item.owner or "owner unknown", 0) + 1
    return "; ".join(f"{owner} {number}" for owner, number in counts.items())


def charted(report: Report) -> list[AreaProgress]:
    """The areas with actions, as the chart, its figures and the table show them (the rest are listed once)."""
    return [area for area in report.progress.areas if area.progress.total]


def _scale(report: Report) -> int:
    return max((area.progress.total for area in charted(report)), default=0)


def _segments(progress: Progress, largest: int, width: float) -> list[tuple[str, int, float, float]]:
    """(status, count, start, length) of each non-empty segment, on a common scale where `largest` fills `width`."""
    result, done_so_far = [], 0
    for status, _, _ in SEGMENTS:
        number = _counts(progress)[status]
        if number:
            start = done_so_far * width / largest
            done_so_far += number
            result.append((status, number, start, done_so_far * width / largest - start))
    return result


def summary_blocks(text: str | None) -> list:
    """The author's Markdown as the paper's parts: paragraphs (str) and lists (list[str]); headings become
    paragraphs, emphasis and code marks are dropped. Nothing of it is markup in the paper: each form escapes it."""
    if not text:
        return [SUMMARY_PLACEHOLDER]
    parts: list = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        items = [re.match(r"^(?:[-*+]|\d+[.)])\s+(.*)$", line) for line in lines]
        if lines and all(items):
            parts.append([_plain(item.group(1)) for item in items if item])
            continue
        for heading in [line for line in lines if line.startswith("#")]:
            lines.remove(heading)
            parts.append(_plain(heading.lstrip("#").strip()))
        if lines:
            parts.append(_plain(" ".join(lines)))
    return parts or [SUMMARY_PLACEHOLDER]


def _plain(text: str) -> str:
    """Markdown's inline marks taken out: **bold**, *em*, `code`, [words](link) as its words."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"(\*\*|__|`|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))", "", text)


def _late_words(days: int | None) -> str:
    if days is None:
        return "not late"
    if days == 0:
        return "due today"
    return f"{days} working day{'' if days == 1 else 's'} late"


def _value(value: float | None, unit: str) -> str:
    return "unknown" if value is None else f"{value}{unit}"


def readings_in_words(trend: MeasureTrend) -> str:
    """'M1 Care plans rated good: baseline 52% (Wed 31 Jan 2024); readings 55% on Thu 29 Feb 2024, 61% on Sun 31
    Mar 2024; target 80% by Mon 31 Mar 2025; improving: 61% from 55%; off target.'"""
    m = trend.measure
    readings = ", ".join(f"{_value(value, m.unit)} on {_day(day)}" for day, value in trend.readings) or "none yet"
    by = f" by {_day(m.target_by)}" if m.target_by else ""
    baseline = f"baseline {_value(m.baseline, m.unit)}" + (f" ({_day(m.baseline_on)})" if m.baseline_on else "")
    return (
        f"{m.id} {m.title}: {baseline}; readings {readings}; target {_value(m.target, m.unit)}{by}; "
        f"{trend.direction}; {m.rating}."
    )


def _measure_parts(report: Report) -> list:
    """Per area: its measures against baseline and target, each with its direction of travel and rating, then each
    measure's trend (a chart in HTML) with its figures in words."""
    parts: list = []
    areas = {area.area: area.area_title for area in report.progress.areas}
    for number in sorted({t.measure.area for t in report.measures}):
        mine = [t for t in report.measures if t.measure.area == number]
        parts.append(f"Area {number}: {areas.get(number) or 'title not stated'}")
        parts.append(
            Table(
                ["Measure", "Baseline", "Latest", "Target", "Direction of travel", "Rating"],
                [
                    [
                        f"{t.measure.id} {t.measure.title}",
                        _value(t.measure.baseline, t.measure.unit),
                        _value(t.measure.latest, t.measure.unit)
                        + (f" ({_day(t.measure.latest_on)})" if t.measure.latest_on else ""),
                        _value(t.measure.target, t.measure.unit)
                        + (f" by {_day(t.measure.target_by)}" if t.measure.target_by else ""),
                        t.direction,
                        t.measure.rating,
                    ]
                    for t in mine
                ],
                {5: "status"},
                f"Area {number}'s measures against their baselines and targets",
                0,
            )
        )
        parts += [Trend(t) for t in mine if t.readings]
    return parts


def page_one(report: Report) -> list[Section]:
    """The position, as page one shows it: the author's summary, the plan in a paragraph with its ratings and key,
    its measures, every red item (most late first), what was re-scheduled in the period, and what comes next."""
    found = report.position
    assert found is not None
    position: list = [found.plan_in_words]
    if found.no_actions:
        position.append(found.no_actions)
    ratings = [[RAG_WORDS[word], str(found.rag.get(word, 0)), meaning] for word, meaning in reversed(found.key)]
    apart = [
        (RAG_WORDS[NOT_RATED if word == "not rated" else word], found.rag.get(word, 0), why)
        for word, why in (("not rated", "cancelled"), (NOT_STATED, "no status stated in the source document"))
        if found.rag.get(word, 0)
    ]
    ratings += [[name, str(number), why] for name, number, why in apart]
    position += (
        []
        if found.no_actions
        else [
            Table(
                ["Rating", "Actions", "Meaning"],
                ratings,
                {0: "rag", 1: "num"},
                f"{report.scheme.upper()} ratings: how many actions each, and the key",
                0,
            )
        ]
    )
    m = found.measures
    total = m.on_target + m.within_tolerance + m.off_target + m.no_reading
    if total:
        position.append(
            f"Measures: {m.on_target} of {total} on target, {m.within_tolerance} within tolerance, "
            f"{m.off_target} off target" + (f", {m.no_reading} with no reading yet." if m.no_reading else ".")
        )
        if found.off_target:
            position.append(["Off target: " + line for line in found.off_target])
    else:
        position.append("Measures: none recorded for this plan.")
    if found.exceptions:
        exceptions: list = [
            Table(
                ["Ref", "What", "Owner", "How late", "Latest words"],
                [
                    [
                        item.ref,
                        item.title,
                        item.owner or ("owner unknown" if item.kind == "action" else "the plan"),
                        _late_words(item.working_days_late) + ("" if item.status != "blocked" else ", blocked"),
                        (f"{_day(item.latest_on)}: {item.latest_words}" if item.latest_on else item.latest_words)
                        if item.latest_words
                        else "no update recorded",
                    ]
                    for item in found.exceptions
                ],
                {2: "status", 3: "late"},
                "Exceptions: every item rated red, most late first",
                1,
            )
        ]
    else:
        exceptions = [f"No action or deadline is rated red as of {_day(report.as_of)}."]
    refs = _refs(report)
    moved: list = (
        [
            Table(
                ["Ref", "What", "Planned date", "Revised to", "Approved by"],
                [
                    [
                        refs.get(item.id, item.id) if item.kind == "action" else item.id,
                        item.title,
                        _day(item.planned_due),
                        _day(item.revised_due),
                        item.approved_by or "approval not recorded",
                    ]
                    for item in found.rescheduled
                ],
                {},
                "Re-scheduled in this period, and who approved it",
                1,
            )
        ]
        if found.rescheduled
        else [f"Nothing was re-scheduled from {_day(report.since)} to {_day(report.as_of)}."]
    )
    coming: list = (
        [
            Table(
                ["Ref", "What", "Owner", "Due", "Working days left"],
                [
                    [
                        item.ref,
                        item.title,
                        item.owner or ("the plan" if item.kind == "deadline" else "owner unknown"),
                        _day(item.due),
                        str(item.working_days_left),
                    ]
                    for item in found.next_due
                ],
                {4: "num"},
                "The next deadlines and target dates",
                1,
            )
        ]
        if found.next_due
        else ["No open deadline or target date is coming up."]
    )
    coming.insert(0, f"Next board: {found.next_board or 'not recorded'}.")
    return [
        Section("Summary and recommendations", summary_blocks(found.summary), True),
        Section("The position", position, True),
        Section("Exceptions: rated red, most late first", exceptions, True),
        Section(f"Re-scheduled since {_day(report.since)}", moved, True),
        Section("Next deadlines and board", coming, True),
    ]


def sections(report: Report) -> list[Section]:
    """The paper laid out once: page one (the position), then the detail, each section's heading, and its
    paragraphs, lists, tables and chart in order."""
    judgements = [
        [JUDGEMENT_NAMES[j.area], grade_name(j.grade), grade_name(j.previous_grade)] for j in report.judgements
    ]
    deadlines = [
        [
            d.deadline.id,
            d.deadline.title,
            _due(d.deadline.due, d.deadline.wording, d.deadline),
            d.deadline.rule or "stated date",
            outcome(d),
        ]
        for d in report.deadlines
    ]
    actions = [item for item in report.late if item.kind == "action"]
    late_deadlines = [item for item in report.late if item.kind == "deadline"]
    late: list = [] if report.late else [f"Nothing is overdue as of {_day(report.as_of)}."]
    if actions:
        late += [
            f"Actions overdue, most late first; by owner: {_by_owner(actions)}.",
            Table(LATE_HEADERS, _late_cells(actions, _refs(report)), {5: "late", 6: "status"}, "Actions overdue", 2),
        ]
    if late_deadlines:
        late += [
            "Deadlines overdue:",
            Table(
                ["Id", "Deadline", "Due", "Working days late"],
                _late_deadline_cells(late_deadlines),
                {3: "late"},
                "Deadlines overdue",
                1,
            ),
        ]
    return [
        *(page_one(report) if report.position is not None else []),
        Section(
            "Judgements",
            [
                Table(
                    ["Judgement", "Grade", "Previous grade"],
                    judgements,
                    {},
                    "Judgements at this inspection and the one before",
                    0,
                )
            ]
            if judgements
            else ["No judgements recorded."],
        ),
        Section(
            "Deadlines",
            [Table(["Id", "Deadline", "Due", "Rule", "Outcome"], deadlines, {}, "Deadlines and their outcomes", 1)]
            if deadlines
            else ["No deadlines recorded."],
        ),
        Section(
            "Progress by area for improvement",
            [
                *(
                    [[f"{_area_label(area)}: {area.area_title or 'area not stated'}" for area in charted(report)]]
                    if charted(report)
                    else []
                ),
                *(
                    [
                        "Areas for improvement with no action recorded yet: "
                        + "; ".join(
                            f"{area.area} {area.area_title or 'title not stated'}"
                            for area in report.progress.areas
                            if not area.progress.total
                        )
                        + "."
                    ]
                    if len(charted(report)) < len(report.progress.areas)
                    else []
                ),
                *(
                    [
                        Chart(),
                        Table(
                            PROGRESS_HEADERS,
                            _progress_cells(report),
                            {i: "num" for i in range(1, 9)},
                            "Actions by status in each area",
                            0,
                        ),
                        f"All areas: {_done_text(report.progress.progress)}.",
                    ]
                    if charted(report)
                    else []
                ),
            ]
            if report.progress.areas
            else ["No areas for improvement recorded."],
        ),
        *([Section("Measures against their targets", _measure_parts(report))] if report.measures else []),
        Section(
            f"{report.scheme.upper()} rating",
            [f"{_rag_totals(report)} {report.key}.", _rag_table(report)] if report.plan else ["No actions recorded."],
        ),
        Section("Late, and who owns it", late),
        *([Section("Re-scheduled, with approval", _rescheduled_section(report))] if report.rescheduled else []),
        Section(
            f"Status updates and corrections from {_day(report.since)} to {_day(report.as_of)}",
            [Table(UPDATE_HEADERS, _update_cells(report), {}, "Status updates and corrections")]
            if report.updates
            else ["No status updates or corrections recorded in this period."],
        ),
        *([Section("Sources, notes and inferences", [report.evidence])] if report.evidence else []),
    ]


def _text_bars(report: Report) -> list[str]:
    """The chart as text: one bar per area on a common scale, then its figures."""
    largest = _scale(report)
    chars = {status: char for status, char, _ in SEGMENTS}
    lines = []
    for area in charted(report):
        text = ""
        for status, _, start, length in _segments(area.progress, largest, TEXT_BAR_WIDTH) if largest else []:
            text += chars[status] * (round(start + length) - round(start))
        lines.append(f"{_area_label(area):<8} {text.ljust(TEXT_BAR_WIDTH)}  {_done_text(area.progress)}")
    return lines


BAR_KEY = (
    "Bars: "
    + ", ".join(f"{char} {STATUS_NAMES[status].lower()}" for status, char, _ in SEGMENTS)
    + "; the longest bar is the area with most actions."
)


# -- Markdown -----------------------------------------------------------------------


def _md_table(table: Table) -> list[str]:
    return ["| " + " | ".join(table.headers) + " |", "|" + "---|" * len(table.headers)] + [
        "| " + " | ".join(escape_markdown(" ".join(cell.split()), table=True) for cell in row) + " |"
        for row in table.rows
    ]


def markdown(report: Report) -> str:
    """The progress paper as Markdown (tables; the chart as a text bar per area), pasting cleanly into Word."""
    lines = [f"# {escape_markdown(title(report))}", "", escape_markdown(facts(report))]
    for section in sections(report):
        lines += ["", f"## {escape_markdown(section.heading)}"]
        for part in section.parts:
            lines.append("")
            if isinstance(part, Table):
                lines += _md_table(part)
            elif isinstance(part, Chart):
                # The bars are read aloud as a row of symbols: the same figures follow in words.
                lines += [
                    "```text",
                    *_text_bars(report),
                    "```",
                    "",
                    BAR_KEY,
                    "",
                    "In words:",
                    "",
                    *[f"- {escape_markdown(area_in_words(area))}" for area in charted(report)],
                ]
            elif isinstance(part, Trend):
                lines.append(escape_markdown(readings_in_words(part.trend)))
            elif isinstance(part, list):
                lines += [f"- {escape_markdown(item)}" for item in part]
            else:
                lines.append(escape_markdown(part))
    lines.append("")
    return "\n".join(lines)


# -- HTML ---------------------------------------------------------------------------

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; max-width: 64em; margin: 1em auto; padding: 0 1em;
       line-height: 1.4; }
h1 { font-size: 1.4em; border-bottom: 3px solid #1d70b8; padding-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; }
p.facts { color: #505a5f; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; font-size: .92em; }
th, td { border: 1px solid #b1b4b6; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
td.num { text-align: right; }
tbody th { background: none; font-weight: normal; }
.visually-hidden { position: absolute !important; width: 1px !important; height: 1px !important; margin: 0 !important;
                   padding: 0 !important; overflow: hidden !important; clip: rect(0 0 0 0) !important;
                   clip-path: inset(50%) !important; border: 0 !important; white-space: nowrap !important; }
td.status { white-space: nowrap; }
.rag { font-weight: bold; text-align: center; white-space: nowrap; }
.rag-red { background: #d4351c; color: #fff; }
.rag-amber { background: #f47738; color: #0b0c0c; }
.rag-green { background: #00703c; color: #fff; }
.rag-blue { background: #1d70b8; color: #fff; }
.rag-not-rated { background: #f3f2f1; color: #0b0c0c; font-weight: normal; }
td.late { color: #d4351c; font-weight: bold; }
ol.areas li { margin-bottom: .2em; }
svg.chart { width: 100%; max-width: 52em; display: block; margin: .5em 0; }
svg.chart text { font-family: Arial, Helvetica, sans-serif; font-size: 14px; fill: #0b0c0c; }
svg.chart text.area-label { font-weight: bold; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media screen and (max-width: 40em) {
  /* A phone: each row of a table stacked as a card, each cell on a line of its own after its column's header (the
     header row kept for screen readers only), so nothing scrolls sideways and no word is broken to fit; only a
     token longer than the whole line (an address) wraps inside itself. */
  body { padding: 0 .5em; }
  table:not(.fits), table:not(.fits) > tbody, table:not(.fits) tr, table:not(.fits) th, table:not(.fits) td {
    display: block; }
  table:not(.fits) { border: 0; }
  table:not(.fits) thead tr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
             clip-path: inset(50%); white-space: nowrap; }
  table:not(.fits) tbody tr { border: 1px solid #b1b4b6; margin: 0 0 .6em; }
  table:not(.fits) tbody th, table:not(.fits) tbody td { border: 0; padding: .2em .5em; overflow-wrap: break-word; }
  table:not(.fits) tbody tr > * + * { border-top: 1px solid #e8e8e8; }
  table:not(.fits) tbody td.num, table:not(.fits) tbody .rag { text-align: left; }
  table:not(.fits) tbody td:empty { display: none; }  /* a card shows no header for an empty cell */
  table:not(.fits) tbody [data-label]::before { content: attr(data-label) ": "; font-weight: bold; }
  table:not(.fits) tbody th { font-weight: bold; }
  table:not(.fits) td.status, table:not(.fits) .rag { white-space: normal; }
  table.fits th, table.fits td { padding: .2em .3em; }
}
@page { size: A4; margin: 15mm 15mm 18mm;
        @bottom-left { content: var(--footer); font: 8pt Arial, Helvetica, sans-serif; color: #505a5f; }
        @bottom-right { content: "Page " counter(page) " of " counter(pages);
                        font: 8pt Arial, Helvetica, sans-serif; color: #505a5f; } }
@media print {
  /* 2px each side: a collapsed table border lies half outside its table, and the page would cut the right one */
  body { max-width: none; margin: 0; padding: 0 2px; font-size: 10pt; }
  th, td { padding: .12em .4em; }
  h2 { margin: 1.1em 0 .4em; }
  p { margin: .5em 0; }
  h1, h2, p.lead, ol.areas { break-after: avoid; page-break-after: avoid; }
  h2, p.lead { break-inside: avoid; page-break-inside: avoid; }  /* a split paragraph would leave a break after it */
  tbody tr:first-child { break-before: avoid; page-break-before: avoid; }  /* a header row never ends a page */
  tr, svg.chart { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  section.page-one-end { break-after: page; page-break-after: always; }  /* the detail starts on page two */
}
"""


def _html_table(table: Table) -> str:
    """An HTML table with a caption, column headers scoped, the cell naming each row a row header; every cell
    escaped."""
    esc = html.escape
    # Three columns of our own short words fit a phone's width as a table; a wider one is stacked there (STYLE).
    fits = ' class="fits"' if len(table.headers) <= 3 else ""
    parts = [
        f'<table{fits}>\n<caption class="visually-hidden">{esc(table.caption)}</caption>\n<thead><tr>',
        "".join(f'<th scope="col">{esc(h)}</th>' for h in table.headers),
        "</tr></thead>\n<tbody>\n",
    ]
    for row in table.rows:
        cells = []
        for index, cell in enumerate(row):
            css = table.classes.get(index)
            if css == "rag":
                css = f"rag rag-{cell.lower().replace(' ', '-')}"
            tag = 'th scope="row"' if index == table.row_header else "td"
            if not fits:  # the column's header, shown before the cell when a phone stacks the row (STYLE)
                tag += f' data-label="{esc(table.headers[index])}"'
            tag += f' class="{esc(css)}"' if css else ""
            cells.append(f"<{tag}>{esc(cell)}</{tag[:2]}>")
        parts.append("<tr>" + "".join(cells) + "</tr>\n")
    parts.append("</tbody>\n</table>\n")
    return "".join(parts)


BAR_UNITS = 600  # the bars' own width in chart units, stretched to the page's width (text is not stretched)
CHART_TEXT = 14  # pixels: the chart's labels, at every width (the text is laid out in pixels, never scaled)


def _figure_lines(progress: Progress) -> list[str]:
    """An area's figures in lines short enough for a phone's width: '2 of 4 done (50%), 1 overdue', ..."""
    return [part for part in _done_text(progress).split("; ") if part]


def chart(report: Report) -> str:
    """Inline SVG: one horizontal bar per area, stacked by status with a white gap between segments, all on the same
    scale; its label above and its figures below, in pixels at any width (the bars alone stretch, in a nested SVG),
    so a phone's width neither scrolls nor shrinks the text. Named as an image, described by its figures in words
    (each segment also has its own title)."""
    esc = html.escape
    bar_height, line = 18, CHART_TEXT + 4
    areas = charted(report)
    largest = _scale(report)
    colours = {status: colour for status, _, colour in SEGMENTS}
    shown = [status for status, _, _ in SEGMENTS if any(_counts(a.progress)[status] for a in areas)]
    rows, y = [], 0
    for area in areas:
        lines = _figure_lines(area.progress)
        rows.append((area, y, lines))
        y += line + bar_height + 4 + line * len(lines) + 10
    legend_y = y + 4
    height = legend_y + line * ((len(shown) + 1) // 2) + 4
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" role="img" '
        f'aria-labelledby="chart-title" aria-describedby="chart-figures">\n'
        f'<title id="chart-title">Actions by status for each area for improvement</title>\n'
        f'<desc id="chart-figures">{esc(" ".join(area_in_words(area) for area in areas))}</desc>\n'
    ]
    for area, top, lines in rows:
        label = _area_label(area)
        parts.append(f'<text class="area-label" x="0" y="{top + CHART_TEXT}">{esc(label)}</text>\n')
        for number, text in enumerate(lines):
            parts.append(
                f'<text x="0" y="{top + line + bar_height + 4 + line * number + CHART_TEXT}">{esc(text)}</text>\n'
            )
    # The bars in their own coordinates, stretched across the width (preserveAspectRatio none), their heights kept.
    parts.append(
        f'<svg x="0" y="0" width="100%" height="{height}" viewBox="0 0 {BAR_UNITS} {height}" '
        'preserveAspectRatio="none" aria-hidden="true">\n'
    )
    for area, top, _ in rows:
        label = _area_label(area)
        parts.append(f'<g class="area" data-area="{esc(label)}">\n')
        if largest:
            segments = _segments(area.progress, largest, BAR_UNITS)
            for number, (status, count, start, length) in enumerate(segments):
                gap = SEGMENT_GAP if number + 1 < len(segments) else 0  # white before the next segment
                parts.append(
                    f'<rect class="bar" data-status="{status}" data-count="{count}" '
                    f'x="{start:.1f}" y="{top + line}" width="{max(length - gap, 1):.1f}" '
                    f'height="{bar_height}" fill="{colours[status]}"><title>{esc(label)}: {count} '
                    f"{STATUS_NAMES[status].lower()}</title></rect>\n"
                )
        parts.append("</g>\n")
    parts.append("</svg>\n")
    for number, status in enumerate(shown):  # the key: only the statuses drawn, two to a line
        x, key_y = (number % 2) * 170, legend_y + line * (number // 2)
        parts.append(
            f'<rect x="{x}" y="{key_y}" width="14" height="14" fill="{colours[status]}"></rect>'
            f'<text x="{x + 20}" y="{key_y + 12}">{STATUS_NAMES[status]}</text>\n'
        )
    parts.append("</svg>\n")
    return "".join(parts)


TREND_LINE, TARGET_LINE = "#1d70b8", "#0b0c0c"  # 5.17:1 and 19.8:1 against the white page (WCAG 1.4.11)
# The trend chart's name (bold) and key, wrapped at as many characters of 14 px Arial as a 360 px phone holds.
TREND_HEADING_CHARS, TREND_KEY_CHARS = 36, 44


@dataclass
class TrendFigure:
    """A measure's trend chart as every form draws it (the HTML's SVG, the Word paper's picture): its words and
    where its lines go, worked out once."""

    measure: str  # M1 (the SVG's ids)
    name: str  # the image's name: 'M1 Care plans rated good: readings against the target'
    heading: str  # 'M1 Care plans rated good'
    key: str  # 'Target 80% (dashed); latest 76%; within tolerance'
    words: str  # its figures in words (the image's description, and the paragraph after it)
    points: list[tuple[float, float]]  # the baseline and readings, oldest first: (across, up), each from 0 to 1
    target: float  # the target's height, from 0 (the lowest value drawn) to 1 (the highest)
    first_day: str  # under the line's left end: 'Wed 31 Jan 2024'
    last_day: str  # under its right end


def trend_figure(trend: MeasureTrend) -> TrendFigure:
    """A measure's baseline and readings placed by day (across) and value (up), with its target, on one scale from
    the lowest to the highest of them; and the words that name and describe the chart."""
    m = trend.measure
    baseline = [(m.baseline_on, m.baseline)] if m.baseline is not None and m.baseline_on else []
    points = sorted(baseline + [(day, value) for day, value in trend.readings if value is not None])
    values = [value for _, value in points] + [m.target] + ([m.baseline] if m.baseline is not None else [])
    low, high = min(values), max(values)
    span = (high - low) or 1
    days = [dt.date.fromisoformat(day).toordinal() for day, _ in points]
    first, last = min(days), max(days)
    return TrendFigure(
        measure=m.id,
        name=f"{m.id} {m.title}: readings against the target",
        heading=f"{m.id} {m.title}",
        key=f"Target {_value(m.target, m.unit)} (dashed); latest {_value(m.latest, m.unit)}; {m.rating}",
        words=readings_in_words(trend),
        points=[
            (0 if last == first else (day - first) / (last - first), (value - low) / span)
            for day, (_, value) in zip(days, points)
        ],
        target=(m.target - low) / span,
        first_day=_day(points[0][0]),
        last_day=_day(points[-1][0]),
    )


def trend_chart(trend: MeasureTrend) -> str:
    """Inline SVG of `trend_figure`: the baseline and readings as a line, the target as a dashed line; the text in
    pixels at any width (the lines alone stretch, in a nested SVG). Named as an image and described by its figures
    (the same words follow it as a paragraph)."""
    esc = html.escape
    figure = trend_figure(trend)
    width, plot = 1000, 80  # the lines' own units: across, and the plot's height (in pixels too)
    # The name and key in lines a phone's width holds (the text is never scaled down to fit, nor cut off).
    heading, key = textwrap.wrap(figure.heading, TREND_HEADING_CHARS), textwrap.wrap(figure.key, TREND_KEY_CHARS)
    top = (CHART_TEXT + 4) * (len(heading) + len(key))
    height = top + plot + CHART_TEXT + 12

    def y(up: float) -> float:
        return plot - up * plot

    line = " ".join(f"{across * width:.1f},{y(up):.1f}" for across, up in figure.points)
    ident = f"trend-{esc(figure.measure)}"
    parts = [
        f'<svg class="chart trend" xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title" aria-describedby="{ident}-figures">\n'
        f'<title id="{ident}-title">{esc(figure.name)}</title>\n'
        f'<desc id="{ident}-figures">{esc(figure.words)}</desc>\n'
        + "".join(
            f'<text{css} x="0" y="{CHART_TEXT + (CHART_TEXT + 4) * number}">{esc(text)}</text>\n'
            for number, (css, text) in enumerate([(' class="area-label"', t) for t in heading] + [("", t) for t in key])
        )
        + f'<svg x="0" y="{top}" width="100%" height="{plot}" viewBox="0 -2 {width} {plot + 4}" '
        'preserveAspectRatio="none" aria-hidden="true">\n'
        f'<line class="target" x1="0" x2="{width}" y1="{y(figure.target):.1f}" y2="{y(figure.target):.1f}" '
        f'stroke="{TARGET_LINE}" stroke-width="2" stroke-dasharray="8 6" vector-effect="non-scaling-stroke"/>\n'
        f'<polyline class="readings" points="{line}" fill="none" stroke="{TREND_LINE}" stroke-width="3" '
        'vector-effect="non-scaling-stroke"/>\n'
        "</svg>\n"
        f'<text x="0" y="{height - 4}">{esc(figure.first_day)}</text>\n'
        f'<text x="100%" y="{height - 4}" text-anchor="end">{esc(figure.last_day)}</text>\n'
        "</svg>\n"
        f"<p>{esc(figure.words)}</p>\n"
    ]
    return "".join(parts)


def _css_string(text: str) -> str:
    """`text` as a CSS string literal (for the printed footer)."""
    return '"' + "".join(char if char.isalnum() or char in " ,.:;()-'" else f"\\{ord(char):x} " for char in text) + '"'


def html_page(report: Report) -> str:
    """The progress paper as one self-contained HTML page: inline CSS, the chart as inline SVG, print-ready (A4,
    page numbers, each heading kept with what opens its section, table rows never split, headers repeated)."""
    esc = html.escape
    footer = f"{title(report)}, as of {_day(report.as_of)}"
    parts = [
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{esc(title(report))}</title>\n<style>{STYLE}\n:root {{ --footer: {_css_string(footer)}; }}\n"
        "</style>\n</head>\n<body>\n<main>\n",
        f'<h1>{esc(title(report))}</h1>\n<p class="facts">{esc(facts(report))}</p>\n',
    ]
    laid_out = sections(report)
    for number, section in enumerate(laid_out):
        last_of_page_one = section.page_one and not (number + 1 < len(laid_out) and laid_out[number + 1].page_one)
        parts.append(
            f'<section class="page-one-end">\n<h2>{esc(section.heading)}</h2>\n'
            if last_of_page_one
            else f"<section>\n<h2>{esc(section.heading)}</h2>\n"
        )
        # A paragraph that introduces a table, list or chart is kept on the page of what it introduces (so with its
        # heading); one that closes a section is not, so the break before the next heading stays a good one.
        leads = [
            isinstance(part, str) and index + 1 < len(section.parts) and not isinstance(section.parts[index + 1], str)
            for index, part in enumerate(section.parts)
        ]
        parts += [_html_part(part, report, lead) for part, lead in zip(section.parts, leads)]
        parts.append("</section>\n")
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


def _html_part(part, report: Report, lead: bool = False) -> str:
    esc = html.escape
    if isinstance(part, Table):
        return _html_table(part)
    if isinstance(part, Chart):
        return chart(report)
    if isinstance(part, Trend):
        return trend_chart(part.trend)
    if isinstance(part, list):
        return '<ol class="areas">\n' + "".join(f"<li>{esc(item)}</li>\n" for item in part) + "</ol>\n"
    return f'<p class="lead">{esc(part)}</p>\n' if lead else f"<p>{esc(part)}</p>\n"
