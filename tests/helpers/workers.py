"""Worker processes for the reliability tests: each runs the real `ilacs` entry point many times in-process.

Starting one `python -m ilacs_cli` per call costs about 0.3 s, so a worker is ONE process that sets sys.argv and
calls ilacs_cli.cli.main() again and again, recording each call's exit code, stderr and time.

    python tests/helpers/workers.py writer SPEC.json      # SPEC: db, go, ready, out, name, action, count, statuses
    python tests/helpers/workers.py reader SPEC.json      # SPEC: db, go, ready, out, stop
    python tests/helpers/workers.py commands SPEC.json    # SPEC: db, go, ready, out, name, commands (argv lists)

The database may be a SQLite file or a PostgreSQL URL: the workers only pass it on as --db.

Both write a ready file, wait for the go file (so every worker starts at once), and write their results as JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import sys
import time
import traceback
from pathlib import Path

# Timing only: connections ilacs opens in this process are a sqlite3.Connection subclass that records how long
# each "BEGIN IMMEDIATE" (the wait for the write lock) took, then behaves exactly as sqlite3.Connection does.
BEGIN_WAITS: list[float] = []


class _TimedConnection(sqlite3.Connection):
    def execute(self, sql, *args):
        if sql == "BEGIN IMMEDIATE":
            start = time.perf_counter()
            try:
                return super().execute(sql, *args)
            finally:
                BEGIN_WAITS.append(time.perf_counter() - start)
        return super().execute(sql, *args)


_connect = sqlite3.connect


def _timed_connect(*args, **kwargs):
    kwargs.setdefault("factory", _TimedConnection)
    return _connect(*args, **kwargs)


def run_cli(*args: str) -> tuple[object, str, str, float]:
    """One call of the real CLI entry point: (exit code, stdout, stderr, seconds)."""
    from ilacs_cli.cli import main

    out, err = io.StringIO(), io.StringIO()
    sys.argv = ["ilacs", *args]
    start = time.perf_counter()
    code: object = "no exit"
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as done:
            code = 0 if done.code is None else done.code
        except BaseException:  # noqa: BLE001 - recorded, never hidden
            traceback.print_exc()
            code = "exception"
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - start


def _wait_for_go(spec: dict) -> None:
    Path(spec["ready"]).write_text(str(os.getpid()))
    go = Path(spec["go"])
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go file within 60 s")
        time.sleep(0.001)


def writer(spec: dict) -> dict:
    """`ilacs update ACTION --note ...` spec["count"] times; every fourth call also sets a status."""
    db, action, name = spec["db"], str(spec["action"]), spec["name"]
    statuses = spec.get("statuses") or []
    warm = run_cli("history", action, "--json", "--db", db)  # imports every module before the start line
    _wait_for_go(spec)
    BEGIN_WAITS.clear()
    started = time.time()
    calls = []
    for number in range(spec["count"]):
        args = ["update", action, "--note", f"{name} #{number}", "--by", name, "--db", db]
        if statuses and number % 4 == 0:
            args += ["--status", statuses[(number // 4) % len(statuses)]]
        code, _, err, seconds = run_cli(*args)
        calls.append({"code": code, "stderr": err, "seconds": seconds})
    return {
        "name": name,
        "action": spec["action"],
        "warm_code": warm[0],
        "started": started,
        "finished": time.time(),
        "calls": calls,
        "begin_waits": list(BEGIN_WAITS),
    }


def commands(spec: dict) -> dict:
    """Each of spec["commands"] (argument lists, without --db) in turn: its exit code, stdout, stderr and time.
    Connections a call leaves are collected before the next, as a process's exit would close them."""
    import gc

    db = spec["db"]
    warm = run_cli("list", "--json", "--db", db)  # imports every module before the start line
    _wait_for_go(spec)
    started = time.time()
    calls = []
    for args in spec["commands"]:
        code, out, err, seconds = run_cli(*args, "--db", db)
        gc.collect()
        calls.append({"args": args, "code": code, "stdout": out, "stderr": err, "seconds": seconds})
    return {
        "name": spec["name"],
        "warm_code": warm[0],
        "warm_stderr": warm[2],
        "started": started,
        "finished": time.time(),
        "calls": calls,
    }


# remind today: Telford's items 7 and 8 are late (issue 18: the seeded deadlines once late in 2024 are unknown now)
READS = [["overdue", "--json"], ["actions", "--json"], ["remind", "-f", "json", "--force"]]


def reader(spec: dict) -> dict:
    """The read commands in turn, in a loop, until the stop file appears; each output must parse as JSON."""
    db = spec["db"]
    run_cli(*READS[0], "--db", db)  # warm up
    _wait_for_go(spec)
    stop = Path(spec["stop"])
    calls = []
    turn = 0
    while not stop.exists() or turn < len(READS):
        args = READS[turn % len(READS)]
        turn += 1
        code, out, err, seconds = run_cli(*args, "--db", db)
        try:
            parsed = json.loads(out)
            problem = None if isinstance(parsed, list) and parsed else f"empty or not a list: {out[:200]!r}"
        except json.JSONDecodeError as error:
            problem = f"not JSON ({error}): {out[:200]!r}"
        calls.append({"command": args[0], "code": code, "stderr": err, "problem": problem, "seconds": seconds})
    return {"calls": calls}


if __name__ == "__main__":
    sqlite3.connect = _timed_connect  # only in a worker process, never in the process that imports this module
    role, spec_path = sys.argv[1], sys.argv[2]
    spec = json.loads(Path(spec_path).read_text())
    result = {"writer": writer, "reader": reader, "commands": commands}[role](spec)
    Path(spec["out"]).write_text(json.dumps(result))
