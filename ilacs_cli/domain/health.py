"""Keeping the file sound: backups, and a check of SQLite's integrity and the project's own invariants.

Returns plain dataclasses; never prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ilacs_cli.dates.days import FIRST_YEAR, LAST_YEAR
from ilacs_cli.errors import IlacsError
from ilacs_cli.storage.migrations import NAMES

if TYPE_CHECKING:
    from ilacs_cli.storage.store import Store
from ilacs_cli.dates.workdays import FIRST_DAY, LAST_DAY


@dataclass
class Finding:
    check: str
    ok: bool
    detail: str


def backup(db: Store, target: Path, *, damaged_too: bool = False) -> tuple[Path, str | None]:
    """Copy the database to `target` (0600), safe while others write (the command line has checked that `target`
    may be written: exchange/files.py's check_target); returns it, and the damage copied with `damaged_too`. A
    damaged file is not copied unless asked: a copy of damage would pass for a backup."""
    if not db.db.postgres and target.resolve() == db.path.resolve():
        raise IlacsError(f"{target} is the database itself: choose another path for the backup", 2)
    fault = db.health.damage()
    if fault is not None and not damaged_too:
        raise IlacsError(
            f"{db.path} is damaged ({fault}): no copy made, as it would pass for a backup; restore an earlier "
            "backup, or add --force to copy it as it is (for investigation)"
        )
    db.backup(target, damaged_too=True)
    return target, fault


def damage_found(path: Path) -> list[Finding] | None:
    """A read-only look at the file before it is opened (never created, written or upgraded): the findings when
    its header, SQLite's quick check or the schema fails; None when it is sound enough to open and `check`."""
    from ilacs_cli.storage.health import examine

    found = examine(path)
    if found is None or not (found.header or found.faults or found.missing):
        return None
    not_run = "not run: the file is not an SQLite database" if found.header else "not run: the file is damaged"
    return [
        Finding("header", not found.header, found.header or "an SQLite database"),
        Finding(
            "integrity",
            not found.faults and not found.header,
            "; ".join(" ".join(fault.replace("*** in database main ***", "").split()) for fault in found.faults)
            or (not_run if found.header else "SQLite quick check ok"),
        ),
        Finding(
            "schema objects",
            not found.missing and not found.header and not found.faults,
            f"missing: {', '.join(found.missing)}" if found.missing else not_run,
        ),
    ]


def check(db: Store) -> list[Finding]:
    """Each check with whether it passed and what it found."""
    problems = db.health.integrity_problems()
    findings = [Finding("integrity", not problems, "; ".join(problems[:5]) or "SQLite integrity check ok")]
    orphans = db.health.foreign_key_problems()
    findings.append(
        Finding(
            "foreign keys",
            not orphans,
            "; ".join(
                f"{problem.table} row {problem.rowid} points to a missing {problem.parent}" for problem in orphans[:5]
            )
            or "every reference points to a row",
        )
    )
    applied = db.health.applied_migrations()
    newer = [name for name in applied if name not in NAMES]
    missing_steps = [name for name in NAMES if name not in applied]
    if newer:
        said = f"made by a newer ilacs ({', '.join(newer)} unknown to this version): upgrade ilacs to check it"
    elif missing_steps:
        said = f"migrations missing: {', '.join(missing_steps)}: restore a backup"
    else:
        said = f"migrations applied: {', '.join(applied)}"
    findings.append(Finding("schema", applied == NAMES, said))
    absent = db.health.missing_schema()
    findings.append(
        Finding(
            "schema objects",
            not absent,
            f"missing: {', '.join(absent)}" if absent else "every table, column, view, trigger and index is there",
        )
    )
    missing = db.health.missing_history_triggers()
    findings.append(
        Finding(
            "history triggers",
            not missing,
            f"missing: {', '.join(missing)}"
            if missing
            else "status updates cannot be changed or deleted; each sets its action's status",
        )
    )
    astray = db.health.actions_out_of_step()
    findings.append(
        Finding(
            "action status",
            not astray,
            "; ".join(
                f"action {item.id} is {item.status} but its latest update says {item.latest_status or 'nothing'}"
                if item.status != item.latest_status
                else f"action {item.id} carries a latest update (time, author or note) that is not its latest update's"
                for item in astray[:5]
            )
            or "every action's status and latest update are its latest update's",
        )
    )
    outside = db.health.due_outside(dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31))
    findings.append(
        Finding(
            "due dates",
            not outside,
            "; ".join(
                f"{item.kind} {'D' if item.kind == 'deadline' else ''}{item.id} is due {item.due}"
                for item in outside[:5]
            )
            + f"; each must be a day in the years {FIRST_YEAR} to {LAST_YEAR}: correct it with ilacs edit"
            if outside
            else f"every due date is a day in the years {FIRST_YEAR} to {LAST_YEAR}",
        )
    )
    shape = db.health.calendar_shape()
    days = (LAST_DAY - FIRST_DAY).days + 1
    calendar_ok = (shape.days, shape.first, shape.last, shape.misnumbered) == (
        days,
        FIRST_DAY.isoformat(),
        LAST_DAY.isoformat(),
        0,
    )
    findings.append(
        Finding(
            "working-day calendar",
            calendar_ok,
            f"{shape.days} days from {shape.first} to {shape.last}, {shape.misnumbered} numbered out of step",
        )
    )
    return findings
