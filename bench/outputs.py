"""Record what ilacs prints and writes for a fixed list of commands, and compare two such records byte for byte.

For a change that must not change behaviour (issue 25's redesign): record with the old tree's ilacs, record with
the new one's, compare. Each command runs on a fresh copy of the database, with a fixed environment; times of
recording and temporary paths are normalised, and Word and Excel files are compared by their XML.

    python bench/outputs.py build --dbs /tmp/golden-dbs                      # seeded.db, worked.db, national.db
    python bench/outputs.py record --ilacs OLD/.venv/bin/ilacs --dbs /tmp/golden-dbs --out /tmp/before
    python bench/outputs.py record --ilacs NEW/.venv/bin/ilacs --dbs /tmp/golden-dbs --out /tmp/after
    python bench/outputs.py compare /tmp/before /tmp/after
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PAST = "2025-06-02"  # a day while the seeded and national plans were live
REMIND_DAY = "2025-06-02"  # a Monday
# (name, arguments); "{out}" is a file the command writes, recorded beside its output.
COMMANDS = [
    ("list", ["list"]),
    ("list-json", ["list", "--json"]),
    ("list-csv", ["list", "--csv"]),
    ("list-past", ["list", "--as-of", PAST]),
    ("show", ["show", "{inspection}"]),
    ("show-json", ["show", "{inspection}", "--json"]),
    ("show-past", ["show", "{inspection}", "--as-of", PAST]),
    ("actions", ["actions"]),
    ("actions-owner", ["actions", "--owner", "{owner}"]),
    ("actions-open-json", ["actions", "--status", "open", "--json"]),
    ("actions-csv", ["actions", "--csv"]),
    ("overdue", ["overdue"]),
    ("overdue-past", ["overdue", "--as-of", PAST]),
    ("overdue-past-json", ["overdue", "--as-of", PAST, "--json"]),
    ("overdue-csv", ["overdue", "--csv"]),
    ("due", ["due"]),
    ("due-past", ["due", "--as-of", PAST, "--within", "20"]),
    ("due-past-csv", ["due", "--as-of", PAST, "--csv"]),
    ("summary", ["summary"]),
    ("summary-json", ["summary", "--json"]),
    ("summary-csv", ["summary", "--csv"]),
    ("summary-past", ["summary", "--as-of", PAST]),
    ("history", ["history", "1"]),
    ("changes-since", ["changes", "--since", "2024-01-01"]),
    ("changes-since-inspection", ["changes", "--since", "2023-01-01", "--inspection", "{inspection}"]),
    ("owners", ["owner", "list"]),
    ("owners-json", ["owner", "list", "--json"]),
    ("owners-csv", ["owner", "list", "--csv"]),
    ("remind", ["remind", "--as-of", REMIND_DAY, "--force"]),
    ("remind-json", ["remind", "--as-of", REMIND_DAY, "--force", "--format", "json"]),
    ("remind-html", ["remind", "--as-of", REMIND_DAY, "--force", "--format", "html"]),
    ("report-md", ["report", "{inspection}"]),
    ("report-md-past", ["report", "{inspection}", "--as-of", PAST]),
    ("report-html", ["report", "{inspection}", "-f", "html", "--as-of", PAST, "-o", "{out}.html"]),
    ("report-docx", ["report", "{inspection}", "-f", "docx", "--as-of", PAST, "-o", "{out}.docx"]),
    ("export-csv", ["export"]),
    ("export-csv-past", ["export", "--as-of", PAST]),
    ("export-json", ["export", "--format", "json", "--as-of", PAST]),
    ("export-xlsx", ["export", "--format", "xlsx", "--as-of", PAST, "-o", "{out}.xlsx"]),
    ("export-all", ["export", "--all", "--format", "json"]),
    ("calendar", ["calendar"]),
    ("check", ["check"]),
    ("edit-then-history", ["edit", "1", "--owner", "B Khan", "--note", "handed over"], ["history", "1"]),
    (
        "update-then-overdue",
        ["update", "1", "--status", "in-progress", "--note", "begun", "--on", PAST],
        ["overdue", "--as-of", PAST],
    ),
    ("update-undo-history", ["update", "1", "--status", "done"], ["undo"], ["history", "1"]),
    (
        "add-action-past",
        [
            "add-action",
            "{inspection}",
            "--area",
            "1",
            "--owner",
            "{owner}",
            "--due",
            "30/09/2025",
            "--on",
            "01/05/2025",
            "A new action",
        ],
        ["actions", "--owner", "{owner}", "--json"],
    ),
]
DATABASES = {"seeded": ("east-sussex-2023", "Principal Social Worker"), "national": (None, None)}
PACKAGES = re.compile(r"\S*/site-packages/")  # where a library's warning says it lives
TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?")


def build(dbs: Path) -> None:
    """The seeded database (`ilacs seed`) and bench/national.py's national database, built once."""
    dbs.mkdir(parents=True, exist_ok=True)
    seeded = dbs / "seeded.db"
    seeded.unlink(missing_ok=True)
    subprocess.run(
        [str(Path(sys.executable).with_name("ilacs")), "seed", "--db", str(seeded)], check=True, env=environment(dbs)
    )
    sys.path.insert(0, str(Path(__file__).parent))
    import national

    national.build(dbs / "national.db", seed=national.SEED, authorities=153, inspections=4, areas=8, actions=6)


def environment(folder: Path) -> dict[str, str]:
    keep = {name: value for name, value in os.environ.items() if not name.startswith("ILACS_")}
    return {
        **keep,
        "ILACS_USER": "Golden Test",
        "ILACS_CONFIG": str(folder / "absent.toml"),
        "LC_ALL": "C.UTF-8",
        "COLUMNS": "100",
        "TZ": "Europe/London",
    }


def normalised(data: bytes, folder: Path) -> bytes:
    """Output with the temporary folder and times of recording made the same in every run."""
    text = data.decode("utf-8", "replace").replace(str(folder), "<tmp>")
    return TIME.sub("<time>", PACKAGES.sub("<site-packages>/", text)).encode()


def file_text(path: Path, folder: Path) -> bytes:
    """A written file as comparable text: zips (docx, xlsx) as their members' XML, sorted."""
    if not path.exists():
        return b"<absent>"
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return b"\n".join(
                f"== {name}\n".encode() + normalised(archive.read(name), folder) for name in sorted(archive.namelist())
            )
    return normalised(path.read_bytes(), folder)


def record(ilacs: str, dbs: Path, out: Path) -> None:
    """Every command on every database, each on a fresh copy; stdout, stderr, exit codes and files written."""
    out.mkdir(parents=True, exist_ok=True)
    for label, (inspection, owner) in DATABASES.items():
        for name, *steps in COMMANDS:
            folder = Path(tempfile.mkdtemp(prefix="ilacs-outputs-"))
            database = folder / "plan.db"
            shutil.copy(dbs / f"{label}.db", database)
            env = {**environment(folder), "ILACS_DB": str(database)}
            chosen_inspection = inspection or _first_inspection(ilacs, env)
            chosen_owner = owner or "Amir Davies"
            parts = []
            for arguments in steps:
                argv = [ilacs] + [
                    item.format(inspection=chosen_inspection, owner=chosen_owner, out=folder / name)
                    for item in arguments
                ]
                done = subprocess.run(argv, capture_output=True, env=env, cwd=folder)
                parts.append(
                    b"$ "
                    + " ".join(arguments).encode()
                    + f"\nexit {done.returncode}\n".encode()
                    + normalised(done.stdout, folder)
                    + b"\n-- stderr\n"
                    + normalised(done.stderr, folder)
                )
            for written in sorted(folder.glob(f"{name}.*")):
                parts.append(f"-- file {written.suffix}\n".encode() + file_text(written, folder))
            (out / f"{label}-{name}.txt").write_bytes(b"\n".join(parts))
            shutil.rmtree(folder)
    print(f"recorded {len(list(out.glob('*.txt')))} outputs in {out}")


def _first_inspection(ilacs: str, env: dict[str, str]) -> str:
    listed = subprocess.run([ilacs, "list", "--csv"], capture_output=True, env=env, text=True, check=True)
    return listed.stdout.splitlines()[1].split(",")[0]


def compare(before: Path, after: Path) -> int:
    """How many outputs are the same; a short diff of each that is not. Exit 1 when any differs."""
    names = sorted({path.name for path in before.glob("*.txt")} | {path.name for path in after.glob("*.txt")})
    differ = []
    for name in names:
        old, new = before / name, after / name
        if not (old.exists() and new.exists()) or old.read_bytes() != new.read_bytes():
            differ.append(name)
            a = old.read_text().splitlines() if old.exists() else []
            b = new.read_text().splitlines() if new.exists() else []
            # Only the changed stretch goes to difflib, which is quadratic on a whole-database export's
            # repeated lines (`}`, `},`): a national export took it more than 25 minutes.
            start = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            end = 0  # lines the same at the end, after the first difference
            while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
                end += 1
            first = max(start - 3, 0)
            lines = difflib.unified_diff(
                a[first : len(a) - end + 3], b[first : len(b) - end + 3], str(old), str(new), lineterm=""
            )
            print("\n".join(list(lines)[:40]))
    print(
        f"{len(names) - len(differ)} of {len(names)} outputs identical"
        + (f"; differ: {', '.join(differ)}" if differ else "")
    )
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("build").add_argument("--dbs", type=Path, required=True)
    recording = verbs.add_parser("record")
    recording.add_argument("--ilacs", required=True)
    recording.add_argument("--dbs", type=Path, required=True)
    recording.add_argument("--out", type=Path, required=True)
    comparing = verbs.add_parser("compare")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    options = parser.parse_args()
    if options.verb == "build":
        build(options.dbs)
    elif options.verb == "record":
        record(options.ilacs, options.dbs, options.out)
    else:
        sys.exit(compare(options.before, options.after))


if __name__ == "__main__":
    main()
