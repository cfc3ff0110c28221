"""`ilacs serve`: Datasette on a real database and a real port, read while `ilacs update` writes, the views checked
against the CLI, private tables and downloads refused, one page opened in headless Chromium."""

import datetime as dt
import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from conftest import chromium, run_browser
from conftest import run_ilacs as ilacs

PLAN = "east-sussex-2023"
VIEWS = ("overdue", "due_soon", "progress_by_area", "plan", "deadlines_with_rules")


def ok(*args, db):
    out = ilacs(*args, db=db)
    assert out.returncode == 0, out.stderr
    return out.stdout


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url):
    """(status, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture()
def served(db):
    pytest.importorskip("datasette")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ilacs_cli", "serve", "--db", str(db), "--port", str(port)],
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
        yield db, f"{base}/{db.stem}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def rows(url):
    status, body = get(f"{url}.json?_shape=array&_size=max")
    assert status == 200, body[:500]
    return json.loads(body)


@pytest.mark.slow  # a Datasette server and a browser
def test_views_served_live_and_read_only(served, tmp_path):
    db, base = served
    today = dt.date.today()
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
