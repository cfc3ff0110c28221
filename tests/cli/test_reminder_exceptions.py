"""Issue 29: a coordinator's digest carries the plan's exceptions (overdue and blocked actions, measures off target),
and the example plans are mailed to no one not registered for them. Through the real CLI, a real SQLite file and a
real SMTP server."""

import functools
import json

import pytest
from helpers import cli
from helpers.cli import run_ilacs as ilacs
from helpers.plans import KHAN, NEW_YEAR, PLAN, WATSON

ok = functools.partial(cli.ok, strip=True)

EXCEPTIONS = "Overdue and blocked actions in plans you coordinate"
OFF_TARGET = "Measures off target in plans you coordinate"
LATER = "06/01/2032"  # Tue 6 Jan 2032: a working day after every date below, when today's measures are in the plan


@pytest.fixture()
def plan(db):
    """The seeded database with East Sussex 2023's coordinator (B Khan) and A Watson registered; an action of A
    Watson's due Fri 22 Dec 2023, and one of D Patel's (no address) due Sun 30 Jun 2024, blocked from 20 Dec."""
    ok("owner", "add", "A Watson", "--email", WATSON, "--authority", PLAN, db=db)
    ok("owner", "add", "B Khan", "--email", KHAN, "--coordinator", PLAN, db=db)
    late = ok("add-action", PLAN, "--area", "2", "--owner", "A Watson", "--due", "22/12/2023", "--on", "11/12/2023",
              "Audit supervision records", db=db)  # fmt: skip
    blocked = ok("add-action", PLAN, "--area", "3", "--owner", "D Patel", "--due", "30/06/2024", "--on", "11/12/2023",
                 "Neglect toolkit", db=db)  # fmt: skip
    ok("update", blocked, "--status", "blocked", "--on", "20/12/2023", "--note", "Waiting for the partnership", db=db)
    return db, late, blocked


def digests(db, *args, env=None):
    out = ok("remind", "-f", "json", *args, db=db, env=env)
    return {digest["name"]: digest for digest in json.loads(out)} if out else {}


def section(digest, heading):
    return [
        item
        for found in digest["sections"]
        if found["heading"] == heading
        for group in found["groups"]
        for item in group["items"]
    ]


def test_the_coordinator_hears_of_overdue_and_blocked_actions_most_late_first(plan):
    db, late, blocked = plan
    found = digests(db, "--as-of", NEW_YEAR, "--inspection", PLAN)
    khan = found["B Khan"]
    assert [(i["id"], i["owner"], i["status"], i["overdue"]) for i in section(khan, EXCEPTIONS)] == [
        (late, "A Watson", "not-started", True),
        (blocked, "D Patel", "blocked", False),
    ]
    assert section(khan, EXCEPTIONS)[0]["working_days"] == 4  # 27, 28, 29 Dec and 2 Jan
    assert (khan["overdue"], khan["due_soon"], khan["exceptions"], khan["off_target"]) == (0, 0, 2, [])
    assert not section(found["A Watson"], EXCEPTIONS)  # an owner hears of their own actions only
    text = ok("remind", "--as-of", NEW_YEAR, "--inspection", PLAN, "--owner", "B Khan", db=db).splitlines()
    assert text[:3] == [
        f"To: B Khan <{KHAN}>",
        "As of Tue 2 Jan 2024: 0 overdue, 0 due within 10 working days. "
        "In plans you coordinate: 2 overdue or blocked actions.",
        "",
    ]
    start = text.index(EXCEPTIONS)
    assert text[start + 1 : start + 4] == [
        "  East Sussex County Council (east-sussex-2023), area 2: "
        "The recording of management oversight, supervision and direction",
        f"    [{late}] Audit supervision records",
        "        due Fri 22 Dec 2023: 4 working days late; not started; owner A Watson",
    ]
    assert text[start + 5] == f"    [{blocked}] Neglect toolkit"
    assert text[start + 6].startswith("        due Sun 30 Jun 2024: ") and text[start + 6].endswith(
        " working days left; blocked; owner D Patel"
    )


def test_a_blocked_action_alone_makes_no_digest(plan):
    """Thu 21 Dec 2023: A Watson's action is due the next day (not late), D Patel's is blocked. Nothing in the plan
    is overdue, so its coordinator gets no digest (cron stays silent); the blocked action goes with the next one."""
    db, _, _ = plan
    found = digests(db, "--as-of", "21/12/2023", "--inspection", PLAN)
    assert set(found) == {"A Watson"}


def test_measures_off_target_are_in_the_digest_and_a_new_reading_is_a_new_digest(plan, smtp_server):
    db, _, _ = plan
    mailbox, env = smtp_server
    measure = ("measure", "add", PLAN, "Supervision within 4 weeks", "--area", "2", "--unit", "%")
    ok(*measure, "--baseline", "40", "--baseline-on", "01/11/2023", "--target", "80", "--target-by", "31/03/2024",
       "--better", "higher", "--tolerance", "5", db=db)  # fmt: skip
    ok("reading", "add", "M1", "50", "--on", "30/11/2023", db=db)
    ok(*("measure", "add", PLAN, "Plans good", "--area", "1", "--unit", "%", "--baseline", "50"),
       "--baseline-on", "01/11/2023", "--target", "60", "--better", "higher", db=db)  # fmt: skip
    ok("reading", "add", "M2", "61", "--on", "30/11/2023", db=db)  # on target: not an exception
    khan = digests(db, "--as-of", LATER, "--inspection", PLAN)["B Khan"]
    assert [(m["id"], m["latest"], m["target"], m["rating"]) for m in khan["off_target"]] == [
        ("M1", 50, 80, "off target")
    ]
    text = ok("remind", "--as-of", LATER, "--inspection", PLAN, "--owner", "B Khan", db=db).splitlines()
    assert "In plans you coordinate: 2 overdue or blocked actions, 1 measure off target." in text[1]
    start = text.index(OFF_TARGET)
    assert text[start + 1 : start + 4] == [
        "  East Sussex County Council (east-sussex-2023)",
        "    [M1] Supervision within 4 weeks (area 2)",
        "        latest 50% on Thu 30 Nov 2023; target 80% by Sun 31 Mar 2024 (higher is better); one reading so far",
    ]
    page = ok("remind", "--as-of", LATER, "--inspection", PLAN, "--owner", "B Khan", "-f", "html", db=db)
    assert f"<h2>{OFF_TARGET}</h2>" in page and '<th valign="top" align="left" scope="row">Supervision' in page
    markdown = ok("remind", "--as-of", LATER, "--inspection", PLAN, "--owner", "B Khan", "-f", "markdown", db=db)
    assert "| M1 | Supervision within 4 weeks | 2 | 50% on Thu 30 Nov 2023 |" in markdown
    send = ("remind", "--send", "--as-of", LATER, "--inspection", PLAN)
    assert ilacs(*send, db=db, env=env).returncode == 0
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    subject = mailbox.messages[1][1]["Subject"]
    # D Patel's action (no address) is overdue by then: B Khan hears of it as coordinator, and as an exception.
    assert subject == (
        "ILACS action plan reminder for Tue 6 Jan 2032: 1 overdue, 1 with no status recorded, "
        "3 exceptions in plans you coordinate"
    )
    html_part = mailbox.messages[1][1].get_body(("html",)).get_content()
    assert "Supervision within 4 weeks" in html_part and "border: 1px solid #b1b4b6" in html_part
    assert ilacs(*send, db=db, env=env).returncode == 0 and len(mailbox.messages) == 2  # sent once that day
    # A new reading, still off target, is something new to say: the coordinator's digest goes again, no one else's.
    ok("reading", "add", "M1", "55", "--on", "29/12/2023", db=db)
    assert ilacs(*send, db=db, env=env).returncode == 0
    assert [rcpt for rcpt, _ in mailbox.messages[2:]] == [[KHAN]]
    assert "latest 55% on Fri 29 Dec 2023" in mailbox.messages[2][1].get_body(("plain",)).get_content()
    assert ilacs(*send, db=db, env=env).returncode == 0 and len(mailbox.messages) == 3


EXAMPLES_LINE = (
    "ilacs: example plans are not mailed (east-sussex-2023, southend-2019, west-sussex-2019): to try reminders on "
    "one, register a coordinator for it (ilacs owner add NAME --email ADDRESS --coordinator east-sussex-2023), or "
    "remove them with ilacs remove --examples\n"
)


@pytest.mark.parametrize("form", ["text", "markdown", "html", "json"])
def test_example_plans_produce_no_mail(db, form):
    """The seeded plans hold deadlines whose outcome no document records, and no one is registered for them: before
    issue 29 `remind` showed them under "To: No coordinator (no e-mail on file)"."""
    out = ilacs("remind", "--as-of", "2025-06-02", "-f", form, db=db)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")  # cron: nothing to mail
    # Not to the default coordinator either.
    configured = {"ILACS_COORDINATOR": "Performance Team <performance@council.example.gov.uk>"}
    out = ilacs("remind", "--as-of", "2025-06-02", "-f", form, db=db, env=configured)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    verbose = ilacs("remind", "--as-of", "2025-06-02", "-f", form, "--verbose", db=db)
    assert verbose.returncode == 0 and verbose.stdout == ""
    assert verbose.stderr == EXAMPLES_LINE + "ilacs: nothing overdue or due within 10 working days of Mon 2 Jun 2025\n"


def test_example_plans_are_not_in_a_dry_run_and_a_registered_coordinator_hears_of_one(db, smtp_server):
    mailbox, env = smtp_server
    dry = ilacs("remind", "--send", "--dry-run", "--as-of", "2025-06-02", db=db, env=env)
    assert (dry.returncode, dry.stdout, dry.stderr) == (0, "", EXAMPLES_LINE)
    assert "No coordinator" not in dry.stdout + dry.stderr
    sent = ilacs("remind", "--send", "--as-of", "2025-06-02", db=db, env=env)
    assert (sent.returncode, sent.stderr, mailbox.messages) == (0, "", [])
    # Someone trying reminders on an example plan registers for it: then they hear of it, and only of it.
    ok("owner", "add", "B Khan", "--email", KHAN, "--coordinator", PLAN, db=db)
    dry = ilacs("remind", "--send", "--dry-run", "--as-of", "2025-06-02", db=db, env=env)
    assert dry.stdout == (
        f"would send to B Khan <{KHAN}>: ILACS action plan reminder for Mon 2 Jun 2025: 1 with no status recorded\n"
    )
    assert dry.stderr == EXAMPLES_LINE.replace("east-sussex-2023, ", "").replace(
        "--coordinator east-sussex-2023", "--coordinator southend-2019"
    )
