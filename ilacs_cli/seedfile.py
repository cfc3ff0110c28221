"""Reading and checking inspection seed files (TOML): every problem names the file and field."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ilacs_cli.dates import exact_day, parse_due, today_in_england
from ilacs_cli.errors import IlacsError
from ilacs_cli.rules import GRADES, JUDGEMENT_NAMES, KINDS, STATUSES

_KEYS = {
    "inspection": {"id", "authority", "authority_source", "kind", "fieldwork_start", "fieldwork_end",
                   "published", "previous", "source", "notes"},
    "judgements": {"area", "grade", "previous_grade", "source"},
    "areas": {"number", "title", "points", "source"},
    "deadlines": {"key", "title", "kind", "rule", "stated", "due", "wording", "status", "met_on", "source"},
    "actions": {"key", "ref", "area", "title", "owner", "due", "wording", "measure", "status", "note", "on", "source"},
}


@dataclass
class SeedFile:
    """One inspection as written in a seed file, checked."""

    path: Path
    inspection: dict[str, Any]
    judgements: list[dict[str, Any]] = field(default_factory=list)
    areas: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


def read_seed(path: Path) -> SeedFile:
    """Parse and check one seed file; raise IlacsError naming file, field and problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IlacsError(f"no seed file at {path}: check the path") from None
    except OSError as error:
        raise IlacsError(f"cannot read the seed file {path}: {error.strerror}; give a .toml file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
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
    seed = SeedFile(path, inspection, *(data.get(name, []) for name in ("judgements", "areas", "deadlines", "actions")))
    for section in _KEYS:
        entries = [inspection] if section == "inspection" else getattr(seed, section)
        for index, entry in enumerate(entries, 1):
            where = section if section == "inspection" else f"{section} #{index}"
            if extra := set(entry) - _KEYS[section]:
                raise fail(f"{where}.{sorted(extra)[0]}", "unknown field")
            _check(entry, section, lambda name, problem: fail(f"{where}.{name}", problem))
    return seed


def _check(entry: dict, section: str, fail) -> None:
    required = {"inspection": ("id",), "judgements": ("area",), "areas": ("number", "title"),
                "deadlines": ("key", "title"), "actions": ("key", "title")}[section]
    for name in required:
        if entry.get(name) in (None, ""):
            raise fail(name, "required")
    if section == "inspection" and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(entry["id"])):
        raise fail("id", f"'{entry['id']}' must be lower-case letters, digits and hyphens, e.g. brighton-2025")
    choices = {"kind": KINDS if section == "inspection" else ("deadline", "milestone"),
               "area": tuple(JUDGEMENT_NAMES) if section == "judgements" else None,
               "grade": GRADES, "previous_grade": GRADES,
               "status": STATUSES if section == "actions" else ("open", "met", "missed")}
    for name, allowed in choices.items():
        if allowed and name in entry and entry[name] not in allowed:
            raise fail(name, f"'{entry[name]}' is not one of {', '.join(allowed)}")
    if section == "actions" and "on" in entry and exact_day(str(entry["on"])) is None:
        raise fail("on", f"'{entry['on']}' is not a day: give the day the document describes, e.g. 2019-05-15")
    for name in ("fieldwork_start", "fieldwork_end", "published", "stated", "met_on", "due"):
        if name in entry:
            try:
                parse_due(str(entry[name]), today_in_england())
            except IlacsError as error:
                raise fail(name, str(error)) from None
    if section == "deadlines":
        if ("rule" in entry) == ("due" in entry):
            raise fail("rule", "give exactly one of rule and due")
        rule = entry.get("rule")
        if rule is not None and not (
            isinstance(rule, dict) and isinstance(rule.get("count"), int) and rule.get("count") > 0
            and rule.get("unit") in ("working-days", "calendar-days")
            and rule.get("after") in ("published", "fieldwork_end") and len(rule) == 3):
            raise fail("rule", "must be {count = N, unit = working-days|calendar-days, after = published|fieldwork_end}")
    if section == "areas" and not isinstance(entry["number"], int):
        raise fail("number", "must be a whole number")
