"""The store: one open database and its repositories, each named for what it keeps, built on first use.

    store = Store.open(path)
    with store.transaction(command="update", author="Sam Patel"):
        store.actions.record_update(12, old_status="not-started", new_status="in-progress")
    past = store.as_of(dt.date(2025, 6, 2))      # the plan then: read methods only
    past.actions.lines(window=...)

Every write is a repository method called inside `transaction()`; reads return the typed rows each repository
module defines (ActionRow, DeadlineRow, ...). `Reader` is what the live store and a past view both offer, so that
the domain reads either without knowing which.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ilacs_cli.storage.database import BatchRow, Lazy, WritableDatabase
from ilacs_cli.storage.opening import Opened, default_path, peek_inspection_ids  # noqa: F401 (the store's API)

if TYPE_CHECKING:
    from ilacs_cli.storage.actions import ActionReads, Actions
    from ilacs_cli.storage.boards import BoardReads, Boards
    from ilacs_cli.storage.calendar import Calendar
    from ilacs_cli.storage.corrections import CorrectionReads, Corrections
    from ilacs_cli.storage.deadlines import DeadlineReads, Deadlines
    from ilacs_cli.storage.evidence import Evidence, EvidenceReads
    from ilacs_cli.storage.health import Health
    from ilacs_cli.storage.inspections import InspectionReads, Inspections
    from ilacs_cli.storage.mail_log import MailLog, MailLogReads
    from ilacs_cli.storage.measures import MeasureReads, Measures
    from ilacs_cli.storage.owners import OwnerReads, Owners
    from ilacs_cli.storage.past import PastPlan
    from ilacs_cli.storage.replies import Replies
    from ilacs_cli.storage.tables import Tables


class Reader(Protocol):
    """What reads of a plan need, from the live store or from the plan as of a past day."""

    @property
    def path(self) -> Path: ...
    @property
    def calendar(self) -> Calendar: ...
    @property
    def inspections(self) -> InspectionReads: ...
    @property
    def actions(self) -> ActionReads: ...
    @property
    def deadlines(self) -> DeadlineReads: ...
    @property
    def corrections(self) -> CorrectionReads: ...
    @property
    def owners(self) -> OwnerReads: ...
    @property
    def mail_log(self) -> MailLogReads: ...
    @property
    def measures(self) -> MeasureReads: ...
    @property
    def boards(self) -> BoardReads: ...
    @property
    def evidence(self) -> EvidenceReads: ...


class Store:
    """An open ilacs database: its repositories, its one kind of write (a transaction), and its past."""

    calendar: Lazy[Calendar] = Lazy("calendar", "Calendar")
    inspections: Lazy[Inspections] = Lazy("inspections", "Inspections")
    actions: Lazy[Actions] = Lazy("actions", "Actions")
    deadlines: Lazy[Deadlines] = Lazy("deadlines", "Deadlines")
    corrections: Lazy[Corrections] = Lazy("corrections", "Corrections")
    owners: Lazy[Owners] = Lazy("owners", "Owners")
    mail_log: Lazy[MailLog] = Lazy("mail_log", "MailLog")
    health: Lazy[Health] = Lazy("health", "Health")
    tables: Lazy[Tables] = Lazy("tables", "Tables")
    measures: Lazy[Measures] = Lazy("measures", "Measures")
    boards: Lazy[Boards] = Lazy("boards", "Boards")
    evidence: Lazy[Evidence] = Lazy("evidence", "Evidence")
    replies: Lazy[Replies] = Lazy("replies", "Replies")

    def __init__(self, opened: Opened):
        self.db: WritableDatabase = opened.db
        self.upgrade_backup = opened.upgrade_backup  # the copy made before migrating an existing file
        self.upgrade_notes = opened.upgrade_notes  # what an upgrade could not do by itself, for the user

    @property
    def path(self) -> Path:
        """The database as users name it."""
        return self.db.path

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> Store:
        """Open (and, if asked, create) the database at `path`, upgrading its schema if behind."""
        from ilacs_cli.storage.opening import open_database

        return cls(open_database(path, create=create))

    @classmethod
    @contextmanager
    def creating(cls, path: Path, *, group: str | None = None) -> Iterator[Store]:
        """A new database at `path`, all or nothing: it appears only when the block succeeded."""
        from ilacs_cli.storage.opening import creating

        with creating(path, group=group) as opened:
            yield cls(opened)

    def transaction(
        self,
        origin: str = "command",
        *,
        command: str | None = None,
        author: str | None = None,
        note: str | None = None,
        undoes: str | None = None,
        dry_run: bool = False,
    ) -> contextlib.AbstractContextManager[BatchRow]:
        """One write transaction, recorded as a command (a batch) when `command` is given; see
        WritableDatabase.transaction."""
        return self.db.transaction(origin, command=command, author=author, note=note, undoes=undoes, dry_run=dry_run)

    def as_of(self, day: dt.date) -> PastPlan:
        """The plan as it stood at the end of `day`, rebuilt from its history: read methods only."""
        from ilacs_cli.storage.past import PastPlan

        return PastPlan(self.db, day)

    def backup(self, target: Path, *, damaged_too: bool = False) -> None:
        """Copy the database to `target` with SQLite's online backup, safe while others write; a file no command
        may write (damaged, or a newer ilacs's) is refused first, unless `damaged_too`: a copy made before a write
        would pass for a good backup."""
        from ilacs_cli.storage.opening import backup

        if not damaged_too:
            self.db.refuse_unless_writable()
        if self.db.postgres:
            from ilacs_cli.storage.opening import dump_to

            dump_to(self.tables.dump(), target)
            return
        backup(self.db, target)

    def backup_before(self, what: str) -> Path:
        """A copy of the whole database made before `what` (seed, remove-ID) changes it; its path. A SQLite file
        is copied beside itself; a PostgreSQL database is written as `export --all` writes it (restorable into either
        backend with `ilacs import`), in the user data folder's backups."""
        import datetime as dt

        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        if self.db.postgres:
            folder = default_path().parent / "backups"
            target = folder / f"{self.db.path.name.replace(':', '-').replace('/', '-')}.before-{what}-{stamp}.json"
        else:
            target = self.path.with_name(f"{self.path.name}.before-{what}-{stamp}.bak")
        self.backup(target)
        return target

    def close(self) -> None:
        self.db.close()
