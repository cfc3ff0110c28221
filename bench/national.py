"""Benchmark ilacs on a national-scale database (issues 6 and 16).

Builds, deterministically, a database with about 153 authorities x 4 inspections x 8 areas x 6 actions and five
status updates per action, and a small one (one council, 200 actions); then times every read command as a whole
process against the floor `python -c "import typer, sqlite3"`, measures peak memory, times the write paths, and
prints a table with the issue's targets marked met or missed.

    python bench/national.py                 # full run, databases in a temporary folder
    python bench/national.py --quick         # smoke test: fewer runs
    python bench/national.py --out /tmp/b --runs 21 --json
    python bench/national.py --db postgresql://user@host/postgres   # and on PostgreSQL, paired with SQLite

See bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ilacs_cli.storage.store import Store

SEED = 20240206
DATA_AS_OF = dt.date(2026, 11, 20)  # the generated history stops here, whatever day the benchmark runs
# Targets from issue 16: each read within floor + 40 ms on the national database (the export of every row within
# floor + 150 ms), within floor + 25 ms on the small one, and under 80 MiB at its peak.
FLOOR_MS = 40.0
EXPORT_FLOOR_MS = 150.0
SMALL_MS = 25.0
PEAK_MIB = 80.0
HEAVY_MODULES = (
    "sqlite_utils",
    "openpyxl",
    "icalendar",
    "holidays",
    "msal",
    "keyring",
    "css_inline",
    "datasette",
    "docx",
    "psycopg",  # the PostgreSQL driver: for a postgresql:// URL only, never for a SQLite file
)

STEMS = [
    "Ashford",
    "Barnsley",
    "Bedford",
    "Blackburn",
    "Bolton",
    "Bracknell",
    "Bradford",
    "Brent",
    "Bristol",
    "Bury",
    "Calder",
    "Camden",
    "Carlisle",
    "Cheshire",
    "Cornwall",
    "Coventry",
    "Croydon",
    "Cumbria",
    "Derby",
    "Devon",
    "Doncaster",
    "Dorset",
    "Dudley",
    "Durham",
    "Ealing",
    "Enfield",
    "Essex",
    "Exeter",
    "Gateshead",
    "Halton",
    "Harrow",
    "Hull",
    "Kent",
    "Kirklees",
    "Lancaster",
    "Leeds",
    "Leicester",
    "Lincoln",
    "Luton",
    "Medway",
    "Merton",
    "Norfolk",
    "Oldham",
    "Oxford",
    "Peterborough",
    "Plymouth",
    "Poole",
    "Reading",
    "Rochdale",
    "Rotherham",
    "Salford",
    "Sefton",
    "Slough",
    "Solihull",
    "Stockport",
    "Suffolk",
    "Sunderland",
    "Surrey",
    "Swindon",
    "Tameside",
    "Thurrock",
    "Torbay",
    "Trafford",
    "Walsall",
    "Warrington",
    "Wigan",
    "Wirral",
    "Wokingham",
    "Worcester",
    "York",
]
FORMS = [
    "{} County Council",
    "{} City Council",
    "{} Borough Council",
    "{} Metropolitan Borough Council",
    "North {} Council",
    "South {} Council",
    "East {} Council",
    "West {} Council",
]
FIRST = [
    "Aisha",
    "Alan",
    "Amara",
    "Amir",
    "Anna",
    "Ben",
    "Bethan",
    "Carl",
    "Chloe",
    "Claire",
    "Daniel",
    "David",
    "Dev",
    "Eleanor",
    "Emma",
    "Farah",
    "Fiona",
    "Gareth",
    "Grace",
    "Hannah",
    "Harpreet",
    "Helen",
    "Ian",
    "Imran",
    "Jack",
    "James",
    "Jane",
    "Joanne",
    "Kamal",
    "Karen",
    "Kate",
    "Leah",
    "Liam",
    "Lisa",
    "Mark",
    "Mary",
    "Michael",
    "Nadia",
    "Neil",
    "Nicola",
    "Olivia",
    "Omar",
    "Paul",
    "Priya",
    "Rachel",
    "Raj",
    "Rebecca",
    "Richard",
    "Ruth",
    "Sam",
    "Sarah",
    "Simon",
    "Sophie",
    "Stephen",
    "Tom",
    "Tracey",
    "Usha",
    "Victoria",
    "Wendy",
    "Yusuf",
]
LAST = [
    "Adams",
    "Ahmed",
    "Ali",
    "Bailey",
    "Baker",
    "Bell",
    "Brown",
    "Campbell",
    "Carter",
    "Chen",
    "Clarke",
    "Collins",
    "Cooper",
    "Davies",
    "Edwards",
    "Evans",
    "Fisher",
    "Green",
    "Hall",
    "Harris",
    "Hughes",
    "Hussain",
    "Jackson",
    "James",
    "Johnson",
    "Jones",
    "Kaur",
    "Khan",
    "King",
    "Lee",
    "Lewis",
    "Martin",
    "Mistry",
    "Moore",
    "Morgan",
    "Murphy",
    "Nguyen",
    "Okafor",
    "Owen",
    "Patel",
    "Phillips",
    "Price",
    "Roberts",
    "Robinson",
    "Shah",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Turner",
    "Walker",
    "Ward",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
]
ROLES = [
    "Director of Children's Services",
    "Head of Service, Children in Care",
    "Head of Safeguarding",
    "Principal Social Worker",
    "Head of Quality Assurance",
    "Service Manager, Front Door",
    "Team Manager, Leaving Care",
    "Performance and Improvement Lead",
    "Workforce Development Manager",
    "Head of Early Help",
    "Service Manager, Fostering",
    "Head of Commissioning",
]
# (area for improvement, short topic used in action titles)
AREAS = [
    ("The quality and timeliness of assessments and plans for children in need", "assessments and plans"),
    ("Management oversight and supervision of social work practice", "management oversight"),
    ("The response to children who go missing from home or care, including return home interviews", "missing children"),
    ("The sufficiency of placements for children in care, including for older children", "placement sufficiency"),
    ("Pathway planning for care leavers, including access to their health histories", "pathway plans"),
    ("The quality of strategy discussions and child protection enquiries", "strategy discussions"),
    ("Permanence planning for children in care, including early permanence", "permanence planning"),
    ("The timeliness of the response to children at risk of exploitation", "exploitation"),
    ("Direct work with children and how their views shape their plans", "direct work"),
    ("Oversight of children living in unregistered children's homes", "unregistered placements"),
    ("Support for 16- and 17-year-olds who present as homeless", "homeless 16-17-year-olds"),
    ("The effectiveness of pre-proceedings work under the public law outline", "pre-proceedings"),
    ("The recording of decisions and their reasons on children's records", "recording"),
    ("Workforce stability and social workers' caseloads", "workforce stability"),
]
ACTIONS = [
    "Audit {n} case files for {t} and report findings to the Improvement Board",
    "Deliver training for team managers on {t}",
    "Revise the practice standards for {t}",
    "Introduce a monthly performance report on {t}",
    "Recruit additional staff to strengthen {t}",
    "Review the threshold and escalation guidance for {t}",
    "Embed a quality assurance framework covering {t}",
    "Hold practice workshops with partners on {t}",
    "Update the case recording templates for {t}",
    "Commission an independent review of {t}",
]
MEASURES = [
    "90% of audited cases rated good or better",
    "Monthly performance report shows sustained improvement",
    "Feedback from children and families shows change",
    "Caseloads below 20 in all teams",
    None,
]
NOTES = {
    "in-progress": [
        "Work started",
        "Audit underway",
        "Training dates booked",
        "Draft with legal",
        "Progress reported to the Improvement Board",
        "Recruitment campaign live",
    ],
    "blocked": [
        "Waiting for the new case system",
        "Vacancy in the service manager post",
        "Awaiting partner sign-off",
        "Budget not yet agreed",
    ],
    "done": [
        "Completed and evidenced",
        "Signed off by the Improvement Board",
        "Audit complete: findings shared",
        "Training delivered to all teams",
    ],
    "cancelled": ["Superseded by the new improvement plan", "Merged with another action"],
    "not-started": ["Scoping meeting arranged", "Not yet started: capacity", "Awaiting the audit schedule"],
}
# Measures of success per area (issue 28): (title, unit, better, baseline range, target, tolerance); each has
# monthly readings for two years from the month the report was published (none after DATA_AS_OF).
MEASURE_SHAPES = [
    ("Audited {t} cases rated good or better", "%", "higher", (35, 60), 80, 5),
    ("Average working days to complete {t} work", "days", "lower", (30, 55), 25, 3),
    ("Children waiting over 12 months ({t})", "children", "lower", (40, 120), 20, 5),
]
MEASURE_MONTHS = 24
BENCH_BATCH = "bench-measures-and-readings"
GRADES = ["outstanding", "good", "requires-improvement", "inadequate"]
GRADE_WEIGHTS = [12, 45, 33, 10]
JUDGEMENTS = ["leadership", "help-and-protection", "children-in-care", "care-leavers", "overall"]
IMPORT_STATUS_WORDS = ["Not started", "In progress", "On track", "Complete", "On hold", "Blocked"]


# -- building the databases -----------------------------------------------------------------------------------------


@dataclass
class Built:
    path: Path
    seconds: float
    inspections: int
    actions: int
    updates: int
    owners: int
    measures: int
    readings: int
    sample_inspection: str = ""
    sample_owner: str = ""
    import_inspection: str = ""
    owner_pool: list[str] = field(default_factory=list)
    db: str = ""  # what --db is given: the file's path, or a PostgreSQL URL
    bytes: int = 0

    @property
    def label(self) -> str:
        return "PostgreSQL" if self.db.startswith("postgresql://") else "SQLite"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def stamp(day: dt.date, minutes: int) -> str:
    """An ISO timestamp like the ones ilacs writes (UTC, whole seconds), `minutes` after 08:00."""
    moment = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    return moment.isoformat(timespec="seconds")


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def final_status(rng: random.Random, due: dt.date) -> str:
    """Most actions of old plans are done; recent plans have more open, in-progress and blocked actions."""
    age = (DATA_AS_OF - due).days
    if age > 365:
        weights = [2, 5, 3, 85, 5]
    elif age > 0:
        weights = [4, 25, 10, 55, 6]
    else:
        weights = [18, 45, 10, 25, 2]
    return rng.choices(["not-started", "in-progress", "blocked", "done", "cancelled"], weights)[0]


def status_path(rng: random.Random, final: str) -> list[str]:
    """Five statuses, the first not-started and the last `final`."""
    if final == "not-started":
        return ["not-started"] * 5
    middle = ["in-progress"] + [rng.choices(["in-progress", "blocked"], [80, 20])[0] for _ in range(2)]
    return ["not-started", *middle, final]


def build(path: Path, *, authorities: int, inspections: int, areas: int, actions: int, seed: int) -> Built:
    """Create `path` with Store.open (migrations, calendar) and fill it in one transaction."""
    started = time.perf_counter()
    rng = random.Random(seed)
    store = Store.open(path, create=True)
    working = {row[0]: (row[1], row[2]) for row in _query(store, "SELECT day, number, working FROM calendar")}

    def next_working(day: dt.date) -> dt.date:
        while not working[day.isoformat()][1]:
            day += dt.timedelta(days=1)
        return day

    councils = rng.sample([form.format(stem) for stem in STEMS for form in FORMS], authorities)
    names = iter(rng.sample([f"{first} {last}" for first in FIRST for last in LAST], authorities * 12))
    rows: dict[str, list[tuple]] = {
        name: []
        for name in (
            "inspections",
            "judgements",
            "areas",
            "deadlines",
            "owners",
            "coordinators",
            "actions",
            "status_updates",
            "measures",
            "readings",
        )
    }
    area_id = action_id = owner_id = 0
    owner_pool: list[str] = []
    created = stamp(DATA_AS_OF, 0)
    for council in councils:
        slug = slugify(council)
        domain = slug.replace("-council", "").replace("-", "") + ".gov.uk"
        pool = []  # (name, registered with an address)
        for index in range(rng.randint(8, 12)):
            name = next(names)
            pool.append(name)
            if rng.random() < 0.65:  # registered: most with an address, a few without
                owner_id += 1
                email = None if rng.random() < 0.12 else f"{name.lower().replace(' ', '.')}@{domain}"
                rows["owners"].append((owner_id, council, name, email, ROLES[index % len(ROLES)], created))
        owner_pool += pool
        coordinator_name = f"Performance Team {council}"
        owner_id += 1
        rows["owners"].append(
            (owner_id, council, coordinator_name, f"performance@{domain}", "Improvement coordinator", created)
        )
        coordinator = owner_id
        years = sorted(rng.sample(range(2018, 2027), inspections))
        previous = None
        for year in years:
            inspection = f"{slug}-{year}"
            last_day = dt.date(year, 8, 31) if year == 2026 else dt.date(year, 12, 10)
            start = dt.date(year, 1, 8) + dt.timedelta(days=rng.randint(0, (last_day - dt.date(year, 1, 8)).days))
            start -= dt.timedelta(days=start.weekday())  # fieldwork starts on a Monday
            kind = rng.choices(["standard", "short"], [60, 40])[0]
            end = start + dt.timedelta(days=11 if kind == "standard" else 4)
            published = next_working(end + dt.timedelta(weeks=rng.randint(6, 10)))
            rows["inspections"].append(
                (
                    inspection,
                    council,
                    f"{inspection}.pdf",
                    kind,
                    start.isoformat(),
                    end.isoformat(),
                    published.isoformat(),
                    previous,
                    f"{inspection}.pdf",
                    None,
                )
            )
            previous = inspection
            rows["coordinators"].append((inspection, coordinator))
            for area in JUDGEMENTS:
                rows["judgements"].append(
                    (
                        inspection,
                        area,
                        rng.choices(GRADES, GRADE_WEIGHTS)[0],
                        rng.choices(GRADES, GRADE_WEIGHTS)[0],
                        f"{inspection}.pdf",
                    )
                )
            plan_due = store.calendar.add_working_days(published, 70)
            panel_due = next_working(published + dt.timedelta(days=rng.randint(30, 50)))
            for key, title, kind_, due, rule in (
                ("final-plan", "Final action plan to Ofsted", "deadline", plan_due, 70),
                ("plan-to-panel", "Draft action plan to Corporate Parenting Panel", "milestone", panel_due, None),
            ):
                status, met_on = "open", None
                if due < DATA_AS_OF:
                    status = rng.choices(["met", "missed"], [94, 6])[0]
                    met_on = (due - dt.timedelta(days=rng.randint(0, 10))).isoformat() if status == "met" else None
                rows["deadlines"].append(
                    (
                        inspection,
                        key,
                        title,
                        kind_,
                        due.isoformat(),
                        "within 70 working days of publication" if rule else None,
                        rule,
                        "working-days" if rule else None,
                        "published" if rule else None,
                        status,
                        met_on,
                        f"{inspection}.pdf",
                    )
                )
            for number, (area_title, topic) in enumerate(rng.sample(AREAS, areas), 1):
                area_id += 1
                rows["areas"].append((area_id, inspection, number, area_title, "[]", f"{inspection}.pdf"))
                for item in range(1, actions + 1):
                    action_id += 1
                    owner = rng.choice(pool)
                    due = published + dt.timedelta(days=rng.randint(91, 730))
                    wording = None
                    if rng.random() < 0.2:  # a month as written in the plan: the month's last day
                        due = month_end(due)
                        wording = due.strftime("%B %Y")
                    title = rng.choice(ACTIONS).format(n=rng.choice([10, 20, 25, 40]), t=topic)
                    added = published + dt.timedelta(days=rng.randint(0, 14))
                    rows["actions"].append(
                        (
                            action_id,
                            inspection,
                            area_id,
                            f"a{number}-{item}",
                            f"{number}.{item}",
                            title,
                            owner,
                            due.isoformat(),
                            wording,
                            rng.choice(MEASURES),
                            stamp(added, rng.randint(60, 480)),
                            f"{inspection}.pdf",
                        )
                    )
                    _history(rng, rows["status_updates"], action_id, added, due, owner, coordinator_name)
                _measures(rng, rows, inspection, area_id, topic, published)
    with store.transaction():  # a generator of test data: rows go in as SQL, as an export would bring them
        conn = store.db.conn
        conn.executemany(
            "INSERT INTO inspections (id, authority, authority_source, kind, fieldwork_start, "
            "fieldwork_end, published, previous_id, source, notes) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows["inspections"],
        )
        conn.executemany("INSERT INTO judgements VALUES (?,?,?,?,?)", rows["judgements"])
        conn.executemany(
            "INSERT INTO areas (id, inspection_id, number, title, points, source) VALUES (?,?,?,?,?,?)", rows["areas"]
        )
        conn.executemany(
            "INSERT INTO deadlines (inspection_id, key, title, kind, due, wording, rule_count, "
            "rule_unit, rule_after, status, met_on, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows["deadlines"],
        )
        conn.executemany(
            "INSERT INTO owners (id, authority, name, email, role, created_at) VALUES (?,?,?,?,?,?)", rows["owners"]
        )
        conn.executemany("INSERT INTO coordinators (inspection_id, owner_id) VALUES (?,?)", rows["coordinators"])
        conn.executemany(
            "INSERT INTO actions (id, inspection_id, area_id, key, ref, title, owner, due, wording, "
            "measure, created_at, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows["actions"],
        )
        conn.execute(
            "INSERT INTO batches (id, at, author, origin, command, note) VALUES (?, ?, ?, 'import', ?, ?)",
            (BENCH_BATCH, stamp(DATA_AS_OF, 600), "Performance Team", "reading import", "bench/national.py"),
        )
        conn.executemany(
            "INSERT INTO measures (id, inspection_id, area_id, title, unit, baseline, baseline_on, target, target_by, "
            "better, tolerance, source, batch) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows["measures"],
        )
        conn.executemany(
            "INSERT INTO readings (measure_id, value, on_day, source, batch) VALUES (?,?,?,?,?)", rows["readings"]
        )
        # In order: the status_update_sets_action trigger leaves each action at its latest update.
        conn.executemany(
            "INSERT INTO status_updates (action_id, at, author, old_status, new_status, old_due, "
            "new_due, note, batch, undoes) VALUES (?,?,?,?,?,?,?,?,?,NULL)",
            rows["status_updates"],
        )
    counts = table_counts(store)
    busiest = _query(store, "SELECT owner, count(*) FROM actions GROUP BY owner ORDER BY 2 DESC, 1 LIMIT 1")[0][0]
    sample = _query(
        store,
        "SELECT inspection_id FROM actions GROUP BY inspection_id "
        "ORDER BY sum(status IN ('not-started', 'in-progress', 'blocked')) DESC, 1 LIMIT 1",
    )[0][0]
    latest = _query(store, "SELECT id FROM inspections ORDER BY published DESC, id LIMIT 1")[0][0]
    store.close()
    return Built(
        path,
        time.perf_counter() - started,
        *counts,
        sample_inspection=sample,
        sample_owner=busiest,
        import_inspection=latest,
        owner_pool=owner_pool,
        db=str(path),
        bytes=path.stat().st_size,
    )


# -- the same databases on PostgreSQL ---------------------------------------------------------------------------------


class Server:
    """The PostgreSQL server of `--db URL`: the bench connects to that database (e.g. `postgres`) only to make its
    own beside it, `ilacs_bench_*`, each dropped first if an earlier run left it (so the URL's user needs CREATEDB).
    psycopg is imported here only: a run without --db never loads it."""

    PREFIX = "ilacs_bench_"

    def __init__(self, url: str):
        import psycopg

        self.url = url
        try:
            self.admin = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as error:
            raise SystemExit(f"cannot connect to {url}: {str(error).strip().splitlines()[-1]}") from None
        self.version = self.admin.execute("SHOW server_version").fetchone()[0]

    def url_of(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))

    def empty(self, name: str, template: str = "template0") -> str:
        """A new database `ilacs_bench_NAME` (a copy of `template`, by default empty); its URL."""
        name = self.PREFIX + name
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url_of(name)

    def copy(self, source_url: str, name: str) -> str:
        """A new database with every row of the one at `source_url` (CREATE DATABASE ... TEMPLATE); its URL."""
        return self.empty(name, urlsplit(source_url).path.lstrip("/"))

    def analyze(self, url: str) -> None:
        """Statistics for the planner now, not when autovacuum comes to it: the timings must not depend on when."""
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")

    def size(self, url: str) -> int:
        name = urlsplit(url).path.lstrip("/")
        return self.admin.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0]

    def close(self) -> None:
        self.admin.close()


def carry_over(built: Built, server: Server, name: str, env: dict[str, str]) -> Built:
    """The SQLite database `built` copied to a new PostgreSQL database by `ilacs copy` (every row, history and
    correction, in one transaction, checked by counts and `ilacs check`), then analyzed; its Built, with the seconds
    the copy took as a whole process."""
    url = server.empty(name)
    seconds = run_once([*ilacs_command(), "copy", str(built.path), url], env) / 1000
    server.analyze(url)
    return replace(built, seconds=seconds, db=url, bytes=server.size(url))


def _measures(rng: random.Random, rows: dict, inspection: str, area_id: int, topic: str, published: dt.date) -> None:
    """Several measures for one area, each with a reading at the end of every month for two years from the month
    of publication (none after DATA_AS_OF), drifting from the baseline towards the target with some noise."""
    baseline_on = month_end(published)
    for title, unit, better, (low, high), target, tolerance in MEASURE_SHAPES:
        measure_id = len(rows["measures"]) + 1
        baseline = rng.randint(low, high)
        target_by = month_end(baseline_on + dt.timedelta(days=365))
        rows["measures"].append(
            (
                measure_id,
                inspection,
                area_id,
                title.format(t=topic),
                unit,
                baseline,
                baseline_on.isoformat(),
                target,
                target_by.isoformat(),
                better,
                tolerance,
                "Liquidlogic",
                BENCH_BATCH,
            )
        )
        day, value = baseline_on, float(baseline)
        for _ in range(MEASURE_MONTHS):
            day = month_end(day + dt.timedelta(days=1))
            if day > DATA_AS_OF:
                break
            value = round(value + (target - value) * rng.uniform(0.0, 0.25) + rng.uniform(-2, 2), 1)
            rows["readings"].append((measure_id, value, day.isoformat(), "Power BI monthly export", BENCH_BATCH))


def _query(store: Store, sql: str) -> list[tuple]:
    return store.db.conn.execute(sql).fetchall()


def table_counts(store: Store) -> list[int]:
    return [
        _query(store, f"SELECT count(*) FROM {table}")[0][0]
        for table in ("inspections", "actions", "status_updates", "owners", "measures", "readings")
    ]


def _history(
    rng: random.Random, out: list[tuple], action_id: int, added: dt.date, due: dt.date, owner: str, coordinator: str
) -> None:
    """Five status updates for one action, oldest first, none after DATA_AS_OF."""
    final = final_status(rng, due)
    statuses = status_path(rng, final)
    if final in ("done", "cancelled"):
        last = min(due + dt.timedelta(days=rng.randint(-90, 30)), DATA_AS_OF)
    else:
        last = DATA_AS_OF - dt.timedelta(days=rng.randint(0, 60))
    last = min(max(last, added + dt.timedelta(days=8)), DATA_AS_OF)
    span = max((last - added).days, 4)
    offsets = sorted(rng.sample(range(1, span + 1), 4))
    offsets[-1] = span
    days = [added] + [min(added + dt.timedelta(days=offset), DATA_AS_OF) for offset in offsets]
    extend_at = 2 if rng.random() < 0.1 else -1
    current_due = due
    previous = None
    for index, (status, day) in enumerate(zip(statuses, days)):
        old_due = new_due = None
        if index == extend_at:
            old_due, current_due = current_due.isoformat(), current_due + dt.timedelta(days=rng.randint(30, 120))
            new_due = current_due.isoformat()
        if index == 0:
            author, note = None, "action added"
        else:
            author = owner if rng.random() < 0.7 else coordinator
            note = rng.choice(NOTES[status])
        out.append(
            (
                action_id,
                stamp(day, index * 7 + rng.randint(60, 500)),
                author,
                previous,
                status,
                old_due,
                new_due,
                note,
                f"{rng.getrandbits(128):032x}",
            )
        )
        previous = status


def write_import_csv(path: Path, rows: int, owners: list[str], seed: int) -> None:
    """A spreadsheet-style action plan: Ref, Area, Action, Lead officer, Target date, Status."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Ref", "Area", "Action", "Lead officer", "Target date", "Status"])
        for number in range(1, rows + 1):
            area = rng.randint(1, 8)
            due = DATA_AS_OF + dt.timedelta(days=rng.randint(-200, 500))
            writer.writerow(
                [
                    f"IMP-{number}",
                    area,
                    rng.choice(ACTIONS).format(n=rng.choice([10, 20]), t=f"item {number}"),
                    rng.choice(owners),
                    due.strftime("%d/%m/%Y"),
                    rng.choice(IMPORT_STATUS_WORDS),
                ]
            )


# -- timing -----------------------------------------------------------------------------------------------------------


def ilacs_command() -> list[str]:
    script = Path(sys.executable).parent / "ilacs"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ilacs_cli"]


def bench_env(out: Path) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE would make an editable install recompile ilacs on every run; pip byte-compiles
    # a normal install, so let the warm-up run write the cache and time what users get.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ILACS_") and key != "PYTHONDONTWRITEBYTECODE"
    }
    env["ILACS_CONFIG"] = str(out / "no-such-config.toml")
    return env


def run_once(argv: list[str], env: dict[str, str]) -> float:
    """Milliseconds for one whole process; fails loudly if the command fails."""
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr.decode(errors='replace')}")
    return elapsed


PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_mib(argv: list[str], env: dict[str, str]) -> float:
    """Peak resident memory of the command, read by a wrapper after its only child exits (ru_maxrss: KiB)."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, *argv], capture_output=True, text=True, env=env, check=True
    )
    code, kib = done.stdout.split()
    if code != "0":
        raise SystemExit(f"failed ({code}) under the memory wrapper: {' '.join(argv)}")
    return int(kib) / 1024


def read_commands(built: Built, remind_day: str) -> list[tuple[str, list[str]]]:
    return [
        ("overdue", ["overdue"]),
        ("measures", ["measures"]),
        ("list", ["list"]),
        ("show ID", ["show", built.sample_inspection]),
        ("actions --owner NAME", ["actions", "--owner", built.sample_owner]),
        ("due --within 10", ["due", "--within", "10"]),
        ("summary", ["summary"]),
        ("remind --force", ["remind", "--as-of", remind_day, "--force"]),
        ("export --format csv", ["export", "--format", "csv"]),
    ]


def median_reads(databases: dict[str, Built], runs: int, env: dict[str, str], remind_day: str) -> dict:
    """Median ms of every read command on every database (labels: national, small, and national-pg, small-pg with
    --db) and of the floor, runs interleaved (every command once per round) so drift is shared: round i of one
    command and round i of another are a pair."""
    floor_argv = [sys.executable, "-c", "import typer, sqlite3"]
    ilacs = ilacs_command()
    jobs: dict[tuple[str, str], list[str]] = {("floor", "floor"): floor_argv}
    for label, built in databases.items():
        for name, args in read_commands(built, remind_day):
            jobs[(name, label)] = [*ilacs, *args, "--db", built.db]
    for argv in jobs.values():  # warm-up: page cache, .pyc files
        run_once(argv, env)
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in jobs}
    for _ in range(runs):
        for key, argv in jobs.items():
            samples[key].append(run_once(argv, env))
    peaks = {
        (name, label): peak_mib(jobs[(name, label)], env)
        for label in databases
        if label.startswith("national")
        for name, _ in read_commands(databases[label], remind_day)
    }
    peaks[("floor", "floor")] = peak_mib(floor_argv, env)
    return {"samples": samples, "peaks": peaks}


class Targets:
    """Where the write paths write: new SQLite files in a folder, or new databases on a PostgreSQL server."""

    def __init__(self, work: Path, server: Server | None = None):
        self.work = work
        self.server = server

    def fresh(self, name: str) -> str:
        """A --db for a database that does not exist yet (a file) or is empty (PostgreSQL)."""
        if self.server:
            return self.server.empty(name)
        return str(self.work / f"{name}.db")

    def copy(self, built: Built, name: str) -> str:
        """A --db for a new copy of `built`'s database."""
        if self.server:
            return self.server.copy(built.db, name)
        target = self.work / f"{name}.db"
        copy_database(built.path, target)
        return str(target)


def time_writes(national: Built, out: Path, runs: int, env: dict[str, str], server: Server | None = None) -> list[dict]:
    """Seconds for seed into a fresh database, add-action and update on a copy, and a 10,000-row CSV import (on the
    SQLite file `national`, or with `server` on its PostgreSQL database)."""
    ilacs = ilacs_command()
    work = out / ("writes-pg" if server else "writes")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    targets = Targets(work, server)
    copy = targets.copy(national, "national_copy")
    results = []

    def record(name: str, seconds: list[float], detail: str) -> None:
        results.append(
            {
                "command": name,
                "runs": len(seconds),
                "median_s": statistics.median(seconds),
                "min_s": min(seconds),
                "detail": detail,
            }
        )

    seconds = []
    for index in range(runs):
        fresh = targets.fresh(f"seed_{index}")
        seconds.append(run_once([*ilacs, "seed", "--db", fresh], env) / 1000)
    where = "database" if server else "file"
    record(f"seed (fresh {where})", seconds, f"bundled seeds into a new {where}: migrations, calendar, 5 inspections")
    seconds = [
        run_once(
            [
                *ilacs,
                "add-action",
                national.sample_inspection,
                "--area",
                "1",
                "--owner",
                national.sample_owner,
                "--due",
                "31/03/2027",
                f"Benchmark action {index}",
                "--db",
                copy,
            ],
            env,
        )
        / 1000
        for index in range(runs)
    ]
    record("add-action", seconds, "on a copy of the national database")
    target = sqlite3.connect(national.path)  # the same rows on both backends
    action = target.execute("SELECT min(id) FROM actions WHERE status = 'in-progress'").fetchone()[0]
    target.close()
    seconds = [
        run_once(
            [
                *ilacs,
                "update",
                str(action),
                "--status",
                ["blocked", "in-progress"][index % 2],
                "--note",
                f"benchmark {index}",
                "--by",
                "Bench",
                "--db",
                copy,
            ],
            env,
        )
        / 1000
        for index in range(runs)
    ]
    record("update", seconds, f"action {action} on a copy of the national database")
    sheet = work / "plan-10000.csv"
    write_import_csv(sheet, 10_000, national.owner_pool, SEED + 1)
    seconds = []
    for index in range(max(1, min(runs, 3))):
        fresh = targets.copy(national, f"import_{index}")
        seconds.append(
            run_once([*ilacs, "import", str(sheet), "--inspection", national.import_inspection, "--db", fresh], env)
            / 1000
        )
    record("import 10,000-row CSV", seconds, f"into {national.import_inspection}, a fresh copy each run")
    return results


def copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()


def import_times(db: str, remind_day: str, built: Built, env: dict[str, str]) -> dict:
    """Per read command: the heavy modules it imports; for overdue, the biggest cumulative import times."""
    found: dict = {"heavy": {}, "overdue_top": []}
    checked = [("--help", ["--help"])] + [
        (name, [*args, "--db", db]) for name, args in read_commands(built, remind_day)
    ]
    for name, args in checked:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "ilacs_cli", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        entries = []
        for line in done.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[0].startswith("import time:") and parts[1].strip().isdigit():
                entries.append((int(parts[1]), int(parts[0].split(":")[1]), parts[2].rstrip()))
        modules = {entry[2].strip() for entry in entries}
        # the packages, not each of their modules (psycopg alone imports some seventy)
        found["heavy"][name] = sorted({module.split(".")[0] for module in modules} & set(HEAVY_MODULES))
        if name == "overdue":
            found["overdue_top"] = [
                {"module": module, "cumulative_ms": cumulative / 1000, "self_ms": own / 1000}
                for cumulative, own, module in sorted(entries, reverse=True)[:15]
            ]
            found["overdue_total_ms"] = sum(entry[1] for entry in entries) / 1000
    return found


SQL_CALLS = {
    "<method 'execute' of 'sqlite3.Connection' objects>",
    "<method 'execute' of 'sqlite3.Cursor' objects>",
    "<method 'fetchall' of 'sqlite3.Cursor' objects>",
    "<method 'fetchmany' of 'sqlite3.Cursor' objects>",
    "<method 'fetchone' of 'sqlite3.Cursor' objects>",
}
IMPORT_CALLS = {
    "<built-in method marshal.loads>",
    "<built-in method builtins.exec>",
    "<built-in method builtins.__build_class__>",
    "<built-in method _imp.create_dynamic>",
    "<built-in method _io.open_code>",
    "<built-in method posix.stat>",
}
OUTPUT_CALLS = {
    "<built-in method builtins.print>",
    "<method 'write' of '_io.TextIOWrapper' objects>",
    "<method 'write' of '_io.BufferedWriter' objects>",
    "<method 'writerows' of '_csv.writer' objects>",
    "<method 'writerow' of '_csv.writer' objects>",
    "<method 'flush' of '_io.TextIOWrapper' objects>",
    "<method 'flush' of '_io.BufferedWriter' objects>",
}


def driver_time(stats: dict) -> float:
    """Seconds in psycopg's execute and fetch methods (the server's time and the driver's), called from outside
    psycopg: PostgreSQL's counterpart of SQL_CALLS."""
    return sum(
        caller_entry[3]
        for (file, _, function), entry in stats.items()
        if f"{os.sep}psycopg{os.sep}" in file and function in PSYCOPG_CALLS
        for caller, caller_entry in entry[4].items()
        if f"{os.sep}psycopg{os.sep}" not in caller[0]
    )


PSYCOPG_CALLS = {"execute", "executemany", "fetchone", "fetchmany", "fetchall", "copy"}


def profiles(db: str, remind_day: str, built: Built, out: Path, env: dict[str, str]) -> dict:
    """Per read command, one run under cProfile: where its time goes (imports, the database, writing output, the
    rest) and the functions with the most time of their own. Profiling slows Python code more than SQLite's C code.
    On PostgreSQL the database's share is psycopg's execute and fetch calls (which include the driver's Python)."""
    import pstats

    found = {}
    for name, args in read_commands(built, remind_day):
        target = out / "profile.out"
        subprocess.run(
            [sys.executable, "-m", "cProfile", "-o", str(target), "-m", "ilacs_cli", *args, "--db", db],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            check=True,
        )
        stats = pstats.Stats(str(target)).stats  # {(file, line, function): (calls, ncalls, own, cumulative, callers)}
        total = sum(entry[2] for entry in stats.values())
        imports = sum(
            entry[3]
            for (file, _, function), entry in stats.items()
            if file == "<frozen importlib._bootstrap>"
            and function == "_find_and_load"
            and not any(caller[0] == "<frozen importlib._bootstrap>" for caller in entry[4])
        )
        sql = sum(entry[2] for (_, _, function), entry in stats.items() if function in SQL_CALLS) + driver_time(stats)
        output = sum(entry[2] for (_, _, function), entry in stats.items() if function in OUTPUT_CALLS)
        own = sorted(
            (
                (entry[2], f"{Path(file).name}:{line}({function})" if line else function)
                for (file, line, function), entry in stats.items()
                if not file.startswith("<frozen")
                and f"{os.sep}psycopg{os.sep}" not in file
                and function not in SQL_CALLS | OUTPUT_CALLS | IMPORT_CALLS
            ),
            reverse=True,
        )[:3]
        found[name] = {
            "total_ms": total * 1000,
            "imports_ms": imports * 1000,
            "sql_ms": sql * 1000,
            "output_ms": output * 1000,
            "rest_ms": (total - imports - sql - output) * 1000,
            "top_own": [{"function": label, "ms": seconds * 1000} for seconds, label in own],
        }
        target.unlink()
    return found


# -- output -----------------------------------------------------------------------------------------------------------


def mark(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def national_target(name: str) -> float:
    """How far above the floor a command may be on the national database."""
    return EXPORT_FLOOR_MS if name.startswith("export") else FLOOR_MS


def commit() -> str:
    """The commit measured (with '+changes' when the work tree differs from it), or 'unknown' outside git."""
    here = Path(__file__).resolve().parent
    done = subprocess.run(["git", "-C", str(here), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if done.returncode:
        return "unknown"
    dirty = subprocess.run(
        ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    ).stdout.strip()
    return done.stdout.strip() + ("+changes" if dirty else "")


def paired(slower: list[float], faster: list[float]) -> list[float]:
    """Ratios round by round: each pair ran within one round of the interleaved runs, so drift falls on both."""
    return sorted(a / b for a, b in zip(slower, faster))


def compare_backends(samples: dict, peaks: dict, runs: int) -> list[dict]:
    """The same commands on the same rows, PostgreSQL beside SQLite, with the ratio of each round's pair."""
    print(
        f"\nPostgreSQL beside SQLite: the same rows, medians of {runs} runs (ms, whole process); PG/SQLite is the "
        "median (min-max) of the ratios of each round's pair"
    )
    header = (
        f"{'command':<22} {'SQLite':>8} {'PG':>8} {'PG/SQLite':>19} {'small SQLite':>13} {'small PG':>9} "
        f"{'PG/SQLite':>19} {'PG peak MiB':>12}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    names = [key[0] for key in samples if key[1] == "national-pg"]
    for name in names:
        big = paired(samples[(name, "national-pg")], samples[(name, "national")])
        little = paired(samples[(name, "small-pg")], samples[(name, "small")])
        row = {
            "command": name,
            "sqlite_ms": round(statistics.median(samples[(name, "national")]), 1),
            "postgres_ms": round(statistics.median(samples[(name, "national-pg")]), 1),
            "ratio_median": round(statistics.median(big), 2),
            "ratio_min": round(big[0], 2),
            "ratio_max": round(big[-1], 2),
            "small_sqlite_ms": round(statistics.median(samples[(name, "small")]), 1),
            "small_postgres_ms": round(statistics.median(samples[(name, "small-pg")]), 1),
            "small_ratio_median": round(statistics.median(little), 2),
            "small_ratio_min": round(little[0], 2),
            "small_ratio_max": round(little[-1], 2),
            "postgres_peak_mib": round(peaks[(name, "national-pg")], 1),
        }
        rows.append(row)
        print(
            f"{name:<22} {row['sqlite_ms']:>8.1f} {row['postgres_ms']:>8.1f} "
            f"{row['ratio_median']:>6.2f} ({row['ratio_min']:.2f}-{row['ratio_max']:.2f}) "
            f"{row['small_sqlite_ms']:>13.1f} {row['small_postgres_ms']:>9.1f} "
            f"{row['small_ratio_median']:>6.2f} ({row['small_ratio_min']:.2f}-{row['small_ratio_max']:.2f}) "
            f"{row['postgres_peak_mib']:>12.1f}"
        )
    return rows


def report(reads: dict, runs: int, writes: dict[str, list[dict]]) -> dict:
    samples, peaks = reads["samples"], reads["peaks"]
    floor = statistics.median(samples[("floor", "floor")])
    names = [key[0] for key in samples if key[1] == "national"]
    print(f"\nCommit {commit()}, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}")
    print(
        f"Read commands: median of {runs} runs each (ms, whole process); floor "
        f'`python -c "import typer, sqlite3"` = {floor:.1f} ms, peak {peaks[("floor", "floor")]:.1f} MiB'
    )
    header = (
        f"{'command':<22} {'national':>9} {'- floor':>8} {'small':>8} {'- floor':>8} {'peak MiB':>9}  "
        f"{'national target':<20} {'small <= floor+' + str(int(SMALL_MS)):<19} "
        f"{'< ' + str(int(PEAK_MIB)) + ' MiB':<9}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for name in names:
        nat = statistics.median(samples[(name, "national")])
        sml = statistics.median(samples[(name, "small")])
        peak = peaks[(name, "national")]
        target = national_target(name)
        row = {
            "command": name,
            "national_ms": round(nat, 1),
            "national_above_floor_ms": round(nat - floor, 1),
            "small_ms": round(sml, 1),
            "small_above_floor_ms": round(sml - floor, 1),
            "peak_mib": round(peak, 1),
            "national_target_above_floor_ms": target,
            "national_within_target": nat <= floor + target,
            "small_within_floor_plus_25": sml <= floor + SMALL_MS,
            "under_80_mib": peak < PEAK_MIB,
        }
        rows.append(row)
        print(
            f"{name:<22} {nat:>9.1f} {nat - floor:>8.1f} {sml:>8.1f} {sml - floor:>8.1f} {peak:>9.1f}  "
            f"{mark(row['national_within_target']) + ' (floor+' + str(int(target)) + ')':<20} "
            f"{mark(row['small_within_floor_plus_25']):<19} {mark(row['under_80_mib']):<9}"
        )
    met = sum(
        row["national_within_target"] and row["small_within_floor_plus_25"] and row["under_80_mib"] for row in rows
    )
    print(f"{met} of {len(rows)} read commands meet all three targets.")
    postgres = compare_backends(samples, peaks, runs) if ("overdue", "national-pg") in samples else []
    for label, items in writes.items():
        print(f"\nWrite paths on {label} (seconds, whole process)")
        for item in items:
            print(
                f"  {item['command']:<24} median {item['median_s']:.3f} s  min {item['min_s']:.3f} s  "
                f"({item['runs']} runs; {item['detail']})"
            )
    return {
        "commit": commit(),
        "floor_ms": round(floor, 1),
        "floor_peak_mib": round(peaks[("floor", "floor")], 1),
        "reads": rows,
        "postgres_vs_sqlite": postgres,
        "raw_ms": {
            f"{name}/{label}": [round(value, 1) for value in values] for (name, label), values in samples.items()
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for the databases (default: a new temporary folder)")
    parser.add_argument("--runs", type=int, default=11, help="runs per read command; the median is reported")
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 runs per read, 1 per write")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="also on PostgreSQL: postgresql://user@host/dbname of a server whose user may create databases; the "
        "bench makes its own there (ilacs_bench_*), replacing those an earlier run left",
    )
    options = parser.parse_args(argv)
    if options.db and not options.db.startswith(("postgresql://", "postgres://")):
        parser.error("--db takes a PostgreSQL URL (postgresql://user@host/dbname); the SQLite files go in --out")
    runs = 3 if options.quick else options.runs
    write_runs = 1 if options.quick else 5
    out = options.out or Path(tempfile.mkdtemp(prefix="ilacs-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    env = bench_env(out)
    server = Server(options.db) if options.db else None

    built = {}
    for label, shape in (
        ("national", dict(authorities=153, inspections=4, areas=8, actions=6)),
        ("small", dict(authorities=1, inspections=4, areas=5, actions=10)),
    ):
        path = out / f"{label}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        built[label] = build(path, seed=SEED if label == "national" else SEED + 7, **shape)
        item = built[label]
        print(
            f"Built {label}: {item.inspections} inspections, {item.actions} actions, {item.updates} status "
            f"updates, {item.owners} owners, {item.measures} measures, {item.readings} readings in "
            f"{item.seconds:.2f} s; {path} is "
            f"{path.stat().st_size / 2**20:.1f} MiB"
        )
    if server:
        for label in ("national", "small"):
            built[f"{label}-pg"] = item = carry_over(built[label], server, label, env)
            print(
                f"Copied {label} to PostgreSQL {server.version} with ilacs copy in {item.seconds:.2f} s: {item.db}, "
                f"{item.bytes / 2**20:.1f} MiB"
            )
    national = built["national"]
    check = Store.open(national.path)
    remind_day = DATA_AS_OF
    while not check.calendar.is_working_day(remind_day):
        remind_day -= dt.timedelta(days=1)
    check.close()
    print(
        f"Commands: {' '.join(ilacs_command())} ...; ILACS_CONFIG={env['ILACS_CONFIG']} (absent); "
        f"show {national.sample_inspection}; actions --owner '{national.sample_owner}'; "
        f"remind --as-of {remind_day} --force"
    )

    reads = median_reads(built, runs, env, remind_day.isoformat())
    writes = {"SQLite": time_writes(national, out, write_runs, env)}
    if server:
        writes["PostgreSQL"] = time_writes(built["national-pg"], out, write_runs, env, server)
    summary = report(reads, runs, writes)
    checked = [("national", national)] + ([("national-pg", built["national-pg"])] if server else [])
    imports = {label: import_times(item.db, remind_day.isoformat(), item, env) for label, item in checked}
    for label, item in checked:
        found = imports[label]
        print(
            f"\nHeavy modules imported by --help and the read commands on {item.label} (python -X importtime -m "
            f"ilacs_cli CMD; psycopg is PostgreSQL's driver, expected there only):"
        )
        for name, modules in found["heavy"].items():
            print(f"  {name:<22} {', '.join(modules) if modules else 'none of ' + ', '.join(HEAVY_MODULES)}")
        print(
            f"\nimporttime for overdue on {item.label}: {found['overdue_total_ms']:.1f} ms of imports in all; "
            "biggest cumulative:"
        )
        for entry in found["overdue_top"]:
            print(f"  {entry['cumulative_ms']:>8.1f} ms  (self {entry['self_ms']:>6.1f})  {entry['module']}")
    profiled = {label: profiles(item.db, remind_day.isoformat(), item, out, env) for label, item in checked}
    for label, item in checked:
        print(
            f"\nWhere the time goes: one run of each under cProfile on the national database on {item.label} (ms; "
            "profiling slows Python more than the database; on PostgreSQL 'database' is psycopg's execute and fetch)"
        )
        print(
            f"  {'command':<22} {'total':>7} {'imports':>8} {'database':>8} {'output':>7} {'rest':>7}  "
            "functions with the most time of their own (not the database, output or import machinery)"
        )
        for name, entry in profiled[label].items():
            top = ", ".join(f"{own['function']} {own['ms']:.0f}" for own in entry["top_own"])
            print(
                f"  {name:<22} {entry['total_ms']:>7.1f} {entry['imports_ms']:>8.1f} {entry['sql_ms']:>8.1f} "
                f"{entry['output_ms']:>7.1f} {entry['rest_ms']:>7.1f}  {top}"
            )
    if server:
        server.close()
    if options.json:
        print(
            json.dumps(
                {
                    "runs": runs,
                    "out": str(out),
                    "build": {
                        label: {
                            "seconds": round(item.seconds, 2),
                            "inspections": item.inspections,
                            "actions": item.actions,
                            "status_updates": item.updates,
                            "owners": item.owners,
                            "measures": item.measures,
                            "readings": item.readings,
                            "bytes": item.bytes,
                            "db": str(item.db),
                        }
                        for label, item in built.items()
                    },
                    **summary,
                    "writes": writes,
                    "imports": imports if server else imports["national"],
                    "profiles": profiled if server else profiled["national"],
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
