"""Measures of success (issue 28): adding a measure and its readings, listing measures rated against their targets
(rules.rate_measure), and a measure's history. Ids are shown `M1`, `M2`, ...; `M3` and `3` name the same measure.
Never prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import human, parse_date
from ilacs_cli.domain import rules
from ilacs_cli.domain.addresses import who
from ilacs_cli.domain.plan import action_row, require_inspection
from ilacs_cli.errors import IlacsError, quoted

if TYPE_CHECKING:
    from ilacs_cli.storage.measures import LatestRow, MeasureRow, ReadingRow
    from ilacs_cli.storage.store import Reader, Store


@dataclass(slots=True)
class Measure:
    """A measure as listings show it: baseline, latest reading, target, how far still to go, the direction of
    travel since the previous reading, and its rating."""

    id: str  # M1
    inspection: str
    area: int
    title: str
    unit: str
    better: str  # higher or lower
    tolerance: float
    baseline: float | None  # None: unknown (a document that gives no baseline)
    baseline_on: str | None
    target: float
    target_by: str | None
    latest: float | None
    latest_on: str | None
    previous: float | None
    previous_on: str | None
    to_go: float | None  # target minus latest when higher is better, latest minus target when lower: > 0 still to go
    direction: str | None  # improving, worsening, no change; None with fewer than two readings
    rating: str  # on target, within tolerance, off target, no reading
    actions: list[int] = field(default_factory=list)
    source: str | None = None
    inferred: dict[str, str] = field(default_factory=dict)


def number(value: float | Decimal | None) -> float | int | None:
    """A stored value as users wrote it: 12 rather than 12.0, 12.5 as it is (a float's shortest form is the
    decimal typed)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    return int(value) if value.is_integer() else value


def label(measure_id: int) -> str:
    return f"M{measure_id}"


def measure_row(db: Reader, text: str, *, withdrawn_too: bool = False) -> MeasureRow:
    """The standing measure `text` names (M3, m3 or 3), or with `withdrawn_too` one undo withdrew; else a user error
    listing the ids."""
    cleaned = text.strip().upper().removeprefix("M")
    found = db.measures.get(int(cleaned)) if cleaned.isdigit() and len(cleaned) < 10 else None
    if found is None or (found.withdrawn_at is not None and not withdrawn_too):
        known = [label(row.id) for row in db.measures.matching()]
        listed = ", ".join(known[:12]) + (f" … ({len(known)} in all)" if len(known) > 12 else "")
        gone = " (it was withdrawn by undo)" if found is not None else ""
        raise IlacsError(
            f"no measure '{quoted(text)}'{gone}: the measure ids are {listed or 'none yet'} (see `ilacs measures`)"
        )
    return found


def _day(text: str, what: str, today: dt.date, db: Store) -> dt.date:
    return parse_date(text, today, db.calendar.add_working_days) if text else _refuse_empty(what)


def _refuse_empty(what: str) -> dt.date:
    raise IlacsError(f"{what} is empty: give a date, e.g. 31/03/2025", 2)


def add_measure(
    db: Store,
    inspection: str,
    title: str,
    *,
    area: int,
    unit: str,
    baseline: str,
    baseline_on: str,
    target: str,
    better: str,
    today: dt.date,
    target_by: str | None = None,
    tolerance: str | None = None,
    actions: list[str] | None = None,
    source: str | None = None,
    by: str | None = None,
) -> str:
    """Record a new measure under an area for improvement; returns its id (M1)."""
    require_inspection(db, inspection)
    area_id = _area_id(db, inspection, area)
    title = rules.check_text(title.strip(), "measure's title", one_line=True)
    if not title:
        raise IlacsError("the measure's title is empty: say what is measured", 2)
    unit = rules.check_text(unit.strip(), "unit", one_line=True, limit=40)
    if not unit:
        raise IlacsError('--unit is empty: give the unit, e.g. "%" or "children"', 2)
    better = rules.check_polarity(better)
    start_value = rules.parse_number(baseline, "--baseline", unit=unit)
    target_value = rules.parse_number(target, "--target", unit=unit)
    tolerance_value = rules.parse_number(tolerance, "--tolerance", unit=unit) if tolerance is not None else 0.0
    if tolerance_value < 0:
        raise IlacsError(f"--tolerance {tolerance} is below 0: give how far short of the target still counts", 2)
    start = _day(baseline_on, "--baseline-on", today, db)
    if start > today:
        raise IlacsError(f"--baseline-on {start.isoformat()} is after today: a baseline is a value already seen", 2)
    by_day = _day(target_by, "--target-by", today, db) if target_by is not None else None
    if by_day is not None and by_day < start:
        raise IlacsError(
            f"--target-by {by_day.isoformat()} is before the baseline ({start.isoformat()}): give a later day", 2
        )
    measured = sorted({_action_of(db, inspection, text) for text in actions or []})
    if source is not None:
        source = rules.check_text(source.strip(), "source", one_line=True) or None
    import json

    with db.transaction(command="measure add", author=who(by)):
        added = db.measures.add(
            inspection=inspection,
            area_id=area_id,
            title=title,
            unit=unit,
            baseline_on=start.isoformat(),
            target_by=by_day.isoformat() if by_day else None,
            better=better,
            actions=json.dumps(measured),
            source=source,
            baseline=start_value,
            target=target_value,
            tolerance=tolerance_value,
        )
    return label(added)


def _area_id(db: Reader, inspection: str, number: int) -> int:
    area_id = db.inspections.area_id(inspection, number)
    if area_id is None:
        numbers = ", ".join(str(item.number) for item in db.inspections.areas(inspection)) or "none"
        raise IlacsError(f"{inspection} has no area for improvement {number}: its areas are {numbers}")
    return area_id


def _action_of(db: Reader, inspection: str, text: str) -> int:
    found = action_row(db, text)
    if found.inspection != inspection:
        raise IlacsError(f"--action {text} is an action of {found.inspection}, not {inspection}: give one of its own")
    return found.id


@dataclass
class NewReading:
    """A reading checked and waiting to be recorded."""

    measure: MeasureRow
    value: float
    on: dt.date
    source: str | None
    note: str | None


def check_reading(
    db: Reader,
    measure: str,
    value: str | float,
    on: dt.date,
    today: dt.date,
    *,
    source: str | None = None,
    note: str | None = None,
    code: int = 1,
) -> NewReading:
    """A reading of a standing measure, checked: a number (rules.parse_number), on a day from the measure's
    baseline to today; else a user error saying what to fix."""
    found = measure_row(db, measure)
    if isinstance(value, str):
        amount = rules.parse_number(value, "the value", unit=found.unit, code=code)
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) >= rules.NUMBER_LIMIT:
        raise IlacsError(f"the value {value!r} is not a number a measure takes: give digits, e.g. 12.5", code)
    else:
        amount = float(value)
    if on > today:
        raise IlacsError(
            f"the date {on.isoformat()} is after today ({today.isoformat()}): give a day that has come", code
        )
    if found.baseline_on is not None and on.isoformat() < found.baseline_on:
        raise IlacsError(
            f"the date {on.isoformat()} is before {label(found.id)}'s baseline ({found.baseline_on}): give a day "
            "from the baseline on",
            code,
        )
    if source is not None:
        source = rules.check_text(source.strip(), "source", one_line=True) or None
    if note is not None:
        note = rules.check_text(note, "note") or None
    return NewReading(found, amount, on, source, note)


def add_reading(
    db: Store,
    measure: str,
    value: str,
    on: dt.date,
    today: dt.date,
    *,
    source: str | None = None,
    note: str | None = None,
    by: str | None = None,
) -> str:
    """Record a dated reading of a measure; returns what it now reads."""
    reading = check_reading(db, measure, value, on, today, source=source, note=note, code=2)
    with db.transaction(command="reading add", author=who(by)):
        measure_row(db, measure)  # under the write lock: it may have been withdrawn meanwhile
        record_readings(db, [reading])
    shown = list_measures(db, today, inspection=reading.measure.inspection)
    now = next(item for item in shown if item.id == label(reading.measure.id))
    return f"{now.id}: {number(reading.value)} {now.unit} on {human(on)}; {now.rating}"


def record_readings(db: Store, readings: list[NewReading]) -> int:
    """Record checked readings inside the caller's transaction, skipping one that repeats a standing reading (the
    same measure, day and value): a file imported twice records nothing new. Returns how many were recorded."""
    standing: dict[int, set[tuple[str, object]]] = {}
    recorded = 0
    for reading in readings:
        measure = reading.measure.id
        if measure not in standing:
            standing[measure] = {(r.on_day, number(r.value)) for r in db.measures.readings(measure)}
        key = (reading.on.isoformat(), number(reading.value))
        if key in standing[measure]:
            continue
        db.measures.record_reading(measure, reading.value, key[0], source=reading.source, note=reading.note)
        standing[measure].add(key)
        recorded += 1
    return recorded


def list_measures(
    db: Reader, as_of: dt.date, *, inspection: str | None = None, area: int | None = None
) -> list[Measure]:
    """Measures (of one inspection, one area) as they stood at the end of `as_of`, each rated by its latest
    reading; by inspection, area and id."""
    if inspection is not None:
        require_inspection(db, inspection)
        if area is not None:
            _area_id(db, inspection, area)
    return [measure_of(row, latest) for row, latest in db.measures.listing(inspection=inspection, area=area)]


def measure_of(row: MeasureRow, latest_first: Sequence[LatestRow | ReadingRow]) -> Measure:
    """A measure rated by its latest reading and moved by the one before (`latest_first`: at most two)."""
    last = latest_first[0] if latest_first else None
    before = latest_first[1] if len(latest_first) > 1 else None
    value = last.value if last else None
    gap = rules.to_go(value, row.target, row.better) if value is not None else None
    return Measure(
        label(row.id),
        row.inspection,
        row.area,
        row.title,
        row.unit,
        row.better,
        number(row.tolerance),  # type: ignore[arg-type]
        number(row.baseline),
        row.baseline_on,
        number(row.target),  # type: ignore[arg-type]
        row.target_by,
        number(value),
        last.on_day if last else None,
        number(before.value) if before else None,
        before.on_day if before else None,
        number(gap),
        rules.direction(before.value if before else None, value, row.better),
        rules.NO_READING if gap is None else rules.rate_gap(gap, row.tolerance),
        _json(row.actions, "[]"),
        row.source,
        _json(row.inferred, "{}"),
    )


def _unknown(value: object) -> str:
    return "unknown" if value is None else str(value)


def _json(text: str, empty: str):
    """A stored list or object (decoded only when not empty: most measures have no actions or inferences)."""
    if text == empty:
        return [] if empty == "[]" else {}
    import json

    return json.loads(text)


@dataclass
class MeasureEvent:
    """One line of a measure's history: when it was recorded, by whom, what, and the day it describes."""

    at: str
    author: str | None
    change: str
    on: str | None  # the day a reading describes
    note: str | None


def measure_history(
    store: Store, target: str, as_of: dt.date | None = None, *, dates: Callable[[str], str] = str
) -> tuple[Measure, list[MeasureEvent]]:
    """A measure (M3) and what was recorded about it, oldest first: added, each reading, each withdrawal (days in
    words as `dates` writes them); `as_of` keeps what was recorded by the end of that day."""
    db: Reader = store if as_of is None else store.as_of(as_of)
    found = measure_row(db, target, withdrawn_too=True)
    readings = db.measures.readings(found.id, withdrawn_too=True)
    by = f" by {dates(found.target_by)}" if found.target_by else ""
    events = [
        MeasureEvent(
            found.added_at,
            found.added_by,
            f"added: baseline {_unknown(number(found.baseline))} {found.unit}, target {number(found.target)}{by}, "
            f"{found.better} is better" + (f", tolerance {number(found.tolerance)}" if found.tolerance else ""),
            found.baseline_on,
            found.source and f"source {found.source}",
        )
    ]
    if found.withdrawn_at is not None:
        events.append(MeasureEvent(found.withdrawn_at, found.withdrawn_by, "measure withdrawn", None, "undo"))
    for reading in readings:
        events.append(
            MeasureEvent(
                reading.at,
                reading.author,
                f"reading {number(reading.value)} {found.unit}",
                reading.on_day,
                " ".join(part for part in (reading.note, f"source {reading.source}" if reading.source else "") if part)
                or None,
            )
        )
        if reading.withdrawn_at is not None:
            events.append(
                MeasureEvent(
                    reading.withdrawn_at,
                    reading.withdrawn_by,
                    f"reading {number(reading.value)} {found.unit} withdrawn",
                    reading.on_day,
                    "undo",
                )
            )
    latest = sorted((r for r in readings if r.withdrawn_at is None), key=lambda r: (r.on_day, r.id), reverse=True)[:2]
    return measure_of(found, latest), sorted(events, key=lambda event: event.at)


# -- undo ---------------------------------------------------------------------------------


def undo_batch(db: Store, batch: str) -> list[str]:
    """Withdraw the measures and readings one command recorded (inside undo's transaction); what was withdrawn, a
    line each. Refuses a measure others have recorded readings of since: undo would hide them."""
    measures, readings = db.measures.of_batch(batch)
    for measure in measures:
        later = db.measures.readings_since(measure.id, batch)
        if later:
            raise IlacsError(
                f"measure {label(measure.id)} has readings recorded since, the latest by {later[-1].author or 'someone'}: "
                f"undo would hide them; nothing was undone"
            )
    items = []
    for reading in readings:
        db.measures.withdraw(reading.measure_id, reading.id)
        items.append(f"measure {label(reading.measure_id)}: reading of {reading.on_day} withdrawn")
    for measure in measures:
        db.measures.withdraw(measure.id)
        items.append(f"measure {label(measure.id)} ({measure.title}): withdrawn")
    return items


def recorded_by(db: Store, batch: str) -> bool:
    """Whether one command recorded measures or readings still standing."""
    measures, readings = db.measures.of_batch(batch)
    return bool(measures or readings)
