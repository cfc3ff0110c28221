"""Reminders from cron and e-mail to owners, through the real CLI, a real SQLite file and a real SMTP server."""

import functools
import json
from html.parser import HTMLParser

import pytest
from helpers import cli, plans
from helpers.cli import contents
from helpers.cli import run_ilacs as ilacs
from helpers.plans import KHAN, NEW_YEAR, PLAN, WATSON, add_officers, copy_of
from helpers.smtp import send_reminders

ok = functools.partial(cli.ok, strip=True)  # every output here is an id or a line compared whole

PATEL = "d.patel@council.example.gov.uk"


@pytest.fixture(scope="module")
def plan_template(seeded_template, tmp_path_factory):
    """Owners with and without addresses, and actions either side of Christmas 2023 (built once, copied per test);
    returns the database and the actions' ids by name."""
    return plans.reminders_plan(seeded_template, tmp_path_factory)


@pytest.fixture()
def plan(plan_template, tmp_path, backend):
    template, ids = plan_template
    return copy_of(template, tmp_path, backend), ids


def digests(db, *args, env=None):
    return {digest["name"]: digest for digest in json.loads(ok("remind", "-f", "json", *args, db=db, env=env))}


def items(digest, heading=None):
    return [
        item
        for section in digest["sections"]
        if heading in (None, section["heading"])
        for group in section["groups"]
        for item in group["items"]
    ]


def test_one_digest_per_owner_in_working_days(plan):
    db, ids = plan
    found = digests(db, "--as-of", NEW_YEAR, "--inspection", PLAN)
    assert set(found) == {"A Watson", "B Khan"}
    watson = found["A Watson"]
    assert (watson["email"], watson["overdue"], watson["due_soon"]) == (WATSON, 1, 1)
    assert [(i["id"], i["overdue"], i["working_days"]) for i in items(watson)] == [
        (ids["late"], True, 4),  # 27, 28, 29 Dec and 2 Jan
        (ids["soon"], False, 8),
    ]  # 3, 4, 5, 8, 9, 10, 11, 12 Jan
    khan = found["B Khan"]
    assert [(i["id"], i["owner"]) for i in items(khan, "Owners with no e-mail on file")] == [
        (ids["unaddressed"], "C Jones")
    ]
    assert ids["later"] not in {i["id"] for d in found.values() for i in items(d)}


def test_text_digest_grouped_by_area_most_urgent_first(plan):
    db, ids = plan
    text = ok("remind", "--as-of", NEW_YEAR, "--inspection", PLAN, "--owner", "A Watson", db=db)
    lines = text.splitlines()
    assert lines[0] == f"To: A Watson <{WATSON}>"
    assert lines[1] == "As of Tue 2 Jan 2024: 1 overdue, 1 due within 10 working days."
    area2 = lines.index(
        "  East Sussex County Council (east-sussex-2023), area 2: "
        "The recording of management oversight, supervision and direction"
    )
    assert lines[area2 + 1] == f"    [{ids['late']}] Audit supervision records"
    assert lines[area2 + 2] == "        due Fri 22 Dec 2023: 4 working days late; not started"
    assert text.index("Audit supervision records") < text.index("Refresh the neglect toolkit")
    assert "B Khan" not in text and "C Jones" not in text


def test_coordinator_hears_of_deadlines(plan):
    db, _ = plan
    khan = digests(db, "--as-of", "10/05/2024", "--inspection", PLAN)["B Khan"]
    deadlines = items(khan, "Deadlines of plans you coordinate")
    # Issue 18: the document records no outcome for the final plan (unknown), so it is not called due or late.
    assert [(d["title"], d["due"], d["working_days"]) for d in deadlines] == []
    # A deadline a council's own plan holds open is: 70 working days after Tue 6 Feb 2024 is Fri 17 May 2024,
    # 5 working days after Fri 10 May.
    ok(
        "add-inspection",
        "lewes-2024",
        "--authority",
        "East Sussex County Council",
        "--published",
        "06/02/2024",
        "--area",
        "Care plans",
        db=db,
    )
    ok("owner", "set", "B Khan", "--coordinator", "lewes-2024", db=db)
    khan = digests(db, "--as-of", "10/05/2024", "--inspection", "lewes-2024")["B Khan"]
    deadlines = items(khan, "Deadlines of plans you coordinate")
    assert [(d["title"], d["due"], d["working_days"]) for d in deadlines] == [
        ("Action plan to Ofsted", "2024-05-17", 5)
    ]


def test_an_outcome_no_document_records_is_asked_for_never_called_late(plan, smtp_server):
    """Issue 18: East Sussex's final plan (D2, by Fri 17 May 2024) has no recorded outcome. Its coordinator is asked
    to record one, before and after the day, and it is never counted overdue or due; recording it ends the asking."""
    db, _ = plan
    mailbox, env = smtp_server
    for day, left in (("10/05/2024", "please record it"), ("20/05/2024", "please record it")):
        khan = digests(db, "--as-of", day, "--inspection", PLAN)["B Khan"]
        asked = items(khan, "Status not stated: please record one")
        assert [(i["id"], i["status"], i["overdue"]) for i in asked] == [("D2", "unknown", False)], day
        assert khan["not_stated"] == 1, day  # counted apart; D2 is in no other section
        assert [i["id"] for i in items(khan) if i["id"].startswith("D")] == ["D2"], day
        text = ok("remind", "--as-of", day, "--inspection", PLAN, "--owner", "B Khan", db=db)
        assert f"due Fri 17 May 2024 (by 17 May 2024): {left}; outcome not recorded" in text
        assert "late" not in text.split("Status not stated")[1]
    out = ilacs("remind", "--send", "--as-of", "20/05/2024", "--inspection", PLAN, "--owner", "B Khan", db=db, env=env)
    assert out.returncode == 0, out.stderr
    ((recipients, message),) = mailbox.messages
    # The three actions overdue by then are the plan's exceptions, which its coordinator hears of too (issue 29).
    assert recipients == [KHAN] and message["Subject"].endswith(
        "Mon 20 May 2024: 1 with no status recorded, 3 exceptions in plans you coordinate"
    )
    ok("done", "D2", "--on", "16/05/2024", db=db)
    after = digests(db, "--as-of", "20/05/2024", "--inspection", PLAN)
    assert "B Khan" not in after or not items(after["B Khan"], "Status not stated: please record one")


@pytest.mark.parametrize("form", ["text", "markdown", "html", "json"])
def test_silent_when_nothing_is_due_or_late(plan, form):
    db, _ = plan
    out = ilacs("remind", "--as-of", "02/01/2018", "-f", form, "--fail-on-overdue", db=db)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    verbose = ilacs("remind", "--as-of", "02/01/2018", "-f", form, "--verbose", db=db)
    assert verbose.stdout == "" and "nothing overdue or due within 10 working days" in verbose.stderr


@pytest.mark.parametrize("day", ["06/05/2024", "04/05/2024", "26/12/2023"])  # bank holiday, Saturday, Boxing Day
def test_does_nothing_on_a_day_that_is_not_a_working_day(plan, day):
    db, _ = plan
    out = ilacs("remind", "--as-of", day, "--fail-on-overdue", db=db)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    verbose = ilacs("remind", "--as-of", day, "--verbose", db=db)
    assert verbose.stdout == "" and "is not an English working day" in verbose.stderr
    forced = ilacs("remind", "--as-of", day, "--force", db=db)
    assert forced.returncode == 0 and "To: A Watson" in forced.stdout


def test_fail_on_overdue_has_its_own_exit_status(plan):
    db, _ = plan
    assert ilacs("remind", "--as-of", NEW_YEAR, db=db).returncode == 0
    out = ilacs("remind", "--as-of", NEW_YEAR, "--fail-on-overdue", db=db)
    assert out.returncode == 3 and "To: A Watson" in out.stdout
    nothing_late = ilacs(
        "remind", "--as-of", "02/01/2018", "--within", "1700", "--fail-on-overdue", "--inspection", PLAN, db=db
    )
    assert nothing_late.returncode == 0 and "0 overdue" in nothing_late.stdout


def test_user_text_is_escaped_in_every_form(plan):
    db, _ = plan
    title = "<script>alert(1)</script> | *urgent* & [link](x)"
    ok(
        "add-action",
        PLAN,
        "--on",
        "11/12/2023",
        "--area",
        "1",
        "--owner",
        "A Watson",
        "--due",
        "03/01/2024",
        title,
        db=db,
    )
    args = ("remind", "--as-of", NEW_YEAR, "--owner", "A Watson")
    page = ok(*args, "-f", "html", db=db)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; | *urgent* &amp; [link](x)" in page
    markdown = ok(*args, "-f", "markdown", db=db)
    assert r"\<script>alert(1)\</script> \| \*urgent\* & \[link\](x)" in markdown
    from markdown_it import MarkdownIt  # installed with rich

    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<script" not in rendered and "<a " not in rendered and "<em>" not in rendered
    assert title in [i["title"] for i in items(digests(db, *args[1:])["A Watson"])]


@pytest.mark.parametrize(
    "args",
    [
        ["owner", "add", "Eve\nBcc: victim@example.org", "--email", "eve@example.org"],
        ["owner", "add", "Eve", "--email", "eve@example.org\r\nBcc: victim@example.org"],
        ["owner", "add", "Eve", "--email", "eve@example.org, victim@example.org"],
        ["owner", "add", "Eve", "--email", "Eve <eve@example.org>"],
        ["owner", "add", "Eve", "--email", "not-an-address"],
        ["owner", "add", "A Watson", "--email", "other@example.org", "--authority", "East Sussex County Council"],
        ["owner", "set", "A Watson", "--rename", "B Khan"],
        ["owner", "set", "A Watson", "--role", "Head\u2028of Service"],
        ["remind", "--format", "pdf"],
        ["remind", "--dry-run"],
        ["remind", "--within", "-1"],
        ["owner", "add", "Eve", "--coordinator", "nowhere-2020"],
        ["owner", "set", "Nobody", "--email", "nobody@example.org"],
        ["remind", "--inspection", "nowhere-2020"],
    ],
)
def test_bad_owner_and_remind_input_is_one_line_and_changes_nothing(plan, args):
    db, _ = plan
    before = contents(db)
    out = ilacs(*args, db=db)
    assert out.returncode == (1 if "nowhere-2020" in args or "Nobody" in args else 2), out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert contents(db) == before


def test_owner_list_shows_registered_and_named_owners(plan):
    db, ids = plan
    ok(
        "owner",
        "set",
        "a watson",
        "--rename",
        "Anna Watson",
        "--email",
        "anna.watson@council.example.gov.uk",
        "--coordinator",
        PLAN,
        db=db,
    )
    owners = {o["name"]: o for o in json.loads(ok("owner", "list", "--json", db=db))}
    assert owners["Anna Watson"]["email"] == "anna.watson@council.example.gov.uk"
    assert owners["Anna Watson"]["coordinates"] == [PLAN]
    assert owners["C Jones"] == {
        "name": "C Jones",
        "authority": "East Sussex County Council",
        "email": None,
        "role": None,
        "coordinates": [],
        "actions_open": 1,
        "registered": False,
    }
    # Her actions moved with the new name (each move recorded), so no "A Watson" is left on any action.
    assert "A Watson" not in owners and owners["Anna Watson"]["actions_open"] == 3
    moved = json.loads(ok("history", ids["late"], "--json", db=db))["changes"]
    assert [(c["field"], c["old"], c["new"], c["command"]) for c in moved] == [
        ("owner", "A Watson", "Anna Watson", "owner set")
    ]
    ok("owner", "set", "Anna Watson", "--email", "", "--not-coordinator", PLAN, db=db)
    owners = {o["name"]: o for o in json.loads(ok("owner", "list", "--json", db=db))}
    assert owners["Anna Watson"]["email"] is None and owners["Anna Watson"]["coordinates"] == []


# -- sending through a real SMTP server --------------------------------------------------


def test_send_mails_each_owner_their_own_digest(plan, smtp_server):
    db, ids = plan
    mailbox, env = smtp_server
    out = send_reminders(db, env)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    watson = mailbox.messages[0][1]
    assert watson["To"] == f"A Watson <{WATSON}>"
    assert watson["From"] == "ILACS reminders <ilacs@council.example.gov.uk>"
    assert watson["Subject"] == "ILACS action plan reminder for Tue 2 Jan 2024: 1 overdue, 1 due soon"
    assert watson["Auto-Submitted"] == "auto-generated"
    text = watson.get_body(("plain",)).get_content()
    assert f"[{ids['late']}] Audit supervision records" in text and "4 working days late" in text
    assert "To:" not in text and "C Jones" not in text
    page = watson.get_body(("html",)).get_content()
    assert "Refresh the neglect toolkit" in page and "8 working days left" in page
    # Styled where Outlook keeps it: every table cell carries its style, every table its fallback attributes.
    cells = StyledCells()
    cells.feed(page)
    assert cells.tables and all(
        attrs.get("border") == "1" and attrs.get("cellpadding") == "6" for attrs in cells.tables
    )
    assert cells.cells and all("border: 1px solid #b1b4b6" in attrs.get("style", "") for _, attrs in cells.cells)
    columns = [text for tag, text, scope in cells.headers if scope == "col"]
    assert columns == ["Id", "Action or deadline", "Owner", "Due", "Working days", "Status"] * len(cells.tables)
    # Each row is named by its action or deadline, a row header (WCAG 1.3.1).
    assert [text for tag, text, scope in cells.headers if scope == "row"] == [
        "Audit supervision records",
        "Refresh the neglect toolkit",
    ]
    late = next(attrs for text, attrs in cells.cells if text == "4 working days late")
    assert "color: #b00020" in late["style"] and "font-weight: bold" in late["style"]
    # Commands in words: <code> in the HTML part, plain in the text part; no backticks in either.
    assert "<code" in page and "ilacs update ID --status STATUS --note TEXT</code>" in page
    assert "`" not in page and "`" not in text
    assert text.rstrip().endswith("or yourself with the command: ilacs update ID --status STATUS --note TEXT")
    khan = mailbox.messages[1][1]
    # Issue 29: the coordinator hears of the plan's exceptions too: A Watson's action, 4 working days late.
    assert khan["Subject"] == (
        "ILACS action plan reminder for Tue 2 Jan 2024: 1 due soon, 1 exception in plans you coordinate"
    )
    khan_text = khan.get_body(("plain",)).get_content()
    assert "Private fostering awareness campaign" in khan_text
    assert khan_text.splitlines()[0] == (
        "As of Tue 2 Jan 2024: 0 overdue, 1 due within 10 working days. "
        "In plans you coordinate: 1 overdue or blocked action."
    )
    exceptions = khan_text.split("Overdue and blocked actions in plans you coordinate")[1].splitlines()[1:]
    assert exceptions[:3] == [
        "  East Sussex County Council (east-sussex-2023), area 2: "
        "The recording of management oversight, supervision and direction",
        f"    [{ids['late']}] Audit supervision records",
        "        due Fri 22 Dec 2023: 4 working days late; not started; owner A Watson",
    ]


class StyledCells(HTMLParser):
    """Each <table>'s attributes, each header's text, and each cell's text with its attributes."""

    def __init__(self):
        super().__init__()
        self.tables, self.cells, self.headers, self.open = [], [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(dict(attrs))
        elif tag in ("td", "th"):
            self.open = (tag, dict(attrs), [])

    def handle_data(self, data):
        if self.open:
            self.open[2].append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.open:
            name, attrs, text = self.open
            self.cells.append(("".join(text).strip(), attrs))
            if name == "th":
                self.headers.append((name, "".join(text).strip(), attrs.get("scope")))
            self.open = None


def test_second_send_on_the_same_day_sends_nothing_unless_forced(plan, smtp_server):
    db, _ = plan
    mailbox, env = smtp_server
    first = send_reminders(db, env, "--verbose")
    assert first.returncode == 0 and first.stdout == "" and len(mailbox.messages) == 2
    assert f"ilacs: sent to B Khan <{KHAN}>: ILACS action plan reminder" in first.stderr
    again = send_reminders(db, env, "--verbose")
    assert again.returncode == 0 and len(mailbox.messages) == 2
    assert f"already sent today to A Watson <{WATSON}>" in again.stderr
    dry = send_reminders(db, env, "--dry-run")
    assert dry.stdout.startswith(f"already sent today to A Watson <{WATSON}>") and len(mailbox.messages) == 2
    # Something new to say is a new reminder, to that owner only.
    ok(
        "add-action",
        PLAN,
        "--on",
        "11/12/2023",
        "--area",
        "1",
        "--owner",
        "A Watson",
        "--due",
        "04/01/2024",
        "Chase plan audits",
        db=db,
    )
    assert send_reminders(db, env).returncode == 0
    assert [rcpt for rcpt, _ in mailbox.messages[2:]] == [[WATSON]]
    assert send_reminders(db, env, "--force").returncode == 0 and len(mailbox.messages) == 5


def test_server_dying_mid_run_sends_the_rest_on_rerun(plan, smtp_server):
    db, _ = plan
    mailbox, env = smtp_server
    ok("owner", "add", "D Patel", "--email", PATEL, "--authority", PLAN, db=db)
    ok(
        "add-action",
        PLAN,
        "--on",
        "11/12/2023",
        "--area",
        "1",
        "--owner",
        "D Patel",
        "--due",
        "08/01/2024",
        "Revise care plan template",
        db=db,
    )
    mailbox.drop_after = 1
    out = send_reminders(db, env)
    assert out.returncode == 1 and out.stdout == ""
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON]]
    assert f"not sent to B Khan <{KHAN}>" in out.stderr and f"not sent to D Patel <{PATEL}>" in out.stderr
    assert "2 of 3 reminders not sent (1 sent and logged)" in out.stderr
    assert "Traceback" not in out.stderr
    mailbox.drop_after = None
    rerun = send_reminders(db, env)
    assert rerun.returncode == 0, rerun.stderr
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN], [PATEL]]
    assert send_reminders(db, env).returncode == 0 and len(mailbox.messages) == 3


def test_unreachable_server_sends_and_logs_nothing(plan, smtp_server):
    db, _ = plan
    _, env = smtp_server
    before = contents(db)
    out = send_reminders(db, {**env, "ILACS_SMTP_PORT": "1"})
    assert out.returncode == 1 and "cannot reach the SMTP server 127.0.0.1:1" in out.stderr
    dry = send_reminders(db, env, "--dry-run")
    assert f"would send to A Watson <{WATSON}>" in dry.stdout and f"would send to B Khan <{KHAN}>" in dry.stdout
    assert contents(db) == before


def test_owners_without_address_go_to_the_default_coordinator(plan, smtp_server):
    """A council's own plan with no coordinator: what its unregistered owners owe goes to the default coordinator,
    else is named under "No coordinator". An example plan's goes to neither (issue 29)."""
    db, _ = plan
    mailbox, env = smtp_server
    ok("owner", "set", "B Khan", "--not-coordinator", PLAN, db=db)
    ok(
        "add-inspection",
        "lewes-2023",
        "--authority",
        "East Sussex County Council",
        "--published",
        "02/10/2023",
        "--area",
        "Care plans",
        db=db,
    )
    ok(
        "add-action",
        "lewes-2023",
        "--on",
        "11/12/2023",
        "--area",
        "1",
        "--owner",
        "C Jones",
        "--due",
        "05/01/2024",
        "Care plan audit",
        db=db,
    )
    out = ilacs("remind", "--send", "--as-of", NEW_YEAR, db=db, env=env)
    assert out.returncode == 0 and [rcpt for rcpt, _ in mailbox.messages] == [[WATSON]]
    # Care plan audit (due Fri 5 Jan) and the plan to Ofsted (70 working days after Mon 2 Oct 2023: Fri 12 Jan 2024)
    assert out.stderr == (
        "ilacs: cannot send 2 reminders to No coordinator (no e-mail on file): register a coordinator: ilacs owner "
        "add NAME --email ADDRESS --coordinator INSPECTION, or set ILACS_COORDINATOR\n"
    )
    out = ilacs(
        "remind",
        "--send",
        "--as-of",
        NEW_YEAR,
        db=db,
        env={**env, "ILACS_COORDINATOR": "Performance Team <performance@council.example.gov.uk>"},
    )
    assert out.returncode == 0 and out.stderr == ""
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], ["performance@council.example.gov.uk"]]
    body = mailbox.messages[1][1].get_body(("plain",)).get_content()
    assert "Care plan audit" in body and "Action plan to Ofsted" in body
    # The example plan's action whose owner has no address (C Jones's campaign) went to no one.
    assert "Private fostering awareness campaign" not in body


def test_password_comes_from_a_file_or_the_environment(plan, smtp_server, tmp_path):
    db, _ = plan
    mailbox, env = smtp_server
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret\n")
    assert (
        send_reminders(db, {**env, "ILACS_SMTP_USER": "ilacs", "ILACS_SMTP_PASSWORD_FILE": str(secret)}).returncode == 0
    )
    assert mailbox.logins == [("ilacs", "s3cret")]


def test_config_file_settings_and_refusals(plan, smtp_server, tmp_path):
    db, _ = plan
    mailbox, env = smtp_server
    config = tmp_path / "config.toml"  # the file ILACS_CONFIG names in every test
    config.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {env["ILACS_SMTP_PORT"]}\nsecurity = "none"\n'
        'from = "ilacs@council.example.gov.uk"\n'
    )
    assert ilacs("remind", "--send", "--as-of", NEW_YEAR, "--inspection", PLAN, db=db).returncode == 0
    assert len(mailbox.messages) == 2
    before = contents(db)
    for text, message in [
        ('[smtp]\nhost = "x"\npassword = "p"\n', "password is not read from the config file"),
        ('[smtp]\nhots = "x"\n', "unknown key [smtp] hots"),
        ('[smtp]\nfrom = "a@b.example"\n', "no SMTP server configured"),
        ("[smtp\n", "cannot read the config file"),
    ]:
        config.write_text(text)
        out = ilacs("remind", "--send", "--as-of", NEW_YEAR, "--force", db=db)
        assert out.returncode == 1 and message in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert contents(db) == before and len(mailbox.messages) == 2


@pytest.mark.sqlite_only("copies the file for each try (test_postgres_concurrency.py has PostgreSQL's)")
@pytest.mark.slow
def test_two_runs_at_once_send_each_digest_once(plan, smtp_server, tmp_path):
    """cron and a catch-up timer starting together, 20 times over: every recipient gets one e-mail each time,
    whichever run sends it."""
    import shutil
    import threading

    template, _ = plan
    mailbox, env = smtp_server
    mailbox.delay = 0.2  # a server taking its time, so the two runs overlap
    officers = add_officers(template)
    expected = sorted([WATSON, KHAN, *officers])
    duplicates = skipped = 0
    for attempt in range(20):
        db = tmp_path / f"try{attempt}.db"
        shutil.copyfile(template, db)
        mailbox.messages.clear()
        runs = [None, None]

        def start(index):  # from a thread, run_ilacs starts a separate process
            runs[index] = send_reminders(db, env)

        threads = [threading.Thread(target=start, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [run.returncode for run in runs] == [0, 0], [run.stderr for run in runs]
        assert "Traceback" not in runs[0].stderr + runs[1].stderr
        received = sorted(address for recipients, _ in mailbox.messages for address in recipients)
        duplicates += len(received) - len(set(received))
        assert sorted(set(received)) == expected, attempt  # nobody missed
        skipped += sum(run.stderr.count("another run of ilacs remind has been sending it") for run in runs)
        assert send_reminders(db, env).returncode == 0 and len(mailbox.messages) == len(
            received
        )  # a third run: nothing more
    print(
        f"two overlapping runs, 20 tries of {len(expected)} digests: {duplicates} duplicate e-mails; {skipped} "
        "digests skipped by one run because the other was sending them"
    )
    assert duplicates == 0


@pytest.mark.sqlite_only("writes a claim with sqlite3")
def test_a_claim_left_by_a_killed_run_is_taken_over_and_a_live_one_is_not(plan, smtp_server):
    import datetime as dt
    import sqlite3

    db, _ = plan
    mailbox, env = smtp_server
    digests = json.loads(ok("remind", "--as-of", NEW_YEAR, "--inspection", PLAN, "-f", "json", db=db))
    assert {d["email"] for d in digests} == {WATSON, KHAN}
    now = dt.datetime.now(dt.UTC)
    import hashlib

    def fingerprint(digest):  # what a digest is about, as the README's reminders section defines it
        keys = sorted(
            f"{section['heading']}|{item['kind']}|{item['id']}|{item['overdue']}"
            for section in digest["sections"]
            for group in section["groups"]
            for item in group["items"]
        )
        return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32]

    # Claims as runs leave them: Watson's by a run killed an hour ago, Khan's by a run sending right now.
    with sqlite3.connect(db) as conn:
        for digest in digests:
            when = now - (dt.timedelta(hours=1) if digest["email"] == WATSON else dt.timedelta(seconds=5))
            conn.execute(
                "INSERT INTO reminder_claims VALUES (?, ?, ?, 'other-run', ?)",
                ("2024-01-02", digest["email"], fingerprint(digest), when.isoformat(timespec="seconds")),
            )
    conn.close()
    out = send_reminders(db, env)
    assert out.returncode == 0, out.stderr
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON]]  # the killed run's claim is taken over
    assert (
        f"not sent to B Khan <{KHAN}> by this run: another run of ilacs remind has been sending it since" in out.stderr
    )
