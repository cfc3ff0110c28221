"""Concurrency on PostgreSQL (issue 31): real `ilacs` processes against a real cluster (tests/helpers/postgres.py).

- Two "PCs" of four processes each (their own ILACS_USER and application name, each process its own connections),
  100 mixed writes each: updates, notes, edits, owners added, undo of one's own last command. None lost.
- Two overlapping `remind --send` through a real, slow SMTP server: each digest delivered once.
- A writer killed with SIGKILL while its transaction is open: nothing half-written, the next writer not kept
  waiting past the busy timeout, `check` passes.

Figures are printed (pytest -s shows them).
"""

import csv
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time

import pytest
from helpers import pool
from helpers.cli import cli_env, run_ilacs
from helpers.plans import (
    KHAN,
    PLAN,
    REMINDER_ACTIONS,
    REMINDER_OWNERS,
    WATSON,
    add_officers,
    record_actions,
    write_import_plan,
)
from helpers.postgres import contents
from helpers.smtp import send_reminders

pytestmark = pytest.mark.slow  # 8 processes x 100 writes, 10 pairs of mail runs, SIGKILLed imports

PCS = {"a": 4, "b": 4}  # two PCs, four processes each
WRITES = 100
OPEN = ["in-progress", "blocked"]
UPDATED_SINCE = "was updated since"  # undo's refusal when someone else has updated the same action since


def _psql(url, sql, params=()):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def _commands(name, own, shared):
    """The 100 commands of one process, a cycle of ten: every kind of write, and two undos of its own last command
    (the first always its own note on its own action; the second its update of the shared action, which someone
    else may have updated since)."""
    commands = []
    for n in range(WRITES):
        note, step, status = f"{name} #{n}", n % 10, OPEN[(n // 10) % 2]
        commands.append(
            {
                0: ["update", own, "--status", status, "--note", note],
                1: ["update", shared, "--note", note],
                2: ["edit", own, "--title", f"{name} title #{n}", "--note", note],
                3: ["update", own, "--note", note],
                4: ["undo"],
                5: [
                    "owner",
                    "add",
                    f"Owner {name} {n}",
                    "--email",
                    f"{name}.{n}@council.example.gov.uk",
                    "--authority",
                    PLAN,
                ],
                6: ["update", shared, "--status", status, "--note", note],
                7: ["undo"],
                8: ["edit", own, "--owner", f"Officer {name} {n}", "--note", note],
                9: ["update", own, "--status", OPEN[(n // 10 + 1) % 2], "--note", note],
            }[step]
        )
    return commands


@pytest.fixture(scope="module")
def mixed(postgres_cluster, seeded_postgres, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pg-mixed")
    base = cli_env(tmp, drop=("ILACS_BUSY_TIMEOUT_MS", "ILACS_USER", "PGAPPNAME"))  # the default busy timeout
    url = postgres_cluster.copy_of(seeded_postgres)
    names = [f"{pc}{n}" for pc, count in PCS.items() for n in range(count)]
    plan = tmp / "plan.csv"
    with open(plan, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(
            [["Ref", "Area", "Action", "Lead officer", "Target date", "Status"]]
            + [[f"P{n}", "1", f"Action of {n}", f"Officer {n}", "05/01/2027", "In progress"] for n in names]
            + [["PS", "2", "Shared action", "Officer S", "05/01/2027", "In progress"]]
        )
    imported = run_ilacs("import", str(plan), "--inspection", PLAN, db=url, env={**base, "ILACS_USER": "setup"})
    assert imported.returncode == 0, imported.stderr
    listed = run_ilacs("actions", "--inspection", PLAN, "--json", db=url, env=base)
    assert listed.returncode == 0, listed.stderr
    ids = {a["ref"]: str(a["id"]) for a in json.loads(listed.stdout) if (a["ref"] or "").startswith("P")}
    shared = ids["PS"]
    go = tmp / "go"
    workers = {}
    for name in names:
        env = {**base, "ILACS_USER": name, "PGAPPNAME": f"ilacs-pc-{name[0]}"}  # who, and which PC, connects
        workers[name] = pool.start(
            "commands",
            {
                "db": url,
                "go": str(go),
                "ready": str(tmp / f"{name}.ready"),
                "out": str(tmp / f"{name}.json"),
                "name": name,
                "commands": _commands(name, ids[f"P{name}"], shared),
            },
            tmp,
            env,
        )
    deadline = time.monotonic() + 60
    while not all((tmp / f"{name}.ready").exists() for name in workers):
        dead = {name: p.returncode for name, p in workers.items() if p.poll() is not None}
        if dead or time.monotonic() > deadline:
            pytest.fail(f"workers not ready (exited: {dead}): {pool.finish(workers, 5)}")
        time.sleep(0.01)
    start = time.monotonic()
    go.write_text("go")
    finished = pool.finish(workers, 300)
    writing = time.monotonic() - start
    results = {}
    for name, (code, err) in finished.items():
        assert code == 0, f"worker {name} exited {code}: {err}"
        results[name] = json.loads((tmp / f"{name}.json").read_text())
        assert results[name]["warm_code"] == 0, results[name]["warm_stderr"]
    columns = "id, action_id, author, old_status, new_status, note, undoes, batch, origin"
    updates = [
        dict(zip(columns.split(", "), row, strict=True))
        for row in _psql(url, f"SELECT {columns} FROM status_updates ORDER BY id")
    ]
    found = {
        "url": url,
        "env": base,
        "ids": ids,
        "shared": shared,
        "names": names,
        "writing": writing,
        "results": results,
        "updates": updates,
    }
    _print_figures(found)
    return found


def _print_figures(found):
    calls = [call for result in found["results"].values() for call in result["calls"]]
    seconds = sorted(call["seconds"] for call in calls)
    refused = [call for call in calls if call["code"] != 0]
    undos = [call for call in calls if call["args"] == ["undo"]]
    spans = [(r["started"], r["finished"]) for r in found["results"].values()]
    overlap = min(end for _, end in spans) - max(begin for begin, _ in spans)
    writes = len(calls) - len(refused)
    print(
        f"\n[pg-concurrency] {len(found['results'])} processes on {len(PCS)} PCs x {WRITES} commands; "
        f"os.cpu_count()={os.cpu_count()}; writing phase {found['writing']:.1f} s, all running together "
        f"{overlap:.1f} s; {writes} writes landed ({writes / found['writing']:.0f} writes/s), {len(refused)} refused "
        f"(undos of an update someone else had overwritten: {sum(UPDATED_SINCE in c['stderr'] for c in refused)}); "
        f"undos {len(undos)}, done {sum(c['code'] == 0 for c in undos)}"
    )
    print(
        f"[pg-concurrency] call seconds: median {statistics.median(seconds):.4f}, "
        f"p99 {seconds[int(len(seconds) * 0.99) - 1]:.3f}, max {seconds[-1]:.3f}"
    )


def _cli_json(found, *args):
    out = run_ilacs(*args, "--json", db=found["url"], env=found["env"])
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_every_call_succeeds_or_is_an_undo_refused_in_one_line(mixed):
    for name, result in mixed["results"].items():
        assert len(result["calls"]) == WRITES
        for number, call in enumerate(result["calls"]):
            assert "Traceback" not in call["stderr"] and "busy" not in call["stderr"], (name, number, call)
            if call["code"] == 0:
                continue
            # Only the undo of one's update of the shared action may be refused, when someone updated it since.
            assert number % 10 == 7 and call["code"] == 1, (name, number, call)
            said = call["stderr"].strip().splitlines()
            assert len(said) == 1 and UPDATED_SINCE in said[0] and f"action {mixed['shared']}" in said[0], call


def test_no_write_is_lost_history_and_changes_have_every_one(mixed):
    shared = _cli_json(mixed, "history", mixed["shared"])
    shared_notes = [(u["author"], u["note"]) for u in shared["updates"]]
    since = _cli_json(mixed, "changes", "--since", "01/01/2020")
    for name, result in mixed["results"].items():
        own = _cli_json(mixed, "history", mixed["ids"][f"P{name}"])
        own_notes = [(u["author"], u["note"]) for u in own["updates"]]
        for number, call in enumerate(result["calls"]):
            note = f"{name} #{number}"
            if call["args"][0] == "update":
                where = shared_notes if call["args"][1] == mixed["shared"] else own_notes
                assert where.count((name, note)) == 1, (name, number, call["args"])
            elif call["args"][0] == "edit":
                field = call["args"][2].removeprefix("--")
                recorded = [c for c in own["changes"] if c["author"] == name and c["note"] == note]
                assert [(c["command"], c["field"], c["new"]) for c in recorded] == [("edit", field, call["args"][3])]
        # Every update and edit it made is in `changes` too, under its name.
        made = sum(call["args"][0] in ("update", "edit") for call in result["calls"])
        undone = sum(call["args"] == ["undo"] and call["code"] == 0 for call in result["calls"])
        assert sum(c["author"] == name for c in since) == made + undone, name
    owners = {o["name"]: o["email"] for o in _cli_json(mixed, "owner", "list")}
    for name, result in mixed["results"].items():
        for number, call in enumerate(result["calls"]):
            if call["args"][:2] == ["owner", "add"]:
                assert owners[f"Owner {name} {number}"] == f"{name}.{number}@council.example.gov.uk"


def test_undo_reverses_only_ones_own_last_command(mixed):
    by_id = {u["id"]: u for u in mixed["updates"]}
    batches = {
        row[0]: (row[1], row[2], row[3])
        for row in _psql(mixed["url"], "SELECT id, author, origin, undoes FROM batches")
    }
    reversals = [u for u in mixed["updates"] if u["undoes"] is not None]
    for name, result in mixed["results"].items():
        done = [c for c in result["calls"] if c["args"] == ["undo"] and c["code"] == 0]
        mine = [u for u in reversals if u["author"] == name]
        assert len(mine) == len(done), name
        for number, call in enumerate(result["calls"]):
            if number % 10 == 4:  # after its own note on its own action, which no one else touches
                assert call["code"] == 0 and call["stdout"].startswith("undid `update`"), (name, number, call)
                assert f"action {mixed['ids'][f'P{name}']} " in call["stdout"], call["stdout"]
            if number % 10 == 7 and call["code"] == 0:
                assert call["stdout"].startswith("undid `update`") and f"action {mixed['shared']} " in call["stdout"]
        for update in mine:  # each reversal is of an update of its own author's, itself not a reversal
            undone = by_id[update["undoes"]]
            assert undone["author"] == name and undone["undoes"] is None and undone["note"].startswith(f"{name} #")
    for author, origin, undoes in batches.values():
        if undoes is not None:
            assert origin == "undo" and batches[undoes][0] == author
    assert len({u["undoes"] for u in reversals}) == len(reversals)  # nothing undone twice


def test_statuses_are_their_latest_updates_and_the_trail_is_chained(mixed):
    trails = {}
    for update in mixed["updates"]:
        trails.setdefault(update["action_id"], []).append(update)
    statuses = dict(_psql(mixed["url"], "SELECT id, status FROM actions"))
    for action_id, trail in trails.items():
        assert statuses[action_id] == trail[-1]["new_status"], action_id
        broken = [(a["id"], b["id"]) for a, b in zip(trail, trail[1:]) if b["old_status"] != a["new_status"]]
        assert broken == [], (action_id, broken[:5])
        for before, update in zip(trail, trail[1:]):  # a note alone carries the status on
            # the workers' own notes are "NAME #CALL"; undo's are "undo of update #ID", whose number is no call's
            own = (update["note"] or "").startswith(f"{update['author']} #")
            if own and int(update["note"].split("#")[1]) % 10 in (1, 3):
                assert update["new_status"] == before["new_status"], f"{before} then {update}"
    for name in mixed["names"]:
        shown = _cli_json(mixed, "history", mixed["ids"][f"P{name}"])
        assert shown["action"]["status"] == shown["updates"][-1]["new_status"]
    check = run_ilacs("check", db=mixed["url"], env=mixed["env"])
    assert check.returncode == 0, check.stdout + check.stderr


# -- two overlapping remind --send ---------------------------------------------------------------------------------


def test_two_overlapping_remind_sends_deliver_each_digest_once(postgres_cluster, seeded_postgres, smtp_server):
    mailbox, env = smtp_server
    template = postgres_cluster.copy_of(seeded_postgres)
    setup = {"ILACS_USER": "setup"}
    for owner in REMINDER_OWNERS:
        assert run_ilacs("owner", "add", *owner, db=template, env=setup).returncode == 0
    record_actions(template, PLAN, REMINDER_ACTIONS.values())
    officers = add_officers(template, env=setup)
    expected = sorted([WATSON, KHAN, *officers])
    mailbox.delay = 0.2  # a server taking its time, so the two runs overlap
    duplicates = skipped = 0
    overlaps, tries = [], 10
    for attempt in range(tries):
        url = postgres_cluster.copy_of(template)
        mailbox.messages.clear()
        runs, spans = [None, None], [None, None]

        def run(index, url=url, runs=runs, spans=spans):  # from a thread, run_ilacs starts a separate process
            began = time.monotonic()
            runs[index] = send_reminders(url, env, timeout=120)
            spans[index] = (began, time.monotonic())

        threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
        assert "Traceback" not in runs[0].stderr + runs[1].stderr
        overlaps.append(min(end for _, end in spans) - max(begin for begin, _ in spans))
        received = sorted(address for recipients, _ in mailbox.messages for address in recipients)
        duplicates += len(received) - len(set(received))
        assert sorted(set(received)) == expected, attempt  # nobody missed
        skipped += sum(r.stderr.count("another run of ilacs remind has been sending it") for r in runs)
        logged = _psql(url, "SELECT recipient, count(*) FROM reminders_sent GROUP BY recipient ORDER BY recipient")
        assert logged == [(address, 1) for address in expected], attempt
        again = send_reminders(url, env)  # a third run: nothing more
        assert again.returncode == 0 and len(mailbox.messages) == len(received), again.stderr
    print(
        f"\n[pg-remind] two overlapping runs, {tries} tries of {len(expected)} digests (server 0.2 s a message): "
        f"{duplicates} duplicate e-mails; {skipped} digests skipped by one run because the other was sending them; "
        f"runs overlapping {min(overlaps):.2f} to {max(overlaps):.2f} s"
    )
    assert duplicates == 0


# -- kill -9 of a writer mid-transaction ---------------------------------------------------------------------------

ROWS = 5_000
KILLS = 6
VICTIM = "ilacs-victim"  # the application name the killed import connects as


def _write_plan(path, round_):
    write_import_plan(path, round_, ROWS, year=2027)


def _holding_the_write_lock(url):
    """Process ids of the server's backends of the victim that hold ilacs's write lock in an open transaction."""
    return _psql(
        url,
        "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
        "WHERE a.application_name = %s AND a.xact_start IS NOT NULL AND l.locktype = 'advisory' AND l.granted",
        (VICTIM,),
    )


def _rounds_on_file(url):
    return dict(
        _psql(
            url,
            "SELECT split_part(substr(ref, 2), '-', 1), count(*) FROM actions WHERE ref LIKE 'R%%-%%' GROUP BY 1",
        )
    )


def _import(url, csv_path, env):
    return subprocess.Popen(
        [sys.executable, "-m", "ilacs_cli", "import", str(csv_path), "--inspection", PLAN, "--db", url],
        env={**env, "PGAPPNAME": VICTIM},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_while(condition, limit):
    """Poll `condition` until it is false or `limit` seconds have passed; the seconds it took."""
    began = time.monotonic()
    while condition() and time.monotonic() - began < limit:
        time.sleep(0.002)
    return time.monotonic() - began


def test_writer_killed_mid_transaction_leaves_nothing_half_written(postgres_cluster, seeded_postgres, tmp_path):
    env = {**cli_env(tmp_path, drop=("ILACS_BUSY_TIMEOUT_MS",)), "ILACS_USER": "importer"}
    url = postgres_cluster.copy_of(seeded_postgres)
    csv_path = tmp_path / "plan.csv"
    _write_plan(csv_path, "full")
    # A whole import first: how long it runs, and how long of that it holds the write lock.
    began = time.monotonic()
    full = _import(url, csv_path, env)
    _wait_while(lambda: not _holding_the_write_lock(url) and full.poll() is None, 60)
    waited = time.monotonic() - began
    holding = _wait_while(lambda: bool(_holding_the_write_lock(url)), 60)
    out, err = full.communicate(timeout=60)
    full_seconds = time.monotonic() - began
    assert full.returncode == 0 and f"{ROWS} added" in out, err
    rng = random.Random(20261204)
    kills, finished, failures, waits, released, held_for = 0, 0, [], [], [], []
    round_ = 0
    while kills < KILLS:
        assert round_ < 3 * KILLS, f"too many rounds: {failures}"
        round_ += 1
        _write_plan(csv_path, round_)
        before = contents(url)
        process = _import(url, csv_path, env)
        _wait_while(lambda process=process: not _holding_the_write_lock(url) and process.poll() is None, 60)
        locked_at = time.monotonic()
        time.sleep(rng.uniform(0.05, 0.6) * holding)  # somewhere in its transaction
        if process.poll() is not None or not _holding_the_write_lock(url):
            process.communicate(timeout=60)
            finished += 1  # it committed first: then the whole import is there
            if process.returncode != 0 or _rounds_on_file(url).get(str(round_)) != ROWS:
                failures.append(f"round {round_}: finished ({process.returncode}) but not whole")
            continue
        os.kill(process.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        held_for.append(killed_at - locked_at)
        kills += 1
        # The next writer at once: it waits for the server to end the dead client's transaction, and no longer.
        after = subprocess.Popen(
            [sys.executable, "-m", "ilacs_cli", "update", "1", "--note", f"after kill {round_}", "--db", url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        released.append(_wait_while(lambda: bool(_holding_the_write_lock(url)), 30))
        process.communicate(timeout=30)
        _, after_err = after.communicate(timeout=30)
        waits.append(time.monotonic() - killed_at)
        if after.returncode != 0:
            failures.append(f"round {round_}: the next writer failed: {after_err.strip()}")
        rounds = _rounds_on_file(url)
        if str(round_) in rounds:
            failures.append(f"round {round_}: {rounds[str(round_)]} of {ROWS} actions of the killed import landed")
        now = contents(url)
        changed = sorted(t for t in set(before) | set(now) if before.get(t) != now.get(t))
        # the next writer's update (one status update, its batch, the action's row) and nothing else
        if not set(changed) <= {"status_updates", "batches", "actions"}:
            failures.append(f"round {round_}: tables changed beyond the next writer's update: {changed}")
        notes = _psql(url, "SELECT count(*) FROM status_updates WHERE note LIKE %s", (f"Round {round_} %%",))
        landed = _psql(url, "SELECT count(*) FROM status_updates WHERE note = %s", (f"after kill {round_}",))
        if notes[0][0] or landed[0][0] != 1:
            failures.append(f"round {round_}: {notes[0][0]} updates of the killed import, {landed[0][0]} of the next")
    check = run_ilacs("check", db=url, env=env)
    print(
        f"\n[pg-kill] {ROWS}-row import: a full run {full_seconds:.2f} s, {waited:.2f} s before it takes the write "
        f"lock, holding it {holding:.2f} s; {kills} imports SIGKILLed holding it ({finished} finished first), after "
        f"{min(held_for, default=0):.2f} to {max(held_for, default=0):.2f} s of their transaction; the lock gone "
        f"{max(released, default=0):.3f} s after the kill at most; the next writer done {min(waits, default=0):.2f} "
        f"to {max(waits, default=0):.2f} s after the kill (busy timeout 5 s); failures {len(failures)}; check exit "
        f"{check.returncode}"
    )
    assert failures == [], "\n".join(failures)
    assert kills == KILLS
    assert max(waits) < 5, waits
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_writer_kept_waiting_past_the_busy_timeout_is_refused_in_one_line(
    postgres_cluster, seeded_postgres, tmp_path
):
    """While a long import holds the write lock, an update with a 300 ms busy timeout gives up in one line, having
    written nothing; the import then lands whole."""
    env = {**cli_env(tmp_path, drop=("ILACS_BUSY_TIMEOUT_MS",)), "ILACS_USER": "importer"}
    url = postgres_cluster.copy_of(seeded_postgres)
    csv_path = tmp_path / "plan.csv"
    _write_plan(csv_path, "long")
    process = _import(url, csv_path, env)
    _wait_while(lambda: not _holding_the_write_lock(url) and process.poll() is None, 60)
    assert _holding_the_write_lock(url), process.communicate()
    began = time.monotonic()
    out = run_ilacs(
        "update", "1", "--note", "while importing", db=url, env={**env, "ILACS_BUSY_TIMEOUT_MS": "300"}, separate=True
    )
    seconds = time.monotonic() - began
    still = bool(_holding_the_write_lock(url))
    said = out.stderr.strip().splitlines()
    _, err = process.communicate(timeout=60)
    print(f"\n[pg-busy] update refused after {seconds:.2f} s (busy timeout 0.3 s, process start-up included): {said}")
    assert still, "the import let go of the lock before the update gave up: the test proved nothing"
    assert out.returncode == 1 and len(said) == 1 and "busy with another ilacs command" in said[0], out.stderr
    assert "Traceback" not in out.stderr and seconds < 3
    assert process.returncode == 0, err
    assert _rounds_on_file(url).get("long") == ROWS
    assert _psql(url, "SELECT count(*) FROM status_updates WHERE note = 'while importing'") == [(0,)]


def test_a_frozen_writer_does_not_hold_the_write_lock_for_ever(postgres_cluster, seeded_postgres, tmp_path):
    """A PC that freezes or drops off the network mid-write (SIGSTOP here: its connection stays open, idle in its
    transaction) keeps the write lock only until the server ends its session; then the others write again, the
    frozen writer, woken, says in one line that it lost the connection, and nothing of it was written."""
    env = {**cli_env(tmp_path, drop=("ILACS_BUSY_TIMEOUT_MS",)), "ILACS_USER": "importer"}
    url = postgres_cluster.copy_of(seeded_postgres)
    csv_path = tmp_path / "plan.csv"
    _write_plan(csv_path, "frozen")
    before = contents(url)
    process = _import(url, csv_path, env)
    _wait_while(lambda: not _holding_the_write_lock(url) and process.poll() is None, 60)
    time.sleep(0.5)
    os.kill(process.pid, signal.SIGSTOP)
    stopped = time.monotonic()
    try:
        assert _holding_the_write_lock(url), "the import was not in its transaction when it was stopped"
        meanwhile = run_ilacs("update", "1", "--note", "while frozen", db=url, env=env, separate=True)
        refused_after = time.monotonic() - stopped
        held = _wait_while(lambda: bool(_holding_the_write_lock(url)), 90) + refused_after
        after = run_ilacs("update", "1", "--note", "after the freeze", db=url, env=env, separate=True)
    finally:
        os.kill(process.pid, signal.SIGCONT)
    _, err = process.communicate(timeout=60)
    said = err.strip().splitlines()
    print(
        f"\n[pg-frozen] writer stopped in its transaction; an update meanwhile: exit {meanwhile.returncode} after "
        f"{refused_after:.1f} s ({meanwhile.stderr.strip()}); lock held {held:.1f} s after the stop; an update after: "
        f"exit {after.returncode}; the frozen import, woken: exit {process.returncode}: {said}"
    )
    assert meanwhile.returncode == 1 and "busy with another ilacs command" in meanwhile.stderr
    assert after.returncode == 0, after.stderr
    assert process.returncode == 1 and len(said) == 1 and "Traceback" not in err, err
    assert "lost the connection to PostgreSQL" in said[0] and "nothing more was written" in said[0], said
    assert "the server closed the connection" in said[0] or "idle-in-transaction timeout" in said[0], said
    assert _rounds_on_file(url).get("frozen") is None
    now = contents(url)
    assert sorted(t for t in now if now[t] != before[t]) == ["actions", "batches", "status_updates"]  # `after` only
