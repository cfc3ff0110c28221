"""Every write command on a disk that is full or nearly full: tracebacks, partial files, and `ilacs check` after.

Needs root (it mounts a small tmpfs and fills it). Run: sudo .venv/bin/python bench/full_disk.py
Each command runs as its own process on a fresh copy of a seeded database (or, for commands that make a new file,
on none), with the disk filled to leave 0, 16 KiB, 64 KiB, 256 KiB, 1 MiB and 4 MiB free. After each run the filler is
removed, and the figures counted:
  - traceback: "Traceback" on stderr;
  - partial: a failed run that left any new file on the disk (a half-made database, a temporary file, an output);
  - check failed: `ilacs check` on the database afterwards (when there is one) exits non-zero;
  - message lines: a failed run that said more or less than one line on stderr.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LEVELS = (0, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20)
PLAN = "east-sussex-2023"
ILACS = [sys.executable, "-m", "ilacs_cli"]


def run(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ILACS, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def fill(disk: Path, leave: int) -> None:
    free = shutil.disk_usage(disk).free - leave
    with open(disk / "filler", "wb", buffering=0) as file:
        try:
            while free > 0:
                free -= file.write(b"\0" * min(free, 1 << 16))
            while not leave:
                file.write(b"\0" * 4096)
        except OSError:
            pass


def commands(disk: Path, work: Path) -> dict[str, tuple[list[str], str | None]]:
    """Each write command: its arguments, and the database it changes on the disk (None: it makes a new one)."""
    db = str(disk / "plan.db")
    csv, dump = str(work / "plan.csv"), str(work / "all.json")
    return {
        "init (new file)": (["init", "--db", str(disk / "new.db")], None),
        "seed (new file)": (["seed", "--db", str(disk / "new.db")], None),
        "import .json (restore, new file)": (["import", dump, "--db", str(disk / "new.db")], None),
        "first command, default database": (["list"], None),
        "seed (again)": (["seed", PLAN, "--db", db], db),
        "add-inspection": (
            ["add-inspection", "x-2025", "--authority", "X", "--published", "03/03/2025", "--db", db],
            db,
        ),
        "add-action": (["add-action", PLAN, "--area", "1", "--owner", "A", "--due", "30/05/2025", "T", "--db", db], db),
        "update": (["update", "1", "--status", "in-progress", "--note", "n", "--db", db], db),
        "edit": (["edit", "1", "--owner", "B", "--db", db], db),
        "done": (["done", "1", "--db", db], db),
        "reopen": (["reopen", "D1", "--db", db], db),
        "undo": (["undo", "--db", db], db),
        "import .csv": (["import", csv, "--inspection", PLAN, "--db", db], db),
        "owner add": (
            ["owner", "add", "B Khan", "--email", "a@council.example.gov.uk", "--authority", PLAN, "--db", db],
            db,
        ),
        "owner set": (["owner", "set", "A Watson", "--role", "Head", "--db", db], db),
        "remove": (["remove", "west-sussex-2019", "--yes", "--db", db], db),
        "backup": (["backup", str(disk / "copy.db"), "--db", db], db),
        "export -o": (["export", PLAN, "--format", "xlsx", "-o", str(disk / "plan.xlsx"), "--db", db], db),
        "report -o": (["report", PLAN, "-f", "html", "-o", str(disk / "paper.html"), "--db", db], db),
        "calendar -o": (["calendar", "-o", str(disk / "plan.ics"), "--db", db], db),
    }


def main() -> None:
    if os.geteuid() != 0:
        sys.exit("full_disk.py needs root: it mounts a small tmpfs and fills it")
    work = Path(tempfile.mkdtemp(prefix="ilacs-full-"))
    disk = work / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], check=True)
    try:
        template = work / "seeded.db"
        assert run("seed", "--db", str(template)).returncode == 0
        run("export", PLAN, "--format", "csv", "-o", str(work / "plan.csv"), "--db", str(template))
        run("export", "--all", "--format", "json", "-o", str(work / "all.json"), "--db", str(template))
        bench = {"ILACS_USER": "bench"}
        run(
            "owner",
            "add",
            "A Watson",
            "--email",
            "a@council.example.gov.uk",
            "--authority",
            PLAN,
            "--db",
            str(template),
            env=bench,
        )
        run("update", "1", "--status", "blocked", "--note", "for undo", "--db", str(template), env=bench)
        totals = {
            "runs": 0,
            "exit 0": 0,
            "failed": 0,
            "traceback": 0,
            "partial": 0,
            "check failed": 0,
            "message lines": 0,
        }
        rows = []
        for name, (args, database) in commands(disk, work).items():
            outcome, message = [], ""
            for leave in LEVELS:
                for path in disk.iterdir():
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
                if database:
                    shutil.copyfile(template, database)
                    os.chmod(database, 0o600)
                before = set(os.listdir(disk))
                fill(disk, leave)
                done = run(*args, env={"XDG_DATA_HOME": str(disk / "data"), "ILACS_DB": "", "ILACS_USER": "bench"})
                (disk / "filler").unlink()
                left = set(os.listdir(disk)) - before - {"filler"}
                totals["runs"] += 1
                totals["exit 0" if done.returncode == 0 else "failed"] += 1
                totals["traceback"] += "Traceback" in done.stderr
                if done.returncode:
                    # SQLite's own -wal and -shm of the database changed are not partial files: they are its log
                    own = {f"{Path(database).name}-wal", f"{Path(database).name}-shm"} if database else set()
                    partial = (
                        left - own - ({"data"} if not os.listdir(disk / "data") else set())
                        if (disk / "data").exists()
                        else left - own
                    )
                    totals["partial"] += bool(partial)
                    if partial:
                        print(f"partial: {name} at {leave >> 10} KiB free left {sorted(partial)}", file=sys.stderr)
                    totals["message lines"] += len(done.stderr.strip().splitlines()) != 1
                checked = database or next((str(disk / n) for n in ("new.db",) if (disk / n).exists()), None)
                if checked is None and (disk / "data" / "ilacs" / "ilacs.db").exists():
                    checked = str(disk / "data" / "ilacs" / "ilacs.db")
                check_ok = checked is None or run("check", "--db", checked).returncode == 0
                totals["check failed"] += not check_ok
                outcome.append(
                    f"{'ok' if done.returncode == 0 else 'refused'}"
                    f"{'' if check_ok else ' CHECK FAILED'}{' TRACEBACK' if 'Traceback' in done.stderr else ''}"
                )
                if done.returncode and leave == 0:
                    message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
            rows.append((name, outcome, message))
        print("| command | " + " | ".join(f"{leave >> 10} KiB free" for leave in LEVELS) + " |")
        print("|---|" + "---|" * len(LEVELS))
        for name, outcome, _ in rows:
            print(f"| {name} | " + " | ".join(outcome) + " |")
        print()
        print(json.dumps(totals))
        for name, _, message in rows:
            if message:
                print(f"{name}: {message}")
    finally:
        subprocess.run(["umount", str(disk)])
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
