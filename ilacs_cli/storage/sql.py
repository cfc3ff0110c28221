"""Building queries: a SELECT list in a row's field order, WHERE clauses from the filters given, and a due window
as SQL. Portable SQL; what is SQLite's own is in storage/sqlite.py."""

from __future__ import annotations

import datetime as dt

from ilacs_cli.storage.windows import DueWindow


def columns(row: type, expressions: dict[str, str]) -> str:
    """A SELECT list giving `row`'s fields in order, each from its SQL expression."""
    names = list(row._fields)  # type: ignore[attr-defined]
    if names != list(expressions):
        raise AssertionError(f"{row.__name__}: columns {list(expressions)} do not match fields {names}")
    return ", ".join(f"{expression} AS {name}" for name, expression in expressions.items())


def filters(clauses: dict[str, object]) -> tuple[str, dict]:
    """AND together the clauses whose value is given; each :name parameter takes that value."""
    import re

    where, params = ["TRUE"], {}
    for clause, value in clauses.items():
        if value is None:
            continue
        where.append(clause)
        for name in re.findall(r":(\w+)", clause):
            params[name] = value.isoformat() if isinstance(value, dt.date) else value
    return " AND ".join(where), params


def between(since: dt.date, until: dt.date | None) -> dict[str, str | None]:
    """Bounds for a stored time: from the start of `since` to the end of `until` (no end when None)."""
    return {"since": since.isoformat(), "until": (until + dt.timedelta(days=1)).isoformat() if until else None}


def effective_due(table: str) -> str:
    """The one home of the date an action or deadline is late against: its revised date when it was re-scheduled
    (`ilacs reschedule`), else its planned due date. Every window, order and working-day count uses it."""
    return f"coalesce({table}.revised_due, {table}.due)"


def window(due_window: DueWindow, table: str, prefix: str = "w") -> tuple[str, dict]:
    """SQL for a DueWindow on `table`'s status and due columns (the rule itself is the window's)."""
    params: dict[str, str] = {f"{prefix}{index}": status for index, status in enumerate(due_window.statuses)}
    clauses = [f"{table}.status IN ({', '.join(':' + name for name in params)})"]
    if due_window.due_from is not None:
        clauses.append(f"{effective_due(table)} >= :{prefix}_from")
        params[f"{prefix}_from"] = due_window.due_from.isoformat()
    if due_window.due_before is not None:
        clauses.append(f"{effective_due(table)} < :{prefix}_before")
        params[f"{prefix}_before"] = due_window.due_before.isoformat()
    return "(" + " AND ".join(clauses) + ")", params


def statuses_in(column: str, statuses: str | tuple[str, ...], prefix: str = "status") -> tuple[str, dict]:
    """`column IN (...)` for one status or several, with its parameters (IN (NULL) for none)."""
    named = {
        f"{prefix}{index}": name for index, name in enumerate((statuses,) if isinstance(statuses, str) else statuses)
    }
    return f"{column} IN ({', '.join(':' + name for name in named) or 'NULL'})", named
