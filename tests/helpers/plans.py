"""Plans built through the real CLI for tests to read: a copy of a database, actions recorded and moved to their
status, the plan templates modules build once and copy per test, an action's history, a plan as a CSV file."""

import csv
import datetime as dt
import json
import shutil

from helpers.cli import ok

PLAN = "east-sussex-2023"  # the seeded inspection the templates add to

# The board paper's plan (test_reports counts everything against it; test_accessibility reads its papers):
# (area, title, owner, due, status), seven actions in areas 1 and 2 and one with a hostile title in area 3.
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> | *b* [l](javascript:alert(1))'
REPORT_ACTIONS = [
    (1, "Plan quality audit", "A Watson", "2024-01-05", "not-started"),
    (1, "Plan template refresh", "A Watson", "2024-02-01", "done"),
    (1, "Plan training", "B Khan", "2023-12-01", "cancelled"),
    (2, "Supervision audit", "B Khan", "2024-03-01", "in-progress"),
    (2, "Supervision recording guidance", "C Jones", "2023-12-22", "blocked"),
    (2, "Management oversight template", "C Jones", "2024-01-31", "done"),
    (2, "Oversight dip sample", "A Watson", "2024-01-09", "done"),
    (3, HOSTILE, "D Patel", "2024-01-08", "in-progress"),
]

# The reminders' plan (test_reminders, test_mail_oauth): owners with and without addresses, and actions either side
# of Christmas 2023, each added on 11 Dec 2023, by name.
WATSON = "a.watson@council.example.gov.uk"
KHAN = "b.khan@council.example.gov.uk"
NEW_YEAR = "02/01/2024"  # Tue 2 Jan 2024: 25, 26 Dec and 1 Jan are bank holidays
REMINDER_OWNERS = [  # A Watson has an address; B Khan, the coordinator, is sent what C Jones (no address) owes
    ("A Watson", "--email", WATSON, "--authority", PLAN),
    ("B Khan", "--email", KHAN, "--role", "Head of Service", "--coordinator", PLAN),
]
REMINDER_ACTIONS = {
    "late": (2, "Audit supervision records", "A Watson", "22/12/2023", "not-started"),
    "soon": (3, "Refresh the neglect toolkit", "a watson", "2024-01-12", "not-started"),
    "unaddressed": (3, "Private fostering awareness campaign", "C Jones", "05/01/2024", "not-started"),
    "later": (1, "Plan quality audit", "A Watson", "30/06/2024", "not-started"),
}


def copy_of(template, tmp_path, backend=None):
    """A test's own copy of a database built once per session or module (every ilacs process has exited, so the
    WAL is checkpointed into the file). The file's mode is copied too: ilacs creates databases 0600. With a
    `backend` (the conftest fixture: a PostgreSQL cluster), a new database of it that `ilacs copy` fills from the
    template instead; its URL."""
    if backend is not None:
        from helpers.cli import run_ilacs

        url = backend.new_database()
        copied = run_ilacs("copy", template, url)
        assert copied.returncode == 0, copied.stderr
        return url
    path = tmp_path / "plan.db"
    shutil.copyfile(template, path)
    shutil.copymode(template, path)
    return path


def record_actions(db, inspection, actions, on="11/12/2023"):
    """Add each (area, title, owner, due, status) to the inspection's plan on day `on`, then move it to its status
    by a real status update by its owner; returns the actions' ids."""
    ids = []
    for area, title, owner, due, status in actions:
        ids.append(
            ok(
                "add-action",
                inspection,
                "--on",
                on,
                "--area",
                str(area),
                "--owner",
                owner,
                "--due",
                due,
                title,
                db=db,
                strip=True,
            )
        )
        if status != "not-started":
            ok("update", ids[-1], "--status", status, "--by", owner, "--note", f"moved to {status}", "--on", on, db=db)
    return ids


def plan_template(seeded_template, folder, actions=(), *, owners=(), owners_first=False, inspection=PLAN):
    """A module's plan, built once in `folder` for its tests to copy: the seeded database, `actions` recorded into
    `inspection` (record_actions), and each of `owners` added (the arguments of one `ilacs owner add`), after the
    actions or, with `owners_first`, before them. Returns (database, the actions' ids)."""
    db = copy_of(seeded_template, folder)

    def add_owners():
        for owner in owners:
            ok("owner", "add", *owner, db=db)

    if owners_first:
        add_owners()
    ids = record_actions(db, inspection, actions)
    if not owners_first:
        add_owners()
    return db, ids


def history(db, action):
    """`ilacs history ACTION --json`, read: the action, its updates and its changes."""
    return json.loads(ok("history", str(action), "--json", db=db))


def write_csv(path, rows):
    """`rows` as a CSV file at `path` (UTF-8, no byte-order mark), as a council's plan to import; returns `path`."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    return path


def reminders_plan(seeded_template, tmp_path_factory):
    """The reminders' plan (REMINDER_ACTIONS, owners REMINDER_OWNERS registered first), built once for a module:
    the database and the actions' ids by name."""
    db, ids = plan_template(
        seeded_template,
        tmp_path_factory.mktemp("plan"),
        REMINDER_ACTIONS.values(),
        owners=REMINDER_OWNERS,
        owners_first=True,
    )
    return db, dict(zip(REMINDER_ACTIONS, ids, strict=True))


# The words the papers give with_measures's two measures (the trend charts' descriptions and the paragraphs after
# them), written out by hand.
M1_IN_WORDS = (
    "M1 Care plans rated good: baseline 52% (Wed 31 Jan 2024); readings 55% on Sun 30 Jun 2024, 76% on Mon 30 Sep "
    "2024; target 80% by Mon 31 Mar 2025; improving: 76% from 55%; within tolerance."
)
M2_IN_WORDS = (
    "M2 Re-referrals within 12 months: baseline 24% (Wed 31 Jan 2024); readings 25% on Thu 31 Oct 2024; target 18%; "
    "worsening: 25% from a baseline of 24%; off target."
)


def with_measures(db):
    """Two measures of the plan (M1 in area 1, M2 in area 2), with readings describing days before today (so the
    paper as of today has them); returns today, ISO."""
    ok(
        "measure", "add", PLAN, "Care plans rated good", "--area", "1", "--unit", "%", "--baseline", "52",
        "--baseline-on", "2024-01-31", "--target", "80", "--target-by", "2025-03-31", "--better", "higher",
        "--tolerance", "5", db=db,
    )  # fmt: skip
    ok("reading", "add", "M1", "55", "--on", "2024-06-30", db=db)
    ok("reading", "add", "M1", "76", "--on", "2024-09-30", db=db)
    ok(
        "measure", "add", PLAN, "Re-referrals within 12 months", "--area", "2", "--unit", "%", "--baseline", "24",
        "--baseline-on", "2024-01-31", "--target", "18", "--better", "lower", db=db,
    )  # fmt: skip
    ok("reading", "add", "M2", "25", "--on", "2024-10-31", db=db)
    return dt.datetime.now(dt.UTC).date().isoformat()


def add_officers(db, count=4, env=None, title="Check plan {number}"):
    """`count` officers of the reminders plan's council, each with an address and one action due Fri 5 Jan 2024
    (added on Mon 11 Dec 2023), added through the real CLI; their addresses."""
    addresses = [f"officer{number}@council.example.gov.uk" for number in range(count)]
    for number, address in enumerate(addresses):
        for args in (
            ["owner", "add", f"Officer {number}", "--email", address, "--authority", PLAN],
            ["add-action", PLAN, "--on", "11/12/2023", "--area", "1", "--owner", f"Officer {number}", "--due",
             "05/01/2024", title.format(number=number)],
        ):  # fmt: skip
            ok(*args, db=db, env=env)
    return addresses


def write_import_plan(path, round_, rows, *, year, statuses=("In progress",), detail=""):
    """A council's action plan as a CSV of `rows` rows, for `ilacs import`: refs and titles of this round only
    (R{round}-{n}, "Round {round} action {n}{detail}"), three areas, forty officers, target dates in `year`, the
    status words taken in turn from `statuses`."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["Ref", "Area", "Action", "Lead officer", "Target date", "Status"])
        for n in range(rows):
            out.writerow(
                [
                    f"R{round_}-{n}",
                    n % 3 + 1,
                    f"Round {round_} action {n}{detail}",
                    f"Officer {n % 40}",
                    f"{n % 28 + 1:02d}/{n % 12 + 1:02d}/{year}",
                    statuses[n % len(statuses)],
                ]
            )
