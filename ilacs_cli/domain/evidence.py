"""Evidence of completion on an action: a link (http or https), or a file named by its resolved path, size and
SHA-256, never its content (it may hold children's details); and the check of recorded files against the disk.
Never prints."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ilacs_cli.domain import rules
from ilacs_cli.domain.addresses import who
from ilacs_cli.domain.plan import action_row, require_inspection
from ilacs_cli.errors import IlacsError

if TYPE_CHECKING:
    from ilacs_cli.storage.evidence import EvidenceRow
    from ilacs_cli.storage.store import Reader, Store

_CHUNK = 1 << 20  # a file is hashed a mebibyte at a time, so any size takes little memory


@dataclass
class EvidenceItem:
    """A piece of evidence as `show`, `history` and `evidence check` give it."""

    id: str  # E1, E2, ...
    action: int
    inspection: str
    kind: str  # link or file
    target: str  # the URL, or the file's resolved path
    size: int | None
    sha256: str | None
    note: str | None
    added_at: str
    added_by: str | None
    state: str | None = None  # evidence check: ok, missing or changed (files only)


def item_of(row: EvidenceRow, state: str | None = None) -> EvidenceItem:
    return EvidenceItem(
        f"E{row.id}",
        row.action_id,
        row.inspection,
        row.kind,
        row.target,
        row.size,
        row.sha256,
        row.note,
        row.added_at,
        row.added_by,
        state,
    )


def is_link(text: str) -> bool:
    """Whether evidence given as `text` is a web address (http or https) rather than a file's path."""
    return text.strip().lower().startswith(("http://", "https://"))


def file_digest(path: Path) -> tuple[int, str]:
    """A regular file's size in bytes and SHA-256 (hex), read in chunks; its content is kept nowhere."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def add(db: Store, action_id: str, given: str, *, note: str | None = None, by: str | None = None) -> EvidenceItem:
    """Record a link or a file (resolved path, size, SHA-256) as evidence on an action; returns it."""
    found = action_row(db, action_id)
    if note is not None:
        note = rules.check_text(note.strip(), "note") or None
    if is_link(given):
        target = rules.check_text(given.strip(), "link", one_line=True, limit=2_000)
        kind, size, sha256 = "link", None, None
    else:
        path = Path(rules.check_text(given, "path", one_line=True, limit=4_000)).expanduser()
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise IlacsError(
                f"no file '{given}': give the path of an existing file, or a link starting https://"
            ) from None
        if not resolved.is_file():
            what = "a folder" if resolved.is_dir() else "not a regular file"
            raise IlacsError(f"'{given}' is {what}: give the path of one file (or a link starting https://)")
        try:
            size, sha256 = file_digest(resolved)
        except OSError as error:
            raise IlacsError(f"cannot read '{given}' ({error.strerror or error}): check its permissions") from None
        kind, target = "file", str(resolved)
    with db.transaction(command="evidence add", author=who(by), note=note):
        row = db.evidence.add(found.id, kind=kind, target=target, size=size, sha256=sha256, note=note)
    return item_of(row)


def on_action(db: Reader, action_id: int) -> list[EvidenceItem]:
    """An action's evidence, as added."""
    return [item_of(row) for row in db.evidence.of(action_id)]


def state_of(row: EvidenceRow) -> str:
    """A recorded file as it is now: 'ok', 'missing' (no regular file there now) or 'changed' (size or hash)."""
    path = Path(row.target)
    try:
        if not path.is_file():
            return "missing"
        if path.stat().st_size != row.size:
            return "changed"
        return "ok" if file_digest(path) == (row.size, row.sha256) else "changed"
    except OSError:
        return "missing"


def check(db: Reader, inspection: str | None = None) -> list[EvidenceItem]:
    """Every file recorded as evidence (of one inspection, or all), each with its state now."""
    if inspection is not None:
        require_inspection(db, inspection)
    return [item_of(row, state_of(row)) for row in db.evidence.matching(inspection=inspection, kind="file")]


def required_missing(db: Reader, action_id: int) -> str | None:
    """Why an action cannot be done yet when the council requires evidence before done (config), or None."""
    if db.evidence.of(action_id):
        return None
    return (
        f"action {action_id} has no evidence and this council requires evidence before done: "
        f"record it first with `ilacs evidence add {action_id} LINK_OR_PATH`"
    )
