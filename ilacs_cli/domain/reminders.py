"""Reminder digests: for each owner, what is overdue and what falls due soon; for coordinators, plan deadlines,
the actions whose owners have no e-mail on file, and the plan's exceptions (overdue and blocked actions, measures
off target). Also the rule that a digest is sent once a day.

Example plans (the seed files shipped with ilacs) are mailed to no one but the people registered for them: none of
what they hold goes to the default coordinator or under "No coordinator".

Returns plain dataclasses; never prints, never renders, never talks SMTP (`deliver` is handed a `send`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ilacs_cli.dates.days import human
from ilacs_cli.domain import rules
from ilacs_cli.domain.plan import require_inspection, require_owner
from ilacs_cli.errors import DeliveryError, IlacsError

if TYPE_CHECKING:
    from ilacs_cli.domain.boards import Board
    from ilacs_cli.domain.replies import ReplyTo
    from ilacs_cli.storage.actions import OwedActionRow
    from ilacs_cli.storage.deadlines import DeadlineRow
    from ilacs_cli.storage.store import Reader, Store

OWN, DEADLINES, NO_EMAIL = "Your actions", "Deadlines of plans you coordinate", "Owners with no e-mail on file"
# Items whose source document gives no status (issue 18), due by the end of the window: never called late, but the
# owner (else the plan's coordinators) is asked to record what is known.
NOT_STATED = "Status not stated: please record one"
NO_COORDINATOR = "No coordinator"
# A coordinator's view of their plans' exceptions (issue 29): every overdue or blocked action, most late first, and
# every measure off target (rules.rate_measure).
EXCEPTIONS = "Overdue and blocked actions in plans you coordinate"
OFF_TARGET = "Measures off target in plans you coordinate"
# Before each board meeting (issue 30): the open actions with no update since the previous board, to their owner
# (else, for owners with no e-mail on file, to the plan's coordinators).
BOARD_UPDATES = "Updates asked for before the board"
BOARD_NO_EMAIL = "Updates asked for before the board, from owners with no e-mail on file"
BOARD_NOTICE_DAYS = 5  # working days before a board that the request goes out ([reminders] board_notice_days)


@dataclass
class ReminderItem:
    kind: str  # "action" or "deadline"
    id: str  # "12" for an action, "D3" for a deadline
    inspection: str
    authority: str | None
    area: int | None
    area_title: str | None
    title: str
    owner: str | None
    due: str | None
    wording: str | None
    status: str
    overdue: bool
    working_days: int  # late when overdue, else left until due
    # Re-scheduled with approval: `due` is then the revised date, the one it is late against.
    planned_due: str | None = None
    revised_due: str | None = None
    approved_by: str | None = None


@dataclass
class MeasureItem:
    """A measure off target, as a coordinator's digest names it."""

    id: str  # M3
    inspection: str
    authority: str | None
    area: int
    title: str
    unit: str
    better: str  # higher or lower
    latest: float | int | None
    latest_on: str | None
    target: float | int
    target_by: str | None
    direction: str | None  # improving, worsening, no change; None with fewer than two readings
    rating: str


@dataclass
class BoardRequest:
    """A board meeting the digest asks for updates before: which, when, and since when an action counts as stale
    (the previous board of the plan; None when this is its first recorded board)."""

    inspection: str
    authority: str | None
    name: str
    day: str  # ISO
    since: str | None  # ISO: the previous board's day
    actions: int  # how many actions this digest asks about


@dataclass
class ReminderGroup:
    inspection: str
    authority: str | None
    area: int | None
    area_title: str | None
    items: list[ReminderItem]


@dataclass
class ReminderSection:
    heading: str
    groups: list[ReminderGroup]


@dataclass
class Digest:
    name: str
    email: str | None
    as_of: str
    within: int
    overdue: int
    due_soon: int
    sections: list[ReminderSection]
    not_stated: int = 0  # items whose status or outcome no one has recorded (asked for, never called late)
    exceptions: int = 0  # overdue or blocked actions of the plans they coordinate (the EXCEPTIONS section)
    off_target: list[MeasureItem] = field(default_factory=list)  # measures off target in those plans
    held: int = 0  # a coordinator's: replies by e-mail held for their decision (ilacs inbox --held)
    boards: list[BoardRequest] = field(default_factory=list)  # boards this digest asks for updates before


@dataclass
class Reminders:
    as_of: dt.date
    working_day: bool
    digests: list[Digest]
    # Example plans that held something to remind of, left out as nobody is registered for it (not mailed).
    examples_not_mailed: list[str] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(digest.overdue for digest in self.digests)


@dataclass
class Delivery:
    to_send: list[Digest] = field(default_factory=list)
    sent: list[Digest] = field(default_factory=list)
    already_sent: list[Digest] = field(default_factory=list)
    unaddressed: list[Digest] = field(default_factory=list)
    failed: list[tuple[Digest, str]] = field(default_factory=list)
    not_attempted: list[Digest] = field(default_factory=list)
    claimed_elsewhere: list[tuple[Digest, str]] = field(default_factory=list)  # and when the other run claimed it
    # Sent, but the database could not record it (a full disk): with when its claim goes stale (UTC), after which a
    # re-run would send it again.
    unrecorded: list[tuple[Digest, dt.datetime]] = field(default_factory=list)
    store_error: str | None = None  # why the database could not be written, when it could not


@dataclass
class _Recipient:
    name: str
    email: str | None
    items: dict[str, list[ReminderItem]] = field(
        default_factory=lambda: {
            OWN: [],
            DEADLINES: [],
            NO_EMAIL: [],
            EXCEPTIONS: [],
            NOT_STATED: [],
            BOARD_UPDATES: [],
            BOARD_NO_EMAIL: [],
        }
    )
    off_target: list[MeasureItem] = field(default_factory=list)
    boards: dict[tuple[str, str], BoardRequest] = field(default_factory=dict)  # by (inspection, day)


def remind(
    db: Reader,
    as_of: dt.date,
    within: int = 10,
    *,
    owner: str | None = None,
    inspection: str | None = None,
    force: bool = False,
    default_coordinator: Callable[[], tuple[str | None, str] | None] = lambda: None,
    held: int = 0,
    board_notice_days: int = BOARD_NOTICE_DAYS,
) -> Reminders:
    """The digests for `as_of`; none on a day that is not an English working day unless `force`.
    `default_coordinator` gives who hears of plans with no coordinator of their own (the configuration's), asked
    only when a digest is made; `held` (replies by e-mail waiting for a coordinator's decision) is said in every
    coordinator's digest; `board_notice_days` working days before a board meeting, each owner is asked for an
    update on the plan's open actions not updated since the previous board."""
    window = rules.due_by(as_of, within, db.calendar)  # checks `within` too
    if inspection is not None:
        require_inspection(db, inspection)
    if owner is not None:  # an owner of actions, or a coordinator (who hears of deadlines)
        require_owner(db, owner, inspection, also=[c.name for c in db.owners.coordinators()])
    working_day = db.calendar.is_working_day(as_of)
    if not working_day and not force:
        return Reminders(as_of, False, [])
    from ilacs_cli.domain.seeds import example_inspections

    examples = set(example_inspections(db))
    left_out: set[str] = set()
    digests = _digests(
        db, as_of, within, window, owner, inspection, default_coordinator, examples, left_out, board_notice_days
    )
    if held:
        configured = default_coordinator()
        deciders = {c.name.casefold() for c in db.owners.coordinators()} | (
            {configured[1].casefold()} if configured else set()
        )
        for digest in digests:
            if digest.name.casefold() in deciders or (digest.email or "").casefold() in deciders:
                digest.held = held
    return Reminders(as_of, working_day, digests, sorted(left_out))


def _digests(
    db: Reader,
    as_of: dt.date,
    within: int,
    window: rules.DueWindow,
    owner: str | None,
    inspection: str | None,
    default_coordinator: Callable[[], tuple[str | None, str] | None],
    examples: set[str],
    left_out: set[str],
    board_notice_days: int = BOARD_NOTICE_DAYS,
) -> list[Digest]:
    today = db.calendar.day_number(as_of)
    coordinators: dict[str, list[tuple[str, str | None]]] = {}
    for coordinator in db.owners.coordinators():
        coordinators.setdefault(coordinator.inspection, []).append((coordinator.name, coordinator.email))
    configured = default_coordinator()
    fallback: list[tuple[str, str | None]] = (
        [(configured[0] or configured[1], configured[1])] if configured else [(NO_COORDINATOR, None)]
    )
    recipients: dict[str, _Recipient] = {}

    def coordinating(plan: str) -> list[tuple[str, str | None]]:
        """Who hears of a plan's deadlines and exceptions: its coordinators, else the default coordinator (or "No
        coordinator"); for an example plan, only coordinators registered for it (noting the plan when there are none)."""
        if plan in coordinators:
            return coordinators[plan]
        if plan in examples:
            left_out.add(plan)
            return []
        return fallback

    def deliver_to(name: str, email: str | None, section: str, item: ReminderItem) -> None:
        key = email.lower() if email else f"name:{name.lower()}"
        recipients.setdefault(key, _Recipient(name, email)).items[section].append(item)

    overdue, overdue_deadline = rules.overdue(as_of), rules.overdue_deadlines(as_of)

    def deliver(
        action_window: rules.DueWindow, deadline_window: rules.DueWindow, *, own: str, no_email: str, deadlines: str
    ) -> None:
        """Actions to their registered owner (else the plan's coordinators), deadlines to the coordinators."""
        for action in db.actions.owed(action_window, inspection=inspection, owner=owner):
            item = _action_item(action, today, overdue)
            if action.owner_email:  # a registered owner of this name in the action's own authority
                assert action.owner_name is not None  # the registered owner the address came from
                deliver_to(action.owner_name, action.owner_email, own, item)
            else:
                for name, email in coordinating(action.inspection):
                    deliver_to(name, email, no_email, item)
        for deadline in db.deadlines.matching(window=deadline_window, inspection=inspection):
            item = _deadline_item(deadline, today, overdue_deadline)
            for name, email in coordinating(deadline.inspection):
                if owner is None or name.lower() == owner.lower():
                    deliver_to(name, email, deadlines, item)

    deliver(
        window,
        rules.DueWindow(rules.OPEN_DEADLINE_STATUSES, window.due_from, window.due_before),
        own=OWN,
        no_email=NO_EMAIL,
        deadlines=DEADLINES,
    )
    # Unknown statuses and outcomes due by the window's end: whoever would hear of them is asked to record one.
    unknown = rules.DueWindow((rules.UNKNOWN,), None, window.due_before)
    deliver(unknown, unknown, own=NOT_STATED, no_email=NOT_STATED, deadlines=NOT_STATED)
    _exceptions(db, as_of, today, inspection, owner, coordinating, recipients)
    _board_requests(db, as_of, today, board_notice_days, inspection, owner, coordinating, recipients)
    digests = [_digest(recipient, as_of, within) for recipient in recipients.values()]
    return sorted(digests, key=lambda digest: (digest.email is None, digest.name.lower()))


def _exceptions(
    db: Reader,
    as_of: dt.date,
    today: int,
    inspection: str | None,
    owner: str | None,
    coordinating: Callable[[str], list[tuple[str, str | None]]],
    recipients: dict[str, _Recipient],
) -> None:
    """Each plan's exceptions to its coordinators: overdue and blocked actions, and measures off target. Something
    overdue is reason enough for a digest; a blocked action or a measure off target goes with a digest the
    coordinator gets anyway (so cron stays silent when nothing is overdue or due)."""
    from ilacs_cli.domain.measures import list_measures

    overdue = rules.overdue(as_of)
    found: dict[str, list[ReminderItem]] = {}
    seen: set[str] = set()
    for window in (overdue, rules.DueWindow(("blocked",))):
        for action in db.actions.owed(window, inspection=inspection):
            if str(action.id) not in seen:
                seen.add(str(action.id))
                found.setdefault(action.inspection, []).append(_action_item(action, today, overdue))
    measures: dict[str, list[MeasureItem]] = {}
    authorities = {row.id: row.authority for row in db.inspections.matching(inspection)}
    for measure in list_measures(db, as_of, inspection=inspection):
        if measure.rating == rules.OFF_TARGET:
            measures.setdefault(measure.inspection, []).append(
                MeasureItem(
                    measure.id,
                    measure.inspection,
                    authorities.get(measure.inspection),
                    measure.area,
                    measure.title,
                    measure.unit,
                    measure.better,
                    measure.latest,
                    measure.latest_on,
                    measure.target,
                    measure.target_by,
                    measure.direction,
                    measure.rating,
                )
            )
    for plan in sorted(set(found) | set(measures)):
        late = any(item.overdue for item in found.get(plan, []))
        for name, email in coordinating(plan):
            if owner is not None and name.lower() != owner.lower():
                continue
            key = email.lower() if email else f"name:{name.lower()}"
            if key not in recipients and not late:
                continue
            recipient = recipients.setdefault(key, _Recipient(name, email))
            recipient.items[EXCEPTIONS] += found.get(plan, [])
            recipient.off_target += measures.get(plan, [])


def boards_asking(db: Reader, as_of: dt.date, notice_days: int, inspection: str | None = None) -> list[Board]:
    """The board meetings whose updates are asked for on `as_of`: those exactly `notice_days` English working days
    after it (a bank holiday between is not counted). Asked on that one working day, so each owner is asked once
    per board (the outbox sends a digest once a day)."""
    from ilacs_cli.domain.boards import list_boards

    if not db.calendar.is_working_day(as_of):  # `remind --force` on a weekend or bank holiday asks nothing
        return []
    return [
        board
        for board in list_boards(db, inspection)
        if board.day > as_of.isoformat()
        and db.calendar.working_days_between(as_of, dt.date.fromisoformat(board.day)) == notice_days
    ]


def _board_requests(
    db: Reader,
    as_of: dt.date,
    today: int,
    notice_days: int,
    inspection: str | None,
    owner: str | None,
    coordinating: Callable[[str], list[tuple[str, str | None]]],
    recipients: dict[str, _Recipient],
) -> None:
    """For each board asked for on `as_of`: every open action of its plan whose latest update (by the day it
    describes) is before the plan's previous board (every open action, before its first recorded board), to its
    owner, else to the plan's coordinators."""
    from ilacs_cli.domain.boards import list_boards

    overdue = rules.overdue(as_of)
    for board in boards_asking(db, as_of, notice_days, inspection):
        earlier = [other.day for other in list_boards(db, board.inspection) if other.day < board.day]
        since = earlier[-1] if earlier else None
        current = (
            {
                update.action_id
                for update in db.actions.updates_describing(board.inspection, dt.date.fromisoformat(since), as_of)
            }
            if since
            else set()
        )
        for action in db.actions.owed(rules.DueWindow(rules.OPEN_STATUSES), inspection=board.inspection, owner=owner):
            if action.id in current:
                continue
            item = _action_item(action, today, overdue)
            targets: list[tuple[str, str | None]]
            if action.owner_email:
                assert action.owner_name is not None  # the registered owner the address came from
                targets, section = [(action.owner_name, action.owner_email)], BOARD_UPDATES
            else:
                targets, section = coordinating(action.inspection), BOARD_NO_EMAIL
            for name, email in targets:
                key = email.lower() if email else f"name:{name.lower()}"
                recipient = recipients.setdefault(key, _Recipient(name, email))
                recipient.items[section].append(item)
                request = recipient.boards.setdefault(
                    (board.inspection, board.day),
                    BoardRequest(board.inspection, action.authority, board.name, board.day, since, 0),
                )
                request.actions += 1


def _action_item(action: OwedActionRow, today: int, overdue: rules.DueWindow) -> ReminderItem:
    late = overdue.matches(action.status, action.due)
    return ReminderItem(
        "action",
        str(action.id),
        action.inspection,
        action.authority,
        action.area,
        action.area_title,
        action.title,
        action.owner,
        action.due,
        action.wording,
        action.status,
        late,
        _working_days(action.due_number, today, late),
        action.planned_due,
        action.revised_due,
        action.approved_by,
    )


def _deadline_item(deadline: DeadlineRow, today: int, overdue: rules.DueWindow) -> ReminderItem:
    late = overdue.matches(deadline.status, deadline.due)
    return ReminderItem(
        "deadline",
        f"D{deadline.id}",
        deadline.inspection,
        deadline.authority,
        None,
        None,
        deadline.title,
        None,
        deadline.due,
        deadline.wording,
        deadline.status,
        late,
        _working_days(deadline.due_number, today, late),
        deadline.planned_due,
        deadline.revised_due,
        deadline.approved_by,
    )


def _working_days(due_number: int | None, today: int, late: bool) -> int:
    """Working days late when overdue, else left until due."""
    days = rules.working_days_late(today if due_number is None else due_number, today)
    return days if late else -days


def _digest(recipient: _Recipient, as_of: dt.date, within: int) -> Digest:
    sections = [ReminderSection(heading, _groups(items)) for heading, items in recipient.items.items() if items]
    apart = (NOT_STATED, EXCEPTIONS, BOARD_UPDATES, BOARD_NO_EMAIL)  # counted apart from overdue and due soon
    items = [item for heading, items in recipient.items.items() if heading not in apart for item in items]
    overdue = sum(item.overdue for item in items)
    return Digest(
        recipient.name,
        recipient.email,
        as_of.isoformat(),
        within,
        overdue,
        len(items) - overdue,
        sections,
        len(recipient.items[NOT_STATED]),
        len(recipient.items[EXCEPTIONS]),
        recipient.off_target,
        boards=sorted(recipient.boards.values(), key=lambda request: (request.day, request.inspection)),
    )


def _groups(items: list[ReminderItem]) -> list[ReminderGroup]:
    """Items grouped by inspection and area; most urgent (earliest due) first, within and across groups."""
    groups: dict[tuple, ReminderGroup] = {}
    for item in sorted(items, key=lambda item: (item.due is None, item.due or "", item.kind, item.id)):
        key = (item.inspection, item.area)
        if key not in groups:
            groups[key] = ReminderGroup(item.inspection, item.authority, item.area, item.area_title, [])
        groups[key].items.append(item)
    return list(groups.values())


def reply_to(digest: Digest, key: bytes, inbox: str, token_in: str, days: int, today: dt.date) -> ReplyTo | None:
    """How the owner answers this digest at the council's `inbox` (domain.replies.ReplyTo): its token lists the
    actions the digest gives them as owner and is good for `days` days; None when it lists none of theirs."""
    from ilacs_cli.domain import replies

    if not digest.email:
        return None
    mine = digest.name.casefold()
    actions = [
        int(item.id)
        for section in digest.sections
        for group in section.groups
        for item in group.items
        if item.kind == "action" and (item.owner or "").casefold() == mine
    ]
    return replies.reply_to(key, inbox, token_in, digest.email, actions, today + dt.timedelta(days=days))


def subject(digest: Digest) -> str:
    """The e-mail subject: counts and the date only (no user-supplied text)."""
    parts = [f"{digest.overdue} overdue"] if digest.overdue else []
    if digest.due_soon:
        parts.append(f"{digest.due_soon} due soon")
    if digest.not_stated:
        parts.append(f"{digest.not_stated} with no status recorded")
    if digest.exceptions or digest.off_target:
        count = digest.exceptions + len(digest.off_target)
        parts.append(f"{count} exception{'' if count == 1 else 's'} in plans you coordinate")
    if digest.boards:
        count = sum(request.actions for request in digest.boards)
        parts.append(f"{count} update{'' if count == 1 else 's'} asked for before a board")
    return f"ILACS action plan reminder for {human(dt.date.fromisoformat(digest.as_of))}: {', '.join(parts)}"


def fingerprint(digest: Digest) -> str:
    """What a digest reminds of; the same items to the same address on the same day are sent once."""
    keys = sorted(
        f"{section.heading}|{item.kind}|{item.id}|{item.overdue}"
        for section in digest.sections
        for group in section.groups
        for item in group.items
    ) + sorted(f"{OFF_TARGET}|measure|{item.id}|{item.latest}|{item.latest_on}" for item in digest.off_target)
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32]


def pending(db: Store, reminders: Reminders, *, force: bool = False) -> Delivery:
    """Sort digests into those to send, those already sent today, and those with no address."""
    delivery = Delivery()
    for digest in reminders.digests:
        if not digest.email:
            delivery.unaddressed.append(digest)
        elif not force and db.mail_log.sent(reminders.as_of, digest.email, fingerprint(digest)):
            delivery.already_sent.append(digest)
        else:
            delivery.to_send.append(digest)
    return delivery


# A claim older than this is a killed run's: the next run sends that digest. A run sends one message in seconds,
# and waits at most its SMTP timeout (30 s by default) for a server.
STALE_CLAIM = dt.timedelta(minutes=15)


def deliver(
    db: Store,
    reminders: Reminders,
    send: Callable[[Digest], str],
    *,
    force: bool = False,
    prepare: Callable[[], None] | None = None,
) -> Delivery:
    """Send each pending digest with `send` (which returns a Message-ID), logging each one as soon as it is sent.

    `prepare` (connecting and logging in) runs once before anything is claimed. Each digest is claimed in the
    database before it is sent, so a run overlapping this one skips it; a claim is
    released when the digest is logged as sent or when sending it fails. A failure is kept and the rest tried,
    unless the server is gone: then the rest are left for a re-run. When the database cannot be written (a full
    disk), sending stops: a digest sent but not logged keeps its claim and is listed in `unrecorded`.
    """
    import uuid

    run = uuid.uuid4().hex
    delivery = pending(db, reminders, force=force)
    to_send = delivery.to_send
    if to_send and prepare is not None:
        try:  # connect and log in first: a refusal then writes nothing at all, not even a claim
            prepare()
        except DeliveryError as error:
            if error.fatal:
                delivery.failed.append((to_send[0], str(error)))
                delivery.not_attempted = to_send[1:]
                return delivery  # else each send tries again
    for index, digest in enumerate(to_send):
        key: dict[str, Any] = {"day": reminders.as_of, "recipient": digest.email, "fingerprint": fingerprint(digest)}
        claimed = dt.datetime.now(dt.UTC)
        try:
            with db.transaction():  # the write lock: no other run claims or logs between the check and the claim
                if not force and db.mail_log.sent(reminders.as_of, key["recipient"], key["fingerprint"]):
                    delivery.already_sent.append(digest)  # another run sent it since this one looked
                    continue
                stale = (claimed - STALE_CLAIM).isoformat(timespec="seconds")
                holder = db.mail_log.claim(**key, run=run, stale_before=stale)
        except IlacsError as error:  # nothing sent for this one: the rest are left for a re-run
            delivery.store_error, delivery.not_attempted = str(error), to_send[index:]
            break
        if holder is not None:
            delivery.claimed_elsewhere.append((digest, holder))
            continue
        try:
            message_id = send(digest)
        except DeliveryError as error:
            delivery.failed.append((digest, str(error)))
            try:
                with db.transaction():
                    db.mail_log.release(**key, run=run)
            except IlacsError as store_error:  # its claim stays: a re-run sends it once the claim is stale
                delivery.store_error, delivery.not_attempted = str(store_error), to_send[index + 1 :]
                break
            if error.fatal:
                delivery.not_attempted = to_send[index + 1 :]
                break
            continue
        try:
            with db.transaction():
                db.mail_log.log(
                    **key,
                    name=digest.name,
                    subject=subject(digest),
                    items=digest.overdue + digest.due_soon,
                    message_id=message_id,
                    run=run,
                )
        except IlacsError as error:
            # Sent, and not recorded: its claim, made before sending, stays, so a re-run leaves it until the claim
            # is stale. Nothing more is sent, as nothing more could be recorded.
            delivery.unrecorded.append((digest, claimed + STALE_CLAIM))
            delivery.store_error, delivery.not_attempted = str(error), to_send[index + 1 :]
            break
        delivery.sent.append(digest)
    return delivery
