"""Owners (the officers who lead actions, each in one authority) and the plans they coordinate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from ilacs_cli.storage import sql
from ilacs_cli.storage.corrections import Corrections
from ilacs_cli.storage.database import Repository, WritingRepository, now
from ilacs_cli.storage.windows import DueWindow


class OwnerRow(NamedTuple):
    id: int | None  # None: a name written on actions that is not registered
    authority: str | None
    name: str
    email: str | None
    role: str | None
    coordinates: list[str]
    actions_open: int


class CoordinatorRow(NamedTuple):
    inspection: str
    name: str
    email: str | None


_OWNER_OPEN = (
    "(SELECT count(*) FROM actions a JOIN inspections i ON i.id = a.inspection_id "
    "WHERE a.owner = o.name AND i.authority = o.authority AND {open}) AS actions_open"
)


def _owner(*row) -> OwnerRow:
    owner_id, authority, name, email, role, coordinates, actions_open = row
    return OwnerRow(owner_id, authority, name, email, role, (coordinates or "").split(), actions_open or 0)


class OwnerReads(Repository):
    """Owners and coordinators, read."""

    def matching(self, still_open: DueWindow, name: str | None = None, authority: str | None = None) -> list[OwnerRow]:
        """Registered owners (all, or those of this name ignoring case, in this authority), by authority and name,
        with the inspections they coordinate and how many of their actions in their own authority are in
        `still_open`."""
        late, params = sql.window(still_open, "a")
        return self._all(
            f"""SELECT o.id, o.authority, o.name, o.email, o.role,
                  (SELECT {self.db.dialect.joined("inspection_id", "' '")} FROM
                     (SELECT inspection_id FROM coordinators c WHERE c.owner_id = o.id ORDER BY inspection_id) AS coordinated),
                  {_OWNER_OPEN.format(open=late)}
                FROM owners o WHERE (:name IS NULL OR lower(o.name) = lower(:name))
                  AND (:authority IS NULL OR o.authority = :authority)
                ORDER BY o.authority IS NULL, o.authority, lower(o.name)""",
            {**params, "name": name, "authority": authority},
            _owner,
        )

    def unregistered(self, still_open: DueWindow) -> list[OwnerRow]:
        """Owner names written on actions with no registered owner in that action's authority, each with how many
        of its actions are in `still_open`."""
        late, params = sql.window(still_open, "a")
        return self._all(
            f"""SELECT NULL, i.authority, min(a.owner), NULL, NULL, NULL, {self.db.dialect.count_where(late)} FROM actions a
                JOIN inspections i ON i.id = a.inspection_id
                WHERE a.owner IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM owners o WHERE o.authority = i.authority AND lower(o.name) = lower(a.owner))
                GROUP BY i.authority, lower(a.owner) ORDER BY i.authority IS NULL, i.authority, lower(a.owner)""",
            params,
            _owner,
        )

    def coordinators(self) -> list[CoordinatorRow]:
        """Each inspection's coordinators."""
        return self._all(
            "SELECT c.inspection_id, o.name, o.email FROM coordinators c "
            "JOIN owners o ON o.id = c.owner_id ORDER BY c.inspection_id, lower(o.name)",
            (),
            CoordinatorRow,
        )


class Owners(OwnerReads, WritingRepository):
    """Owners and coordinators, read and written."""

    def add(self, *, authority: str, name: str, email: str | None, role: str | None) -> int:
        self.db.current_batch()
        owner_id = self.db.insert(
            "INSERT INTO owners (authority, name, email, role, created_at) VALUES (?, ?, ?, ?, ?)",
            (authority, name, email, role, now()),
        )
        assert owner_id is not None  # an INSERT that succeeded
        return owner_id

    def correct(self, owner_id: int, changes: Mapping[str, object], *, undoes: dict[str, int] | None = None) -> None:
        """Set the given fields (authority, name, email, role) of one owner, each change recorded."""
        Corrections(self.db).correct("owner", owner_id, changes, ("authority", "name", "email", "role"), undoes)

    def add_coordinator(self, inspection: str, owner_id: int, *, undoes: int | None = None) -> None:
        """Make an owner a coordinator of an inspection's plan (recorded as a change of the owner)."""
        if self.db.write(
            "INSERT INTO coordinators (inspection_id, owner_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (inspection, owner_id),
        ).rowcount:
            Corrections(self.db).record("owner", owner_id, "coordinates", None, inspection, undoes)

    def remove_coordinator(self, inspection: str, owner_id: int, *, undoes: int | None = None) -> None:
        if self.db.write(
            "DELETE FROM coordinators WHERE inspection_id = ? AND owner_id = ?", (inspection, owner_id)
        ).rowcount:
            Corrections(self.db).record("owner", owner_id, "coordinates", inspection, None, undoes)
