"""`ilacs remind`: reminder digests, printed or e-mailed."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ilacs_cli.cli.common import (
    AsOf,
    DbOption,
    InspectionOption,
    Json,
    OwnerOption,
    app,
    check_format,
    chosen_db,
    human_day,
    open_store,
    reading,
    today,
    warn_about_place,
)
from ilacs_cli.errors import IlacsError

# -- reminders ----------------------------------------------------------------------

REMIND_HELP = (
    "One digest per owner: what is overdue and what falls due within N working days, grouped by inspection and "
    "area, most urgent first. Coordinators also get their plans' deadlines and the actions whose owners have no "
    "e-mail on file.\n\n"
    "Prints nothing when nothing is due or late. Does nothing on a day that is not an English working day unless "
    "given --force.\n\n"
    "Exit status: 0 done, whether or not anything was found; 1 error, or reminders that could not be sent; "
    "2 bad usage; 3 something is overdue and --fail-on-overdue was given.\n\n"
    "Example: ilacs remind --send   (cron, weekday mornings: see the README)"
)

EXIT_OVERDUE = 3
FORMATS = ("text", "markdown", "html", "json")


Send = Annotated[bool, typer.Option("--send", help="E-mail each recipient their digest.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="With --send: say what would be sent to whom.")]
Force = Annotated[bool, typer.Option("--force", help="Run on a non-working day; send again what was sent today.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Say on stderr what was done, or why nothing was.")]
FailOnOverdue = Annotated[
    bool, typer.Option("--fail-on-overdue", help=f"Exit {EXIT_OVERDUE} when anything is overdue.")
]


@app.command(help=REMIND_HELP)
def remind(
    as_of: AsOf = None,
    within: Annotated[int, typer.Option(help="Working days ahead counted as due soon.")] = 10,
    owner: OwnerOption = None,
    inspection: InspectionOption = None,
    format: Annotated[
        Optional[str], typer.Option("--format", "-f", help="text, markdown (md), html or json (default text).")
    ] = None,
    json: Json = False,
    send: Send = False,
    dry_run: DryRun = False,
    force: Force = False,
    verbose: Verbose = False,
    fail_on_overdue: FailOnOverdue = False,
    db: DbOption = None,
) -> None:
    from ilacs_cli.domain import reminders

    if json and format is not None and check_format(format, FORMATS) != "json":
        raise IlacsError(f"--json and -f {format} ask for two formats: give one", 2)
    format = "json" if json else check_format(format, FORMATS)
    if dry_run and not send:
        raise IlacsError("--dry-run goes with --send: ilacs remind --send --dry-run", 2)
    store = open_store(db, quiet_if_empty=True)  # cron mails whatever is printed: an empty plan says nothing
    reader, day = reading(as_of, store)
    from ilacs_cli.mail.config import board_notice_days, default_coordinator

    found = reminders.remind(
        reader,
        day,
        within,
        owner=owner,
        inspection=inspection,
        force=force,
        default_coordinator=default_coordinator,
        held=len(store.replies.held()),  # as they are now, whatever the day read
        board_notice_days=board_notice_days(),
    )
    if found.examples_not_mailed and (verbose or dry_run or (not send and sys.stderr.isatty())):
        # Not when cron runs it quietly: cron mails whatever is printed, and this holds every day.
        plans = found.examples_not_mailed
        print(
            f"ilacs: example plans are not mailed ({', '.join(plans)}): to try reminders on one, register a "
            f"coordinator for it (ilacs owner add NAME --email ADDRESS --coordinator {plans[0]}), or remove them "
            "with ilacs remove --examples",
            file=sys.stderr,
        )
    if not found.working_day and not force:
        if verbose:
            print(
                f"ilacs: {human_day(day)} is not an English working day: no reminders (--force to run anyway)",
                file=sys.stderr,
            )
        return
    if not found.digests:
        if verbose:
            print(f"ilacs: nothing overdue or due within {within} working days of {human_day(day)}", file=sys.stderr)
    elif send:
        _send(store, found, force=force, dry_run=dry_run, verbose=verbose)
    else:
        from ilacs_cli import render
        from ilacs_cli.render import reminders as view

        print(
            {"text": view.text, "markdown": view.markdown, "html": view.html_page, "json": render.as_json}[format](
                found.digests
            ),
            end="" if format != "json" else "\n",
        )
    if fail_on_overdue and found.overdue:
        raise typer.Exit(EXIT_OVERDUE)


def _send(store, found, *, force: bool, dry_run: bool, verbose: bool) -> None:
    from ilacs_cli.domain import reminders
    from ilacs_cli.render import reminders as view

    if dry_run:
        delivery = reminders.pending(store, found, force=force)
        for digest in delivery.to_send:
            print(f"would send to {view.recipient(digest)}: {reminders.subject(digest)}")
        for digest in delivery.already_sent:
            print(f"already sent today to {view.recipient(digest)}: {reminders.subject(digest)}")
    else:
        from ilacs_cli.mail import config
        from ilacs_cli.mail import smtp as mail

        settings = config.smtp_settings()
        route = config.reply_route()  # issue 30: a reply address and token in every digest, when one is set
        key = config.reply_key() if route else None

        def send(digest) -> str:
            answer = (
                reminders.reply_to(digest, key, route.address, route.token_in, route.days, today())
                if route and key
                else None
            )
            message = mail.compose(
                settings.sender,
                digest.name,
                digest.email,
                answer.subject(reminders.subject(digest)) if answer else reminders.subject(digest),
                view.text([digest], addressed=False, reply=answer),
                view.email_html(digest, reply=answer),
                reply_to=answer.address if answer else None,
            )
            outbox.send(message)
            return message["Message-ID"]

        with mail.Outbox(settings) as outbox:
            delivery = reminders.deliver(store, found, send, force=force, prepare=outbox.open)
        for digest, since in delivery.claimed_elsewhere:  # cron mails this: say why these were not sent here
            print(
                f"ilacs: not sent to {view.recipient(digest)} by this run: another run of ilacs remind has been "
                f"sending it since {since[11:16]} UTC",
                file=sys.stderr,
            )
        if verbose:
            for digest in delivery.sent:
                print(f"ilacs: sent to {view.recipient(digest)}: {reminders.subject(digest)}", file=sys.stderr)
            for digest in delivery.already_sent:
                print(f"ilacs: already sent today to {view.recipient(digest)} (--force to send again)", file=sys.stderr)
    for digest in delivery.unaddressed:
        count = digest.overdue + digest.due_soon
        also = digest.exceptions + len(digest.off_target)
        what = f"{count} reminders" + (f" and {also} exceptions" if also else "")
        fix = (
            "register a coordinator: ilacs owner add NAME --email ADDRESS --coordinator INSPECTION, or set "
            "ILACS_COORDINATOR"
            if digest.name == reminders.NO_COORDINATOR
            else f'ilacs owner set "{digest.name}" --email ADDRESS'
        )
        print(f"ilacs: cannot send {what} to {view.recipient(digest)}: {fix}", file=sys.stderr)
    for digest, stale in delivery.unrecorded:  # the state the database cannot show: name each one
        print(
            f"ilacs: sent to {view.recipient(digest)}, but not recorded as sent: a re-run before "
            f"{stale:%H:%M} UTC leaves it, a later one sends it again, so check their inbox before re-running "
            "after that",
            file=sys.stderr,
        )
    for digest, reason in delivery.failed:
        print(f"ilacs: not sent to {view.recipient(digest)}: {reason}", file=sys.stderr)
    stopped = (
        "the database could not be written"
        if delivery.store_error
        else delivery.failed[-1][1]
        if delivery.failed
        else "sending stopped"
    )
    for digest in delivery.not_attempted:
        print(
            f"ilacs: not sent to {view.recipient(digest)}: not tried, as sending stopped ({stopped})", file=sys.stderr
        )
    unsent = len(delivery.failed) + len(delivery.not_attempted)
    if delivery.store_error:
        raise IlacsError(
            f"{unsent} of {len(delivery.to_send)} reminders not sent, {len(delivery.unrecorded)} sent "
            f"but not recorded, {len(delivery.sent)} sent and recorded: {delivery.store_error}"
        )
    if unsent:
        raise IlacsError(
            f"{unsent} of {len(delivery.to_send)} reminders not sent ({len(delivery.sent)} sent and "
            "logged): fix the cause and re-run the same command to send only the rest"
        )


@app.command()
def schedule(
    at: Annotated[str, typer.Option(help="Time of day to send, HH:MM in the machine's time.")] = "07:30",
    system: Annotated[
        Optional[str], typer.Option("--for", help="windows or unix (Linux, macOS); default: this machine's.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Print what makes the machine's scheduler send the reminders each weekday: a crontab line, or on Windows a schtasks line for cmd.exe and the same task for PowerShell.  Example: ilacs schedule --at 07:30"""
    import datetime as dt
    import os
    import shutil

    from ilacs_cli.render import schedule as lines
    from ilacs_cli.storage.store import default_path

    windows = (system or ("windows" if os.name == "nt" else "unix")).lower()
    if windows not in ("windows", "unix"):
        raise IlacsError(f"--for '{system}' is not a system: use windows or unix", 2)
    hours, colon, minutes = at.strip().partition(":")
    try:
        when = dt.time(int(hours), int(minutes)) if colon and len(minutes) == 2 and hours.isdigit() else None
    except ValueError:
        when = None
    if when is None:
        raise IlacsError(f"--at '{at}' is not a time of day: give HH:MM, e.g. 07:30", 2)
    script = Path(sys.executable).with_name("ilacs.exe" if os.name == "nt" else "ilacs")
    found = str(script) if script.is_file() else shutil.which("ilacs")
    program = [found] if found else [sys.executable, "-m", "ilacs_cli"]
    path = chosen_db(db) or default_path()
    warn_about_place(path)
    arguments = ["remind", "--send", "--db", str(path.expanduser().absolute())]
    if windows == "windows":
        print("In cmd.exe:")
        print(lines.schtasks(program, arguments, when))
        print("Or in PowerShell:")
        print("\n".join(lines.powershell(program, arguments, when)))
    else:
        print(lines.crontab(program, arguments, when))
    if os.environ.get("ILACS_CONFIG"):
        print(
            f"ilacs: ILACS_CONFIG is set here ({os.environ['ILACS_CONFIG']}) but a scheduled task does not have it: "
            "set it for the task's user too, or move the file to the default place (ilacs mail check shows it)",
            file=sys.stderr,
        )
