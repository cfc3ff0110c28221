"""The domain: inspections, areas for improvement, deadlines, actions and their status updates.

Returns the dataclasses below (what commands show); reads and writes go through the store, rules through
ilacs_cli.rules. Never prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import human
from ilacs_cli.domain import rules
from ilacs_cli.errors import IlacsError

if TYPE_CHECKING:
    from ilacs_cli.domain.measures import Measure
    from ilacs_cli.storage.actions import ActionLineRow, ActionRow
    from ilacs_cli.storage.deadlines import DeadlineRow
    from ilacs_cli.storage.inspections import InspectionRow
    from ilacs_cli.storage.store import Reader

EVENT_NAMES = {
    "published": "publication",
    "fieldwork_end": "the end of fieldwork",
    "received": "the report was received",
}
# What a rule says when the day it counts from is not known.
EVENT_UNKNOWN = {
    "published": "publication date unknown",
    "fieldwork_end": "fieldwork date unknown",
    "received": "date received unknown",
}


@dataclass
class Action:
    id: int
    inspection: str
    area: int | None
    ref: str | None
    title: str
    owner: str | None
    due: str | None
    wording: str | None
    measure: str | None
    status: str  # "unknown" when the source document does not give it
    updated_at: str | None
    days_late: int | None = None
    working_days_late: int | None = None
    inferred: dict[str, str] = field(default_factory=dict)  # field -> why it was inferred from the document
    # Re-scheduled with approval (ilacs reschedule): `due` is then the revised date, the one lateness counts
    # against; `planned_due` is the date first planned (a deadline's rule date), kept beside it.
    planned_due: str | None = None
    revised_due: str | None = None
    revised_reason: str | None = None
    approved_by: str | None = None
    revised_on: str | None = None


@dataclass
class Deadline:
    id: str
    inspection: str
    title: str
    kind: str
    due: str | None
    wording: str | None
    rule: str | None  # how the date was reached: the rule with its event, or the document's words
    status: str  # open, met, missed, or "unknown" (no document records the outcome)
    met_on: str | None
    days_late: int | None = None
    working_days_late: int | None = None
    inferred: dict[str, str] = field(default_factory=dict)
    # Re-scheduled with approval (ilacs reschedule): `due` is then the revised date, the one lateness counts
    # against; `planned_due` is the date first planned (a deadline's rule date), kept beside it.
    planned_due: str | None = None
    revised_due: str | None = None
    revised_reason: str | None = None
    approved_by: str | None = None
    revised_on: str | None = None


@dataclass
class InspectionSummary:
    id: str
    authority: str | None
    kind: str | None
    fieldwork_start: str | None
    fieldwork_end: str | None
    published: str | None
    overall: str | None
    next_deadline: Deadline | None
    actions_open: int
    actions_overdue: int
    actions_done: int
    actions_not_stated: int
    deadlines_overdue: int
    # How many actions have each rating (rules.rag_counts, under the council's scheme); empty when not asked for.
    rag: dict[str, int] = field(default_factory=dict)


@dataclass
class Area:
    number: int
    title: str
    points: list[str]
    actions: list[Action]
    measures: list[Measure] = field(default_factory=list)  # its measures of success, rated (domain/measures.py)


@dataclass
class Judgement:
    area: str
    grade: str | None
    previous_grade: str | None


@dataclass
class InspectionDetail:
    summary: InspectionSummary
    judgements: list[Judgement]
    areas: list[Area]
    deadlines: list[Deadline]
    actions_without_area: list[Action]
    source: str | None
    notes: str | None
    authority_source: str | None = None
    inferred: dict[str, str] = field(default_factory=dict)  # the inspection's inferred fields, with their reasons
    sources: list[dict] = field(default_factory=list)  # the documents: file, date (None: not stated), title
    received: str | None = None  # the day the council received the report, when known
    evidence: list = field(default_factory=list)  # evidence.EvidenceItem of its actions, recorded by the day shown


# -- reading -----------------------------------------------------------------------


def _inferred(text: str) -> dict[str, str]:
    """A record's inferred fields with their reasons, from its JSON (read only when there are some: most records
    have none, and decoding '{}' for each of 3,310 overdue actions cost 4-9 ms here)."""
    if text == "{}":
        return {}
    import json  # here, not at the top: listings decode no JSON (3.8 ms of a start)

    return json.loads(text)


def action_of(
    record: ActionRow | ActionLineRow, as_of: dt.date | None = None, as_of_number: int | None = None
) -> Action:
    action = Action(
        record.id,
        record.inspection,
        record.area,
        record.ref,
        record.title,
        record.owner,
        record.due,
        record.wording,
        record.measure,
        record.status,
        record.updated_at,
        inferred=_inferred(record.inferred),
        planned_due=record.planned_due,
        revised_due=record.revised_due,
        revised_reason=record.revised_reason,
        approved_by=record.approved_by,
        revised_on=record.revised_on,
    )
    if as_of is not None and record.due:
        action.days_late = (as_of - dt.date.fromisoformat(record.due)).days
        if record.due_number is not None:
            assert as_of_number is not None  # given with as_of
            action.working_days_late = rules.working_days_late(record.due_number, as_of_number)
    return action


def describe_rule(deadline: DeadlineRow) -> str | None:
    """'70 working days after publication, 6 Feb 2024'; for a date as written, 'stated date' or, for a period,
    "stated as 'in June' (taken as Sun 30 Jun 2019)"; None when neither a rule nor words give it."""
    if deadline.rule_count is None:
        planned = deadline.planned_due
        return rules.stated_due(deadline.wording, planned, human(planned) if planned else None)
    assert deadline.rule_unit is not None and deadline.rule_after is not None  # a rule has all three (seedfile.py)
    unit = deadline.rule_unit.replace("-", " ")
    event, event_name = deadline.event_day(), EVENT_NAMES[deadline.rule_after]
    known = human(event) if event else EVENT_UNKNOWN[deadline.rule_after]
    return f"{deadline.rule_count} {unit} after {event_name}, {known}"


def deadline_of(record: DeadlineRow, as_of: dt.date | None = None, as_of_number: int | None = None) -> Deadline:
    deadline = Deadline(
        f"D{record.id}",
        record.inspection,
        record.title,
        record.kind,
        record.due,
        record.wording,
        describe_rule(record),
        record.status,
        record.met_on,
        inferred=_inferred(record.inferred),
        planned_due=record.planned_due,
        revised_due=record.revised_due,
        revised_reason=record.revised_reason,
        approved_by=record.approved_by,
        revised_on=record.revised_on,
    )
    if as_of is not None and record.due:
        deadline.days_late = (as_of - dt.date.fromisoformat(record.due)).days
        if record.due_number is not None:
            assert as_of_number is not None  # given with as_of
            deadline.working_days_late = rules.working_days_late(record.due_number, as_of_number)
    return deadline


def list_inspections(
    db: Reader, as_of: dt.date, inspection: str | None = None, settings: rules.RatingSettings | None = None
) -> list[InspectionSummary]:
    """One row per inspection (or for the one named) with its next open deadline and action counts, and with
    `settings` the count of each rating."""
    from ilacs_cli.domain import progress

    counts = db.inspections.counts(rules.overdue(as_of), rules.overdue_deadlines(as_of), inspection)
    rated = progress.rating_counts(db, as_of, settings, inspection) if settings else {}
    deadlines = {
        record.id: deadline_of(record)
        for record in db.deadlines.matching(inspection=inspection, window=rules.DueWindow(rules.OPEN_DEADLINE_STATUSES))
    }
    return [
        InspectionSummary(
            row.id,
            row.authority,
            row.kind,
            row.fieldwork_start,
            row.fieldwork_end,
            row.published,
            row.overall,
            deadlines.get(row.next_deadline_id) if row.next_deadline_id is not None else None,
            row.actions_open,
            row.actions_overdue,
            row.actions_done,
            row.actions_not_stated,
            row.deadlines_overdue,
            rated.get((row.id, progress.ALL_AREAS), progress.no_ratings(settings)) if settings else {},
        )
        for row in counts
    ]


def require_inspection(db: Reader, inspection: str) -> InspectionRow:
    found = db.inspections.get(inspection)
    if found is None:
        known = ", ".join(db.inspections.ids()) or "none yet: run `ilacs seed`"
        raise IlacsError(f"no inspection '{inspection}': known inspections are {known}")
    return found


def show_inspection(
    db: Reader, inspection: str, as_of: dt.date, settings: rules.RatingSettings | None = None
) -> InspectionDetail:
    """Judgements, areas with their actions, and deadlines of one inspection (with `settings`, its summary counts
    each rating)."""
    import json

    found = require_inspection(db, inspection)
    summary = list_inspections(db, as_of, inspection, settings)[0]
    actions = [action_of(record) for record in db.actions.lines(inspection=inspection)]
    from ilacs_cli.domain.measures import list_measures

    measures = list_measures(db, as_of, inspection=inspection)
    areas = [
        Area(
            area.number,
            area.title,
            area.points,
            [action for action in actions if action.area == area.number],
            [measure for measure in measures if measure.area == area.number],
        )
        for area in db.inspections.areas(inspection)
    ]
    order = list(rules.JUDGEMENT_NAMES)
    judgements = sorted(
        (Judgement(j.area, j.grade, j.previous_grade) for j in db.inspections.judgements(inspection)),
        key=lambda judgement: order.index(judgement.area),
    )
    deadlines = [deadline_of(record) for record in db.deadlines.matching(inspection=inspection)]
    return InspectionDetail(
        summary,
        judgements,
        areas,
        deadlines,
        [action for action in actions if action.area is None],
        found.source,
        found.notes,
        found.authority_source,
        _inferred(found.inferred),
        json.loads(found.sources),
        found.received,
        _evidence_by_then(db, inspection, as_of),
    )


def _evidence_by_then(db: Reader, inspection: str, as_of: dt.date) -> list:
    """An inspection's evidence recorded by the end of `as_of` (evidence is not rewound: its time of adding tells)."""
    from ilacs_cli.domain.evidence import item_of

    day = as_of.isoformat()
    return [item_of(row) for row in db.evidence.matching(inspection=inspection) if row.added_at[:10] <= day]


def sources_and_inferences(detail: InspectionDetail) -> list[str]:
    """What a paper says of its evidence, a line each: the inspection's notes, each source document with its date
    (or that it has none), and each inferred value with its reason."""
    lines = [f"Notes: {detail.notes}"] if detail.notes else []
    lines += [
        f"Source: {document['title']}, {human(document['date']) if document['date'] else 'date not stated'}"
        for document in detail.sources
    ]
    if detail.authority_source and detail.authority_source != detail.source:
        lines.append(f"The authority's name is taken from {detail.authority_source}")
    actions = [action for area in detail.areas for action in area.actions] + detail.actions_without_area
    for what, inferred in (
        [("Inspection", detail.inferred)]
        + [(f"Deadline {d.id}", d.inferred) for d in detail.deadlines]
        + [(f"Action {a.id}", a.inferred) for a in actions]
    ):
        lines += [f"{what}, {FIELD_WORDS.get(name, name)}, inferred: {reason}" for name, reason in inferred.items()]
    return lines


# Fields as a paper names them.
FIELD_WORDS = {
    "kind": "type of inspection",
    "published": "publication date",
    "authority": "authority's name",
    "fieldwork_start": "start of fieldwork",
    "fieldwork_end": "end of fieldwork",
    "received": "day the report was received",
    "due": "due date",
}


def list_actions(
    db: Reader,
    *,
    inspection: str | None = None,
    owner: str | None = None,
    status: str | tuple[str, ...] | list[str] | None = None,
    area: int | None = None,
    due_before: dt.date | None = None,
) -> list[Action]:
    """Actions matching every filter given; `status` is one name or several, each a status or `open` or `closed`."""
    statuses = None if status is None else rules.statuses_named([status] if isinstance(status, str) else status)
    _check_filters(db, owner, inspection)
    if area is not None and area not in {found.number for found in db.inspections.areas(inspection)}:
        numbers = sorted({found.number for found in db.inspections.areas(inspection)})
        where = f"{inspection} has" if inspection else "the plans have"
        raise IlacsError(f"no area {area}: {where} areas {', '.join(map(str, numbers)) or 'none'}", 2)
    return [
        action_of(record)
        for record in db.actions.lines(
            inspection=inspection, owner=owner, status=statuses, area=area, due_before=due_before
        )
    ]


def require_owner(db: Reader, owner: str, inspection: str | None = None, *, also: Iterable[str] = ()) -> None:
    """A filter's owner must be a name on an action (in any case), or one of `also`: else a user error naming the
    nearest names, as an unknown inspection's does."""
    import difflib

    names = sorted({*db.actions.owners(inspection), *also}, key=str.casefold)
    if owner.casefold() in {name.casefold() for name in names}:
        return
    near = difflib.get_close_matches(owner.casefold(), [name.casefold() for name in names], n=3, cutoff=0.5)
    shown = [name for name in names if name.casefold() in near] or names[:12]
    where = f" of {inspection}" if inspection else ""
    listed = "; ".join(shown) + (f" … ({len(names)} in all)" if not near and len(names) > 12 else "")
    hint = "did you mean" if near else "the names are"
    raise IlacsError(f"no action{where} is owned by '{owner}': {hint} {listed or 'none yet'} (see `ilacs owner list`)")


def _check_filters(db: Reader, owner: str | None, inspection: str | None) -> None:
    if inspection is not None:
        require_inspection(db, inspection)
    if owner is not None:
        require_owner(db, owner, inspection)


def overdue(
    db: Reader, as_of: dt.date, *, owner: str | None = None, inspection: str | None = None
) -> tuple[list[Action], list[Deadline]]:
    """Overdue actions and deadlines (rules.overdue), oldest first, with how late each is."""
    _check_filters(db, owner, inspection)
    number = db.calendar.day_number(as_of)
    actions = db.actions.lines(window=rules.overdue(as_of), owner=owner, inspection=inspection)
    deadlines = [] if owner else db.deadlines.matching(window=rules.overdue_deadlines(as_of), inspection=inspection)
    return (
        [action_of(record, as_of, number) for record in actions],
        [deadline_of(record, as_of, number) for record in deadlines],
    )


def due_within(
    db: Reader, as_of: dt.date, working_days: int, *, owner: str | None = None, inspection: str | None = None
) -> tuple[list[Action], list[Deadline]]:
    """Actions and deadlines due soon: open, not overdue, at most `working_days` working days left (rules.due_soon);
    deadlines have no owner, so an owner's list has none."""
    _check_filters(db, owner, inspection)
    actions = db.actions.lines(
        window=rules.due_soon(as_of, working_days, db.calendar), owner=owner, inspection=inspection
    )
    deadlines = (
        []
        if owner
        else db.deadlines.matching(
            window=rules.due_soon(as_of, working_days, db.calendar, rules.OPEN_DEADLINE_STATUSES), inspection=inspection
        )
    )
    return [action_of(record) for record in actions], [deadline_of(record) for record in deadlines]


def action_row(db: Reader, action_id: str) -> ActionRow:
    text = action_id.upper().removeprefix("A")
    found = db.actions.get(int(text)) if text.isdigit() else None
    if found is None:
        known = db.actions.ids()
        listed = ", ".join(map(str, known[:12])) + (f" … ({len(known)} in all)" if len(known) > 12 else "")
        raise IlacsError(f"no action '{action_id}': the action ids are {listed or 'none yet'} (see `ilacs actions`)")
    return found


def is_deadline(target: str) -> bool:
    """Whether an id names a deadline (D3, d3) rather than an action (3)."""
    return target.upper().startswith("D") and target[1:].isdigit()


def deadline_row(db: Reader, target: str) -> DeadlineRow:
    found = db.deadlines.matching(id=int(target[1:])) if is_deadline(target) else []
    if not found:
        known = ", ".join(f"D{deadline.id}" for deadline in db.deadlines.matching()) or "none yet"
        raise IlacsError(f"no deadline '{target}': the deadline ids are {known} (see `ilacs show ID`)")
    return found[0]


def require_action(db: Reader, action_id: str) -> Action:
    return action_of(action_row(db, action_id))
