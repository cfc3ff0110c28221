"""The domain against a real Store on a temporary file, without the command line: the past view, undo, import's
dry run and the seeds (issue 25). Expected values come from the example plans and from what each test wrote."""

import datetime as dt
import sqlite3

import pytest

from ilacs_cli.domain import changes, plan, reports, seeds
from ilacs_cli.errors import IlacsError
from ilacs_cli.exchange import plans as exchange
from ilacs_cli.storage.store import Store

TODAY = dt.date(2025, 6, 2)


@pytest.fixture()
def store(seeded_template, tmp_path):
    """The seeded example plans, opened as the domain sees them."""
    import shutil

    path = tmp_path / "plan.db"
    shutil.copy(seeded_template, path)
    opened = Store.open(path)
    yield opened
    opened.close()


def add(store, title, *, on, due="31/07/2025", by="Officer"):
    return changes.add_action(
        store, "east-sussex-2023", area=1, title=title, owner="A Watson", due=due, today=TODAY, by=by, on=on
    )


def test_a_past_view_has_no_write_and_its_connection_cannot_write(store):
    past = store.as_of(dt.date(2024, 1, 1))
    for name in ("add", "record_update", "correct"):
        assert not hasattr(past.actions, name)
    assert not hasattr(past, "transaction") and not hasattr(past.deadlines, "save")
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        past.db.conn.execute("UPDATE actions SET title = 'changed' WHERE id = 1")
    with pytest.raises(sqlite3.OperationalError):
        past.db.conn.execute("DELETE FROM status_updates")
    past.close()
    assert store.actions.get(1).title != "changed"


def test_the_live_store_is_never_rewound(store):
    added = add(store, "Audit of care plans", on=dt.date(2025, 5, 1))
    past = store.as_of(dt.date(2025, 4, 30))
    assert past.rebuilt
    assert past.actions.get(added) is None  # not yet agreed on 30 April
    assert store.actions.get(added).title == "Audit of care plans"  # the live plan still has it
    assert added in [line.id for line in store.actions.lines(inspection="east-sussex-2023")]
    past.close()


def test_a_past_view_reads_the_status_of_its_day(store):
    added = add(store, "Supervision audit", on=dt.date(2025, 3, 3))
    changes.update_action(store, str(added), status="in-progress", today=TODAY, by="Officer", on=dt.date(2025, 4, 1))
    changes.update_action(store, str(added), status="done", today=TODAY, by="Officer", on=dt.date(2025, 5, 1))
    statuses = {
        day: store.as_of(day).actions.get(added).status
        for day in (dt.date(2025, 3, 31), dt.date(2025, 4, 1), dt.date(2025, 4, 30), dt.date(2025, 5, 1))
    }
    assert statuses == {
        dt.date(2025, 3, 31): "not-started",
        dt.date(2025, 4, 1): "in-progress",
        dt.date(2025, 4, 30): "in-progress",
        dt.date(2025, 5, 1): "done",
    }
    assert store.actions.get(added).status == "done"


def test_overdue_reads_the_past_view_of_its_day(store):
    added = add(store, "Late one", on=dt.date(2025, 1, 6), due="30/05/2025")
    changes.update_action(
        store, str(added), status="done", today=dt.date(2025, 6, 10), by="Officer", on=dt.date(2025, 6, 10)
    )
    day = dt.date(2025, 6, 2)
    then, _ = plan.overdue(store.as_of(day), day)
    late = next(a for a in then if a.id == added)  # done only on 10 June: late on 2 June
    assert (late.days_late, late.working_days_late, late.status) == (3, 1, "not-started")  # Fri 30 May to Mon 2 Jun
    now, _ = plan.overdue(store, day)
    assert added not in [a.id for a in now]  # the live plan knows it is done


def test_undo_reverses_only_the_callers_last_command_and_keeps_the_history(store):
    added = add(store, "Care plan template", on=dt.date(2025, 3, 3), by="Sam")
    changes.update_action(store, str(added), status="blocked", today=TODAY, by="Sam")
    changes.update_action(store, str(added), status="in-progress", today=TODAY, by="Alex")
    with pytest.raises(IlacsError, match="updated since, by Alex"):  # Alex changed it since Sam's last command
        changes.undo(store, "Sam")
    preview = changes.preview_undo(store, "Alex")
    assert store.actions.get(added).status == "in-progress"  # a preview writes nothing
    done = changes.undo(store, "Alex")
    assert (preview.command, done.command) == ("update", "update")
    assert store.actions.get(added).status == "blocked"
    trail = [(u.old_status, u.new_status, u.origin) for u in store.actions.updates(added)]
    assert trail == [
        (None, "not-started", "command"),
        ("not-started", "blocked", "command"),
        ("blocked", "in-progress", "command"),
        ("in-progress", "blocked", "undo"),
    ]


def test_an_import_dry_run_counts_the_rows_and_keeps_none(store):
    before = len(store.actions.matching(inspection="east-sussex-2023"))
    headers = ["Area", "Action", "Lead officer", "Target date", "Status"]
    rows = [
        (2, [1, "Audit supervision", "A Watson", "31/07/2025", "not started"]),
        (3, [1, "New template", "B Khan", "30/09/2025", "in progress"]),
    ]
    result = exchange.import_rows(
        store, "east-sussex-2023", headers, rows, mapping={}, dry_run=True, by="Officer", today=TODAY, source="plan.csv"
    )
    assert result.added == 2
    assert len(store.actions.matching(inspection="east-sussex-2023")) == before
    result = exchange.import_rows(
        store,
        "east-sussex-2023",
        headers,
        rows,
        mapping={},
        dry_run=False,
        by="Officer",
        today=TODAY,
        source="plan.csv",
    )
    assert len(store.actions.matching(inspection="east-sussex-2023")) == before + 2


def test_seeds_load_again_without_changing_what_users_recorded(store):
    added = add(store, "Kept", on=dt.date(2025, 3, 3))
    changes.update_action(store, "1", status="done", today=TODAY, by="Officer")
    seeds.load_seeds(store, seeds.seed_files([]))
    assert store.actions.get(1).status == "done" and store.actions.get(added).title == "Kept"
    progress = reports.summary(store, TODAY, "east-sussex-2023")
    assert progress[0].inspection == "east-sussex-2023"
