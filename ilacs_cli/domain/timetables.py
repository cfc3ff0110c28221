"""The framework's timetables: each kind of inspection or visit and the deadlines it makes, read from a TOML file
shipped with ilacs (framework/ilacs.toml) or a council's own in its place (ILACS_FRAMEWORK, or `file` under
[framework] in config.toml; the command line finds which). Every problem in the file is one line naming the file,
the entry and the fix. Recording an announced visit (add-visit) is here too. Never prints.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ilacs_cli.dates.days import human
from ilacs_cli.domain import rules
from ilacs_cli.errors import IlacsError
from ilacs_cli.textfiles import NotText, parse_toml, read_text

if TYPE_CHECKING:
    from ilacs_cli.storage.store import Store

# The key of the final action plan's deadline, which --plan-days and --plan-unit set.
ACTION_PLAN = "action-plan"
# When the framework counts from receipt and the day the report was received is not given (issue 28's choice):
# the day counted from is publication, and the deadline's rule is marked inferred with this reason.
FROM_PUBLICATION = (
    "the framework counts from the day the report was received, which was not given: counted from publication "
    "instead (add-inspection --received DATE counts from receipt)"
)

_KEYS = {
    "top": {"format", "kinds", "visits"},
    "kinds": {"kind", "title", "source", "deadlines"},
    "deadlines": {"key", "title", "count", "unit", "after", "priority_actions", "source"},
    "visits": {"kind", "title", "follows", "source"},
}


@dataclass(frozen=True)
class TimetableDeadline:
    """A deadline a kind makes: `count` `unit` after `after` (rules.RULE_EVENTS)."""

    key: str
    title: str
    count: int
    unit: str
    after: str
    priority_actions: bool  # made only for a visit that names areas for priority action
    source: str


@dataclass(frozen=True)
class Kind:
    kind: str
    title: str
    source: str
    deadlines: tuple[TimetableDeadline, ...]


@dataclass(frozen=True)
class Visit:
    """A visit recorded on the inspection it follows, as it is announced (a monitoring visit)."""

    kind: str
    title: str
    follows: str | None  # the overall grade of the inspections it follows
    source: str


@dataclass(frozen=True)
class Framework:
    path: Path
    bundled: bool  # the file shipped with ilacs, not a council's own
    kinds: dict[str, Kind]
    visits: dict[str, Visit]

    @property
    def name(self) -> str:
        """How outputs name the file: the shipped one by its name, a council's own by its path."""
        return "framework/ilacs.toml" if self.bundled else str(self.path)


def bundled_framework() -> Path:
    """The framework file shipped with ilacs (inside the wheel, or beside the source checkout)."""
    from importlib import resources

    packaged = resources.files("ilacs_cli") / "framework"
    folder = Path(str(packaged)) if packaged.is_dir() else Path(__file__).resolve().parents[2] / "framework"
    return folder / "ilacs.toml"


def read_framework(path: Path | None = None) -> Framework:
    """The framework in `path` (None: the file shipped with ilacs), checked; IlacsError on its first problem."""
    bundled = path is None
    path = bundled_framework() if path is None else Path(path)
    shown = str(path)
    fix = "fix it, or unset ILACS_FRAMEWORK and [framework] file to use the framework shipped with ilacs"
    try:
        data = parse_toml(read_text(path, rules.SETTINGS_BYTES_LIMIT))
    except FileNotFoundError:
        raise IlacsError(
            f"no framework file at {shown}: check ILACS_FRAMEWORK or [framework] file in config.toml"
        ) from None
    except OSError as error:
        raise IlacsError(f"cannot read the framework file {shown}: {error.strerror}; {fix}") from None
    except NotText as error:
        raise IlacsError(f"cannot read the framework file {shown}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise IlacsError(f"{shown}: not valid TOML ({error}): {fix}") from None
    return check_framework(data, path, bundled=bundled)


def check_framework(data: dict[str, Any], path: Path, *, bundled: bool = False) -> Framework:
    """Parsed framework data checked: each kind and visit once, each field of the type and range it must be."""

    def fail(where: str, problem: str) -> IlacsError:
        return IlacsError(f"{path}: {where}: {problem} (the form: docs/timetables.md)")

    if data.get("format") != 1:
        raise fail("format", "must be 1: write format = 1 at the top")
    if extra := set(data) - _KEYS["top"]:
        raise fail(sorted(extra)[0], "unknown key: the file holds format, [[kinds]] and [[visits]]")
    kinds: dict[str, Kind] = {}
    for index, entry in enumerate(_tables(data, "kinds", "kinds", fail), 1):
        where = f"kinds #{index}"
        _fields(entry, "kinds", where, fail)
        kind = _kind_name(entry, where, fail)
        if kind in kinds:
            raise fail(f"{where}.kind", f"'{kind}' is given twice: give each kind once")
        deadlines: list[TimetableDeadline] = []
        for number, item in enumerate(_tables(entry, "deadlines", f"{where}.deadlines", fail), 1):
            deadlines.append(_deadline(item, f"{where} ({kind}).deadlines #{number}", fail))
            if [d.key for d in deadlines].count(deadlines[-1].key) > 1:
                raise fail(f"{where} ({kind}).deadlines #{number}.key", "is given twice in this kind: give each once")
        kinds[kind] = Kind(kind, entry["title"], entry["source"], tuple(deadlines))
    visits: dict[str, Visit] = {}
    for index, entry in enumerate(_tables(data, "visits", "visits", fail), 1):
        where = f"visits #{index}"
        _fields(entry, "visits", where, fail)
        kind = _kind_name(entry, where, fail)
        follows = entry.get("follows")
        if follows is not None and follows not in rules.GRADES:
            raise fail(f"{where}.follows", f"'{follows}' is not one of {', '.join(rules.GRADES)}")
        if kind in visits:
            raise fail(f"{where}.kind", f"'{kind}' is given twice: give each kind once")
        visits[kind] = Visit(kind, entry["title"], follows, entry["source"])
    return Framework(path, bundled, kinds, visits)


def _tables(data: dict, name: str, where: str, fail) -> list[dict]:
    entries = data.get(name, [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise fail(where, f"must be [[{name}]] tables, each with its fields")
    return entries


def _fields(entry: dict, section: str, where: str, fail) -> None:
    """No unknown field; title and source given, as text on one line (source may run on)."""
    if extra := set(entry) - _KEYS[section]:
        raise fail(f"{where}.{sorted(extra)[0]}", f"unknown field: use {', '.join(sorted(_KEYS[section]))}")
    for name in ("title", "source"):
        value = entry.get(name)
        if not isinstance(value, str) or not value.strip():
            problem = "the document or rule it comes from" if name == "source" else "what outputs call it"
            raise fail(f"{where}.{name}", f"required, as text in quotes: {problem}")
        if why := rules.text_problem(value, one_line=name == "title"):
            raise fail(f"{where}.{name}", why)


def _kind_name(entry: dict, where: str, fail) -> str:
    kind = entry.get("kind")
    if kind not in rules.KINDS:
        raise fail(f"{where}.kind", f"{kind!r} is not one of {', '.join(rules.KINDS)}")
    return kind


def _deadline(item: dict, where: str, fail) -> TimetableDeadline:
    _fields(item, "deadlines", where, fail)
    key = item.get("key")
    if not isinstance(key, str) or not key or not key.replace("-", "").isalnum() or not key.isascii():
        raise fail(f"{where}.key", "required: letters, digits and hyphens, e.g. action-plan")
    count = item.get("count")
    if type(count) is not int or not 0 < count <= rules.RULE_DAYS_LIMIT:
        raise fail(f"{where}.count", f"{count!r} must be a whole number from 1 to {rules.RULE_DAYS_LIMIT:,}")
    if item.get("unit") not in rules.RULE_UNITS:
        raise fail(f"{where}.unit", f"{item.get('unit')!r} must be one of {', '.join(rules.RULE_UNITS)}")
    if item.get("after") not in rules.RULE_EVENTS:
        raise fail(f"{where}.after", f"{item.get('after')!r} must be one of {', '.join(rules.RULE_EVENTS)}")
    priority = item.get("priority_actions", False)
    if type(priority) is not bool:
        raise fail(f"{where}.priority_actions", f"{priority!r} must be true or false, without quotes")
    return TimetableDeadline(key, item["title"], count, item["unit"], item["after"], priority, item["source"])


@dataclass
class TimetableRow:
    """One line of `ilacs timetables`: a kind's deadline, a kind that makes none, or a visit recorded on another."""

    kind: str
    title: str
    deadline: str | None
    key: str | None
    count: int | None
    unit: str | None
    after: str | None
    when: str  # always, with --priority-actions, or how a visit is recorded
    source: str


def framework_rows(framework: Framework) -> list[TimetableRow]:
    """Every kind's deadlines (a kind that makes none on a line of its own), then the visits, as the file gives them."""
    rows = []
    for kind in framework.kinds.values():
        rows += [
            TimetableRow(
                kind.kind,
                kind.title,
                d.title,
                d.key,
                d.count,
                d.unit,
                d.after,
                "with --priority-actions" if d.priority_actions else "always",
                d.source,
            )
            for d in kind.deadlines
        ] or [TimetableRow(kind.kind, kind.title, None, None, None, None, None, "no deadlines", kind.source)]
    for visit in framework.visits.values():
        follows = f" of an inspection judged {rules.grade_name(visit.follows).lower()}" if visit.follows else ""
        rows.append(
            TimetableRow(
                visit.kind,
                visit.title,
                None,
                None,
                None,
                None,
                None,
                f"a milestone{follows}, as announced (ilacs add-visit)",
                visit.source,
            )
        )
    return rows


# -- the deadlines an inspection gets --------------------------------------------------------------


@dataclass
class Timetable:
    """The deadlines (as seed file entries) a new inspection gets, and what the user should know about them."""

    deadlines: list[dict[str, Any]]
    notes: list[str]


def timetable(
    framework: Framework | None,
    kind: str | None,
    *,
    received: bool,
    published: bool,
    priority_actions: bool,
    plan_days: int | None,
    plan_unit: str | None,
) -> Timetable:
    """The deadlines the framework gives `kind` (None: no kind, one action plan N days after receipt or publication,
    as ilacs did before timetables came from data), with --plan-days/--plan-unit setting the final action plan's
    period; a rule counting from receipt counts from publication, marked inferred, when no day received is known."""
    if plan_unit is not None and plan_unit not in rules.RULE_UNITS:
        raise IlacsError(f"--plan-unit '{plan_unit}' must be {' or '.join(rules.RULE_UNITS)}", 2)
    if plan_days is not None and not 0 < plan_days <= rules.RULE_DAYS_LIMIT:
        raise IlacsError(f"--plan-days {plan_days} must be a whole number from 1 to {rules.RULE_DAYS_LIMIT:,}", 2)
    notes: list[str] = []
    chosen: list[TimetableDeadline] = []
    if kind is not None:
        assert framework is not None  # read for a kind
        chosen = _kind_deadlines(framework, kind, priority_actions, notes)
    elif priority_actions:
        raise IlacsError("--priority-actions needs --kind: e.g. --kind focused-visit --priority-actions", 2)
    if kind is None or plan_days is not None or plan_unit is not None:
        chosen = _with_plan_period(chosen, plan_days, plan_unit, received)
    return Timetable([_entry(d, received, published) for d in chosen], notes)


def _kind_deadlines(
    framework: Framework, kind: str, priority_actions: bool, notes: list[str]
) -> list[TimetableDeadline]:
    """The deadlines the framework gives a kind, each citing the framework and its own source."""
    from dataclasses import replace

    entry = framework.kinds.get(kind)
    if entry is None:
        raise IlacsError(
            f"the framework ({framework.name}) gives no timetable for '{kind}' (it has "
            f"{', '.join(framework.kinds) or 'none'}): add it as [[kinds]], or give --plan-days for the plan's period",
            2,
        )
    asked = [d for d in entry.deadlines if d.priority_actions]
    if priority_actions and not asked:
        naming = [k.kind for k in framework.kinds.values() if any(d.priority_actions for d in k.deadlines)]
        raise IlacsError(
            f"--priority-actions: the framework ({framework.name}) gives a {entry.title.lower()} no deadlines for "
            f"areas for priority action: leave it out, or give the kind that has them ({', '.join(naming) or 'none'})",
            2,
        )
    chosen = [d for d in entry.deadlines if priority_actions or not d.priority_actions]
    if asked and not priority_actions:
        notes.append(
            f"the framework ({framework.name}) gives a {entry.title.lower()} without areas for priority action "
            f"{'no deadlines' if not chosen else 'only ' + ', '.join(d.title for d in chosen)}: add "
            "--priority-actions when its letter names any"
        )
    elif not chosen:
        notes.append(
            f"the framework ({framework.name}) gives a {entry.title.lower()} no deadlines: give --plan-days if a "
            "plan is asked for"
        )
    return [replace(d, source=f"{framework.name}, {entry.title}: {d.source}") for d in chosen]


def _with_plan_period(
    chosen: list[TimetableDeadline], plan_days: int | None, plan_unit: str | None, received: bool
) -> list[TimetableDeadline]:
    """The deadlines with the final action plan's period set (adding the plan where the kind gives none)."""
    from dataclasses import replace

    plan = next((d for d in chosen if d.key == ACTION_PLAN), None)
    given = plan_days is not None or plan_unit is not None
    source = "ilacs add-inspection" + (" --plan-days" if given else "")
    if plan is None:
        after = "received" if received else "published"
        added = TimetableDeadline(
            ACTION_PLAN, "Action plan to Ofsted", plan_days or 70, plan_unit or "working-days", after, False, source
        )
        return [*chosen, added]
    changed = replace(plan, count=plan_days or plan.count, unit=plan_unit or plan.unit, source=source)
    return [changed if d is plan else d for d in chosen]


def _entry(deadline: TimetableDeadline, received: bool, published: bool) -> dict[str, Any]:
    """A timetable deadline as a seed file's [[deadlines]] entry."""
    after, inferred = deadline.after, {}
    if after == "received" and not received and published:
        after, inferred = "published", {"rule": FROM_PUBLICATION}
    return {
        "key": deadline.key,
        "title": deadline.title,
        "kind": "deadline",
        "rule": {"count": deadline.count, "unit": deadline.unit, "after": after},
        "source": deadline.source,
        "inferred": inferred,
    }


# -- visits recorded as they are announced ----------------------------------------------------------


def record_visit(
    db: Store,
    framework: Framework,
    inspection: str,
    day: dt.date,
    *,
    kind: str = "monitoring-visit",
    note: str | None = None,
    by: str | None = None,
) -> str:
    """Record an announced visit as a dated milestone of the inspection it follows (Monitoring visit 1, 2, ...);
    returns what was recorded."""
    from ilacs_cli.dates.days import outside_years
    from ilacs_cli.domain.addresses import who
    from ilacs_cli.domain.plan import require_inspection

    found = require_inspection(db, inspection)
    visit = framework.visits.get(kind)
    if visit is None:
        named = ", ".join(framework.visits) or "none"
        raise IlacsError(
            f"the framework ({framework.name}) names no visit '{kind}' recorded on an inspection (it has {named}): "
            "add it as [[visits]], or give --kind one of those",
            2,
        )
    overall = next((j.grade for j in db.inspections.judgements(inspection) if j.area == "overall"), None)
    if visit.follows and overall and overall != visit.follows:
        raise IlacsError(
            f"{inspection} was judged {rules.grade_name(overall).lower()} overall, and the framework "
            f"({framework.name}) records a {visit.title.lower()} on an inspection judged "
            f"{rules.grade_name(visit.follows).lower()}: record it on that inspection"
        )
    if why := outside_years(day):
        raise IlacsError(f"the visit's day {why}: give the day announced", 2)
    start = found.fieldwork_end or found.published
    if start and day.isoformat() < start:
        raise IlacsError(f"{day.isoformat()} is before {inspection}'s inspection ({start}): give the day announced", 2)
    if note is not None:
        note = rules.check_text(note, "note")
    prefix = f"{kind}-"
    with db.transaction(command="add-visit", author=who(by), note=note):
        recorded = [d for d in db.deadlines.matching(inspection=inspection) if d.key.startswith(prefix)]
        if same := [d for d in recorded if d.due == day.isoformat()]:
            raise IlacsError(
                f"a {visit.title.lower()} on {human(day)} is recorded already as D{same[0].id}: nothing recorded"
            )
        number = 1 + max((int(d.key[len(prefix) :]) for d in recorded if d.key[len(prefix) :].isdigit()), default=0)
        title = f"{visit.title} {number}"
        db.deadlines.save(
            inspection=inspection,
            key=f"{prefix}{number}",
            title=title,
            kind="milestone",
            due=None,  # set below as a correction: history says who recorded the day, when, and what was announced
            wording=None,
            rule_count=None,
            rule_unit=None,
            rule_after=None,
            status="open",
            met_on=None,
            source=f"ilacs add-visit; {framework.name}: {visit.source}",
        )
        saved = next(d for d in db.deadlines.matching(inspection=inspection) if d.key == f"{prefix}{number}")
        db.deadlines.correct(saved.id, {"due": day.isoformat()})
    return f"D{saved.id}: {title} of {inspection}, {human(day)}"
