"""`ilacs inbox`: owners' replies recorded as status updates, or held for the coordinator (issue 30).

Each message is one transaction: its Message-ID claimed (UNIQUE) together with the updates it records, so a message
is recorded once across runs and by overlapping runs. A reply is recorded only when its token is valid, unexpired,
issued to the sender's address on file, and lists every action it names; anything else is held. Auto-replies are
ignored: never recorded, never answered. The status updates are the owner's (author), in a batch run by whoever
runs the inbox (so `ilacs undo` by them reverses the last reply recorded), describing the day the reply was sent.
Never prints, no SQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ilacs_cli.domain import replies as grammar
from ilacs_cli.domain.addresses import who
from ilacs_cli.errors import IlacsError

if TYPE_CHECKING:
    from ilacs_cli.domain.replies import ReadReply, ReplyLine
    from ilacs_cli.storage.store import Store

ORIGIN = "reply by e-mail"


@dataclass
class Outcome:
    message_id: str
    sender: str
    outcome: str  # recorded, held, ignored, seen (claimed before: moved on without recording)
    reason: str | None = None
    recorded: list[str] = field(default_factory=list)  # one line per thing recorded
    not_understood: list[str] = field(default_factory=list)
    reply_id: int | None = None
    owner: str | None = None  # the owner the reply was recorded for


def _key(reply: ReadReply, raw: bytes) -> str:
    return reply.message_id or f"<sha256:{hashlib.sha256(raw).hexdigest()}>"


def _why_held(db: Store, reply: ReadReply, parsed: grammar.Parsed, key: bytes, today: dt.date) -> str | None:
    if reply.unreadable:
        return f"not read: {reply.unreadable}"
    if not reply.sender:
        return "it has no sender address"
    if not parsed.lines:
        return "no line in it says what to record (e.g. `12 done: note`)"
    if db.replies.owner_named(reply.sender) is None:
        return f"{reply.sender} is not the address of any owner on file"
    if not reply.tokens:
        return "it carries no reply token (it was not a reply to a reminder)"
    reasons = []
    for candidate in reply.tokens:
        checked = grammar.check_token(key, reply.sender, candidate, today)
        if isinstance(checked, str):
            reasons.append(checked)
            continue
        unlisted = sorted({line.action_id for line in parsed.lines} - set(checked.action_ids))
        if unlisted:
            reasons.append(f"the reminder it answers did not list action {', '.join(map(str, unlisted))}")
            continue
        for line in parsed.lines:
            if db.replies.owner_of(reply.sender, line.action_id) is None:
                return f"{reply.sender} does not own action {line.action_id}"
        return None
    return reasons[0]


def _lines_json(lines: list[ReplyLine]) -> str:
    return json.dumps(
        [
            {
                "action": line.action_id,
                "verb": line.verb,
                "note": line.note,
                **({"new_date": line.new_due.isoformat()} if line.new_due else {}),
            }
            for line in lines
        ]
    )


def _record_lines(db: Store, reply_id: int, owner: str, lines: list[ReplyLine], on_day: dt.date) -> list[str]:
    from ilacs_cli.domain.changes import require_status_as_history_says
    from ilacs_cli.domain.plan import action_row

    done = []
    for line in lines:
        action = action_row(db, str(line.action_id))
        if line.verb == "new-date":
            assert line.new_due is not None
            db.replies.request_date(
                reply_id=reply_id,
                action_id=action.id,
                requested_due=line.new_due.isoformat(),
                reason=line.note,
                author=owner,
            )
            done.append(f"action {action.id}: new date {line.new_due.isoformat()} asked for (for the coordinator)")
            continue
        require_status_as_history_says(db, action)
        db.actions.record_update(
            action.id,
            old_status=action.status,
            new_status=line.status or action.status,
            note=line.note,
            on_day=on_day.isoformat(),
            author=owner,
        )
        done.append(f"action {action.id}: {line.status or 'note'}" + (f": {line.note}" if line.note else ""))
    return done


def process(
    db: Store,
    reply: ReadReply,
    raw: bytes,
    *,
    key: bytes,
    received: dt.datetime,
    by: str | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Record, hold or ignore one message, claiming its Message-ID in the same transaction."""
    message_id = _key(reply, raw)
    today = received.date()
    outcome = Outcome(message_id, reply.sender or "(no sender)", "held")
    if reply.automatic:
        outcome.outcome, outcome.reason = "ignored", reply.automatic
        parsed = grammar.Parsed()
    else:
        parsed = grammar.parse_reply(reply.text)
        outcome.not_understood = parsed.not_understood
        outcome.reason = _why_held(db, reply, parsed, key, today)
    on_day = grammar.described_day(reply.sent, received)
    if outcome.outcome != "ignored" and outcome.reason is None:
        outcome.outcome = "recorded"
    me = who(by)
    owner = db.replies.owner_named(reply.sender) if reply.sender else None
    command = "inbox" if outcome.outcome == "recorded" else None
    note = f"{ORIGIN} {message_id}"[:900] if command else None
    with db.transaction(command=command, author=me, note=note, dry_run=dry_run):
        if db.replies.seen(message_id):  # under the write lock: no other run can claim it between here and the claim
            outcome.outcome, outcome.reason = "seen", "processed by an earlier or another run"
            return outcome
        batch = db.db.current_batch().id if command else None
        reply_id = db.replies.claim(
            message_id=message_id,
            sender=reply.sender or "",
            owner=owner,
            subject=reply.subject,
            sent_at=reply.sent.isoformat() if reply.sent else None,
            on_day=on_day.isoformat(),
            received_at=received.isoformat(timespec="seconds"),
            outcome=outcome.outcome,
            reason=outcome.reason,
            lines=_lines_json(parsed.lines),
            not_understood=json.dumps(parsed.not_understood),
            batch=batch,
        )
        assert reply_id is not None  # not seen, under the write lock
        outcome.reply_id = reply_id
        if outcome.outcome == "recorded":
            assert owner is not None
            outcome.recorded = _record_lines(db, reply_id, owner, parsed.lines, on_day)
            outcome.owner = owner
    return outcome


def decide(db: Store, reply_id: str, decision: str, *, today: dt.date, by: str | None = None) -> list[str]:
    """The coordinator accepts a held reply (its understood lines recorded as the sender's owner's updates) or
    rejects it (nothing recorded); returns what was recorded."""
    if not reply_id.isdigit():
        raise IlacsError(f"'{reply_id[:40]}' is not a held reply's number: see `ilacs inbox --held`", 2)
    me = who(by)
    found = db.replies.get(int(reply_id))
    if found is None or found.outcome != "held":
        raise IlacsError(f"no held reply {reply_id}: see `ilacs inbox --held`")
    if found.decision:
        raise IlacsError(f"held reply {reply_id} was already {found.decision}: nothing was changed")
    lines = [
        grammar.ReplyLine(
            item["action"],
            item["verb"],
            grammar.VERBS.get(item["verb"].replace("-", " ")),
            item["note"],
            dt.date.fromisoformat(item["new_date"]) if item.get("new_date") else None,
        )
        for item in json.loads(found.lines)
    ]
    if decision == "accepted" and not lines:
        raise IlacsError(
            f"held reply {reply_id} has no line to record: reject it with `ilacs inbox --reject {reply_id}`"
        )
    command = "inbox --accept" if decision == "accepted" else None
    with db.transaction(command=command, author=me, note=f"{ORIGIN} {found.message_id}"[:900] if command else None):
        batch = db.db.current_batch().id if command else None
        if not db.replies.decide(found.id, decision, author=me, batch=batch):
            raise IlacsError(f"held reply {reply_id} was already decided: nothing was changed")
        if decision != "accepted":
            return []
        author = found.owner or found.sender
        on_day = dt.date.fromisoformat(found.on_day) if found.on_day else today
        return _record_lines(db, found.id, author, lines, min(on_day, today))


def confirmation(outcome: Outcome) -> tuple[str, str]:
    """The subject and text of the one message an owner gets after their reply was recorded: what was recorded
    and what was not understood (sent marked Auto-Submitted: auto-replied, so no one's out-of-office answers it)."""
    lines = ["Thank you. From your reply, ilacs recorded:", *(f"  - {line}" for line in outcome.recorded)]
    if outcome.not_understood:
        lines += ["", "These lines were not understood, so nothing was recorded for them:"]
        lines += [f"  - {line}" for line in outcome.not_understood]
        lines += ["", "Write one line per action, such as 12 done: note, 12 in progress: note or 12 blocked: note."]
    return "ILACS: your update was recorded", "\n".join(lines) + "\n"
