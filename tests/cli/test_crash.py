"""Reliability: `ilacs import` and `ilacs seed` killed with SIGKILL at random points, again and again.

After every kill the file is opened with sqlite3 directly (read-only, so the recovery is left to the next ilacs
run) and must be whole: integrity_check ok, no foreign key violations, and the import or seed all there or not
there at all. Figures are printed (pytest -s shows them).
"""

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.cli import cli_env, run_ilacs
from helpers.plans import copy_of, write_import_plan

pytestmark = pytest.mark.slow  # dozens of SIGKILLed imports and seeds: about a minute

PLAN = "east-sussex-2023"
ROWS = 10_000
KILLS = 20  # at least this many kills that landed, for each command
SEED_IDS = ["east-sussex-2018", "east-sussex-2023", "southend-2019", "telford-wrekin-2024", "west-sussex-2019"]
STATUS_WORDS = ["Not started", "In progress", "Completed", "On hold", "in-progress"]


def _write_plan(path, round_):
    """A council action plan of ROWS rows whose refs and titles belong to this round only."""
    write_import_plan(path, round_, ROWS, year=2025, statuses=STATUS_WORDS, detail=": audit case files")


def _timed(args, env):
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ilacs_cli", *args], capture_output=True, text=True, env=env)
    return done, time.monotonic() - start


def _kill_times(rng, full, count):
    """Kill times spread evenly over 0 to 110% of a full run (start-up first, commit and exit near 100%), with a
    third more drawn from the last 20% so that more land while the transaction commits; shuffled."""
    times = [full * 1.1 * (n + rng.random()) / count for n in range(count)]
    times += [full * rng.uniform(0.8, 1.0) for _ in range(count // 3)]
    rng.shuffle(times)
    return times


def _run_and_kill(args, env, at):
    """Start `ilacs ARGS`, SIGKILL it `at` seconds after the start; (return code, stderr, seconds it ran)."""
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "ilacs_cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    while process.poll() is None and time.monotonic() - start < at:
        time.sleep(min(0.002, max(0.0, at - (time.monotonic() - start))))
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    _, err = process.communicate(timeout=30)
    return process.returncode, err, time.monotonic() - start


def _wal(path):
    wal = Path(f"{path}-wal")
    if not wal.exists():
        return None
    info = wal.stat()
    return info.st_size, info.st_mtime_ns


def _read_only(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)


def _check_import_db(path):
    """integrity, foreign keys, actions per round, each round's status updates, statuses not matching the trail."""
    conn = _read_only(path)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
        rounds = dict(
            conn.execute(
                "SELECT substr(ref, 2, instr(ref, '-') - 2), count(*) FROM actions WHERE inspection_id = ? "
                "AND ref GLOB 'R[0-9]*-[0-9]*' GROUP BY 1",
                (PLAN,),
            ).fetchall()
        )
        trail = dict(
            conn.execute(
                "SELECT substr(a.ref, 2, instr(a.ref, '-') - 2), count(*) FROM status_updates s "
                "JOIN actions a ON a.id = s.action_id WHERE a.ref GLOB 'R[0-9]*-[0-9]*' GROUP BY 1"
            ).fetchall()
        )
        mismatched = conn.execute(
            "SELECT count(*) FROM actions a WHERE a.status IS NOT (SELECT s.new_status FROM status_updates s "
            "WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1)"
        ).fetchone()[0]
    finally:
        conn.close()
    return integrity, foreign, {int(k): v for k, v in rounds.items()}, {int(k): v for k, v in trail.items()}, mismatched


@pytest.mark.sqlite_only("a file's journal (test_postgres_concurrency.py kills PostgreSQL's writers)")
def test_import_killed_at_random_points_is_all_or_nothing(seeded_template, tmp_path):
    env = cli_env(tmp_path)
    db = copy_of(seeded_template, tmp_path)
    shutil.copyfile(db, tmp_path / "baseline.db")  # seed has exited: its WAL is checkpointed into the file
    csv_path = tmp_path / "plan.csv"
    _write_plan(csv_path, 999)
    shutil.copyfile(db, tmp_path / "warm-up.db")  # the first run of a fresh install compiles: time the second
    _timed(["import", str(csv_path), "--inspection", PLAN, "--db", str(tmp_path / "warm-up.db")], env)
    done, full = _timed(["import", str(csv_path), "--inspection", PLAN, "--db", str(tmp_path / "baseline.db")], env)
    assert done.returncode == 0 and f"{ROWS} added" in done.stdout, done.stderr
    rng = random.Random(20240102)
    planned = _kill_times(rng, full, 18)
    began = time.monotonic()
    kills = finished = 0
    outcomes = {"absent, before writing": 0, "absent, WAL written": 0, "complete (killed after commit)": 0}
    failures, complete, landed_late = [], set(), 0
    round_ = 0
    while kills < KILLS or round_ < len(planned):
        assert round_ < 60, "too many rounds"
        at = planned[round_] if round_ < len(planned) else rng.uniform(0, full)
        _write_plan(csv_path, round_)
        wal_before = _wal(db)
        code, err, _ = _run_and_kill(["import", str(csv_path), "--inspection", PLAN, "--db", str(db)], env, at)
        wal_after = _wal(db)
        integrity, foreign, rounds, trail, mismatched = _check_import_db(db)
        here = rounds.get(round_, 0)
        if code == 0:
            finished += 1
            if here != ROWS:
                failures.append(f"round {round_}: finished but {here} of {ROWS} rows")
        elif code == -signal.SIGKILL:
            kills += 1
            landed_late += at >= 0.9 * full
            if here == ROWS:
                outcomes["complete (killed after commit)"] += 1
            elif wal_after != wal_before:
                outcomes["absent, WAL written"] += 1
            else:
                outcomes["absent, before writing"] += 1
        else:
            failures.append(f"round {round_}: exit {code}: {err.strip()}")
        if here == ROWS:
            complete.add(round_)
        if integrity != ["ok"] or foreign or mismatched:
            failures.append(
                f"round {round_} (killed at {at:.3f} s): integrity {integrity[:3]}, "
                f"{len(foreign)} foreign key violations, {mismatched} statuses not their latest update's"
            )
        if set(rounds.values()) - {ROWS} or set(rounds) != complete or trail != rounds:
            failures.append(
                f"round {round_} (killed at {at:.3f} s): partial import: actions per round {rounds}, "
                f"status updates per round {trail}, complete so far {sorted(complete)}"
            )
        round_ += 1
    print(
        f"\n[crash/import] {ROWS}-row import, full run {full:.2f} s; {round_} runs in "
        f"{time.monotonic() - began:.1f} s: {kills} SIGKILLs landed ({landed_late} in the last 10% of a full "
        f"run's time), {finished} finished before the kill; after the kills: {outcomes}; complete imports on "
        f"file {len(complete)}; partial, integrity, foreign key or status failures: {len(failures)}"
    )
    # The battered file still works through the CLI: every action counted, and one more import lands whole.
    listed = run_ilacs("actions", "--inspection", PLAN, "--json", db=db, env=env)
    assert listed.returncode == 0, listed.stderr
    imported = [a for a in json.loads(listed.stdout) if re.fullmatch(r"R\d+-\d+", a["ref"] or "")]
    assert len(imported) == ROWS * len(complete)
    _write_plan(csv_path, round_)
    last = run_ilacs("import", str(csv_path), "--inspection", PLAN, db=db, env=env)
    assert last.returncode == 0 and f"{ROWS} added" in last.stdout, last.stderr
    assert _check_import_db(db)[2].get(round_) == ROWS
    assert kills >= KILLS
    assert failures == [], "\n".join(failures)


def _seed_state(path):
    """What a killed `ilacs seed` left, read with sqlite3 directly (read-only)."""
    if not path.exists():
        return "no file", None, None
    if path.stat().st_size == 0:
        return "empty file (0 bytes)", ["ok"], None
    conn = _read_only(path)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:  # a journal to recover first, as the next ilacs run would: on a copy
        conn.close()
        scratch = path.with_name(f"{path.name}.inspect")
        scratch.mkdir()
        for suffix in ("", "-wal", "-shm", "-journal"):
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", scratch / f"{path.name}{suffix}")
        conn = sqlite3.connect(scratch / path.name, isolation_level=None)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        applied = set()
        if "_sqlite_migrations" in tables:
            applied = {row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")}
        count = conn.execute("SELECT count(*) FROM inspections").fetchone()[0] if "inspections" in tables else 0
    finally:
        conn.close()
    if not tables:
        state = "WAL database, no tables"
    elif "m002_owners_and_reminders" not in applied:
        shown = sorted(tables) if len(tables) < 4 else f"{len(tables)} tables"
        state = f"part-made: {shown}, migrations recorded {sorted(applied)}"
    else:
        state = f"schema, {count} inspections"
    return state, integrity, mode


@pytest.mark.sqlite_only("a new file made all or nothing")
def test_seed_killed_at_random_points_leaves_nothing_or_everything(tmp_path):
    env = cli_env(tmp_path)
    _timed(["seed", "--db", str(tmp_path / "warm-up.db")], env)  # the first run of a fresh install compiles
    done, full = _timed(["seed", "--db", str(tmp_path / "baseline.db")], env)
    assert done.returncode == 0, done.stderr
    rng = random.Random(20231211)
    planned = _kill_times(rng, full, 18)
    began = time.monotonic()
    kills = finished = 0
    observed, failures, reseeded = {}, [], {}
    round_ = 0
    while kills < KILLS or round_ < len(planned):
        assert round_ < 60, "too many rounds"
        at = planned[round_] if round_ < len(planned) else rng.uniform(0, full)
        path = tmp_path / f"seed-{round_}.db"
        code, err, _ = _run_and_kill(["seed", "--db", str(path)], env, at)
        state, integrity, mode = _seed_state(path)
        if code == 0:
            finished += 1
        elif code == -signal.SIGKILL:
            kills += 1
            observed[state] = observed.get(state, 0) + 1
        else:
            failures.append(f"round {round_}: exit {code}: {err.strip()}")
        if integrity not in (None, ["ok"]):
            failures.append(f"round {round_} ({state}): integrity {integrity[:3]}")
        if code == 0 and state != "schema, 5 inspections":
            failures.append(f"round {round_}: seed finished but left {state}")
        if path.exists():
            listed = run_ilacs("list", "--json", db=path, env=env)
            ids = sorted(row["id"] for row in json.loads(listed.stdout)) if listed.returncode == 0 else None
            if ids not in ([], SEED_IDS):
                failures.append(
                    f"round {round_} ({state}): ilacs list exit {listed.returncode}, ids {ids}: {listed.stderr.strip()}"
                )
            if state not in reseeded and state != "schema, 5 inspections":
                # The first time each leftover is seen: does seeding it again finish the job, and in WAL mode?
                again = run_ilacs("seed", db=path, env=env)
                conn = _read_only(path)
                count = conn.execute("SELECT count(*) FROM inspections").fetchone()[0]
                after = conn.execute("PRAGMA journal_mode").fetchone()[0]
                conn.close()
                reseeded[state] = (
                    f"journal mode {mode} -> {after}; seed again: exit {again.returncode}, {count} inspections"
                )
                if again.returncode != 0 or count != 5:
                    failures.append(
                        f"round {round_} ({state}): seeding again gave exit {again.returncode}, "
                        f"{count} inspections: {again.stderr.strip()}"
                    )
        round_ += 1
    print(
        f"\n[crash/seed] full seed {full:.2f} s; {round_} runs in {time.monotonic() - began:.1f} s: {kills} SIGKILLs "
        f"landed, {finished} finished before the kill; left after the kills: {observed}; failures {len(failures)}"
    )
    for state, note in reseeded.items():
        print(f"[crash/seed] left '{state}': {note}")
    assert kills >= KILLS
    assert failures == [], "\n".join(failures)
