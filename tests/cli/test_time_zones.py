"""England's date and time, whatever the machine's clock is set to (issue 14, item 7): "today" is today in England,
and a time is stored with its offset and counted on its day in England. The clock is set with libfaketime
(Debian's faketime), and the machine's zone with TZ."""

import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime (apt-get install faketime)")


def at(clock, tz, *args, db):
    """Run ilacs as a machine in zone `tz` whose clock reads `clock` (local time there), stopped at that second."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("ILACS_")}
    env.update({"TZ": tz, "ILACS_DB": str(db), "ILACS_CONFIG": os.environ["ILACS_CONFIG"], "ILACS_USER": "Sam"})
    ran = subprocess.run(
        ["faketime", "-f", clock, sys.executable, "-m", "ilacs_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in ran.stderr, ran.stderr
    return ran


def test_a_server_in_los_angeles_works_to_englands_monday(tmp_path, new_db):
    """07:30 on Mon 8 Jan 2024 in London is 23:30 on Sunday in Los Angeles: reminders go, and lateness is
    counted to Monday."""
    db, la, sunday_night = new_db, "America/Los_Angeles", "2024-01-07 23:30:00"
    assert at(sunday_night, la, "init", db=db).returncode == 0
    assert (
        at(
            sunday_night,
            la,
            "add-inspection",
            "brighton-2023",
            "--authority",
            "Brighton and Hove City Council",
            "--published",
            "01/11/2023",
            "--area",
            "Care plans",
            db=db,
        ).returncode
        == 0
    )
    assert (
        at(
            sunday_night,
            la,
            "add-action",
            "brighton-2023",
            "--area",
            "1",
            "--owner",
            "A Watson",
            "--due",
            "05/01/2024",
            "Audit care plans",
            db=db,
        ).returncode
        == 0
    )
    remind = at(sunday_night, la, "remind", db=db)
    assert remind.returncode == 0, remind.stderr
    assert "As of Mon 8 Jan 2024: 1 overdue" in remind.stdout and "not an English working day" not in remind.stderr
    late = json.loads(at(sunday_night, la, "overdue", "--json", db=db).stdout)
    assert [(item["due"], item["days_late"], item["working_days_late"]) for item in late] == [("2024-01-05", 3, 1)]
    added = json.loads(at(sunday_night, la, "history", "1", "--json", db=db).stdout)["updates"][0]["at"]
    assert added == "2024-01-08T07:30:00+00:00"  # England's time, written with its offset (GMT in January)


def test_an_update_at_half_past_midnight_bst_counts_on_that_day(tmp_path, new_db):
    """23:30 UTC on 1 July 2024 is 00:30 BST on 2 July: the update is stored with its offset and counted on 2 July,
    on a server whose clock is UTC."""
    db = new_db
    setup = "2024-07-01 09:00:00"
    assert at(setup, "UTC", "init", db=db).returncode == 0
    assert (
        at(
            setup,
            "UTC",
            "add-inspection",
            "brighton-2024",
            "--authority",
            "Brighton and Hove City Council",
            "--published",
            "03/06/2024",
            "--area",
            "Care plans",
            db=db,
        ).returncode
        == 0
    )
    assert (
        at(
            setup,
            "UTC",
            "add-action",
            "brighton-2024",
            "--area",
            "1",
            "--owner",
            "A Watson",
            "--due",
            "30/09/2024",
            "Audit care plans",
            db=db,
        ).returncode
        == 0
    )
    late_night = at("2024-07-01 23:30:00", "UTC", "update", "1", "--status", "in-progress", "--note", "begun", db=db)
    assert late_night.returncode == 0, late_night.stderr
    updates = json.loads(at(setup, "UTC", "history", "1", "--json", db=db).stdout)["updates"]
    assert [u["at"] for u in updates] == ["2024-07-01T10:00:00+01:00", "2024-07-02T00:30:00+01:00"]

    def changed_on(day):
        out = at("2024-07-03 09:00:00", "UTC", "changes", "--since", day, "--until", day, "--json", db=db)
        return [line["note"] for line in json.loads(out.stdout)]

    assert changed_on("2024-07-01") == ["action added"]
    assert changed_on("2024-07-02") == ["begun"]
    # Read as of each day, the plan agrees: not started at the end of 1 July, in progress on 2 July.
    statuses = {
        day: json.loads(
            at("2024-07-03 09:00:00", "UTC", "show", "brighton-2024", "--as-of", day, "--json", db=db).stdout
        )["areas"][0]["actions"][0]["status"]
        for day in ("2024-07-01", "2024-07-02")
    }
    assert statuses == {"2024-07-01": "not-started", "2024-07-02": "in-progress"}
