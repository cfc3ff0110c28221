"""The people who own actions: names, e-mail addresses, roles, and which plans they coordinate.

Owners named on actions need not be registered; registering one gives reminders an address.
Returns plain dataclasses; never prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ilacs_cli import store as storage
from ilacs_cli.addresses import check_email, clean_text
from ilacs_cli.errors import IlacsError
from ilacs_cli.plan import require_inspection
from ilacs_cli.store import Store


@dataclass
class Owner:
    name: str
    email: str | None
    role: str | None
    coordinates: list[str]
    actions_open: int
    registered: bool


def list_owners(db: Store) -> list[Owner]:
    """Registered owners, then names written on actions that are not registered (no address, so no e-mail)."""
    registered = [_from_row(row) for row in db.owners()]
    named = [Owner(row["name"], None, None, [], row["actions_open"], False) for row in db.unregistered_owners()]
    return registered + named


def _require_owner(db: Store, name: str):
    rows = db.owners(name.strip())
    if not rows:
        raise IlacsError(f"no registered owner '{name}': add one with `ilacs owner add \"{name}\" --email ADDRESS`")
    return rows[0]


def add_owner(db: Store, name: str, *, email: str | None, role: str | None,
              coordinator_for: list[str]) -> Owner:
    """Register an owner; returns it."""
    name = clean_text(name, "owner's name")
    if db.owners(name):
        raise IlacsError(f"owner '{name}' is already registered: change them with `ilacs owner set \"{name}\" ...`", 2)
    row = {"name": name, "email": check_email(email) if email else None,
           "role": clean_text(role, "role") if role else None,
           "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    for inspection in coordinator_for:
        require_inspection(db, inspection)
    with db.transaction() as conn:
        owner_id = storage.insert_owner(conn, row)
        for inspection in coordinator_for:
            storage.add_coordinator(conn, inspection, owner_id)
    return _owner(db, name)


def set_owner(db: Store, name: str, *, new_name: str | None = None, email: str | None = None,
              role: str | None = None, coordinator_for: list[str] = (), not_coordinator_for: list[str] = ()) -> Owner:
    """Change a registered owner's name, address, role or coordinating; returns the owner as now stored.

    An empty string for `email` or `role` clears it.
    """
    row = _require_owner(db, name)
    changes: dict = {}
    if new_name is not None:
        changes["name"] = clean_text(new_name, "owner's name")
        clash = db.owners(changes["name"])
        if clash and clash[0]["id"] != row["id"]:
            raise IlacsError(f"owner '{changes['name']}' is already registered: choose another name", 2)
    if email is not None:
        changes["email"] = check_email(email) if email.strip() else None
    if role is not None:
        changes["role"] = clean_text(role, "role") if role.strip() else None
    for inspection in [*coordinator_for, *not_coordinator_for]:
        require_inspection(db, inspection)
    if not changes and not coordinator_for and not not_coordinator_for:
        raise IlacsError("nothing to change: give --email, --role, --rename, --coordinator or --not-coordinator", 2)
    with db.transaction() as conn:
        storage.update_owner(conn, row["id"], changes)
        for inspection in coordinator_for:
            storage.add_coordinator(conn, inspection, row["id"])
        for inspection in not_coordinator_for:
            storage.remove_coordinator(conn, inspection, row["id"])
    return _owner(db, changes.get("name", row["name"]))


def _owner(db: Store, name: str) -> Owner:
    return _from_row(_require_owner(db, name))


def _from_row(row) -> Owner:
    return Owner(row["name"], row["email"], row["role"], (row["coordinates"] or "").split(), row["actions_open"], True)
