"""ilacs beside Taskwarrior on the same national-scale actions: overdue and summary, paired medians and the ratio.

Loads the actions of bench/national.py's national database into a private Taskwarrior data folder (`task import`:
done -> completed, cancelled -> deleted, the rest pending, blocked ones tagged +blocked; project = inspection; the
due date kept), checks that both tools list the same number of overdue actions, then times `task overdue` against
`ilacs overdue` and `task summary` against `ilacs summary`, each as a whole process with stdout to /dev/null,
interleaved round by round. Skips with a message when `task` is not installed (Debian's package `taskwarrior`).

    python bench/taskwarrior.py --db /tmp/ilacs-bench/national.db --runs 11

Both tools judge "overdue" against today: ilacs as England's today (an action due today is not late), Taskwarrior
against now, so each due date is given to Taskwarrior as the start of the next day in UTC (`TZ=UTC` for `task`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import SEED, bench_env, build, commit, ilacs_command, mark, run_once  # noqa: E402

STATUS = {"done": "completed", "cancelled": "deleted"}
TARGETS = {"overdue": 3.5, "summary": 2.5}  # how many times faster than Taskwarrior ilacs should be (issue 16)


def task_env(folder: Path) -> dict[str, str]:
    """An environment whose Taskwarrior reads only this folder (its own taskrc and data), in UTC."""
    rc = folder / "taskrc"
    rc.write_text(
        f"data.location={folder / 'data'}\nconfirmation=off\nverbose=nothing\nhooks=off\ngc=off\nrecurrence=off\n",
        encoding="utf-8",
    )
    (folder / "data").mkdir(exist_ok=True)
    return {"TASKRC": str(rc), "TZ": "UTC", "PATH": "/usr/bin:/bin", "HOME": str(folder)}


def load_tasks(db: Path, folder: Path, env: dict[str, str]) -> int:
    """Every action of the database as a Taskwarrior task, imported in one `task import`; returns how many."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT inspection_id, title, due, status, created_at FROM actions ORDER BY id").fetchall()
    conn.close()
    tasks = []
    for inspection, title, due, status, created in rows:
        task = {
            "description": title,
            "project": inspection,
            "status": STATUS.get(status, "pending"),
            "entry": dt.datetime.fromisoformat(created).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"),
        }
        if due:
            task["due"] = (dt.date.fromisoformat(due) + dt.timedelta(days=1)).strftime("%Y%m%dT000000Z")
        if status in STATUS:
            task["end"] = task["entry"]
        if status == "blocked":
            task["tags"] = ["blocked"]
        tasks.append(task)
    source = folder / "tasks.json"
    source.write_text("\n".join(json.dumps(task) for task in tasks), encoding="utf-8")
    subprocess.run(["task", "import", str(source)], env=env, check=True, stdout=subprocess.DEVNULL)
    return len(tasks)


def overdue_counts(db: Path, ilacs_env: dict[str, str], env: dict[str, str]) -> tuple[int, int]:
    """How many overdue actions each tool lists."""
    listed = subprocess.run(
        [*ilacs_command(), "overdue", "--json", "--db", str(db)],
        env=ilacs_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    mine = sum(item["kind"] == "action" for item in json.loads(listed))
    theirs = subprocess.run(["task", "+OVERDUE", "count"], env=env, check=True, capture_output=True, text=True)
    return mine, int(theirs.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a national.db made by bench/national.py (default: build one)")
    parser.add_argument("--runs", type=int, default=11, help="runs per command; the median is reported")
    options = parser.parse_args(argv)
    if shutil.which("task") is None:
        print("skipped: Taskwarrior is not installed (Debian: apt-get install taskwarrior)")
        return 0
    folder = Path(tempfile.mkdtemp(prefix="ilacs-taskwarrior-"))
    db = options.db
    if db is None:
        db = folder / "national.db"
        build(db, seed=SEED, authorities=153, inspections=4, areas=8, actions=6)
    ilacs_env, env = bench_env(folder), task_env(folder)
    version = subprocess.run(["task", "--version"], env=env, capture_output=True, text=True).stdout.strip()
    loaded = load_tasks(db, folder, env)
    mine, theirs = overdue_counts(db, ilacs_env, env)
    print(
        f"Taskwarrior {version}: {loaded:,} tasks imported into {folder / 'data'}; overdue: ilacs {mine:,}, "
        f"Taskwarrior {theirs:,}{'' if mine == theirs else '  (DIFFER: the comparison is not like for like)'}"
    )
    pairs = {
        "overdue": (["task", "overdue"], [*ilacs_command(), "overdue", "--db", str(db)]),
        "summary": (["task", "summary"], [*ilacs_command(), "summary", "--db", str(db)]),
    }
    samples: dict[str, list[float]] = {f"{name}/{tool}": [] for name in pairs for tool in ("task", "ilacs")}
    for name, (task, ours) in pairs.items():  # warm-up
        run_once(task, env), run_once(ours, ilacs_env)
    for _ in range(options.runs):
        for name, (task, ours) in pairs.items():
            samples[f"{name}/task"].append(run_once(task, env))
            samples[f"{name}/ilacs"].append(run_once(ours, ilacs_env))
    print(f"ilacs at commit {commit()}. Medians of {options.runs} runs (ms, whole process, stdout to /dev/null):")
    print(f"  {'command':<10} {'Taskwarrior':>12} {'ilacs':>8} {'ilacs faster':>13}  target")
    for name in pairs:
        task_ms, ours_ms = (statistics.median(samples[f"{name}/{tool}"]) for tool in ("task", "ilacs"))
        ratio = task_ms / ours_ms
        print(
            f"  {name:<10} {task_ms:>12.1f} {ours_ms:>8.1f} {ratio:>12.2f}x  "
            f"{mark(ratio >= TARGETS[name])} ({TARGETS[name]}x)"
        )
    return 0 if mine == theirs else 1


if __name__ == "__main__":
    sys.exit(main())
