"""Reading and checking inspection seed files (TOML): every problem names the file and field."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ilacs_cli.dates.days import exact_day, parse_due, today_in_england
from ilacs_cli.domain.rules import (
    AREA_NUMBER_LIMIT,
    DEADLINE_STATUSES,
    FILE_BYTES_LIMIT,
    GRADES,
    JUDGEMENT_NAMES,
    KINDS,
    POLARITIES,
    RULE_DAYS_LIMIT,
    RULE_EVENTS,
    RULE_UNITS,
    STATUSES,
    UNKNOWN,
    text_problem,
)
from ilacs_cli.errors import IlacsError
from ilacs_cli.textfiles import NotText, parse_toml, read_text

_KEYS = {
    "sources": {"file", "date", "title"},
    "inspection": {
        "id",
        "authority",
        "authority_source",
        "kind",
        "fieldwork_start",
        "fieldwork_end",
        "published",
        "received",
        "previous",
        "source",
        "notes",
        "inferred",
    },
    "judgements": {"area", "grade", "previous_grade", "source"},
    "areas": {"number", "title", "points", "source"},
    "deadlines": {"key", "title", "kind", "rule", "stated", "due", "wording", "status", "met_on", "source", "inferred"},
    "actions": {
        "key",
        "ref",
        "area",
        "title",
        "owner",
        "due",
        "wording",
        "measure",
        "status",
        "note",
        "on",
        "source",
        "inferred",
    },
    "measures": {
        "key",
        "area",
        "title",
        "unit",
        "baseline",
        "baseline_on",
        "target",
        "target_by",
        "better",
        "tolerance",
        "actions",
        "source",
        "inferred",
    },
}
# Fields that are no fact of a document, so never inferred.
_NOT_INFERRED = {"id", "key", "source", "inferred", "notes", "note"}


@dataclass
class SeedFile:
    """One inspection as written in a seed file, checked."""

    path: Path
    inspection: dict[str, Any]
    sources: list[dict[str, Any]] = field(default_factory=list)  # the documents, when the file lists them
    judgements: list[dict[str, Any]] = field(default_factory=list)
    areas: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)  # measures of success, each under an area


def read_seed(path: Path) -> SeedFile:
    """Parse and check one seed file; raise IlacsError naming file, field and problem."""
    try:
        data = parse_toml(read_text(path, FILE_BYTES_LIMIT))
    except FileNotFoundError:
        raise IlacsError(f"no seed file at {path}: check the path") from None
    except OSError as error:
        raise IlacsError(f"cannot read the seed file {path}: {error.strerror}; give a .toml file") from None
    except NotText as error:
        raise IlacsError(f"cannot read the seed file {path.name}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise IlacsError(f"{path.name}: not valid TOML ({error}): fix the file and run again") from None
    return check_seed(data, path)


def check_seed(data: dict[str, Any], path: Path) -> SeedFile:
    """Check parsed seed data (from a file or from command options); raise IlacsError on the first problem."""

    def fail(where: str, problem: str) -> IlacsError:
        return IlacsError(f"{path.name}: {where}: {problem}")

    if data.get("format") != 1:
        raise fail("format", "must be 1")
    unknown = set(data) - set(_KEYS) - {"format"}
    if unknown:
        raise fail(", ".join(sorted(unknown)), "unknown section")
    inspection = data.get("inspection")
    if not isinstance(inspection, dict):
        raise fail("[inspection]", "missing")
    for section in ("sources", "judgements", "areas", "deadlines", "actions", "measures"):
        entries = data.get(section, [])
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise fail(section, f"must be [[{section}]] tables, each with its fields (see docs/seeds.md)")
    seed = SeedFile(
        path,
        inspection,
        *(data.get(name, []) for name in ("sources", "judgements", "areas", "deadlines", "actions", "measures")),
    )
    for section in _KEYS:
        entries = [inspection] if section == "inspection" else getattr(seed, section)
        seen: dict[object, int] = {}
        for index, entry in enumerate(entries, 1):
            where = section if section == "inspection" else f"{section} #{index}"
            if extra := set(entry) - _KEYS[section]:
                raise fail(f"{where}.{sorted(extra)[0]}", "unknown field")
            _check(entry, section, lambda name, problem: fail(f"{where}.{name}", problem))
            if name := _UNIQUE.get(section):  # a second entry would be dropped, or replace the first
                if entry[name] in seen:
                    raise fail(
                        f"{where}.{name}",
                        f"{entry[name]!r} is also {section} #{seen[entry[name]]}'s: each {name} is given once",
                    )
                seen[entry[name]] = index
    _check_sources(seed, fail)
    areas = {area["number"] for area in seed.areas}
    for index, action in enumerate(seed.actions, 1):
        if "area" in action and action["area"] not in areas:
            raise fail(
                f"actions #{index}.area",
                f"no area {action['area']} in this file: add it as [[areas]] "
                f"(areas here: {', '.join(map(str, sorted(areas))) or 'none'})",
            )
    _check_measures(seed, areas, fail)
    return seed


def _check_measures(seed: SeedFile, areas: set[int], fail) -> None:
    """Each measure is under an area of the file, measures actions of the file, and gives its baseline with its day
    (or neither: a baseline the document does not give is unknown)."""
    actions = {action["key"] for action in seed.actions}
    for index, measure in enumerate(seed.measures, 1):
        where = f"measures #{index}"
        if measure["area"] not in areas:
            raise fail(f"{where}.area", f"no area {measure['area']} in this file: add it as [[areas]]")
        if ("baseline" in measure) != ("baseline_on" in measure):
            raise fail(f"{where}.baseline", "give baseline and baseline_on together, or neither (unknown)")
        for key in measure.get("actions", []):
            if key not in actions:
                raise fail(f"{where}.actions", f"no action with key '{key}' in this file: name an action's key")


def _check_sources(seed: SeedFile, fail) -> None:
    """When a file lists its documents ([[sources]]), every fact's source is one of them and each is used; only a
    fact taken from a listed document may be `unknown` (a council's own action or deadline has a status)."""
    listed = {source["file"]: index for index, source in enumerate(seed.sources, 1)}
    default = seed.inspection.get("source")
    used = set()
    for section in ("inspection", "judgements", "areas", "deadlines", "actions", "measures"):
        entries = [seed.inspection] if section == "inspection" else getattr(seed, section)
        for index, entry in enumerate(entries, 1):
            where = section if section == "inspection" else f"{section} #{index}"
            source = entry.get("source", default)
            if entry.get("status") == UNKNOWN and source not in listed:
                raise fail(
                    f"{where}.status",
                    f"'{UNKNOWN}' is only for a fact taken from a document listed in "
                    "[[sources]]: give the status you know, or list the document",
                )
            if not listed or (section == "inspection" and source is None):
                continue
            if source not in listed:
                raise fail(
                    f"{where}.source",
                    f"'{source}' is not listed in [[sources]]: add it as [[sources]] "
                    "(file, date, title), or name a listed document",
                )
            used.add(source)
    for file, index in listed.items():
        if file not in used:
            raise fail(f"sources #{index}.file", f"'{file}' is used by no fact: remove it, or name it as a source")


# The field that tells a section's entries apart; a dated field (the lead's `on` too) is read as a date.
_UNIQUE = {
    "sources": "file",
    "judgements": "area",
    "areas": "number",
    "deadlines": "key",
    "actions": "key",
    "measures": "key",
}
_DATES = ("fieldwork_start", "fieldwork_end", "published", "received", "stated", "met_on", "due", "on", "date")
_MEASURE_DATES = ("baseline_on", "target_by")  # a measure's days: exact days, never periods
_WHOLE_NUMBERS = {("areas", "number"), ("actions", "area"), ("measures", "area")}
_NUMBERS = {"baseline", "target", "tolerance"}  # a measure's values


def _check(entry: dict, section: str, fail) -> None:
    """Each field's type and range, then the rules between fields; `fail(field, problem)` makes the error."""
    required = {
        "sources": ("file", "title"),
        "inspection": ("id",),
        "judgements": ("area",),
        "areas": ("number", "title"),
        "deadlines": ("key", "title"),
        "actions": ("key", "title"),
        "measures": ("key", "area", "title", "unit", "target", "better"),
    }[section]
    for name in required:
        if entry.get(name) in (None, ""):
            raise fail(name, "required")
    days = {}
    for name, value in entry.items():
        if name in _DATES:
            days[name] = _day(value, lambda problem: fail(name, problem))
        elif (section, name) in _WHOLE_NUMBERS:
            if type(value) is not int or not 1 <= value <= AREA_NUMBER_LIMIT:
                raise fail(name, f"{value!r} must be a whole number from 1 to {AREA_NUMBER_LIMIT}")
        elif name == "points":
            if not isinstance(value, list) or not all(isinstance(point, str) for point in value):
                raise fail(name, 'must be a list of text, e.g. ["first point", "second point"]')
            for point in value:
                if why := text_problem(point):
                    raise fail(name, why)
        elif section == "measures" and name in _MEASURE_DATES:
            day = exact_day(str(value)) if isinstance(value, (dt.date, str)) else None
            if day is None or isinstance(value, dt.datetime):
                raise fail(name, f"{value!r} must be a day, e.g. 2024-03-31")
            days[name] = day
        elif section == "measures" and name in _NUMBERS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) >= 10**12:
                raise fail(name, f"{value!r} must be a number, e.g. 52.5 (no quotes)")
            if name == "tolerance" and value < 0:
                raise fail(name, f"{value!r} must be 0 or more")
        elif section == "measures" and name == "actions":
            if not isinstance(value, list) or not all(isinstance(key, str) for key in value):
                raise fail(name, 'must be a list of action keys, e.g. ["es-1"]')
        elif name == "inferred":
            _check_inferred(entry, section, value, fail)
        elif name != "rule":
            if not isinstance(value, str):
                raise fail(name, f"{value!r} must be text, in quotes")
            if why := text_problem(value):
                raise fail(name, why)
    if section == "inspection" and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", entry["id"]):
        raise fail("id", f"'{entry['id']}' must be lower-case letters, digits and hyphens, e.g. brighton-2025")
    if days.get("fieldwork_start") and days.get("fieldwork_end") and days["fieldwork_end"] < days["fieldwork_start"]:
        raise fail("fieldwork_end", f"{days['fieldwork_end']} is before fieldwork_start, {days['fieldwork_start']}")
    if days.get("received") and days.get("fieldwork_end") and days["received"] < days["fieldwork_end"]:
        raise fail(
            "received",
            f"{days['received']} is before fieldwork_end, {days['fieldwork_end']}: the report is received after the "
            "fieldwork; give the day it came",
        )
    choices = {
        "kind": KINDS if section == "inspection" else ("deadline", "milestone"),
        "area": tuple(JUDGEMENT_NAMES) if section == "judgements" else None,
        "grade": GRADES,
        "previous_grade": GRADES,
        "status": (*STATUSES, UNKNOWN) if section == "actions" else (*DEADLINE_STATUSES, UNKNOWN),
        "better": POLARITIES,
    }
    for name, allowed in choices.items():
        if allowed and name in entry and entry[name] not in allowed:
            raise fail(name, f"'{entry[name]}' is not one of {', '.join(allowed)}")
    for name in ("on", "date"):
        if section in ("actions", "sources") and name in entry and exact_day(str(entry[name])) is None:
            raise fail(name, f"'{entry[name]}' is not a day: give the day the document describes, e.g. 2019-05-15")
    if days.get("target_by") and days.get("baseline_on") and days["target_by"] < days["baseline_on"]:
        raise fail("target_by", f"{days['target_by']} is before baseline_on, {days['baseline_on']}")
    if section == "deadlines":
        if ("rule" in entry) == ("due" in entry):
            raise fail("rule", "give exactly one of rule and due")
        rule = entry.get("rule")
        if rule is not None and not (
            isinstance(rule, dict)
            and type(rule.get("count")) is int
            and 0 < rule["count"] <= RULE_DAYS_LIMIT
            and rule.get("unit") in RULE_UNITS
            and rule.get("after") in RULE_EVENTS
            and len(rule) == 3
        ):
            raise fail(
                "rule",
                f"must be {{count = N, unit = {'|'.join(RULE_UNITS)}, after = "
                f"{'|'.join(RULE_EVENTS)}}}, N from 1 to {RULE_DAYS_LIMIT:,}",
            )


def _check_inferred(entry: dict, section: str, inferred: object, fail) -> None:
    """`inferred = {field = "reason"}`: each field one this entry gives, each reason text."""
    example = 'e.g. inferred = { kind = "previous overall grade outstanding: short inspection" }'
    if not isinstance(inferred, dict):
        raise fail("inferred", f'must be a table of field = "reason", {example}')
    for name, reason in inferred.items():
        if name not in _KEYS[section] or name in _NOT_INFERRED:
            allowed = ", ".join(sorted(_KEYS[section] - _NOT_INFERRED))
            raise fail(f"inferred.{name}", f"no such field to infer: use one of {allowed}")
        if name not in entry:
            raise fail(f"inferred.{name}", f"{name} is not given here: give its value, or remove the inference")
        if not isinstance(reason, str) or not reason.strip():
            raise fail(f"inferred.{name}", "must be the reason, as text: why the value follows from the document")
        if why := text_problem(reason):
            raise fail(f"inferred.{name}", why)


def _day(value: object, fail) -> dt.date:
    """A seed file's date: a TOML date (2025-03-03) or text in a form the command line takes ("June 2025")."""
    if isinstance(value, (dt.datetime, dt.time)) or not isinstance(value, (dt.date, str)):
        raise fail(f'{value!r} must be a date, e.g. 2025-03-03 or "June 2025"')
    try:
        return parse_due(str(value), today_in_england()).day
    except IlacsError as error:
        raise fail(str(error)) from None
