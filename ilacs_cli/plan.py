"""The domain: inspections, areas for improvement, deadlines, actions and their status updates.

Returns plain dataclasses; never prints.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ilacs_cli import store as storage
from ilacs_cli.dates import DueDate, human, parse_due
from ilacs_cli.errors import IlacsError
from ilacs_cli.migrations import STATUSES
from ilacs_cli.store import Store

GRADE_NAMES = {"outstanding": "Outstanding", "good": "Good",
               "requires-improvement": "Requires improvement to be good", "inadequate": "Inadequate",
               "not-applicable": "N/A"}
AREA_NAMES = {
    "leadership": "The impact of leaders on social work practice with children and families",
    "help-and-protection": "The experiences and progress of children who need help and protection",
    "children-in-care": "The experiences and progress of children in care",
    "care-leavers": "The experiences and progress of care leavers",
    "children-in-care-and-care-leavers": "The experiences and progress of children in care and care leavers",
    "overall": "Overall effectiveness",
}
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
    status: str
    updated_at: str | None
    days_late: int | None = None
    working_days_late: int | None = None


@dataclass
class Deadline:
    id: str
    inspection: str
    title: str
    kind: str
    due: str | None
    wording: str | None
    rule: str | None
    status: str
    met_on: str | None
    days_late: int | None = None
    working_days_late: int | None = None


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


@dataclass
class StatusUpdate:
    at: str
    author: str | None
    old_status: str | None
    new_status: str
    old_due: str | None
    new_due: str | None
    note: str | None


# -- reading -----------------------------------------------------------------------

def _action(row: sqlite3.Row, as_of_number: int | None = None, as_of: dt.date | None = None) -> Action:
    action = Action(row["id"], row["inspection_id"], row["area_number"], row["ref"], row["title"], row["owner"],
                    row["due"], row["wording"], row["measure"], row["status"], row["updated_at"])
    if as_of is not None and action.due:
        action.days_late = (as_of - dt.date.fromisoformat(action.due)).days
        action.working_days_late = as_of_number - row["due_number"] if row["due_number"] is not None else None
    return action


def describe_rule(row: sqlite3.Row) -> str | None:
    """'70 working days after publication, 6 Feb 2024', or None for a fixed date."""
    if row["rule_count"] is None:
        return None
    unit = row["rule_unit"].replace("-", " ")
    event = row[row["rule_after"]]
    known = human(event) if event else f"{EVENT_NAMES[row['rule_after']].split()[-1]} date unknown"
    return f"{row['rule_count']} {unit} after {EVENT_NAMES[row['rule_after']]}, {known}"


def _deadline(row: sqlite3.Row, as_of_number: int | None = None, as_of: dt.date | None = None) -> Deadline:
    deadline = Deadline(f"D{row['id']}", row["inspection_id"], row["title"], row["kind"], row["due"], row["wording"],
                        describe_rule(row), row["status"], row["met_on"])
    if as_of is not None and deadline.due:
        deadline.days_late = (as_of - dt.date.fromisoformat(deadline.due)).days
        deadline.working_days_late = as_of_number - row["due_number"] if row["due_number"] is not None else None
    return deadline


def list_inspections(db: Store, as_of: dt.date, inspection: str | None = None) -> list[InspectionRow]:
    """One row per inspection (or for the one named) with its next open deadline and action counts."""
    rows = db.inspection_summaries(as_of, inspection)
    deadlines = {row["id"]: _deadline(row) for row in db.deadlines(open_only=True)}
    return [InspectionRow(row["id"], row["authority"], row["kind"], row["fieldwork_start"], row["fieldwork_end"],
                          row["published"], row["overall"],
                          deadlines.get(row["next_deadline_id"]), row["actions_open"], row["actions_overdue"],
                          row["actions_done"]) for row in rows]


def require_inspection(db: Store, inspection_id: str) -> sqlite3.Row:
    row = db.inspection(inspection_id)
    if row is None:
        known = ", ".join(db.inspection_ids()) or "none yet: run `ilacs seed`"
        raise IlacsError(f"no inspection '{inspection_id}': known inspections are {known}")
    return row


def show_inspection(db: Store, inspection_id: str, as_of: dt.date) -> InspectionDetail:
    """Judgements, areas with their actions, and deadlines of one inspection."""
    import json

    row = require_inspection(db, inspection_id)
    summary = list_inspections(db, as_of, inspection_id)[0]
    actions = [_action(item) for item in db.actions(inspection=inspection_id)]
    areas = [Area(area["number"], area["title"], json.loads(area["points"]),
                  [action for action in actions if action.area == area["number"]]) for area in db.areas(inspection_id)]
    order = list(AREA_NAMES)
    judgements = sorted((Judgement(j["area"], j["grade"], j["previous_grade"]) for j in db.judgements(inspection_id)),
                        key=lambda judgement: order.index(judgement.area))
    deadlines = [_deadline(item) for item in db.deadlines(inspection=inspection_id)]
    return InspectionDetail(summary, judgements, areas, deadlines,
                            [action for action in actions if action.area is None], row["source"], row["notes"])


def list_actions(db: Store, *, inspection: str | None = None, owner: str | None = None, status: str | None = None,
                 area: int | None = None, due_before: dt.date | None = None) -> list[Action]:
    """Actions matching every filter given."""
    if status is not None:
        check_status(status)
    if inspection is not None:
        require_inspection(db, inspection)
    return [_action(row) for row in db.actions(inspection=inspection, owner=owner, status=status, area=area,
                                               due_before=due_before)]


def overdue(db: Store, as_of: dt.date, *, owner: str | None = None,
            inspection: str | None = None) -> tuple[list[Action], list[Deadline]]:
    """Open actions and open deadlines due before `as_of`, oldest first, with how late each is."""
    if inspection is not None:
        require_inspection(db, inspection)
    number = db.day_number(as_of)
    actions = db.actions(open_only=True, due_before=as_of, owner=owner, inspection=inspection)
    deadlines = [] if owner else db.deadlines(open_only=True, due_before=as_of, inspection=inspection)
    return [_action(row, number, as_of) for row in actions], [_deadline(row, number, as_of) for row in deadlines]


def due_within(db: Store, as_of: dt.date, working_days: int) -> tuple[list[Action], list[Deadline]]:
    """Open actions and deadlines falling due from `as_of` to `working_days` working days later."""
    end = db.add_working_days(as_of, working_days)
    actions = db.actions(open_only=True, due_from=as_of, due_to=end)
    deadlines = db.deadlines(open_only=True, due_from=as_of, due_to=end)
    return [_action(row) for row in actions], [_deadline(row) for row in deadlines]


def history(db: Store, action_id: str) -> tuple[Action, list[StatusUpdate]]:
    """An action and its status updates, oldest first."""
    action = require_action(db, action_id)
    return action, [StatusUpdate(row["at"], row["author"], row["old_status"], row["new_status"], row["old_due"],
                                 row["new_due"], row["note"]) for row in db.status_updates(action.id)]


def require_action(db: Store, action_id: str) -> Action:
    text = action_id.upper().removeprefix("A")
    rows = db.actions(id=int(text)) if text.isdigit() else []
    if not rows:
        raise IlacsError(f"no action '{action_id}': see `ilacs actions` for action ids")
    return _action(rows[0])


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise IlacsError(f"unknown status '{status}': use one of {', '.join(STATUSES)}", 2)
    return status


# -- writing -----------------------------------------------------------------------

def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def add_action(db: Store, inspection_id: str, *, area: int, title: str, owner: str, due: str, today: dt.date,
               ref: str | None = None, measure: str | None = None) -> int:
    """Record a new action; returns its id."""
    require_inspection(db, inspection_id)
    if not title.strip():
        raise IlacsError("the action's title is empty: give a title in quotes", 2)
    if not owner.strip():
        raise IlacsError("the owner is empty: give --owner NAME", 2)
    area_id = db.area_id(inspection_id, area)
    if area_id is None:
        numbers = ", ".join(str(item["number"]) for item in db.areas(inspection_id)) or "none"
        raise IlacsError(f"{inspection_id} has no area for improvement {area}: its areas are {numbers}")
    due_date = parse_due(due, today, db.add_working_days)
    with db.transaction() as conn:
        action_id = storage.insert_action(conn, {
            "inspection_id": inspection_id, "area_id": area_id, "key": None, "ref": ref, "title": title.strip(),
            "owner": owner.strip(), "due": due_date.day.isoformat(), "wording": due_date.wording,
            "measure": measure, "created_at": _now(), "source": None})
        storage.insert_status_update(conn, {"action_id": action_id, "at": _now(), "author": None, "old_status": None,
                                            "new_status": "not-started", "old_due": None, "new_due": None,
                                            "note": "action added"})
    return action_id


def update_action(db: Store, action_id: str, *, status: str | None, today: dt.date, note: str | None = None,
                  by: str | None = None, due: str | None = None) -> Action:
    """Record a status update (and optionally a new due date); returns the action as it now stands."""
    require_action(db, action_id)
    if status is None and due is None and not note:
        raise IlacsError("nothing to record: give --status, --due or --note", 2)
    if status:
        check_status(status)
    new_due = parse_due(due, today, db.add_working_days).day.isoformat() if due else None
    with db.transaction() as conn:
        # Read the action under the write lock: another officer may have just changed it.
        action = require_action(db, action_id)
        new_status = status or action.status
        storage.insert_status_update(conn, {"action_id": action.id, "at": _now(), "author": by,
                                            "old_status": action.status, "new_status": new_status,
                                            "old_due": action.due if new_due else None, "new_due": new_due,
                                            "note": note})
    return require_action(db, str(action.id))


@dataclass
class Undone:
    action_id: int
    title: str
    update_id: int
    status: str
    note: str


def undo(db: Store, by: str | None = None) -> list[Undone]:
    """Reverse the last command's status updates by recording compensating ones (history is never erased)."""
    now: dict[int, tuple[str, str | None]] = {}
    undone = []
    with db.transaction() as conn:  # read under the write lock, so two undos cannot reverse the same command
        updates = db.last_command_updates()
        if not updates:
            raise IlacsError("nothing to undo: every change recorded since the seeds were loaded is undone already")
        for update in updates:  # newest first, so each action steps back in order
            status, due = now.get(update["action_id"], (update["current_status"], update["current_due"]))
            if update["old_status"] is None:
                new_status, new_due, note = "cancelled", None, f"undo: action added by mistake (update #{update['id']})"
            else:
                new_status = update["old_status"]
                new_due = update["old_due"] if update["new_due"] is not None else None
                note = f"undo of update #{update['id']}"
            storage.insert_status_update(conn, {
                "action_id": update["action_id"], "at": _now(), "author": by, "old_status": status,
                "new_status": new_status, "old_due": due if new_due else None, "new_due": new_due, "note": note,
                "undoes": update["id"]})
            now[update["action_id"]] = (new_status, new_due or due)
            undone.append(Undone(update["action_id"], update["title"], update["id"], new_status, note))
    return undone


def mark_done(db: Store, target: str, on: dt.date, by: str | None = None) -> str:
    """Mark a deadline (D12) met or an action (12) done; returns what was marked."""
    if target.upper().startswith("D") and target[1:].isdigit():
        rows = db.deadlines(id=int(target[1:]))
        if not rows:
            raise IlacsError(f"no deadline '{target}': see `ilacs show INSPECTION` for deadline ids")
        with db.transaction() as conn:
            storage.set_deadline_status(conn, rows[0]["id"], "met", on.isoformat())
        return f"deadline {target.upper()} met on {on.isoformat()}"
    action = update_action(db, target, status="done", today=on, by=by, note=f"done on {on.isoformat()}")
    return f"action {action.id} done"


# -- seeds -------------------------------------------------------------------------

def bundled_seed_files() -> list[Path]:
    """The seed files shipped with ilacs (inside the wheel, or beside the source checkout)."""
    from importlib import resources

    packaged = resources.files("ilacs_cli") / "seeds"
    folder = Path(str(packaged)) if packaged.is_dir() else Path(__file__).resolve().parent.parent / "seeds"
    return sorted(folder.glob("*.toml"))


def load_seeds(db: Store, paths: list[Path]) -> list[str]:
    """Load seed files in one transaction; re-running changes nothing users recorded. Returns inspection ids."""
    from ilacs_cli.seedfile import read_seed

    seeds = [read_seed(path) for path in paths]  # every file checked before anything is written
    loaded = []
    with db.transaction() as conn:
        for seed in seeds:
            loaded.append(_load_seed(db, conn, seed))
    return loaded


def _seed_date(value: object) -> DueDate:
    """A date as written in a seed file (ISO, or a period such as 'June 2019')."""
    return parse_due(str(value), dt.date.today())


def _load_seed(db: Store, conn: sqlite3.Connection, seed) -> str:
    import json

    info = seed.inspection
    source = info.get("source", seed.path.name)
    inspection_id = info["id"]
    dates = {name: _seed_date(info[name]).day.isoformat() if name in info else None
             for name in ("fieldwork_start", "fieldwork_end", "published")}
    storage.upsert_inspection(conn, {
        "id": inspection_id, "authority": info.get("authority"),
        "authority_source": info.get("authority_source", source), "kind": info.get("kind"), **dates,
        "previous_id": info.get("previous"), "source": source, "notes": info.get("notes")})
    for judgement in seed.judgements:
        storage.upsert_judgement(conn, {"inspection_id": inspection_id, "area": judgement["area"],
                                        "grade": judgement.get("grade"),
                                        "previous_grade": judgement.get("previous_grade"),
                                        "source": judgement.get("source", source)})
    for area in seed.areas:
        storage.upsert_area(conn, {"inspection_id": inspection_id, "number": area["number"], "title": area["title"],
                                   "points": json.dumps(area.get("points", [])), "source": area.get("source", source)})
    for index, deadline in enumerate(seed.deadlines, 1):
        rule = deadline.get("rule")
        due, wording = None, deadline.get("wording")
        if rule:
            event = dates[rule["after"]]
            if event:
                due = compute_due(db, dt.date.fromisoformat(event), rule["count"], rule["unit"]).isoformat()
            stated = deadline.get("stated")
            if stated and due and _seed_date(stated).day.isoformat() != due:
                raise IlacsError(f"{seed.path.name}: deadlines #{index}.stated: {stated} disagrees with the rule's {due}")
        else:
            parsed = _seed_date(deadline["due"])
            due, wording = parsed.day.isoformat(), wording or parsed.wording
        storage.upsert_deadline(conn, {
            "inspection_id": inspection_id, "key": deadline["key"], "title": deadline["title"],
            "kind": deadline.get("kind", "deadline"), "due": due, "wording": wording,
            "rule_count": rule and rule["count"], "rule_unit": rule and rule["unit"],
            "rule_after": rule and rule["after"], "status": deadline.get("status", "open"),
            "met_on": deadline.get("met_on") and str(deadline["met_on"]), "source": deadline.get("source", source)})
    for index, action in enumerate(seed.actions, 1):
        area_id = None
        if "area" in action:
            area_id = db.area_id(inspection_id, action["area"])
            if area_id is None:
                raise IlacsError(f"{seed.path.name}: actions #{index}.area: no area {action['area']} in this file")
        due = _seed_date(action["due"]) if "due" in action else None
        action_id = storage.insert_action(conn, {
            "inspection_id": inspection_id, "area_id": area_id, "key": action["key"], "ref": action.get("ref"),
            "title": action["title"], "owner": action.get("owner"), "due": due and due.day.isoformat(),
            "wording": action.get("wording") or (due and due.wording), "measure": action.get("measure"),
            "created_at": _now(), "source": action.get("source", source)})
        if action_id is not None:  # new: its status as the document reports it
            storage.insert_status_update(conn, {
                "action_id": action_id, "at": _now(), "author": f"seed: {action.get('source', source)}",
                "old_status": None, "new_status": action.get("status", "not-started"), "old_due": None,
                "new_due": None, "note": action.get("note")})
    return inspection_id


def add_inspection(db: Store, inspection_id: str, *, authority: str, kind: str | None,
                   fieldwork_start: str | None, fieldwork_end: str | None, published: str | None,
                   areas: list[str], grades: dict[str, str], plan_days: int, plan_unit: str, today: dt.date) -> str:
    """Record a new inspection with its action-plan deadline (default: 70 working days after publication)."""
    from ilacs_cli.seedfile import check_seed

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
    with db.transaction() as conn:
        return _load_seed(db, conn, seed)


def compute_due(db: Store, event: dt.date, count: int, unit: str) -> dt.date:
    """The date a rule gives: `count` working or calendar days after `event` (day zero)."""
    if unit == "working-days":
        return db.add_working_days(event, count)
    return event + dt.timedelta(days=count)
