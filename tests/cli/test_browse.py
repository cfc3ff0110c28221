"""`ilacs serve`: Datasette on a real database and a real port, read while `ilacs update` writes, the views checked
against the CLI, private tables and downloads refused, one page opened in headless Chromium."""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from helpers.browser import chromium, run_browser
from helpers.cli import ok
from helpers.cli import run_ilacs as ilacs
from helpers.net import free_port

from ilacs_cli.storage.migrations import M013_TODAY_IN_ENGLAND

PLAN = "east-sussex-2023"
VIEWS = ("overdue", "due_soon", "progress_by_area", "plan", "deadlines_with_rules", "today_in_england")
ENGLAND = ZoneInfo("Europe/London")


def get(url):
    """(status, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def serving(db, *options):
    """`ilacs serve` on `db` as its own process, once it answers: (the process, the server's address)."""
    pytest.importorskip("datasette")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ilacs_cli", "serve", "--db", str(db), "--port", str(port), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to 60 s (Datasette starts slowly on a busy machine)
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(server.stderr.read())
                time.sleep(0.1)
        yield server, base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture()
def served(db):
    with serving(db) as (_, base):
        yield db, f"{base}/{db.stem}"


def rows(url):
    status, body = get(f"{url}.json?_shape=array&_size=max")
    assert status == 200, body[:500]
    return json.loads(body)


@pytest.mark.slow  # a Datasette server and a browser
@pytest.mark.sqlite_only("Datasette reads the file itself, live")
def test_views_served_live_and_read_only(served, tmp_path):
    db, base = served
    today = dt.datetime.now(ENGLAND).date()
    late = int(
        ok(
            "add-action",
            PLAN,
            "--area",
            "2",
            "--owner",
            "A Watson",
            "--due",
            (today - dt.timedelta(days=7)).isoformat(),
            "Audit supervision records",
            db=db,
        )
    )
    soon = int(
        ok(
            "add-action",
            PLAN,
            "--area",
            "3",
            "--owner",
            "B Khan",
            "--due",
            today.isoformat(),
            "Refresh the neglect toolkit",
            db=db,
        )
    )
    ok("owner", "add", "A Watson", "--email", "a.watson@council.example.gov.uk", "--authority", PLAN, db=db)
    for view in VIEWS:
        assert rows(f"{base}/{view}"), view
    overdue = {row["action_id"]: row for row in rows(f"{base}/overdue")}
    assert overdue[late]["days_late"] == 7 and overdue[late]["area"] == 2
    assert overdue[late]["area_title"].startswith("The recording of management oversight")
    # Working days late as `ilacs overdue` counts them (the calendar's bank holidays included).
    cli = {item["id"]: item for item in json.loads(ok("overdue", "--json", db=db)) if item["kind"] == "action"}
    assert {i: row["working_days_late"] for i, row in overdue.items()} == {
        i: cli[i]["working_days_late"] for i in overdue
    }
    due = {row["action_id"]: row for row in rows(f"{base}/due_soon")}
    assert due[soon]["working_days_left"] == 0 and late not in due
    cli_due = json.loads(ok("due", "--json", db=db))
    assert set(due) == {item["id"] for item in cli_due if item["kind"] == "action"}
    progress = {row["area"]: row for row in rows(f"{base}/progress_by_area") if row["inspection"] == PLAN}
    assert (progress[2]["actions"], progress[2]["overdue"], progress[2]["not_started"]) == (1, 1, 1)
    deadlines = {row["deadline"]: row for row in rows(f"{base}/deadlines_with_rules")}
    assert deadlines["D2"]["rule"] == "70 working days after publication"

    # Live: what ilacs writes shows at the next request (no --immutable snapshot).
    ok("update", str(late), "--status", "in-progress", "--note", "Audit booked", db=db)
    plan = {row["action_id"]: row for row in rows(f"{base}/plan")}
    assert (plan[late]["status"], plan[late]["latest_update"]) == ("in-progress", "Audit booked")
    # ...and read-only: the file is unchanged by serving it, which `ilacs check` confirms.
    assert ilacs("check", db=db).returncode == 0

    # Owners' addresses and the whole file are not served; nor is SQL that could reach them.
    everything = get(f"{base}.json")[1] + "".join(get(f"{base}/{view}.json")[1] for view in VIEWS)
    assert "a.watson@council.example.gov.uk" not in everything
    for private in ("owners", "coordinators", "reminders_sent", "changes"):
        assert get(f"{base}/{private}.json")[0] == 403, private
    assert get(f"{base.rsplit('/', 1)[0]}/{db.stem}.db")[0] in (403, 404)
    assert get(f"{base}.json?sql=select+email+from+owners")[0] in (400, 403)
    metadata = json.loads(get(f"{base.rsplit('/', 1)[0]}/-/metadata.json")[1])
    described = metadata["databases"][db.stem]["tables"]["overdue"]["columns"]
    assert described["working_days_late"].startswith("English working days")

    browser = chromium()
    if browser is None:
        pytest.skip("chromium not installed (CI installs it: see .ci/run)")
    dom = run_browser(browser, tmp_path, "--dump-dom", f"{base}/overdue")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Actions overdue today" in dom.stdout and "Audit supervision records" in dom.stdout
    assert "English working days from the due date to today" in dom.stdout


@pytest.mark.sqlite_only("the views for Datasette are SQLite's")
def test_views_exist_for_any_sqlite_client(db):
    with sqlite3.connect(db) as conn:
        views = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
        assert views == set(VIEWS)
        columns = [row[1] for row in conn.execute("PRAGMA table_info(plan)")]
    assert "area" in columns and "area_id" not in columns and not [c for c in columns if "email" in c]


def test_serve_without_datasette_says_how_to_install(db, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasette.cli", None)  # as if the [web] extra were not installed
    out = ilacs("serve", db=db)
    assert out.returncode == 2 and 'pip install "ilacs[web]"' in out.stderr


# (the clock, in UTC; the day in England), written out by hand from the Summer Time Order: BST runs from 01:00 UTC
# on the last Sunday of March to 01:00 UTC on the last Sunday of October.
CLOCK_CHANGES = [
    ("2024-03-30 23:30:00", "2024-03-30"),  # GMT on the Saturday night: still Saturday
    ("2024-03-31 00:59:59", "2024-03-31"),
    ("2024-06-30 22:59:59", "2024-06-30"),  # 23:59:59 BST
    ("2024-06-30 23:00:00", "2024-07-01"),  # midnight BST: the UTC date is a day behind for an hour
    ("2024-10-26 23:30:00", "2024-10-27"),  # 00:30 BST on the night the clocks go back
    ("2024-10-27 23:30:00", "2024-10-27"),  # GMT again
    ("2024-12-31 23:59:59", "2024-12-31"),
    ("2025-03-30 23:30:00", "2025-03-31"),  # BST began that morning (30 March 2025 was March's last Sunday)
]


@pytest.mark.sqlite_only("the views for Datasette are SQLite's")
@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_the_views_count_from_englands_today_whatever_the_servers_clock(db, zone):
    if not shutil.which("faketime"):
        pytest.skip("faketime not installed (CI installs it: see .ci/run)")
    query = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT day FROM today_in_england').fetchone()[0])"
    for clock, day in CLOCK_CHANGES:
        # faketime reads its time as the machine's local time: the UTC clock, as a clock in `zone` shows it
        instant = dt.datetime.fromisoformat(clock).replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))
        seen = subprocess.run(
            ["faketime", "-f", f"@{instant:%Y-%m-%d %H:%M:%S}", sys.executable, "-c", query, str(db)],
            capture_output=True,
            text=True,
            env={**os.environ, "TZ": zone},
        )
        assert (clock, seen.returncode, seen.stdout.strip()) == (clock, 0, day), seen.stderr


def test_the_views_today_is_europe_london_at_every_change_of_the_clocks_2000_to_2100():
    """The SQL restating England's date, against Python's Europe/London, each half hour for 3 hours either side of
    every change of the clocks from 2000 to 2100, and at noon and midnight UTC of each month's first day."""
    sql = "SELECT " + M013_TODAY_IN_ENGLAND.replace("'now'", ":now")
    instants = []
    for year in range(2000, 2101):
        for month in range(1, 13):
            instants += [dt.datetime(year, month, 1, hour, tzinfo=dt.UTC) for hour in (0, 12)]
        for month in (3, 10):
            # the last Sunday of the month, 01:00 UTC: found by walking back from the 31st, not by the SQL's rule
            sunday = dt.date(year, month, 31)
            while sunday.weekday() != 6:
                sunday -= dt.timedelta(days=1)
            change = dt.datetime(sunday.year, sunday.month, sunday.day, 1, tzinfo=dt.UTC)
            instants += [change + dt.timedelta(minutes=30 * step) for step in range(-6, 7)]
            instants += [change - dt.timedelta(seconds=1)]
    with sqlite3.connect(":memory:") as conn:
        wrong = [
            (instant, found)
            for instant in instants
            if (found := conn.execute(sql, {"now": instant.strftime("%Y-%m-%d %H:%M:%S")}).fetchone()[0])
            != instant.astimezone(ENGLAND).date().isoformat()
        ]
    assert len(instants) > 4000 and not wrong, wrong[:5]


@pytest.mark.slow  # a Datasette server
def test_refused_requests_are_one_line_each_and_no_page_names_the_path(db):
    """Issue 27, item 13: Datasette printed a traceback with local variables for each refused request, and
    /-/databases.json showed the database's full path."""
    # A file is served by its name; a PostgreSQL database as a copy named ilacs, in a folder of its own
    name, folder = (db.stem, str(db.parent)) if not isinstance(db, str) else ("ilacs", "ilacs-snapshot-")
    with serving(db) as (server, base):
        asked = [f"/{name}/no_such_table", f"/{name}/actions.json?_where=1", "/no_such_database"]
        assert [get(base + path)[0] for path in asked] == [404, 403, 404]
        for page in ("/-/databases.json", "/-/databases", "/-/threads.json"):
            status, body = get(base + page)
            assert status == 404 and str(db) not in body, page
        assert folder not in get(f"{base}/{name}")[1]
        server.terminate()
        log = server.communicate(timeout=10)[1]
    refusals = [line for line in log.splitlines() if line.startswith("ilacs serve: ")]
    assert [line.split()[2] for line in refusals] == ["404", "403", "404"], log
    assert "Traceback" not in log and "locals" not in log and "╭" not in log, log


@pytest.mark.slow  # a Datasette server, and a minute for the copy to be taken again
def test_a_postgresql_database_is_served_as_a_copy_taken_again_every_few_minutes(postgres_url):
    """Datasette reads SQLite: a PostgreSQL plan is served as a copy, whose views agree with `ilacs overdue`, and
    which shows a change made on the server once the copy is taken again (every minute here)."""
    ok("seed", db=postgres_url)
    late = [row["id"] for row in json.loads(ok("overdue", "--json", db=postgres_url))]
    assert late, "the examples have overdue actions"
    with serving(postgres_url, "--refresh", "1") as (server, base):
        assert sorted(row["action_id"] for row in rows(f"{base}/ilacs/overdue")) == sorted(late)
        status, page = get(f"{base}/")
        assert status == 200 and "a copy of the PostgreSQL database taken at" in page
        ok("done", str(late[0]), "--by", "A Tester", db=postgres_url)
        for _ in range(150):  # the copy is taken again within a minute and a half
            if late[0] not in [row["action_id"] for row in rows(f"{base}/ilacs/overdue")]:
                break
            time.sleep(1)
        else:
            pytest.fail("the change made on PostgreSQL never showed")
        assert server.poll() is None
