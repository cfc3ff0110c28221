"""The people who own actions: names, e-mail addresses, roles, the authority they work for, and which plans
they coordinate.

An owner belongs to one authority (a council). An action's owner is matched to a registered owner by name,
ignoring case, within the action's own authority only: a name two councils share never carries one council's
actions to the other's officer. Owners named on actions need not be registered; registering one gives
reminders an address. Returns plain dataclasses; never prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ilacs_cli.domain import rules
from ilacs_cli.domain.addresses import check_email, clean_text, who
from ilacs_cli.domain.plan import require_inspection
from ilacs_cli.errors import IlacsError

if TYPE_CHECKING:
    from ilacs_cli.storage.owners import OwnerRow
    from ilacs_cli.storage.store import Store

_STILL_OPEN = rules.DueWindow(rules.OPEN_STATUSES)  # an owner's open actions


@dataclass
class Owner:
    name: str
    authority: str | None  # None: registered before owners had an authority, and not yet placed
    email: str | None
    role: str | None
    coordinates: list[str]
    actions_open: int
    registered: bool


def list_owners(db: Store) -> list[Owner]:
    """Registered owners, then names written on actions with no registered owner in their authority (so no
    e-mail); each by authority, then name."""
    return [_owner(record) for record in db.owners.matching(_STILL_OPEN)] + [
        _owner(record) for record in db.owners.unregistered(_STILL_OPEN)
    ]


def _owner(record: OwnerRow) -> Owner:
    return Owner(
        record.name,
        record.authority,
        record.email,
        record.role,
        record.coordinates,
        record.actions_open,
        record.id is not None,
    )


def resolve_authority(db: Store, text: str) -> str:
    """The authority named by `text`: its name (ignoring case) or the id of one of its inspections."""
    authorities = db.inspections.authorities()
    wanted = " ".join(text.split()).casefold()
    for authority, inspections in authorities.items():
        if authority.casefold() == wanted or wanted in inspections:
            return authority
    known = "; ".join(authorities) or "none yet: load or add an inspection first"
    raise IlacsError(
        f"no authority '{text}': give an authority's name or one of its inspection ids (authorities: {known})"
    )


def _authority_for(db: Store, authority: str | None, coordinator_for: list[str]) -> str:
    """The authority a new owner belongs to: as given, else that of the plans they coordinate, else the only one."""
    implied = {require_inspection(db, inspection).authority for inspection in coordinator_for}
    if authority is not None:
        chosen = resolve_authority(db, authority)
    elif len(implied) == 1 and None not in implied:
        popped = implied.pop()
        assert popped is not None  # None is not in implied
        chosen = popped
    elif len(db.inspections.authorities()) == 1:
        chosen = next(iter(db.inspections.authorities()))
    else:
        raise IlacsError(
            "this database holds more than one authority: say which this owner works for with "
            f"--authority (one of: {'; '.join(db.inspections.authorities()) or 'none'})",
            2,
        )
    _check_coordinates(db, chosen, coordinator_for)
    return chosen


def _check_coordinates(db: Store, authority: str | None, inspections: list[str]) -> None:
    for inspection in inspections:
        theirs = require_inspection(db, inspection).authority
        if theirs != authority:
            raise IlacsError(
                f"{inspection} is {theirs or 'an unknown authority'}'s plan, not {authority}'s: an owner "
                "coordinates plans of their own authority only",
                2,
            )


def _require_owner(db: Store, name: str, authority: str | None) -> OwnerRow:
    found = db.owners.matching(_STILL_OPEN, name.strip(), resolve_authority(db, authority) if authority else None)
    if not found:
        where = f" in {authority}" if authority else ""
        raise IlacsError(
            f"no registered owner '{name}'{where}: add one with `ilacs owner add \"{name}\" --email ADDRESS`"
        )
    if len(found) > 1:
        raise IlacsError(
            f"'{name}' is registered by {len(found)} authorities ("
            f"{'; '.join(owner.authority or 'none' for owner in found)}): say which with --authority",
            2,
        )
    return found[0]


def add_owner(
    db: Store,
    name: str,
    *,
    email: str | None,
    role: str | None,
    coordinator_for: list[str],
    authority: str | None = None,
    by: str | None = None,
) -> Owner:
    """Register an owner in an authority; returns it."""
    name = clean_text(name, "owner's name")
    email = check_email(email) if email else None
    role = clean_text(role, "role") if role else None
    chosen = _authority_for(db, authority, coordinator_for)
    if db.owners.matching(_STILL_OPEN, name, chosen):
        raise IlacsError(
            f"owner '{name}' is already registered for {chosen}: change them with `ilacs owner set \"{name}\" ...`", 2
        )
    with db.transaction(command="owner add", author=who(by)):
        owner_id = db.owners.add(authority=chosen, name=name, email=email, role=role)
        for inspection in coordinator_for:
            db.owners.add_coordinator(inspection, owner_id)
    return _owner(db.owners.matching(_STILL_OPEN, name, chosen)[0])


def set_owner(
    db: Store,
    name: str,
    *,
    authority: str | None = None,
    move_to: str | None = None,
    new_name: str | None = None,
    email: str | None = None,
    role: str | None = None,
    coordinator_for: Sequence[str] = (),
    not_coordinator_for: Sequence[str] = (),
    by: str | None = None,
) -> Owner:
    """Change a registered owner's name, authority, address, role or coordinating; returns the owner as now
    stored. An empty string for `email` or `role` clears it."""
    found = _require_owner(db, name, authority)
    changes: dict = {}
    target = found.authority
    if move_to is not None:
        target = changes["authority"] = resolve_authority(db, move_to)
    if new_name is not None:
        changes["name"] = clean_text(new_name, "owner's name")
    clash = [
        owner
        for owner in db.owners.matching(_STILL_OPEN, changes.get("name", found.name), target)
        if owner.id != found.id
    ]
    if clash and target is not None:
        raise IlacsError(f"owner '{clash[0].name}' is already registered for {target}: choose another name", 2)
    if email is not None:
        changes["email"] = check_email(email) if email.strip() else None
    if role is not None:
        changes["role"] = clean_text(role, "role") if role.strip() else None
    for inspection in not_coordinator_for:
        require_inspection(db, inspection)
    if target is None and coordinator_for:
        raise IlacsError(f"'{found.name}' has no authority yet: place them first with --move-to AUTHORITY", 2)
    _check_coordinates(db, target, [*coordinator_for, *([] if move_to is None else found.coordinates)])
    if not changes and not coordinator_for and not not_coordinator_for:
        raise IlacsError(
            "nothing to change: give --email, --role, --rename, --move-to, --coordinator or --not-coordinator", 2
        )
    with db.transaction(command="owner set", author=who(by)):
        assert found.id is not None  # a registered owner
        db.owners.correct(found.id, changes)
        if "name" in changes and found.authority is not None:  # their actions go with them, each change recorded
            for action in db.actions.matching(owner=found.name):
                if action.authority == found.authority:
                    db.actions.correct(action.id, {"owner": changes["name"]})
        for inspection in coordinator_for:
            db.owners.add_coordinator(inspection, found.id)
        for inspection in not_coordinator_for:
            db.owners.remove_coordinator(inspection, found.id)
    return _owner(
        next(
            owner
            for owner in db.owners.matching(_STILL_OPEN, changes.get("name", found.name), target)
            if owner.id == found.id
        )
    )
