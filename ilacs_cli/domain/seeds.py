"""Seed files: the example plans shipped with ilacs and a council's own plan in the same TOML form, loaded in one
transaction (re-running changes nothing users recorded); add-inspection writes a plan through the same path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import DueDate, human, outside_years, parse_due, today_in_england
from ilacs_cli.domain import rules
from ilacs_cli.domain.addresses import who
from ilacs_cli.errors import IlacsError

if TYPE_CHECKING:
    from ilacs_cli.domain.timetables import Framework
    from ilacs_cli.storage.store import Reader, Store


def example_inspections(db: Reader) -> list[str]:
    """The example plans (the seed files shipped with ilacs) that the database holds."""
    examples = {path.stem for path in bundled_seed_files()}
    return [inspection for inspection in db.inspections.ids() if inspection in examples]


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
            raise IlacsError(
                f"no example plan '{shown}' and no such file: the examples are {', '.join(bundled)}; "
                "your own plan is a .toml file (see docs/seeds.md)"
            )
    return paths


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name longer than the file system allows is no file
        return False


def load_seeds(db: Store, paths: list[Path], *, replace: bool = False) -> tuple[list[str], Path | None]:
    """Load seed files in one transaction; re-running changes nothing users recorded. A file giving an inspection
    already in the database other facts (another council, another source) is refused unless `replace`, which
    keeps a backup first. Returns the inspection ids, and the backup made."""
    from ilacs_cli.domain.seedfile import read_seed

    seeds = [read_seed(path) for path in paths]  # every file checked before anything is written
    replaced = [seed for seed in seeds if _other_facts(db, seed)]
    backup = None
    if replaced and not replace:
        seed = replaced[0]
        inspection, there = seed.inspection["id"], db.inspections.get(seed.inspection["id"])
        assert there is not None
        raise IlacsError(
            f"{seed.path.name}: inspection {inspection} is in the database already with other facts (authority "
            f"'{there.authority or 'unknown'}' from {there.source}; the file gives "
            f"'{seed.inspection.get('authority') or 'unknown'}' from {seed.inspection.get('source', seed.path.name)}): "
            "nothing was loaded; give the file another id, or add --replace to take its facts (a backup is kept)",
            2,
        )
    if replaced:
        backup = db.backup_before("seed")
    note = f"replaced {', '.join(seed.inspection['id'] for seed in replaced)}; backup {backup}" if replaced else None
    with db.transaction(origin="seed", command="seed", author=who(None), note=note):
        _check_previous(seeds, db)
        return [_load_or_replace(db, seed, seed in replaced) for seed in seeds], backup


def _load_or_replace(db: Store, seed, replacing: bool) -> str:
    """Load one seed file; a replacement records each fact it changes, with what it was, so undo can put it back."""
    if not replacing:
        return _load_seed(db, seed)
    inspection = seed.inspection["id"]
    before = db.inspections.facts(inspection)
    _load_seed(db, seed)
    after = db.inspections.facts(inspection)
    for fact in after:
        if before.get(fact) != after[fact]:
            db.corrections.record("inspection", None, fact, before.get(fact), after[fact], None, inspection=inspection)
    return inspection


def _check_previous(seeds: list, db: Store) -> None:
    """A seed file's `previous` names an inspection loaded with it, one in the database, or an example plan."""
    known = (
        {seed.inspection["id"] for seed in seeds}
        | set(db.inspections.ids())
        | {path.stem for path in bundled_seed_files()}
    )
    for seed in seeds:
        previous = seed.inspection.get("previous")
        if previous is not None and previous not in known:
            raise IlacsError(
                f"{seed.path.name}: inspection.previous: '{previous}' is no inspection in the database "
                "or in the files loaded: load that inspection's file with this one, or leave previous "
                "out"
            )


def _seed_date(value: object) -> DueDate:
    """A date as written in a seed file (ISO, or a period such as 'June 2019')."""
    return parse_due(str(value), today_in_england())


def _other_facts(db: Store, seed) -> bool:
    """Whether the seed's inspection is in the database already with another council or from another source."""
    there = db.inspections.get(seed.inspection["id"])
    if there is None:
        return False
    source = seed.inspection.get("source", seed.path.name)
    return (there.authority, there.source) != (seed.inspection.get("authority"), source)


def _load_seed(db: Store, seed) -> str:
    import json

    from ilacs_cli.storage.inspections import InspectionRow, JudgementRow

    info = seed.inspection
    source = info.get("source", seed.path.name)
    inspection = info["id"]
    dates = {
        name: _seed_date(info[name]).day.isoformat() if name in info else None
        for name in ("fieldwork_start", "fieldwork_end", "published", "received")
    }
    # A file that lists its documents takes each fact from one: what a document does not give is unknown.
    documents = {
        entry["file"]: _seed_date(entry["date"]).day.isoformat() if "date" in entry else None for entry in seed.sources
    }
    action_status, deadline_status = (rules.UNKNOWN, rules.UNKNOWN) if documents else ("not-started", "open")
    db.inspections.save(
        InspectionRow(
            inspection,
            info.get("authority"),
            info.get("authority_source", source),
            info.get("kind"),
            dates["fieldwork_start"],
            dates["fieldwork_end"],
            dates["published"],
            info.get("previous"),
            source,
            info.get("notes"),
            json.dumps(info.get("inferred", {})),
            json.dumps(
                [
                    {"file": entry["file"], "date": documents[entry["file"]], "title": entry["title"]}
                    for entry in seed.sources
                ]
            ),
            dates["received"],
        )
    )
    for judgement in seed.judgements:
        db.inspections.save_judgement(
            inspection,
            JudgementRow(
                judgement["area"],
                judgement.get("grade"),
                judgement.get("previous_grade"),
                judgement.get("source", source),
            ),
        )
    for area in seed.areas:
        db.inspections.save_area(
            inspection, area["number"], area["title"], area.get("points", []), area.get("source", source)
        )
    for index, deadline in enumerate(seed.deadlines, 1):
        rule = deadline.get("rule")
        due, wording = None, deadline.get("wording")
        if rule:
            event = dates[rule["after"]]
            if event:
                due = _rule_due(db, seed, index, dt.date.fromisoformat(event), rule)
            stated = deadline.get("stated")
            if stated and due and _seed_date(stated).day.isoformat() != due:
                raise IlacsError(
                    f"{seed.path.name}: deadlines #{index}.stated: {stated} disagrees with the rule's {due}"
                )
        else:
            parsed = _seed_date(deadline["due"])
            due, wording = parsed.day.isoformat(), wording or parsed.wording
        db.deadlines.save(
            inspection=inspection,
            key=deadline["key"],
            title=deadline["title"],
            kind=deadline.get("kind", "deadline"),
            due=due,
            wording=wording,
            rule_count=rule and rule["count"],
            rule_unit=rule and rule["unit"],
            rule_after=rule and rule["after"],
            status=deadline.get("status", deadline_status),
            met_on=deadline.get("met_on") and str(deadline["met_on"]),
            source=deadline.get("source", source),
            inferred=json.dumps(deadline.get("inferred", {})),
        )
    for index, action in enumerate(seed.actions, 1):
        area_id = None
        if "area" in action:
            area_id = db.inspections.area_id(inspection, action["area"])
            if area_id is None:
                raise IlacsError(f"{seed.path.name}: actions #{index}.area: no area {action['area']} in this file")
        target = _seed_date(action["due"]) if "due" in action else None
        action_source = action.get("source", source)
        # The day the status is given: the action's own `on`, else its document's date (when the document has one).
        on_day = _seed_date(action["on"]).day.isoformat() if "on" in action else documents.get(action_source)
        note = action.get("note")
        if documents:  # history says where the status was read, and when, or that the document's date is not known
            stated = f"as stated in {action_source}, " + (
                human(on_day) if on_day else "a document whose date is not stated"
            )
            note = f"{stated}: {note}" if note else stated
        # An action already loaded keeps what users recorded since: add_action writes nothing for its key.
        db.actions.add(
            inspection=inspection,
            area_id=area_id,
            key=action["key"],
            ref=action.get("ref"),
            title=action["title"],
            owner=action.get("owner"),
            due=target.day.isoformat() if target else None,
            wording=action.get("wording") or (target.wording if target else None),
            measure=action.get("measure"),
            source=action_source,
            status=action.get("status", action_status),
            note=note,
            author=f"seed: {action_source}",
            on_day=on_day,
            inferred=json.dumps(action.get("inferred", {})),
        )
    _load_measures(db, seed, inspection, source)
    return inspection


def _load_measures(db: Store, seed, inspection: str, source: str) -> None:
    """A seed file's measures of success, each once (seeding again adds nothing); what the document does not give,
    such as a baseline, is unknown."""
    import json

    keys = {action.key: action.id for action in db.actions.matching(inspection=inspection)} if seed.measures else {}
    for measure in seed.measures:
        if db.measures.keyed(inspection, measure["key"]) is not None:
            continue
        area_id = db.inspections.area_id(inspection, measure["area"])
        assert area_id is not None  # checked by seedfile: the area is in the file
        actions = sorted(keys[key] for key in measure.get("actions", []))
        db.measures.add(
            inspection=inspection,
            area_id=area_id,
            key=measure["key"],
            title=measure["title"],
            unit=measure["unit"],
            baseline=measure.get("baseline"),
            baseline_on=measure.get("baseline_on") and str(measure["baseline_on"]),
            target=measure["target"],
            target_by=measure.get("target_by") and str(measure["target_by"]),
            better=measure["better"],
            tolerance=measure.get("tolerance", 0),
            actions=json.dumps(actions),
            source=measure.get("source", source),
            inferred=json.dumps(measure.get("inferred", {})),
        )


def _rule_due(db: Store, seed, index: int, event: dt.date, rule: dict) -> str:
    """The ISO day a seed file's deadline rule gives, which must fall in the years dates.py takes."""
    try:
        day = compute_due(db, event, rule["count"], rule["unit"])
    except IlacsError as error:  # beyond the working-day calendar
        raise IlacsError(f"{seed.path.name}: deadlines #{index}.rule: {error}") from None
    if why := outside_years(day):
        raise IlacsError(f"{seed.path.name}: deadlines #{index}.rule: the rule's day {why}")
    return day.isoformat()


def add_inspection(
    db: Store,
    inspection: str,
    *,
    authority: str,
    kind: str | None,
    fieldwork_start: str | None,
    fieldwork_end: str | None,
    published: str | None,
    areas: list[str],
    grades: dict[str, str],
    today: dt.date,
    received: str | None = None,
    framework: Framework | None = None,
    priority_actions: bool = False,
    plan_days: int | None = None,
    plan_unit: str | None = None,
    by: str | None = None,
) -> tuple[str, list[str]]:
    """Record a new inspection with the deadlines its kind makes in the framework (no kind: an action plan 70
    working days, or --plan-days, after receipt if given, else publication); returns its id and what the user
    should know about its timetable."""
    from ilacs_cli.domain.seedfile import check_seed
    from ilacs_cli.domain.timetables import timetable

    if db.inspections.get(inspection) is not None:
        raise IlacsError(f"inspection '{inspection}' already exists: choose another id", 2)
    rules.check_text(authority, "council's name", one_line=True)
    for area in areas:
        rules.check_text(area, "area for improvement", one_line=True)
    info = {"id": inspection, "authority": authority, "kind": kind, "source": "ilacs add-inspection"}
    for name, value in (
        ("fieldwork_start", fieldwork_start),
        ("fieldwork_end", fieldwork_end),
        ("published", published),
        ("received", received),
    ):
        if value:
            info[name] = parse_due(value, today).day.isoformat()
    if kind is not None and kind not in rules.KINDS:
        raise IlacsError(f"--kind '{kind}' is not one of {', '.join(rules.KINDS)}", 2)
    planned = timetable(
        framework,
        kind,
        received="received" in info,
        published="published" in info,
        priority_actions=priority_actions,
        plan_days=plan_days,
        plan_unit=plan_unit,
    )
    data = {
        "format": 1,
        "inspection": {key: value for key, value in info.items() if value is not None},
        "judgements": [{"area": area, "grade": grade} for area, grade in grades.items()],
        "areas": [{"number": number, "title": title} for number, title in enumerate(areas, 1)],
        "deadlines": [{key: value for key, value in entry.items() if value} for entry in planned.deadlines],
    }
    seed = check_seed(data, Path("add-inspection"))
    with db.transaction(command="add-inspection", author=who(by)):
        return _load_seed(db, seed), planned.notes


def compute_due(db: Store, event: dt.date, count: int, unit: str) -> dt.date:
    """The date a rule gives: `count` working or calendar days after `event` (day zero)."""
    if unit == "working-days":
        return db.calendar.add_working_days(event, count)
    return event + dt.timedelta(days=count)
