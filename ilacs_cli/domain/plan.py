"""The domain: inspections, areas for improvement, deadlines, actions and their status updates.

Returns the dataclasses below (what commands show); reads and writes go through the store, rules through
ilacs_cli.rules. Never prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ilacs_cli.domain import rules
from ilacs_cli.domain.addresses import who
from ilacs_cli.storage import store as records
from ilacs_cli.dates.days import DueDate, human, outside_years, parse_due, today_in_england
from ilacs_cli.errors import IlacsError
from ilacs_cli.storage.store import Store

EVENT_NAMES = {"published": "publication", "fieldwork_end": "the end of fieldwork"}


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


@dataclass
class InspectionRow:
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


@dataclass
class Area:
    number: int
    title: str
    points: list[str]
    actions: list[Action]


@dataclass
class Judgement:
    area: str
    grade: str | None
    previous_grade: str | None


@dataclass
class InspectionDetail:
    summary: InspectionRow
    judgements: list[Judgement]
    areas: list[Area]
    deadlines: list[Deadline]
    actions_without_area: list[Action]
    source: str | None
    notes: str | None
    authority_source: str | None = None
    inferred: dict[str, str] = field(default_factory=dict)  # the inspection's inferred fields, with their reasons
    sources: list[dict] = field(default_factory=list)  # the documents: file, date (None: not stated), title


# -- reading -----------------------------------------------------------------------

def _inferred(text: str) -> dict[str, str]:
    """A record's inferred fields with their reasons, from its JSON (read only when there are some: most records
    have none, and decoding '{}' for each of 3,310 overdue actions cost 4-9 ms here)."""
    if text == "{}":
        return {}
    import json  # here, not at the top: listings decode no JSON (3.8 ms of a start)

    return json.loads(text)


def _action(record: records.Action | records.ActionLine, as_of: dt.date | None = None,
            as_of_number: int | None = None) -> Action:
    action = Action(record.id, record.inspection, record.area, record.ref, record.title, record.owner, record.due,
                    record.wording, record.measure, record.status, record.updated_at,
                    inferred=_inferred(record.inferred))
    if as_of is not None and record.due:
        action.days_late = (as_of - dt.date.fromisoformat(record.due)).days
        if record.due_number is not None:
            action.working_days_late = rules.working_days_late(record.due_number, as_of_number)
    return action


def describe_rule(deadline: records.Deadline) -> str | None:
    """'70 working days after publication, 6 Feb 2024'; for a date as written, 'stated date' or, for a period,
    "stated as 'in June' (taken as Sun 30 Jun 2019)"; None when neither a rule nor words give it."""
    if deadline.rule_count is None:
        return rules.stated_due(deadline.wording, deadline.due, human(deadline.due) if deadline.due else None)
    unit = deadline.rule_unit.replace("-", " ")
    event, event_name = deadline.event_day(), EVENT_NAMES[deadline.rule_after]
    known = human(event) if event else f"{event_name.split()[-1]} date unknown"
    return f"{deadline.rule_count} {unit} after {event_name}, {known}"


def _deadline(record: records.Deadline, as_of: dt.date | None = None, as_of_number: int | None = None) -> Deadline:
    deadline = Deadline(f"D{record.id}", record.inspection, record.title, record.kind, record.due, record.wording,
                        describe_rule(record), record.status, record.met_on, inferred=_inferred(record.inferred))
    if as_of is not None and record.due:
        deadline.days_late = (as_of - dt.date.fromisoformat(record.due)).days
        if record.due_number is not None:
            deadline.working_days_late = rules.working_days_late(record.due_number, as_of_number)
    return deadline


def as_of(db: Store, day: dt.date) -> dt.date:
    """Read the plan as it stood at the end of `day` (Store.rewind: rebuilt from its history when anything was
    recorded after that day); returns the day."""
    db.rewind(day)
    return day


def list_inspections(db: Store, as_of: dt.date, inspection: str | None = None) -> list[InspectionRow]:
    """One row per inspection (or for the one named) with its next open deadline and action counts."""
    counts = db.inspection_counts(rules.overdue(as_of), rules.overdue_deadlines(as_of), inspection)
    deadlines = {record.id: _deadline(record)
                 for record in db.deadlines(inspection=inspection,
                                            window=rules.DueWindow(rules.OPEN_DEADLINE_STATUSES))}
    return [InspectionRow(row.id, row.authority, row.kind, row.fieldwork_start, row.fieldwork_end, row.published,
                          row.overall, deadlines.get(row.next_deadline_id), row.actions_open, row.actions_overdue,
                          row.actions_done, row.actions_not_stated, row.deadlines_overdue) for row in counts]


def require_inspection(db: Store, inspection_id: str) -> records.Inspection:
    found = db.inspection(inspection_id)
    if found is None:
        known = ", ".join(db.inspection_ids()) or "none yet: run `ilacs seed`"
        raise IlacsError(f"no inspection '{inspection_id}': known inspections are {known}")
    return found


def show_inspection(db: Store, inspection_id: str, as_of: dt.date) -> InspectionDetail:
    """Judgements, areas with their actions, and deadlines of one inspection."""
    import json

    found = require_inspection(db, inspection_id)
    summary = list_inspections(db, as_of, inspection_id)[0]
    actions = [_action(record) for record in db.action_lines(inspection=inspection_id)]
    areas = [Area(area.number, area.title, area.points, [action for action in actions if action.area == area.number])
             for area in db.areas(inspection_id)]
    order = list(rules.JUDGEMENT_NAMES)
    judgements = sorted((Judgement(j.area, j.grade, j.previous_grade) for j in db.judgements(inspection_id)),
                        key=lambda judgement: order.index(judgement.area))
    deadlines = [_deadline(record) for record in db.deadlines(inspection=inspection_id)]
    return InspectionDetail(summary, judgements, areas, deadlines,
                            [action for action in actions if action.area is None], found.source, found.notes,
                            found.authority_source, _inferred(found.inferred), json.loads(found.sources))


def sources_and_inferences(detail: InspectionDetail) -> list[str]:
    """What a paper says of its evidence, a line each: the inspection's notes, each source document with its date
    (or that it has none), and each inferred value with its reason."""
    lines = [f"Notes: {detail.notes}"] if detail.notes else []
    lines += [f"Source: {document['title']}, {human(document['date']) if document['date'] else 'date not stated'}"
              for document in detail.sources]
    if detail.authority_source and detail.authority_source != detail.source:
        lines.append(f"The authority's name is taken from {detail.authority_source}")
    actions = [action for area in detail.areas for action in area.actions] + detail.actions_without_area
    for what, inferred in ([("Inspection", detail.inferred)] + [(f"Deadline {d.id}", d.inferred) for d in detail.deadlines]
                           + [(f"Action {a.id}", a.inferred) for a in actions]):
        lines += [f"{what}, {FIELD_WORDS.get(name, name)}, inferred: {reason}" for name, reason in inferred.items()]
    return lines


# Fields as a paper names them.
FIELD_WORDS = {"kind": "type of inspection", "published": "publication date", "authority": "authority's name",
               "fieldwork_start": "start of fieldwork", "fieldwork_end": "end of fieldwork", "due": "due date"}


def list_actions(db: Store, *, inspection: str | None = None, owner: str | None = None,
                 status: str | tuple[str, ...] | list[str] | None = None, area: int | None = None,
                 due_before: dt.date | None = None) -> list[Action]:
    """Actions matching every filter given; `status` is one name or several, each a status or `open` or `closed`."""
    statuses = None if status is None else rules.statuses_named([status] if isinstance(status, str) else status)
    if inspection is not None:
        require_inspection(db, inspection)
    return [_action(record) for record in db.action_lines(inspection=inspection, owner=owner, status=statuses,
                                                          area=area, due_before=due_before)]


def overdue(db: Store, as_of: dt.date, *, owner: str | None = None,
            inspection: str | None = None) -> tuple[list[Action], list[Deadline]]:
    """Overdue actions and deadlines (rules.overdue), oldest first, with how late each is."""
    if inspection is not None:
        require_inspection(db, inspection)
    number = db.day_number(as_of)
    actions = db.action_lines(window=rules.overdue(as_of), owner=owner, inspection=inspection)
    deadlines = [] if owner else db.deadlines(window=rules.overdue_deadlines(as_of), inspection=inspection)
    return ([_action(record, as_of, number) for record in actions],
            [_deadline(record, as_of, number) for record in deadlines])


def due_within(db: Store, as_of: dt.date, working_days: int) -> tuple[list[Action], list[Deadline]]:
    """Actions and deadlines due soon: open, not overdue, at most `working_days` working days left (rules.due_soon)."""
    actions = db.action_lines(window=rules.due_soon(as_of, working_days, db))
    deadlines = db.deadlines(window=rules.due_soon(as_of, working_days, db, rules.OPEN_DEADLINE_STATUSES))
    return [_action(record) for record in actions], [_deadline(record) for record in deadlines]


def _action_record(db: Store, action_id: str) -> records.Action:
    text = action_id.upper().removeprefix("A")
    found = db.action(int(text)) if text.isdigit() else None
    if found is None:
        known = db.action_ids()
        listed = ", ".join(map(str, known[:12])) + (f" … ({len(known)} in all)" if len(known) > 12 else "")
        raise IlacsError(f"no action '{action_id}': the action ids are {listed or 'none yet'} (see `ilacs actions`)")
    return found


def require_action(db: Store, action_id: str) -> Action:
    return _action(_action_record(db, action_id))


# -- seeds -------------------------------------------------------------------------

def bundled_seed_files() -> list[Path]:
    """The seed files shipped with ilacs (inside the wheel, or beside the source checkout)."""
    from importlib import resources

    packaged = resources.files("ilacs_cli") / "seeds"
    folder = Path(str(packaged)) if packaged.is_dir() else Path(__file__).resolve().parents[2] / "seeds"
    return sorted(folder.glob("*.toml"))


def seed_files(names: list[str]) -> list[Path]:
    """The seed files to load: every bundled example when `names` is empty; else each name is a bundled
    example's id or a seed file of the user's own (checked now, before any database is touched)."""
    from ilacs_cli.domain.seedfile import read_seed

    bundled = {path.stem: path for path in bundled_seed_files()}
    if not names:
        return list(bundled.values())
    paths = []
    for name in names:
        if name in bundled:
            paths.append(bundled[name])
        elif name.lower().endswith(".toml") or _exists(Path(name)):
            read_seed(Path(name))
            paths.append(Path(name))
        else:
            shown = name if len(name) <= 60 else name[:59] + "…"
            raise IlacsError(f"no example plan '{shown}' and no such file: the examples are {', '.join(bundled)}; "
                             "your own plan is a .toml file (see docs/seeds.md)")
    return paths


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name longer than the file system allows is no file
        return False


def load_seeds(db: Store, paths: list[Path]) -> list[str]:
    """Load seed files in one transaction; re-running changes nothing users recorded. Returns inspection ids."""
    from ilacs_cli.domain.seedfile import read_seed

    seeds = [read_seed(path) for path in paths]  # every file checked before anything is written
    with db.transaction(origin="seed", command="seed", author=who(None)):
        _check_previous(seeds, db)
        return [_load_seed(db, seed) for seed in seeds]


def _check_previous(seeds: list, db: Store) -> None:
    """A seed file's `previous` names an inspection loaded with it, one in the database, or an example plan."""
    known = {seed.inspection["id"] for seed in seeds} | set(db.inspection_ids()) | \
        {path.stem for path in bundled_seed_files()}
    for seed in seeds:
        previous = seed.inspection.get("previous")
        if previous is not None and previous not in known:
            raise IlacsError(f"{seed.path.name}: inspection.previous: '{previous}' is no inspection in the database "
                             "or in the files loaded: load that inspection's file with this one, or leave previous "
                             "out")


def _seed_date(value: object) -> DueDate:
    """A date as written in a seed file (ISO, or a period such as 'June 2019')."""
    return parse_due(str(value), today_in_england())


def _load_seed(db: Store, seed) -> str:
    import json

    info = seed.inspection
    source = info.get("source", seed.path.name)
    inspection_id = info["id"]
    dates = {name: _seed_date(info[name]).day.isoformat() if name in info else None
             for name in ("fieldwork_start", "fieldwork_end", "published")}
    # A file that lists its documents takes each fact from one: what a document does not give is unknown.
    documents = {entry["file"]: _seed_date(entry["date"]).day.isoformat() if "date" in entry else None
                 for entry in seed.sources}
    action_status, deadline_status = (rules.UNKNOWN, rules.UNKNOWN) if documents else ("not-started", "open")
    db.save_inspection(records.Inspection(
        inspection_id, info.get("authority"), info.get("authority_source", source), info.get("kind"),
        dates["fieldwork_start"], dates["fieldwork_end"], dates["published"], info.get("previous"), source,
        info.get("notes"), json.dumps(info.get("inferred", {})),
        json.dumps([{"file": entry["file"], "date": documents[entry["file"]], "title": entry["title"]}
                    for entry in seed.sources])))
    for judgement in seed.judgements:
        db.save_judgement(inspection_id, records.Judgement(judgement["area"], judgement.get("grade"),
                                                           judgement.get("previous_grade"),
                                                           judgement.get("source", source)))
    for area in seed.areas:
        db.save_area(inspection_id, area["number"], area["title"], area.get("points", []), area.get("source", source))
    for index, deadline in enumerate(seed.deadlines, 1):
        rule = deadline.get("rule")
        due, wording = None, deadline.get("wording")
        if rule:
            event = dates[rule["after"]]
            if event:
                due = _rule_due(db, seed, index, dt.date.fromisoformat(event), rule)
            stated = deadline.get("stated")
            if stated and due and _seed_date(stated).day.isoformat() != due:
                raise IlacsError(f"{seed.path.name}: deadlines #{index}.stated: {stated} disagrees with the rule's {due}")
        else:
            parsed = _seed_date(deadline["due"])
            due, wording = parsed.day.isoformat(), wording or parsed.wording
        db.save_deadline(
            inspection=inspection_id, key=deadline["key"], title=deadline["title"],
            kind=deadline.get("kind", "deadline"), due=due, wording=wording, rule_count=rule and rule["count"],
            rule_unit=rule and rule["unit"], rule_after=rule and rule["after"],
            status=deadline.get("status", deadline_status), met_on=deadline.get("met_on") and str(deadline["met_on"]),
            source=deadline.get("source", source), inferred=json.dumps(deadline.get("inferred", {})))
    for index, action in enumerate(seed.actions, 1):
        area_id = None
        if "area" in action:
            area_id = db.area_id(inspection_id, action["area"])
            if area_id is None:
                raise IlacsError(f"{seed.path.name}: actions #{index}.area: no area {action['area']} in this file")
        due = _seed_date(action["due"]) if "due" in action else None
        action_source = action.get("source", source)
        # The day the status is given: the action's own `on`, else its document's date (when the document has one).
        on_day = _seed_date(action["on"]).day.isoformat() if "on" in action else documents.get(action_source)
        note = action.get("note")
        if documents:  # history says where the status was read, and when, or that the document's date is not known
            stated = f"as stated in {action_source}, " + (human(on_day) if on_day else "a document whose date is not stated")
            note = f"{stated}: {note}" if note else stated
        # An action already loaded keeps what users recorded since: add_action writes nothing for its key.
        db.add_action(inspection=inspection_id, area_id=area_id, key=action["key"], ref=action.get("ref"),
                      title=action["title"], owner=action.get("owner"), due=due and due.day.isoformat(),
                      wording=action.get("wording") or (due and due.wording), measure=action.get("measure"),
                      source=action_source, status=action.get("status", action_status), note=note,
                      author=f"seed: {action_source}", on_day=on_day,
                      inferred=json.dumps(action.get("inferred", {})))
    return inspection_id


def _rule_due(db: Store, seed, index: int, event: dt.date, rule: dict) -> str:
    """The ISO day a seed file's deadline rule gives, which must fall in the years dates.py takes."""
    try:
        day = compute_due(db, event, rule["count"], rule["unit"])
    except IlacsError as error:  # beyond the working-day calendar
        raise IlacsError(f"{seed.path.name}: deadlines #{index}.rule: {error}") from None
    if why := outside_years(day):
        raise IlacsError(f"{seed.path.name}: deadlines #{index}.rule: the rule's day {why}")
    return day.isoformat()


def add_inspection(db: Store, inspection_id: str, *, authority: str, kind: str | None,
                   fieldwork_start: str | None, fieldwork_end: str | None, published: str | None,
                   areas: list[str], grades: dict[str, str], plan_days: int, plan_unit: str, today: dt.date,
                   by: str | None = None) -> str:
    """Record a new inspection with its action-plan deadline (default: 70 working days after publication)."""
    from ilacs_cli.domain.seedfile import check_seed

    if db.inspection(inspection_id) is not None:
        raise IlacsError(f"inspection '{inspection_id}' already exists: choose another id", 2)
    info = {"id": inspection_id, "authority": authority, "kind": kind, "source": "ilacs add-inspection"}
    for name, value in (("fieldwork_start", fieldwork_start), ("fieldwork_end", fieldwork_end),
                        ("published", published)):
        if value:
            info[name] = parse_due(value, today).day.isoformat()
    data = {"format": 1, "inspection": {key: value for key, value in info.items() if value is not None},
            "judgements": [{"area": area, "grade": grade} for area, grade in grades.items()],
            "areas": [{"number": number, "title": title} for number, title in enumerate(areas, 1)],
            "deadlines": [{"key": "action-plan", "title": "Action plan to Ofsted", "kind": "deadline",
                           "rule": {"count": plan_days, "unit": plan_unit, "after": "published"}}]}
    seed = check_seed(data, Path("add-inspection"))
    with db.transaction(command="add-inspection", author=who(by)):
        return _load_seed(db, seed)


def compute_due(db: Store, event: dt.date, count: int, unit: str) -> dt.date:
    """The date a rule gives: `count` working or calendar days after `event` (day zero)."""
    if unit == "working-days":
        return db.add_working_days(event, count)
    return event + dt.timedelta(days=count)
