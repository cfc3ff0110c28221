"""`ilacs inbox` against a real IMAP server (Dovecot, tests/helpers/dovecot.py): replies written as Outlook writes
them recorded as their owner's updates; forged, replayed, foreign, expired and automatic messages held or ignored;
overlapping runs recording each reply once; an unreachable server or a refused login recording nothing."""

import contextlib
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from email.message import EmailMessage

import pytest
from helpers import plans
from helpers.cli import contents, ok, refused, run_ilacs
from helpers.dovecot import MAILBOX
from helpers.plans import WATSON, copy_of
from helpers.smtp import send_reminders

from ilacs_cli.domain.replies import mint_token

KEY = "a-test-reply-key-of-at-least-32-characters"
GOOD_UNTIL = dt.date(2099, 12, 31)


@pytest.fixture(scope="module")
def plan_template(seeded_template, tmp_path_factory):
    return plans.reminders_plan(seeded_template, tmp_path_factory)


@pytest.fixture()
def plan(plan_template, tmp_path, backend):
    template, ids = plan_template
    return copy_of(template, tmp_path, backend), {name: int(number) for name, number in ids.items()}


def env_for(imap, **extra):
    return {**imap.env(), "ILACS_REPLY_KEY": KEY, "ILACS_USER": "B Khan", **extra}


def outlook_reply(
    body_lines,
    *,
    sender=WATSON,
    token=None,
    message_id="<reply-1@council.example.gov.uk>",
    date="Tue, 02 Jan 2024 09:15:00 +0000",
    extra_headers=(),
):
    """A reply as Outlook writes one: text and HTML parts, the reminder quoted under a From/Sent header, a
    signature and the council's disclaimer."""
    message = EmailMessage()
    message["From"] = f"Anna Watson <{sender}>"
    local, domain = MAILBOX.split("@")
    message["To"] = f"ILACS reminders <{local}+{token}@{domain}>" if token else MAILBOX
    message["Subject"] = "RE: ILACS: 1 action overdue, 1 due soon"
    message["Date"] = date
    message["Message-ID"] = message_id
    for name, value in extra_headers:
        message[name] = value
    text = "\n".join(body_lines) + (
        "\n\nKind regards\nAnna Watson\nHead of Quality Assurance\n\n"
        "This e-mail and any attachments are confidential and intended solely for the addressee.\n\n"
        "From: ILACS reminders <ilacs@council.example.gov.uk>\nSent: 02 January 2024 07:00\n"
        "To: Anna Watson <a.watson@council.example.gov.uk>\nSubject: ILACS: 1 action overdue, 1 due soon\n\n"
        "Overdue\n 2 done: Audit supervision records\n"
    )
    message.set_content(text)
    html_lines = "".join(f"<p class=MsoNormal>{line}<o:p></o:p></p>" for line in body_lines)
    message.add_alternative(
        "<html><head><style>p.MsoNormal{margin:0}</style></head><body><div class=WordSection1>"
        f"{html_lines}<p class=MsoNormal>Kind regards<br>Anna Watson</p>"
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        "<p class=MsoNormal><b>From:</b> ILACS reminders &lt;ilacs@council.example.gov.uk&gt;<br>"
        "<b>Sent:</b> 02 January 2024 07:00<br><b>Subject:</b> ILACS</p></div>"
        "<p>2 done: Audit supervision records</p></div></body></html>",
        subtype="html",
    )
    return bytes(message)


def updates_of(db, action):
    return plans.history(db, action)["updates"]


def test_a_reply_written_in_outlook_is_recorded_as_its_owners_update(imap, plan):
    db, ids = plan
    late, soon = ids["late"], ids["soon"]
    token = mint_token(KEY.encode(), WATSON, [late, soon], GOOD_UNTIL)
    imap.append(
        outlook_reply([f"{late} done: audit finished, report to the board", f"{soon} in progress"], token=token)
    )
    out = ok("inbox", db=db, env=env_for(imap))
    assert f"recorded action {late}: done: audit finished, report to the board (from {WATSON})" in out
    assert f"recorded action {soon}: in-progress (from {WATSON})" in out
    assert "recorded 1 reply, held 0, ignored 0, already processed 0" in out
    latest = updates_of(db, late)[-1]
    assert (latest["author"], latest["new_status"], latest["note"]) == (
        "A Watson",
        "done",
        "audit finished, report to the board",
    )
    assert latest["on"] == "2024-01-02"
    # Its origin is the reply, with its Message-ID, in history (text and JSON) and in changes; others keep theirs.
    assert (latest["origin"], latest["message_id"]) == ("reply by e-mail", "<reply-1@council.example.gov.uk>")
    assert updates_of(db, late)[0]["origin"] == "command" and updates_of(db, late)[0]["message_id"] is None
    assert "reply by e-mail <reply-1@council.example.gov.uk>" in ok("history", str(late), "--csv", db=db)
    from_reply = [c for c in json.loads(ok("changes", "--json", db=db)) if "reply by e-mail" in c["change"]]
    assert [(c["id"], c["author"], c["change"]) for c in from_reply] == [
        (str(late), "A Watson", "not-started -> done, reply by e-mail <reply-1@council.example.gov.uk>"),
        (str(soon), "A Watson", "not-started -> in-progress, reply by e-mail <reply-1@council.example.gov.uk>"),
    ]
    assert imap.message_ids() == [] and imap.message_ids("ilacs/processed") == ["<reply-1@council.example.gov.uk>"]
    # the coordinator who ran the inbox undoes it: the action is back where it was
    ok("undo", db=db, env=env_for(imap))
    assert updates_of(db, late)[-1]["new_status"] == "not-started"


def test_an_html_only_reply_is_read(imap, plan):
    db, ids = plan
    late = ids["late"]
    token = mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    message = EmailMessage()
    message["From"], message["To"] = WATSON, MAILBOX
    message["Subject"], message["Message-ID"] = f"RE: ILACS [{token}]", "<html-only@x>"
    message["Date"] = "Wed, 03 Jan 2024 10:00:00 +0000"
    message.set_content(
        f"<html><body><p><b>{late} Blocked:</b> waiting for the data team</p></body></html>", subtype="html"
    )
    imap.append(bytes(message))
    ok("inbox", db=db, env=env_for(imap))
    latest = updates_of(db, late)[-1]
    assert (latest["new_status"], latest["note"]) == ("blocked", "waiting for the data team")


@pytest.mark.parametrize(
    "case",
    ["forged", "foreign", "expired", "unlisted", "no token", "not theirs", "unknown action"],
)
def test_untrusted_replies_are_held_and_record_nothing(imap, plan, case):
    db, ids = plan
    late, soon = ids["late"], ids["soon"]
    sender, token = WATSON, mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    if case == "forged":
        token = mint_token(b"another key that is not the council's own", WATSON, [late], GOOD_UNTIL)
    elif case == "foreign":
        sender = "someone@elsewhere.example.com"
    elif case == "expired":
        token = mint_token(KEY.encode(), WATSON, [late], dt.date(2024, 1, 31))
    elif case == "no token":
        token = None
    elif case == "not theirs":  # a token listing C Jones's action, made out to A Watson
        late = ids["unaddressed"]
        token = mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    elif case == "unknown action":
        late = 99999
        token = mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    line = f"{soon} done" if case == "unlisted" else f"{late} done"
    imap.append(outlook_reply([line], sender=sender, token=token))
    before = ok("changes", "--json", db=db)
    out = ok("inbox", db=db, env=env_for(imap))
    assert "recorded 0 replies, held 1" in out, out
    reason = {
        "forged": f"not issued to {WATSON}",
        "foreign": "is not the address of any owner on file",
        "expired": "expired on 2024-01-31",
        "unlisted": f"did not list action {soon}",
        "no token": "carries no reply token",
        "not theirs": f"does not own action {late}",
        "unknown action": "does not own action 99999",
    }[case]
    assert reason in out, out
    assert ok("changes", "--json", db=db) == before
    assert imap.message_ids("ilacs/held") == ["<reply-1@council.example.gov.uk>"]
    held = json.loads(ok("inbox", "--held", "--json", db=db))
    assert [item["sender"] for item in held] == [sender]
    if case == "unlisted":  # the coordinator accepts it: recorded as the owner's
        ok("inbox", "--accept", str(held[0]["id"]), db=db, env=env_for(imap))
        assert updates_of(db, soon)[-1]["author"] == "A Watson"
        assert updates_of(db, soon)[-1]["origin"] == "reply by e-mail"  # found through the decision's command
        assert json.loads(ok("inbox", "--held", "--json", db=db)) == []


def test_auto_replies_are_ignored_and_a_replayed_message_is_recorded_once(imap, plan):
    db, ids = plan
    late = ids["late"]
    token = mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    imap.append(
        outlook_reply(
            [f"{late} done"], token=token, message_id="<ooo@x>", extra_headers=[("Auto-Submitted", "auto-replied")]
        )
    )
    imap.append(
        outlook_reply([f"{late} done"], token=token, message_id="<bulk@x>", extra_headers=[("Precedence", "bulk")])
    )
    out = ok("inbox", db=db, env=env_for(imap))
    assert "recorded 0 replies, held 0, ignored 2" in out, out
    assert updates_of(db, late)[-1]["new_status"] == "not-started"
    imap.append(outlook_reply([f"{late} in progress: first"], token=token))
    ok("inbox", db=db, env=env_for(imap))
    imap.append(outlook_reply([f"{late} in progress: first"], token=token))  # the same message again
    out = ok("inbox", db=db, env=env_for(imap))
    assert "already processed 1" in out
    assert [u["note"] for u in updates_of(db, late)].count("first") == 1


def test_two_overlapping_runs_record_each_reply_once(imap, plan):
    db, ids = plan
    late = ids["late"]
    token = mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    for number in range(5):
        imap.append(outlook_reply([f"{late} note: reply {number}"], token=token, message_id=f"<r{number}@x>"))
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(run_ilacs("inbox", db=db, env=env_for(imap)))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    notes = [u["note"] for u in updates_of(db, late) if (u["note"] or "").startswith("reply ")]
    assert sorted(notes) == [f"reply {number}" for number in range(5)], [r.stderr for r in results]
    assert imap.message_ids() == []


def test_dry_run_records_and_moves_nothing(imap, plan):
    db, ids = plan
    late = ids["late"]
    imap.append(outlook_reply([f"{late} done"], token=mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)))
    before = contents(db)
    out = ok("inbox", "--dry-run", db=db, env=env_for(imap))
    assert f"would record action {late}: done" in out
    assert contents(db) == before and imap.message_ids() == ["<reply-1@council.example.gov.uk>"]


def test_a_refused_login_or_an_unreachable_server_is_one_line_and_records_nothing(imap, plan):
    db, ids = plan
    imap.append(outlook_reply([f"{ids['late']} done"]))
    refused("inbox", db=db, code=1, env=env_for(imap, ILACS_INBOX_PASSWORD="wrong"), says="refused the login")
    from helpers.net import free_port

    refused("inbox", db=db, code=1, env=env_for(imap, ILACS_INBOX_PORT=str(free_port())), says="cannot reach")
    assert imap.message_ids() == ["<reply-1@council.example.gov.uk>"]


def test_the_inbox_settings_are_checked(db, tmp_path):
    refused("inbox", db=db, code=1, says="no inbox configured: set ILACS_INBOX_HOST or [inbox] host in")
    refused(
        "inbox",
        db=db,
        code=1,
        env={"ILACS_INBOX_HOST": "imap.example", "ILACS_INBOX_SECURITY": "tls"},
        says="inbox security 'tls' is not one of ssl, starttls, none: fix ILACS_INBOX_SECURITY or [inbox]",
    )
    config = tmp_path / "config.toml"
    config.write_text('[inbox]\nhost = "imap.example"\npassword = "x"\n')
    refused("inbox", db=db, code=1, env={"ILACS_CONFIG": str(config)}, says="[inbox] password is not read from")


# -- the sending side: every digest carries its reply address -------------------------------------------------


def test_a_digest_carries_a_reply_address_and_the_answer_to_it_is_recorded(imap, plan, smtp_server):
    db, ids = plan
    late, soon = ids["late"], ids["soon"]
    mailbox, smtp_env = smtp_server
    env = {**smtp_env, **env_for(imap), "ILACS_INBOX_REPLY_ADDRESS": f"ILACS plans <{MAILBOX}>"}
    sent = send_reminders(db, env)
    assert sent.returncode == 0, sent.stderr
    [watson] = [message for rcpt, message in mailbox.messages if rcpt == [WATSON]]
    local, domain = MAILBOX.split("@")
    reply_to = watson["Reply-To"]
    assert reply_to.startswith(f"{local}+r1.") and reply_to.endswith(f"@{domain}") and len(reply_to.split("@")[0]) <= 64
    assert watson["Subject"] == "ILACS action plan reminder for Tue 2 Jan 2024: 1 overdue, 1 due soon"
    text = watson.get_body(("plain",)).get_content()
    assert "To answer, reply to this e-mail with one line per action: 12 done, 12 done: note" in text
    page = watson.get_body(("html",)).get_content()
    assert f"?subject=Re%3A%20action%20{late}&amp;body={late}%20done%3A%20" in page
    assert f'aria-label="Mark done for action {late}: Audit supervision records"' in page
    assert f'aria-label="Ask for a new date for action {soon}: ' in page
    # The owner answers from Outlook, to the address the digest gave: recorded as her update.
    token = reply_to.split("@")[0].split("+", 1)[1]
    imap.append(outlook_reply([f"{late} done: audit finished"], token=token))
    out = ok("inbox", db=db, env=env)
    assert "recorded 1 reply, held 0" in out
    latest = updates_of(db, late)[-1]
    assert (latest["author"], latest["new_status"], latest["note"]) == ("A Watson", "done", "audit finished")
    # The same token sent on from another address is held, not recorded.
    imap.append(outlook_reply([f"{soon} done"], token=token, sender="someone@else.example", message_id="<fw@x>"))
    assert "held 1" in ok("inbox", db=db, env=env)
    assert updates_of(db, soon)[-1]["new_status"] != "done"


def test_the_token_goes_in_the_subject_where_plus_addresses_are_not_kept(imap, plan, smtp_server):
    db, ids = plan
    mailbox, smtp_env = smtp_server
    env = {**smtp_env, **env_for(imap), "ILACS_INBOX_REPLY_ADDRESS": MAILBOX, "ILACS_INBOX_TOKEN_IN": "subject"}
    assert send_reminders(db, env).returncode == 0
    [watson] = [message for rcpt, message in mailbox.messages if rcpt == [WATSON]]
    assert watson["Reply-To"] == MAILBOX
    assert watson["Subject"].startswith("ILACS action plan reminder for Tue 2 Jan 2024: 1 overdue, 1 due soon [r1.")
    # The coordinator's digest lists no action of his own here: it carries no reply address.
    [khan] = [message for rcpt, message in mailbox.messages if rcpt != [WATSON]]
    assert khan["Reply-To"] is None and "To answer, reply" not in khan.get_body(("plain",)).get_content()


def test_a_bad_reply_setting_is_refused_in_one_line_and_nothing_is_sent(imap, plan, smtp_server):
    db, _ = plan
    mailbox, smtp_env = smtp_server
    env = {**smtp_env, **env_for(imap), "ILACS_INBOX_REPLY_ADDRESS": MAILBOX, "ILACS_INBOX_TOKEN_DAYS": "forever"}
    refused("remind", "--send", "--as-of", "02/01/2024", db=db, env=env, code=1, says="token_days")
    assert mailbox.messages == []


def test_the_coordinators_digest_says_how_many_replies_are_held(imap, plan):
    db, ids = plan
    forged = mint_token(b"another-key-that-is-at-least-32-characters", WATSON, [ids["late"]], GOOD_UNTIL)
    imap.append(outlook_reply([f"{ids['late']} done"], token=forged))
    assert "held 1" in ok("inbox", db=db, env=env_for(imap))
    remind = ["remind", "--as-of", "02/01/2024", "--inspection", plans.PLAN]
    khan = ok(*remind, "--owner", "B Khan", db=db)  # B Khan coordinates the plan
    assert "1 reply by e-mail held for your decision: ilacs inbox --held." in khan
    assert "held for your decision" not in ok(*remind, "--owner", "A Watson", db=db)


def test_the_owner_gets_one_confirmation_of_what_was_recorded_and_not_understood(imap, plan, smtp_server):
    db, ids = plan
    late = ids["late"]
    mailbox, smtp_env = smtp_server
    env = {**smtp_env, **env_for(imap)}
    token = mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    imap.append(outlook_reply([f"{late} done: audit finished", f"{late} finished it yesterday"], token=token))
    ok("inbox", db=db, env=env)
    ok("inbox", db=db, env=env)  # a second run finds nothing new: no second confirmation
    [(to, message)] = mailbox.messages
    assert to == [WATSON] and message["Auto-Submitted"] == "auto-replied"
    assert message["In-Reply-To"] == "<reply-1@council.example.gov.uk>"
    text = message.get_body(("plain",)).get_content()
    assert f"action {late}: done: audit finished" in text
    assert "not understood" in text and f"{late} finished it yesterday" in text


def test_a_recorded_reply_stands_when_no_confirmation_can_be_sent(imap, plan):
    db, ids = plan
    late = ids["late"]
    token = mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    imap.append(outlook_reply([f"{late} done"], token=token))
    out = run_ilacs("inbox", db=db, env=env_for(imap))
    assert out.returncode == 0 and "recorded 1 reply" in out.stdout
    [line] = out.stderr.splitlines()
    assert line.startswith(f"ilacs: no confirmation sent to {WATSON}: ") and "smtp" in line.lower()
    assert updates_of(db, late)[-1]["new_status"] == "done"


@pytest.mark.sqlite_only("reads the file with sqlite3 while the run goes on")
def test_a_run_killed_with_sigkill_loses_nothing_and_the_next_records_the_rest_once(imap, plan, smtp_server):
    """Five replies; `ilacs inbox` killed (SIGKILL) as soon as the first is recorded in the database, while it
    sends that owner's confirmation to an SMTP server that takes 3 s a message. The next run records the other
    four, moves the first on without recording it again, and every reply in the database has its updates."""
    db, ids = plan
    late = ids["late"]
    mailbox, smtp_env = smtp_server
    mailbox.delay = 3.0
    token = mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    for number in range(5):
        imap.append(outlook_reply([f"{late} note: reply {number}"], token=token, message_id=f"<k{number}@x>"))
    env = {**os.environ, **smtp_env, **env_for(imap), "ILACS_DB": str(db)}
    run = subprocess.Popen(
        [sys.executable, "-m", "ilacs_cli", "inbox"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while recorded_replies(db) < 1:
            assert run.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run recorded nothing within 60 s"
            time.sleep(0.02)
        run.send_signal(signal.SIGKILL)
        assert run.wait(10) == -signal.SIGKILL
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert recorded_replies(db) == 1  # killed before the second message was read
    assert sorted(imap.message_ids()) == [f"<k{number}@x>" for number in range(5)]  # nothing moved: none lost
    mailbox.delay = 0.0
    out = ok("inbox", db=db, env={**smtp_env, **env_for(imap)})
    assert "recorded 4 replies, held 0, ignored 0, already processed 1" in out, out
    notes = [u["note"] for u in updates_of(db, late) if (u["note"] or "").startswith("reply ")]
    assert sorted(notes) == [f"reply {number}" for number in range(5)]  # each exactly once
    assert imap.message_ids() == [] and len(imap.message_ids("ilacs/processed")) == 5
    # Nothing half-recorded: each reply claimed is one command whose update is there, and the database checks out.
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT r.message_id, (SELECT count(*) FROM status_updates s WHERE s.batch = r.batch) FROM replies r"
        ).fetchall()
    assert sorted(rows) == [(f"<k{number}@x>", 1) for number in range(5)]
    ok("check", db=db)


def recorded_replies(db):
    """How many replies the database holds, read without writing (the run being watched holds the write lock)."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        try:
            return conn.execute("SELECT count(*) FROM replies").fetchone()[0]
        except sqlite3.OperationalError:  # busy for a moment
            return 0


@pytest.mark.sqlite_only("reads the file with sqlite3")
def test_the_whole_database_export_carries_replies_and_remove_deletes_them_with_their_plan(imap, plan, tmp_path):
    db, ids = plan
    late, soon = ids["late"], ids["soon"]
    token = mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    imap.append(outlook_reply([f"{late} new date 30/06/2024: waiting for the data"], token=token))
    imap.append(outlook_reply([f"{soon} done"], token=token, message_id="<held@x>"))  # not listed: held
    imap.append(
        outlook_reply([f"{late} done"], message_id="<ooo@x>", extra_headers=[("Auto-Submitted", "auto-replied")])
    )
    assert "recorded 1 reply, held 1, ignored 1" in ok("inbox", db=db, env=env_for(imap))
    [held] = json.loads(ok("inbox", "--held", "--json", db=db))
    ok("inbox", "--accept", str(held["id"]), db=db, env=env_for(imap))
    tables = ("replies", "reply_decisions", "date_requests")

    def rows(path):
        with contextlib.closing(sqlite3.connect(path)) as conn:
            return {table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() for table in tables}

    before = rows(db)
    assert [len(before[table]) for table in tables] == [3, 1, 1]
    dump = tmp_path / "all.json"
    ok("export", "--all", "--format", "json", "-o", str(dump), db=db)
    restored = tmp_path / "restored.db"
    ok("import", str(dump), db=restored)
    assert rows(restored) == before
    # In the restored file the update still says which reply it came from, and the held reply was decided.
    assert updates_of(restored, soon)[-1]["message_id"] == "<held@x>"
    assert json.loads(ok("inbox", "--held", "--json", db=restored)) == []
    # Removing the plan deletes its replies, their decision and the date request; the auto-reply, which names no
    # action, stays. Elsewhere they cannot be deleted.
    ok("remove", plans.PLAN, "--yes", db=restored)
    after = rows(restored)
    assert [len(after[table]) for table in tables] == [1, 0, 0]
    assert after["replies"][0][1] == "<ooo@x>"
    with contextlib.closing(sqlite3.connect(restored)) as conn, pytest.raises(sqlite3.IntegrityError, match="evidence"):
        conn.execute("DELETE FROM replies")
    ok("check", db=restored)


# -- XOAUTH2: Dovecot's oauth2 passdb, checking each bearer token with a local introspection endpoint --------------


def token_command_config(tmp_path, token):
    """A config file whose [inbox] token_command prints `token` (auth = "token-command"); its path."""
    tmp_path.mkdir(exist_ok=True)
    script = tmp_path / "print-token.py"
    script.write_text(f"print({token!r})\n")
    config = tmp_path / "config.toml"
    config.write_text(f"[inbox]\ntoken_command = [{json.dumps(sys.executable)}, {json.dumps(str(script))}]\n")
    return config


def test_xoauth2_logs_in_with_the_token_commands_token_and_a_bad_token_records_nothing(imap, plan, tmp_path):
    db, ids = plan
    late = ids["late"]
    from helpers.dovecot import ACCESS_TOKEN

    token = mint_token(KEY.encode(), WATSON, [late], GOOD_UNTIL)
    imap.append(outlook_reply([f"{late} done: audit finished"], token=token))
    oauth = {"ILACS_INBOX_AUTH": "token-command", "ILACS_INBOX_PASSWORD": ""}
    # A token the identity endpoint does not know: Dovecot refuses it, in one line; nothing recorded or moved.
    wrong = env_for(imap, **oauth, ILACS_CONFIG=str(token_command_config(tmp_path / "wrong", "not-a-known-token")))
    before = updates_of(db, late)
    refused("inbox", db=db, code=1, env=wrong, says="refused the XOAUTH2 login for ilacs@council.example.gov.uk")
    assert imap.message_ids() == ["<reply-1@council.example.gov.uk>"] and updates_of(db, late) == before
    # The right one: logged in by XOAUTH2, the reply recorded as A Watson's update.
    right = env_for(imap, **oauth, ILACS_CONFIG=str(token_command_config(tmp_path / "right", ACCESS_TOKEN)))
    assert "recorded 1 reply, held 0" in ok("inbox", db=db, env=right)
    assert (updates_of(db, late)[-1]["author"], updates_of(db, late)[-1]["note"]) == ("A Watson", "audit finished")
    assert imap.introspection.asked[-2:] == ["not-a-known-token", ACCESS_TOKEN]  # Dovecot asked about each
    assert imap.message_ids() == []
