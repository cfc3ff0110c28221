"""Reliability: many real processes writing to one database file at once, with readers running meanwhile.

Each writer is ONE process that runs the real CLI entry point 100 times in-process (tests/helpers/workers.py); all start
together from a go file. Figures are printed (pytest -s shows them).
"""

import csv
import json
import os
import sqlite3
import statistics
import time

import pytest
from helpers import pool
from helpers.cli import cli_env, run_ilacs
from helpers.plans import copy_of

pytestmark = pytest.mark.slow  # 10 processes and 800 updates contending for one file

PLAN = "east-sussex-2023"
OWN_WRITERS = 5  # each on its own action
SHARED_WRITERS = 3  # all on one action
READERS = 2
UPDATES = 100
OPEN = ["in-progress", "blocked"]


@pytest.fixture(scope="module")
def contention(seeded_template, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("contention")
    env = cli_env(tmp, drop=("ILACS_BUSY_TIMEOUT_MS",))  # no user config; the default busy timeout
    db = copy_of(seeded_template, tmp)
    plan = tmp / "plan.csv"
    with open(plan, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(
            [["Ref", "Area", "Action", "Lead officer", "Target date", "Status"]]
            + [
                [f"C{n}", str(n % 3 + 1), f"Contended action {n}", f"Officer {n}", "05/01/2024", "In progress"]
                for n in range(OWN_WRITERS + 1)
            ]
        )
    imported = run_ilacs("import", str(plan), "--inspection", PLAN, db=db, env=env)
    assert imported.returncode == 0, imported.stderr
    # Example plans are mailed only to someone registered for them (issue 29): the readers' `remind` needs one.
    owner = run_ilacs(
        "owner", "add", "B Khan", "--email", "b.khan@example.gov.uk", "--coordinator", PLAN, db=db, env=env
    )
    assert owner.returncode == 0, owner.stderr
    with sqlite3.connect(db) as conn:
        ids = dict(conn.execute("SELECT ref, id FROM actions WHERE ref GLOB 'C[0-9]*'").fetchall())
    conn.close()
    shared = ids[f"C{OWN_WRITERS}"]
    go = tmp / "go"
    writers, readers = {}, {}
    for n in range(OWN_WRITERS + SHARED_WRITERS):
        name = f"w{n}" if n < OWN_WRITERS else f"s{n - OWN_WRITERS}"
        action = ids[f"C{n}"] if n < OWN_WRITERS else shared
        statuses = OPEN if n % 2 == 0 else OPEN[::-1]
        writers[name] = pool.start(
            "writer",
            {
                "db": str(db),
                "go": str(go),
                "ready": str(tmp / f"{name}.ready"),
                "out": str(tmp / f"{name}.json"),
                "name": name,
                "action": action,
                "count": UPDATES,
                "statuses": statuses,
            },
            tmp,
            env,
        )
    for n in range(READERS):
        name = f"r{n}"
        readers[name] = pool.start(
            "reader",
            {
                "db": str(db),
                "go": str(go),
                "ready": str(tmp / f"{name}.ready"),
                "out": str(tmp / f"{name}.json"),
                "stop": str(tmp / "stop"),
            },
            tmp,
            env,
        )
    everyone = {**writers, **readers}
    deadline = time.monotonic() + 60
    while not all((tmp / f"{name}.ready").exists() for name in everyone):
        dead = {name: p.returncode for name, p in everyone.items() if p.poll() is not None}
        if dead or time.monotonic() > deadline:
            outcome = pool.finish(everyone, 5)
            pytest.fail(f"workers not ready (exited: {dead}): {outcome}")
        time.sleep(0.01)
    start = time.monotonic()
    go.write_text("go")
    written = pool.finish(writers, 120)
    writing = time.monotonic() - start
    (tmp / "stop").write_text("stop")
    read = pool.finish(readers, 30)
    results = {}
    for name, (code, err) in {**written, **read}.items():
        assert code == 0, f"worker {name} exited {code}: {err}"
        results[name] = json.loads((tmp / f"{name}.json").read_text())
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        updates = [dict(row) for row in conn.execute("SELECT * FROM status_updates ORDER BY id")]
        actions = {row["id"]: dict(row) for row in conn.execute("SELECT * FROM actions")}
        integrity = conn.execute("PRAGMA integrity_check").fetchall()
    conn.close()
    found = {
        "db": db,
        "ids": ids,
        "shared": shared,
        "writing": writing,
        "env": env,
        "updates": updates,
        "actions": actions,
        "integrity": [row[0] for row in integrity],
        "writers": {name: results[name] for name in writers},
        "readers": {name: results[name] for name in readers},
    }
    _print_figures(found)
    return found


def _breaks(updates, action_id):
    """Updates of one action whose old_status is not the new_status of the update before it, and note-only calls
    (no --status given) that nevertheless changed the status."""
    trail = [u for u in updates if u["action_id"] == action_id]
    broken = [
        (a["id"], a["new_status"], b["id"], b["old_status"])
        for a, b in zip(trail, trail[1:])
        if b["old_status"] != a["new_status"]
    ]
    reverted = [
        (a["id"], a["new_status"], b["id"], b["new_status"], b["note"])
        for a, b in zip(trail, trail[1:])
        if "#" in (b["note"] or "") and int(b["note"].split("#")[1]) % 4 and b["new_status"] != a["new_status"]
    ]
    return broken, reverted


def _print_figures(found):
    calls = [call for result in found["writers"].values() for call in result["calls"]]
    waits = [wait for result in found["writers"].values() for wait in result["begin_waits"]]
    seconds = sorted(call["seconds"] for call in calls)
    reads = [call for result in found["readers"].values() for call in result["calls"]]
    by_command = {}
    for call in reads:
        by_command[call["command"]] = by_command.get(call["command"], 0) + 1
    landed = sum(1 for u in found["updates"] if u["author"] in found["writers"])
    spans = [(r["started"], r["finished"]) for r in found["writers"].values()]
    overlap = min(end for _, end in spans) - max(begin for begin, _ in spans)
    own = [found["ids"][f"C{n}"] for n in range(OWN_WRITERS)]
    print(
        f"\n[concurrency] {len(found['writers'])} writer processes x {UPDATES} updates "
        f"({OWN_WRITERS} on their own actions, {SHARED_WRITERS} sharing action {found['shared']}), "
        f"{len(found['readers'])} reader processes; os.cpu_count()={os.cpu_count()}"
    )
    print(
        f"[concurrency] updates landed {landed} / expected {len(calls)}; exit 0: "
        f"{sum(call['code'] == 0 for call in calls)} / {len(calls)}; writing phase {found['writing']:.1f} s "
        f"({len(calls) / found['writing']:.0f} updates/s); all writers running together for {overlap:.1f} s"
    )
    print(
        f"[concurrency] writer call seconds: median {statistics.median(seconds):.4f}, "
        f"p99 {seconds[int(len(seconds) * 0.99) - 1]:.3f}, max {seconds[-1]:.3f}; "
        f"longest wait for the write lock (BEGIN IMMEDIATE) {max(waits):.3f} s "
        f"over {len(waits)} transactions (default busy timeout 5 s)"
    )
    print(
        f"[concurrency] reader calls {len(reads)} ({by_command}); exit 0: {sum(c['code'] == 0 for c in reads)}; "
        f"parsed as non-empty JSON: {sum(c['problem'] is None for c in reads)}; max reader call "
        f"{max(c['seconds'] for c in reads):.3f} s"
    )
    print(f"[concurrency] integrity_check: {found['integrity']}")
    for label, action_ids in (("own actions", own), ("shared action", [found["shared"]])):
        broken = reverted = 0
        for action_id in action_ids:
            b, r = _breaks(found["updates"], action_id)
            broken, reverted = broken + len(b), reverted + len(r)
        print(
            f"[concurrency] status trail on {label}: {broken} updates whose old_status is not the previous "
            f"update's new_status; {reverted} note-only updates that changed the status"
        )


@pytest.mark.sqlite_only("SQLite's write lock and WAL (test_postgres_concurrency.py has PostgreSQL's)")
def test_writers_and_readers_at_once_all_succeed_and_every_update_lands(contention):
    for name, result in contention["writers"].items():
        codes = [call["code"] for call in result["calls"]]
        assert len(codes) == UPDATES and codes == [0] * UPDATES, (name, [c for c in result["calls"] if c["code"]])
        for call in result["calls"]:
            assert "locked" not in call["stderr"] and "Traceback" not in call["stderr"], (name, call["stderr"])
    # Exactly the expected updates: the import's one per action, then each writer's 100, each note once.
    counts = {}
    for update in contention["updates"]:
        counts[update["action_id"]] = counts.get(update["action_id"], 0) + 1
    for n in range(OWN_WRITERS):
        assert counts[contention["ids"][f"C{n}"]] == 1 + UPDATES
    assert counts[contention["shared"]] == 1 + SHARED_WRITERS * UPDATES
    for name, result in contention["writers"].items():
        notes = sorted(u["note"] for u in contention["updates"] if u["author"] == name)
        assert notes == sorted(f"{name} #{n}" for n in range(UPDATES))
        assert {u["action_id"] for u in contention["updates"] if u["author"] == name} == {result["action"]}
    # The same figures through the CLI.
    history = run_ilacs("history", str(contention["shared"]), "--json", db=contention["db"], env=contention["env"])
    assert history.returncode == 0, history.stderr
    assert len(json.loads(history.stdout)["updates"]) == 1 + SHARED_WRITERS * UPDATES
    # Every reader call ran while the writers did, succeeded, and printed JSON.
    for name, result in contention["readers"].items():
        assert {call["command"] for call in result["calls"]} == {"overdue", "actions", "remind"}
        for call in result["calls"]:
            assert call["code"] == 0 and call["problem"] is None, (name, call)
            assert "locked" not in call["stderr"] and "Traceback" not in call["stderr"], (name, call["stderr"])
    assert contention["integrity"] == ["ok"]
    # Each action's status is its latest update's.
    for action_id, action in contention["actions"].items():
        latest = [u for u in contention["updates"] if u["action_id"] == action_id]
        if latest:
            assert action["status"] == latest[-1]["new_status"]


def test_concurrent_updates_to_one_action_keep_its_status_trail_chained(contention):
    """Every update's old_status is the status the action had just before it, and an update that gives only a
    note leaves the status as the previous update set it; otherwise a status someone set is silently lost."""
    for action_id in [contention["ids"][f"C{n}"] for n in range(OWN_WRITERS)] + [contention["shared"]]:
        broken, reverted = _breaks(contention["updates"], action_id)
        assert broken == [] and reverted == [], (
            f"action {action_id}: {len(broken)} updates with a stale old_status (first: update id, previous "
            f"new_status, update id, its old_status = {broken[:3]}); {len(reverted)} note-only updates that "
            f"changed the status (first: {reverted[:3]})"
        )
