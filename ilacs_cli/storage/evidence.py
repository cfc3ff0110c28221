"""Evidence of completion: a link, or a file's resolved path, size and SHA-256 (never its content), on an action.
Adding one and withdrawing one (undo) are each recorded as a change to the action's `evidence`, holding the
evidence as JSON, so the history keeps what was recorded after the row is gone."""

from __future__ import annotations

import json
from typing import NamedTuple

from ilacs_cli.storage import sql
from ilacs_cli.storage.corrections import Corrections
from ilacs_cli.storage.database import Repository, WritingRepository, now


class EvidenceRow(NamedTuple):
    id: int
    action_id: int
    inspection: str
    action_title: str
    kind: str  # link or file
    target: str  # the URL, or the file's resolved path
    size: int | None  # a file's size in bytes when recorded
    sha256: str | None  # a file's SHA-256 (hex) when recorded
    note: str | None
    added_at: str
    added_by: str | None

    def recorded(self) -> str:
        """The evidence as its change records it (JSON): what undo withdraws and history shows."""
        fields = ("id", "kind", "target", "size", "sha256", "note")
        return json.dumps({name: getattr(self, name) for name in fields}, ensure_ascii=False)


_EVIDENCE = f"""SELECT {
    sql.columns(
        EvidenceRow,
        {
            "id": "e.id",
            "action_id": "e.action_id",
            "inspection": "a.inspection_id",
            "action_title": "a.title",
            "kind": "e.kind",
            "target": "e.target",
            "size": "e.size",
            "sha256": "e.sha256",
            "note": "e.note",
            "added_at": "e.added_at",
            "added_by": "e.added_by",
        },
    )
} FROM evidence e JOIN actions a ON a.id = e.action_id"""


class EvidenceReads(Repository):
    """Evidence, read."""

    def of(self, action_id: int) -> list[EvidenceRow]:
        """One action's evidence, in the order it was added."""
        return self._all(f"{_EVIDENCE} WHERE e.action_id = ? ORDER BY e.id", (action_id,), EvidenceRow)

    def matching(self, *, inspection: str | None = None, kind: str | None = None) -> list[EvidenceRow]:
        """Evidence of every action (or one inspection's), of one kind if given, by action then as added."""
        where, params = sql.filters({"a.inspection_id = :inspection": inspection, "e.kind = :kind": kind})
        return self._all(f"{_EVIDENCE} WHERE {where} ORDER BY a.inspection_id, e.action_id, e.id", params, EvidenceRow)

    def get(self, evidence_id: int) -> EvidenceRow | None:
        found = self._all(f"{_EVIDENCE} WHERE e.id = ?", (evidence_id,), EvidenceRow)
        return found[0] if found else None


class Evidence(EvidenceReads, WritingRepository):
    """Evidence, read and written; each addition and withdrawal recorded as a change to the action."""

    def add(
        self, action_id: int, *, kind: str, target: str, size: int | None, sha256: str | None, note: str | None
    ) -> EvidenceRow:
        batch = self.db.current_batch()
        evidence_id = self.db.insert(
            "INSERT INTO evidence (action_id, kind, target, size, sha256, note, added_at, added_by, batch) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (action_id, kind, target, size, sha256, note, now(), batch.author, batch.id),
        )
        assert evidence_id is not None
        added = self.get(evidence_id)
        assert added is not None
        Corrections(self.db).record("action", action_id, "evidence", None, added.recorded(), None)
        return added

    def withdraw(self, recorded: str, *, undoes: int) -> None:
        """Take back the evidence a change recorded (`recorded`: its JSON), recording that as a change too."""
        found = self.get(json.loads(recorded)["id"])
        if found is None:
            return  # withdrawn already
        self.db.write("DELETE FROM evidence WHERE id = ?", (found.id,))
        Corrections(self.db).record("action", found.action_id, "evidence", recorded, None, undoes)
