"""`ilacs inbox`: owners' replies to their reminders, read over IMAP and recorded as updates or held (issue 30)."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ilacs_cli.cli.common import By, Csv, DbOption, Json, app, nothing, open_store
from ilacs_cli.errors import IlacsError

INBOX_HELP = (
    "Read owners' replies to their reminders from the inbox ([inbox] in the config), record what each says as "
    "status updates by its owner, hold what cannot be trusted, and move each message out of the inbox.\n\n"
    "A reply line is `12 done`, `12 done: note`, `12 in progress: note`, `12 blocked: note`, `12 note: text` or "
    "`12 new date 30/06/2025: reason` (a request for the coordinator, never applied). See docs/replies.md.\n\n"
    "Example: ilacs inbox   (cron, before `ilacs remind --send`)"
)


@app.command(help=INBOX_HELP)
def inbox(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be recorded; record and move nothing.")
    ] = False,
    held: Annotated[bool, typer.Option("--held", help="List the replies held for the coordinator.")] = False,
    accept: Annotated[Optional[str], typer.Option("--accept", help="Record a held reply (its number).")] = None,
    reject: Annotated[Optional[str], typer.Option("--reject", help="Reject a held reply (its number).")] = None,
    by: By = None,
    db: DbOption = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    from ilacs_cli.cli.common import today

    chosen = [name for name, given in (("--held", held), ("--accept", accept), ("--reject", reject)) if given]
    if len(chosen) > 1 or (chosen and dry_run):
        raise IlacsError(f"give one of --held, --accept, --reject, --dry-run, not {' and '.join(chosen)}", 2)
    if held:
        _held(db, json, csv)
        return
    if accept or reject:
        from ilacs_cli.domain import inbox as replies

        store = open_store(db)
        number = accept or reject or ""
        done = replies.decide(store, number, "accepted" if accept else "rejected", today=today(), by=by)
        for line in done:
            print(f"recorded {line}")
        print(f"held reply {number} {'accepted' if accept else 'rejected'}")
        return
    _read(db, dry_run, by)


def _held(db: Optional[Path], json: bool, csv: bool) -> None:
    import json as jsonlib

    from ilacs_cli import render

    rows = open_store(db).replies.held()
    if json:
        print(
            jsonlib.dumps(
                [
                    {
                        "id": row.id,
                        "message_id": row.message_id,
                        "sender": row.sender,
                        "received_at": row.received_at,
                        "on_day": row.on_day,
                        "reason": row.reason,
                        "lines": jsonlib.loads(row.lines),
                    }
                    for row in rows
                ],
                indent=2,
            )
        )
        return
    if not rows:
        nothing("no replies are held")
    from ilacs_cli.dates.days import human

    render.table(
        "Held replies",
        ["id", "from", "sent", "why held", "lines"],
        [
            [
                row.id,
                row.sender,
                row.on_day if csv else human(row.on_day),
                row.reason or "",
                "; ".join(f"{item['action']} {item['verb']}" for item in jsonlib.loads(row.lines)),
            ]
            for row in rows
        ],
        csv_out=csv,
    )


def _read(db: Optional[Path], dry_run: bool, by: Optional[str]) -> None:
    import datetime as dt

    from ilacs_cli.domain import inbox as replies
    from ilacs_cli.mail.config import inbox_settings, reply_key
    from ilacs_cli.mail.imap import open_inbox
    from ilacs_cli.mail.reading import read_message

    settings = inbox_settings()
    key = reply_key()
    store = open_store(db, quiet_if_empty=True)
    counts = {"recorded": 0, "held": 0, "ignored": 0, "seen": 0}
    confirm = _Confirmations()
    with open_inbox(settings) as box, confirm:
        for uid in box.uids():
            raw = box.fetch(uid)
            received = dt.datetime.now(dt.UTC)
            reply = read_message(raw, received)
            outcome = replies.process(store, reply, raw, key=key, received=received, by=by, dry_run=dry_run)
            counts[outcome.outcome] += 1
            prefix = "would record" if dry_run else "recorded"
            for line in outcome.recorded:
                print(f"{prefix} {line} (from {outcome.sender})")
            if outcome.outcome == "held":
                print(f"held reply {outcome.reply_id or '-'} from {outcome.sender}: {outcome.reason}")
            elif outcome.outcome == "ignored":
                print(f"ignored a message from {outcome.sender}: {outcome.reason}")
            for line in outcome.not_understood:
                print(f"not understood, from {outcome.sender}: {line}")
            if dry_run:
                continue
            if outcome.outcome == "recorded" and outcome.recorded:
                confirm.send(outcome)
            folder = settings.held_folder if outcome.outcome == "held" else settings.processed_folder
            box.move(uid, folder)
    for problem in confirm.problems:
        print(f"ilacs: {problem}", file=sys.stderr)
    verb = "would record" if dry_run else "recorded"
    print(
        f"{verb} {counts['recorded']} repl{'y' if counts['recorded'] == 1 else 'ies'}, held {counts['held']}, "
        f"ignored {counts['ignored']}, already processed {counts['seen']}"
    )


class _Confirmations:
    """The one message each owner gets after their reply is recorded, sent through the [smtp] settings on the
    first one that needs it. A reply recorded is never undone for want of a confirmation: a problem is said once."""

    def __init__(self):
        self.outbox = None
        self.unavailable = False  # no [smtp] settings: said once, not tried again this run
        self.problems: list[str] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.outbox is not None:
            self.outbox.__exit__(None, None, None)

    def send(self, outcome) -> None:
        from ilacs_cli.domain import inbox as replies
        from ilacs_cli.errors import DeliveryError
        from ilacs_cli.mail import smtp as mail
        from ilacs_cli.mail.config import smtp_settings

        if self.unavailable:
            return
        try:
            if self.outbox is None:
                self.outbox = mail.Outbox(smtp_settings())
            subject, text = replies.confirmation(outcome)
            settings = self.outbox.settings
            message = mail.compose(
                settings.sender,
                outcome.owner or "",
                outcome.sender,
                subject,
                text,
                None,
                in_reply_to=outcome.message_id,
            )
            self.outbox.send(message)
        except (IlacsError, DeliveryError) as error:
            self.unavailable = self.outbox is None  # the settings were refused, not this one message
            self.problems.append(f"no confirmation sent to {outcome.sender}: {error}")
